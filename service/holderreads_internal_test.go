package service

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
)

// fakeHolders is a Store whose only method in use is CardHolders: its
// first call blocks until released, and every call is recorded.
type fakeHolders struct {
	docketcard.Store // nil: anything else panics
	mu               sync.Mutex
	calls            [][]string
	entered, release chan struct{}
	panicOn          string
}

func (f *fakeHolders) CardHolders(ctx context.Context, numbers []string) (map[string]*docketcard.CardHolder, error) {
	f.mu.Lock()
	first := len(f.calls) == 0
	f.calls = append(f.calls, slices.Clone(numbers))
	f.mu.Unlock()
	if first {
		close(f.entered)
		<-f.release
	}
	out := map[string]*docketcard.CardHolder{}
	for _, n := range numbers {
		if n == f.panicOn {
			panic("store bug")
		}
		if n != "DC0000404" {
			out[n] = &docketcard.CardHolder{Card: docketcard.Card{CardNumber: n}, FamilyNames: "HOLDER OF " + n}
		}
	}
	return out, nil
}

func (f *fakeHolders) recorded() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

type got struct {
	h   *docketcard.CardHolder
	err error
}

func TestHolderReadsBatchAfterArrival(t *testing.T) {
	f := &fakeHolders{entered: make(chan struct{}), release: make(chan struct{}), panicOn: "DC0000666"}
	l := &holderReads{store: f}
	ctx := context.Background()
	get := func(n string) chan got {
		c := make(chan got, 1)
		go func() { h, err := l.Get(ctx, n); c <- got{h, err} }()
		return c
	}
	first := get("DC0000001")
	<-f.entered // the first read is in flight

	// Requests arriving now, including one for the card being read, must
	// wait for a read that starts after them, and share it.
	second, third := get("DC0000001"), get("DC0000002")
	cancelled, cancel := context.WithCancel(ctx)
	gone := make(chan error, 1)
	go func() { _, err := l.Get(cancelled, "DC0000003"); gone <- err }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		l.mu.Lock()
		n := len(l.pending)
		l.mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want 3", n)
		}
	}
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled request got %v, want context.Canceled", err)
	}
	close(f.release)

	for _, tc := range []struct {
		name string
		c    chan got
		want string
	}{
		{"first", first, "DC0000001"},
		{"same card, arrived during the first read", second, "DC0000001"},
		{"other card", third, "DC0000002"},
	} {
		r := <-tc.c
		if r.err != nil || r.h.Card.CardNumber != tc.want || r.h.FamilyNames != "HOLDER OF "+tc.want {
			t.Fatalf("%s: %+v %v, want the holder of %s", tc.name, r.h, r.err, tc.want)
		}
	}
	// The cancelled request's number is still read (its answer is
	// dropped): it was queued when the read started.
	want := [][]string{{"DC0000001"}, {"DC0000001", "DC0000002", "DC0000003"}}
	calls := f.recorded()
	for _, c := range calls {
		slices.Sort(c)
	}
	if !slices.EqualFunc(calls, want, slices.Equal) {
		t.Fatalf("reads %v, want %v (the second after the first, shared, one entry per card)", calls, want)
	}

	// Each request gets its own copy.
	a, b := get("DC0000007"), get("DC0000007")
	ra, rb := <-a, <-b
	if ra.h == rb.h {
		t.Fatal("two requests were handed the same *CardHolder")
	}

	for _, tc := range []struct {
		name, number, wantCode string
	}{
		{"no such card", "DC0000404", docketcard.ENOTFOUND},
		{"the store panics: an error, not a crash", "DC0000666", docketcard.EINTERNAL},
		{"and the loader goes on", "DC0000008", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := l.Get(ctx, tc.number)
			if code := docketcard.ErrorCode(err); code != tc.wantCode || (err == nil && h.Card.CardNumber != tc.number) {
				t.Fatalf("got %+v, %v (code %q), want code %q", h, err, code, tc.wantCode)
			}
		})
	}
}
