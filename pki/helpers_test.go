package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"
)

// t0 is the injected clock of these tests; nothing here reads time.Now.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	day             = 24 * time.Hour
	year            = 365 * day
	rootValidity    = 20 * year
	keyUsage        = 90 * day
	maxCardValidity = 5 * year
)

var testPass = []byte("root passphrase for tests")

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newRoot makes an in-memory root valid from t0.
func newRoot(t testing.TB, name string) *Root {
	t.Helper()
	r, err := NewRoot(newKey(t), name, rootValidity, t0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// issue certifies a new key for site and purpose at now and returns its
// trust list entry (status current).
func issue(t testing.TB, r *Root, site, purpose string, now time.Time) (*ecdsa.PrivateKey, TrustedSigner) {
	t.Helper()
	k := newKey(t)
	cert, err := r.IssueSigner(k.Public(), site, purpose, keyUsage, maxCardValidity, now)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := NewTrustedSigner(cert, keyUsage)
	if err != nil {
		t.Fatal(err)
	}
	return k, ts
}

// newList is a list issued at t0 with the given signers.
func newList(signers ...TrustedSigner) *TrustList {
	return &TrustList{Sequence: 1, IssuedAt: t0, NextUpdate: t0.Add(7 * day), Signers: signers}
}

func sign(t testing.TB, r *Root, tl *TrustList) []byte {
	t.Helper()
	b, err := r.SignTrustList(tl)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
