// Package checksim is a background-check provider simulator that speaks
// docketcard's provider protocol (../PROTOCOL.md). The federal systems that
// real providers front cannot be reached from development or test
// machines; checksim stands in for any of them, with configurable latency,
// hit rate, failure rate and lost callbacks, deterministically for a seed.
// Every record it returns is synthetic and says so.
package checksim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/provider"
)

// Config configures a Simulator.
type Config struct {
	// Latency is how long a check takes; each check adds a further
	// uniformly drawn [0, Jitter). Zero latency and jitter make the
	// simulator synchronous: a submission is answered 200 with the final
	// result, and no callback is sent.
	Latency, Jitter time.Duration
	// HitRate is the share of subjects for which a check returns
	// possible_match with synthetic evidence.
	HitRate float64
	// ErrorRate is the share of requests (submissions and polls) answered
	// 500 without effect.
	ErrorRate float64
	// DropCallbackRate is the share of checks whose callback is never
	// sent; only polling reveals their result.
	DropCallbackRate float64
	// Secret signs callbacks (HMAC-SHA256); required for callbacks.
	Secret []byte
	// Seed makes every random choice reproducible.
	Seed int64

	// Token, if set, is the bearer token every request must carry; if
	// empty, any bearer token is accepted (but one is required).
	Token string
	// CheckTypes lists the check types performed (default
	// provider.KnownCheckTypes); others are refused with 400.
	CheckTypes []provider.CheckType
	// HTTPClient delivers callbacks (default: 10s timeout).
	HTTPClient *http.Client
	// CallbackAttempts is how many times a callback is tried before the
	// simulator gives up (default 5); CallbackBackoff is the wait before
	// the second try, doubling after each (default 200ms).
	CallbackAttempts int
	CallbackBackoff  time.Duration
	// MaxChecks bounds the checks kept in memory (default 100000); the
	// oldest are forgotten first.
	MaxChecks int
	// Clock stamps completed_at and callback signatures (default
	// time.Now). Latency is always measured on the real clock.
	Clock docketcard.Clock
	// Logger receives one line per submission and callback (default: none).
	Logger *slog.Logger
}

// Stats counts what the simulator did.
type Stats struct {
	Requests           int // every request to the protocol's endpoints
	InjectedErrors     int // answered 500 because of ErrorRate
	Checks             int // distinct checks started
	Replays            int // submissions answered from an earlier one's key
	Polls              int // polls answered 200
	Completed          int // checks that reached a final status
	CallbacksDelivered int // callbacks answered 2xx (or 409: already had it)
	CallbacksDropped   int // callbacks not sent because of DropCallbackRate
	CallbacksRejected  int // callbacks answered with another 4xx
	CallbacksFailed    int // callbacks given up after CallbackAttempts
}

// Simulator is a provider. It is an http.Handler for the protocol's paths
// (and GET /healthz); Close stops its pending callbacks.
type Simulator struct {
	cfg   Config
	types map[provider.CheckType]bool
	mux   *http.ServeMux
	hc    *http.Client
	log   *slog.Logger

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	byKey    map[string]*check
	byRef    map[string]*check
	order    []*check
	attempts map[string]int // requests seen per idempotency key
	polls    map[string]int // polls seen per provider_ref
	stats    Stats
	closed   bool
}

type check struct {
	key     string
	digest  [32]byte // of the canonical request, to refuse key reuse
	ref     string
	req     provider.CheckRequest
	final   provider.Result // the result it will have; CompletedAt set on completion
	done    bool
	dropped bool
	timer   *time.Timer
}

// New returns a Simulator, or an error if cfg is out of range.
func New(cfg Config) (*Simulator, error) {
	for _, r := range []struct {
		name string
		v    float64
	}{{"HitRate", cfg.HitRate}, {"ErrorRate", cfg.ErrorRate}, {"DropCallbackRate", cfg.DropCallbackRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			return nil, fmt.Errorf("checksim: %s must be between 0 and 1, got %v", r.name, r.v)
		}
	}
	if cfg.Latency < 0 || cfg.Jitter < 0 {
		return nil, errors.New("checksim: Latency and Jitter must not be negative")
	}
	if len(cfg.CheckTypes) == 0 {
		cfg.CheckTypes = provider.KnownCheckTypes
	}
	if cfg.CallbackAttempts <= 0 {
		cfg.CallbackAttempts = 5
	}
	if cfg.CallbackBackoff <= 0 {
		cfg.CallbackBackoff = 200 * time.Millisecond
	}
	if cfg.MaxChecks <= 0 {
		cfg.MaxChecks = 100_000
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Simulator{
		cfg:      cfg,
		types:    map[provider.CheckType]bool{},
		hc:       cfg.HTTPClient,
		log:      cfg.Logger,
		byKey:    map[string]*check{},
		byRef:    map[string]*check{},
		attempts: map[string]int{},
		polls:    map[string]int{},
	}
	for _, t := range cfg.CheckTypes {
		s.types[t] = true
	}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST "+provider.ChecksPath, s.submit)
	s.mux.HandleFunc("GET "+provider.ChecksPath+"/{ref}", s.poll)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Stats returns a snapshot of the counters.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close cancels pending checks' callbacks (and callbacks in flight) and
// waits for them to stop. Checks already submitted stay pollable.
func (s *Simulator) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for _, c := range s.order {
		if c.timer != nil && c.timer.Stop() {
			s.wg.Done()
		}
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// Run listens on addr and serves until ctx ends, then shuts down.
func (s *Simulator) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends, then shuts the server down gracefully
// and closes the simulator.
func (s *Simulator) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	s.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// roll returns a number in [0, 1) determined by the seed and parts.
func (s *Simulator) roll(parts ...string) float64 {
	return float64(s.hash(parts...)>>11) / (1 << 53)
}

func (s *Simulator) hash(parts ...string) uint64 {
	h := sha256.New()
	binary.Write(h, binary.BigEndian, s.cfg.Seed)
	for _, p := range parts {
		binary.Write(h, binary.BigEndian, uint32(len(p)))
		io.WriteString(h, p)
	}
	var sum [32]byte
	return binary.BigEndian.Uint64(h.Sum(sum[:0]))
}

func (s *Simulator) authorised(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return false
	}
	return s.cfg.Token == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.Token)) == 1
}

func (s *Simulator) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

func (s *Simulator) submit(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.Requests++ })
	if !s.authorised(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="checksim"`)
		provider.WriteProblem(w, http.StatusUnauthorized, docketcard.EUNAUTHORIZED, "A valid bearer token is required.")
		return
	}
	key := r.Header.Get(provider.IdempotencyKeyHeader)
	if err := provider.ValidateIdempotencyKey(key); err != nil {
		provider.WriteProblem(w, http.StatusBadRequest, docketcard.EINVALID, docketcard.ErrorMessage(err))
		return
	}
	s.mu.Lock()
	if len(s.attempts) > 2*s.cfg.MaxChecks {
		// Keys that never made a check (every attempt failed) pile up
		// here; forget them all rather than grow without bound.
		clear(s.attempts)
	}
	s.attempts[key]++
	n := s.attempts[key]
	s.mu.Unlock()
	if s.roll("error", key, strconv.Itoa(n)) < s.cfg.ErrorRate {
		s.count(func(st *Stats) { st.InjectedErrors++ })
		s.log.Info("checksim: injected error", "op", "submit", "idempotency_key", key, "attempt", n)
		provider.WriteProblem(w, http.StatusInternalServerError, docketcard.EINTERNAL, "Simulated provider failure.")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		provider.WriteProblem(w, http.StatusUnsupportedMediaType, docketcard.EUNSUPPORTED, "Send application/json.")
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, provider.MaxBodyBytes))
	if err != nil {
		provider.WriteProblem(w, http.StatusRequestEntityTooLarge, docketcard.ETOOLARGE, "The request body is too large.")
		return
	}
	var req provider.CheckRequest
	if err := json.Unmarshal(data, &req); err != nil {
		provider.WriteProblem(w, http.StatusBadRequest, docketcard.EINVALID, "The body is not a check request.")
		return
	}
	if err := req.Validate(); err != nil {
		provider.WriteProblem(w, http.StatusBadRequest, docketcard.EINVALID, docketcard.ErrorMessage(err))
		return
	}
	if !s.types[req.CheckType] {
		provider.WriteProblem(w, http.StatusBadRequest, docketcard.EINVALID, fmt.Sprintf("This provider does not perform %q checks.", req.CheckType))
		return
	}
	canon, _ := json.Marshal(req)
	digest := sha256.Sum256(canon)

	s.mu.Lock()
	if c, ok := s.byKey[key]; ok {
		s.stats.Replays++
		same := c.digest == digest
		res := s.resultLocked(c)
		s.mu.Unlock()
		if !same {
			provider.WriteProblem(w, http.StatusConflict, docketcard.ECONFLICT, "This Idempotency-Key was used for a different request.")
			return
		}
		w.Header().Set(provider.ReplayedHeader, "true")
		s.answer(w, res, true)
		return
	}
	c := s.newCheckLocked(key, digest, req)
	res := s.resultLocked(c)
	s.mu.Unlock()
	s.log.Info("checksim: check submitted", "provider_ref", c.ref, "check_type", req.CheckType, "subject", req.Subject.ID,
		"outcome", c.final.Status, "callback", req.CallbackURL != "" && !c.dropped)
	s.answer(w, res, true)
}

// answer writes a check's state: 202 + pending for a submission of a
// pending check, 200 + result otherwise.
func (s *Simulator) answer(w http.ResponseWriter, res provider.Result, submission bool) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if submission && res.Status == provider.StatusPending {
		w.Header().Set("Location", provider.ChecksPath+"/"+res.ProviderRef)
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(provider.Ack{ProviderRef: res.ProviderRef, Status: res.Status})
		return
	}
	if res.Status == provider.StatusPending {
		w.Header().Set("Retry-After", "1")
	}
	json.NewEncoder(w).Encode(res)
}

// newCheckLocked creates and schedules a check.
func (s *Simulator) newCheckLocked(key string, digest [32]byte, req provider.CheckRequest) *check {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d\x00ref\x00%s", s.cfg.Seed, key))
	c := &check{key: key, digest: digest, ref: "sim_" + hex.EncodeToString(sum[:12]), req: req}
	c.final = s.outcome(c.ref, req)
	c.dropped = s.roll("drop", key) < s.cfg.DropCallbackRate
	s.byKey[key] = c
	s.byRef[c.ref] = c
	s.order = append(s.order, c)
	s.stats.Checks++
	s.evictLocked()

	delay := s.cfg.Latency + time.Duration(s.roll("jitter", key)*float64(s.cfg.Jitter))
	if delay <= 0 {
		s.completeLocked(c) // synchronous: answered 200 with the result, no callback
		return c
	}
	if s.closed {
		return c
	}
	s.wg.Add(1)
	c.timer = time.AfterFunc(delay, func() {
		defer s.wg.Done()
		s.complete(c)
	})
	return c
}

func (s *Simulator) evictLocked() {
	for len(s.order) > s.cfg.MaxChecks {
		old := s.order[0]
		s.order[0] = nil
		s.order = s.order[1:]
		if old.timer != nil && old.timer.Stop() {
			s.wg.Done()
		}
		delete(s.byKey, old.key)
		delete(s.byRef, old.ref)
		delete(s.attempts, old.key)
		delete(s.polls, old.ref)
	}
}

func (s *Simulator) completeLocked(c *check) {
	c.done = true
	c.final.CompletedAt = s.cfg.Clock().UTC().Truncate(time.Millisecond)
	s.stats.Completed++
}

// resultLocked returns what a poll would see now.
func (s *Simulator) resultLocked(c *check) provider.Result {
	if !c.done {
		return provider.Result{ProviderRef: c.ref, CheckType: c.req.CheckType, Status: provider.StatusPending, Evidence: []provider.Evidence{}}
	}
	return c.final
}

// complete finishes a check when its latency has passed and delivers its
// callback, unless dropped.
func (s *Simulator) complete(c *check) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.completeLocked(c)
	res := c.final
	send := c.req.CallbackURL != "" && !c.dropped
	if c.req.CallbackURL != "" && c.dropped {
		s.stats.CallbacksDropped++
	}
	s.mu.Unlock()
	if !send {
		if c.req.CallbackURL != "" {
			s.log.Info("checksim: callback dropped", "provider_ref", c.ref)
		}
		return
	}
	s.deliver(c.req.CallbackURL, res)
}

// deliver POSTs a signed result, retrying 5xx, 408, 429 and transport
// errors with exponential backoff; a fresh signature is made per attempt.
func (s *Simulator) deliver(url string, res provider.Result) {
	body, _ := json.Marshal(res)
	wait := s.cfg.CallbackBackoff
	for attempt := 1; ; attempt++ {
		status, err := s.post(url, body)
		switch {
		case err == nil && (status/100 == 2 || status == http.StatusConflict):
			s.count(func(st *Stats) { st.CallbacksDelivered++ })
			s.log.Info("checksim: callback delivered", "provider_ref", res.ProviderRef, "status", status, "attempt", attempt)
			return
		case err == nil && status/100 == 4 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
			s.count(func(st *Stats) { st.CallbacksRejected++ })
			s.log.Warn("checksim: callback rejected", "provider_ref", res.ProviderRef, "status", status)
			return
		}
		if attempt >= s.cfg.CallbackAttempts || s.ctx.Err() != nil {
			s.count(func(st *Stats) { st.CallbacksFailed++ })
			s.log.Warn("checksim: callback failed; result only by polling", "provider_ref", res.ProviderRef, "status", status, "err", err, "attempts", attempt)
			return
		}
		select {
		case <-s.ctx.Done():
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func (s *Simulator) post(url string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "docketcard-checksim/1")
	req.Header.Set(provider.SignatureHeader, provider.Sign(s.cfg.Secret, s.cfg.Clock(), body))
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (s *Simulator) poll(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.Requests++ })
	if !s.authorised(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="checksim"`)
		provider.WriteProblem(w, http.StatusUnauthorized, docketcard.EUNAUTHORIZED, "A valid bearer token is required.")
		return
	}
	ref := r.PathValue("ref")
	s.mu.Lock()
	c, ok := s.byRef[ref]
	var res provider.Result
	n := 0 // polls of this check so far; unknown refs are not counted
	if ok {
		s.polls[ref]++
		n = s.polls[ref]
		res = s.resultLocked(c)
	}
	s.mu.Unlock()
	if s.roll("poll-error", ref, strconv.Itoa(n)) < s.cfg.ErrorRate {
		s.count(func(st *Stats) { st.InjectedErrors++ })
		provider.WriteProblem(w, http.StatusInternalServerError, docketcard.EINTERNAL, "Simulated provider failure.")
		return
	}
	if !ok {
		provider.WriteProblem(w, http.StatusNotFound, docketcard.ENOTFOUND, "No such check.")
		return
	}
	s.count(func(st *Stats) { st.Polls++ })
	s.answer(w, res, false)
}
