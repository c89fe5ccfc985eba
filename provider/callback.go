package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/docketcard/docketcard"
)

// Deduper remembers which checks' results were accepted by callback, so
// that a second delivery of the same provider_ref (the provider retrying,
// or someone replaying a captured callback within the tolerance) is
// refused. Implementations must be safe for concurrent use.
type Deduper interface {
	// Claim records ref and reports whether it was not already recorded.
	Claim(ref string) bool
	// Release forgets ref, so that its next delivery is accepted again.
	Release(ref string)
}

// MemoryDedup is an in-memory Deduper that remembers a ref for a
// retention period and at most max refs (the oldest are forgotten first).
// A process restart forgets everything: the application's own record of
// each check (final results are never overwritten) is the durable guard.
type MemoryDedup struct {
	retention time.Duration
	max       int
	now       docketcard.Clock

	mu    sync.Mutex
	seen  map[string]time.Time
	order []dedupEntry // in claim order, for expiry
}

type dedupEntry struct {
	ref string
	at  time.Time
}

// NewMemoryDedup returns a MemoryDedup (retention ≤ 0 means 24h, max ≤ 0
// means 100000, now nil means time.Now).
func NewMemoryDedup(retention time.Duration, max int, now docketcard.Clock) *MemoryDedup {
	if retention <= 0 {
		retention = 24 * time.Hour
	}
	if max <= 0 {
		max = 100_000
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryDedup{retention: retention, max: max, now: now, seen: map[string]time.Time{}}
}

// Claim implements Deduper.
func (d *MemoryDedup) Claim(ref string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	d.expireLocked(now)
	if _, ok := d.seen[ref]; ok {
		return false
	}
	d.seen[ref] = now
	d.order = append(d.order, dedupEntry{ref, now})
	return true
}

// Release implements Deduper.
func (d *MemoryDedup) Release(ref string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.seen, ref) // its entry in order is skipped when it expires
}

// Len returns how many refs are remembered.
func (d *MemoryDedup) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}

func (d *MemoryDedup) expireLocked(now time.Time) {
	i := 0
	for ; i < len(d.order); i++ {
		e := d.order[i]
		at, ok := d.seen[e.ref]
		switch {
		case !ok || !at.Equal(e.at):
			continue // released (and perhaps claimed again later)
		case now.Sub(e.at) > d.retention || len(d.seen) >= d.max:
			delete(d.seen, e.ref)
			continue
		}
		break
	}
	clear(d.order[:i]) // let the strings go; append reallocates the rest in time
	d.order = d.order[i:]
}

// VerifyCallback authenticates a result callback and returns its result.
// In order, it
//
//   - reads the body (at most MaxBodyBytes; else ETOOLARGE),
//   - checks the SignatureHeader against the body and secret (else an
//     error wrapping ErrBadSignature) and the timestamp against the clock
//     (else ErrStaleCallback),
//   - decodes the result, which must be final (else EINVALID),
//   - claims its provider_ref with the Deduper (else ErrDuplicateCallback).
//
// If the caller then fails to record the result it must call Forget, so
// that the provider's next delivery is accepted.
func (c *Client) VerifyCallback(r *http.Request, secret []byte) (*Result, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, docketcard.Errorf(docketcard.EINVALID, "could not read the callback body")
	}
	if len(data) > MaxBodyBytes {
		return nil, docketcard.Errorf(docketcard.ETOOLARGE, "callback body is larger than %d bytes", MaxBodyBytes)
	}
	if err := VerifySignature(r.Header.Get(SignatureHeader), data, secret, c.cfg.Clock(), c.cfg.Tolerance); err != nil {
		return nil, err
	}
	var res Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, docketcard.Errorf(docketcard.EINVALID, "callback body is not a result: %v", err)
	}
	if err := res.validate(true); err != nil {
		return nil, err
	}
	if !c.dedup.Claim(res.ProviderRef) {
		return nil, fmt.Errorf("%w: provider_ref %s", ErrDuplicateCallback, res.ProviderRef)
	}
	return &res, nil
}

// Forget releases a provider_ref claimed by VerifyCallback.
func (c *Client) Forget(providerRef string) { c.dedup.Release(providerRef) }

// CallbackHandler returns the http.Handler to mount at a check's
// callback_url. It answers
//
//	204 No Content      the result was verified and fn accepted it
//	400 / 413           the body is not a final result / is too large
//	401 Unauthorized    bad or missing signature, or a stale timestamp
//	405                 not a POST
//	409 Conflict        this provider_ref was already delivered
//	500                 fn failed (the ref is forgotten; the provider retries)
//
// Answers are RFC 9457 problem documents with a docketcard error code.
func (c *Client) CallbackHandler(secret []byte, fn func(ctx context.Context, res *Result) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			WriteProblem(w, http.StatusMethodNotAllowed, docketcard.EINVALID, "Callbacks are POSTed.")
			return
		}
		res, err := c.VerifyCallback(r, secret)
		if err != nil {
			code := docketcard.ErrorCode(err)
			WriteProblem(w, statusForCode(code), code, docketcard.ErrorMessage(err))
			return
		}
		if err := fn(r.Context(), res); err != nil {
			c.Forget(res.ProviderRef)
			WriteProblem(w, http.StatusInternalServerError, docketcard.EINTERNAL, "The result could not be recorded; deliver it again.")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func statusForCode(code string) int {
	switch code {
	case docketcard.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case docketcard.ECONFLICT:
		return http.StatusConflict
	case docketcard.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case docketcard.EINVALID:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// Problem is the RFC 9457 body of every error answer in the protocol, with
// a docketcard error code as an extension member.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

// WriteProblem writes an application/problem+json answer.
func WriteProblem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(Problem{
		Type:   "urn:docketcard:problem:" + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Code:   code,
	})
}
