package provider

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestBreakerTransitions(t *testing.T) {
	// Each step either sends a request with an outcome, or advances the
	// clock; after it the breaker must be in want.
	type step struct {
		advance time.Duration
		send    bool
		outcome outcome
		allowed bool // for sends: whether the request went through
		want    BreakerState
	}
	send := func(o outcome, allowed bool, want BreakerState) step {
		return step{send: true, outcome: o, allowed: allowed, want: want}
	}
	wait := func(d time.Duration, want BreakerState) step { return step{advance: d, want: want} }
	const cool = time.Minute
	tests := []struct {
		name  string
		steps []step
	}{
		{"opens after 3 consecutive failures", []step{
			send(failure, true, BreakerClosed),
			send(failure, true, BreakerClosed),
			send(failure, true, BreakerOpen),
			send(success, false, BreakerOpen), // fails fast
		}},
		{"a success resets the count", []step{
			send(failure, true, BreakerClosed),
			send(failure, true, BreakerClosed),
			send(success, true, BreakerClosed),
			send(failure, true, BreakerClosed),
			send(failure, true, BreakerClosed),
			send(failure, true, BreakerOpen),
		}},
		{"ignored outcomes do not count", []step{
			send(failure, true, BreakerClosed),
			send(ignored, true, BreakerClosed),
			send(failure, true, BreakerClosed),
			send(ignored, true, BreakerClosed),
			send(failure, true, BreakerOpen),
		}},
		{"half-open after cool-down, closes on success", []step{
			send(failure, true, BreakerClosed), send(failure, true, BreakerClosed), send(failure, true, BreakerOpen),
			wait(cool-time.Second, BreakerOpen),
			send(success, false, BreakerOpen),
			wait(time.Second, BreakerHalfOpen),
			send(success, true, BreakerClosed),
			send(failure, true, BreakerClosed),
		}},
		{"half-open trial failure reopens for a full cool-down", []step{
			send(failure, true, BreakerClosed), send(failure, true, BreakerClosed), send(failure, true, BreakerOpen),
			wait(cool, BreakerHalfOpen),
			send(failure, true, BreakerOpen),
			wait(cool-time.Second, BreakerOpen),
			send(success, false, BreakerOpen),
			wait(time.Second, BreakerHalfOpen),
			send(success, true, BreakerClosed),
		}},
		{"half-open trial ignored stays half-open", []step{
			send(failure, true, BreakerClosed), send(failure, true, BreakerClosed), send(failure, true, BreakerOpen),
			wait(cool, BreakerHalfOpen),
			send(ignored, true, BreakerHalfOpen),
			send(success, true, BreakerClosed),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: testNow}
			var changes []string
			b := &breaker{threshold: 3, coolDown: cool, now: clk.Now, onChange: func(from, to BreakerState) {
				changes = append(changes, from.String()+"→"+to.String())
			}}
			for i, s := range tt.steps {
				if s.advance > 0 {
					clk.Advance(s.advance)
				}
				if s.send {
					probe, wait, ok := b.allow()
					if ok != s.allowed {
						t.Fatalf("step %d: allowed = %v, want %v", i, ok, s.allowed)
					}
					if ok {
						b.record(probe, s.outcome)
					} else if b.state == BreakerOpen && wait <= 0 {
						t.Fatalf("step %d: refused with wait %v", i, wait)
					}
				}
				if got := b.current(); got != s.want {
					t.Fatalf("step %d: state %s, want %s (transitions %v)", i, got, s.want, changes)
				}
			}
		})
	}
}

func TestBreakerHalfOpenAdmitsOneTrial(t *testing.T) {
	clk := &fakeClock{t: testNow}
	b := &breaker{threshold: 1, coolDown: time.Second, now: clk.Now}
	p, _, _ := b.allow()
	b.record(p, failure)
	clk.Advance(time.Second)
	probe, _, ok := b.allow()
	if !ok || !probe {
		t.Fatalf("first request after cool-down: ok=%v probe=%v", ok, probe)
	}
	for range 3 {
		if _, _, ok := b.allow(); ok {
			t.Fatal("a second request went through while the trial was in flight")
		}
	}
	b.record(probe, success)
	if _, _, ok := b.allow(); !ok || b.current() != BreakerClosed {
		t.Fatalf("after a successful trial: ok=%v state=%s", ok, b.current())
	}
}

func TestMemoryDedup(t *testing.T) {
	clk := &fakeClock{t: testNow}
	d := NewMemoryDedup(time.Hour, 3, clk.Now)
	if !d.Claim("a") || d.Claim("a") {
		t.Fatal("first claim must succeed, second fail")
	}
	d.Release("a")
	if !d.Claim("a") {
		t.Fatal("claim after release failed")
	}
	clk.Advance(30 * time.Minute)
	d.Claim("b")
	clk.Advance(31 * time.Minute) // a is 61 minutes old, b 31
	if !d.Claim("a") {
		t.Fatal("a was not forgotten after the retention")
	}
	if d.Claim("b") {
		t.Fatal("b was forgotten too early")
	}
	d.Claim("c")
	d.Claim("d") // over max: the oldest (b) goes
	if d.Len() != 3 {
		t.Fatalf("Len = %d, want 3", d.Len())
	}
	if !d.Claim("b") {
		t.Fatal("the oldest entry was not evicted at the size limit")
	}
}
