package docketcard

import (
	"slices"
	"strings"
	"time"
)

// CheckType names a background check. Which are required is policy
// (configuration), per program and per site.
type CheckType string

const (
	CheckWatchlist          CheckType = "watchlist"           // built in: public sanctions lists
	CheckDuplicate          CheckType = "duplicate"           // built in: our own enrollments
	CheckDocument           CheckType = "document"            // built in: A-number and papers
	CheckCriminalHistory    CheckType = "criminal_history"    // external provider
	CheckBiometric          CheckType = "biometric"           // external provider
	CheckTerroristScreening CheckType = "terrorist_screening" // external provider
)

// CheckTypes lists every known check type.
var CheckTypes = []CheckType{CheckWatchlist, CheckDuplicate, CheckDocument, CheckCriminalHistory, CheckBiometric, CheckTerroristScreening}

// ParseCheckType validates a check type name.
func ParseCheckType(s string) (CheckType, error) { return oneOf("check type", s, CheckTypes) }

// CheckState is where one check stands.
type CheckState string

const (
	CheckPending       CheckState = "pending"        // queued or running
	CheckClear         CheckState = "clear"          // no match
	CheckPossibleMatch CheckState = "possible_match" // needs an adjudicator
	CheckError         CheckState = "error"          // gave up after its attempts; re-run needed
	CheckCleared       CheckState = "cleared"        // possible match adjudicated a false positive
	CheckDenied        CheckState = "denied"         // true match: no card
	CheckReferred      CheckState = "referred"       // true match referred to another authority: no card
)

// Passed reports whether the state lets a card be issued.
func (s CheckState) Passed() bool { return s == CheckClear || s == CheckCleared }

// Check is one background check of a person, within a check run.
type Check struct {
	ID           string     `json:"id"`
	RunID        string     `json:"run_id"`
	PersonID     string     `json:"person_id"`
	SiteCode     string     `json:"site_code"`
	Type         CheckType  `json:"type"`
	State        CheckState `json:"state"`
	Score        float64    `json:"score"`
	Evidence     string     `json:"evidence"`      // JSON: candidates and explanations
	ListVersions string     `json:"list_versions"` // which list versions a screening used
	Attempts     int        `json:"attempts"`
	ProviderRef  string     `json:"provider_ref,omitempty"`
	CompletedAt  *time.Time `json:"completed_at,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	Version      int        `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Current reports whether the check passed and has not expired at now.
func (c *Check) Current(now time.Time) bool {
	return c.State.Passed() && c.ExpiresAt != nil && now.Before(*c.ExpiresAt)
}

// CheckRun is the set of checks started together for a person.
type CheckRun struct {
	ID          string      `json:"id"`
	PersonID    string      `json:"person_id"`
	SiteCode    string      `json:"site_code"`
	RequestedBy string      `json:"requested_by"`
	Reason      string      `json:"reason"` // enrollment, expiry, recurrent vetting, manual
	Required    []CheckType `json:"required"`
	CreatedAt   time.Time   `json:"created_at"`
	Checks      []*Check    `json:"checks,omitempty"`
}

// CheckAttempt records one try of a check.
type CheckAttempt struct {
	CheckID    string     `json:"check_id"`
	Attempt    int        `json:"attempt"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Outcome    string     `json:"outcome"` // clear, possible_match, error, retry
	Detail     string     `json:"detail"`
}

// Decision is an adjudicator's verdict on a possible match.
type Decision string

const (
	DecisionClear Decision = "clear" // false positive
	DecisionDeny  Decision = "deny"  // true match: no card
	DecisionRefer Decision = "refer" // true match: referred
)

var decisions = []Decision{DecisionClear, DecisionDeny, DecisionRefer}

// ParseDecision validates a decision.
func ParseDecision(s string) (Decision, error) { return oneOf("decision", s, decisions) }

// Adjudication is a decision on one check.
type Adjudication struct {
	ID            string    `json:"id"`
	CheckID       string    `json:"check_id"`
	PersonID      string    `json:"person_id"`
	SiteCode      string    `json:"site_code"`
	AdjudicatorID string    `json:"adjudicator_id"`
	Decision      Decision  `json:"decision"`
	Reason        string    `json:"reason"`
	DecidedAt     time.Time `json:"decided_at"`
}

// MinReasonLength is the shortest acceptable adjudication reason.
const MinReasonLength = 10

// Clearance records that every required check of a run passed; a card
// approval must reference one that is current.
type Clearance struct {
	ID            string     `json:"id"`
	PersonID      string     `json:"person_id"`
	RunID         string     `json:"run_id"`
	GrantedAt     time.Time  `json:"granted_at"`
	ExpiresAt     time.Time  `json:"expires_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedReason string     `json:"revoked_reason,omitempty"`
}

// Current reports whether the clearance may back a card approval at now.
func (c *Clearance) Current(now time.Time) bool {
	return c.RevokedAt == nil && now.Before(c.ExpiresAt)
}

// CheckPolicy is which checks are required (per program, overridable per
// site) and how they run.
type CheckPolicy struct {
	Required     []CheckType            // program default
	SiteRequired map[string][]CheckType // per-site override
	ResultTTL    time.Duration          // a passed result expires after this (default 90 days)
	Timeout      time.Duration          // one attempt's time limit
	MaxAttempts  int                    // attempts before a check is an error
	SuspendOnHit bool                   // recurrent-vetting hit suspends the card
}

// DefaultCheckPolicy requires the built-in checks.
func DefaultCheckPolicy() CheckPolicy {
	return CheckPolicy{Required: []CheckType{CheckWatchlist, CheckDuplicate, CheckDocument}, ResultTTL: 90 * 24 * time.Hour,
		Timeout: 2 * time.Minute, MaxAttempts: 5}
}

// RequiredFor returns the checks required at a site.
func (p CheckPolicy) RequiredFor(site string) []CheckType {
	if r, ok := p.SiteRequired[site]; ok {
		return slices.Clone(r)
	}
	return slices.Clone(p.Required)
}

// ParseCheckTypes parses a comma-separated list of check types.
func ParseCheckTypes(s string) ([]CheckType, error) {
	var out []CheckType
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		t, err := ParseCheckType(part)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}
