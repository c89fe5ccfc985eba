package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/signer"
)

func TestCreateLoadRoot(t *testing.T) {
	other := newRoot(t, "other root")
	_, leaf := issue(t, other, "HOU", PurposeCard, t0)
	tests := []struct {
		name string
		// setup prepares dir and returns the paths and passphrase to load
		// with; create says whether CreateRoot is expected to succeed.
		setup    func(t *testing.T, dir string) (keyPath, certPath string, pass []byte)
		create   error // from CreateRoot
		load     error // from LoadRoot
		wantText string
	}{
		{name: "create then load", setup: func(t *testing.T, dir string) (string, string, []byte) {
			return filepath.Join(dir, "root.key"), filepath.Join(dir, "root.pem"), testPass
		}},
		{name: "wrong passphrase", setup: func(t *testing.T, dir string) (string, string, []byte) {
			return filepath.Join(dir, "root.key"), filepath.Join(dir, "root.pem"), []byte("not the passphrase")
		}, load: signer.ErrWrongPassphrase, wantText: "does not decrypt with this passphrase"},
		{name: "empty passphrase on load", setup: func(t *testing.T, dir string) (string, string, []byte) {
			return filepath.Join(dir, "root.key"), filepath.Join(dir, "root.pem"), nil
		}, load: signer.ErrBadPassphrase, wantText: "empty"},
		{name: "certificate of another root", setup: func(t *testing.T, dir string) (string, string, []byte) {
			p := filepath.Join(dir, "other.pem")
			if err := signer.WriteCertificateFile(p, other.Cert); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "root.key"), p, testPass
		}, load: ErrBadRoot, wantText: "is not the certificate of"},
		{name: "signer certificate as root", setup: func(t *testing.T, dir string) (string, string, []byte) {
			p := filepath.Join(dir, "leaf.pem")
			if err := signer.WriteCertificateFile(p, leaf.Certificate); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "root.key"), p, testPass
		}, load: ErrBadRoot, wantText: "not a CA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			keyPath, certPath := filepath.Join(dir, "root.key"), filepath.Join(dir, "root.pem")
			created, err := CreateRoot(keyPath, certPath, testPass, "", rootValidity, t0)
			if err != nil {
				t.Fatal(err)
			}
			for path, mode := range map[string]os.FileMode{keyPath: 0o600, certPath: 0o644} {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != mode {
					t.Errorf("%s has mode %v, want %v", filepath.Base(path), fi.Mode().Perm(), mode)
				}
			}
			kp, cp, pass := tc.setup(t, dir)
			loaded, err := LoadRoot(kp, cp, pass)
			if !errors.Is(err, tc.load) {
				t.Fatalf("LoadRoot: %v, want %v", err, tc.load)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tc.wantText) {
					t.Fatalf("error %q does not say %q", err, tc.wantText)
				}
				return
			}
			if !loaded.Cert.Equal(created.Cert) || !loaded.Key.Public().(*ecdsa.PublicKey).Equal(created.Cert.PublicKey) {
				t.Fatal("loaded root differs from the created one")
			}
			// The loaded root works.
			_, s := issue(t, loaded, "ATL", PurposeCard, t0)
			if _, err := ParseTrustList(sign(t, loaded, newList(s)), created.Cert, t0); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCreateRootRefuses(t *testing.T) {
	tests := []struct {
		name       string
		existing   string // "key", "cert" or ""
		passphrase []byte
		validity   time.Duration
		want       error
	}{
		{"existing key file", "key", testPass, rootValidity, signer.ErrFileExists},
		{"existing certificate file", "cert", testPass, rootValidity, signer.ErrFileExists},
		{"short passphrase", "", []byte("short"), rootValidity, signer.ErrBadPassphrase},
		{"validity under a day", "", testPass, time.Hour, ErrBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			keyPath, certPath := filepath.Join(dir, "root.key"), filepath.Join(dir, "root.pem")
			switch tc.existing {
			case "key":
				os.WriteFile(keyPath, []byte("old key"), 0o600)
			case "cert":
				os.WriteFile(certPath, []byte("old cert"), 0o644)
			}
			_, err := CreateRoot(keyPath, certPath, tc.passphrase, "", tc.validity, t0)
			if !errors.Is(err, tc.want) {
				t.Fatalf("CreateRoot: %v, want %v", err, tc.want)
			}
			// Existing files are untouched and no new file is left behind.
			for path, old := range map[string]string{keyPath: "old key", certPath: "old cert"} {
				b, err := os.ReadFile(path)
				if tc.existing != "" && strings.Contains(old, tc.existing) {
					if string(b) != old {
						t.Errorf("%s changed to %q", filepath.Base(path), b)
					}
				} else if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s left behind (%v)", filepath.Base(path), err)
				}
			}
		})
	}
}

func TestNewRoot(t *testing.T) {
	r := newRoot(t, "")
	c := r.Cert
	if c.Subject.CommonName != DefaultRootName || c.Subject.Organization[0] != "docketcard" {
		t.Errorf("subject %v", c.Subject)
	}
	if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 0 || !c.MaxPathLenZero {
		t.Errorf("basic constraints: CA %v pathlen %d zero %v", c.IsCA, c.MaxPathLen, c.MaxPathLenZero)
	}
	if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("key usage %b", c.KeyUsage)
	}
	if !c.NotBefore.Equal(t0) || !c.NotAfter.Equal(t0.Add(rootValidity)) {
		t.Errorf("validity [%v, %v]", c.NotBefore, c.NotAfter)
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if c.SerialNumber.Sign() <= 0 || len(c.SerialNumber.Bytes()) != 16 {
		t.Errorf("serial %x", c.SerialNumber)
	}
	if len(c.SubjectKeyId) != 20 {
		t.Errorf("subject key id %x", c.SubjectKeyId)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := NewRoot(p384, "", rootValidity, t0); !errors.Is(err, signer.ErrUnsupportedKey) {
		t.Errorf("P-384 root: %v", err)
	}
}

func TestIssueSigner(t *testing.T) {
	r := newRoot(t, "")
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	tests := []struct {
		name           string
		pub            any
		site, purpose  string
		usage, maxCard time.Duration
		now            time.Time
		want           error
		wantCN         string
		wantNotAfter   time.Time
	}{
		{"card signer", newKey(t).Public(), "HOU", PurposeCard, keyUsage, maxCardValidity, t0, nil,
			"docketcard card signer HOU", t0.Add(keyUsage + maxCardValidity)},
		{"status signer a year later", newKey(t).Public(), "ATL", PurposeStatus, 30 * day, 0, t0.Add(year), nil,
			"docketcard status signer ATL", t0.Add(year + 30*day)},
		{"sub-second now is truncated", newKey(t).Public(), "HOU", PurposeCard, keyUsage, maxCardValidity, t0.Add(300 * time.Millisecond), nil,
			"docketcard card signer HOU", t0.Add(keyUsage + maxCardValidity)},
		{"lower-case site code", newKey(t).Public(), "hou", PurposeCard, keyUsage, maxCardValidity, t0, ErrBadRequest, "", time.Time{}},
		{"unknown purpose", newKey(t).Public(), "HOU", "root", keyUsage, maxCardValidity, t0, ErrBadRequest, "", time.Time{}},
		{"P-384 key", p384.Public(), "HOU", PurposeCard, keyUsage, maxCardValidity, t0, signer.ErrUnsupportedKey, "", time.Time{}},
		{"no key usage", newKey(t).Public(), "HOU", PurposeCard, 0, maxCardValidity, t0, ErrBadRequest, "", time.Time{}},
		{"outlives the root", newKey(t).Public(), "HOU", PurposeCard, keyUsage, maxCardValidity, t0.Add(rootValidity - year), ErrBadRequest, "", time.Time{}},
		{"before the root", newKey(t).Public(), "HOU", PurposeCard, keyUsage, maxCardValidity, t0.Add(-time.Hour), ErrBadRequest, "", time.Time{}},
	}
	roots := x509.NewCertPool()
	roots.AddCert(r.Cert)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cert, err := r.IssueSigner(tc.pub, tc.site, tc.purpose, tc.usage, tc.maxCard, tc.now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("IssueSigner: %v, want %v", err, tc.want)
			}
			if err != nil {
				if docketcard.ErrorCode(err) != docketcard.EINVALID {
					t.Errorf("code %q", docketcard.ErrorCode(err))
				}
				return
			}
			if cert.Subject.CommonName != tc.wantCN || cert.Subject.OrganizationalUnit[0] != tc.site {
				t.Errorf("subject %v", cert.Subject)
			}
			notBefore := tc.now.Truncate(time.Second)
			if !cert.NotBefore.Equal(notBefore) || !cert.NotAfter.Equal(tc.wantNotAfter) {
				t.Errorf("validity [%v, %v], want [%v, %v]", cert.NotBefore, cert.NotAfter, notBefore, tc.wantNotAfter)
			}
			if cert.IsCA || cert.KeyUsage != x509.KeyUsageDigitalSignature {
				t.Errorf("CA %v key usage %b", cert.IsCA, cert.KeyUsage)
			}
			if len(cert.UnknownExtKeyUsage) != 1 || !cert.UnknownExtKeyUsage[0].Equal(oidDocumentSigning) {
				t.Errorf("extended key usage %v", cert.UnknownExtKeyUsage)
			}
			if !bytes.Equal(cert.AuthorityKeyId, r.Cert.SubjectKeyId) {
				t.Errorf("authority key id %x, root's subject key id %x", cert.AuthorityKeyId, r.Cert.SubjectKeyId)
			}
			// RFC 5280 path validation by the standard library.
			if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: tc.wantNotAfter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				t.Errorf("chain: %v", err)
			}
			site, purpose, ok := signerIdentity(cert)
			if !ok || site != tc.site || purpose != tc.purpose {
				t.Errorf("signerIdentity = %q %q %v", site, purpose, ok)
			}
		})
	}
}

func TestNewTrustedSigner(t *testing.T) {
	r := newRoot(t, "")
	k := newKey(t)
	cert, err := r.IssueSigner(k.Public(), "HOU", PurposeStatus, keyUsage, maxCardValidity, t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cert  *x509.Certificate
		usage time.Duration
		want  error
	}{
		{"issued signer", cert, keyUsage, nil},
		{"usage longer than the certificate", cert, keyUsage + maxCardValidity + time.Second, ErrBadRequest},
		{"root certificate", r.Cert, keyUsage, ErrBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := NewTrustedSigner(tc.cert, tc.usage)
			if !errors.Is(err, tc.want) {
				t.Fatalf("NewTrustedSigner: %v, want %v", err, tc.want)
			}
			if err != nil {
				return
			}
			if ts.Site != "HOU" || ts.Purpose != PurposeStatus || ts.Status != StatusCurrent ||
				!ts.UsageFrom.Equal(t0) || !ts.UsageUntil.Equal(t0.Add(keyUsage)) || !bytes.Equal(ts.KeyID, signer.KeyID(cert)) {
				t.Fatalf("entry %+v", ts)
			}
		})
	}
}
