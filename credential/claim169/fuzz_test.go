package claim169

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
)

// identitySeeds returns the claim 169 maps of the public vectors, the
// golden identity and the ambiguous shapes.
func identitySeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, vf := range loadVectors(t) {
		d, err := DecodeQR(vf.v.QR)
		if err != nil || d.Identity == nil {
			continue
		}
		// The raw claim, as the issuer wrote it.
		var m map[int]rawItem
		if decMode.Unmarshal(d.Sign1.Payload, &m) == nil {
			seeds = append(seeds, m[ClaimKey])
		}
	}
	if g, err := os.ReadFile("testdata/identity-full.cbor.hex"); err == nil {
		if b, err := hex.DecodeString(strings.TrimSpace(string(g))); err == nil {
			seeds = append(seeds, b)
		}
	}
	seeds = append(seeds,
		mustCBOR(t, map[int]any{8: "1984-04-18", 9: "1", 16: "ffd8ff", 17: 2, 20: "AR", 62: map[int]any{0: "52494646", 1: 0, 2: 4}}),
		mustCBOR(t, map[int]any{18: []byte{1, 2, 6}, 30: nested(10)}),
		[]byte{0xa1, 0x18, 30, 0x5f, 0x41, 0x00, 0xff}, // indefinite bytes in an unknown key
	)
	return seeds
}

// rawItem keeps a map value as raw bytes.
type rawItem []byte

func (r *rawItem) UnmarshalCBOR(b []byte) error { *r = append((*r)[:0], b...); return nil }

// FuzzUnmarshalIdentity: never panics; every error wraps a sentinel;
// whatever decodes can be reported, and whatever the writer accepts reads
// back and writes to the same bytes again.
func FuzzUnmarshalIdentity(f *testing.F) {
	for _, s := range identitySeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var id Identity
		err := id.UnmarshalCBOR(data)
		if err != nil {
			if !wrapsSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		_ = id.JSON()
		_ = id.PhotoMIME()
		b1, err := id.MarshalCBOR()
		if err != nil {
			return // a value the specification cannot express
		}
		var again Identity
		if err := again.UnmarshalCBOR(b1); err != nil {
			if errors.Is(err, ErrTooLarge) && len(b1) > len(data) {
				return // the photo copied into 62 pushed it over a limit
			}
			t.Fatalf("own output does not read back: %v\n%x", err, b1)
		}
		b2, err := again.MarshalCBOR()
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("not idempotent: %v\n%x\n%x", err, b1, b2)
		}
	})
}

// FuzzDecodeQR: never panics, every error wraps exactly the sentinels of
// its stage, and a success has an identity.
func FuzzDecodeQR(f *testing.F) {
	for _, vf := range loadVectors(f) {
		f.Add(vf.v.QR)
	}
	for _, s := range identitySeeds(f) {
		claims := append([]byte{0xa1, 0x18, ClaimKey}, s...) // {169: s}, s verbatim
		f.Add(qrZlib(f, unsignedSign1(f, claims)))
		f.Add(qrBrotli(f, withCWTTag(signCWT(f, claims))))
	}
	f.Add("")
	f.Add("GGW")
	f.Fuzz(func(t *testing.T, qr string) {
		d, err := DecodeQR(qr)
		if err != nil {
			if !wrapsSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if d != nil && !errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrNoClaim169) {
				t.Fatalf("Decoded with error %v", err)
			}
			return
		}
		if d.Identity == nil || d.Sign1 == nil {
			t.Fatalf("success without identity: %+v", d)
		}
		_ = d.Identity.JSON()
		_ = d.Signed()
	})
}
