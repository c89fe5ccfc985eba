package provider_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testenv"
	"github.com/docketcard/docketcard/provider"
	"github.com/docketcard/docketcard/provider/checksim"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	t0     = time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)
)

// fakeClock moves only when told to.
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

// serve starts h on a real 127.0.0.1 port.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	testenv.Need(t, err == nil, "a loopback TCP listener", "the tests need to listen on 127.0.0.1")
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// newSim starts a simulator on loopback.
func newSim(t *testing.T, cfg checksim.Config) (*checksim.Simulator, *httptest.Server) {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = secret
	}
	if cfg.CallbackBackoff == 0 {
		cfg.CallbackBackoff = 10 * time.Millisecond
	}
	sim, err := checksim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, sim)
	t.Cleanup(sim.Close) // runs before srv.Close
	return sim, srv
}

func newClient(t *testing.T, cfg provider.Config) *provider.Client {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = "test-token"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	c, err := provider.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// receiver mounts c's callback handler on loopback and returns its URL and
// the results it accepted.
func receiver(t *testing.T, c *provider.Client) (string, <-chan *provider.Result) {
	t.Helper()
	ch := make(chan *provider.Result, 16)
	srv := serve(t, c.CallbackHandler(secret, func(_ context.Context, r *provider.Result) error {
		ch <- r
		return nil
	}))
	return srv.URL + "/callbacks/checks", ch
}

func subject(id string) provider.Subject {
	return provider.Subject{
		ID:          id,
		Names:       []docketcard.Name{{FamilyNames: "GARCÍA LÓPEZ", GivenNames: "Ana María"}, {FamilyNames: "GARCIA", GivenNames: "Ana"}},
		DateOfBirth: "1988-03",
		Nationality: "MEX",
		Sex:         "F",
	}
}

func request(ct provider.CheckType, subjectID, callback string) *provider.CheckRequest {
	return &provider.CheckRequest{CheckType: ct, Subject: subject(subjectID), CallbackURL: callback}
}

// waitResult waits (generously) for a callback.
func waitResult(t *testing.T, ch <-chan *provider.Result) *provider.Result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no callback within 10s")
		return nil
	}
}

// pollUntilFinal polls every 10ms until the check is final (at most 10s).
func pollUntilFinal(t *testing.T, c *provider.Client, ref string) *provider.Result {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := c.Poll(context.Background(), ref)
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		if r.Status.Final() {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("check %s still %s after 10s", ref, r.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitStats waits (at most 10s) until the simulator's counters satisfy ok:
// the simulator counts a callback only after reading the receiver's answer.
func waitStats(t *testing.T, sim *checksim.Simulator, ok func(checksim.Stats) bool) checksim.Stats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := sim.Stats()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulator stats %+v never reached the expected state", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
