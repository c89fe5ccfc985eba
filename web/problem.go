package web

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/docketcard/docketcard"
)

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[string]int{
	docketcard.EINVALID:      http.StatusBadRequest,
	docketcard.EUNAUTHORIZED: http.StatusUnauthorized,
	docketcard.EFORBIDDEN:    http.StatusForbidden,
	docketcard.ENOTFOUND:     http.StatusNotFound,
	docketcard.ECONFLICT:     http.StatusConflict,
	docketcard.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	docketcard.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	docketcard.ELOCKED:       http.StatusLocked,
	docketcard.ERATELIMITED:  http.StatusTooManyRequests,
	docketcard.EUNAVAILABLE:  http.StatusServiceUnavailable,
	docketcard.EINTERNAL:     http.StatusInternalServerError,
}

var titles = map[string]string{
	docketcard.EINVALID:      "Invalid request",
	docketcard.EUNAUTHORIZED: "Authentication required",
	docketcard.EFORBIDDEN:    "Forbidden",
	docketcard.ENOTFOUND:     "Not found",
	docketcard.ECONFLICT:     "Conflict",
	docketcard.ETOOLARGE:     "Request too large",
	docketcard.EUNSUPPORTED:  "Unsupported media type",
	docketcard.ELOCKED:       "Account locked",
	docketcard.ERATELIMITED:  "Too many requests",
	docketcard.EUNAVAILABLE:  "Service unavailable",
	docketcard.EINTERNAL:     "Internal error",
}

// Problem is an RFC 9457 problem details object, with docketcard's error
// code and per-field errors as extension members.
type Problem struct {
	Type      string                  `json:"type"`
	Title     string                  `json:"title"`
	Status    int                     `json:"status"`
	Detail    string                  `json:"detail"`
	Instance  string                  `json:"instance,omitempty"`
	Code      string                  `json:"code"`
	RequestID string                  `json:"request_id,omitempty"`
	Errors    []docketcard.FieldError `json:"errors,omitempty"`
}

// problemFor builds the problem for err. Internal errors are logged with
// their detail and reported with a generic message only.
func problemFor(r *http.Request, log *slog.Logger, err error) Problem {
	code := docketcard.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = docketcard.EINTERNAL, http.StatusInternalServerError
	}
	detail, fields := docketcard.ErrorMessage(err), docketcard.ErrorFields(err)
	if code == docketcard.EINTERNAL {
		log.ErrorContext(r.Context(), "internal error", "route", routeOf(r), "request_id", requestID(r), "err", err)
		// An *Error can carry code EINTERNAL with a message meant for the
		// log (a blob that failed its integrity check names the blob).
		detail, fields = "Internal error.", nil
	}
	return Problem{
		Type:      "urn:docketcard:problem:" + code,
		Title:     titles[code],
		Status:    status,
		Detail:    detail,
		Code:      code,
		RequestID: requestID(r),
		Errors:    fields,
	}
}

func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(r, s.log, err)
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="docketcard"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(p)
}
