package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/docketcard/docketcard"
)

// holderReads batches the card-and-holder reads of concurrent online
// verifications: requests queue their card number; a loader goroutine
// reads everything queued with one query, hands each request its row,
// then reads the next batch. A request is always answered from a read
// that started after it arrived (what queues during a read waits for the
// next one), so a revocation committed before a verification arrives is
// always seen, as with one query per request. Under 32 concurrent
// verifications this turns 32 reads (on PostgreSQL, 32 round trips and
// 32 executor start-ups; on SQLite, 32 read transactions whose page
// cache every commit has just invalidated) into a few.
type holderReads struct {
	store   docketcard.Store
	mu      sync.Mutex
	pending []*holderWait
	loading bool
}

type holderWait struct {
	number string
	done   chan holderResult
}

type holderResult struct {
	h   *docketcard.CardHolder
	err error
}

// holderReadTimeout bounds one batched read: it serves many requests, so
// it cannot run under any one request's context.
const holderReadTimeout = 10 * time.Second

// Get returns the signed card with this number and its holder, or an
// ENOTFOUND error.
func (l *holderReads) Get(ctx context.Context, number string) (*docketcard.CardHolder, error) {
	return l.Start(number).Wait(ctx)
}

// Start queues the read of a card and its holder; Wait returns it. A
// read that is started and never waited for costs nothing more than the
// read itself.
func (l *holderReads) Start(number string) *holderWait {
	w := &holderWait{number: number, done: make(chan holderResult, 1)}
	l.mu.Lock()
	l.pending = append(l.pending, w)
	if !l.loading {
		l.loading = true
		go l.load()
	}
	l.mu.Unlock()
	return w
}

// Wait returns the card and holder read by Start, or an ENOTFOUND error.
func (w *holderWait) Wait(ctx context.Context) (*docketcard.CardHolder, error) {
	select {
	case r := <-w.done:
		return r.h, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// load reads the queued numbers batch by batch until none is left.
func (l *holderReads) load() {
	l.mu.Lock()
	for len(l.pending) > 0 {
		batch := l.pending
		l.pending = nil
		l.mu.Unlock()
		numbers := make([]string, 0, len(batch))
		seen := make(map[string]bool, len(batch))
		for _, w := range batch {
			if !seen[w.number] {
				seen[w.number] = true
				numbers = append(numbers, w.number)
			}
		}
		found, err := l.read(numbers)
		for _, w := range batch {
			switch h := found[w.number]; {
			case err != nil:
				w.done <- holderResult{err: err}
			case h == nil:
				w.done <- holderResult{err: docketcard.Errorf(docketcard.ENOTFOUND, "Card not found.")}
			default:
				// Each request its own copy; Photo still points at one
				// BlobRef, which nothing writes to.
				c := *h
				w.done <- holderResult{h: &c}
			}
		}
		l.mu.Lock()
	}
	l.loading = false
	l.mu.Unlock()
}

// read runs one batched read. A panic in the store is turned into an
// error for this batch (the requests get a 500, as a panic in their own
// handler would give them), not a crash of the process, and the loader
// goes on with the next batch.
func (l *holderReads) read(numbers []string) (found map[string]*docketcard.CardHolder, err error) {
	defer func() {
		if v := recover(); v != nil {
			found, err = nil, fmt.Errorf("service: card-and-holder read panicked: %v", v)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), holderReadTimeout)
	defer cancel()
	return l.store.CardHolders(ctx, numbers)
}
