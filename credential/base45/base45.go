// Package base45 implements the Base45 data encoding of RFC 9285, the
// encoding of a card's QR payload: its 45 characters are exactly those that a
// QR code's alphanumeric mode stores at 5.5 bits each.
//
// Every two bytes [a, b] become three characters [c, d, e] with
// a*256 + b = c + d*45 + e*45*45; a final odd byte a becomes two characters
// [c, d] with a = c + d*45 (RFC 9285, Section 4). The characters are those of
// Table 1 in Section 4.2. The encoding has no padding and no line breaks.
//
// Decode is strict (RFC 9285, Sections 4 and 6): it rejects any character
// outside the alphabet (including lower-case letters), a length of the form
// 3n+1, a group of three characters whose value is over 65535 and a final
// group of two whose value is over 255. Since every valid string is the
// encoding of exactly one byte string, Encode(Decode(s)) == s whenever Decode
// accepts s.
//
// Errors are *docketcard.Error values with code EINVALID whose message names
// the position (a 0-based byte offset into the input) and the reason; they
// also match ErrInvalidCharacter, ErrInvalidLength or ErrOverflow with
// errors.Is.
package base45

import (
	"errors"
	"fmt"
	"strings"

	"github.com/docketcard/docketcard"
)

// alphabet is Table 1 of RFC 9285, Section 4.2: value i is alphabet[i].
const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// invalid marks a byte that is not in the alphabet in decodeMap.
const invalid = 0xFF

// decodeMap maps a character to its value, or to invalid.
var decodeMap = func() (m [256]byte) {
	for i := range m {
		m[i] = invalid
	}
	for i := 0; i < len(alphabet); i++ {
		m[alphabet[i]] = byte(i)
	}
	return m
}()

// Kinds of decoding error, for errors.Is.
var (
	ErrInvalidCharacter = errors.New("base45: invalid character")
	ErrInvalidLength    = errors.New("base45: invalid length")
	ErrOverflow         = errors.New("base45: value overflow")
)

// decodeError is an EINVALID *docketcard.Error that also unwraps to one of
// the Err* kinds above.
type decodeError struct {
	err  *docketcard.Error
	kind error
}

func (e *decodeError) Error() string   { return e.err.Error() }
func (e *decodeError) Unwrap() []error { return []error{e.err, e.kind} }

func fail(kind error, format string, args ...any) error {
	return &decodeError{err: docketcard.Errorf(docketcard.EINVALID, "base45: "+format, args...), kind: kind}
}

// EncodedLen returns the length of the Base45 encoding of n bytes (n >= 0):
// three characters per two bytes and two for a final odd byte.
func EncodedLen(n int) int {
	return n/2*3 + n%2*2
}

// DecodedLen returns the number of bytes that a valid Base45 string of n
// characters decodes to. It does not check that n is a valid length.
func DecodedLen(n int) int {
	return n/3*2 + n%3/2
}

// Encode returns the Base45 encoding of b (RFC 9285, Section 4).
func Encode(b []byte) string {
	var sb strings.Builder
	sb.Grow(EncodedLen(len(b)))
	i := 0
	for ; i+1 < len(b); i += 2 {
		n := uint(b[i])<<8 | uint(b[i+1])
		sb.WriteByte(alphabet[n%45])
		n /= 45
		sb.WriteByte(alphabet[n%45])
		sb.WriteByte(alphabet[n/45]) // n/45 <= 65535/2025 = 32
	}
	if i < len(b) {
		n := uint(b[i])
		sb.WriteByte(alphabet[n%45])
		sb.WriteByte(alphabet[n/45]) // n/45 <= 255/45 = 5
	}
	return sb.String()
}

// Decode returns the bytes that s encodes, or an error naming the first
// problem: a character outside the alphabet, a length of the form 3n+1, or a
// group whose value does not fit in two bytes (three characters) or one byte
// (a final two).
func Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, fail(ErrInvalidLength,
			"invalid length %d: the character at position %d is a group of one (a length must not be 3n+1)",
			len(s), len(s)-1)
	}
	out := make([]byte, 0, DecodedLen(len(s)))
	for i := 0; i < len(s); i += 3 {
		rest := len(s) - i
		if rest > 3 {
			rest = 3
		}
		var n uint
		mul := uint(1)
		for j := 0; j < rest; j++ {
			v := decodeMap[s[i+j]]
			if v == invalid {
				return nil, fail(ErrInvalidCharacter, "invalid character %s at position %d", describe(s[i+j]), i+j)
			}
			n += uint(v) * mul
			mul *= 45
		}
		if rest == 3 {
			if n > 0xFFFF {
				return nil, fail(ErrOverflow,
					"value overflow at position %d: %q is %d, over 65535", i, s[i:i+3], n)
			}
			out = append(out, byte(n>>8), byte(n))
		} else {
			if n > 0xFF {
				return nil, fail(ErrOverflow,
					"value overflow at position %d: final pair %q is %d, over 255", i, s[i:i+2], n)
			}
			out = append(out, byte(n))
		}
	}
	return out, nil
}

// describe names a byte for an error message: quoted if printable ASCII,
// in hexadecimal otherwise.
func describe(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02X", c)
}
