package service

import (
	"context"
	"sync"
	"time"

	"github.com/docketcard/docketcard"
)

// groupAudit appends the audit entries of reads and of verifications
// (whose encounter records they are) with group commit: callers queue
// their entry; a flusher goroutine writes everything queued in a
// single transaction, then the next batch, while each caller waits for
// the batch that holds its entry to commit. A read is still never answered
// before its audit entry is durable, but 32 concurrent reads cost one
// commit instead of 32 serialised ones behind the chain's head lock.
type groupAudit struct {
	store    docketcard.Store
	mu       sync.Mutex
	pending  []*pendingAudit
	flushing bool
	last     int           // entries in the previous batch
	full     chan struct{} // gatherBelow entries queued: end the gather wait
}

type pendingAudit struct {
	e    *docketcard.AuditEntry
	done chan error
}

// gather reports whether the flusher waits gatherWindow before taking
// the next batch, given the size of the previous batch and the number of
// entries queued now.
func gather(last, queued int) bool {
	return last >= gatherFromSize && queued < gatherBelow
}

// maxAuditBatch bounds one group-commit transaction.
const maxAuditBatch = 512

// The gather window: when commits are cheap (SQLite, whose commit does
// not wait for the disk), a flusher that starts as soon as one entry is
// queued commits batches of about three under 32 concurrent
// verifications, and the fixed cost of each commit (the chain head, the
// WAL pages of every index touched) dominates. Waiting up to gatherWindow
// for more entries, as PostgreSQL's commit_delay does, made batches of
// about 14 and raised verification throughput by about 7 % (docs/
// PERFORMANCE.md). The wait applies only when the previous batch showed
// concurrency (two entries or more) and fewer than gatherBelow entries
// are queued, and it ends as soon as gatherBelow are. So at low load
// (batches of one) no request waits, except once, the first request
// after a burst; and where commits are slow enough to queue gatherBelow
// entries by themselves (PostgreSQL waiting for its WAL flush, batches of
// about 20) the wait is rare and short.
const (
	gatherWindow   = time.Millisecond
	gatherFromSize = 2  // previous batch size from which the window applies
	gatherBelow    = 16 // entries queued below which it applies
)

// Append makes e durable, returning once its batch has committed.
// The flushing runs in its own goroutine, started when entries arrive and
// none is running: a request that happened to start it is not kept
// waiting while it commits the batches of later requests (under steady
// load that could be seconds).
func (g *groupAudit) Append(ctx context.Context, e *docketcard.AuditEntry) error {
	p := &pendingAudit{e: e, done: make(chan error, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, p)
	if len(g.pending) == gatherBelow {
		select {
		case g.full <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	if !g.flushing {
		g.flushing = true
		go g.drain()
	}
	g.mu.Unlock()
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		// The entry may still be written: an audited read that was
		// then abandoned is recorded, which errs on the safe side.
		return ctx.Err()
	}
}

// drain commits the queued entries batch by batch until none is left.
func (g *groupAudit) drain() {
	// The batches belong to many requests: no one caller's cancellation
	// may abort the others' audit entries.
	ctx := context.Background()
	g.mu.Lock()
	for len(g.pending) > 0 {
		if gather(g.last, len(g.pending)) {
			select {
			case <-g.full: // stale: sent while no one was waiting
			default:
			}
			g.mu.Unlock()
			t := time.NewTimer(gatherWindow)
			select {
			case <-t.C:
			case <-g.full:
				t.Stop()
			}
			g.mu.Lock()
		}
		n := min(len(g.pending), maxAuditBatch)
		g.last = n
		batch := g.pending[:n:n]
		g.pending = g.pending[n:]
		g.mu.Unlock()
		es := make([]*docketcard.AuditEntry, len(batch))
		for i, b := range batch {
			es[i] = b.e
		}
		err := g.store.AppendGroup(ctx, es)
		for _, b := range batch {
			b.done <- err
		}
		g.mu.Lock()
	}
	g.flushing = false
	g.mu.Unlock()
}
