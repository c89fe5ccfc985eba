//go:build pkcs11

package pkcs11

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketcard/docketcard/internal/testenv"
	"github.com/docketcard/docketcard/pki"
	"github.com/docketcard/docketcard/signer"
	"github.com/veraison/go-cose"
)

const (
	tokenLabel = "docketcard-test"
	userPIN    = "87654321"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// softHSMModule finds the SoftHSM2 PKCS#11 module (Debian package softhsm2),
// or the one named by DOCKETCARD_TEST_SOFTHSM_MODULE.
func softHSMModule(t *testing.T) string {
	t.Helper()
	candidates := []string{"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"}
	if m := os.Getenv("DOCKETCARD_TEST_SOFTHSM_MODULE"); m != "" {
		candidates = []string{m}
	}
	for _, m := range candidates {
		if _, err := os.Stat(m); err == nil {
			return m
		}
	}
	testenv.Need(t, false, "the SoftHSM2 PKCS#11 module", "install the Debian package softhsm2 or set DOCKETCARD_TEST_SOFTHSM_MODULE")
	return ""
}

// newToken makes a SoftHSM2 token store in a temporary directory, points
// SOFTHSM2_CONF at it and initialises a token.
func newToken(t *testing.T) string {
	t.Helper()
	util := testenv.NeedCommand(t, "softhsm2-util", "softhsm2")
	module := softHSMModule(t)
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf) // read by the module when crypto11 initialises it
	out, err := exec.Command(util, "--init-token", "--free", "--label", tokenLabel, "--so-pin", "12345678", "--pin", userPIN).CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	return module
}

func TestSoftHSM(t *testing.T) {
	module := newToken(t)

	pub, err := GenerateKey(module, tokenLabel, userPIN, "HOU-card-1")
	if err != nil {
		t.Fatal(err)
	}
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	root, err := pki.NewRoot(rootKey, "", 20*365*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	const keyUsage, cardValidity = 90 * 24 * time.Hour, 5 * 365 * 24 * time.Hour
	cert, err := root.IssueSigner(pub, "HOU", pki.PurposeCard, keyUsage, cardValidity, now)
	if err != nil {
		t.Fatal(err)
	}
	otherCert, err := root.IssueSigner(rootKey.Public(), "ATL", pki.PurposeCard, keyUsage, cardValidity, now)
	if err != nil {
		t.Fatal(err)
	}

	s, err := Open(module, tokenLabel, userPIN, "HOU-card-1", cert)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if s != nil {
			s.(*Signer).Close()
		}
	}()
	if !bytes.Equal(s.KeyID(), signer.KeyID(cert)) {
		t.Fatalf("KeyID %x, want %x", s.KeyID(), signer.KeyID(cert))
	}

	t.Run("COSE_Sign1 ES256 through the token", func(t *testing.T) {
		cs, err := cose.NewSigner(cose.AlgorithmES256, s)
		if err != nil {
			t.Fatal(err)
		}
		hdr := cose.Headers{Protected: cose.ProtectedHeader{
			cose.HeaderLabelAlgorithm: cose.AlgorithmES256,
			cose.HeaderLabelKeyID:     s.KeyID(),
		}}
		b, err := cose.Sign1(rand.Reader, cs, hdr, []byte("a card's claims"), nil)
		if err != nil {
			t.Fatal(err)
		}
		// Verify as a field verifier would: kid -> trust list -> certificate.
		ts, err := pki.NewTrustedSigner(cert, keyUsage)
		if err != nil {
			t.Fatal(err)
		}
		signed, err := root.SignTrustList(&pki.TrustList{Sequence: 1, IssuedAt: now, NextUpdate: now.Add(24 * time.Hour), Signers: []pki.TrustedSigner{ts}})
		if err != nil {
			t.Fatal(err)
		}
		tl, err := pki.ParseTrustList(signed, root.Cert, now)
		if err != nil {
			t.Fatal(err)
		}
		var msg cose.Sign1Message
		if err := msg.UnmarshalCBOR(b); err != nil {
			t.Fatal(err)
		}
		kid, _ := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
		entry, err := tl.CheckSigner(kid, now, now.Add(time.Hour), pki.PurposeCard)
		if err != nil {
			t.Fatal(err)
		}
		v, err := cose.NewVerifier(cose.AlgorithmES256, entry.Certificate.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := msg.Verify(nil, v); err != nil {
			t.Fatalf("signature from the token does not verify: %v", err)
		}
		msg.Payload = []byte("another card's claims")
		if err := msg.Verify(nil, v); err == nil {
			t.Fatal("signature verifies for another payload")
		}
	})

	// PKCS#11 login state is per process and token: while s is open the
	// token stays logged in and a wrong PIN would not be checked.
	s.(*Signer).Close()
	s = nil

	open := func(pin, keyLabel string, c *x509.Certificate) error {
		s, err := Open(module, tokenLabel, pin, keyLabel, c)
		if err == nil {
			s.(*Signer).Close()
		}
		return err
	}
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"generate with a label in use", func() error {
			_, err := GenerateKey(module, tokenLabel, userPIN, "HOU-card-1")
			return err
		}, ErrKeyExists},
		{"open again", func() error { return open(userPIN, "HOU-card-1", cert) }, nil},
		{"open an unknown key label", func() error { return open(userPIN, "no-such-key", cert) }, ErrKeyNotFound},
		{"open with the certificate of another key", func() error { return open(userPIN, "HOU-card-1", otherCert) }, signer.ErrKeyMismatch},
		{"wrong PIN", func() error { return open("00000000", "HOU-card-1", cert) }, ErrToken},
		{"unknown token", func() error {
			s, err := Open(module, "no-such-token", userPIN, "HOU-card-1", cert)
			if err == nil {
				s.(*Signer).Close()
			}
			return err
		}, ErrToken},
		{"no such module", func() error {
			_, err := GenerateKey(filepath.Join(t.TempDir(), "nope.so"), tokenLabel, userPIN, "k")
			return err
		}, ErrToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			} else if err != nil && bytes.Contains([]byte(err.Error()), []byte(userPIN)) {
				t.Fatalf("error %q shows the PIN", err)
			}
		})
	}

	t.Run("second key on the same token", func(t *testing.T) {
		pub2, err := GenerateKey(module, tokenLabel, userPIN, "HOU-card-2")
		if err != nil {
			t.Fatal(err)
		}
		if pub2.(*ecdsa.PublicKey).Equal(pub) {
			t.Fatal("same key generated twice")
		}
	})
}
