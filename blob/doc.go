// Package blob stores photos and documents encrypted at rest.
//
// It uses envelope encryption. Every blob gets its own fresh, random
// 256-bit data key; the plaintext is sealed with AES-256-GCM under that
// data key, and the data key itself is wrapped (also with AES-256-GCM)
// under a master key taken from configuration. The wrapped data key travels
// with the ciphertext in one self-describing sealed object (see format.go),
// so rotating the master key only re-wraps 32-byte data keys
// (Store.Rewrap) and never re-encrypts the content.
//
// The blob id is bound as additional authenticated data into both GCM
// operations, so a sealed object copied or renamed under another id does
// not open. In addition the caller keeps the SHA-256 and size of every
// plaintext in its own database (Meta) and Store.Get checks them on every
// read, so a backend that returns the wrong (but validly sealed) object is
// caught as well.
//
// The pieces are:
//
//   - Keyring: the master keys, by id; one of them is current and is used
//     for new blobs, all of them can open old blobs. Configured as text
//     with ParseKeyring ("k2:base64,k1:base64") and never printed.
//   - Backend: where sealed objects live. FS is a filesystem backend with
//     atomic, durable writes; the database backend lives in another package.
//   - Store: seals, stores, opens and verifies blobs, and re-wraps them
//     after key rotation.
//
// Errors are *docketcard.Error values. Any failure to open or verify a blob
// (tampering, truncation, wrong key, a swapped object, a hash mismatch) is
// an EINTERNAL error saying that the blob failed its integrity check; the
// message names the blob id and never its contents or key material.
package blob
