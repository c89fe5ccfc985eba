// Package signer holds the keys that sign credentials, status lists and
// trust lists behind one small interface: a crypto.Signer with its X.509
// certificate and key id. The private key never leaves its backend.
//
// Two backends exist:
//
//   - a file backend (this package): an encrypted PKCS#8 private key
//     (PEM "ENCRYPTED PRIVATE KEY", PBES2 with PBKDF2-HMAC-SHA256 and
//     AES-256-CBC, RFC 8018) beside its certificate (PEM "CERTIFICATE");
//   - a PKCS#11 backend (package signer/pkcs11, build tag pkcs11) for HSMs.
//
// The key id is the one of the EU digital COVID certificate: the first 8
// bytes of the SHA-256 of the DER signer certificate (see KeyID). It goes in
// the COSE "kid" header of every credential, and verifiers look it up in the
// signed trust list (package pki).
//
// This package is a separate security context: it imports neither net/http
// nor the database. It receives bytes that were validated elsewhere and
// returns signatures.
package signer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/docketcard/docketcard"
)

// KeyIDSize is the length in bytes of a key id.
const KeyIDSize = 8

// Signer is a signing key with its certificate; the key never leaves the
// backend. Every Signer is ECDSA P-256 and expects SHA-256 digests (COSE
// ES256).
type Signer interface {
	crypto.Signer
	// KeyID returns the 8-byte key id, SHA-256(certificate DER)[:8].
	KeyID() []byte
	// Certificate returns the signer's certificate.
	Certificate() *x509.Certificate
}

// Errors of this package. They are *docketcard.Error values, so the CLI and
// HTTP adapters map them to codes; compare with errors.Is.
var (
	// ErrWrongPassphrase means an encrypted key did not decrypt with the
	// passphrase given (or the file is corrupt in a way that looks the same).
	ErrWrongPassphrase = &docketcard.Error{Code: docketcard.EUNAUTHORIZED, Message: "The key file does not decrypt with this passphrase."}
	// ErrKeyMismatch means a private key does not belong to the certificate.
	ErrKeyMismatch = &docketcard.Error{Code: docketcard.EINVALID, Message: "The private key does not match the certificate."}
	// ErrFileExists means a key or certificate file would be overwritten.
	ErrFileExists = &docketcard.Error{Code: docketcard.ECONFLICT, Message: "The file already exists; refusing to overwrite it."}
	// ErrUnsupportedKey means a key is not ECDSA P-256.
	ErrUnsupportedKey = &docketcard.Error{Code: docketcard.EINVALID, Message: "Only ECDSA P-256 keys are supported."}
	// ErrBadPassphrase means a passphrase is empty or too short.
	ErrBadPassphrase = &docketcard.Error{Code: docketcard.EINVALID, Message: "The passphrase is empty or too short."}
	// ErrBadKeyFile means a key or certificate file is not in the expected format.
	ErrBadKeyFile = &docketcard.Error{Code: docketcard.EINVALID, Message: "The key or certificate file is not in the expected format."}
)

// KeyID returns the key id of a signer certificate: the first 8 bytes of the
// SHA-256 of its DER encoding (the EU DCC convention).
func KeyID(cert *x509.Certificate) []byte {
	sum := sha256.Sum256(cert.Raw)
	return sum[:KeyIDSize:KeyIDSize]
}

// New combines a key held by any backend with its certificate. It checks
// that the key is ECDSA P-256 and that its public half is the one the
// certificate certifies.
func New(key crypto.Signer, cert *x509.Certificate) (Signer, error) {
	if key == nil || cert == nil {
		return nil, fmt.Errorf("signer: key and certificate are required: %w", ErrKeyMismatch)
	}
	pub, err := p256PublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("signer: private key: %w", err)
	}
	certPub, err := p256PublicKey(cert.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("signer: certificate %q: %w", cert.Subject.CommonName, err)
	}
	if !pub.Equal(certPub) {
		return nil, fmt.Errorf("signer: certificate %q: %w", cert.Subject.CommonName, ErrKeyMismatch)
	}
	return &keySigner{key: key, cert: cert, kid: KeyID(cert)}, nil
}

// p256PublicKey returns pub as an ECDSA P-256 key, or ErrUnsupportedKey.
func p256PublicKey(pub crypto.PublicKey) (*ecdsa.PublicKey, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, ErrUnsupportedKey
	}
	return k, nil
}

// keySigner is a Signer over any crypto.Signer.
type keySigner struct {
	key  crypto.Signer
	cert *x509.Certificate
	kid  []byte
}

func (s *keySigner) Public() crypto.PublicKey       { return s.key.Public() }
func (s *keySigner) KeyID() []byte                  { return append([]byte(nil), s.kid...) }
func (s *keySigner) Certificate() *x509.Certificate { return s.cert }

// Sign signs a SHA-256 digest and returns an ASN.1 DER ECDSA signature.
// opts may be nil (go-cose passes nil); otherwise it must name SHA-256.
func (s *keySigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts != nil && opts.HashFunc() != crypto.SHA256 {
		return nil, fmt.Errorf("signer: %s: only SHA-256 digests are signed, got %v", s, opts.HashFunc())
	}
	if len(digest) != sha256.Size {
		return nil, fmt.Errorf("signer: %s: digest is %d bytes, want %d (SHA-256)", s, len(digest), sha256.Size)
	}
	return s.key.Sign(rand, digest, crypto.SHA256)
}

// String names the signer by key id and subject, never by key material.
func (s *keySigner) String() string {
	return fmt.Sprintf("signer kid=%s subject=%q", hex.EncodeToString(s.kid), s.cert.Subject.CommonName)
}

// GoString is String, so %#v cannot print the key either.
func (s *keySigner) GoString() string { return s.String() }
