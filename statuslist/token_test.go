package statuslist

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

const exampleURI = "https://example.com/statuslists/1"

// sampleToken is the token of the draft's examples in Sections 5.1 and 5.2,
// with the list of Section 4.1's 1-bit example.
func sampleToken(t testing.TB) *Token {
	t.Helper()
	l, err := New(1, 16)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range []Status{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1} {
		if err := l.Set(i, s); err != nil {
			t.Fatal(err)
		}
	}
	return &Token{
		URI:       exampleURI,
		IssuedAt:  time.Unix(1686920170, 0),
		ExpiresAt: time.Unix(2291720170, 0),
		TTL:       43200 * time.Second,
		List:      l,
	}
}

// opaqueSigner is a crypto.Signer that is not a Go private key type, as an
// HSM's would be.
type opaqueSigner struct{ inner crypto.Signer }

func (s opaqueSigner) Public() crypto.PublicKey { return s.inner.Public() }
func (s opaqueSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.inner.Sign(r, digest, opts)
}

// TestSignParseVerify signs, parses and verifies a token with each kind of
// key, including a crypto.Signer that is not a Go key type.
func TestSignParseVerify(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	p256 := newP256(t)
	tests := []struct {
		name string
		key  crypto.Signer
		alg  cose.Algorithm
	}{
		{"ES256", p256, cose.AlgorithmES256},
		{"ES256 through an opaque crypto.Signer", opaqueSigner{p256}, cose.AlgorithmES256},
		{"ES384", p384, cose.AlgorithmES384},
		{"ES512", p521, cose.AlgorithmES512},
		{"EdDSA", ed, cose.AlgorithmEdDSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := sampleToken(t)
			tok.AggregationURI = "https://example.com/statuslists"
			signed, err := Sign(tok, tt.key, []byte("k1"))
			if err != nil {
				t.Fatal(err)
			}
			// COSE_Sign1_Tagged (tag 18), not wrapped in the CWT tag 61.
			if !bytes.HasPrefix(signed, []byte{0xd2, 0x84}) {
				t.Fatalf("token starts % x, want d2 84", signed[:2])
			}
			got, msg, err := Parse(signed, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(msg, tt.key.Public()); err != nil {
				t.Fatal(err)
			}
			if alg, _ := msg.Headers.Protected.Algorithm(); alg != tt.alg {
				t.Errorf("alg %v, want %v", alg, tt.alg)
			}
			if typ := msg.Headers.Protected[cose.HeaderLabelType]; typ != MediaType {
				t.Errorf("typ %v", typ)
			}
			if kid := msg.Headers.Protected[cose.HeaderLabelKeyID]; !bytes.Equal(kid.([]byte), []byte("k1")) {
				t.Errorf("protected kid %v", kid)
			}
			if got.URI != tok.URI || !got.IssuedAt.Equal(tok.IssuedAt) || !got.ExpiresAt.Equal(tok.ExpiresAt) ||
				got.TTL != tok.TTL || got.AggregationURI != tok.AggregationURI || string(got.KeyID) != "k1" {
				t.Errorf("parsed %+v, signed %+v", got, tok)
			}
			if got.List.Bits() != 1 || !bytes.Equal(got.List.Bytes(), tok.List.Bytes()) {
				t.Errorf("list % x, want % x", got.List.Bytes(), tok.List.Bytes())
			}
		})
	}
}

// TestSignOptionalClaims checks a token without exp, ttl and kid.
func TestSignOptionalClaims(t *testing.T) {
	key := newP256(t)
	tok := sampleToken(t)
	tok.ExpiresAt, tok.TTL = time.Time{}, 0
	signed, err := Sign(tok, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, msg, err := Parse(signed, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(msg, &key.PublicKey); err != nil {
		t.Fatal(err)
	}
	if !got.ExpiresAt.IsZero() || got.TTL != 0 || got.KeyID != nil {
		t.Errorf("parsed %+v", got)
	}
	if got.Expired(time.Unix(1<<40, 0)) {
		t.Error("a token without exp expired")
	}
	var claims map[int64]cbor.RawMessage
	if err := cbor.Unmarshal(msg.Payload, &claims); err != nil {
		t.Fatal(err)
	}
	if len(claims) != 3 {
		t.Errorf("%d claims, want sub, iat and status_list", len(claims))
	}
}

// TestTokenDeterministic checks the exact protected header and claims bytes
// (RFC 8949 Core Deterministic Encoding: keys sorted bytewise), that they
// are the same on every signing, and that an Ed25519 token, whose
// signature is deterministic, is the same byte for byte.
func TestTokenDeterministic(t *testing.T) {
	tok := sampleToken(t)
	lst, err := tok.List.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	if len(lst) >= 24 {
		t.Fatalf("lst is %d bytes; the expected hex below assumes under 24", len(lst))
	}
	wantProtected := mustHex(t, "a3 01 26 04 42 3132 10 781a"+hex.EncodeToString([]byte(MediaType)))
	wantPayload := mustHex(t, "a5"+
		"02 7821"+hex.EncodeToString([]byte(exampleURI))+ // sub
		"04 1a8898dfea"+ // exp 2291720170
		"06 1a648c5bea"+ // iat 1686920170
		"19fffd a2 636c7374"+fmt.Sprintf("%02x%x", 0x40+len(lst), lst)+"6462697473 01"+ // status_list {"lst", "bits": 1}
		"19fffe 19a8c0") // ttl 43200

	key := newP256(t)
	for i := range 3 {
		signed, err := Sign(tok, key, []byte("12"))
		if err != nil {
			t.Fatal(err)
		}
		var msg cose.Sign1Message
		if err := msg.UnmarshalCBOR(signed); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(msg.Headers.RawProtected, append([]byte{0x58, byte(len(wantProtected))}, wantProtected...)) {
			t.Errorf("signing %d: protected header %x, want %x", i, msg.Headers.RawProtected, wantProtected)
		}
		if !bytes.Equal(msg.Payload, wantPayload) {
			t.Errorf("signing %d: payload\n%x\nwant\n%x", i, msg.Payload, wantPayload)
		}
	}

	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	a, err := Sign(tok, ed, []byte("12"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Sign(tok, ed, []byte("12"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two Ed25519 signings of the same token differ")
	}
}

// draftExampleKey is the public part of the example key (kid "12") of the
// draft's examples, from its repository's src/util.py.
func draftExampleKey(t testing.TB) *ecdsa.PublicKey {
	t.Helper()
	x, _ := base64.RawURLEncoding.DecodeString("I3HWm_0Ds1dPMI-IWmf4mBmH-YaeAVbPVu7vB27CxXo")
	y, _ := base64.RawURLEncoding.DecodeString("6N_d5Elj9bs1htgV3okJKIdbHEpkgTmAluYKJemzn1M")
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// TestParseDraftExample parses and verifies the example Status List Token
// in CWT format of Section 5.2 (kid in the unprotected header, claims in
// another order than ours).
func TestParseDraftExample(t *testing.T) {
	tok, msg, err := Parse(readHex(t, "section5.2-cwt.hex"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if tok.URI != exampleURI || tok.IssuedAt.Unix() != 1686920170 || tok.ExpiresAt.Unix() != 2291720170 ||
		tok.TTL != 12*time.Hour || string(tok.KeyID) != "12" || tok.AggregationURI != "" {
		t.Errorf("parsed %+v", tok)
	}
	if tok.List.Bits() != 1 || !bytes.Equal(tok.List.Bytes(), []byte{0xb9, 0xa3}) || tok.List.Len() != 16 {
		t.Errorf("list bits %d bytes % x", tok.List.Bits(), tok.List.Bytes())
	}
	if err := Verify(msg, draftExampleKey(t)); err != nil {
		t.Errorf("the draft's example does not verify with its example key: %v", err)
	}
	err = Verify(msg, &newP256(t).PublicKey)
	wantErr(t, err, docketcard.EINVALID, ErrSignature)
	if !tok.Expired(time.Unix(2291720170, 0)) || tok.Expired(time.Unix(2291720169, 0)) {
		t.Error("Expired is wrong at exp")
	}
}

// TestVerifyWrongKey checks keys that must not verify.
func TestVerifyWrongKey(t *testing.T) {
	key := newP256(t)
	signed, err := Sign(sampleToken(t), key, []byte("12"))
	if err != nil {
		t.Fatal(err)
	}
	_, msg, err := Parse(signed, 0)
	if err != nil {
		t.Fatal(err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	tests := []struct {
		name string
		pub  crypto.PublicKey
		code string
		kind error
	}{
		{"another P-256 key", &newP256(t).PublicKey, docketcard.EINVALID, ErrSignature},
		{"a P-384 key", &p384.PublicKey, docketcard.EINVALID, ErrSignature},
		{"an Ed25519 key", edPub, docketcard.EINVALID, ErrSignature},
		{"an RSA key", &rsaKey.PublicKey, docketcard.EUNSUPPORTED, ErrKey},
		{"the private key itself", key, docketcard.EUNSUPPORTED, ErrKey},
		{"nil", nil, docketcard.EINVALID, ErrBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, Verify(msg, tt.pub), tt.code, tt.kind)
		})
	}
	wantErr(t, Verify(nil, &key.PublicKey), docketcard.EINVALID, ErrBadRequest)
	if err := Verify(msg, &key.PublicKey); err != nil {
		t.Fatalf("the right key: %v", err)
	}
}

// TestVerifyTampered changes a signed token in each part and checks that
// Parse or Verify rejects it.
func TestVerifyTampered(t *testing.T) {
	key := newP256(t)
	tok := sampleToken(t)
	signed, err := Sign(tok, key, []byte("12"))
	if err != nil {
		t.Fatal(err)
	}
	_, orig, err := Parse(signed, 0)
	if err != nil {
		t.Fatal(err)
	}

	// reencode re-serialises a copy of orig after change.
	reencode := func(change func(m *cose.Sign1Message)) []byte {
		m := &cose.Sign1Message{
			Headers: cose.Headers{
				RawProtected:   orig.Headers.RawProtected,
				RawUnprotected: orig.Headers.RawUnprotected,
			},
			Payload:   bytes.Clone(orig.Payload),
			Signature: bytes.Clone(orig.Signature),
		}
		change(m)
		b, err := m.MarshalCBOR()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	revoked := sampleToken(t)
	if err := revoked.List.Set(1, Invalid); err != nil {
		t.Fatal(err)
	}
	otherClaims, err := revoked.claims()
	if err != nil {
		t.Fatal(err)
	}
	laterClaims := *tok
	laterClaims.ExpiresAt = tok.ExpiresAt.Add(time.Hour)
	later, err := laterClaims.claims()
	if err != nil {
		t.Fatal(err)
	}
	otherKID, err := (&cose.ProtectedHeader{
		cose.HeaderLabelAlgorithm: cose.AlgorithmES256,
		cose.HeaderLabelKeyID:     []byte("13"),
		cose.HeaderLabelType:      MediaType,
	}).MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		token []byte
	}{
		{"a status changed in the payload", reencode(func(m *cose.Sign1Message) { m.Payload = otherClaims })},
		{"exp changed in the payload", reencode(func(m *cose.Sign1Message) { m.Payload = later })},
		{"kid changed in the protected header", reencode(func(m *cose.Sign1Message) { m.Headers.RawProtected = otherKID })},
		{"a bit of the signature flipped", reencode(func(m *cose.Sign1Message) { m.Signature[10] ^= 1 })},
		{"signature truncated", reencode(func(m *cose.Sign1Message) { m.Signature = m.Signature[:63] })},
	}
	// Every single-bit flip of the serialised token.
	for i := range signed {
		for _, bit := range []byte{0x01, 0x80} {
			b := bytes.Clone(signed)
			b[i] ^= bit
			tests = append(tests, struct {
				name  string
				token []byte
			}{fmt.Sprintf("byte %d ^ %#02x", i, bit), b})
		}
	}
	for _, tt := range tests {
		_, msg, err := Parse(tt.token, 0)
		if err == nil {
			err = Verify(msg, &key.PublicKey)
		}
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		if code := docketcard.ErrorCode(err); code != docketcard.EINVALID && code != docketcard.EUNSUPPORTED && code != docketcard.ETOOLARGE {
			t.Errorf("%s: code %q: %v", tt.name, code, err)
		}
	}
}

// TestSignInvalid checks the tokens and keys Sign refuses.
func TestSignInvalid(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	key := newP256(t)
	tests := []struct {
		name   string
		change func(*Token)
		key    crypto.Signer
		kid    []byte
		code   string
		kind   error
	}{
		{"no list", func(t *Token) { t.List = nil }, key, nil, docketcard.EINVALID, ErrBadRequest},
		{"no URI", func(t *Token) { t.URI = "" }, key, nil, docketcard.EINVALID, ErrBadRequest},
		{"relative URI", func(t *Token) { t.URI = "/statuslists/1" }, key, nil, docketcard.EINVALID, ErrBadRequest},
		{"no IssuedAt", func(t *Token) { t.IssuedAt = time.Time{} }, key, nil, docketcard.EINVALID, ErrBadRequest},
		{"IssuedAt before 1970", func(t *Token) { t.IssuedAt = time.Unix(-5, 0) }, key, nil, docketcard.EINVALID, ErrBadRequest},
		{"ExpiresAt before IssuedAt", func(t *Token) { t.ExpiresAt = t.IssuedAt.Add(-time.Second) }, key, nil, docketcard.EINVALID, ErrBadRequest},
		{"TTL under a second", func(t *Token) { t.TTL = 500 * time.Millisecond }, key, nil, docketcard.EINVALID, ErrBadRequest},
		{"negative TTL", func(t *Token) { t.TTL = -time.Hour }, key, nil, docketcard.EINVALID, ErrBadRequest},
		{"relative AggregationURI", func(t *Token) { t.AggregationURI = "lists" }, key, nil, docketcard.EINVALID, ErrBadRequest},
		{"kid differs from KeyID", func(t *Token) { t.KeyID = []byte("a") }, key, []byte("b"), docketcard.EINVALID, ErrBadRequest},
		{"RSA key", func(*Token) {}, rsaKey, nil, docketcard.EUNSUPPORTED, ErrKey},
		{"P-224 key", func(*Token) {}, p224, nil, docketcard.EUNSUPPORTED, ErrKey},
		{"nil key", func(*Token) {}, nil, nil, docketcard.EINVALID, ErrBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := sampleToken(t)
			tt.change(tok)
			b, err := Sign(tok, tt.key, tt.kid)
			if b != nil {
				t.Error("bytes with an error")
			}
			wantErr(t, err, tt.code, tt.kind)
		})
	}
	_, err := Sign(nil, key, nil)
	wantErr(t, err, docketcard.EINVALID, ErrBadRequest)

	// The token's KeyID is used when kid is empty, and may equal kid.
	tok := sampleToken(t)
	tok.KeyID = []byte("k9")
	for _, kid := range [][]byte{nil, []byte("k9")} {
		signed, err := Sign(tok, key, kid)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := Parse(signed, 0)
		if err != nil || string(got.KeyID) != "k9" {
			t.Errorf("kid %q: KeyID %q, %v", kid, got.KeyID, err)
		}
	}
}

// signClaims signs an arbitrary payload under the given protected header,
// to build malformed tokens that Sign would refuse to make.
func signClaims(t *testing.T, key *ecdsa.PrivateKey, protected cose.ProtectedHeader, claims any) []byte {
	t.Helper()
	payload, ok := claims.([]byte)
	if !ok {
		var err error
		if payload, err = encMode.Marshal(claims); err != nil {
			t.Fatal(err)
		}
	}
	signer, err := cose.NewSigner(cose.AlgorithmES256, key)
	if err != nil {
		t.Fatal(err)
	}
	msg := &cose.Sign1Message{Headers: cose.Headers{Protected: protected}, Payload: payload}
	if err := msg.Sign(rand.Reader, nil, signer); err != nil {
		t.Fatal(err)
	}
	b, err := msg.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseInvalid checks tokens that are signed but malformed.
func TestParseInvalid(t *testing.T) {
	key := newP256(t)
	header := func() cose.ProtectedHeader {
		return cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelType: MediaType}
	}
	lst, err := sampleToken(t).List.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	sl := func() map[string]any { return map[string]any{"bits": 1, "lst": lst} }
	claims := func(change func(map[any]any)) map[any]any {
		c := map[any]any{2: exampleURI, 6: 1686920170, 65533: sl()}
		change(c)
		return c
	}
	good := signClaims(t, key, header(), claims(func(map[any]any) {}))
	if _, _, err := Parse(good, 0); err != nil {
		t.Fatalf("the unchanged token: %v", err)
	}
	untagged, err := func() ([]byte, error) {
		signer, _ := cose.NewSigner(cose.AlgorithmES256, key)
		p, _ := encMode.Marshal(claims(func(map[any]any) {}))
		return cose.Sign1Untagged(rand.Reader, signer, cose.Headers{Protected: header()}, p, nil)
	}()
	if err != nil {
		t.Fatal(err)
	}
	cwtTagged, err := encMode.Marshal(cbor.RawTag{Number: 61, Content: good})
	if err != nil {
		t.Fatal(err)
	}
	noTyp := header()
	delete(noTyp, cose.HeaderLabelType)
	jwtTyp := header()
	jwtTyp[cose.HeaderLabelType] = "application/statuslist+jwt"
	intTyp := header()
	intTyp[cose.HeaderLabelType] = 61

	tests := []struct {
		name  string
		token []byte
		code  string
		kind  error
	}{
		{"empty", nil, docketcard.EINVALID, ErrMalformed},
		{"garbage", []byte("not a token"), docketcard.EINVALID, ErrMalformed},
		{"untagged COSE_Sign1", untagged, docketcard.EINVALID, ErrMalformed},
		{"wrapped in the CWT tag", cwtTagged, docketcard.EINVALID, ErrMalformed},
		{"no typ", signClaims(t, key, noTyp, claims(func(map[any]any) {})), docketcard.EINVALID, ErrMalformed},
		{"JWT typ", signClaims(t, key, jwtTyp, claims(func(map[any]any) {})), docketcard.EINVALID, ErrMalformed},
		{"integer typ", signClaims(t, key, intTyp, claims(func(map[any]any) {})), docketcard.EINVALID, ErrMalformed},
		{"payload not a map", signClaims(t, key, header(), []byte{0x80}), docketcard.EINVALID, ErrMalformed},
		{"payload not CBOR", signClaims(t, key, header(), []byte{0xa1, 0x02}), docketcard.EINVALID, ErrMalformed},
		{"duplicate claim", signClaims(t, key, header(), mustHex(t, "a3 0201 0201 0601")), docketcard.EINVALID, ErrMalformed},
		{"no sub", signClaims(t, key, header(), claims(func(c map[any]any) { delete(c, 2) })), docketcard.EINVALID, ErrMalformed},
		{"sub not text", signClaims(t, key, header(), claims(func(c map[any]any) { c[2] = []byte(exampleURI) })), docketcard.EINVALID, ErrMalformed},
		{"sub relative", signClaims(t, key, header(), claims(func(c map[any]any) { c[2] = "statuslists/1" })), docketcard.EINVALID, ErrMalformed},
		{"no iat", signClaims(t, key, header(), claims(func(c map[any]any) { delete(c, 6) })), docketcard.EINVALID, ErrMalformed},
		{"iat negative", signClaims(t, key, header(), claims(func(c map[any]any) { c[6] = -1 })), docketcard.EINVALID, ErrMalformed},
		{"iat text", signClaims(t, key, header(), claims(func(c map[any]any) { c[6] = "2023-06-16" })), docketcard.EINVALID, ErrMalformed},
		{"iat tagged", signClaims(t, key, header(), claims(func(c map[any]any) { c[6] = cbor.Tag{Number: 1, Content: 1686920170} })), docketcard.EINVALID, ErrMalformed},
		{"iat NaN", signClaims(t, key, header(), claims(func(c map[any]any) { c[6] = mathNaN() })), docketcard.EINVALID, ErrMalformed},
		{"exp text", signClaims(t, key, header(), claims(func(c map[any]any) { c[4] = "never" })), docketcard.EINVALID, ErrMalformed},
		{"ttl zero", signClaims(t, key, header(), claims(func(c map[any]any) { c[65534] = 0 })), docketcard.EINVALID, ErrMalformed},
		{"ttl negative", signClaims(t, key, header(), claims(func(c map[any]any) { c[65534] = -60 })), docketcard.EINVALID, ErrMalformed},
		{"ttl float", signClaims(t, key, header(), claims(func(c map[any]any) { c[65534] = 1.5 })), docketcard.EINVALID, ErrMalformed},
		{"ttl huge", signClaims(t, key, header(), claims(func(c map[any]any) { c[65534] = uint64(1) << 62 })), docketcard.EINVALID, ErrMalformed},
		{"no status list", signClaims(t, key, header(), claims(func(c map[any]any) { delete(c, 65533) })), docketcard.EINVALID, ErrMalformed},
		{"status list in the referenced-token key", signClaims(t, key, header(), claims(func(c map[any]any) { c[65535] = c[65533]; delete(c, 65533) })), docketcard.EINVALID, ErrMalformed},
		{"status list not a map", signClaims(t, key, header(), claims(func(c map[any]any) { c[65533] = lst })), docketcard.EINVALID, ErrMalformed},
		{"status list with integer keys", signClaims(t, key, header(), claims(func(c map[any]any) { c[65533] = map[int]any{1: 1, 2: lst} })), docketcard.EINVALID, ErrMalformed},
		{"no bits", signClaims(t, key, header(), claims(func(c map[any]any) { m := sl(); delete(m, "bits"); c[65533] = m })), docketcard.EINVALID, ErrMalformed},
		{"bits 3", signClaims(t, key, header(), claims(func(c map[any]any) { m := sl(); m["bits"] = 3; c[65533] = m })), docketcard.EINVALID, ErrBits},
		{"bits 257", signClaims(t, key, header(), claims(func(c map[any]any) { m := sl(); m["bits"] = 257; c[65533] = m })), docketcard.EINVALID, ErrBits},
		{"bits text", signClaims(t, key, header(), claims(func(c map[any]any) { m := sl(); m["bits"] = "1"; c[65533] = m })), docketcard.EINVALID, ErrBits},
		{"no lst", signClaims(t, key, header(), claims(func(c map[any]any) { m := sl(); delete(m, "lst"); c[65533] = m })), docketcard.EINVALID, ErrMalformed},
		{"lst as base64url text (the JSON form)", signClaims(t, key, header(), claims(func(c map[any]any) {
			m := sl()
			m["lst"] = base64.RawURLEncoding.EncodeToString(lst)
			c[65533] = m
		})), docketcard.EINVALID, ErrMalformed},
		{"lst as an array of bytes", signClaims(t, key, header(), claims(func(c map[any]any) {
			m := sl()
			arr := make([]int, len(lst))
			for i, b := range lst {
				arr[i] = int(b)
			}
			m["lst"] = arr
			c[65533] = m
		})), docketcard.EINVALID, ErrMalformed},
		{"lst not ZLIB", signClaims(t, key, header(), claims(func(c map[any]any) { m := sl(); m["lst"] = []byte{0xb9, 0xa3}; c[65533] = m })), docketcard.EINVALID, ErrCorrupt},
		{"aggregation_uri relative", signClaims(t, key, header(), claims(func(c map[any]any) { m := sl(); m["aggregation_uri"] = "x"; c[65533] = m })), docketcard.EINVALID, ErrMalformed},
		{"lst over the limit", signClaims(t, key, header(), claims(func(c map[any]any) {
			m := sl()
			m["lst"] = zlibOf(t, 9, make([]byte, DefaultMaxBytes+1))
			c[65533] = m
		})), docketcard.ETOOLARGE, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, msg, err := Parse(tt.token, 0)
			if tok != nil || msg != nil {
				t.Error("results with an error")
			}
			wantErr(t, err, tt.code, tt.kind)
		})
	}

	// Other claims, with integer or text keys, are allowed (Section 5.2, rule 1).
	extra := signClaims(t, key, header(), claims(func(c map[any]any) { c[1] = "https://example.com"; c["x-site"] = "HOU"; c[-70000] = []any{1, 2} }))
	if _, msg, err := Parse(extra, 0); err != nil {
		t.Errorf("extra claims: %v", err)
	} else if err := Verify(msg, &key.PublicKey); err != nil {
		t.Errorf("extra claims: %v", err)
	}
	// A float NumericDate (RFC 8392, Section 2) is allowed.
	float := signClaims(t, key, header(), claims(func(c map[any]any) { c[6] = 1686920170.5 }))
	if tok, _, err := Parse(float, 0); err != nil || tok.IssuedAt.UnixMilli() != 1686920170500 {
		t.Errorf("float iat: %v", err)
	}
}
