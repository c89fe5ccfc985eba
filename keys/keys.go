// Package keys manages the program's key directory: the root CA's
// certificate (and, on the offline machine, its encrypted key), one
// signer key and certificate per site and purpose, a registry of them
// with their status (current or retired), and the signed trust list that
// verifiers download. The server opens the directory read-only through a
// Keyring, which reloads on change so a new signer can be rolled out with
// no downtime.
//
// Layout:
//
//	root.crt                     the program root certificate (pinned by verifiers)
//	root.key                     the root key, encrypted PKCS#8 — keep it offline
//	signers/SITE/PURPOSE-KID.key signer keys, encrypted PKCS#8 (PURPOSE is card or status)
//	signers/SITE/PURPOSE-KID.crt signer certificates, issued by the root
//	registry.json                every signer: site, purpose, status, usage period
//	trust-list.cose              the trust list, COSE_Sign1 signed by the root
package keys

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/pki"
	"github.com/docketcard/docketcard/signer"
)

// ProgramSite is the pseudo-site that holds program-wide keys (the
// status-list signer).
const ProgramSite = "PROGRAM"

// Purposes of signer keys.
const (
	PurposeCard   = "card"
	PurposeStatus = "status"
)

// Entry is one signer in the registry.
type Entry struct {
	KeyID      string    `json:"key_id"` // hex
	Site       string    `json:"site"`
	Purpose    string    `json:"purpose"`
	Status     string    `json:"status"` // current | retired
	UsageFrom  time.Time `json:"usage_from"`
	UsageUntil time.Time `json:"usage_until"`
	CertFile   string    `json:"cert_file"` // relative to the directory
	KeyFile    string    `json:"key_file"`
}

// Registry lists every signer ever issued.
type Registry struct {
	Sequence uint64  `json:"sequence"` // bumped at every trust-list change
	Signers  []Entry `json:"signers"`
}

func readRegistry(dir string) (*Registry, error) {
	b, err := os.ReadFile(filepath.Join(dir, "registry.json"))
	if errors.Is(err, os.ErrNotExist) {
		return &Registry{}, nil
	} else if err != nil {
		return nil, err
	}
	var r Registry
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("keys: registry.json: %w", err)
	}
	return &r, nil
}

// writeAtomic writes data to path through a temporary file and rename.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (r *Registry) write(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, "registry.json"), b, 0o644)
}

// InitRoot creates the program root CA in dir.
func InitRoot(dir string, passphrase []byte, commonName string, validity time.Duration, now time.Time) (*pki.Root, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return pki.CreateRoot(filepath.Join(dir, "root.key"), filepath.Join(dir, "root.crt"), passphrase, commonName, validity, now)
}

// LoadRoot loads the root key (for signing certificates and trust lists).
func LoadRoot(dir string, passphrase []byte) (*pki.Root, error) {
	return pki.LoadRoot(filepath.Join(dir, "root.key"), filepath.Join(dir, "root.crt"), passphrase)
}

// RootCert reads the root certificate (PEM or DER).
func RootCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if p, _ := pem.Decode(b); p != nil {
		b = p.Bytes
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("keys: %s is not a certificate: %w", path, err)
	}
	return c, nil
}

// NewSigner generates a signer key for site and purpose, has the root
// certify it, makes it current and retires the previous current signer
// of that site and purpose (which keeps verifying). The caller then
// publishes a new trust list.
func NewSigner(dir string, root *pki.Root, site, purpose string, signerPass []byte, keyUsage, maxCardValidity time.Duration, now time.Time) (*Entry, error) {
	site = strings.ToUpper(site)
	if site != ProgramSite {
		if err := docketcard.ValidateSiteCode(site); err != nil {
			return nil, err
		}
	}
	if purpose != PurposeCard && purpose != PurposeStatus {
		return nil, docketcard.Errorf(docketcard.EINVALID, "purpose must be card or status, not %q", purpose)
	}
	reg, err := readRegistry(dir)
	if err != nil {
		return nil, err
	}
	sdir := filepath.Join(dir, "signers", site)
	if err := os.MkdirAll(sdir, 0o700); err != nil {
		return nil, err
	}
	tmpKey := filepath.Join(sdir, fmt.Sprintf("%s-new-%d.key", purpose, now.UnixNano()))
	pub, err := signer.GenerateFileKey(tmpKey, signerPass)
	if err != nil {
		return nil, err
	}
	cert, err := root.IssueSigner(pub, site, purpose, keyUsage, maxCardValidity, now)
	if err != nil {
		os.Remove(tmpKey)
		return nil, err
	}
	kid := hex.EncodeToString(signer.KeyID(cert))
	base := fmt.Sprintf("%s-%s", purpose, kid)
	keyFile, certFile := filepath.Join("signers", site, base+".key"), filepath.Join("signers", site, base+".crt")
	if err := os.Rename(tmpKey, filepath.Join(dir, keyFile)); err != nil {
		return nil, err
	}
	if err := writeAtomic(filepath.Join(dir, certFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		return nil, err
	}
	for i := range reg.Signers {
		if reg.Signers[i].Site == site && reg.Signers[i].Purpose == purpose && reg.Signers[i].Status == "current" {
			// Retired: it stops signing now but keeps verifying.
			reg.Signers[i].Status = "retired"
			if reg.Signers[i].UsageUntil.After(now) {
				reg.Signers[i].UsageUntil = now.UTC()
			}
		}
	}
	e := Entry{KeyID: kid, Site: site, Purpose: purpose, Status: "current", UsageFrom: now.UTC(), UsageUntil: now.Add(keyUsage).UTC(),
		CertFile: certFile, KeyFile: keyFile}
	reg.Signers = append(reg.Signers, e)
	if err := reg.write(dir); err != nil {
		return nil, err
	}
	return &e, nil
}

// BuildTrustList assembles the trust list from the registry: every signer
// whose certificate has not expired, current and retired.
func BuildTrustList(dir string, now time.Time, validity time.Duration) (*pki.TrustList, error) {
	reg, err := readRegistry(dir)
	if err != nil {
		return nil, err
	}
	tl := &pki.TrustList{IssuedAt: now.UTC().Truncate(time.Second), NextUpdate: now.Add(validity).UTC().Truncate(time.Second)}
	for _, e := range reg.Signers {
		cert, err := RootCert(filepath.Join(dir, e.CertFile))
		if err != nil {
			return nil, err
		}
		if now.After(cert.NotAfter) {
			continue
		}
		kid, _ := hex.DecodeString(e.KeyID)
		tl.Signers = append(tl.Signers, pki.TrustedSigner{KeyID: kid, Site: e.Site, Purpose: e.Purpose, Status: e.Status,
			UsageFrom: e.UsageFrom, UsageUntil: e.UsageUntil, Certificate: cert})
	}
	sort.Slice(tl.Signers, func(i, j int) bool {
		return hex.EncodeToString(tl.Signers[i].KeyID) < hex.EncodeToString(tl.Signers[j].KeyID)
	})
	reg.Sequence++
	tl.Sequence = reg.Sequence
	if err := reg.write(dir); err != nil {
		return nil, err
	}
	return tl, nil
}

// PublishTrustList signs the current registry's trust list with the root
// and writes it to dir/trust-list.cose (and returns the bytes).
func PublishTrustList(dir string, root *pki.Root, now time.Time, validity time.Duration) ([]byte, error) {
	tl, err := BuildTrustList(dir, now, validity)
	if err != nil {
		return nil, err
	}
	b, err := root.SignTrustList(tl)
	if err != nil {
		return nil, err
	}
	return b, writeAtomic(filepath.Join(dir, "trust-list.cose"), b, 0o644)
}

// Keyring is the server's read-only view of the key directory: the
// current signer of each site and purpose, and the published trust list.
type Keyring struct {
	dir        string
	passphrase []byte
	root       *x509.Certificate
	now        func() time.Time

	mu      sync.RWMutex
	mtime   time.Time
	trust   *pki.TrustList
	raw     []byte
	signers map[string]signer.Signer // site/purpose → current signer
}

// Open loads the key directory. The root certificate is the pinned trust
// anchor (by default dir/root.crt).
func Open(dir string, passphrase []byte, root *x509.Certificate, now func() time.Time) (*Keyring, error) {
	if now == nil {
		now = time.Now
	}
	k := &Keyring{dir: dir, passphrase: passphrase, root: root, now: now}
	if err := k.Reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// Reload re-reads the trust list and signer keys if trust-list.cose
// changed since the last load. A bad new list keeps the old keys in use.
func (k *Keyring) Reload() error {
	path := filepath.Join(k.dir, "trust-list.cose")
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("keys: no trust list in %s (run `docketcard keys trust-list`): %w", k.dir, err)
	}
	k.mu.RLock()
	same := fi.ModTime().Equal(k.mtime) && k.trust != nil
	k.mu.RUnlock()
	if same {
		return nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	tl, err := pki.ParseTrustList(raw, k.root, k.now())
	if err != nil {
		return fmt.Errorf("keys: trust list: %w", err)
	}
	reg, err := readRegistry(k.dir)
	if err != nil {
		return err
	}
	signers := map[string]signer.Signer{}
	for _, e := range reg.Signers {
		if e.Status != "current" {
			continue
		}
		kid, _ := hex.DecodeString(e.KeyID)
		if _, ok := tl.Lookup(kid); !ok {
			continue // not published yet: verifiers could not check it
		}
		s, err := signer.LoadFile(filepath.Join(k.dir, e.KeyFile), filepath.Join(k.dir, e.CertFile), k.passphrase)
		if err != nil {
			return fmt.Errorf("keys: signer %s/%s %s: %w", e.Site, e.Purpose, e.KeyID, err)
		}
		signers[e.Site+"/"+e.Purpose] = s
	}
	k.mu.Lock()
	k.mtime, k.trust, k.raw, k.signers = fi.ModTime(), tl, raw, signers
	k.mu.Unlock()
	return nil
}

// Signer returns the current, published signer for site and purpose.
func (k *Keyring) Signer(site, purpose string) (signer.Signer, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	s, ok := k.signers[site+"/"+purpose]
	if !ok {
		return nil, docketcard.Errorf(docketcard.EUNAVAILABLE, "No published %s signing key for site %s: run `docketcard keys new-signer -site %s` and `docketcard keys trust-list`.", purpose, site, site)
	}
	return s, nil
}

// TrustList returns the parsed trust list and its signed bytes.
func (k *Keyring) TrustList() (*pki.TrustList, []byte) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.trust, k.raw
}

// Root returns the pinned root certificate.
func (k *Keyring) Root() *x509.Certificate { return k.root }
