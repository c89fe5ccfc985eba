// Sealed object format, version 1
//
// A sealed object is the only thing a Backend ever sees of a blob. It is
// self-describing (it names the master key that wrapped its data key) and
// versioned (by its magic number). There are no variable-width integers: the
// one length field is a single byte, and every other field has a fixed size.
//
//	offset   size     field
//	------   ------   -----------------------------------------------------
//	0        4        magic: the ASCII bytes "DKB1" ("docketcard blob",
//	                  format version 1); any other value is rejected
//	4        1        L: length of the master key id, 1 to 32
//	5        L        master key id: ASCII, each byte one of [a-z0-9_-]
//	5+L      12       wrap nonce: random AES-GCM nonce used to wrap the
//	                  data key
//	17+L     48       wrapped data key: AES-256-GCM of the 32-byte data key
//	                  under the master key named above: 32 bytes of
//	                  ciphertext followed by the 16-byte GCM tag
//	65+L     12       content nonce: random AES-GCM nonce used to seal the
//	                  content
//	77+L     N+16     content: AES-256-GCM of the N-byte plaintext under the
//	                  data key: N bytes of ciphertext followed by the
//	                  16-byte GCM tag; runs to the end of the object
//
// The total length is therefore 93 + L + N bytes, and at least 94.
//
// Both GCM operations bind the blob id (1-128 bytes of [A-Za-z0-9_-]) as
// additional authenticated data (AAD), so an object stored under one id
// fails to open under any other:
//
//	wrap AAD:    "DKB1 wrap" || byte(L) || master key id || byte(len(id)) || id
//	content AAD: "DKB1 data" || byte(len(id)) || id
//
// The wrap AAD also covers the master key id, so the header cannot be
// altered to name another key. The content AAD deliberately does not, so
// that re-wrapping the data key under a new master key (key rotation)
// leaves the content nonce and ciphertext byte-for-byte unchanged. The
// distinct "wrap" and "data" labels keep the two AADs from ever colliding.
//
// Every data key is fresh and random and seals exactly one plaintext, so
// the content nonce can never repeat under a key. Wrap nonces are random
// 96-bit values under a long-lived master key, which is safe for far more
// wraps (about 2^32) than this system will perform before rotating.

package blob

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"io"

	"github.com/docketcard/docketcard"
)

// Sizes of the fields of the sealed format.
const (
	magic           = "DKB1"
	nonceSize       = 12 // standard GCM nonce
	tagSize         = 16 // standard GCM tag
	wrappedKeySize  = KeySize + tagSize
	fixedHeaderSize = len(magic) + 1 + nonceSize + wrappedKeySize + nonceSize
	// minSealedSize is the size of a sealed empty plaintext with a
	// one-character key id.
	minSealedSize = fixedHeaderSize + 1 + tagSize

	wrapLabel = "DKB1 wrap"
	dataLabel = "DKB1 data"
)

// sealedObject is a parsed sealed object. Its byte slices alias the buffer
// it was parsed from.
type sealedObject struct {
	keyID      string
	wrapNonce  []byte // nonceSize bytes
	wrappedKey []byte // wrappedKeySize bytes
	nonce      []byte // nonceSize bytes
	ciphertext []byte // at least tagSize bytes
}

// Parse errors. They describe the structure only, never the contents.
var (
	errTruncated   = errors.New("sealed object is truncated")
	errBadMagic    = errors.New("sealed object does not start with the DKB1 magic")
	errKeyIDLength = errors.New("sealed object has a master key id of invalid length")
	errKeyIDChars  = errors.New("sealed object has a master key id with invalid characters")
)

// parseSealed splits a sealed object into its fields. It treats b as
// hostile: every length is checked against what is left before it is used,
// and nothing is allocated based on a value read from b. A successful parse
// says nothing about authenticity; that is for the GCM tags.
func parseSealed(b []byte) (*sealedObject, error) {
	if len(b) < len(magic)+1 {
		return nil, errTruncated
	}
	if string(b[:len(magic)]) != magic {
		return nil, errBadMagic
	}
	p := b[len(magic):]
	l := int(p[0])
	p = p[1:]
	if l < 1 || l > maxKeyIDLen {
		return nil, errKeyIDLength
	}
	// Everything after the key id has a fixed size except the content,
	// which must hold at least its tag.
	if len(p) < l+nonceSize+wrappedKeySize+nonceSize+tagSize {
		return nil, errTruncated
	}
	keyID := string(p[:l])
	if checkKeyID(keyID) != nil {
		return nil, errKeyIDChars
	}
	p = p[l:]
	o := &sealedObject{keyID: keyID}
	o.wrapNonce, p = p[:nonceSize:nonceSize], p[nonceSize:]
	o.wrappedKey, p = p[:wrappedKeySize:wrappedKeySize], p[wrappedKeySize:]
	o.nonce, p = p[:nonceSize:nonceSize], p[nonceSize:]
	o.ciphertext = p[:len(p):len(p)]
	return o, nil
}

// marshal encodes o in the sealed format. For any b that parseSealed
// accepts, marshal of the result returns b again.
func (o *sealedObject) marshal() []byte {
	b := o.appendHeader(make([]byte, 0, fixedHeaderSize+len(o.keyID)+len(o.ciphertext)))
	return append(b, o.ciphertext...)
}

// appendHeader appends everything before the content ciphertext to b.
func (o *sealedObject) appendHeader(b []byte) []byte {
	b = append(b, magic...)
	b = append(b, byte(len(o.keyID)))
	b = append(b, o.keyID...)
	b = append(b, o.wrapNonce...)
	b = append(b, o.wrappedKey...)
	return append(b, o.nonce...)
}

// wrapAAD returns the additional data for wrapping a data key of blob id
// under master key keyID. Both lengths fit a byte: key ids are at most 32
// bytes and blob ids at most 128, and callers check both.
func wrapAAD(keyID, id string) []byte {
	aad := make([]byte, 0, len(wrapLabel)+2+len(keyID)+len(id))
	aad = append(aad, wrapLabel...)
	aad = append(aad, byte(len(keyID)))
	aad = append(aad, keyID...)
	aad = append(aad, byte(len(id)))
	aad = append(aad, id...)
	return aad
}

// dataAAD returns the additional data for sealing the content of blob id.
func dataAAD(id string) []byte {
	aad := make([]byte, 0, len(dataLabel)+1+len(id))
	aad = append(aad, dataLabel...)
	aad = append(aad, byte(len(id)))
	aad = append(aad, id...)
	return aad
}

// seal encrypts plaintext as blob id under a fresh data key wrapped with
// the current master key of k, reading randomness from rnd.
func seal(k *Keyring, id string, plaintext []byte, rnd io.Reader) ([]byte, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	dataKey := make([]byte, KeySize)
	defer clear(dataKey)
	if _, err := io.ReadFull(rnd, dataKey); err != nil {
		return nil, fmt.Errorf("blob: generate data key: %w", err)
	}
	o := &sealedObject{keyID: k.CurrentID(), nonce: make([]byte, nonceSize)}
	if err := o.wrap(k, id, dataKey, rnd); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(rnd, o.nonce); err != nil {
		return nil, fmt.Errorf("blob: generate nonce: %w", err)
	}
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	// Seal straight after the header, in one allocation of the final size.
	b := o.appendHeader(make([]byte, 0, fixedHeaderSize+len(o.keyID)+len(plaintext)+tagSize))
	return aead.Seal(b, o.nonce, plaintext, dataAAD(id)), nil
}

// wrap sets o's wrap nonce and wrapped key by sealing dataKey under the
// current master key of k, and sets o.keyID to that key's id.
func (o *sealedObject) wrap(k *Keyring, id string, dataKey []byte, rnd io.Reader) error {
	keyID := k.CurrentID()
	master, _ := k.aead(keyID) // NewKeyring guarantees the current key exists
	nonce := make([]byte, nonceSize)
	if _, err := io.ReadFull(rnd, nonce); err != nil {
		return fmt.Errorf("blob: generate nonce: %w", err)
	}
	o.keyID = keyID
	o.wrapNonce = nonce
	o.wrappedKey = master.Seal(nil, nonce, dataKey, wrapAAD(keyID, id))
	return nil
}

// unwrap returns o's data key, opened with the master key o names. The
// caller should clear it after use.
func (o *sealedObject) unwrap(k *Keyring, id string) ([]byte, error) {
	master, ok := k.aead(o.keyID)
	if !ok {
		return nil, docketcard.Errorf(docketcard.EINTERNAL,
			"blob %s is sealed under master key %q, which is not in the keyring", id, o.keyID)
	}
	dataKey, err := master.Open(nil, o.wrapNonce, o.wrappedKey, wrapAAD(o.keyID, id))
	if err != nil {
		return nil, integrityError(id, "data key failed authentication")
	}
	return dataKey, nil
}

// open parses sealed as blob id and returns its plaintext. Any structural
// or authentication failure is an integrity error; a master key id that is
// not in k is reported as such.
func open(k *Keyring, id string, sealed []byte) ([]byte, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	o, err := parseSealed(sealed)
	if err != nil {
		return nil, integrityError(id, err.Error())
	}
	return o.open(k, id)
}

// open returns the plaintext of the parsed object o of blob id.
func (o *sealedObject) open(k *Keyring, id string) ([]byte, error) {
	dataKey, err := o.unwrap(k, id)
	if err != nil {
		return nil, err
	}
	defer clear(dataKey)
	var aead cipher.AEAD
	if aead, err = newGCM(dataKey); err != nil {
		return nil, err
	}
	plaintext, err := aead.Open(nil, o.nonce, o.ciphertext, dataAAD(id))
	if err != nil {
		return nil, integrityError(id, "content failed authentication")
	}
	return plaintext, nil
}

// integrityError reports that blob id could not be opened or verified. The
// reason must describe structure only, never contents or keys.
func integrityError(id, reason string) error {
	return docketcard.Errorf(docketcard.EINTERNAL, "blob %s failed its integrity check: %s", id, reason)
}
