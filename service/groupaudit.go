package service

import (
	"context"
	"sync"

	"github.com/docketcard/docketcard"
)

// groupAudit appends the audit entries of reads with group commit: callers
// queue their entry; a flusher goroutine writes everything queued in a
// single transaction, then the next batch, while each caller waits for
// the batch that holds its entry to commit. A read is still never answered
// before its audit entry is durable, but 32 concurrent reads cost one
// commit instead of 32 serialised ones behind the chain's head lock.
type groupAudit struct {
	store    docketcard.Store
	mu       sync.Mutex
	pending  []*pendingAudit
	flushing bool
}

type pendingAudit struct {
	e    *docketcard.AuditEntry
	enc  *docketcard.Encounter // a verification's encounter record, written with its audit entry
	done chan error
}

// maxAuditBatch bounds one group-commit transaction.
const maxAuditBatch = 512

// Append makes e durable, returning once its batch has committed.
func (g *groupAudit) Append(ctx context.Context, e *docketcard.AuditEntry) error {
	return g.AppendWith(ctx, e, nil)
}

// AppendWith makes e and, if not nil, the encounter enc durable together.
// The flushing runs in its own goroutine, started when entries arrive and
// none is running: a request that happened to start it is not kept
// waiting while it commits the batches of later requests (under steady
// load that could be seconds).
func (g *groupAudit) AppendWith(ctx context.Context, e *docketcard.AuditEntry, enc *docketcard.Encounter) error {
	p := &pendingAudit{e: e, enc: enc, done: make(chan error, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, p)
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
		n := min(len(g.pending), maxAuditBatch)
		batch := g.pending[:n:n]
		g.pending = g.pending[n:]
		g.mu.Unlock()
		es := make([]*docketcard.AuditEntry, len(batch))
		var encs []*docketcard.Encounter
		for i, b := range batch {
			es[i] = b.e
			if b.enc != nil {
				encs = append(encs, b.enc)
			}
		}
		err := g.store.WithTx(ctx, func(tx docketcard.Tx) error {
			if err := tx.CreateEncounters(ctx, encs...); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, es...)
		})
		for _, b := range batch {
			b.done <- err
		}
		g.mu.Lock()
	}
	g.flushing = false
	g.mu.Unlock()
}
