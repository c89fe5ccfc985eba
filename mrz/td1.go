package mrz

import (
	"strings"
	"unicode/utf8"

	"github.com/docketcard/docketcard"
)

// Dimensions of the TD1 MRZ (Doc 9303 Part 5 §4.2.2).
const (
	// LineLength is the number of characters in each TD1 line.
	LineLength = 30
	// MaxDocumentNumber is the longest document number a TD1 can hold: 9
	// characters in positions 6–14 of the upper line and 13 in positions
	// 16–28, the check digit following in position 29 (Part 5 §4.2.4).
	MaxDocumentNumber = 22

	docNumberLen = 9  // upper line positions 6–14
	optional1Len = 15 // upper line positions 16–30
	optional2Len = 11 // middle line positions 19–29
)

// TD1 is the content of a TD1 (3 × 30 characters) machine readable zone,
// Doc 9303 Part 5 §4.2.2. Encode accepts lower-case letters and spaces in
// the coded fields and upper-cases them and turns spaces into fillers;
// Parse returns fields without trailing fillers and names with spaces
// between components.
type TD1 struct {
	// DocumentCode is 1 or 2 characters, e.g. "ID" or "I"; the first is A,
	// C or I (Part 5 §4.2.2.1, note k).
	DocumentCode string
	// IssuingState is the three-letter code of the issuing State, e.g.
	// "USA" (Part 3 §5; "D" for Germany is padded to "D<<").
	IssuingState string
	// DocumentNumber is the card number: up to 9 characters fit in
	// positions 6–14 of the upper line; a longer one (letters and digits,
	// at most 22) overflows into the optional data field (Part 5 note j).
	DocumentNumber string
	// OptionalData1 is the optional data of the upper line, positions
	// 16–30: up to 15 characters, fewer after an overflowing document
	// number (22 minus the document number's length).
	OptionalData1 string
	// BirthDate is "YYMMDD"; unknown parts are fillers, e.g. "84<<<<" or
	// "8404<<" (Part 3 §4.8).
	BirthDate string
	// Sex is "M", "F" or "<" (unspecified; Encode also takes "X").
	Sex string
	// ExpiryDate is "YYMMDD".
	ExpiryDate string
	// Nationality is an ISO 3166-1 alpha-3 code or one of the codes of
	// Part 3 §5 (XXA, XXB, XXC, XXX, …).
	Nationality string
	// OptionalData2 is the optional data of the middle line, positions
	// 19–29: up to 11 characters.
	OptionalData2 string
	// PrimaryID is the primary identifier (surnames), raw or already
	// transliterated; Encode transliterates it.
	PrimaryID string
	// SecondaryID is the secondary identifier (given names), raw or
	// already transliterated; Encode transliterates it.
	SecondaryID string
}

// Encode writes the three lines of the TD1 MRZ for td: it upper-cases and
// transliterates, pads every field with fillers, truncates the name to 30
// characters (see NameField) and computes the check digits of the document
// number, the date of birth and the date of expiry and the composite check
// digit (Part 5 §4.2.4). A field that cannot be written (wrong length,
// characters outside the MRZ set, an impossible date, …) is an EINVALID
// error whose Fields list every problem.
func Encode(td TD1) ([3]string, error) {
	return encode(td, "TD1 MRZ data")
}

// encode is Encode; what names the data in the error message.
func encode(td TD1, what string) ([3]string, error) {
	var v docketcard.Validation
	code, err := normDocumentCode(td.DocumentCode)
	v.Check("document_code", err)
	issuer, err := normCountry(td.IssuingState)
	v.Check("issuing_state", err)
	docNum, err := normDocumentNumber(td.DocumentNumber)
	v.Check("document_number", err)
	docNumOK := err == nil
	opt1, err := normOptional(td.OptionalData1, optional1Len)
	v.Check("optional_data_1", err)
	if err == nil && docNumOK && len(docNum) > docNumberLen {
		if room := MaxDocumentNumber - len(docNum); len(opt1) > room {
			v.Add("optional_data_1", "is %d characters long, but after a %d-character document number only %d fit (ICAO Doc 9303 Part 5 §4.2.2.1 note j)", len(opt1), len(docNum), room)
		}
	}
	birth, err := normDate(td.BirthDate, true)
	v.Check("birth_date", err)
	sex, err := normSex(td.Sex)
	v.Check("sex", err)
	expiry, err := normDate(td.ExpiryDate, false)
	v.Check("expiry_date", err)
	nationality, err := normCountry(td.Nationality)
	v.Check("nationality", err)
	opt2, err := normOptional(td.OptionalData2, optional2Len)
	v.Check("optional_data_2", err)
	primary, err := transliterateField(td.PrimaryID, "the primary identifier")
	if err == nil && primary == "" {
		err = docketcard.Errorf(docketcard.EINVALID, "the primary identifier (family name) is required and must contain at least one letter")
	}
	v.Check("primary_identifier", err)
	secondary, err := transliterateField(td.SecondaryID, "the secondary identifier")
	v.Check("secondary_identifier", err)
	if err := v.Err(what); err != nil {
		return [3]string{}, err
	}

	// Upper line, Part 5 §4.2.2.1.
	var l1 strings.Builder
	l1.Grow(LineLength)
	l1.WriteString(pad(code, 2))
	l1.WriteString(pad(issuer, 3))
	if len(docNum) <= docNumberLen {
		field := pad(docNum, docNumberLen)
		l1.WriteString(field)
		l1.WriteByte(checkDigit(field))
		l1.WriteString(pad(opt1, optional1Len))
	} else {
		// Note j and §4.2.4: the 9 principal characters, a filler instead
		// of the check digit, then the rest of the number, its check digit
		// (computed without the filler of position 15) and a filler at the
		// start of the optional data field.
		l1.WriteString(docNum[:docNumberLen])
		l1.WriteByte(Filler)
		l1.WriteString(pad(docNum[docNumberLen:]+string(checkDigit(docNum))+string(Filler)+opt1, optional1Len))
	}

	// Middle line, Part 5 §4.2.2.2.
	var l2 strings.Builder
	l2.Grow(LineLength)
	l2.WriteString(birth)
	l2.WriteByte(checkDigit(birth))
	l2.WriteString(sex)
	l2.WriteString(expiry)
	l2.WriteByte(checkDigit(expiry))
	l2.WriteString(pad(nationality, 3))
	l2.WriteString(pad(opt2, optional2Len))

	lines := [3]string{l1.String(), l2.String(), ""}
	lines[1] += string(checkDigit(compositeData(lines[0], lines[1])))

	// Lower line, Part 5 §4.2.2.3.
	lines[2] = nameField(primary, secondary, LineLength)
	return lines, nil
}

// compositeData is the data that the composite check digit covers (Part 5
// §4.2.4): positions 6–30 of the upper line and 1–7, 9–15 and 19–29 of the
// middle line.
func compositeData(l1, l2 string) string {
	return l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
}

// Parse reads a TD1 MRZ: three lines of 30 characters separated by
// newlines (a final newline and carriage returns are ignored), or the 90
// characters without separators. It verifies every check digit and the
// composite check digit and that the lines are exactly what Encode writes
// for the data they hold. Every problem is an EINVALID error: a character
// outside A–Z, 0–9 and < gives its line and position; a wrong check digit
// names the check (document number, birth date, expiry date, composite).
func Parse(lines string) (*TD1, error) {
	ls, err := splitLines(lines)
	if err != nil {
		return nil, err
	}
	l1, l2, l3 := ls[0], ls[1], ls[2]

	// Check digits first: they are how a reader knows the data were read
	// as written (Part 3 §4.9).
	var checks docketcard.Validation
	digitAt := func(line, pos int, what string) (byte, bool) {
		c := ls[line-1][pos-1]
		if c < '0' || c > '9' {
			checks.Add(what, "the %s check digit in line %d position %d is %q, not a digit", strings.ReplaceAll(what, "_", " "), line, pos, c)
			return 0, false
		}
		return c, true
	}
	verify := func(field string, line, pos int, data string) {
		if got, ok := digitAt(line, pos, field); ok {
			if want := checkDigit(data); got != want {
				checks.Add(field, "the %s check digit in line %d position %d is %c, but the data give %c", strings.ReplaceAll(field, "_", " "), line, pos, got, want)
			}
		}
	}

	var td TD1
	td.DocumentCode = strings.TrimRight(l1[0:2], "<")
	td.IssuingState = strings.TrimRight(l1[2:5], "<")
	if l1[14] == Filler {
		// A long document number (Part 5 note j, §4.2.4): the rest of the
		// number, its check digit and a filler begin the optional data.
		head := l1[5:14]
		if i := strings.IndexByte(head, Filler); i >= 0 {
			return nil, invalid("line 1 position %d: a document number that continues in the optional data (position 15 is <) must fill positions 6-14", 6+i)
		}
		end := strings.IndexByte(l1[15:], Filler) // the filler after the check digit
		if end < 0 {
			return nil, invalid("line 1: position 15 is <, which marks a long document number, but no filler follows its check digit in positions 17-30")
		}
		if end < 2 {
			return nil, invalid("line 1 position 16: position 15 is <, which marks a long document number, but the rest of the number and its check digit are missing")
		}
		tail := l1[15 : 15+end-1]
		td.DocumentNumber = head + tail
		verify("document_number", 1, 15+end, td.DocumentNumber)
		td.OptionalData1 = strings.TrimRight(l1[15+end+1:], "<")
	} else {
		td.DocumentNumber = strings.TrimRight(l1[5:14], "<")
		verify("document_number", 1, 15, l1[5:14])
		td.OptionalData1 = strings.TrimRight(l1[15:30], "<")
	}
	td.BirthDate = l2[0:6]
	verify("birth_date", 2, 7, l2[0:6])
	td.Sex = l2[7:8]
	td.ExpiryDate = l2[8:14]
	verify("expiry_date", 2, 15, l2[8:14])
	td.Nationality = strings.TrimRight(l2[15:18], "<")
	td.OptionalData2 = strings.TrimRight(l2[18:29], "<")
	verify("composite", 2, 30, compositeData(l1, l2))
	if err := checks.Err("TD1 MRZ"); err != nil {
		return nil, err
	}

	name := strings.TrimRight(l3, "<")
	primary, secondary, _ := strings.Cut(name, "<<")
	td.PrimaryID = strings.ReplaceAll(primary, "<", " ")
	td.SecondaryID = strings.ReplaceAll(secondary, "<", " ")
	if strings.ContainsAny(l3, "0123456789") {
		i := strings.IndexAny(l3, "0123456789")
		return nil, invalid("line 3 position %d: %q is a digit; numerals are not allowed in the name (ICAO Doc 9303 Part 3 §4.6)", i+1, l3[i])
	}

	// The fields must be valid and the lines exactly what Encode writes for
	// them, so that a parsed MRZ always encodes back to itself.
	again, err := encode(td, "TD1 MRZ")
	if err != nil {
		return nil, err
	}
	for i := range ls {
		if again[i] != ls[i] {
			pos := firstDifference(again[i], ls[i])
			return nil, invalid("line %d position %d (%s): %q is not how ICAO Doc 9303 writes these data; expected %q here",
				i+1, pos+1, fieldAt(i+1, pos+1), ls[i][pos], again[i][pos])
		}
	}
	return &td, nil
}

// splitLines turns the input of Parse into three lines of 30 MRZ
// characters.
func splitLines(s string) ([3]string, error) {
	var ls [3]string
	s = strings.TrimSuffix(s, "\n")
	var parts []string
	if strings.Contains(s, "\n") {
		parts = strings.Split(s, "\n")
	} else if len(s) == 3*LineLength {
		parts = []string{s[0:30], s[30:60], s[60:90]}
	} else {
		parts = []string{s}
	}
	for i := range parts {
		parts[i] = strings.TrimSuffix(parts[i], "\r")
	}
	if len(parts) != 3 {
		if len(parts) == 1 {
			return ls, invalid("the MRZ is one line of %d characters; a TD1 MRZ is 3 lines of 30 characters (90 without line breaks)", utf8.RuneCountInString(parts[0]))
		}
		return ls, invalid("the MRZ has %d lines; a TD1 MRZ has 3 lines of 30 characters", len(parts))
	}
	for i, line := range parts {
		for j, r := range []rune(line) {
			if r >= utf8.RuneSelf || !isMRZChar(byte(r)) {
				hint := "only A-Z, 0-9 and < are allowed"
				if r >= 'a' && r <= 'z' {
					hint = "lower-case letters are not allowed; only A-Z, 0-9 and < are"
				}
				return ls, invalid("line %d position %d: %q is not an MRZ character (%s)", i+1, j+1, r, hint)
			}
		}
		if len(line) != LineLength {
			return ls, invalid("line %d has %d characters; each TD1 line has 30", i+1, len(line))
		}
		ls[i] = line
	}
	return ls, nil
}

// firstDifference is the index of the first byte at which a and b, of
// equal length, differ.
func firstDifference(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// fieldAt names the field at a 1-based position of a line (Part 5
// §4.2.2).
func fieldAt(line, pos int) string {
	switch line {
	case 1:
		switch {
		case pos <= 2:
			return "document code"
		case pos <= 5:
			return "issuing State"
		case pos <= 14:
			return "document number"
		case pos == 15:
			return "document number check digit"
		default:
			return "optional data"
		}
	case 2:
		switch {
		case pos <= 6:
			return "date of birth"
		case pos == 7:
			return "date of birth check digit"
		case pos == 8:
			return "sex"
		case pos <= 14:
			return "date of expiry"
		case pos == 15:
			return "date of expiry check digit"
		case pos <= 18:
			return "nationality"
		case pos <= 29:
			return "optional data"
		default:
			return "composite check digit"
		}
	}
	return "name"
}

func invalid(format string, args ...any) error {
	return docketcard.Errorf(docketcard.EINVALID, "Invalid TD1 MRZ: "+format, args...)
}

// asciiUpper upper-cases the letters a–z of s, and no others: a code such
// as ſ or ı must not turn into an MRZ letter unnoticed.
func asciiUpper(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// upperFiller upper-cases s and turns spaces into fillers.
func upperFiller(s string) string {
	return strings.ReplaceAll(asciiUpper(s), " ", "<")
}

// onlyMRZ reports the first character of s that is not an MRZ character.
func onlyMRZ(s, allowed string) error {
	for i, r := range []rune(s) {
		if r >= utf8.RuneSelf || !strings.ContainsRune(allowed, r) {
			return docketcard.Errorf(docketcard.EINVALID, "character %d (%q) is not allowed here", i+1, r)
		}
	}
	return nil
}

const (
	letters    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits     = "0123456789"
	alnum      = letters + digits
	mrzCharset = alnum + "<"
)

// normDocumentCode checks a document code (Part 5 §4.2.2.1, note k) and
// returns it without a trailing filler.
func normDocumentCode(s string) (string, error) {
	s = strings.TrimRight(asciiUpper(s), "<")
	if s == "" {
		return "", docketcard.Errorf(docketcard.EINVALID, "is required (e.g. ID)")
	}
	if err := onlyMRZ(s, letters+"<"); err != nil {
		return "", err
	}
	switch {
	case len(s) > 2:
		return "", docketcard.Errorf(docketcard.EINVALID, "must be 1 or 2 characters, not %d", len(s))
	case s[0] != 'A' && s[0] != 'C' && s[0] != 'I':
		return "", docketcard.Errorf(docketcard.EINVALID, "must begin with A, C or I (ICAO Doc 9303 Part 5 note k)")
	case len(s) == 2 && s[1] == 'V':
		return "", docketcard.Errorf(docketcard.EINVALID, "may not have V as its second character (ICAO Doc 9303 Part 5 note k)")
	case s == "AI":
		return "", docketcard.Errorf(docketcard.EINVALID, "may not be AI (ICAO Doc 9303 Part 5 note k)")
	}
	return s, nil
}

// normCountry checks a three-letter code of Part 3 §5 (letters, padded
// with fillers, e.g. D<<) and returns it without trailing fillers.
func normCountry(s string) (string, error) {
	s = strings.TrimRight(asciiUpper(s), "<")
	if s == "" {
		return "", docketcard.Errorf(docketcard.EINVALID, "is required (a three-letter code, e.g. USA)")
	}
	if err := onlyMRZ(s, letters); err != nil {
		return "", err
	}
	if len(s) > 3 {
		return "", docketcard.Errorf(docketcard.EINVALID, "must be a code of at most three letters (ICAO Doc 9303 Part 3 §5), not %d characters", len(s))
	}
	return s, nil
}

// normDocumentNumber checks a document number and returns it upper-cased,
// spaces written as fillers.
func normDocumentNumber(s string) (string, error) {
	s = upperFiller(s)
	switch {
	case s == "":
		return "", docketcard.Errorf(docketcard.EINVALID, "is required")
	case len(s) > MaxDocumentNumber:
		return "", docketcard.Errorf(docketcard.EINVALID, "is %d characters long; a TD1 holds at most %d (ICAO Doc 9303 Part 5 §4.2.4)", len(s), MaxDocumentNumber)
	case len(s) > docNumberLen:
		if err := onlyMRZ(s, alnum); err != nil {
			return "", docketcard.Errorf(docketcard.EINVALID, "%s: a document number longer than 9 characters may only have letters and digits", docketcard.ErrorMessage(err))
		}
	default:
		if err := onlyMRZ(s, mrzCharset); err != nil {
			return "", err
		}
		if s[0] == Filler || s[len(s)-1] == Filler {
			return "", docketcard.Errorf(docketcard.EINVALID, "may not begin or end with a space or filler")
		}
	}
	return s, nil
}

// normOptional checks optional data and returns it upper-cased, spaces
// written as fillers, without trailing fillers.
func normOptional(s string, max int) (string, error) {
	s = strings.TrimRight(upperFiller(s), "<")
	if err := onlyMRZ(s, mrzCharset); err != nil {
		return "", err
	}
	if len(s) > max {
		return "", docketcard.Errorf(docketcard.EINVALID, "is %d characters long; at most %d fit", len(s), max)
	}
	return s, nil
}

// normSex maps the sex to its MRZ character (Part 5 §4.2.2.2, note f).
func normSex(s string) (string, error) {
	switch asciiUpper(s) {
	case "M":
		return "M", nil
	case "F":
		return "F", nil
	case "X", "<":
		return "<", nil
	}
	return "", docketcard.Errorf(docketcard.EINVALID, "must be M, F or X (unspecified, written < in the MRZ)")
}

// normDate checks a YYMMDD date (Part 3 §4.8). With partial, each of the
// year, month and day may instead be two fillers, for a date of birth that
// is wholly or partly unknown.
func normDate(s string, partial bool) (string, error) {
	format := "YYMMDD"
	if partial {
		format = "YYMMDD, with << for an unknown year, month or day"
	}
	if len(s) != 6 {
		return "", docketcard.Errorf(docketcard.EINVALID, "must be 6 characters (%s), not %q", format, s)
	}
	var part [3]int // year, month, day; -1 when unknown
	for i := range part {
		a, b := s[2*i], s[2*i+1]
		switch {
		case a >= '0' && a <= '9' && b >= '0' && b <= '9':
			part[i] = int(a-'0')*10 + int(b-'0')
		case partial && a == Filler && b == Filler:
			part[i] = -1
		default:
			return "", docketcard.Errorf(docketcard.EINVALID, "must be %s, not %q", format, s)
		}
	}
	yy, mm, dd := part[0], part[1], part[2]
	if mm == 0 || mm > 12 {
		return "", docketcard.Errorf(docketcard.EINVALID, "has month %02d; months are 01 to 12", mm)
	}
	if dd == 0 || dd > 31 {
		return "", docketcard.Errorf(docketcard.EINVALID, "has day %02d; days are 01 to 31", dd)
	}
	if mm > 0 && dd > daysIn(yy, mm) {
		return "", docketcard.Errorf(docketcard.EINVALID, "has day %02d, but month %02d has %d days", dd, mm, daysIn(yy, mm))
	}
	return s, nil
}

// daysIn is the number of days in month mm of a year ending in yy (-1 when
// the year is unknown). A two-digit year is a leap year in one of its
// centuries exactly when it is a multiple of 4 (2000 was a leap year), so
// 29 February is accepted then.
func daysIn(yy, mm int) int {
	switch mm {
	case 2:
		if yy < 0 || yy%4 == 0 {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
