package credential

import (
	"errors"
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// BundleMediaType is the media type of a verifier bundle.
const BundleMediaType = "application/vnd.docketcard.verifier-bundle+cbor"

// BundleFormat names version 1 of the bundle.
const BundleFormat = "docketcard-verifier-bundle/1"

// Bundle is everything an offline verifier downloads in one file: the
// program root certificate (a convenience copy: verifiers pin the root
// from an independent channel and check it matches), the root-signed trust
// list and the signed status list. The parts carry their own signatures,
// so the bundle itself is not signed; see docs/CREDENTIAL.md.
type Bundle struct {
	Format     string    `cbor:"format"`
	IssuedAt   time.Time `cbor:"-"`
	Issued     int64     `cbor:"issued_at"` // Unix seconds of the status list
	Root       []byte    `cbor:"root_certificate"`
	TrustList  []byte    `cbor:"trust_list"`
	StatusList []byte    `cbor:"status_list"`
}

// maxBundle bounds a bundle: a 16 M-entry status list compresses far
// below this, and the trust list holds a few hundred certificates.
const maxBundle = 32 << 20

var bundleDec = func() cbor.DecMode {
	m, err := cbor.DecOptions{
		MaxNestedLevels:   4,
		MaxMapPairs:       16,
		MaxArrayElements:  16,
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// EncodeBundle writes a bundle as a deterministic CBOR map.
func EncodeBundle(b *Bundle) ([]byte, error) {
	c := *b
	c.Format, c.Issued = BundleFormat, b.IssuedAt.Unix()
	return encMode.Marshal(&c)
}

// DecodeBundle parses a bundle of untrusted origin. It checks only the
// structure; the caller verifies the parts (root pin, trust list
// signature, status list signature).
func DecodeBundle(data []byte) (*Bundle, error) {
	if len(data) > maxBundle {
		return nil, fmt.Errorf("verifier bundle: %d bytes, over the %d-byte limit", len(data), maxBundle)
	}
	var b Bundle
	if err := bundleDec.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("verifier bundle: not a bundle: %w", err)
	}
	switch {
	case b.Format != BundleFormat:
		return nil, fmt.Errorf("verifier bundle: format %q; want %q", b.Format, BundleFormat)
	case len(b.Root) == 0 || len(b.TrustList) == 0 || len(b.StatusList) == 0:
		return nil, errors.New("verifier bundle: the root certificate, trust list and status list are all required")
	}
	b.IssuedAt = time.Unix(b.Issued, 0).UTC()
	return &b, nil
}
