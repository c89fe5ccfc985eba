package provider

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/docketcard/docketcard"
)

// Sentinel errors. Each is a *docketcard.Error, so docketcard.ErrorCode
// gives its code; test for them with errors.Is.
var (
	// ErrCircuitOpen: the client's circuit breaker is open (or half-open
	// with its one trial request in flight) and the request was not sent.
	ErrCircuitOpen = &docketcard.Error{Code: docketcard.EUNAVAILABLE, Message: "The background-check provider is unavailable; the request was not sent (circuit breaker open)."}
	// ErrBadSignature: a callback's signature header is missing,
	// malformed, or matches no MAC of the body.
	ErrBadSignature = &docketcard.Error{Code: docketcard.EUNAUTHORIZED, Message: "The callback signature is missing or invalid."}
	// ErrStaleCallback: a callback is authentic but its timestamp is
	// outside the tolerance (a replay, or a skewed clock).
	ErrStaleCallback = &docketcard.Error{Code: docketcard.EUNAUTHORIZED, Message: "The callback timestamp is outside the allowed window."}
	// ErrDuplicateCallback: the result for this provider_ref was already
	// accepted.
	ErrDuplicateCallback = &docketcard.Error{Code: docketcard.ECONFLICT, Message: "The result of this check was already delivered."}
)

// Error is what Client.Submit and Client.Poll return when a request fails.
// It unwraps to its cause (a context error, a *net.OpError, ErrCircuitOpen
// …) and to a *docketcard.Error with Code, so both errors.Is and
// docketcard.ErrorCode work on it.
type Error struct {
	Op         string        // "submit" or "poll"
	StatusCode int           // the provider's HTTP status; 0 if there was no answer
	Code       string        // a docketcard error code (EUNAVAILABLE, EINVALID, …)
	Retryable  bool          // the same request may succeed later
	RetryAfter time.Duration // the provider's (or the breaker's) hint; 0 if none
	Detail     string        // the provider's problem detail, or what went wrong
	Err        error         // the cause, if any
}

func (e *Error) Error() string {
	s := "provider " + e.Op + ": "
	if e.StatusCode != 0 {
		s += fmt.Sprintf("HTTP %d: ", e.StatusCode)
	}
	s += e.Detail
	if e.Err != nil && e.Detail == "" {
		s += e.Err.Error()
	} else if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	kind := "permanent"
	if e.Retryable {
		kind = "retryable"
	}
	return s + " (" + kind + ")"
}

// Unwrap returns the equivalent *docketcard.Error and the cause. A cause
// that is itself a *docketcard.Error with the same code (a validation
// error with its fields, ErrCircuitOpen) stands for both.
func (e *Error) Unwrap() []error {
	var de *docketcard.Error
	if errors.As(e.Err, &de) && de.Code == e.Code {
		return []error{e.Err}
	}
	de = &docketcard.Error{Code: e.Code, Message: safeMessage(e)}
	if e.Err == nil {
		return []error{de}
	}
	return []error{de, e.Err}
}

func safeMessage(e *Error) string {
	switch e.Code {
	case docketcard.EUNAVAILABLE:
		return "The background-check provider is unavailable; try again later."
	case docketcard.ERATELIMITED:
		return "The background-check provider asked us to slow down; try again later."
	case docketcard.EINVALID:
		return "The background-check provider rejected the request as invalid."
	case docketcard.ENOTFOUND:
		return "The background-check provider does not know this check."
	case docketcard.ECONFLICT:
		return "The idempotency key was already used for a different request."
	}
	return "The background-check request failed."
}

// IsRetryable reports whether err (from Submit or Poll) may go away if the
// same request is sent again later: timeouts, refused connections, 5xx,
// 408, 425, 429, unreadable answers, and an open circuit breaker.
// Resubmitting with the same idempotency key never starts a second check.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}

// RetryAfter returns how long the provider (Retry-After) or the open
// breaker (the rest of its cool-down) asked the caller to wait, if known.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.Retryable && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// classifyStatus returns the docketcard code of an unsuccessful HTTP status
// and whether the request may be retried.
func classifyStatus(status int) (code string, retryable bool) {
	switch {
	case status == http.StatusTooManyRequests:
		return docketcard.ERATELIMITED, true
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly:
		return docketcard.EUNAVAILABLE, true
	case status >= 500:
		return docketcard.EUNAVAILABLE, true
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity:
		return docketcard.EINVALID, false
	case status == http.StatusUnauthorized:
		return docketcard.EUNAUTHORIZED, false
	case status == http.StatusForbidden:
		return docketcard.EFORBIDDEN, false
	case status == http.StatusNotFound, status == http.StatusGone:
		return docketcard.ENOTFOUND, false
	case status == http.StatusConflict:
		return docketcard.ECONFLICT, false
	case status == http.StatusRequestEntityTooLarge:
		return docketcard.ETOOLARGE, false
	case status == http.StatusUnsupportedMediaType:
		return docketcard.EUNSUPPORTED, false
	}
	// Other 4xx, and 1xx/3xx, which this protocol never uses.
	return docketcard.EINTERNAL, false
}
