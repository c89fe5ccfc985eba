package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/signer"
)

// Signer purposes: what a signer certificate's key may sign.
const (
	PurposeCard   = "card"   // credentials (the CWT in the card's QR code)
	PurposeStatus = "status" // token status lists
)

// Signer statuses on a trust list.
const (
	StatusCurrent = "current" // the site signs with this key now
	StatusRetired = "retired" // no longer signs; what it signed still verifies
)

// DefaultRootName is the common name of the program root when none is given.
const DefaultRootName = "docketcard program root"

// organization is the O of every certificate we issue.
const organization = "docketcard"

// oidDocumentSigning is id-kp-documentSigning (RFC 9336), the extended key
// usage of signer certificates: they sign content shown to people.
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

// Root is the program root CA: it certifies site signer keys and signs the
// trust list. Key may be any crypto.Signer (a key file via LoadRoot, or an
// HSM key) whose public key is the certificate's.
type Root struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewRoot creates a self-signed ECDSA P-256 root CA certificate for key:
// CA:true with pathlen 0 (it certifies signers only, never another CA), key
// usage keyCertSign|cRLSign, valid from now for validity. commonName
// defaults to DefaultRootName.
func NewRoot(key crypto.Signer, commonName string, validity time.Duration, now time.Time) (*Root, error) {
	if key == nil {
		return nil, fmt.Errorf("pki: new root: no key: %w", ErrBadRoot)
	}
	if _, err := p256(key.Public()); err != nil {
		return nil, fmt.Errorf("pki: new root: %w", err)
	}
	if validity < 24*time.Hour {
		return nil, fmt.Errorf("pki: new root: validity %v is under a day: %w", validity, ErrBadRequest)
	}
	if commonName == "" {
		commonName = DefaultRootName
	}
	now = now.UTC().Truncate(time.Second)
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{organization}},
		NotBefore:             now,
		NotAfter:              now.Add(validity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId:          subjectKeyID(key.Public()),
		SignatureAlgorithm:    x509.ECDSAWithSHA256,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("pki: new root: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: new root: %w", err)
	}
	return &Root{Cert: cert, Key: key}, nil
}

// CreateRoot generates a root key, stores it at keyPath as an encrypted
// PKCS#8 PEM file (mode 0600, the same format as signer.GenerateFileKey)
// and its self-signed certificate at certPath (PEM, mode 0644). It refuses
// to overwrite either file, and leaves neither behind if it fails.
func CreateRoot(keyPath, certPath string, passphrase []byte, commonName string, validity time.Duration, now time.Time) (*Root, error) {
	for _, p := range []string{keyPath, certPath} {
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("pki: create root: %s: %w", p, signer.ErrFileExists)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("pki: create root: %w", err)
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: create root: %w", err)
	}
	root, err := NewRoot(key, commonName, validity, now)
	if err != nil {
		return nil, err
	}
	if err := signer.WriteKeyFile(keyPath, key, passphrase); err != nil {
		return nil, fmt.Errorf("pki: create root: %w", err)
	}
	if err := signer.WriteCertificateFile(certPath, root.Cert); err != nil {
		os.Remove(keyPath) // we created it just now; without its certificate it is useless
		return nil, fmt.Errorf("pki: create root: %w", err)
	}
	return root, nil
}

// LoadRoot loads a root written by CreateRoot. A wrong passphrase gives
// signer.ErrWrongPassphrase; a certificate that is not a self-signed P-256
// CA, or that is not the key's, gives ErrBadRoot.
func LoadRoot(keyPath, certPath string, passphrase []byte) (*Root, error) {
	key, err := signer.LoadKey(keyPath, passphrase)
	if err != nil {
		return nil, fmt.Errorf("pki: load root: %w", err)
	}
	cert, err := signer.ReadCertificateFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("pki: load root: %w", err)
	}
	if err := checkRootCert(cert); err != nil {
		return nil, fmt.Errorf("pki: load root %s: %w", certPath, err)
	}
	if !key.Public().(*ecdsa.PublicKey).Equal(cert.PublicKey) {
		return nil, fmt.Errorf("pki: load root: %s is not the certificate of %s: %w", certPath, keyPath, ErrBadRoot)
	}
	return &Root{Cert: cert, Key: key}, nil
}

// checkRootCert checks that cert can be the program root: a self-signed
// ECDSA P-256 CA allowed to sign certificates.
func checkRootCert(cert *x509.Certificate) error {
	if cert == nil {
		return fmt.Errorf("no root certificate: %w", ErrBadRoot)
	}
	if _, err := p256(cert.PublicKey); err != nil {
		return err
	}
	if !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("%q is not a CA certificate: %w", cert.Subject.CommonName, ErrBadRoot)
	}
	if err := cert.CheckSignatureFrom(cert); err != nil {
		return fmt.Errorf("%q is not self-signed: %v: %w", cert.Subject.CommonName, err, ErrBadRoot)
	}
	return nil
}

// IssueSigner certifies a signer public key for a site.
//
// The key may sign during its usage period [now, now+keyUsage]. The
// certificate is valid for [now, now+keyUsage+maxCardValidity], so that a
// card signed on the last day of the usage period still verifies until the
// card itself expires. The usage period is not in the certificate (RFC
// 5280's PrivateKeyUsagePeriod is deprecated and the program has no OID arc
// of its own): it is recorded in the signed trust list, whose UsageFrom and
// UsageUntil verifiers enforce (see TrustList.CheckSigner and
// NewTrustedSigner).
//
// The certificate's subject names the site and purpose: CN "docketcard
// <purpose> signer <site>", O "docketcard", OU "<site>". It is an
// end-entity certificate (CA:false) with key usage digitalSignature and
// extended key usage id-kp-documentSigning (RFC 9336). purpose is
// PurposeCard or PurposeStatus; site is a site code (docketcard.ValidateSiteCode).
func (r *Root) IssueSigner(pub crypto.PublicKey, site, purpose string, keyUsage, maxCardValidity time.Duration, now time.Time) (*x509.Certificate, error) {
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("pki: issue signer: %w", err)
	}
	if _, err := p256(pub); err != nil {
		return nil, fmt.Errorf("pki: issue signer: %w", err)
	}
	if err := docketcard.ValidateSiteCode(site); err != nil {
		return nil, fmt.Errorf("pki: issue signer: %s: %w", docketcard.ErrorMessage(err), ErrBadRequest)
	}
	if purpose != PurposeCard && purpose != PurposeStatus {
		return nil, fmt.Errorf("pki: issue signer: purpose %q is not %q or %q: %w", purpose, PurposeCard, PurposeStatus, ErrBadRequest)
	}
	if keyUsage < time.Hour || maxCardValidity < 0 {
		return nil, fmt.Errorf("pki: issue signer: key usage %v must be at least an hour and card validity %v not negative: %w", keyUsage, maxCardValidity, ErrBadRequest)
	}
	now = now.UTC().Truncate(time.Second)
	notAfter := now.Add(keyUsage + maxCardValidity)
	if now.Before(r.Cert.NotBefore) || notAfter.After(r.Cert.NotAfter) {
		return nil, fmt.Errorf("pki: issue signer: certificate validity [%s, %s] is not within the root's [%s, %s]: %w",
			now.Format(time.RFC3339), notAfter.Format(time.RFC3339), r.Cert.NotBefore.Format(time.RFC3339), r.Cert.NotAfter.Format(time.RFC3339), ErrBadRequest)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:         signerCommonName(site, purpose),
			Organization:       []string{organization},
			OrganizationalUnit: []string{site},
		},
		NotBefore:             now,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  false,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{oidDocumentSigning},
		SubjectKeyId:          subjectKeyID(pub),
		SignatureAlgorithm:    x509.ECDSAWithSHA256,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, r.Cert, pub, r.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: issue signer: %w", err)
	}
	return x509.ParseCertificate(der)
}

// check reports whether r is usable: a root certificate and its key.
func (r *Root) check() error {
	if r == nil || r.Key == nil {
		return fmt.Errorf("no root key: %w", ErrBadRoot)
	}
	if err := checkRootCert(r.Cert); err != nil {
		return err
	}
	if pub, ok := r.Key.Public().(*ecdsa.PublicKey); !ok || !pub.Equal(r.Cert.PublicKey) {
		return fmt.Errorf("root key is not the key of %q: %w", r.Cert.Subject.CommonName, ErrBadRoot)
	}
	return nil
}

func signerCommonName(site, purpose string) string {
	return "docketcard " + purpose + " signer " + site
}

// signerIdentity returns the site and purpose a signer certificate was
// issued for, from the subject IssueSigner writes.
func signerIdentity(cert *x509.Certificate) (site, purpose string, ok bool) {
	if len(cert.Subject.OrganizationalUnit) != 1 {
		return "", "", false
	}
	site = cert.Subject.OrganizationalUnit[0]
	for _, p := range []string{PurposeCard, PurposeStatus} {
		if cert.Subject.CommonName == signerCommonName(site, p) {
			return site, p, true
		}
	}
	return "", "", false
}

// p256 returns pub as an ECDSA P-256 public key.
func p256(pub crypto.PublicKey) (*ecdsa.PublicKey, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("key is %T, want ECDSA P-256: %w", pub, signer.ErrUnsupportedKey)
	}
	return k, nil
}

// subjectKeyID is the key identifier of RFC 7093 section 2 method 1: the
// leftmost 160 bits of the SHA-256 of the subjectPublicKey bit string.
func subjectKeyID(pub crypto.PublicKey) []byte {
	k, err := p256(pub)
	if err != nil {
		return nil
	}
	b, err := k.Bytes()
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(b)
	return sum[:20]
}

// newSerial returns a random positive 127-bit serial number (RFC 5280
// 4.1.2.2: positive, at most 20 octets; CA/B forum: at least 64 random bits).
func newSerial() (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[0] = b[0]&0x7f | 0x40 // positive, and always 16 octets long
	return new(big.Int).SetBytes(b), nil
}
