package statuslist

import (
	"bytes"
	"compress/zlib"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
)

// fuzzMaxBytes keeps inflation small so that the fuzzer spends its time on
// parsing.
const fuzzMaxBytes = 1 << 16

// FuzzFromCompressed feeds arbitrary bytes and bits to FromCompressed. It
// must never panic nor inflate past the limit; an error must be EINVALID or
// ETOOLARGE; a list it returns must hold len(bytes)*8/bits statuses, each
// readable, and survive Compressed and FromCompressed unchanged.
func FuzzFromCompressed(f *testing.F) {
	f.Add(uint8(1), mustHex(f, "78dadbb918000217015d"))   // Section 4.1, 1-bit
	f.Add(uint8(2), mustHex(f, "78da3be9f2130003df0207")) // Section 4.1, 2-bit
	for _, name := range []string{"c1-1bit.cbor.hex", "c2-2bit.cbor.hex", "c3-4bit.cbor.hex", "c4-8bit.cbor.hex"} {
		bits, lst, _, err := parseStatusList(readHex(f, name)) // Appendix C
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(bits), lst)
	}
	f.Add(uint8(8), zlibOf(f, zlib.BestCompression, make([]byte, fuzzMaxBytes+1)))
	f.Add(uint8(4), zlibOf(f, zlib.NoCompression, []byte{1, 2, 3}))
	f.Add(uint8(3), []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	f.Add(uint8(1), []byte{})

	f.Fuzz(func(t *testing.T, bits uint8, lst []byte) {
		l, err := FromCompressed(int(bits), lst, fuzzMaxBytes)
		if err != nil {
			if l != nil {
				t.Fatal("list with an error")
			}
			if code := docketcard.ErrorCode(err); code != docketcard.EINVALID && code != docketcard.ETOOLARGE {
				t.Fatalf("code %q: %v", code, err)
			}
			return
		}
		data := l.Bytes()
		if len(data) == 0 || len(data) > fuzzMaxBytes {
			t.Fatalf("%d bytes inflated, limit %d", len(data), fuzzMaxBytes)
		}
		if l.Bits() != int(bits) || l.Len() != len(data)*8/int(bits) {
			t.Fatalf("Bits %d Len %d for %d bytes", l.Bits(), l.Len(), len(data))
		}
		if _, err := l.Get(l.Len() - 1); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Get(l.Len()); err == nil {
			t.Fatal("Get(Len()) succeeded")
		}
		c, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		back, err := FromCompressed(int(bits), c, fuzzMaxBytes)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back.Bytes(), data) {
			t.Fatal("round trip differs")
		}
	})
}

// FuzzParse feeds arbitrary bytes to Parse (and Verify when Parse accepts
// them). Neither may panic; errors have the codes meant for bad tokens; a
// token Parse returns meets the rules of Section 5.2.
func FuzzParse(f *testing.F) {
	key := newP256(f)
	f.Add(readHex(f, "section5.2-cwt.hex")) // the draft's example
	tok := sampleToken(f)
	signed, err := Sign(tok, key, []byte("12"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	tok.ExpiresAt, tok.TTL, tok.AggregationURI = time.Time{}, 0, "https://example.com/all"
	if signed, err = Sign(tok, key, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	f.Add(signed[:len(signed)/2])
	f.Add([]byte{0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40})
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, b []byte) {
		tok, msg, err := Parse(b, fuzzMaxBytes)
		if err != nil {
			if tok != nil || msg != nil {
				t.Fatal("results with an error")
			}
			switch code := docketcard.ErrorCode(err); code {
			case docketcard.EINVALID, docketcard.ETOOLARGE, docketcard.EUNSUPPORTED:
			default:
				t.Fatalf("code %q: %v", code, err)
			}
			return
		}
		if tok.URI == "" || tok.IssuedAt.IsZero() || tok.List == nil || tok.List.Len() < 1 || tok.TTL < 0 {
			t.Fatalf("accepted %+v", tok)
		}
		if len(tok.List.Bytes()) > fuzzMaxBytes {
			t.Fatalf("list of %d bytes, limit %d", len(tok.List.Bytes()), fuzzMaxBytes)
		}
		if err := Verify(msg, &key.PublicKey); err != nil {
			if code := docketcard.ErrorCode(err); code != docketcard.EINVALID && code != docketcard.EUNSUPPORTED {
				t.Fatalf("Verify: code %q: %v", code, err)
			}
		}
	})
}
