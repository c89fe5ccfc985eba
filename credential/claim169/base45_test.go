package claim169

import (
	"bytes"
	"errors"
	"testing"
)

// The examples of RFC 9285 §4.
func TestBase45RFC9285Examples(t *testing.T) {
	for _, c := range []struct{ plain, enc string }{
		{"AB", "BB8"},
		{"Hello!!", "%69 VD92EX0"},
		{"base-45", "UJCLQE7W581"},
		{"ietf!", "QED8WEX0"},
		{"", ""},
	} {
		got, err := decodeBase45(c.enc)
		if err != nil || string(got) != c.plain {
			t.Errorf("decodeBase45(%q) = %q, %v; want %q", c.enc, got, err, c.plain)
		}
		if enc := encodeBase45([]byte(c.plain)); enc != c.enc {
			t.Errorf("encodeBase45(%q) = %q; want %q", c.plain, enc, c.enc)
		}
	}
}

func TestBase45Invalid(t *testing.T) {
	for _, s := range []string{
		"GGW",      // RFC 9285 §4.3: 65536 does not fit two bytes
		":::",      // 44+44·45+44·2025 > 65535
		"::",       // 44+44·45 > 255
		"BB8A",     // lone final character
		"A",        // lone character
		"bb8",      // lower case is not in the alphabet
		"BB8\x00A", // NUL
		"THIS!IS@NOT#VALID$BASE45%DATA",
	} {
		if _, err := decodeBase45(s); !errors.Is(err, ErrBase45) {
			t.Errorf("decodeBase45(%q) error = %v; want ErrBase45", s, err)
		}
	}
}

func TestBase45RoundTripAllBytes(t *testing.T) {
	b := make([]byte, 513)
	for i := range b {
		b[i] = byte(i * 7)
	}
	for n := 0; n <= len(b); n += 37 {
		got, err := decodeBase45(encodeBase45(b[:n]))
		if err != nil || !bytes.Equal(got, b[:n]) {
			t.Fatalf("round trip of %d bytes failed: %v", n, err)
		}
	}
}
