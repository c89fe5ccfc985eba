package docketcard

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is a job a user does; permissions follow from roles.
type Role string

const (
	RoleEnrollmentOfficer Role = "enrollment_officer"
	RoleAdjudicator       Role = "adjudicator"
	RolePrintOperator     Role = "print_operator"
	RoleFieldVerifier     Role = "field_verifier"
	RoleProgramManager    Role = "program_manager"
	RoleFOIAOfficer       Role = "foia_officer"
	RoleAuditor           Role = "auditor"
	RoleAdmin             Role = "admin"
	// RoleRelyingParty is a verifier outside DHS (a court clerk, a
	// local agency): sees only whether a card is valid, the name and
	// the photo.
	RoleRelyingParty Role = "relying_party"
)

// Roles lists every role, in the order they are shown.
var Roles = []Role{RoleEnrollmentOfficer, RoleAdjudicator, RolePrintOperator, RoleFieldVerifier,
	RoleProgramManager, RoleFOIAOfficer, RoleAuditor, RoleAdmin, RoleRelyingParty}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) { return oneOf("role", s, Roles) }

// User is an officer or staff member who signs in.
type User struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Roles       []Role   `json:"roles"`
	Sites       []string `json:"sites"` // site codes served
	// Agency is the organisation the user works for; recorded in every
	// encounter. Required for relying parties (outside DHS).
	Agency      string     `json:"agency"`
	Disabled    bool       `json:"disabled"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// UserInput creates a user.
type UserInput struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
	Sites       []string `json:"sites"`
	Agency      string   `json:"agency"`
	Password    string   `json:"password"`
}

// MinPasswordLength follows NIST SP 800-63B's minimum for user-chosen secrets.
const MinPasswordLength = 12

// ValidatePassword checks a new password: 12 to 256 characters, not all
// one character, not the username.
func ValidatePassword(pw, username string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return Errorf(EINVALID, "must be at least %d characters", MinPasswordLength)
	case n > 256:
		return Errorf(EINVALID, "must be at most 256 characters")
	case strings.EqualFold(pw, username):
		return Errorf(EINVALID, "must not be the username")
	case strings.Count(pw, string([]rune(pw)[:1])) == n:
		return Errorf(EINVALID, "must not repeat one character")
	}
	return nil
}

// Validate normalises the input and returns the user (without ID).
func (in UserInput) Validate() (*User, error) {
	var v Validation
	u := &User{Username: strings.ToLower(strings.TrimSpace(in.Username)), DisplayName: NormaliseNamePart(in.DisplayName)}
	if len(u.Username) < 3 || len(u.Username) > 64 || strings.Trim(u.Username, "abcdefghijklmnopqrstuvwxyz0123456789._-") != "" {
		v.Add("username", "must be 3 to 64 characters of a-z, 0-9, '.', '_' or '-'")
	}
	if u.DisplayName == "" || utf8.RuneCountInString(u.DisplayName) > 100 {
		v.Add("display_name", "is required and at most 100 characters")
	}
	u.Roles, u.Sites = parseRolesSites(&v, in.Roles, in.Sites)
	u.Agency = strings.TrimSpace(in.Agency)
	checkAgency(&v, u)
	v.Check("password", ValidatePassword(in.Password, u.Username))
	return u, v.Err("user")
}

func parseRolesSites(v *Validation, roles, sites []string) ([]Role, []string) {
	var rs []Role
	if len(roles) == 0 {
		v.Add("roles", "at least one role is required")
	}
	for i, r := range roles {
		role, err := ParseRole(r)
		v.Check("roles["+itoa(i)+"]", err)
		if err == nil && !slices.Contains(rs, role) {
			rs = append(rs, role)
		}
	}
	ss := []string{}
	for i, s := range sites {
		s = strings.ToUpper(strings.TrimSpace(s))
		err := ValidateSiteCode(s)
		v.Check("sites["+itoa(i)+"]", err)
		if err == nil && !slices.Contains(ss, s) {
			ss = append(ss, s)
		}
	}
	slices.Sort(ss)
	return rs, ss
}

// UserPatch changes a user's display name, roles, sites or disabled flag.
type UserPatch struct {
	Version     *int      `json:"version"`
	DisplayName *string   `json:"display_name"`
	Roles       *[]string `json:"roles"`
	Sites       *[]string `json:"sites"`
	Disabled    *bool     `json:"disabled"`
	Agency      *string   `json:"agency"`
	Unlock      bool      `json:"unlock"`
}

// checkAgency: a relying party must name its agency; DHS staff default
// to DHS.
func checkAgency(v *Validation, u *User) {
	if utf8.RuneCountInString(u.Agency) > 100 || strings.ContainsFunc(u.Agency, func(r rune) bool { return r < 0x20 }) {
		v.Add("agency", "must be at most 100 characters, no control characters")
	}
	if u.Agency == "" {
		if slices.Contains(u.Roles, RoleRelyingParty) {
			v.Add("agency", "is required for a relying party (the organisation outside DHS the user works for)")
		} else {
			u.Agency = "DHS"
		}
	}
}

// Apply validates the patch and applies it to a copy of u.
func (p UserPatch) Apply(u User) (*User, error) {
	var v Validation
	if p.DisplayName != nil {
		u.DisplayName = NormaliseNamePart(*p.DisplayName)
		if u.DisplayName == "" || utf8.RuneCountInString(u.DisplayName) > 100 {
			v.Add("display_name", "is required and at most 100 characters")
		}
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	if p.Roles != nil {
		roles = *p.Roles
	}
	sites := u.Sites
	if p.Sites != nil {
		sites = *p.Sites
	}
	u.Roles, u.Sites = parseRolesSites(&v, roles, sites)
	if p.Agency != nil {
		u.Agency = strings.TrimSpace(*p.Agency)
	}
	checkAgency(&v, &u)
	if p.Disabled != nil {
		u.Disabled = *p.Disabled
	}
	if p.Unlock {
		u.LockedUntil = nil
	}
	return &u, v.Err("user")
}

// Actor is who is acting: a signed-in user or an API token's user, or the
// system itself (command-line maintenance, the demo loader). Every service
// call takes one; authorisation decisions are made from it alone.
type Actor struct {
	UserID   string
	Username string
	Roles    []Role
	Sites    []string
	System   bool   // command-line operator with database access
	Via      string // "session", "token", "cli"
	TokenID  string

	// RequestID and Purpose are recorded with every audit entry the
	// call writes. Purpose is the reason the actor gave (or the default
	// for their role) for reading a person's record.
	RequestID string
	Purpose   string
	// Agency is the user's organisation (recorded in encounters).
	Agency string
}

// SystemActor is the actor for command-line maintenance run by an operator
// who already holds the database credentials.
func SystemActor(name string) Actor {
	return Actor{UserID: "system", Username: name, System: true, Via: "cli", Roles: []Role{RoleAdmin}}
}

// Has reports whether the actor holds role.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// Serves reports whether the actor may act for site.
func (a Actor) Serves(site string) bool { return a.System || slices.Contains(a.Sites, site) }

// RoleNames returns the roles as one comma-separated string (for audit).
func (a Actor) RoleNames() string {
	s := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// APIToken is a credential for machine clients. Only its hash is stored;
// the secret is shown once, at creation.
type APIToken struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// Session is a signed-in browser session. Only the hash of its secret is
// stored. Sessions live in the database, not in server memory, so any
// server process sharing the database can check it.
type Session struct {
	UserID    string
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}
