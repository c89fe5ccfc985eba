package checksim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testenv"
	"github.com/docketcard/docketcard/provider"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

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

func start(t *testing.T, cfg Config) (*Simulator, *provider.Client) {
	sim, c, _ := startURL(t, cfg)
	return sim, c
}

func startURL(t *testing.T, cfg Config) (*Simulator, *provider.Client, string) {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = secret
	}
	if cfg.CallbackBackoff == 0 {
		cfg.CallbackBackoff = 5 * time.Millisecond
	}
	sim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, sim)
	t.Cleanup(sim.Close)
	tok := cfg.Token
	if tok == "" {
		tok = "any"
	}
	c, err := provider.New(provider.Config{BaseURL: srv.URL, Token: tok, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c, srv.URL
}

func req(ct provider.CheckType, id, cb string) *provider.CheckRequest {
	return &provider.CheckRequest{CheckType: ct, CallbackURL: cb, Subject: provider.Subject{
		ID: id, Names: []docketcard.Name{{FamilyNames: "NGUYEN", GivenNames: "Van An"}}, DateOfBirth: "1979", Nationality: "VNM", Sex: "M",
	}}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []Config{
		{HitRate: -0.1}, {HitRate: 1.5}, {ErrorRate: 2}, {DropCallbackRate: -1},
		{Latency: -time.Second}, {Jitter: -time.Second},
	}
	for _, cfg := range tests {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// The same seed gives the same refs and the same answers; another seed
// gives others. Outcomes depend on the subject, not on the request.
func TestDeterministicGivenSeed(t *testing.T) {
	outcomes := func(seed int64) (refs, statuses string) {
		_, c := start(t, Config{HitRate: 0.5, Seed: seed}) // synchronous
		var r, s strings.Builder
		for i := range 40 {
			ack, err := c.Submit(context.Background(), req(provider.CheckCriminalHistory, fmt.Sprintf("subj-%d", i), ""), fmt.Sprintf("key-%d", i))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&r, "%s ", ack.ProviderRef)
			fmt.Fprintf(&s, "%s:%d ", ack.Status, len(ack.Result.Evidence))
		}
		return r.String(), s.String()
	}
	r1, s1 := outcomes(42)
	r2, s2 := outcomes(42)
	r3, s3 := outcomes(43)
	if r1 != r2 || s1 != s2 {
		t.Fatalf("same seed, different answers:\n%s\n%s", s1, s2)
	}
	if r1 == r3 || s1 == s3 {
		t.Fatal("different seeds gave the same answers")
	}
	hits := strings.Count(s1, "possible_match")
	if hits < 10 || hits > 30 {
		t.Fatalf("%d hits in 40 at rate 0.5", hits)
	}

	// A new check on the same subject gets the same answer.
	_, c := start(t, Config{HitRate: 0.5, Seed: 42})
	a, _ := c.Submit(context.Background(), req(provider.CheckCriminalHistory, "subj-7", ""), "other-key")
	b, _ := c.Submit(context.Background(), req(provider.CheckCriminalHistory, "subj-7", ""), "yet-another-key")
	if a.Status != b.Status || a.ProviderRef == b.ProviderRef {
		t.Fatalf("same subject: %+v vs %+v", a, b)
	}
}

func TestRatesOverManyChecks(t *testing.T) {
	_, c := start(t, Config{HitRate: 0.3, ErrorRate: 0.2, Seed: 9})
	hits, errs, n := 0, 0, 1000
	for i := range n {
		ack, err := c.Submit(context.Background(), req(provider.CheckBiometric, fmt.Sprintf("s-%d", i), ""), fmt.Sprintf("k-%d", i))
		if err != nil {
			if !provider.IsRetryable(err) {
				t.Fatal(err)
			}
			errs++
			continue
		}
		if ack.Status == provider.StatusPossibleMatch {
			hits++
		}
	}
	if errs < 150 || errs > 250 {
		t.Errorf("%d errors in %d at rate 0.2", errs, n)
	}
	if hits < 200 || hits > 280 { // of about 800 successful checks
		t.Errorf("%d hits in %d at rate 0.3", hits, n-errs)
	}
}

// Protocol errors the simulator answers, as the client sees them.
func TestSimulatorRefusals(t *testing.T) {
	sim, c, srvURL := startURL(t, Config{Token: "right-token", Latency: time.Hour})
	wrongTok, _ := provider.New(provider.Config{BaseURL: srvURL, Token: "wrong"})
	tests := []struct {
		name string
		do   func() error
		code string
	}{
		{"wrong token", func() error {
			_, err := wrongTok.Submit(context.Background(), req(provider.CheckBiometric, "s1", ""), "k1")
			return err
		}, docketcard.EUNAUTHORIZED},
		{"unsupported check type", func() error {
			_, err := c.Submit(context.Background(), req("dmv_records", "s1", ""), "k2")
			return err
		}, docketcard.EINVALID},
		{"unknown ref", func() error {
			_, err := c.Poll(context.Background(), "sim_nope")
			return err
		}, docketcard.ENOTFOUND},
		{"not JSON", func() error { return raw(srvURL, "text/plain", "k3", "right-token", "hi") }, docketcard.EUNSUPPORTED},
		{"no idempotency key", func() error { return raw(srvURL, "application/json", "", "right-token", "{}") }, docketcard.EINVALID},
		{"invalid body", func() error {
			return raw(srvURL, "application/json", "k4", "right-token", `{"check_type":"biometric"}`)
		}, docketcard.EINVALID},
		{"no token", func() error { return raw(srvURL, "application/json", "k5", "", "{}") }, docketcard.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if docketcard.ErrorCode(err) != tt.code || provider.IsRetryable(err) {
				t.Fatalf("err = %v, want permanent %s", err, tt.code)
			}
		})
	}
	if n := sim.Stats().Checks; n != 0 {
		t.Fatalf("%d checks started by refused requests", n)
	}
}

// raw POSTs a submission by hand and returns an error with the answer's
// docketcard code.
func raw(base, ct, key, token, body string) error {
	r, _ := http.NewRequest("POST", base+provider.ChecksPath, strings.NewReader(body))
	r.Header.Set("Content-Type", ct)
	if key != "" {
		r.Header.Set(provider.IdempotencyKeyHeader, key)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	codes := map[int]string{400: docketcard.EINVALID, 401: docketcard.EUNAUTHORIZED, 415: docketcard.EUNSUPPORTED}
	if code, ok := codes[resp.StatusCode]; ok && bytes.Contains(b, []byte(`"code":"`+code+`"`)) {
		return &provider.Error{Code: code, StatusCode: resp.StatusCode}
	}
	return fmt.Errorf("unexpected answer %d %s", resp.StatusCode, b)
}

// Callbacks are retried on 5xx with a fresh signature each time, and given
// up after CallbackAttempts; polling still has the result.
func TestCallbackRetries(t *testing.T) {
	tests := []struct {
		name      string
		failFirst int // answer 503 this many times
		attempts  int
		delivered bool
	}{
		{"delivered on the third try", 2, 5, true},
		{"given up after 3", 100, 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var headers []string
			var calls atomic.Int64
			rcv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				h := r.Header.Get(provider.SignatureHeader)
				if err := provider.VerifySignature(h, body, secret, time.Now(), 0); err != nil {
					t.Errorf("callback signature: %v", err)
				}
				mu.Lock()
				headers = append(headers, h)
				mu.Unlock()
				if calls.Add(1) <= int64(tt.failFirst) {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			sim, c := start(t, Config{Latency: 5 * time.Millisecond, CallbackAttempts: tt.attempts})
			ack, err := c.Submit(context.Background(), req(provider.CheckCriminalHistory, "s", rcv.URL), "k")
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the callback to settle", func() bool {
				st := sim.Stats()
				return st.CallbacksDelivered+st.CallbacksFailed > 0
			})
			st := sim.Stats()
			if (st.CallbacksDelivered == 1) != tt.delivered || (st.CallbacksFailed == 1) == tt.delivered {
				t.Fatalf("stats = %+v", st)
			}
			want := min(tt.failFirst+1, tt.attempts)
			if int(calls.Load()) != want {
				t.Fatalf("%d attempts, want %d", calls.Load(), want)
			}
			if r, err := c.Poll(context.Background(), ack.ProviderRef); err != nil || !r.Status.Final() {
				t.Fatalf("Poll = %+v, %v", r, err)
			}
		})
	}
}

func TestEvictsOldestChecks(t *testing.T) {
	_, c := start(t, Config{MaxChecks: 2})
	var refs []string
	for i := range 3 {
		ack, err := c.Submit(context.Background(), req(provider.CheckBiometric, "s", ""), fmt.Sprint("k", i))
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ack.ProviderRef)
	}
	if _, err := c.Poll(context.Background(), refs[0]); docketcard.ErrorCode(err) != docketcard.ENOTFOUND {
		t.Fatalf("oldest check: %v, want ENOTFOUND", err)
	}
	if _, err := c.Poll(context.Background(), refs[2]); err != nil {
		t.Fatal(err)
	}
}

// Close stops pending checks' callbacks.
func TestCloseCancelsPendingCallbacks(t *testing.T) {
	var calls atomic.Int64
	rcv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	sim, c := start(t, Config{Latency: 200 * time.Millisecond})
	if _, err := c.Submit(context.Background(), req(provider.CheckBiometric, "s", rcv.URL), "k"); err != nil {
		t.Fatal(err)
	}
	sim.Close()
	time.Sleep(300 * time.Millisecond)
	if calls.Load() != 0 || sim.Stats().Completed != 0 {
		t.Fatalf("after Close: %d callbacks, stats %+v", calls.Load(), sim.Stats())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMainFlags(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "secret")
	os.WriteFile(good, append(bytes.Clone(secret), '\n'), 0o600)
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("tiny"), 0o600)
	tests := []struct {
		name string
		args []string
		want int
		says string
	}{
		{"help", []string{"-h"}, exitOK, "-drop-callbacks"},
		{"no secret", []string{"-addr", "127.0.0.1:0"}, exitUsage, "-secret-file is required"},
		{"missing secret file", []string{"-secret-file", filepath.Join(dir, "nope")}, exitUsage, "no such file"},
		{"short secret", []string{"-secret-file", short}, exitUsage, "at least 16"},
		{"bad rate", []string{"-secret-file", good, "-hit-rate", "1.5"}, exitUsage, "HitRate"},
		{"bad flag", []string{"-secret-file", good, "-bogus"}, exitUsage, "bogus"},
		{"extra argument", []string{"-secret-file", good, "extra"}, exitUsage, "unexpected argument"},
		{"cannot listen", []string{"-secret-file", good, "-addr", "256.0.0.1:1"}, exitError, "checksim:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb syncBuffer
			got := MainContext(context.Background(), tt.args, &out, &errb)
			if got != tt.want || !strings.Contains(out.String()+errb.String(), tt.says) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant it to say %q", got, tt.want, out.String(), errb.String(), tt.says)
			}
		})
	}
}

// `docketcard checksim` serves the protocol until its context ends.
func TestMainServes(t *testing.T) {
	dir := t.TempDir()
	sf, tf := filepath.Join(dir, "secret"), filepath.Join(dir, "token")
	os.WriteFile(sf, secret, 0o600)
	os.WriteFile(tf, []byte("tok-123\n"), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	var out, errb syncBuffer
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-secret-file", sf, "-token-file", tf, "-latency", "0", "-jitter", "0", "-hit-rate", "1", "-seed", "5"},
			&out, &errb, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case code := <-done:
		t.Fatalf("exited %d: %s", code, errb.String())
	case <-time.After(10 * time.Second):
		t.Fatal("not listening within 10s")
	}
	c, err := provider.New(provider.Config{BaseURL: "http://" + addr, Token: "tok-123"})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := c.Submit(context.Background(), req(provider.CheckTerroristScreening, "s", ""), "k")
	if err != nil {
		t.Fatal(err)
	}
	if ack.Status != provider.StatusPossibleMatch {
		t.Fatalf("ack = %+v, want a synchronous possible match", ack)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop within 10s of cancellation")
	}
	if !strings.Contains(out.String(), "provider simulator on http://"+addr) || !strings.Contains(errb.String(), "check submitted") {
		t.Fatalf("stdout: %s\nstderr: %s", out.String(), errb.String())
	}
}
