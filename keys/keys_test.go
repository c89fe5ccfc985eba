package keys_test

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/keys"
)

var (
	t0         = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	rootPass   = []byte("root passphrase for tests")
	signerPass = []byte("signer passphrase for tests")
)

// TestRotationWithoutDowntime: a server keeps signing with the current key
// while a new one is issued; once the new trust list is published, the
// keyring switches to the new key and the old one stays on the list as
// retired, so cards it signed still verify.
func TestRotationWithoutDowntime(t *testing.T) {
	dir := t.TempDir()
	root, err := keys.InitRoot(dir, rootPass, "test root", 10*365*24*time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	first, err := keys.NewSigner(dir, root, "HOU", keys.PurposeCard, signerPass, 365*24*time.Hour, 2*365*24*time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.PublishTrustList(dir, root, t0, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	rc, err := keys.RootCert(filepath.Join(dir, "root.crt"))
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	k, err := keys.Open(dir, signerPass, rc, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Signer("HOU", keys.PurposeCard)
	if err != nil || hex.EncodeToString(s.KeyID()) != first.KeyID {
		t.Fatalf("signer %v %v", s, err)
	}
	if _, err := k.Signer("ATL", keys.PurposeCard); docketcard.ErrorCode(err) != docketcard.EUNAVAILABLE {
		t.Fatalf("unknown site: %v", err)
	}

	// Rotate: the new key is not used until the trust list lists it.
	now = t0.AddDate(0, 6, 0)
	second, err := keys.NewSigner(dir, root, "HOU", keys.PurposeCard, signerPass, 365*24*time.Hour, 2*365*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Reload(); err != nil {
		t.Fatal(err)
	}
	if s, _ := k.Signer("HOU", keys.PurposeCard); hex.EncodeToString(s.KeyID()) != first.KeyID {
		t.Fatal("switched to an unpublished key")
	}
	os.Chtimes(filepath.Join(dir, "trust-list.cose"), now, now)
	if _, err := keys.PublishTrustList(dir, root, now, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := k.Reload(); err != nil {
		t.Fatal(err)
	}
	s, _ = k.Signer("HOU", keys.PurposeCard)
	if hex.EncodeToString(s.KeyID()) != second.KeyID {
		t.Fatalf("still signing with %x after rotation", s.KeyID())
	}
	tl, raw := k.TrustList()
	if len(raw) == 0 || len(tl.Signers) != 2 {
		t.Fatalf("trust list has %d signers", len(tl.Signers))
	}
	old, _ := hex.DecodeString(first.KeyID)
	ts, ok := tl.Lookup(old)
	if !ok || ts.Status != "retired" {
		t.Fatalf("old key: %+v %v", ts, ok)
	}
	// A card the old key signed before rotation verifies; one it would
	// sign after rotation does not.
	if _, err := tl.CheckSigner(old, t0.AddDate(0, 3, 0), now, keys.PurposeCard); err != nil {
		t.Fatalf("card signed before rotation: %v", err)
	}
	if _, err := tl.CheckSigner(old, now.Add(time.Hour), now.Add(2*time.Hour), keys.PurposeCard); err == nil {
		t.Fatal("retired key accepted for a new signature")
	}
}

func TestBadTrustListKeepsOldKeys(t *testing.T) {
	dir := t.TempDir()
	root, _ := keys.InitRoot(dir, rootPass, "test root", 10*365*24*time.Hour, t0)
	keys.NewSigner(dir, root, "HOU", keys.PurposeCard, signerPass, 365*24*time.Hour, 2*365*24*time.Hour, t0)
	keys.PublishTrustList(dir, root, t0, 30*24*time.Hour)
	rc, _ := keys.RootCert(filepath.Join(dir, "root.crt"))
	k, err := keys.Open(dir, signerPass, rc, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	_, good := k.TrustList()
	bad := append(bytes.Clone(good[:len(good)-3]), 0, 0, 0)
	os.WriteFile(filepath.Join(dir, "trust-list.cose"), bad, 0o644)
	os.Chtimes(filepath.Join(dir, "trust-list.cose"), t0.Add(time.Minute), t0.Add(time.Minute))
	if err := k.Reload(); err == nil {
		t.Fatal("a corrupt trust list was accepted")
	}
	if _, raw := k.TrustList(); !bytes.Equal(raw, good) {
		t.Fatal("the last good trust list was dropped")
	}
	if _, err := k.Signer("HOU", keys.PurposeCard); err != nil {
		t.Fatal(err)
	}
}

func TestNewSignerRejects(t *testing.T) {
	dir := t.TempDir()
	root, _ := keys.InitRoot(dir, rootPass, "test root", 10*365*24*time.Hour, t0)
	for _, tc := range []struct{ name, site, purpose string }{
		{"bad site", "h", keys.PurposeCard}, {"bad purpose", "HOU", "mint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := keys.NewSigner(dir, root, tc.site, tc.purpose, signerPass, time.Hour, time.Hour, t0); docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Fatalf("got %v", err)
			}
		})
	}
}
