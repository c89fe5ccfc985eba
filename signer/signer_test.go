package signer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/veraison/go-cose"
)

func TestMain(m *testing.M) {
	// Key derivation at the production count costs ~0.3 s per file; tests
	// that do not check the count itself use the smallest accepted one.
	kdfIterations = minIterations
	os.Exit(m.Run())
}

// testNow is the injected clock of these tests.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// selfSigned returns a self-signed certificate for key.
func selfSigned(t testing.TB, key crypto.Signer, cn string) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    testNow,
		NotAfter:     testNow.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func newP256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyID(t *testing.T) {
	dcc, err := ReadCertificateFile("testdata/dcc-at-dsc.pem")
	if err != nil {
		t.Fatal(err)
	}
	ossl, err := ReadCertificateFile("testdata/openssl-p256.cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	osslSum := sha256.Sum256(ossl.Raw)
	tests := []struct {
		name string
		cert *x509.Certificate
		want string
	}{
		// Fixed vector: the kid of this certificate in the EU DCC test data.
		{"EU DCC AT DSC 1", dcc, "d919375fc1e7b6b2"},
		{"openssl certificate", ossl, hex.EncodeToString(osslSum[:8])},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := KeyID(tc.cert)
			if hex.EncodeToString(got) != tc.want {
				t.Fatalf("KeyID = %x, want %s", got, tc.want)
			}
			if len(got) != KeyIDSize || cap(got) != KeyIDSize {
				t.Fatalf("KeyID has len %d cap %d, want %d", len(got), cap(got), KeyIDSize)
			}
		})
	}
}

// The kid in the protected header of a real EU DCC is KeyID of the
// certificate that verifies it.
func TestKeyIDMatchesDCCHeader(t *testing.T) {
	cert, err := ReadCertificateFile("testdata/dcc-at-dsc.pem")
	if err != nil {
		t.Fatal(err)
	}
	hx, err := os.ReadFile("testdata/dcc-at-1.cose.hex")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(hx)))
	if err != nil {
		t.Fatal(err)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(raw); err != nil {
		t.Fatal(err)
	}
	kid, _ := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
	if !bytes.Equal(kid, KeyID(cert)) {
		t.Fatalf("DCC kid %x, KeyID %x", kid, KeyID(cert))
	}
	v, err := cose.NewVerifier(cose.AlgorithmES256, cert.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := msg.Verify(nil, v); err != nil {
		t.Fatalf("DCC signature does not verify: %v", err)
	}
}

func TestNew(t *testing.T) {
	key := newP256(t)
	cert := selfSigned(t, key, "a")
	other := selfSigned(t, newP256(t), "b")
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  crypto.Signer
		cert *x509.Certificate
		want error
	}{
		{"matching key", key, cert, nil},
		{"key of another certificate", key, other, ErrKeyMismatch},
		{"P-384 key", p384, cert, ErrUnsupportedKey},
		{"P-384 certificate", key, selfSigned(t, p384, "c"), ErrUnsupportedKey},
		{"nil certificate", key, nil, ErrKeyMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.key, tc.cert)
			if !errors.Is(err, tc.want) {
				t.Fatalf("New: %v, want %v", err, tc.want)
			}
			if err != nil {
				return
			}
			if !bytes.Equal(s.KeyID(), KeyID(tc.cert)) || s.Certificate() != tc.cert {
				t.Fatal("KeyID or Certificate not those of the certificate")
			}
		})
	}
}

func TestSign(t *testing.T) {
	key := newP256(t)
	s, err := New(key, selfSigned(t, key, "sign test"))
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("hello"))
	d384 := sha512.Sum384([]byte("hello"))
	tests := []struct {
		name    string
		digest  []byte
		opts    crypto.SignerOpts
		wantErr string
	}{
		{"SHA-256 with opts", digest[:], crypto.SHA256, ""},
		{"SHA-256 with nil opts (go-cose)", digest[:], nil, ""},
		{"SHA-384 opts", d384[:], crypto.SHA384, "only SHA-256"},
		{"wrong digest length", d384[:], nil, "digest is 48 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := s.Sign(rand.Reader, tc.digest, tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Sign: %v, want error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !ecdsa.VerifyASN1(&key.PublicKey, tc.digest, sig) {
				t.Fatal("signature does not verify")
			}
		})
	}
	// The signer never prints key material.
	d := key.D.Text(16)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v", s, s, s)} {
		if strings.Contains(out, d) || !strings.Contains(out, hex.EncodeToString(s.KeyID())) {
			t.Fatalf("printed signer %q", out)
		}
	}
}

// COSE_Sign1 ES256 through the Signer interface (not *ecdsa.PrivateKey),
// the way credentials are signed.
func TestSignCOSE(t *testing.T) {
	key := newP256(t)
	s, err := New(key, selfSigned(t, key, "cose test"))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cose.NewSigner(cose.AlgorithmES256, s)
	if err != nil {
		t.Fatal(err)
	}
	hdr := cose.Headers{Protected: cose.ProtectedHeader{
		cose.HeaderLabelAlgorithm: cose.AlgorithmES256,
		cose.HeaderLabelKeyID:     s.KeyID(),
	}}
	b, err := cose.Sign1(rand.Reader, cs, hdr, []byte("payload"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(b); err != nil {
		t.Fatal(err)
	}
	v, err := cose.NewVerifier(cose.AlgorithmES256, s.Certificate().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := msg.Verify(nil, v); err != nil {
		t.Fatal(err)
	}
}

// Sentinel errors carry a code and a safe message for the adapters.
func TestErrorCodes(t *testing.T) {
	err := fmt.Errorf("signer: key /x: %w", ErrWrongPassphrase)
	if docketcard.ErrorCode(err) != docketcard.EUNAUTHORIZED || strings.Contains(docketcard.ErrorMessage(err), "/x") {
		t.Fatalf("code %q message %q", docketcard.ErrorCode(err), docketcard.ErrorMessage(err))
	}
}
