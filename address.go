package docketcard

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Address is a U.S. mailing address.
type Address struct {
	Street1 string `json:"street1"`
	Street2 string `json:"street2,omitempty"`
	City    string `json:"city"`
	State   string `json:"state"`
	ZIP     string `json:"zip"`
}

// usStates are the USPS codes of the states, DC, the territories and the
// armed-forces "states" that accept mail.
var usStates = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO
		MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY
		AS GU MP PR VI UM FM MH PW AA AE AP`) {
		usStates[s] = true
	}
}

// Normalise trims fields and upper-cases the state.
func (a Address) Normalise() Address {
	return Address{
		Street1: NormaliseNamePart(a.Street1),
		Street2: NormaliseNamePart(a.Street2),
		City:    NormaliseNamePart(a.City),
		State:   strings.ToUpper(strings.TrimSpace(a.State)),
		ZIP:     strings.TrimSpace(a.ZIP),
	}
}

// Validate adds a field error to v for every problem, prefixing field names.
func (a Address) Validate(v *Validation, prefix string) {
	check := func(field, val string, required bool, max int) {
		switch {
		case val == "" && required:
			v.Add(prefix+field, "is required")
		case utf8.RuneCountInString(val) > max:
			v.Add(prefix+field, "is longer than %d characters", max)
		case strings.ContainsFunc(val, func(r rune) bool { return r < ' ' || r == 0x7f }):
			v.Add(prefix+field, "contains control characters")
		}
	}
	check("street1", a.Street1, true, 100)
	check("street2", a.Street2, false, 100)
	check("city", a.City, true, 60)
	if !usStates[a.State] {
		v.Add(prefix+"state", "%q is not a USPS state or territory code (e.g. TX, GA, PR)", a.State)
	}
	if !validZIP(a.ZIP) {
		v.Add(prefix+"zip", "%q is not a ZIP code (12345 or 12345-6789)", a.ZIP)
	}
}

func validZIP(z string) bool {
	digits := func(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
	switch len(z) {
	case 5:
		return digits(z)
	case 10:
		return digits(z[:5]) && z[5] == '-' && digits(z[6:])
	}
	return false
}

// ParsePhone validates a phone number in E.164 form ("+17135550100"),
// allowing spaces, hyphens, dots and parentheses, which it removes.
func ParsePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", Errorf(EINVALID, "phone number %q may contain only digits, a leading +, spaces, hyphens, dots and parentheses", s)
		}
	}
	p := b.String()
	if !strings.HasPrefix(p, "+") {
		if len(p) == 10 { // a U.S. number written without country code
			p = "+1" + p
		} else {
			return "", Errorf(EINVALID, "phone number %q must be in international form, e.g. +1 713 555 0100", s)
		}
	}
	if n := len(p) - 1; n < 8 || n > 15 || p[1] == '0' {
		return "", Errorf(EINVALID, "phone number %q is not a valid E.164 number (8 to 15 digits after +)", s)
	}
	return p, nil
}

// ParseEmail validates an optional e-mail address.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") || len(s) > 254 {
		return "", Errorf(EINVALID, "%q is not an e-mail address", s)
	}
	return strings.ToLower(s), nil
}
