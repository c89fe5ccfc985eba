package claim169

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// Each ambiguity of the specification (see DECISIONS.md), read both ways.

func decodeMap(t *testing.T, m map[int]any) *Identity {
	t.Helper()
	var id Identity
	if err := id.UnmarshalCBOR(mustCBOR(t, m)); err != nil {
		t.Fatalf("UnmarshalCBOR(%v): %v", m, err)
	}
	return &id
}

func marshalMap(t *testing.T, id *Identity) map[int]cbor.RawMessage {
	t.Helper()
	b, err := id.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	var m map[int]cbor.RawMessage
	if err := decMode.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Table: YYYYMMDD. Worked example and vector refugee-identity: YYYY-MM-DD.
func TestAmbiguityDateOfBirth(t *testing.T) {
	for _, v := range []any{
		"19840418",
		"1984-04-18",
		cbor.Tag{Number: 1004, Content: "1984-04-18"}, // RFC 8943 full-date
	} {
		if got := decodeMap(t, map[int]any{8: v}).DateOfBirth; got != "19840418" {
			t.Errorf("%v read as %q; want 19840418", v, got)
		}
	}
	// Other text is kept as it is (free text is still a tstr).
	if got := decodeMap(t, map[int]any{8: "1984"}).DateOfBirth; got != "1984" {
		t.Errorf("1984 read as %q", got)
	}
	// We write YYYYMMDD, whichever form we are given; a partial date as
	// its known digits.
	for in, want := range map[string]string{"1984-04-18": "19840418", "19840418": "19840418", "1984-04": "198404", "198404": "198404", "1984": "1984"} {
		if got := marshalMap(t, &Identity{DateOfBirth: in})[8]; !bytes.Equal(got, mustCBOR(t, want)) {
			t.Errorf("%s written as %x; want %q", in, got, want)
		}
	}
	if got := decodeMap(t, map[int]any{8: "1984-04"}).DateOfBirth; got != "198404" {
		t.Errorf("1984-04 read as %q", got)
	}
}

// 1.0.0: tstr "1"/"2"/"3". 1.2.x and vectors: int. No code for unknown.
func TestAmbiguityGender(t *testing.T) {
	for _, v := range []any{2, "2", " 2 ", "Female", "female", "F"} {
		if got := decodeMap(t, map[int]any{9: v}).Gender; got != GenderFemale {
			t.Errorf("%q read as %d", v, got)
		}
	}
	for _, v := range []any{"3", "Others", "other"} {
		if got := decodeMap(t, map[int]any{9: v}).Gender; got != GenderOther {
			t.Errorf("%q read as %d", v, got)
		}
	}
	// Codes the table lacks are kept (the reader does not judge values)...
	if got := decodeMap(t, map[int]any{9: 0}).Gender; got != 0 {
		t.Errorf("0 read as %d", got)
	}
	// ...but never written: unknown gender is an absent key 9.
	if m := marshalMap(t, &Identity{FullName: "A"}); m[9] != nil {
		t.Error("key 9 written for unknown gender")
	}
	if got := marshalMap(t, &Identity{Gender: GenderMale})[9]; !bytes.Equal(got, []byte{0x01}) {
		t.Errorf("gender written as %x; want integer 1", got)
	}
	// The same tolerance for the other integer codes.
	if got := decodeMap(t, map[int]any{14: "married"}).MaritalStatus; got != MaritalMarried {
		t.Errorf("married read as %d", got)
	}
	if got := decodeMap(t, map[int]any{17: "4"}).PhotoFormat; got != PhotoWEBP {
		t.Errorf("photo format \"4\" read as %d", got)
	}
}

// Table: 16 is tstr; vectors: bstr; the example's "17: 2 # JPEG" says 2
// while the table's 2 is JPEG 2000; 16/17 are deprecated in favour of 62.
func TestAmbiguityPhoto(t *testing.T) {
	for name, v := range map[string]any{
		"bstr":          jpegPhoto,
		"hex text":      "ffd8ffe000104a464946 0001", // white space ignored
		"HEX text":      "FFD8FFE000104A4649460001",
		"base64 text":   "/9j/4AAQSkZJRgAB",
		"base64url raw": "_9j_4AAQSkZJRgAB",
	} {
		id := decodeMap(t, map[int]any{16: v, 17: 2})
		if !bytes.Equal(id.Photo, jpegPhoto) {
			t.Errorf("%s: photo = %x", name, id.Photo)
		}
		// The number is kept as read; the content says what it is.
		if id.PhotoFormat != PhotoJPEG2000 || id.PhotoMIME() != "image/jpeg" {
			t.Errorf("%s: format %d, MIME %s", name, id.PhotoFormat, id.PhotoMIME())
		}
		// We write it into 62 as a JPEG image entry, never into 16/17.
		m := marshalMap(t, id)
		if m[16] != nil || m[17] != nil {
			t.Errorf("%s: deprecated keys written", name)
		}
		want := mustCBOR(t, []any{map[int]any{0: jpegPhoto, 1: 0, 2: ImageJPEG}})
		if !bytes.Equal(m[62], want) {
			t.Errorf("%s: 62 = %x; want %x", name, m[62], want)
		}
	}
	// Without magic bytes the declared format decides.
	id := decodeMap(t, map[int]any{16: []byte("????"), 17: PhotoJPEG2000})
	if id.PhotoMIME() != "image/jp2" {
		t.Errorf("MIME = %s", id.PhotoMIME())
	}
	// 62 alone fills Photo too, so a verifier has one place to look.
	id = decodeMap(t, map[int]any{62: []any{
		map[int]any{0: []byte("tmpl"), 1: FormatTemplate},
		map[int]any{0: jpegPhoto, 1: 0, 2: 1},
	}})
	if !bytes.Equal(id.Photo, jpegPhoto) || id.PhotoFormat != PhotoJPEG || len(id.Biometrics[62]) != 2 {
		t.Errorf("photo from 62 = %+v", id)
	}
	// Legacy 16 and 62 together: Photo is 16; writing puts both in 62.
	id = decodeMap(t, map[int]any{16: []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), 62: []any{map[int]any{0: jpegPhoto, 1: 0, 2: 1}}})
	if id.PhotoMIME() != "image/webp" {
		t.Errorf("MIME = %s", id.PhotoMIME())
	}
	again := decodeMapRaw(t, marshalMap(t, id))
	if len(again.Biometrics[62]) != 2 || !bytes.Equal(again.Photo, id.Photo) {
		t.Errorf("rewritten = %+v", again)
	}
}

func decodeMapRaw(t *testing.T, m map[int]cbor.RawMessage) *Identity {
	t.Helper()
	var id Identity
	if err := id.UnmarshalCBOR(mustCBOR(t, m)); err != nil {
		t.Fatal(err)
	}
	return &id
}

// Table and vectors: an array of biometric maps. Worked example and its hex
// dump: a single map, data written as hex text.
func TestAmbiguityBiometricShape(t *testing.T) {
	entry := map[int]any{0: []byte("RIFF"), 1: 0, 2: 4}
	want := []Biometric{{Data: []byte("RIFF"), Format: 0, SubFormat: 4}}
	for name, v := range map[string]any{
		"array":      []any{entry},
		"single map": entry,
		"hex text":   map[int]any{0: "52494646", 1: 0, 2: 4},
		"spec style": map[int]any{0: "5249\n\t\t\t4646", 1: 0, 2: 4},
	} {
		id := decodeMap(t, map[int]any{62: v})
		if !reflect.DeepEqual(id.Biometrics[62], want) {
			t.Errorf("%s: %+v", name, id.Biometrics[62])
		}
	}
	// The spec's own hex dump: 62 as a single map, the payload of its CWT.
	id := decodeMap(t, map[int]any{62: map[int]any{0: []byte("RIFF....WEBP"), 1: 0, 2: 4}, 99: 1})
	if len(id.Biometrics[62]) != 1 {
		t.Fatal("single map not read")
	}
	// We always write an array.
	if m := marshalMap(t, id); majorOf(m[62]) != majorArray {
		t.Errorf("62 written as %x", m[62])
	}
	// Unknown keys inside an entry are ignored; absent format reads 0.
	id = decodeMap(t, map[int]any{50: []any{map[int]any{0: []byte{1}, 9: "x"}}})
	if !reflect.DeepEqual(id.Biometrics[50], []Biometric{{Data: []byte{1}}}) {
		t.Errorf("%+v", id.Biometrics[50])
	}
}

// Table: ISO 639-3 (three letters). Example and vectors: "AR".
func TestAmbiguityLanguage(t *testing.T) {
	for _, v := range []string{"AR", "ar", "ara", "ARA", "arabic"} {
		if got := decodeMap(t, map[int]any{20: v, 3: v}); got.SecondaryLanguage != v || got.Language != v {
			t.Errorf("%q read as %q/%q; the reader keeps codes as given", v, got.Language, got.SecondaryLanguage)
		}
	}
	for in, want := range map[string]string{"AR": "ara", "en": "eng", "eng": "eng", "HIN": "hin", "fr": "fra", "xx": "xx", "arabic": "arabic"} {
		m := marshalMap(t, &Identity{SecondaryLanguage: in})
		if !bytes.Equal(m[20], mustCBOR(t, want)) {
			t.Errorf("%q written as %x; want %q", in, m[20], want)
		}
	}
}

// Finger positions: [int] per the table; one vector writes a byte string
// of unsigned 8-bit numbers.
func TestAmbiguityBestQualityFingers(t *testing.T) {
	for _, v := range []any{[]int{1, 2, 6}, []byte{1, 2, 6}} {
		if got := decodeMap(t, map[int]any{18: v}).BestQualityFingers; !reflect.DeepEqual(got, []int{1, 2, 6}) {
			t.Errorf("%v read as %v", v, got)
		}
	}
	if got := marshalMap(t, &Identity{BestQualityFingers: []int{1, 2, 6}})[18]; majorOf(got) != majorArray {
		t.Errorf("written as %x", got)
	}
}

// 1.2.1+: iss is a full URI. The hex dump and two vectors: "www.mosip.io".
func TestAmbiguityIssuer(t *testing.T) {
	id := mustCBOR(t, map[int]any{4: "A"})
	for _, iss := range []string{"https://mosip.io", "www.mosip.io", ""} {
		d, err := DecodeQR(qrZlib(t, signCWT(t, claimsWith(t, id, map[int]any{1: iss}))))
		if err != nil || d.Issuer != iss {
			t.Errorf("iss %q read as %q, %v", iss, d.Issuer, err)
		}
	}
}

// RFC 8392 NumericDate is untagged seconds; a tag-1 date is wrong but read;
// a float is truncated down. exp is exclusive: expired when now >= exp.
func TestAmbiguityTimeClaims(t *testing.T) {
	id := mustCBOR(t, map[int]any{4: "A"})
	for name, exp := range map[string]any{
		"int":          1800000000,
		"float":        1800000000.75,
		"tag 1 int":    cbor.Tag{Number: 1, Content: 1800000000},
		"tag 1 float":  cbor.Tag{Number: 1, Content: 1800000000.5},
		"uint64 small": uint64(1800000000),
	} {
		d, err := DecodeQR(qrZlib(t, signCWT(t, claimsWith(t, id, map[int]any{4: exp, 5: exp}))))
		if err != nil || d.ExpiresAt != 1800000000 || d.NotBefore != 1800000000 {
			t.Errorf("%s: %+v, %v", name, d, err)
		}
	}
	for name, exp := range map[string]any{
		"text":          "2027-01-15T08:00:00Z",
		"tag 0":         cbor.Tag{Number: 0, Content: "2027-01-15T08:00:00Z"},
		"tag 1 of text": cbor.Tag{Number: 1, Content: "x"},
		"nested tag 1":  cbor.Tag{Number: 1, Content: cbor.Tag{Number: 1, Content: 1}},
		"NaN":           cbor.RawMessage{0xf9, 0x7e, 0x00},
		"bool":          true,
	} {
		if _, err := DecodeQR(qrZlib(t, signCWT(t, claimsWith(t, id, map[int]any{4: exp})))); !errors.Is(err, ErrCWT) {
			t.Errorf("%s: %v; want ErrCWT", name, err)
		}
	}
	d := &Decoded{ExpiresAt: 1800000000, NotBefore: 1700000000}
	for _, c := range []struct {
		at   int64
		want error
	}{
		{1699999999, ErrNotYetValid},
		{1700000000, nil},
		{1799999999, nil},
		{1800000000, ErrExpired},
	} {
		if err := d.CheckTime(time.Unix(c.at, 0)); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("at %d: %v; want %v", c.at, err, c.want)
		}
	}
	if err := (&Decoded{}).CheckTime(time.Unix(0, 0)); err != nil {
		t.Errorf("no time claims: %v", err)
	}
}

// zlib before 1.2.1; zlib or Brotli since, told apart by the zlib header.
func TestAmbiguityCompression(t *testing.T) {
	cwt := withCWTTag(signCWT(t, claimsWith(t, mustCBOR(t, map[int]any{4: "Both Ways"}), nil)))
	z, err := DecodeQR(qrZlib(t, cwt))
	if err != nil {
		t.Fatal(err)
	}
	b, err := DecodeQR(qrBrotli(t, cwt))
	if err != nil {
		t.Fatal(err)
	}
	if z.Identity.FullName != "Both Ways" || !reflect.DeepEqual(z.Identity, b.Identity) || !bytes.Equal(z.Sign1.Signature, b.Sign1.Signature) {
		t.Fatalf("zlib %+v, brotli %+v", z, b)
	}
	// A Brotli stream that happens to start like a zlib header is not
	// possible to tell apart; every other header byte pair goes to Brotli.
	for _, h := range [][2]byte{{0x78, 0x9c}, {0x78, 0x01}, {0x78, 0xda}, {0x48, 0x0d}, {0x08, 0x1d}} {
		if !isZlibHeader(h[0], h[1]) {
			t.Errorf("%x not a zlib header", h)
		}
	}
	for _, h := range [][2]byte{{0x78, 0x9d}, {0x79, 0x9c}, {0x88, 0x98}, {0x1b, 0x00}} {
		if isZlibHeader(h[0], h[1]) {
			t.Errorf("%x taken for zlib", h)
		}
	}
	// Neither: vector bad-zlib is de ad be ef ca fe ba be.
	for _, junk := range [][]byte{{0xde, 0xad, 0xbe, 0xef}, {0x78, 0x9c, 0x00}, {0x00}} {
		if _, err := DecodeQR(encodeBase45(junk)); !errors.Is(err, ErrDecompress) {
			t.Errorf("%x: %v; want ErrDecompress", junk, err)
		}
	}
	// Uncompressed COSE is not accepted: it is not a Brotli stream.
	if _, err := DecodeQR(encodeBase45(cwt)); err == nil {
		t.Error("uncompressed CWT accepted")
	}
	// Bombs: both stop at MaxInflated.
	bomb := make([]byte, MaxInflated+1)
	for name, qr := range map[string]string{"zlib": qrZlib(t, bomb), "brotli": qrBrotli(t, bomb)} {
		if _, err := DecodeQR(qr); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s bomb: %v; want ErrTooLarge", name, err)
		}
	}
	// Exactly the limit inflates (and then is no COSE).
	if _, err := DecodeQR(qrZlib(t, bomb[:MaxInflated])); !errors.Is(err, ErrNotCOSE) {
		t.Errorf("limit: %v", err)
	}
}

// Most public "valid" vectors carry an empty signature: they decode, and
// are reported unsigned.
func TestAmbiguityUnsigned(t *testing.T) {
	claims := claimsWith(t, mustCBOR(t, map[int]any{4: "A"}), nil)
	for name, c := range map[string][]byte{
		"empty signature":        unsignedSign1(t, claims),
		"empty signature, CWT61": withCWTTag(unsignedSign1(t, claims)),
	} {
		d, err := DecodeQR(qrZlib(t, c))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Signed() {
			t.Errorf("%s: reported signed", name)
		}
		if err := d.Sign1.Verify(nil, testVerifier(t)); !errors.Is(err, cose.ErrEmptySignature) {
			t.Errorf("%s: Verify = %v", name, err)
		}
	}
	d, err := DecodeQR(qrZlib(t, signCWT(t, claims)))
	if err != nil || !d.Signed() {
		t.Fatalf("signed: %v", err)
	}
	if (*Decoded)(nil).Signed() {
		t.Error("nil reported signed")
	}
}
