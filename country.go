package docketcard

import (
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// icaoSpecialCodes are the three-letter codes that ICAO Doc 9303 Part 3
// (section 5, "Codes for nationality, place of birth, location of issuing
// State/authority") defines for people who hold no nationality or whose
// nationality is not known. They matter for people in removal proceedings.
var icaoSpecialCodes = map[string]string{
	"XXA": "Stateless person",
	"XXB": "Refugee (1951 Convention)",
	"XXC": "Refugee (other)",
	"XXX": "Unspecified nationality",
}

// ParseCountry validates an ISO 3166-1 alpha-3 country code (or one of the
// ICAO special codes XXA, XXB, XXC, XXX) and returns it in upper case.
// Region data come from the CLDR tables in golang.org/x/text.
func ParseCountry(s string) (string, error) {
	code := strings.ToUpper(strings.TrimSpace(s))
	if code == "" {
		return "", Errorf(EINVALID, "country code is required (ISO 3166-1 alpha-3, e.g. MEX)")
	}
	if _, ok := icaoSpecialCodes[code]; ok {
		return code, nil
	}
	if len(code) != 3 || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", Errorf(EINVALID, "country code %q must be three letters (ISO 3166-1 alpha-3, e.g. MEX)", s)
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() || r.ISO3() != code {
		return "", Errorf(EINVALID, "unknown country code %q (ISO 3166-1 alpha-3, e.g. MEX, GTM, HND)", s)
	}
	return code, nil
}

// CountryName returns the English name of an alpha-3 code, or the code.
func CountryName(code string) string {
	if n, ok := icaoSpecialCodes[code]; ok {
		return n
	}
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := display.English.Regions().Name(r); n != "" {
		return n
	}
	return code
}

// ParseLanguage validates a BCP 47 language tag ("es", "pt-BR", "ht") and
// returns it canonicalised.
func ParseLanguage(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Errorf(EINVALID, "preferred language is required (a BCP 47 tag such as en, es or ht)")
	}
	t, err := language.Parse(s)
	if err != nil {
		return "", Errorf(EINVALID, "unknown language tag %q (use a BCP 47 tag such as en, es or ht)", s)
	}
	switch strings.ToLower(strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' })[0]) {
	case "und", "zxx", "mul", "mis":
		return "", Errorf(EINVALID, "language tag %q does not name a language (use a BCP 47 tag such as en, es or ht)", s)
	}
	if _, conf := t.Base(); conf == language.No {
		return "", Errorf(EINVALID, "unknown language tag %q (use a BCP 47 tag such as en, es or ht)", s)
	}
	return t.String(), nil
}
