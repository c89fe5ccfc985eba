package claim169

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/docketcard/docketcard"
)

var update = flag.Bool("update", false, "rewrite golden files")

// jpegPhoto starts like a JFIF file, so that sniffing finds JPEG.
var jpegPhoto = []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01}

// fullIdentity sets every field, in the form that MarshalCBOR and
// UnmarshalCBOR keep unchanged: the photo is also the first face entry,
// languages are ISO 639-3, the date YYYYMMDD.
func fullIdentity() *Identity {
	return &Identity{
		ID: "DC-2026-000123", Version: "1.0", Language: "eng",
		FullName: "Amina Yusuf Haddad", FirstName: "Amina", MiddleName: "Yusuf", LastName: "Haddad",
		DateOfBirth: "19900515", Gender: GenderFemale,
		Address: "12 Quay Street\nApt 4\nPort Town", Email: "amina@example.org", Phone: "+44 20 7946 0000",
		Nationality: "SYR", MaritalStatus: MaritalMarried, Guardian: "G-77",
		Photo: jpegPhoto, PhotoFormat: PhotoJPEG,
		BestQualityFingers: []int{1, 2, 6},
		SecondaryFullName:  "أمينة يوسف حداد", SecondaryLanguage: "ara",
		LocationCode: "849VCWC8+R9", LegalStatus: "Refugee", CountryOfIssuance: "GBR",
		Biometrics: map[int][]Biometric{
			50: {{Data: []byte("FIR\x00"), Format: FormatTemplate, SubFormat: 1, Issuer: "VendorA"}},
			62: {
				{Data: jpegPhoto, Format: FormatImage, SubFormat: ImageJPEG},
				{Data: []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), Format: FormatImage, SubFormat: ImageWEBP, Issuer: "Kiosk 3"},
			},
			65: {{Data: []byte("ID3"), Format: FormatSound, SubFormat: 1}},
		},
		Unknown: map[int]cbor.RawMessage{
			30:  cbor.RawMessage{0x63, 'x', 'y', 'z'}, // "xyz"
			99:  cbor.RawMessage{0xf5},                // true
			100: cbor.RawMessage{0x82, 0x01, 0x02},    // [1, 2]
			-1:  cbor.RawMessage{0x00},
		},
	}
}

func TestIdentityRoundTrip(t *testing.T) {
	id := fullIdentity()
	b, err := id.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	var got Identity
	if err := got.UnmarshalCBOR(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, id) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, *id)
	}
	// Through fxamacker's Unmarshal too (Identity is a cbor.Unmarshaler).
	var viaLib struct{ ID Identity }
	wrapped := append([]byte{0xa1, 0x62, 'I', 'D'}, b...)
	if err := decMode.Unmarshal(wrapped, &viaLib); err != nil || !reflect.DeepEqual(&viaLib.ID, id) {
		t.Fatalf("as a struct field: %v", err)
	}
}

func TestIdentityGolden(t *testing.T) {
	b, err := fullIdentity().MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/identity-full.cbor.hex"
	if *update {
		if err := os.WriteFile(golden, []byte(hex.EncodeToString(b)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b); got != strings.TrimSpace(string(want)) {
		t.Fatalf("MarshalCBOR = %s\n want %s (go test -update to accept)", got, want)
	}
}

func TestIdentityDeterministic(t *testing.T) {
	first, err := fullIdentity().MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ { // Go randomises map order each time
		b, _ := fullIdentity().MarshalCBOR()
		if !bytes.Equal(b, first) {
			t.Fatalf("run %d gave different bytes", i)
		}
	}
	// Keys in core deterministic order: bytewise order of their encodings.
	var keys []cbor.RawMessage
	if first[0] != 0xb8 { // map with a one-byte length follows
		t.Fatalf("first byte %x", first[0])
	}
	rest := first[2:]
	for len(rest) > 0 {
		r, err := decMode.UnmarshalFirst(rest, new(cbor.RawMessage))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, rest[:len(rest)-len(r)])
		if rest, err = decMode.UnmarshalFirst(r, new(cbor.RawMessage)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i < len(keys); i++ {
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			t.Fatalf("key %x before %x", keys[i-1], keys[i])
		}
	}
	if int(first[1]) != len(keys) {
		t.Fatalf("map says %d pairs, found %d", first[1], len(keys))
	}
	// Preferred serialisation throughout: a canonical re-encoding of the
	// decoded item gives the same bytes.
	var generic any
	if err := decMode.Unmarshal(first, &generic); err != nil {
		t.Fatal(err)
	}
	if again, _ := encMode.Marshal(generic); !bytes.Equal(again, first) {
		t.Fatalf("not in core deterministic encoding:\n%x\n%x", first, again)
	}
	// No deprecated keys written.
	var m map[int]cbor.RawMessage
	decMode.Unmarshal(first, &m)
	if _, ok := m[KeyPhoto]; ok {
		t.Error("key 16 written")
	}
	if _, ok := m[KeyPhotoFormat]; ok {
		t.Error("key 17 written")
	}
}

func TestMarshalOmitsEmpty(t *testing.T) {
	b, err := (&Identity{}).MarshalCBOR()
	if err != nil || !bytes.Equal(b, []byte{0xa0}) {
		t.Fatalf("empty identity = %x, %v", b, err)
	}
	b, _ = (&Identity{FullName: "A", Biometrics: map[int][]Biometric{55: {}}}).MarshalCBOR()
	if want := []byte{0xa1, 0x04, 0x61, 'A'}; !bytes.Equal(b, want) {
		t.Fatalf("= %x; want %x", b, want)
	}
}

// A photo alone goes into key 62 as an array with one image entry: format
// 0, sub-format from the content (else from PhotoFormat, else JPEG).
func TestMarshalPhotoIntoFace(t *testing.T) {
	for _, c := range []struct {
		photo  []byte
		format int
		sub    int
	}{
		{jpegPhoto, 0, ImageJPEG},
		{jpegPhoto, PhotoJPEG2000, ImageJPEG}, // content wins over a wrong format
		{[]byte("\x89PNG\r\n\x1a\n...."), 0, ImagePNG},
		{[]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), 0, ImageWEBP},
		{[]byte("\x00\x00\x00\x1cftypavif"), 0, ImageAVIF},
		{[]byte("unknown"), PhotoAVIF, ImageAVIF},
		{[]byte("unknown"), 0, ImageJPEG},
	} {
		b, err := (&Identity{Photo: c.photo, PhotoFormat: c.format}).MarshalCBOR()
		if err != nil {
			t.Fatal(err)
		}
		want := mustCBOR(t, map[int]any{62: []any{map[int]any{0: c.photo, 1: 0, 2: c.sub}}})
		if !bytes.Equal(b, want) {
			t.Errorf("photo %q format %d = %x; want %x", c.photo, c.format, b, want)
		}
	}
}

func TestMarshalValidation(t *testing.T) {
	for _, c := range []struct {
		id    Identity
		field string
	}{
		{Identity{Gender: 4}, "9 (gender)"},
		{Identity{Gender: -1}, "9 (gender)"},
		{Identity{MaritalStatus: 9}, "14 (maritalStatus)"},
		{Identity{PhotoFormat: 5, Photo: jpegPhoto}, "17 (photoFormat)"},
		{Identity{DateOfBirth: "1990-02-30"}, "8 (dateOfBirth)"},
		{Identity{DateOfBirth: "15/05/1990"}, "8 (dateOfBirth)"},
		{Identity{DateOfBirth: "199013"}, "8 (dateOfBirth)"},
		{Identity{DateOfBirth: "0000"}, "8 (dateOfBirth)"},
		{Identity{DateOfBirth: "19900"}, "8 (dateOfBirth)"},
		{Identity{FullName: "\xff"}, "4 (fullName)"},
		{Identity{BestQualityFingers: []int{11}}, "18 (bestQualityFingers)"},
		{Identity{Biometrics: map[int][]Biometric{49: {{Data: []byte{1}}}}}, "49"},
		{Identity{Biometrics: map[int][]Biometric{62: {{}}}}, "62 (face)"},
		{Identity{Biometrics: map[int][]Biometric{62: {{Data: []byte{1}, Format: 4}}}}, "62 (face)"},
		{Identity{Unknown: map[int]cbor.RawMessage{4: {0x61, 'A'}}}, "4"},
		{Identity{Unknown: map[int]cbor.RawMessage{30: {0x62, 'A'}}}, "30"},
	} {
		_, err := c.id.MarshalCBOR()
		if docketcard.ErrorCode(err) != docketcard.EINVALID {
			t.Errorf("%+v: error %v; want EINVALID", c.id, err)
			continue
		}
		if f := docketcard.ErrorFields(err); len(f) == 0 || f[0].Field != c.field {
			t.Errorf("%+v: fields %v; want %s", c.id, f, c.field)
		}
	}
}

// Strict on types that make no sense: the error names the key.
func TestUnmarshalStrictTypes(t *testing.T) {
	for _, c := range []struct {
		name string
		m    map[int]any
		key  int
	}{
		{"map for fullName", map[int]any{4: map[int]int{1: 1}}, 4},
		{"int for id", map[int]any{1: 7}, 1},
		{"bytes for email", map[int]any{11: []byte("a@b")}, 11},
		{"array for dateOfBirth", map[int]any{8: []int{1990}}, 8},
		{"other tag for dateOfBirth", map[int]any{8: cbor.Tag{Number: 0, Content: "1990-05-15T00:00:00Z"}}, 8},
		{"float for gender", map[int]any{9: 1.5}, 9},
		{"word for gender", map[int]any{9: "x"}, 9},
		{"map for gender", map[int]any{9: map[int]int{}}, 9},
		{"huge gender", map[int]any{9: uint64(1 << 63)}, 9},
		{"bool for maritalStatus", map[int]any{14: true}, 14},
		{"int for photo", map[int]any{16: 5}, 16},
		{"text photo neither hex nor base64", map[int]any{16: "not a photo!"}, 16},
		{"map for fingers", map[int]any{18: map[int]int{1: 1}}, 18},
		{"text in fingers", map[int]any{18: []any{1, "2"}}, 18},
		{"text for a biometric", map[int]any{62: "face"}, 62},
		{"int entry in a biometric array", map[int]any{50: []any{5}}, 50},
		{"bad data in a biometric", map[int]any{51: []any{map[int]any{0: 5}}}, 51},
		{"bad format in a biometric", map[int]any{52: []any{map[int]any{0: []byte{1}, 1: "image"}}}, 52},
		{"bad issuer in a biometric", map[int]any{53: []any{map[int]any{0: []byte{1}, 3: 7}}}, 53},
	} {
		t.Run(c.name, func(t *testing.T) {
			var id Identity
			err := id.UnmarshalCBOR(mustCBOR(t, c.m))
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Key != c.key {
				t.Fatalf("error = %v; want a KeyError for key %d", err, c.key)
			}
			if !errors.Is(err, ErrClaim169) || docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Fatalf("error %v does not wrap ErrClaim169 with EINVALID", err)
			}
			if f := docketcard.ErrorFields(err); len(f) != 1 || !strings.HasPrefix(f[0].Field, strings.Split(ke.field(), " ")[0]) {
				t.Fatalf("fields = %v", f)
			}
			if !strings.Contains(err.Error(), "key ") {
				t.Fatalf("message does not name the key: %v", err)
			}
		})
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"not a map", mustCBOR(t, []int{1})},
		{"text key", mustCBOR(t, map[string]any{"fullName": "A"})},
		{"duplicate key", []byte{0xa2, 0x04, 0x61, 'A', 0x04, 0x61, 'B'}},
		{"truncated", []byte{0xa1, 0x04}},
		{"trailing bytes", []byte{0xa1, 0x04, 0x61, 'A', 0x00}},
		{"invalid UTF-8", []byte{0xa1, 0x04, 0x61, 0xff}},
		{"empty", nil},
	} {
		var id Identity
		if err := id.UnmarshalCBOR(c.b); !errors.Is(err, ErrClaim169) {
			t.Errorf("%s: error = %v; want ErrClaim169", c.name, err)
		}
	}
}

func TestUnmarshalLeavesTargetOnError(t *testing.T) {
	id := Identity{FullName: "kept"}
	if err := id.UnmarshalCBOR(mustCBOR(t, map[int]any{1: "x", 4: 5})); err == nil || id.FullName != "kept" || id.ID != "" {
		t.Fatalf("id = %+v, %v", id, err)
	}
}

func nested(depth int) any {
	var v any = 0
	for i := 0; i < depth; i++ {
		v = []any{v}
	}
	return v
}

func TestUnmarshalLimits(t *testing.T) {
	// Depth: the identity map is level 1, so an unknown value may nest 15
	// arrays deep and not 16.
	var id Identity
	if err := id.UnmarshalCBOR(mustCBOR(t, map[int]any{30: nested(MaxDepth - 1)})); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth, err)
	}
	err := id.UnmarshalCBOR(mustCBOR(t, map[int]any{30: nested(MaxDepth)}))
	if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrClaim169) || docketcard.ErrorCode(err) != docketcard.ETOOLARGE {
		t.Fatalf("depth %d: %v", MaxDepth+1, err)
	}

	// Map size: 256 entries pass, 257 do not, at any level.
	big := map[int]any{}
	for i := 0; i < MaxMapPairs; i++ {
		big[100+i] = i
	}
	if err := id.UnmarshalCBOR(mustCBOR(t, big)); err != nil {
		t.Fatalf("%d entries: %v", MaxMapPairs, err)
	}
	big[99] = 0
	if err := id.UnmarshalCBOR(mustCBOR(t, big)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%d entries: %v", MaxMapPairs+1, err)
	}
	inner := map[int]any{}
	for i := 0; i <= MaxMapPairs; i++ {
		inner[i] = i
	}
	if err := id.UnmarshalCBOR(mustCBOR(t, map[int]any{62: map[int]any{0: []byte{1}, 4: inner}})); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("inner map of %d entries: %v", MaxMapPairs+1, err)
	}

	// Strings: 64 KiB pass, one byte more does not, wherever it is.
	ok := bytes.Repeat([]byte{'a'}, MaxString)
	long := bytes.Repeat([]byte{'a'}, MaxString+1)
	for _, m := range []map[int]any{
		{16: ok}, {4: string(ok)}, {62: []any{map[int]any{0: ok}}}, {30: ok}, {30: []any{string(ok)}},
	} {
		if err := id.UnmarshalCBOR(mustCBOR(t, m)); err != nil {
			t.Fatalf("%d bytes: %v", MaxString, err)
		}
	}
	for key, m := range map[int]map[int]any{
		16: {16: long}, 4: {4: string(long)}, 62: {62: []any{map[int]any{0: long}}},
		30: {30: long}, 31: {31: []any{string(long)}}, 18: {18: long},
	} {
		err := id.UnmarshalCBOR(mustCBOR(t, m))
		var ke *KeyError
		if !errors.Is(err, ErrTooLarge) || !errors.As(err, &ke) || ke.Key != key {
			t.Fatalf("%d bytes in key %d: %v", MaxString+1, key, err)
		}
	}
	// An indefinite-length byte string in an unknown key is counted whole.
	indef := []byte{0xa1, 0x18, 30, 0x5f}
	for i := 0; i < 2; i++ {
		indef = append(indef, 0x5a, 0x00, 0x00, 0x80, 0x01) // 32769-byte chunk
		indef = append(indef, make([]byte, 32769)...)
	}
	indef = append(indef, 0xff)
	if err := id.UnmarshalCBOR(indef); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("indefinite string: %v", err)
	}
	// The whole input.
	if err := id.UnmarshalCBOR(make([]byte, maxIdentityBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge input: %v", err)
	}
	// Arrays.
	arr := make([]int, MaxArrayElements+1)
	if err := id.UnmarshalCBOR(mustCBOR(t, map[int]any{18: arr})); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("array of %d: %v", len(arr), err)
	}
}

func TestUnknownKeysKept(t *testing.T) {
	in := mustCBOR(t, map[int]any{4: "A", 30: "reserved", 45: 12345, 70: []byte{1, 2, 3}, 99: true, 200: map[int]any{1: nil}})
	var id Identity
	if err := id.UnmarshalCBOR(in); err != nil {
		t.Fatal(err)
	}
	if len(id.Unknown) != 5 {
		t.Fatalf("Unknown = %v", id.Unknown)
	}
	out, err := id.MarshalCBOR()
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("re-encoded = %x, %v; want %x", out, err, in)
	}
	if u := id.JSON()["unknown"].(map[string]any); u["45"] != "12345" || u["70"] != "h'010203'" {
		t.Fatalf("JSON unknown = %v", u)
	}
}

func TestNullMeansAbsent(t *testing.T) {
	var id Identity
	err := id.UnmarshalCBOR(mustCBOR(t, map[int]any{4: nil, 9: nil, 62: []any{nil, map[int]any{0: []byte{1}, 3: nil}}}))
	if err != nil || id.FullName != "" || id.Gender != 0 || len(id.Biometrics[62]) != 1 {
		t.Fatalf("id = %+v, %v", id, err)
	}
}

func TestJSONNames(t *testing.T) {
	j := fullIdentity().JSON()
	for _, k := range []string{"id", "version", "language", "fullName", "firstName", "middleName", "lastName",
		"dateOfBirth", "gender", "address", "email", "phone", "nationality", "maritalStatus", "guardian",
		"bestQualityFingers", "secondaryFullName", "secondaryLanguage", "locationCode", "legalStatus",
		"countryOfIssuance", "rightThumb", "face", "voice", "unknown"} {
		if _, ok := j[k]; !ok {
			t.Errorf("JSON lacks %s", k)
		}
	}
	// The photo is the first face entry, so it is shown there only.
	if _, ok := j["photo"]; ok {
		t.Error("photo shown twice")
	}
	legacy := (&Identity{Photo: []byte{1, 2}, PhotoFormat: 4}).JSON()
	if legacy["photo"] != "AQI=" || legacy["photoFormat"] != 4 {
		t.Errorf("legacy photo JSON = %v", legacy)
	}
}
