package provider_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/provider"
	"github.com/docketcard/docketcard/provider/checksim"
)

// Client ↔ simulator over 127.0.0.1: submit, then the signed callback
// arrives, is verified, and agrees with polling.
func TestSubmitThenSignedCallback(t *testing.T) {
	tests := []struct {
		name     string
		ct       provider.CheckType
		hitRate  float64
		subject  string
		want     provider.Status
		evidence bool
	}{
		{"criminal history clear", provider.CheckCriminalHistory, 0, "subj-1", provider.StatusClear, false},
		{"biometric possible match", provider.CheckBiometric, 1, "subj-2", provider.StatusPossibleMatch, true},
		{"terrorist screening possible match", provider.CheckTerroristScreening, 1, "subj-3", provider.StatusPossibleMatch, true},
		{"scripted hit despite rate 0", provider.CheckCriminalHistory, 0, checksim.ForceHitPrefix + "4", provider.StatusPossibleMatch, true},
		{"scripted provider error", provider.CheckBiometric, 1, checksim.ForceErrorPrefix + "5", provider.StatusError, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, srv := newSim(t, checksim.Config{Latency: 20 * time.Millisecond, Jitter: 10 * time.Millisecond, HitRate: tt.hitRate, Seed: 7})
			c := newClient(t, provider.Config{BaseURL: srv.URL})
			cb, results := receiver(t, c)

			ack, err := c.Submit(context.Background(), request(tt.ct, tt.subject, cb), provider.NewIdempotencyKey())
			if err != nil {
				t.Fatalf("Submit: %v", err)
			}
			if ack.Status != provider.StatusPending || ack.Result != nil || ack.Replayed || ack.ProviderRef == "" {
				t.Fatalf("ack = %+v, want a fresh pending check", ack)
			}
			got := waitResult(t, results)
			if got.ProviderRef != ack.ProviderRef || got.Status != tt.want || got.CheckType != tt.ct || got.CompletedAt.IsZero() {
				t.Fatalf("callback result = %+v, want %s for %s", got, tt.want, ack.ProviderRef)
			}
			if (len(got.Evidence) > 0) != tt.evidence {
				t.Fatalf("evidence = %+v, want some: %v", got.Evidence, tt.evidence)
			}
			for _, e := range got.Evidence {
				if e.Kind == "" || e.Source == "" || e.Reference == "" || !bytes.Contains([]byte(e.Summary), []byte("SYNTHETIC")) {
					t.Fatalf("evidence %+v is incomplete or not marked synthetic", e)
				}
			}
			if tt.want == provider.StatusError && got.Detail == "" {
				t.Fatal("an error result carries no detail")
			}
			polled, err := c.Poll(context.Background(), ack.ProviderRef)
			if err != nil {
				t.Fatalf("Poll: %v", err)
			}
			if polled.Status != got.Status || !polled.CompletedAt.Equal(got.CompletedAt) || len(polled.Evidence) != len(got.Evidence) {
				t.Fatalf("poll %+v disagrees with callback %+v", polled, got)
			}
			st := waitStats(t, sim, func(st checksim.Stats) bool { return st.CallbacksDelivered > 0 })
			if st.CallbacksDelivered != 1 || st.Checks != 1 {
				t.Fatalf("stats = %+v, want one check and one delivered callback", st)
			}
		})
	}
}

// A dropped callback is never sent; polling finds the result.
func TestDroppedCallbackFoundByPolling(t *testing.T) {
	sim, srv := newSim(t, checksim.Config{Latency: 30 * time.Millisecond, HitRate: 1, DropCallbackRate: 1, Seed: 1})
	c := newClient(t, provider.Config{BaseURL: srv.URL})
	cb, results := receiver(t, c)

	ack, err := c.Submit(context.Background(), request(provider.CheckCriminalHistory, "subj-drop", cb), "drop-key-1")
	if err != nil {
		t.Fatal(err)
	}
	res := pollUntilFinal(t, c, ack.ProviderRef)
	if res.Status != provider.StatusPossibleMatch || len(res.Evidence) == 0 {
		t.Fatalf("polled %+v, want a possible match with evidence", res)
	}
	st := sim.Stats()
	if st.CallbacksDropped != 1 || st.CallbacksDelivered != 0 {
		t.Fatalf("stats = %+v, want the one callback dropped", st)
	}
	select {
	case r := <-results:
		t.Fatalf("a dropped callback arrived: %+v", r)
	default:
	}
}

// Resubmitting with the same idempotency key never starts a second check.
func TestIdempotentResubmission(t *testing.T) {
	sim, srv := newSim(t, checksim.Config{Latency: 50 * time.Millisecond, Seed: 3})
	c := newClient(t, provider.Config{BaseURL: srv.URL})
	ctx := context.Background()
	first, err := c.Submit(ctx, request(provider.CheckBiometric, "subj-idem", ""), "key-A")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		req      *provider.CheckRequest
		key      string
		sameRef  bool
		replayed bool
		code     string // non-empty: the submission must fail permanently with it
	}{
		{"same key, same request", request(provider.CheckBiometric, "subj-idem", ""), "key-A", true, true, ""},
		{"same key again", request(provider.CheckBiometric, "subj-idem", ""), "key-A", true, true, ""},
		{"same key, different request", request(provider.CheckCriminalHistory, "subj-idem", ""), "key-A", false, false, docketcard.ECONFLICT},
		{"new key, same request", request(provider.CheckBiometric, "subj-idem", ""), "key-B", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ack, err := c.Submit(ctx, tt.req, tt.key)
			if tt.code != "" {
				if docketcard.ErrorCode(err) != tt.code || provider.IsRetryable(err) {
					t.Fatalf("err = %v (code %s), want permanent %s", err, docketcard.ErrorCode(err), tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (ack.ProviderRef == first.ProviderRef) != tt.sameRef || ack.Replayed != tt.replayed {
				t.Fatalf("ack = %+v (first %s), want same ref %v, replayed %v", ack, first.ProviderRef, tt.sameRef, tt.replayed)
			}
		})
	}

	// Concurrent retries with one key make one check.
	var wg sync.WaitGroup
	refs := make([]string, 8)
	for i := range refs {
		wg.Go(func() {
			ack, err := c.Submit(ctx, request(provider.CheckTerroristScreening, "subj-race", ""), "key-race")
			if err != nil {
				t.Error(err)
				return
			}
			refs[i] = ack.ProviderRef
		})
	}
	wg.Wait()
	for _, r := range refs {
		if r != refs[0] {
			t.Fatalf("concurrent submissions got refs %v", refs)
		}
	}
	if n := sim.Stats().Checks; n != 3 { // key-A, key-B, key-race
		t.Fatalf("the simulator started %d checks, want 3", n)
	}

	// Once the check is final, a resubmission answers 200 with its result.
	pollUntilFinal(t, c, first.ProviderRef)
	ack, err := c.Submit(ctx, request(provider.CheckBiometric, "subj-idem", ""), "key-A")
	if err != nil {
		t.Fatal(err)
	}
	if !ack.Replayed || ack.Result == nil || ack.ProviderRef != first.ProviderRef || !ack.Status.Final() {
		t.Fatalf("resubmission after completion = %+v, want the replayed final result", ack)
	}
}

// switchHandler forwards to whichever handler is current and counts
// requests.
type switchHandler struct {
	cur      atomic.Pointer[http.Handler]
	requests atomic.Int64
}

func (s *switchHandler) set(h http.Handler) { s.cur.Store(&h) }
func (s *switchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	(*s.cur.Load()).ServeHTTP(w, r)
}

// Error rate 1.0: retryable errors open the breaker after N; it fails fast,
// half-opens after the cool-down (injected clock) and closes on success.
func TestBreakerAgainstFailingSimulator(t *testing.T) {
	failing, err := checksim.New(checksim.Config{Latency: 10 * time.Millisecond, ErrorRate: 1, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer failing.Close()
	healthy, err := checksim.New(checksim.Config{Latency: 10 * time.Millisecond, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer healthy.Close()
	sw := &switchHandler{}
	sw.set(failing)
	srv := serve(t, sw)

	clk := &fakeClock{t: t0}
	var transitions []string
	const threshold, cool = 3, time.Minute
	c := newClient(t, provider.Config{BaseURL: srv.URL, FailureThreshold: threshold, CoolDown: cool, Clock: clk.Now,
		OnBreakerChange: func(from, to provider.BreakerState) { transitions = append(transitions, to.String()) }})
	ctx := context.Background()
	req := request(provider.CheckCriminalHistory, "subj-breaker", "")
	const key = "breaker-key"

	type step struct {
		name      string
		advance   time.Duration
		healthy   bool
		call      string // "submit" or "poll"
		reached   bool   // the request reached the provider
		wantOpen  bool   // failed fast with ErrCircuitOpen
		wantErr   bool
		wantState provider.BreakerState
	}
	steps := []step{
		{name: "failure 1", call: "submit", reached: true, wantErr: true, wantState: provider.BreakerClosed},
		{name: "failure 2", call: "poll", reached: true, wantErr: true, wantState: provider.BreakerClosed},
		{name: "failure 3 opens", call: "submit", reached: true, wantErr: true, wantState: provider.BreakerOpen},
		{name: "open: submit fails fast", call: "submit", wantOpen: true, wantErr: true, wantState: provider.BreakerOpen},
		{name: "open: poll fails fast", call: "poll", wantOpen: true, wantErr: true, wantState: provider.BreakerOpen},
		{name: "still open just before the cool-down ends", advance: cool - time.Second, call: "submit", wantOpen: true, wantErr: true, wantState: provider.BreakerOpen},
		{name: "half-open trial fails, reopens", advance: time.Second, call: "submit", reached: true, wantErr: true, wantState: provider.BreakerOpen},
		{name: "reopened for a full cool-down", advance: cool / 2, call: "submit", wantOpen: true, wantErr: true, wantState: provider.BreakerOpen},
		{name: "half-open trial succeeds, closes", advance: cool / 2, healthy: true, call: "submit", reached: true, wantState: provider.BreakerClosed},
		{name: "closed: requests flow", healthy: true, call: "submit", reached: true, wantState: provider.BreakerClosed},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		if s.healthy {
			sw.set(healthy)
		}
		before := sw.requests.Load()
		var err error
		if s.call == "submit" {
			var ack *provider.Ack
			ack, err = c.Submit(ctx, req, key)
			if err == nil && ack.ProviderRef == "" {
				t.Fatalf("%s: empty ack", s.name)
			}
		} else {
			_, err = c.Poll(ctx, "sim_0000")
		}
		if reached := sw.requests.Load() > before; reached != s.reached {
			t.Fatalf("%s: reached provider = %v, want %v", s.name, reached, s.reached)
		}
		if (err != nil) != s.wantErr {
			t.Fatalf("%s: err = %v, want error %v", s.name, err, s.wantErr)
		}
		if err != nil {
			var pe *provider.Error
			if !errors.As(err, &pe) || !pe.Retryable || docketcard.ErrorCode(err) != docketcard.EUNAVAILABLE {
				t.Fatalf("%s: err = %#v, want a retryable EUNAVAILABLE *provider.Error", s.name, err)
			}
			if errors.Is(err, provider.ErrCircuitOpen) != s.wantOpen {
				t.Fatalf("%s: ErrCircuitOpen = %v, want %v (%v)", s.name, !s.wantOpen, s.wantOpen, err)
			}
			if s.wantOpen {
				if d, ok := provider.RetryAfter(err); !ok || d <= 0 || d > cool {
					t.Fatalf("%s: RetryAfter = %v, %v; want the rest of the cool-down", s.name, d, ok)
				}
			} else if pe.StatusCode != http.StatusInternalServerError {
				t.Fatalf("%s: status %d, want 500", s.name, pe.StatusCode)
			}
		}
		if got := c.BreakerState(); got != s.wantState {
			t.Fatalf("%s: breaker %s, want %s", s.name, got, s.wantState)
		}
	}
	want := "[open half-open open half-open closed]"
	if got := fmtSlice(transitions); got != want {
		t.Fatalf("transitions %s, want %s", got, want)
	}
	// The failed attempts started nothing; the key made exactly one check.
	if n := healthy.Stats().Checks; n != 1 {
		t.Fatalf("healthy simulator started %d checks, want 1", n)
	}
	if n := failing.Stats().Checks; n != 0 {
		t.Fatalf("failing simulator started %d checks, want 0", n)
	}
}

func fmtSlice(s []string) string {
	b := []byte("[")
	for i, x := range s {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, x...)
	}
	return string(append(b, ']'))
}

// A callback captured off the wire and sent again is refused; so is one
// whose body was altered.
func TestSimulatorCallbackReplayRejected(t *testing.T) {
	_, srv := newSim(t, checksim.Config{Latency: 10 * time.Millisecond, HitRate: 1})
	c := newClient(t, provider.Config{BaseURL: srv.URL})
	results := make(chan *provider.Result, 4)
	inner := c.CallbackHandler(secret, func(_ context.Context, r *provider.Result) error { results <- r; return nil })
	type captured struct {
		header string
		body   []byte
	}
	caps := make(chan captured, 4)
	rcv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		caps <- captured{r.Header.Get(provider.SignatureHeader), body}
		r.Body = io.NopCloser(bytes.NewReader(body))
		inner.ServeHTTP(w, r)
	}))
	if _, err := c.Submit(context.Background(), request(provider.CheckBiometric, "subj-replay", rcv.URL), "replay-key"); err != nil {
		t.Fatal(err)
	}
	waitResult(t, results)
	cap := <-caps

	tests := []struct {
		name   string
		header string
		body   []byte
		want   int
	}{
		{"exact replay", cap.header, cap.body, http.StatusConflict},
		{"altered body", cap.header, bytes.Replace(cap.body, []byte("possible_match"), []byte("clear"), 1), http.StatusUnauthorized},
		{"signature stripped", "", cap.body, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, rcv.URL, bytes.NewReader(tt.body))
			if tt.header != "" {
				req.Header.Set(provider.SignatureHeader, tt.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	select {
	case r := <-results:
		t.Fatalf("a replayed callback was accepted: %+v", r)
	default:
	}
}

// A provider whose clock is 10 minutes slow signs stale callbacks; the
// receiver refuses them, the provider gives up, polling still works.
func TestSimulatorStaleCallbackRejected(t *testing.T) {
	sim, srv := newSim(t, checksim.Config{Latency: 10 * time.Millisecond, Clock: func() time.Time { return time.Now().Add(-10 * time.Minute) }})
	c := newClient(t, provider.Config{BaseURL: srv.URL})
	cb, results := receiver(t, c)
	ack, err := c.Submit(context.Background(), request(provider.CheckCriminalHistory, "subj-stale", cb), "stale-key")
	if err != nil {
		t.Fatal(err)
	}
	pollUntilFinal(t, c, ack.ProviderRef)
	st := waitStats(t, sim, func(st checksim.Stats) bool { return st.CallbacksRejected > 0 })
	if st.CallbacksRejected != 1 || st.CallbacksDelivered != 0 {
		t.Fatalf("stats = %+v, want the one callback rejected", st)
	}
	select {
	case r := <-results:
		t.Fatalf("a stale callback was accepted: %+v", r)
	default:
	}
}

// No result is visible before the latency has passed, by callback or by
// polling; the callback arrives well within a generous bound.
func TestLatencyRespected(t *testing.T) {
	tests := []struct {
		name            string
		latency, jitter time.Duration
	}{
		{"fixed latency", 150 * time.Millisecond, 0},
		{"latency plus jitter", 80 * time.Millisecond, 80 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newSim(t, checksim.Config{Latency: tt.latency, Jitter: tt.jitter})
			c := newClient(t, provider.Config{BaseURL: srv.URL})
			cb, results := receiver(t, c)
			start := time.Now()
			ack, err := c.Submit(context.Background(), request(provider.CheckCriminalHistory, "subj-latency", cb), provider.NewIdempotencyKey())
			if err != nil {
				t.Fatal(err)
			}
			early, err := c.Poll(context.Background(), ack.ProviderRef)
			if err != nil {
				t.Fatal(err)
			}
			if early.Status.Final() && time.Since(start) < tt.latency {
				t.Fatalf("result final after %v, before the latency of %v", time.Since(start), tt.latency)
			}
			waitResult(t, results)
			if d := time.Since(start); d < tt.latency || d > 10*time.Second {
				t.Fatalf("callback after %v, want between %v and 10s", d, tt.latency)
			}
		})
	}
}

// Zero latency makes the simulator synchronous: 200 with the final result.
func TestSynchronousAnswer(t *testing.T) {
	sim, srv := newSim(t, checksim.Config{HitRate: 1})
	c := newClient(t, provider.Config{BaseURL: srv.URL})
	cb, _ := receiver(t, c)
	ack, err := c.Submit(context.Background(), request(provider.CheckTerroristScreening, "subj-sync", cb), "sync-key")
	if err != nil {
		t.Fatal(err)
	}
	if ack.Result == nil || ack.Status != provider.StatusPossibleMatch || ack.Result.ProviderRef != ack.ProviderRef || len(ack.Result.Evidence) == 0 {
		t.Fatalf("ack = %+v, want a synchronous possible match", ack)
	}
	if st := sim.Stats(); st.CallbacksDelivered != 0 || st.Completed != 1 {
		t.Fatalf("stats = %+v: a synchronous answer sends no callback", st)
	}
}
