package docketcard

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the HTTP adapter and to one
// exit status in the CLI. Unknown errors are reported as EINTERNAL and their
// text never reaches a client.
const (
	ECONFLICT     = "conflict"     // duplicate key or stale version
	EINTERNAL     = "internal"     // anything unexpected
	EINVALID      = "invalid"      // bad input
	ENOTFOUND     = "not_found"    // no such record (or not visible)
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed
	ETOOLARGE     = "too_large"    // request or upload over a limit
	ELOCKED       = "locked"       // account locked after failed logins
	EUNAVAILABLE  = "unavailable"  // dependency down, schema out of date
	ERATELIMITED  = "rate_limited" // too many requests
	EUNSUPPORTED  = "unsupported"  // media type not accepted
)

// FieldError names one invalid input field and says why, in words that are
// safe to show to the person who sent it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type of the domain: a code, a message that is safe
// to show to a client, and optional per-field details.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("docketcard error: code=%s message=%s", e.Code, e.Message)
	}
	return fmt.Sprintf("docketcard error: code=%s message=%s fields=%v", e.Code, e.Message, e.Fields)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and
// EINTERNAL otherwise. nil has no code.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of err, or a generic one for
// errors that are not *Error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field details of err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Validation collects field errors so that a client learns every problem
// with its input at once.
type Validation struct {
	fields []FieldError
}

// Add records a problem with field.
func (v *Validation) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Check records the error from a field validator, if any.
func (v *Validation) Check(field string, err error) {
	if err == nil {
		return
	}
	v.fields = append(v.fields, FieldError{Field: field, Message: ErrorMessage(err)})
}

// InvalidField is the EINVALID error about one field of a request
// ("Invalid request: field: message"), as a Validation with one problem.
func InvalidField(field, format string, args ...any) error {
	var v Validation
	v.Add(field, format, args...)
	return v.Err("request")
}

// Err returns an EINVALID error listing every problem, or nil.
func (v *Validation) Err(what string) error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := fmt.Sprintf("Invalid %s: %s: %s", what, v.fields[0].Field, v.fields[0].Message)
	if len(v.fields) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(v.fields)-1)
	}
	return &Error{Code: EINVALID, Message: msg, Fields: v.fields}
}
