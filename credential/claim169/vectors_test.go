package claim169

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// vector is one file of the public test vectors (see testdata/vectors/README.md).
type vector struct {
	Name          string `json:"name"`
	Category      string `json:"category"`
	QR            string `json:"qr_data"`
	ExpectedError string `json:"expected_error"`
	SigningKey    *struct {
		Algorithm    string `json:"algorithm"`
		PublicKeyHex string `json:"public_key_hex"`
	} `json:"signing_key"`
	EncryptionKey *struct {
		Algorithm string `json:"algorithm"`
		KeyHex    string `json:"symmetric_key_hex"`
	} `json:"encryption_key"`
	Claim169 map[string]any `json:"expected_claim169"`
	Meta     *struct {
		Issuer    string `json:"issuer"`
		Subject   string `json:"subject"`
		ExpiresAt int64  `json:"expiresAt"`
		NotBefore int64  `json:"notBefore"`
		IssuedAt  int64  `json:"issuedAt"`
	} `json:"expected_cwt_meta"`
}

// vectorFile is a vector and the path it was read from, relative to
// testdata/vectors.
type vectorFile struct {
	path string
	v    vector
}

func loadVectors(t testing.TB) []vectorFile {
	t.Helper()
	files, err := filepath.Glob("testdata/vectors/*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	var out []vectorFile
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v vector
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rel, _ := filepath.Rel("testdata/vectors", f)
		out = append(out, vectorFile{filepath.ToSlash(rel), v})
	}
	return out
}

// vectorNow is the clock for the time checks: 2026-01-01T00:00:00Z, after
// the iat and before the exp of the ordinary vectors.
var vectorNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// expectedErrors maps the error names of the public vectors to ours.
var expectedErrors = map[string]error{
	"Base45Decode":     ErrBase45,
	"Decompress":       ErrDecompress,
	"Claim169NotFound": ErrNoClaim169,
	"CoseParse":        ErrNotCOSE,
}

// outcome is what each vector must give, beyond its own expected fields.
type outcome struct {
	err     error // from DecodeQR
	signed  bool  // carries a real signature, verified with the published key
	alg     int64
	timeErr error // from CheckTime(vectorNow)
}

var vectorOutcomes = map[string]outcome{
	"valid/minimal.json":                   {alg: -8},
	"valid/claim169-example.json":          {alg: -8},
	"valid/demographics-full.json":         {alg: -8},
	"valid/demographics-full@ec18eb8.json": {alg: -8},
	"valid/ecdsa-p256-signed.json":         {alg: -7, signed: true},
	"valid/ecdsa-p256-signed@7d1f9d4.json": {alg: -7, signed: true},
	"valid/ed25519-signed.json":            {alg: -8, signed: true},
	"valid/encrypted-aes256.json":          {alg: 3, err: ErrEncrypted},
	"valid/encrypted-signed.json":          {alg: 3, err: ErrEncrypted},
	"valid/refugee-identity.json":          {alg: -8},
	"valid/with-all-biometrics.json":       {alg: -8},
	"valid/with-face.json":                 {alg: -8},
	"valid/with-fingerprints.json":         {alg: -8},
	"edge/expired.json":                    {alg: -8, timeErr: ErrExpired},
	"edge/not-yet-valid.json":              {alg: -8, timeErr: ErrNotYetValid},
	"edge/unknown-fields.json":             {alg: -8},
	"invalid/bad-base45.json":              {err: ErrBase45},
	"invalid/bad-zlib.json":                {err: ErrDecompress},
	"invalid/missing-169.json":             {alg: -8, err: ErrNoClaim169},
	"invalid/not-cose.json":                {err: ErrNotCOSE},
}

// knownVectorErrata are expected values in the public vectors that
// contradict the vector's own QR data; the test checks the QR data.
var knownVectorErrata = map[string]map[string]any{
	// The generator hand-wrote "//3+4AAQ" (ff fd fe e0 00 10) while the QR
	// holds ff d8 ff e0 00 10, a JPEG SOI/APP0 prefix.
	"valid/with-face.json": {"face": []any{map[string]any{"data": "/9j/4AAQ", "format": 0.0, "subFormat": 1.0}}},
}

func TestPublicVectors(t *testing.T) {
	vectors := loadVectors(t)
	if len(vectors) != len(vectorOutcomes) {
		t.Errorf("%d vector files but %d outcomes: keep vectorOutcomes in step with testdata/vectors", len(vectors), len(vectorOutcomes))
	}
	for _, vf := range vectors {
		t.Run(vf.path, func(t *testing.T) {
			v := vf.v
			want, ok := vectorOutcomes[vf.path]
			if !ok {
				t.Fatalf("no outcome for %s", vf.path)
			}
			if v.ExpectedError != "" && expectedErrors[v.ExpectedError] != want.err {
				t.Fatalf("vector expects %s, table says %v", v.ExpectedError, want.err)
			}
			d, err := DecodeQR(v.QR)
			if want.err != nil {
				if !errors.Is(err, want.err) {
					t.Fatalf("DecodeQR error = %v; want %v", err, want.err)
				}
				for _, s := range sentinels {
					if s != want.err && errors.Is(err, s) {
						t.Errorf("error %v also wraps %v", err, s)
					}
				}
			} else if err != nil {
				t.Fatalf("DecodeQR: %v", err)
			}
			if want.alg != 0 && (d == nil || d.Alg != want.alg) {
				t.Fatalf("Decoded = %+v; want alg %d", d, want.alg)
			}
			if errors.Is(want.err, ErrEncrypted) {
				checkEncrypted(t, v)
				return
			}
			if d == nil || want.err != nil && !errors.Is(want.err, ErrNoClaim169) {
				return
			}
			checkMeta(t, v, d)
			if errors.Is(want.err, ErrNoClaim169) {
				if d.Identity != nil {
					t.Errorf("Identity = %+v; want nil", d.Identity)
				}
				return
			}
			checkIdentity(t, vf.path, v.Claim169, d.Identity)
			if err := d.CheckTime(vectorNow); !errors.Is(err, want.timeErr) || (want.timeErr == nil && err != nil) {
				t.Errorf("CheckTime = %v; want %v", err, want.timeErr)
			}
			if d.Signed() != want.signed {
				t.Errorf("Signed() = %v; want %v", d.Signed(), want.signed)
			}
			if want.signed {
				checkSignature(t, v, d.Sign1)
			} else if err := d.Sign1.Verify(nil, testVerifier(t)); !errors.Is(err, cose.ErrEmptySignature) {
				t.Errorf("Verify of unsigned vector = %v; want ErrEmptySignature", err)
			}
			checkRewrite(t, d.Identity)
		})
	}
}

func checkMeta(t *testing.T, v vector, d *Decoded) {
	t.Helper()
	if v.Meta == nil {
		return
	}
	got := [5]any{d.Issuer, d.Subject, d.ExpiresAt, d.NotBefore, d.IssuedAt}
	want := [5]any{v.Meta.Issuer, v.Meta.Subject, v.Meta.ExpiresAt, v.Meta.NotBefore, v.Meta.IssuedAt}
	if got != want {
		t.Errorf("CWT meta = %v; want %v", got, want)
	}
}

// checkIdentity compares Identity.JSON with the vector's expected fields:
// every expected key must match (dates compared after normalisation, only
// the expected keys of each biometric entry), and JSON may hold no key the
// vector does not expect except "photo" (the vectors leave out photo
// bytes) and "unknown".
func checkIdentity(t *testing.T, path string, expected map[string]any, id *Identity) {
	t.Helper()
	if id == nil {
		t.Fatal("Identity is nil")
	}
	var got map[string]any
	b, _ := json.Marshal(id.JSON())
	json.Unmarshal(b, &got)
	for k, v := range knownVectorErrata[path] {
		expected[k] = v
	}
	for k, want := range expected {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s: missing; want %v", k, want)
		case k == "dateOfBirth":
			if g != normalizeDOB(want.(string)) {
				t.Errorf("%s = %v; want %v (normalised)", k, g, want)
			}
		case isList(want) && len(want.([]any)) > 0 && isMap(want.([]any)[0]):
			gl, wl := g.([]any), want.([]any)
			if len(gl) != len(wl) {
				t.Errorf("%s: %d entries; want %d", k, len(gl), len(wl))
				continue
			}
			for i := range wl {
				for ek, ev := range wl[i].(map[string]any) {
					if gv := gl[i].(map[string]any)[ek]; !reflect.DeepEqual(gv, ev) {
						t.Errorf("%s[%d].%s = %v; want %v", k, i, ek, gv, ev)
					}
				}
			}
		default:
			if !reflect.DeepEqual(g, want) {
				t.Errorf("%s = %v; want %v", k, g, want)
			}
		}
	}
	for k := range got {
		if _, ok := expected[k]; !ok && k != "photo" && k != "unknown" && !vectorExtraFields[path][k] {
			t.Errorf("unexpected field %s = %v", k, got[k])
		}
	}
}

// vectorExtraFields are fields a vector holds but does not list as
// expected; the test checks them itself.
var vectorExtraFields = map[string]map[string]bool{
	"valid/with-all-biometrics.json": func() map[string]bool {
		m := map[string]bool{}
		for k := 50; k <= 62; k++ {
			m[keyName(k)] = true
		}
		return m
	}(),
}

func TestVectorAllBiometrics(t *testing.T) {
	for _, vf := range loadVectors(t) {
		if vf.path != "valid/with-all-biometrics.json" {
			continue
		}
		d, err := DecodeQR(vf.v.QR)
		if err != nil {
			t.Fatal(err)
		}
		for k := 50; k <= 62; k++ {
			list := d.Identity.Biometrics[k]
			if len(list) != 1 || len(list[0].Data) == 0 {
				t.Errorf("key %d (%s) = %+v", k, keyName(k), list)
			}
		}
		if f := d.Identity.Biometrics[50][0]; f.Format != FormatTemplate || f.SubFormat != 1 || string(f.Data) != "FIR\x00" {
			t.Errorf("right thumb = %+v", f)
		}
		if !bytes.Equal(d.Identity.Photo, []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10}) || d.Identity.PhotoMIME() != "image/jpeg" {
			t.Errorf("photo from face = %x %s", d.Identity.Photo, d.Identity.PhotoMIME())
		}
		return
	}
	t.Fatal("vector missing")
}

func isList(v any) bool { _, ok := v.([]any); return ok }
func isMap(v any) bool  { _, ok := v.(map[string]any); return ok }

func testVerifier(t *testing.T) cose.Verifier {
	v, err := cose.NewVerifier(cose.AlgorithmEdDSA, testKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// publishedVerifier builds a go-cose verifier from a vector's public key.
func publishedVerifier(t *testing.T, alg, pubHex string) cose.Verifier {
	t.Helper()
	pub, err := hex.DecodeString(pubHex)
	if err != nil {
		t.Fatal(err)
	}
	var v cose.Verifier
	switch alg {
	case "ES256":
		k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pub)
		if err != nil {
			t.Fatal(err)
		}
		v, err = cose.NewVerifier(cose.AlgorithmES256, k)
		if err != nil {
			t.Fatal(err)
		}
	case "EdDSA":
		v, err = cose.NewVerifier(cose.AlgorithmEdDSA, ed25519.PublicKey(pub))
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("algorithm %s", alg)
	}
	return v
}

func checkSignature(t *testing.T, v vector, msg *cose.Sign1Message) {
	t.Helper()
	if v.SigningKey == nil {
		t.Fatal("signed vector without a key")
	}
	ver := publishedVerifier(t, v.SigningKey.Algorithm, v.SigningKey.PublicKeyHex)
	if err := msg.Verify(nil, ver); err != nil {
		t.Fatalf("signature does not verify with the published key: %v", err)
	}
	// A changed payload must not verify.
	bad := *msg
	bad.Payload = append([]byte(nil), msg.Payload...)
	bad.Payload[len(bad.Payload)-1] ^= 1
	if err := bad.Verify(nil, ver); err == nil {
		t.Fatal("tampered payload verifies")
	}
	// Nor with another key.
	other := sha256.Sum256([]byte("other"))
	if v.SigningKey.Algorithm == "EdDSA" {
		ov, _ := cose.NewVerifier(cose.AlgorithmEdDSA, ed25519.NewKeyFromSeed(other[:]).Public())
		if err := msg.Verify(nil, ov); err == nil {
			t.Fatal("verifies with another key")
		}
	}
}

// checkEncrypted checks an encrypted vector beyond ErrEncrypted, in the test
// only (the package does not decrypt): AES-GCM with the published key and
// the Enc_structure of RFC 9052 §5.3 gives a COSE_Sign1 that our decoder
// reads and, where a key is published, that verifies.
func checkEncrypted(t *testing.T, v vector) {
	t.Helper()
	raw, err := decodeBase45(v.QR)
	if err != nil {
		t.Fatal(err)
	}
	data, err := decompress(raw)
	if err != nil {
		t.Fatal(err)
	}
	var tag cbor.RawTag
	if err := decMode.Unmarshal(data, &tag); err != nil || tag.Number != tagEncrypt0 {
		t.Fatalf("not tag 16: %v", err)
	}
	var enc struct {
		_           struct{} `cbor:",toarray"`
		Protected   []byte
		Unprotected map[int64]any
		Ciphertext  []byte
	}
	if err := decMode.Unmarshal(tag.Content, &enc); err != nil {
		t.Fatal(err)
	}
	key, _ := hex.DecodeString(v.EncryptionKey.KeyHex)
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	aad := mustCBOR(t, []any{"Encrypt0", enc.Protected, []byte{}})
	plain, err := gcm.Open(nil, enc.Unprotected[5].([]byte), enc.Ciphertext, aad)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	// The plaintext is a COSE_Sign1 (encrypted-signed) or, with no
	// signature at all, the claims map itself (encrypted-aes256).
	d, payload := &Decoded{}, plain
	if majorOf(plain) != majorMap {
		if d, payload, err = parseCOSE(plain); err != nil {
			t.Fatalf("inner COSE: %v", err)
		}
	} else if v.SigningKey != nil {
		t.Fatal("signing key published but plaintext is not signed")
	}
	if err := d.parseClaims(payload); err != nil {
		t.Fatalf("inner claims: %v", err)
	}
	checkMeta(t, v, d)
	checkIdentity(t, "", v.Claim169, d.Identity)
	if v.SigningKey != nil {
		checkSignature(t, v, d.Sign1)
	}
}

// checkRewrite checks that what we read we can write back: the writer's
// output reads back to the same fields, except where the writer normalises
// (languages to ISO 639-3; the legacy photo 16/17 moved into face 62, a
// photo format without a photo dropped), and writing that again gives the
// same bytes.
func checkRewrite(t *testing.T, id *Identity) {
	t.Helper()
	b1, err := id.MarshalCBOR()
	if err != nil {
		t.Fatalf("MarshalCBOR: %v", err)
	}
	var again Identity
	if err := again.UnmarshalCBOR(b1); err != nil {
		t.Fatalf("UnmarshalCBOR of our own output: %v", err)
	}
	b2, err := again.MarshalCBOR()
	if err != nil || !bytes.Equal(b1, b2) {
		t.Fatalf("second MarshalCBOR differs: %v\n%x\n%x", err, b1, b2)
	}
	if !bytes.Equal(again.Photo, id.Photo) {
		t.Errorf("photo changed")
	}
	if again.Language != normalizeLanguage(id.Language) || again.SecondaryLanguage != normalizeLanguage(id.SecondaryLanguage) {
		t.Errorf("languages %q %q from %q %q", again.Language, again.SecondaryLanguage, id.Language, id.SecondaryLanguage)
	}
	strip := func(m map[string]any) map[string]any {
		for _, k := range []string{"photo", "photoFormat", "face", "language", "secondaryLanguage"} {
			delete(m, k)
		}
		return m
	}
	if g, w := strip(again.JSON()), strip(id.JSON()); !reflect.DeepEqual(g, w) {
		t.Errorf("re-read identity differs:\n got %v\nwant %v", g, w)
	}
}

// Errors that no public vector covers, made from one by changing it.
func TestDerivedInvalidQR(t *testing.T) {
	var minimal vector
	for _, vf := range loadVectors(t) {
		if vf.path == "valid/minimal.json" {
			minimal = vf.v
		}
	}
	raw, _ := decodeBase45(minimal.QR)
	data, _ := decompress(raw)
	wrongTag := append([]byte{0xd1}, data[1:]...)          // tag 17
	sign98 := append([]byte{0xd8, 0x62}, data[1:]...)      // COSE_Sign
	cwt61 := withCWTTag(data)                              // 61(18(…)): fine
	untagged := data[1:]                                   // bare array: fine
	trailing := append(append([]byte(nil), data...), 0x00) // extra byte after the item
	for _, c := range []struct {
		name string
		qr   string
		want error
	}{
		{"truncated compressed data", encodeBase45(raw[:len(raw)-4]), ErrDecompress},
		{"truncated to a lone character", minimal.QR[:4], ErrBase45},
		{"truncated CBOR", qrZlib(t, data[:len(data)-5]), ErrNotCOSE},
		{"wrong tag", qrZlib(t, wrongTag), ErrNotCOSE},
		{"COSE_Sign tag 98", qrZlib(t, sign98), ErrNotCOSE},
		{"trailing byte", qrZlib(t, trailing), ErrNotCOSE},
		{"empty", "", ErrDecompress},
		{"lower case", strings.ToLower(minimal.QR), ErrBase45},
		{"too long", strings.Repeat("0", MaxQRText+1), ErrTooLarge},
		{"zlib header, bad stream", encodeBase45([]byte{0x78, 0x9c, 0xff, 0xff, 0xff}), ErrDecompress},
		{"not CBOR", qrZlib(t, []byte{0xff, 0xff}), ErrNotCOSE},
		{"cwt tag 61", qrZlib(t, cwt61), nil},
		{"untagged COSE_Sign1", qrZlib(t, untagged), nil},
		{"trailing newline", minimal.QR + "\r\n", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := DecodeQR(c.qr)
			if c.want == nil {
				if err != nil || d.Identity.FullName != "John Doe" {
					t.Fatalf("DecodeQR = %v, %v", d, err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("error = %v; want %v", err, c.want)
			}
		})
	}
}

func TestDecodeQRErrors(t *testing.T) {
	good := mustCBOR(t, map[int]any{KeyFullName: "A"})
	for _, c := range []struct {
		name string
		cose []byte
		want error
	}{
		{"payload not a map", signCWT(t, mustCBOR(t, []int{1})), ErrCWT},
		{"payload not CBOR", signCWT(t, []byte{0xa1}), ErrCWT},
		{"iss is an integer", signCWT(t, claimsWith(t, good, map[int]any{1: 5})), ErrCWT},
		{"sub is bytes", signCWT(t, claimsWith(t, good, map[int]any{2: []byte("x")})), ErrCWT},
		{"exp is text", signCWT(t, claimsWith(t, good, map[int]any{4: "2027-01-01"})), ErrCWT},
		{"exp overflows", signCWT(t, claimsWith(t, good, map[int]any{4: uint64(1 << 63)})), ErrCWT},
		{"169 is text", signCWT(t, claimsWith(t, mustCBOR(t, "x"), nil)), ErrClaim169},
		{"169 without", signCWT(t, claimsWith(t, good, map[int]any{ClaimKey: nil})), ErrNoClaim169},
		{"detached payload", mustCBOR(t, cbor.Tag{Number: 18, Content: []any{[]byte{0xa1, 0x01, 0x27}, map[int]any{}, nil, []byte{1}}}), ErrCWT},
		{"protected header not bytes", mustCBOR(t, cbor.Tag{Number: 18, Content: []any{map[int]int{1: -8}, map[int]any{}, good, []byte{}}}), ErrNotCOSE},
		{"kid of the wrong type", mustCBOR(t, cbor.Tag{Number: 18, Content: []any{[]byte{0xa1, 0x01, 0x27}, map[int]any{4: 5}, good, []byte{}}}), ErrNotCOSE},
		{"three elements under tag 18", mustCBOR(t, cbor.Tag{Number: 18, Content: []any{[]byte{}, map[int]any{}, good}}), ErrNotCOSE},
		{"Encrypt0", mustCBOR(t, cbor.Tag{Number: 16, Content: []any{[]byte{0xa1, 0x01, 0x03}, map[int]any{5: []byte("iv")}, []byte("ct")}}), ErrEncrypted},
		{"untagged Encrypt0", mustCBOR(t, []any{[]byte{0xa1, 0x01, 0x03}, map[int]any{}, []byte("ct")}), ErrEncrypted},
		{"a map", mustCBOR(t, map[int]int{1: 1}), ErrNotCOSE},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeQR(qrZlib(t, c.cose))
			if !errors.Is(err, c.want) {
				t.Fatalf("error = %v; want %v", err, c.want)
			}
		})
	}
}

func TestDecodeQROurSignature(t *testing.T) {
	id := fullIdentity()
	b, err := id.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	qr := qrZlib(t, withCWTTag(signCWT(t, claimsWith(t, b, map[int]any{2: "SUB-1", 5: 1700000000}))))
	d, err := DecodeQR(qr)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Signed() || d.Alg != -8 || string(d.KeyID) != "test" || d.Subject != "SUB-1" || d.NotBefore != 1700000000 {
		t.Fatalf("Decoded = %+v", d)
	}
	if err := d.Sign1.Verify(nil, testVerifier(t)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !reflect.DeepEqual(d.Identity, id) {
		t.Fatalf("identity differs:\n got %+v\nwant %+v", d.Identity, id)
	}
	if base64.StdEncoding.EncodeToString(d.Sign1.Payload) == "" {
		t.Fatal("no payload")
	}
}
