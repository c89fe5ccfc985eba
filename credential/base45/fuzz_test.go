package base45

import (
	"bytes"
	"errors"
	"testing"

	"github.com/docketcard/docketcard"
)

// FuzzDecode feeds arbitrary strings to Decode. It must never panic; an
// error must be EINVALID and of one of the three kinds; a string it accepts
// must re-encode to itself (the encoding is canonical). The same input, taken
// as bytes, must survive Decode(Encode(x)) == x.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"", "BB8", "%69 VD92EX0", "UJCLQE7W581", "QED8WEX0", // RFC 9285, Sections 4.3 and 4.4
		"FGW", "GGW", ":::", "U5", "V5", "::", "A", "BB8A", "bb8", "B\x00", "A\u00e9",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Decode(s)
		if err != nil {
			if got != nil {
				t.Fatalf("Decode(%q) returned bytes with an error", s)
			}
			if code := docketcard.ErrorCode(err); code != docketcard.EINVALID {
				t.Fatalf("Decode(%q): code %q: %v", s, code, err)
			}
			if !errors.Is(err, ErrInvalidCharacter) && !errors.Is(err, ErrInvalidLength) && !errors.Is(err, ErrOverflow) {
				t.Fatalf("Decode(%q): error of no known kind: %v", s, err)
			}
		} else {
			if len(got) != DecodedLen(len(s)) {
				t.Fatalf("Decode(%q) gave %d bytes, DecodedLen says %d", s, len(got), DecodedLen(len(s)))
			}
			if again := Encode(got); again != s {
				t.Fatalf("Encode(Decode(%q)) = %q", s, again)
			}
		}

		raw := []byte(s)
		enc := Encode(raw)
		back, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(% x)): %v", raw, err)
		}
		if !bytes.Equal(back, raw) {
			t.Fatalf("Decode(Encode(% x)) = % x", raw, back)
		}
	})
}
