package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/docketcard/docketcard"
)

// Config configures a Client for one provider.
type Config struct {
	// BaseURL is the provider's base URL; the protocol's paths are
	// appended to it (e.g. https://checks.example.gov/criminal).
	BaseURL string
	// Token is sent as "Authorization: Bearer <Token>".
	Token string
	// HTTPClient sends requests; nil for a client with sensible transport
	// timeouts. Redirects are never followed.
	HTTPClient *http.Client
	// Timeout bounds each request, from dialling to the end of the body
	// (default 10s).
	Timeout time.Duration
	// FailureThreshold is how many consecutive failures open the circuit
	// breaker (default 5).
	FailureThreshold int
	// CoolDown is how long the breaker stays open before it lets one
	// trial request through (default 30s).
	CoolDown time.Duration
	// Clock is the time source of the breaker and of callback timestamp
	// checks (default time.Now).
	Clock docketcard.Clock
	// Tolerance is how far a callback's timestamp may be from Clock
	// (default DefaultTolerance, 5 minutes).
	Tolerance time.Duration
	// Dedup remembers which results were accepted by callback (default
	// NewMemoryDedup(24h, 100000) on Clock).
	Dedup Deduper
	// UserAgent is sent on every request (default "docketcard-provider/1").
	UserAgent string
	// OnBreakerChange, if set, is called on every breaker transition (with
	// the breaker locked: it must not call the Client).
	OnBreakerChange func(from, to BreakerState)
}

// Client speaks the protocol to one provider. It is safe for concurrent
// use. Submit and Poll make exactly one attempt each: the caller retries
// errors for which IsRetryable is true, after RetryAfter if given, and
// resubmits with the same idempotency key.
type Client struct {
	base    *url.URL
	cfg     Config
	hc      *http.Client
	breaker *breaker
	dedup   Deduper
}

// New returns a Client, or an EINVALID error if cfg is unusable.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, docketcard.Errorf(docketcard.EINVALID, "provider base URL must be an absolute http or https URL without query or fragment, got %q", cfg.BaseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.FailureThreshold <= 0 {
		cfg.FailureThreshold = 5
	}
	if cfg.CoolDown <= 0 {
		cfg.CoolDown = 30 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = DefaultTolerance
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "docketcard-provider/1"
	}
	c := &Client{base: u, cfg: cfg, hc: cfg.HTTPClient, dedup: cfg.Dedup}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	} else {
		hc := *c.hc
		hc.CheckRedirect = noRedirects
		c.hc = &hc
	}
	if c.dedup == nil {
		c.dedup = NewMemoryDedup(24*time.Hour, 100_000, cfg.Clock)
	}
	c.breaker = &breaker{threshold: cfg.FailureThreshold, coolDown: cfg.CoolDown, now: cfg.Clock, onChange: cfg.OnBreakerChange}
	return c, nil
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 5 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	t.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: t, CheckRedirect: noRedirects}
}

// BreakerState returns the state of the client's circuit breaker.
func (c *Client) BreakerState() BreakerState { return c.breaker.current() }

// NewIdempotencyKey returns a random key (128 bits, hex). Store it with
// the check before the first Submit so that every retry, even after a
// restart, reuses it.
func NewIdempotencyKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Submit asks the provider to run a check. The answer is pending (202) or,
// from a synchronous provider, final (200; Ack.Result is set). Sending the
// same idempotency key again never starts a second check: the provider
// answers with the first check's provider_ref and Ack.Replayed set.
func (c *Client) Submit(ctx context.Context, req *CheckRequest, idempotencyKey string) (*Ack, error) {
	const op = "submit"
	if req == nil {
		return nil, &Error{Op: op, Code: docketcard.EINVALID, Detail: "not sent: no request"}
	}
	var v docketcard.Validation
	v.Check("idempotency_key", ValidateIdempotencyKey(idempotencyKey))
	if err := req.Validate(); err != nil {
		for _, f := range docketcard.ErrorFields(err) {
			v.Add(f.Field, "%s", f.Message)
		}
	}
	if err := v.Err("check request"); err != nil {
		return nil, &Error{Op: op, Code: docketcard.EINVALID, Detail: "not sent", Err: err}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &Error{Op: op, Code: docketcard.EINTERNAL, Err: err}
	}
	var ack *Ack
	err = c.do(ctx, op, http.MethodPost, c.base.JoinPath(ChecksPath).String(), body, func(h http.Header) {
		h.Set("Content-Type", "application/json")
		h.Set(IdempotencyKeyHeader, idempotencyKey)
	}, func(resp *http.Response, data []byte) error {
		replayed := resp.Header.Get(ReplayedHeader) == "true"
		switch resp.StatusCode {
		case http.StatusAccepted:
			var a Ack
			if err := json.Unmarshal(data, &a); err != nil {
				return err
			}
			if !ValidProviderRef(a.ProviderRef) || a.Status != StatusPending {
				return errors.New("202 answer needs a provider_ref and status pending")
			}
			a.Replayed = replayed
			ack = &a
		case http.StatusOK:
			var r Result
			if err := json.Unmarshal(data, &r); err != nil {
				return err
			}
			if err := r.validate(true); err != nil {
				return err
			}
			ack = &Ack{ProviderRef: r.ProviderRef, Status: r.Status, Result: &r, Replayed: replayed}
		default:
			return fmt.Errorf("unexpected success status %d", resp.StatusCode)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ack, nil
}

// Poll asks the provider for the state of a check. A pending check is not
// an error: the Result's Status is StatusPending.
func (c *Client) Poll(ctx context.Context, providerRef string) (*Result, error) {
	const op = "poll"
	if !ValidProviderRef(providerRef) {
		return nil, &Error{Op: op, Code: docketcard.EINVALID, Detail: "not sent: malformed provider_ref"}
	}
	var res *Result
	err := c.do(ctx, op, http.MethodGet, c.base.JoinPath(ChecksPath).String()+"/"+providerRef, nil, nil,
		func(resp *http.Response, data []byte) error {
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("unexpected success status %d", resp.StatusCode)
			}
			var r Result
			if err := json.Unmarshal(data, &r); err != nil {
				return err
			}
			if err := r.validate(false); err != nil {
				return err
			}
			if r.ProviderRef != providerRef {
				return fmt.Errorf("asked for %q, got %q", providerRef, r.ProviderRef)
			}
			res = &r
			return nil
		})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// do sends one request through the breaker. decode is called for a 2xx
// answer; its error makes the answer unreadable (retryable).
func (c *Client) do(ctx context.Context, op, method, u string, body []byte, header func(http.Header), decode func(*http.Response, []byte) error) error {
	probe, wait, ok := c.breaker.allow()
	if !ok {
		return &Error{Op: op, Code: docketcard.EUNAVAILABLE, Retryable: true, RetryAfter: wait, Err: ErrCircuitOpen}
	}
	o, err := c.roundTrip(ctx, op, method, u, body, header, decode)
	c.breaker.record(probe, o)
	return err
}

func (c *Client) roundTrip(ctx context.Context, op, method, u string, body []byte, header func(http.Header), decode func(*http.Response, []byte) error) (outcome, error) {
	rctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(rctx, method, u, rd)
	if err != nil {
		return ignored, &Error{Op: op, Code: docketcard.EINTERNAL, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if c.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	if header != nil {
		header(req.Header)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(ctx, op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		return c.transportError(ctx, op, err)
	}
	if len(data) > MaxBodyBytes {
		return failure, &Error{Op: op, StatusCode: resp.StatusCode, Code: docketcard.EUNAVAILABLE, Retryable: true, Detail: fmt.Sprintf("answer larger than %d bytes", MaxBodyBytes)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if ct := resp.Header.Get("Content-Type"); !isJSON(ct) {
			return failure, &Error{Op: op, StatusCode: resp.StatusCode, Code: docketcard.EUNAVAILABLE, Retryable: true, Detail: "unreadable answer: Content-Type " + strconv.Quote(ct)}
		}
		if err := decode(resp, data); err != nil {
			return failure, &Error{Op: op, StatusCode: resp.StatusCode, Code: docketcard.EUNAVAILABLE, Retryable: true, Detail: "unreadable answer", Err: err}
		}
		return success, nil
	}
	code, retryable := classifyStatus(resp.StatusCode)
	e := &Error{Op: op, StatusCode: resp.StatusCode, Code: code, Retryable: retryable, Detail: problemDetail(data)}
	if retryable {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Clock())
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout {
		return failure, e
	}
	return success, e
}

// transportError classifies a failure to get an answer. The caller's own
// cancellation is permanent and says nothing about the provider; anything
// else (our timeout, a refused or reset connection, DNS) is retryable and
// counts against the breaker.
func (c *Client) transportError(ctx context.Context, op string, err error) (outcome, error) {
	if ctx.Err() != nil {
		return ignored, &Error{Op: op, Code: docketcard.EUNAVAILABLE, Detail: "cancelled by caller", Err: context.Cause(ctx)}
	}
	detail := "no answer"
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		detail = fmt.Sprintf("no answer within %s", c.cfg.Timeout)
	case isConnRefused(err):
		detail = "connection refused"
	}
	return failure, &Error{Op: op, Code: docketcard.EUNAVAILABLE, Retryable: true, Detail: detail, Err: err}
}

func isConnRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// problemDetail extracts the detail (or title) of an RFC 9457 problem
// answer, clipped; empty if the body is not one.
func problemDetail(data []byte) string {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(data, &p) != nil {
		return ""
	}
	s := p.Detail
	if s == "" {
		s = p.Title
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), 24*time.Hour)
	}
	return 0
}
