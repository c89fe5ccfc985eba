package demo

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/docketcard/docketcard/keys"
)

// KeyDir creates (once) a demo program PKI in dir: a root whose key stays
// in the directory (a real root key is kept offline), a card signer for
// each demo site, the program's status-list signer and a signed trust
// list. Passphrases are random and kept in 0600 files beside the keys.
// It returns the signer passphrase.
func KeyDir(dir string, now time.Time) ([]byte, error) {
	rootPassFile, signerPassFile := filepath.Join(dir, "root.pass"), filepath.Join(dir, "signer.pass")
	if _, err := os.Stat(filepath.Join(dir, "trust-list.cose")); err == nil {
		return os.ReadFile(signerPassFile)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	rootPass, signerPass := randomPass(), randomPass()
	for f, p := range map[string][]byte{rootPassFile: rootPass, signerPassFile: signerPass} {
		if err := os.WriteFile(f, p, 0o600); err != nil {
			return nil, err
		}
	}
	root, err := keys.InitRoot(dir, rootPass, "docketcard DEMO root (synthetic data only)", 20*365*24*time.Hour, now)
	if err != nil {
		return nil, err
	}
	for _, s := range Sites {
		if _, err := keys.NewSigner(dir, root, s.Code, keys.PurposeCard, signerPass, 365*24*time.Hour, 2*365*24*time.Hour, now); err != nil {
			return nil, err
		}
	}
	if _, err := keys.NewSigner(dir, root, keys.ProgramSite, keys.PurposeStatus, signerPass, 365*24*time.Hour, 2*365*24*time.Hour, now); err != nil {
		return nil, err
	}
	if _, err := keys.PublishTrustList(dir, root, now, 30*24*time.Hour); err != nil {
		return nil, err
	}
	return signerPass, nil
}

func randomPass() []byte {
	b := make([]byte, 24)
	rand.Read(b)
	return []byte(base64.RawURLEncoding.EncodeToString(b))
}
