//go:build pkcs11

package pkcs11

import (
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/ThalesGroup/crypto11"
	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/signer"
)

var (
	// ErrKeyNotFound means no key pair on the token has the label.
	ErrKeyNotFound = &docketcard.Error{Code: docketcard.ENOTFOUND, Message: "No key with this label on the token."}
	// ErrKeyExists means GenerateKey found a key with the label already.
	ErrKeyExists = &docketcard.Error{Code: docketcard.ECONFLICT, Message: "A key with this label exists on the token; refusing to make another."}
	// ErrAmbiguousKey means more than one key pair has the label.
	ErrAmbiguousKey = &docketcard.Error{Code: docketcard.ECONFLICT, Message: "More than one key on the token has this label."}
	// ErrToken means the module could not be loaded, the token was not
	// found, or the PIN was refused.
	ErrToken = &docketcard.Error{Code: docketcard.EUNAVAILABLE, Message: "The PKCS#11 token could not be opened."}
)

// Signer is a signer.Signer whose key is on a PKCS#11 token. Close it when
// done: it holds a session with the token.
type Signer struct {
	signer.Signer
	ctx *crypto11.Context
}

// Close ends the session with the token.
func (s *Signer) Close() error { return s.ctx.Close() }

// configure opens a session with the token and logs in.
func configure(modulePath, tokenLabel, pin string) (*crypto11.Context, error) {
	if modulePath == "" || tokenLabel == "" {
		return nil, fmt.Errorf("pkcs11: module path and token label are required: %w", ErrToken)
	}
	ctx, err := crypto11.Configure(&crypto11.Config{Path: modulePath, TokenLabel: tokenLabel, Pin: pin})
	if err != nil {
		// crypto11's errors name the module and token, never the PIN.
		return nil, fmt.Errorf("pkcs11: token %q in %s: %v: %w", tokenLabel, modulePath, err, ErrToken)
	}
	return ctx, nil
}

// findKey returns the one key pair labelled keyLabel.
func findKey(ctx *crypto11.Context, tokenLabel, keyLabel string) (crypto11.Signer, error) {
	keys, err := ctx.FindKeyPairs(nil, []byte(keyLabel))
	if err != nil {
		return nil, fmt.Errorf("pkcs11: token %q: find key %q: %v: %w", tokenLabel, keyLabel, err, ErrToken)
	}
	switch len(keys) {
	case 0:
		return nil, fmt.Errorf("pkcs11: token %q: key %q: %w", tokenLabel, keyLabel, ErrKeyNotFound)
	case 1:
		return keys[0], nil
	default:
		return nil, fmt.Errorf("pkcs11: token %q: %d keys labelled %q: %w", tokenLabel, len(keys), keyLabel, ErrAmbiguousKey)
	}
}

// Open returns the signer whose key is labelled keyLabel on the token
// labelled tokenLabel, with its certificate. It fails with
// signer.ErrKeyMismatch unless cert certifies that key. The result is a
// *Signer; close it when done.
//
// PKCS#11 login state belongs to the process: while another Signer of the
// same token is open, the token is already logged in and crypto11 does not
// check pin again.
func Open(modulePath, tokenLabel, pin, keyLabel string, cert *x509.Certificate) (signer.Signer, error) {
	if keyLabel == "" {
		return nil, fmt.Errorf("pkcs11: key label is required: %w", ErrKeyNotFound)
	}
	ctx, err := configure(modulePath, tokenLabel, pin)
	if err != nil {
		return nil, err
	}
	key, err := findKey(ctx, tokenLabel, keyLabel)
	if err != nil {
		ctx.Close()
		return nil, err
	}
	s, err := signer.New(key, cert)
	if err != nil {
		ctx.Close()
		return nil, fmt.Errorf("pkcs11: token %q key %q: %w", tokenLabel, keyLabel, err)
	}
	return &Signer{Signer: s, ctx: ctx}, nil
}

// GenerateKey generates an ECDSA P-256 key pair labelled keyLabel on the
// token, non-extractable, and returns its public key for certification.
// It refuses if a key with that label exists (ErrKeyExists).
func GenerateKey(modulePath, tokenLabel, pin, keyLabel string) (crypto.PublicKey, error) {
	if keyLabel == "" {
		return nil, docketcard.Errorf(docketcard.EINVALID, "pkcs11: a key label is required")
	}
	ctx, err := configure(modulePath, tokenLabel, pin)
	if err != nil {
		return nil, err
	}
	defer ctx.Close()
	if _, err := findKey(ctx, tokenLabel, keyLabel); err == nil {
		return nil, fmt.Errorf("pkcs11: token %q: key %q: %w", tokenLabel, keyLabel, ErrKeyExists)
	} else if !errors.Is(err, ErrKeyNotFound) {
		return nil, err
	}
	id := make([]byte, 16)
	rand.Read(id)
	key, err := ctx.GenerateECDSAKeyPairWithLabel(id, []byte(keyLabel), elliptic.P256())
	if err != nil {
		return nil, fmt.Errorf("pkcs11: token %q: generate key %q: %v: %w", tokenLabel, keyLabel, err, ErrToken)
	}
	return key.Public(), nil
}
