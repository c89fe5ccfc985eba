package mrz

import (
	"unicode/utf8"

	"github.com/docketcard/docketcard"
)

// Filler is the MRZ filler character (Doc 9303 Part 3 §4.10).
const Filler = '<'

// charValue is the value of an MRZ character in the check digit
// calculation of Doc 9303 Part 3 §4.9: digits are their own value, A to Z
// are 10 to 35 and the filler < is 0.
func charValue(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10, true
	case c == Filler:
		return 0, true
	}
	return 0, false
}

// isMRZChar reports whether c is one of the characters allowed in an MRZ
// (Doc 9303 Part 3 §4.3 and Figure 4): A–Z, 0–9 and <.
func isMRZChar(c byte) bool {
	_, ok := charValue(c)
	return ok
}

// weights is the continuously repeated 7-3-1 weighting of Part 3 §4.9.
var weights = [3]int{7, 3, 1}

// CheckDigit computes the check digit of s as Doc 9303 Part 3 §4.9
// specifies: each character's value (0–9 for digits, 10–35 for A–Z, 0 for
// the filler <) is multiplied by the weights 7, 3, 1, 7, 3, 1, … from left
// to right, and the check digit is the sum modulo 10. It is returned as the
// ASCII character '0'…'9', ready to be written into a line. Any other
// character in s is an EINVALID error that gives its position.
func CheckDigit(s string) (byte, error) {
	sum := 0
	for i := 0; i < len(s); i++ {
		v, ok := charValue(s[i])
		if !ok {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return 0, docketcard.Errorf(docketcard.EINVALID,
				"character %d (%q) cannot be in an MRZ check digit calculation: only A-Z, 0-9 and < can",
				utf8.RuneCountInString(s[:i])+1, r)
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10), nil
}

// checkDigit is CheckDigit for strings already known to hold only MRZ
// characters.
func checkDigit(s string) byte {
	d, err := CheckDigit(s)
	if err != nil {
		panic("mrz: internal error: " + err.Error())
	}
	return d
}
