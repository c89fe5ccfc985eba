// Package provider is docketcard's side of the one protocol it speaks with
// every external background-check provider (biometric, criminal history,
// terrorist screening, …): the wire types, a Client that submits checks
// and polls for results behind a circuit breaker, and the verification of
// signed result callbacks. PROTOCOL.md in this directory is the
// specification; package checksim is a provider that speaks it.
package provider

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docketcard/docketcard"
)

// Protocol constants.
const (
	// ChecksPath is the collection of checks, relative to a provider's
	// base URL: POST submits, GET ChecksPath+"/"+ref polls.
	ChecksPath = "/v1/checks"
	// IdempotencyKeyHeader carries the client's key on a submission.
	IdempotencyKeyHeader = "Idempotency-Key"
	// ReplayedHeader is "true" on the answer to a submission whose
	// idempotency key the provider had already seen.
	ReplayedHeader = "Idempotent-Replayed"
	// SignatureHeader carries "t=<unix>,v1=<hex>" on a result callback.
	SignatureHeader = "X-Docketcard-Signature"
	// DefaultTolerance is how far a callback's timestamp may be from the
	// receiver's clock, either way.
	DefaultTolerance = 5 * time.Minute
	// MaxIdempotencyKeyLength bounds an Idempotency-Key, in bytes.
	MaxIdempotencyKeyLength = 255
	// MaxSubjectIDLength bounds Subject.ID, in bytes.
	MaxSubjectIDLength = 128
	// MaxNames bounds Subject.Names (the primary name plus aliases).
	MaxNames = 11
	// MaxBodyBytes bounds every request and response body of the protocol.
	MaxBodyBytes = 1 << 20
)

// CheckType names a kind of background check. The set is open: a provider
// rejects (400) a type it does not perform. A type is 1–64 characters of
// a–z, 0–9 and "_", starting with a letter.
type CheckType string

// The check types every docketcard provider is expected to know.
const (
	CheckCriminalHistory    CheckType = "criminal_history"
	CheckBiometric          CheckType = "biometric"
	CheckTerroristScreening CheckType = "terrorist_screening"
)

// KnownCheckTypes lists the check types above.
var KnownCheckTypes = []CheckType{CheckCriminalHistory, CheckBiometric, CheckTerroristScreening}

// Valid reports whether t is a well-formed check type.
func (t CheckType) Valid() bool {
	if len(t) == 0 || len(t) > 64 || t[0] < 'a' || t[0] > 'z' {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Status is the state of a check.
type Status string

// Statuses. Every status but StatusPending is final: a check that reached
// one never changes again.
const (
	StatusPending       Status = "pending"
	StatusClear         Status = "clear"          // no record found
	StatusPossibleMatch Status = "possible_match" // a human must review Evidence
	StatusError         Status = "error"          // the provider could not complete this check; submit a new one
)

// Final reports whether s is a final status.
func (s Status) Final() bool {
	return s == StatusClear || s == StatusPossibleMatch || s == StatusError
}

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool { return s == StatusPending || s.Final() }

// Subject is the person a check is about. ID is opaque to the provider: a
// value that docketcard can map back to its own record but that means
// nothing outside it (never the A-number). Names[0] is the primary name and
// any others are aliases.
type Subject struct {
	ID          string            `json:"id"`
	Names       []docketcard.Name `json:"names"`
	DateOfBirth string            `json:"date_of_birth"` // YYYY, YYYY-MM or YYYY-MM-DD
	Nationality string            `json:"nationality"`   // ISO 3166-1 alpha-3, or XXA, XXB, XXC, XXX
	Sex         string            `json:"sex"`           // M, F or X
}

// SubjectFromPerson builds the subject of a check on p under the opaque id.
func SubjectFromPerson(p *docketcard.Person, id string) Subject {
	names := append([]docketcard.Name{p.Name}, p.Aliases...)
	if len(names) > MaxNames {
		names = names[:MaxNames]
	}
	return Subject{
		ID:          id,
		Names:       names,
		DateOfBirth: p.DateOfBirth.String(),
		Nationality: p.CountryOfCitizenship,
		Sex:         string(p.Sex),
	}
}

// Validate checks every field of s, reporting each problem under its JSON
// path below prefix (e.g. "subject.").
func (s Subject) Validate(v *docketcard.Validation, prefix string) {
	if !validToken(s.ID, MaxSubjectIDLength) {
		v.Add(prefix+"id", "must be 1–%d printable ASCII characters without spaces", MaxSubjectIDLength)
	}
	switch {
	case len(s.Names) == 0:
		v.Add(prefix+"names", "needs at least one name")
	case len(s.Names) > MaxNames:
		v.Add(prefix+"names", "has %d entries; the limit is %d", len(s.Names), MaxNames)
	default:
		for i, n := range s.Names {
			f := prefix + "names[" + strconv.Itoa(i) + "]."
			v.Check(f+"family_names", docketcard.ValidateNamePart(n.FamilyNames, true))
			v.Check(f+"given_names", docketcard.ValidateNamePart(n.GivenNames, false))
		}
	}
	if s.DateOfBirth == "" {
		v.Add(prefix+"date_of_birth", "is required (YYYY, YYYY-MM or YYYY-MM-DD)")
	} else {
		_, err := docketcard.ParsePartialDate(s.DateOfBirth)
		v.Check(prefix+"date_of_birth", err)
	}
	if c, err := docketcard.ParseCountry(s.Nationality); err != nil {
		v.Check(prefix+"nationality", err)
	} else if c != s.Nationality {
		v.Add(prefix+"nationality", "must be upper case (%s)", c)
	}
	if sx, err := docketcard.ParseSex(s.Sex); err != nil {
		v.Check(prefix+"sex", err)
	} else if string(sx) != s.Sex {
		v.Add(prefix+"sex", "must be M, F or X")
	}
}

// CheckRequest is the body of a submission.
type CheckRequest struct {
	CheckType   CheckType `json:"check_type"`
	Subject     Subject   `json:"subject"`
	CallbackURL string    `json:"callback_url,omitempty"`
}

// Validate returns an EINVALID error naming every bad field, or nil.
func (r *CheckRequest) Validate() error {
	var v docketcard.Validation
	if !r.CheckType.Valid() {
		v.Add("check_type", "must be 1–64 characters of a–z, 0–9 and _, starting with a letter (e.g. criminal_history)")
	}
	r.Subject.Validate(&v, "subject.")
	if r.CallbackURL != "" {
		if err := ValidateCallbackURL(r.CallbackURL); err != nil {
			v.Check("callback_url", err)
		}
	}
	return v.Err("check request")
}

// ValidateCallbackURL checks that u is an absolute http or https URL
// without user information or a fragment.
func ValidateCallbackURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || len(u) > 2048 || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil || p.Fragment != "" {
		return docketcard.Errorf(docketcard.EINVALID, "must be an absolute http or https URL without credentials or fragment")
	}
	return nil
}

// ValidateIdempotencyKey checks that key is 1–255 printable ASCII
// characters without spaces.
func ValidateIdempotencyKey(key string) error {
	if !validToken(key, MaxIdempotencyKeyLength) {
		return docketcard.Errorf(docketcard.EINVALID, "Idempotency-Key must be 1–%d printable ASCII characters without spaces", MaxIdempotencyKeyLength)
	}
	return nil
}

// Ack is the provider's answer to a submission.
type Ack struct {
	ProviderRef string `json:"provider_ref"`
	Status      Status `json:"status"`
	// Result is set when the provider answered synchronously (200) with
	// the final result; Status is then the result's status.
	Result *Result `json:"-"`
	// Replayed is true when the provider had already seen the idempotency
	// key, so this answer describes the check that the first submission
	// started.
	Replayed bool `json:"-"`
}

// Evidence is one record behind a possible match. Its meaning is the
// provider's; docketcard shows it to the adjudicating officer.
type Evidence struct {
	Kind      string  `json:"kind"`            // e.g. criminal_record, watchlist_entry, biometric_candidate
	Source    string  `json:"source"`          // the system the record came from
	Reference string  `json:"reference"`       // the record's identifier in Source
	Score     float64 `json:"score,omitempty"` // match confidence, 0–1, when the source gives one
	Summary   string  `json:"summary"`
}

// Result is the state of a check: pending, or final with its evidence.
type Result struct {
	ProviderRef string     `json:"provider_ref"`
	CheckType   CheckType  `json:"check_type,omitempty"`
	Status      Status     `json:"status"`
	Evidence    []Evidence `json:"evidence"`
	Detail      string     `json:"detail,omitempty"`      // why, for StatusError
	CompletedAt time.Time  `json:"completed_at,omitzero"` // set when Status is final
}

// validate checks a result received from a provider.
func (r *Result) validate(wantFinal bool) error {
	switch {
	case !ValidProviderRef(r.ProviderRef):
		return docketcard.Errorf(docketcard.EINVALID, "result has no valid provider_ref")
	case !r.Status.Valid():
		return docketcard.Errorf(docketcard.EINVALID, "result has unknown status %q", r.Status)
	case wantFinal && !r.Status.Final():
		return docketcard.Errorf(docketcard.EINVALID, "result status %q is not final", r.Status)
	case r.Status.Final() && r.CompletedAt.IsZero():
		return docketcard.Errorf(docketcard.EINVALID, "final result has no completed_at")
	}
	if r.Evidence == nil {
		r.Evidence = []Evidence{}
	}
	return nil
}

// ValidProviderRef reports whether ref is a well-formed provider_ref: 1–128
// characters of A–Z, a–z, 0–9, ".", "_", "~" and "-", starting with a
// letter or digit, so that it is one URL path segment as it stands.
func ValidProviderRef(ref string) bool {
	if len(ref) == 0 || len(ref) > 128 || !isAlnum(ref[0]) {
		return false
	}
	for i := 1; i < len(ref); i++ {
		if c := ref[i]; !isAlnum(c) && c != '.' && c != '_' && c != '~' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// validToken reports whether s is 1–max printable ASCII characters other
// than space.
func validToken(s string, max int) bool {
	if len(s) == 0 || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f })
}
