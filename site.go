package docketcard

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Site is a field office that enrols people and issues cards.
type Site struct {
	Code      string    `json:"code"` // e.g. "HOU"
	Name      string    `json:"name"`
	City      string    `json:"city"`
	TimeZone  string    `json:"time_zone"` // IANA name, e.g. "America/Chicago"
	CardQuota int       `json:"card_quota"`
	Active    bool      `json:"active"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ValidateSiteCode checks a site code: 3 to 8 upper-case letters or digits.
func ValidateSiteCode(code string) error {
	if code == "" {
		return Errorf(EINVALID, "site code is required")
	}
	if len(code) < 3 || len(code) > 8 || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return Errorf(EINVALID, "site code %q must be 3 to 8 upper-case letters or digits", code)
	}
	return nil
}

// Validate normalises s and checks every field.
func (s *Site) Validate() error {
	var v Validation
	s.Code = strings.ToUpper(strings.TrimSpace(s.Code))
	s.Name = NormaliseNamePart(s.Name)
	s.City = NormaliseNamePart(s.City)
	s.TimeZone = strings.TrimSpace(s.TimeZone)
	v.Check("code", ValidateSiteCode(s.Code))
	if s.Name == "" || utf8.RuneCountInString(s.Name) > 100 {
		v.Add("name", "is required and at most 100 characters")
	}
	if s.City == "" || utf8.RuneCountInString(s.City) > 60 {
		v.Add("city", "is required and at most 60 characters")
	}
	if _, err := LoadLocation(s.TimeZone); err != nil {
		v.Check("time_zone", err)
	}
	if s.CardQuota < 0 || s.CardQuota > 10_000_000 {
		v.Add("card_quota", "must be between 0 and 10000000, got %d", s.CardQuota)
	}
	return v.Err("site")
}

// LoadLocation loads an IANA time zone, refusing the ambiguous empty and
// "Local" names that time.LoadLocation accepts.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, Errorf(EINVALID, "time zone is required (an IANA name such as America/Chicago)")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, Errorf(EINVALID, "unknown time zone %q (use an IANA name such as America/Chicago)", name)
	}
	return loc, nil
}

// SitePatch is a partial update of a site.
type SitePatch struct {
	Version   *int    `json:"version"`
	Name      *string `json:"name"`
	City      *string `json:"city"`
	TimeZone  *string `json:"time_zone"`
	CardQuota *int    `json:"card_quota"`
	Active    *bool   `json:"active"`
}

// Apply applies the patch to a copy of s.
func (p SitePatch) Apply(s Site) Site {
	if p.Name != nil {
		s.Name = *p.Name
	}
	if p.City != nil {
		s.City = *p.City
	}
	if p.TimeZone != nil {
		s.TimeZone = *p.TimeZone
	}
	if p.CardQuota != nil {
		s.CardQuota = *p.CardQuota
	}
	if p.Active != nil {
		s.Active = *p.Active
	}
	return s
}
