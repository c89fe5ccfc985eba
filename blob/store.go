package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"mime"

	"github.com/docketcard/docketcard"
)

// DefaultMaxSize is the largest plaintext, in bytes, that Store.Put accepts.
const DefaultMaxSize = 64 << 20

// maxContentTypeLen bounds the content type recorded in Meta.
const maxContentTypeLen = 255

// Meta describes a stored blob. The caller records it in its own database
// and hands it back to Get, which checks the plaintext against it.
type Meta struct {
	ID          string   // 32 lowercase hex characters, random
	SHA256      [32]byte // SHA-256 of the plaintext
	Size        int64    // length of the plaintext in bytes
	ContentType string   // media type given to Put, e.g. "image/jpeg"
}

// Store seals blobs with envelope encryption and keeps them in a Backend.
// It is safe for concurrent use.
type Store struct {
	backend Backend
	keys    *Keyring
	rand    io.Reader // source of ids, data keys and nonces
	maxSize int64     // largest plaintext Put accepts
}

// New returns a Store that keeps sealed blobs in b and wraps their data
// keys with the current key of k. It panics if either is nil, which is a
// wiring mistake rather than a runtime condition.
func New(b Backend, k *Keyring) *Store {
	if b == nil || k == nil {
		panic("blob: New needs a backend and a keyring")
	}
	return &Store{backend: b, keys: k, rand: rand.Reader, maxSize: DefaultMaxSize}
}

// Put seals plaintext under a new random id and stores it. It returns the
// blob's metadata, which the caller must record: Get needs it to verify the
// blob. contentType must be a valid media type; it is recorded in Meta
// only, not in the sealed object.
func (s *Store) Put(ctx context.Context, contentType string, plaintext []byte) (Meta, error) {
	if int64(len(plaintext)) > s.maxSize {
		return Meta{}, docketcard.Errorf(docketcard.ETOOLARGE,
			"blob is %d bytes, more than the limit of %d bytes", len(plaintext), s.maxSize)
	}
	if err := checkContentType(contentType); err != nil {
		return Meta{}, err
	}
	id, err := s.newID()
	if err != nil {
		return Meta{}, err
	}
	sealed, err := seal(s.keys, id, plaintext, s.rand)
	if err != nil {
		return Meta{}, err
	}
	if err := s.backend.Put(ctx, id, sealed); err != nil {
		return Meta{}, err
	}
	return Meta{
		ID:          id,
		SHA256:      sha256.Sum256(plaintext),
		Size:        int64(len(plaintext)),
		ContentType: contentType,
	}, nil
}

// Get fetches and opens blob m.ID and checks that the plaintext has size
// m.Size and SHA-256 m.SHA256. Any failure to authenticate or verify the
// blob is an EINTERNAL error saying that it failed its integrity check; a
// missing blob is ENOTFOUND.
func (s *Store) Get(ctx context.Context, m Meta) ([]byte, error) {
	if err := checkID(m.ID); err != nil {
		return nil, err
	}
	sealed, err := s.backend.Get(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	o, err := parseSealed(sealed)
	if err != nil {
		return nil, integrityError(m.ID, err.Error())
	}
	// The ciphertext length gives the plaintext length before any
	// decryption work is done.
	if int64(len(o.ciphertext)-tagSize) != m.Size {
		return nil, integrityError(m.ID, "size does not match its metadata")
	}
	plaintext, err := o.open(s.keys, m.ID)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(plaintext)
	if subtle.ConstantTimeCompare(sum[:], m.SHA256[:]) != 1 {
		return nil, integrityError(m.ID, "SHA-256 does not match its metadata")
	}
	return plaintext, nil
}

// Delete removes blob id. Deleting an absent blob is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	return s.backend.Delete(ctx, id)
}

// Rewrap re-wraps the data key of blob id under the current master key,
// leaving the content nonce and ciphertext untouched, and reports whether
// the object changed. A blob already wrapped under the current key is left
// alone. Run it over every blob after making a new key current; once no
// blob needs it, old keys can be dropped from the keyring.
//
// Rewrap reads and then rewrites the object, so it must not race with a
// Delete of the same blob, which it could otherwise undo.
func (s *Store) Rewrap(ctx context.Context, id string) (bool, error) {
	if err := checkID(id); err != nil {
		return false, err
	}
	sealed, err := s.backend.Get(ctx, id)
	if err != nil {
		return false, err
	}
	o, err := parseSealed(sealed)
	if err != nil {
		return false, integrityError(id, err.Error())
	}
	if o.keyID == s.keys.CurrentID() {
		return false, nil
	}
	dataKey, err := o.unwrap(s.keys, id)
	if err != nil {
		return false, err
	}
	defer clear(dataKey)
	if err := o.wrap(s.keys, id, dataKey, s.rand); err != nil {
		return false, err
	}
	if err := s.backend.Put(ctx, id, o.marshal()); err != nil {
		return false, err
	}
	return true, nil
}

// newID returns a random blob id of 32 lowercase hex characters (128 bits).
func (s *Store) newID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", fmt.Errorf("blob: generate id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// checkContentType reports whether ct is a well-formed media type of
// reasonable length. Which types are accepted is for the caller to decide.
func checkContentType(ct string) error {
	if ct == "" {
		return docketcard.Errorf(docketcard.EINVALID, "content type is required")
	}
	if len(ct) > maxContentTypeLen {
		return docketcard.Errorf(docketcard.EINVALID, "content type is longer than %d characters", maxContentTypeLen)
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		return docketcard.Errorf(docketcard.EINVALID, "content type is not a valid media type")
	}
	return nil
}
