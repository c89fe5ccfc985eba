package docketcard

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength bounds each name field, in characters.
const MaxNameLength = 100

// Name is a person's name in the two parts that ICAO Doc 9303 uses: the
// primary identifier (family names, which may be several, as in Hispanic
// double surnames) and the secondary identifier (given names).
type Name struct {
	FamilyNames string `json:"family_names"`
	GivenNames  string `json:"given_names"`
}

// String writes the name "FAMILY, Given".
func (n Name) String() string {
	if n.GivenNames == "" {
		return n.FamilyNames
	}
	return n.FamilyNames + ", " + n.GivenNames
}

// NormaliseNamePart trims and collapses the white space of one name field.
func NormaliseNamePart(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// ValidateNamePart checks one name field: Latin script letters (accents
// allowed, since the card prints Latin-script names), spaces, hyphens,
// apostrophes and periods; at most MaxNameLength characters. required says
// whether it may be empty (a person may have no given name).
func ValidateNamePart(s string, required bool) error {
	if s == "" {
		if required {
			return Errorf(EINVALID, "is required")
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > MaxNameLength {
		return Errorf(EINVALID, "is %d characters long; the limit is %d", n, MaxNameLength)
	}
	letters := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Latin, r):
			letters++
		case unicode.Is(unicode.Mn, r): // combining accents
		case r == ' ' || r == '-' || r == '\'' || r == '’' || r == '.':
		default:
			return Errorf(EINVALID, "contains %q; names must be written in Latin script (accents allowed) with only spaces, hyphens, apostrophes and periods", r)
		}
	}
	if letters == 0 {
		return Errorf(EINVALID, "must contain at least one letter")
	}
	return nil
}

// Normalise trims both parts.
func (n Name) Normalise() Name {
	return Name{FamilyNames: NormaliseNamePart(n.FamilyNames), GivenNames: NormaliseNamePart(n.GivenNames)}
}
