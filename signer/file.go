package signer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

const (
	// MinPassphraseLen is the shortest passphrase accepted for a new key
	// file. Existing files load with any non-empty passphrase.
	MinPassphraseLen = 12

	// maxPassphraseFile bounds what ReadPassphrase reads.
	maxPassphraseFile = 4096
	// maxPEMFile bounds key and certificate files.
	maxPEMFile = 1 << 20

	pemCertificate = "CERTIFICATE"
)

// GenerateFileKey creates a new ECDSA P-256 key and writes it to keyPath as
// an encrypted PKCS#8 PEM file with mode 0600. It refuses to overwrite an
// existing file (ErrFileExists) and refuses a passphrase shorter than
// MinPassphraseLen bytes. It returns the public key, to be certified (see
// pki.Root.IssueSigner) and then loaded with LoadFile.
func GenerateFileKey(keyPath string, passphrase []byte) (crypto.PublicKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("signer: generate key: %w", err)
	}
	if err := WriteKeyFile(keyPath, key, passphrase); err != nil {
		return nil, err
	}
	return key.Public(), nil
}

// WriteKeyFile writes key to keyPath as an encrypted PKCS#8 PEM file with
// mode 0600, refusing to overwrite an existing file. GenerateFileKey uses
// it; so does package pki for the root key.
func WriteKeyFile(keyPath string, key *ecdsa.PrivateKey, passphrase []byte) error {
	if len(passphrase) < MinPassphraseLen {
		return fmt.Errorf("signer: new key %s: passphrase is %d bytes, want at least %d: %w", keyPath, len(passphrase), MinPassphraseLen, ErrBadPassphrase)
	}
	if _, err := p256PublicKey(&key.PublicKey); err != nil {
		return fmt.Errorf("signer: new key %s: %w", keyPath, err)
	}
	if _, err := os.Lstat(keyPath); err == nil { // fail before the slow key derivation
		return fmt.Errorf("signer: write key: %s: %w", keyPath, ErrFileExists)
	}
	der, err := marshalEncryptedKey(key, passphrase)
	if err != nil {
		return fmt.Errorf("signer: encrypt key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: pemEncryptedKey, Bytes: der})
	if err := writeNewFile(keyPath, data, 0o600); err != nil {
		return fmt.Errorf("signer: write key: %w", err)
	}
	return nil
}

// LoadKey decrypts the encrypted PKCS#8 PEM file at keyPath. A wrong
// passphrase gives ErrWrongPassphrase; an unencrypted or malformed file
// gives ErrBadKeyFile.
func LoadKey(keyPath string, passphrase []byte) (crypto.Signer, error) {
	if len(passphrase) == 0 {
		return nil, fmt.Errorf("signer: key %s: passphrase is empty: %w", keyPath, ErrBadPassphrase)
	}
	data, err := readSmallFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("signer: read key: %w", err)
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("signer: key %s: no PEM block: %w", keyPath, ErrBadKeyFile)
	}
	switch {
	case block.Type == "PRIVATE KEY" || block.Type == "EC PRIVATE KEY":
		return nil, fmt.Errorf("signer: key %s is not encrypted (PEM %q); re-encrypt it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256: %w", keyPath, block.Type, ErrBadKeyFile)
	case block.Type != pemEncryptedKey:
		return nil, fmt.Errorf("signer: key %s: PEM block is %q, want %q: %w", keyPath, block.Type, pemEncryptedKey, ErrBadKeyFile)
	case len(bytes.TrimSpace(rest)) != 0:
		return nil, fmt.Errorf("signer: key %s: data after the PEM block: %w", keyPath, ErrBadKeyFile)
	}
	key, err := parseEncryptedKey(block.Bytes, passphrase)
	if err != nil {
		return nil, fmt.Errorf("signer: key %s: %w", keyPath, err)
	}
	return key, nil
}

// LoadFile loads the file backend: an encrypted PKCS#8 key and its
// certificate. It fails with ErrKeyMismatch unless the key is the one the
// certificate certifies.
func LoadFile(keyPath, certPath string, passphrase []byte) (Signer, error) {
	key, err := LoadKey(keyPath, passphrase)
	if err != nil {
		return nil, err
	}
	cert, err := ReadCertificateFile(certPath)
	if err != nil {
		return nil, err
	}
	s, err := New(key, cert)
	if err != nil {
		return nil, fmt.Errorf("signer: %s and %s: %w", keyPath, certPath, err)
	}
	return s, nil
}

// ReadPassphrase reads a passphrase from a file, trimming one trailing
// newline ("\n" or "\r\n"). An empty passphrase is an error, and so is a
// file over 4 KiB.
func ReadPassphrase(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("signer: passphrase file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPassphraseFile+1))
	if err != nil {
		return nil, fmt.Errorf("signer: passphrase file: %w", err)
	}
	if len(b) > maxPassphraseFile {
		return nil, fmt.Errorf("signer: passphrase file %s is over %d bytes: %w", file, maxPassphraseFile, ErrBadPassphrase)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, fmt.Errorf("signer: passphrase file %s is empty: %w", file, ErrBadPassphrase)
	}
	return b, nil
}

// ReadCertificateFile reads the first PEM "CERTIFICATE" block of a file
// (later blocks, such as the rest of a chain, are ignored).
func ReadCertificateFile(path string) (*x509.Certificate, error) {
	data, err := readSmallFile(path)
	if err != nil {
		return nil, fmt.Errorf("signer: read certificate: %w", err)
	}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, fmt.Errorf("signer: %s: no PEM %q block: %w", path, pemCertificate, ErrBadKeyFile)
		}
		if block.Type != pemCertificate {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("signer: %s: %w (%v)", path, ErrBadKeyFile, err)
		}
		return cert, nil
	}
}

// WriteCertificateFile writes cert as PEM to path with mode 0644, refusing
// to overwrite an existing file.
func WriteCertificateFile(path string, cert *x509.Certificate) error {
	data := pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: cert.Raw})
	if err := writeNewFile(path, data, 0o644); err != nil {
		return fmt.Errorf("signer: write certificate: %w", err)
	}
	return nil
}

// readSmallFile reads a file of at most maxPEMFile bytes.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPEMFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxPEMFile {
		return nil, fmt.Errorf("%s is over %d bytes: %w", path, maxPEMFile, ErrBadKeyFile)
	}
	return b, nil
}

// writeNewFile creates path with perm and writes data, failing with
// ErrFileExists if it exists. On failure nothing is left behind.
func writeNewFile(path string, data []byte, perm os.FileMode) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s: %w", path, ErrFileExists)
	} else if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	if err := f.Chmod(perm); err != nil { // exact mode whatever the umask
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}
