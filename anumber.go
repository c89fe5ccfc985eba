package docketcard

import "strings"

// ANumber is an alien registration number, always held in its normalised
// form: "A" followed by exactly nine digits ("A012345678").
type ANumber string

// ParseANumber validates and normalises an A-number. It accepts an upper- or
// lower-case "A" followed by 8 or 9 digits, optionally grouped with hyphens
// or spaces ("A-012-345-678", "A 12345678"). Eight-digit numbers are padded
// with a leading zero, which is how USCIS writes them on nine-digit forms.
func ParseANumber(s string) (ANumber, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return "", Errorf(EINVALID, "A-number is required")
	}
	if raw[0] != 'A' && raw[0] != 'a' {
		return "", Errorf(EINVALID, "A-number must start with the letter A followed by 8 or 9 digits")
	}
	var digits strings.Builder
	for i, r := range raw[1:] {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '-' || r == ' ':
			if i == len(raw[1:])-1 {
				return "", Errorf(EINVALID, "A-number must end with a digit")
			}
		default:
			return "", Errorf(EINVALID, "A-number may contain only the letter A, digits, hyphens and spaces")
		}
	}
	d := digits.String()
	switch len(d) {
	case 8:
		d = "0" + d
	case 9:
	default:
		return "", Errorf(EINVALID, "A-number must have 8 or 9 digits, got %d", len(d))
	}
	if strings.Trim(d, "0") == "" {
		return "", Errorf(EINVALID, "A-number cannot be all zeros")
	}
	return ANumber("A" + d), nil
}

// Digits returns the nine digits without the "A".
func (a ANumber) Digits() string { return strings.TrimPrefix(string(a), "A") }

// Formatted returns the A-number grouped for printing: "A012-345-678".
func (a ANumber) Formatted() string {
	d := a.Digits()
	if len(d) != 9 {
		return string(a)
	}
	return "A" + d[0:3] + "-" + d[3:6] + "-" + d[6:9]
}

// Masked returns the A-number with all but its last three digits hidden,
// for places (logs, receipts) that must not carry the full number.
func (a ANumber) Masked() string {
	d := a.Digits()
	if len(d) != 9 {
		return "A*********"
	}
	return "A******" + d[6:]
}
