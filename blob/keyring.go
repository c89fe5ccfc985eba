package blob

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/docketcard/docketcard"
)

const (
	// KeySize is the size in bytes of master keys and data keys (AES-256).
	KeySize = 32

	// maxKeyIDLen is the longest master key id; the sealed format stores
	// the id's length in one byte, and ids also appear in logs and errors.
	maxKeyIDLen = 32
)

// Keyring holds master keys by id. New blobs are wrapped with the current
// key; old blobs are unwrapped with whichever key their header names. A
// Keyring is immutable once built and safe for concurrent use.
//
// A Keyring never reveals its keys: String, GoString and every error it
// returns name key ids and counts only.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD // AES-256-GCM, one per master key
	ids     []string               // sorted, for deterministic output
}

// ParseKeyring parses the configuration form of a keyring: one or more
// entries "id:base64key" separated by commas, the first of which is the
// current key. Spaces around entries are ignored. Each key must be standard
// (padded) base64 that decodes to exactly 32 bytes, and each id must be 1-32
// characters of [a-z0-9_-], unique within the keyring.
//
// Errors are EINVALID and identify a bad entry by its position (and by its
// id once the id is known to be valid); they never echo key material.
func ParseKeyring(s string) (*Keyring, error) {
	if strings.TrimSpace(s) == "" {
		return nil, docketcard.Errorf(docketcard.EINVALID, "keyring is empty: want one or more id:base64key entries separated by commas")
	}
	entries := strings.Split(s, ",")
	keys := make(map[string][]byte, len(entries))
	defer func() {
		for _, k := range keys {
			clear(k)
		}
	}()
	var current string
	for i, entry := range entries {
		n := i + 1 // entries are numbered from 1 in messages
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, docketcard.Errorf(docketcard.EINVALID, "keyring entry %d is empty", n)
		}
		id, b64, ok := strings.Cut(entry, ":")
		if !ok {
			// Without a colon the entry may well be a bare key: do not echo it.
			return nil, docketcard.Errorf(docketcard.EINVALID, "keyring entry %d is not of the form id:base64key", n)
		}
		if err := checkKeyID(id); err != nil {
			// An invalid id may be key material pasted in the wrong place.
			return nil, docketcard.Errorf(docketcard.EINVALID, "keyring entry %d: %s", n, docketcard.ErrorMessage(err))
		}
		if _, dup := keys[id]; dup {
			return nil, docketcard.Errorf(docketcard.EINVALID, "keyring entry %d: duplicate key id %q", n, id)
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			// base64 errors carry only an offset, but say nothing more anyway.
			return nil, docketcard.Errorf(docketcard.EINVALID, "keyring entry %d (id %q): key is not valid standard base64", n, id)
		}
		if len(key) != KeySize {
			clear(key)
			return nil, docketcard.Errorf(docketcard.EINVALID, "keyring entry %d (id %q): key decodes to %d bytes, want %d", n, id, len(key), KeySize)
		}
		keys[id] = key
		if i == 0 {
			current = id
		}
	}
	return NewKeyring(current, keys)
}

// NewKeyring builds a keyring from raw 32-byte keys, with currentID as the
// key used for new blobs. The keys are copied into AES key schedules; the
// caller may clear its map afterwards. Errors are EINVALID and never echo
// key material.
func NewKeyring(currentID string, keys map[string][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, docketcard.Errorf(docketcard.EINVALID, "keyring has no keys")
	}
	k := &Keyring{current: currentID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, key := range keys {
		if err := checkKeyID(id); err != nil {
			return nil, err
		}
		if len(key) != KeySize {
			return nil, docketcard.Errorf(docketcard.EINVALID, "key %q is %d bytes, want %d", id, len(key), KeySize)
		}
		if subtle.ConstantTimeCompare(key, make([]byte, KeySize)) == 1 {
			return nil, docketcard.Errorf(docketcard.EINVALID, "key %q is all zeros", id)
		}
		aead, err := newGCM(key)
		if err != nil {
			return nil, err
		}
		k.aeads[id] = aead
		k.ids = append(k.ids, id)
	}
	if _, ok := k.aeads[currentID]; !ok {
		if checkKeyID(currentID) != nil {
			return nil, docketcard.Errorf(docketcard.EINVALID, "current key id is not a valid key id")
		}
		return nil, docketcard.Errorf(docketcard.EINVALID, "current key id %q is not in the keyring", currentID)
	}
	slices.Sort(k.ids)
	return k, nil
}

// CurrentID returns the id of the key that wraps new blobs.
func (k *Keyring) CurrentID() string { return k.current }

// String describes the keyring without revealing any key, for example
// "keyring(current=k1, keys=2)". It has a value receiver so that printing a
// dereferenced Keyring is redacted too.
func (k Keyring) String() string {
	return fmt.Sprintf("keyring(current=%s, keys=%d)", k.current, len(k.aeads))
}

// GoString makes %#v as redacted as %v.
func (k Keyring) GoString() string { return k.String() }

// aead returns the AES-256-GCM instance of master key id.
func (k *Keyring) aead(id string) (cipher.AEAD, bool) {
	a, ok := k.aeads[id]
	return a, ok
}

// GenerateKeyText returns a new master key in the configuration form
// "id:base64key", with 32 bytes from crypto/rand. Prepend it (comma
// separated) to the configured keyring to make it current.
func GenerateKeyText(id string) (string, error) {
	if err := checkKeyID(id); err != nil {
		return "", err
	}
	key := make([]byte, KeySize)
	defer clear(key)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("blob: generate key: %w", err)
	}
	return id + ":" + base64.StdEncoding.EncodeToString(key), nil
}

// checkKeyID reports whether id is a valid master key id: 1-32 characters
// of [a-z0-9_-]. The id is never echoed, since an invalid id may be a
// misplaced key.
func checkKeyID(id string) error {
	if id == "" {
		return docketcard.Errorf(docketcard.EINVALID, "key id is empty")
	}
	if len(id) > maxKeyIDLen {
		return docketcard.Errorf(docketcard.EINVALID, "key id is longer than %d characters", maxKeyIDLen)
	}
	for i := range len(id) {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return docketcard.Errorf(docketcard.EINVALID, "key id may contain only a-z, 0-9, _ and -")
		}
	}
	return nil
}

// newGCM returns AES-256-GCM with the standard 12-byte nonce and 16-byte tag.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("blob: aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("blob: gcm: %w", err)
	}
	return aead, nil
}
