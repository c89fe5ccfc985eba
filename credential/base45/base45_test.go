package base45

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// TestRFC9285Examples checks the encoding examples of RFC 9285, Section 4.3,
// and the decoding example of Section 4.4, in both directions.
func TestRFC9285Examples(t *testing.T) {
	tests := []struct {
		name    string
		decoded string
		encoded string
	}{
		{"Section 4.3 example 1", "AB", "BB8"},
		{"Section 4.3 example 2", "Hello!!", "%69 VD92EX0"},
		{"Section 4.3 example 3", "base-45", "UJCLQE7W581"},
		{"Section 4.4 decoding example", "ietf!", "QED8WEX0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Encode([]byte(tt.decoded)); got != tt.encoded {
				t.Errorf("Encode(%q) = %q, want %q", tt.decoded, got, tt.encoded)
			}
			got, err := Decode(tt.encoded)
			if err != nil {
				t.Fatalf("Decode(%q): %v", tt.encoded, err)
			}
			if string(got) != tt.decoded {
				t.Errorf("Decode(%q) = %q, want %q", tt.encoded, got, tt.decoded)
			}
			if n := EncodedLen(len(tt.decoded)); n != len(tt.encoded) {
				t.Errorf("EncodedLen(%d) = %d, want %d", len(tt.decoded), n, len(tt.encoded))
			}
			if n := DecodedLen(len(tt.encoded)); n != len(tt.decoded) {
				t.Errorf("DecodedLen(%d) = %d, want %d", len(tt.encoded), n, len(tt.decoded))
			}
		})
	}
}

// TestEdges checks the extremes of each group: the largest values that fit
// and binary bytes, including NUL (RFC 9285, Section 6: any octet 0-255).
func TestEdges(t *testing.T) {
	tests := []struct {
		name    string
		decoded []byte
		encoded string
	}{
		{"empty", []byte{}, ""},
		{"one zero byte", []byte{0}, "00"},
		{"two zero bytes", []byte{0, 0}, "000"},
		{"largest pair 255", []byte{0xFF}, "U5"},
		{"largest triplet 65535", []byte{0xFF, 0xFF}, "FGW"},
		{"NUL inside", []byte{'A', 0, 'B'}, "Z98L1"},
		{"last alphabet character", []byte{0x00, 0x2C}, ":00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Encode(tt.decoded); got != tt.encoded {
				t.Errorf("Encode(% x) = %q, want %q", tt.decoded, got, tt.encoded)
			}
			got, err := Decode(tt.encoded)
			if err != nil {
				t.Fatalf("Decode(%q): %v", tt.encoded, err)
			}
			if !bytes.Equal(got, tt.decoded) {
				t.Errorf("Decode(%q) = % x, want % x", tt.encoded, got, tt.decoded)
			}
		})
	}
}

// TestEncodedLen checks the length formula against Encode for small n.
func TestEncodedLen(t *testing.T) {
	for n := 0; n < 40; n++ {
		if got, want := EncodedLen(n), len(Encode(make([]byte, n))); got != want {
			t.Errorf("EncodedLen(%d) = %d, want %d", n, got, want)
		}
		if got := DecodedLen(EncodedLen(n)); got != n {
			t.Errorf("DecodedLen(EncodedLen(%d)) = %d", n, got)
		}
	}
}

// TestDecodeInvalid checks every way a string can be invalid, the error's
// code, kind and that the message names the position.
func TestDecodeInvalid(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		kind    error
		message string // a part of the message
	}{
		{"length 1", "A", ErrInvalidLength, "invalid length 1: the character at position 0"},
		{"length 4", "BB8A", ErrInvalidLength, "invalid length 4: the character at position 3"},
		{"length 7", "BB8BB8A", ErrInvalidLength, "position 6"},
		{"lower case", "bb8", ErrInvalidCharacter, "invalid character 'b' at position 0"},
		{"lower case later", "BB8Bb8", ErrInvalidCharacter, "invalid character 'b' at position 4"},
		{"equals padding", "BB=", ErrInvalidCharacter, "invalid character '=' at position 2"},
		{"underscore", "_B", ErrInvalidCharacter, "invalid character '_' at position 0"},
		{"NUL", "B\x00", ErrInvalidCharacter, "invalid character byte 0x00 at position 1"},
		{"newline", "BB8\nB", ErrInvalidCharacter, "byte 0x0A at position 3"},
		{"non-ASCII", "A\u00e9", ErrInvalidCharacter, "byte 0xC3 at position 1"},
		{"triplet 65536", "GGW", ErrOverflow, "value overflow at position 0: \"GGW\" is 65536, over 65535"},
		{"triplet max", ":::", ErrOverflow, "\":::\" is 91124, over 65535"},
		{"triplet overflow later", "BB8GGW", ErrOverflow, "value overflow at position 3"},
		{"pair 256", "V5", ErrOverflow, "value overflow at position 0: final pair \"V5\" is 256, over 255"},
		{"pair max", "::", ErrOverflow, "\"::\" is 2024, over 255"},
		{"pair overflow later", "BB8V5", ErrOverflow, "value overflow at position 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.in)
			if err == nil {
				t.Fatalf("Decode(%q) = % x, want an error", tt.in, got)
			}
			if got != nil {
				t.Errorf("Decode(%q) returned % x with the error", tt.in, got)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %v is not %v", err, tt.kind)
			}
			if code := docketcard.ErrorCode(err); code != docketcard.EINVALID {
				t.Errorf("code = %q, want %q", code, docketcard.EINVALID)
			}
			if msg := docketcard.ErrorMessage(err); !strings.Contains(msg, tt.message) {
				t.Errorf("message %q does not contain %q", msg, tt.message)
			}
		})
	}
}

// TestRoundTripRandom encodes and decodes random bytes of every length up
// to 300 and checks that the output uses only the alphabet.
func TestRoundTripRandom(t *testing.T) {
	for n := 0; n <= 300; n++ {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		s := Encode(b)
		if len(s) != EncodedLen(n) {
			t.Fatalf("len(Encode) = %d, want %d", len(s), EncodedLen(n))
		}
		if i := strings.IndexFunc(s, func(r rune) bool { return !strings.ContainsRune(alphabet, r) }); i >= 0 {
			t.Fatalf("Encode(% x) = %q has %q outside the alphabet", b, s, s[i])
		}
		got, err := Decode(s)
		if err != nil {
			t.Fatalf("Decode(Encode(% x)): %v", b, err)
		}
		if !bytes.Equal(got, b) {
			t.Fatalf("Decode(Encode(% x)) = % x", b, got)
		}
	}
}

// TestAlphabet checks Table 1 of RFC 9285, Section 4.2.
func TestAlphabet(t *testing.T) {
	if len(alphabet) != 45 {
		t.Fatalf("alphabet has %d characters", len(alphabet))
	}
	spot := map[int]byte{0: '0', 9: '9', 10: 'A', 35: 'Z', 36: ' ', 37: '$', 38: '%', 39: '*', 40: '+', 41: '-', 42: '.', 43: '/', 44: ':'}
	for v, c := range spot {
		if alphabet[v] != c {
			t.Errorf("value %d is %q, want %q", v, alphabet[v], c)
		}
	}
	valid := 0
	for c := 0; c < 256; c++ {
		if decodeMap[c] != invalid {
			valid++
			if alphabet[decodeMap[c]] != byte(c) {
				t.Errorf("decodeMap[%q] = %d", rune(c), decodeMap[c])
			}
		}
	}
	if valid != 45 {
		t.Errorf("%d characters decode, want 45", valid)
	}
}

func BenchmarkEncode1K(b *testing.B) {
	data := make([]byte, 1024)
	if _, err := rand.Read(data); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Encode(data)
	}
}

func BenchmarkDecode1K(b *testing.B) {
	data := make([]byte, 1024)
	if _, err := rand.Read(data); err != nil {
		b.Fatal(err)
	}
	s := Encode(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(s); err != nil {
			b.Fatal(err)
		}
	}
}
