package provider

import (
	"sync"
	"time"

	"github.com/docketcard/docketcard"
)

// BreakerState is the state of a circuit breaker.
type BreakerState int

// Breaker states.
const (
	// BreakerClosed: requests flow; consecutive failures are counted.
	BreakerClosed BreakerState = iota
	// BreakerOpen: requests fail fast with ErrCircuitOpen until the
	// cool-down has passed.
	BreakerOpen
	// BreakerHalfOpen: one trial request is let through; its success
	// closes the breaker, its failure opens it for another cool-down.
	BreakerHalfOpen
)

func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half-open"
	}
	return "unknown"
}

// outcome is what a request that the breaker let through came to.
type outcome int

const (
	// success: the provider answered (including a permanent 4xx, which
	// says the provider is up and our request was wrong, and 429).
	success outcome = iota
	// failure: the provider is unreachable or failing (timeout, refused
	// connection, 5xx, an unreadable answer).
	failure
	// ignored: the caller gave up (its context ended) before an answer;
	// says nothing about the provider.
	ignored
)

// breaker is a consecutive-failure circuit breaker with an injected clock.
type breaker struct {
	threshold int
	coolDown  time.Duration
	now       docketcard.Clock
	onChange  func(from, to BreakerState)

	mu       sync.Mutex
	state    BreakerState
	failures int       // consecutive, while closed
	openedAt time.Time // when it last opened
	probing  bool      // a half-open trial is in flight
}

// allow asks to send a request. It returns whether the request is the
// half-open trial (to be passed to record), or, when the request must not
// be sent, how long until the breaker will let one through.
func (b *breaker) allow() (probe bool, wait time.Duration, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == BreakerOpen {
		left := b.coolDown - b.now().Sub(b.openedAt)
		if left > 0 {
			return false, left, false
		}
		b.setLocked(BreakerHalfOpen)
	}
	if b.state == BreakerHalfOpen {
		if b.probing {
			return false, 0, false
		}
		b.probing = true
		return true, 0, true
	}
	return false, 0, true
}

// record reports the outcome of a request that allow let through.
func (b *breaker) record(probe bool, o outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	switch o {
	case success:
		b.failures = 0
		if probe && b.state == BreakerHalfOpen {
			b.setLocked(BreakerClosed)
		}
	case failure:
		switch {
		case probe && b.state == BreakerHalfOpen:
			b.openLocked()
		case b.state == BreakerClosed:
			b.failures++
			if b.failures >= b.threshold {
				b.openLocked()
			}
		}
	}
}

func (b *breaker) openLocked() {
	b.failures = 0
	b.openedAt = b.now()
	b.setLocked(BreakerOpen)
}

func (b *breaker) setLocked(s BreakerState) {
	from := b.state
	b.state = s
	if from != s && b.onChange != nil {
		b.onChange(from, s)
	}
}

// current returns the state, reporting an open breaker whose cool-down
// has passed as half-open.
func (b *breaker) current() BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == BreakerOpen && b.now().Sub(b.openedAt) >= b.coolDown {
		return BreakerHalfOpen
	}
	return b.state
}
