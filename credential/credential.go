// Package credential builds, signs, encodes, decodes and verifies the
// Secure Docket Card's QR credential:
//
//	Claim 169 identity map → CWT claims (RFC 8392) → COSE_Sign1 ES256
//	(RFC 9052) → zlib → base45 (RFC 9285) → QR
//
// The byte-by-byte layout is in docs/CREDENTIAL.md. The package holds no
// keys: Sign takes a crypto.Signer (a key file or an HSM) and imports
// neither net/http nor the database.
package credential

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/credential/base45"
	"github.com/docketcard/docketcard/credential/claim169"
	"github.com/docketcard/docketcard/statuslist"
)

// CWT claim keys (RFC 8392 §4, IANA "CBOR Web Token Claims").
const (
	claimIss    = 1
	claimSub    = 2
	claimExp    = 4
	claimNbf    = 5
	claimIat    = 6
	claimID     = 169   // MOSIP Claim 169 identity data
	claimStatus = 65535 // IETF Token Status List reference
)

// MaxPayload is the hard budget of the compressed, signed credential (the
// bytes that base45 then spells out in the QR code).
const MaxPayload = 1100

// PayloadTarget is what issuance aims for: 950 bytes spell out as at most
// 1,425 base45 characters, which fit a version 25 QR code at error
// correction level M — the largest that prints in the card's 32.5 mm
// square with 3-pixel modules at 300 dpi. The face image gets whatever
// the rest of the payload leaves under this target.
const PayloadTarget = 950

// Credential is the content of one card's QR code.
type Credential struct {
	CardNumber string             // CWT sub
	Issuer     string             // CWT iss: the issuing site's URI
	IssuedAt   time.Time          // CWT iat (also the signing time)
	NotBefore  time.Time          // CWT nbf
	ExpiresAt  time.Time          // CWT exp: the card is expired when now ≥ exp
	Identity   *claim169.Identity // claim 169
	Status     statuslist.Reference
}

var encMode = func() cbor.EncMode {
	m, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// Claims returns the deterministic CBOR encoding (RFC 8949 §4.2.1 core
// deterministic) of the CWT claims map: the exact bytes that get signed.
func (c *Credential) Claims() ([]byte, error) {
	if c.Identity == nil {
		return nil, errors.New("credential: no identity")
	}
	id, err := c.Identity.MarshalCBOR()
	if err != nil {
		return nil, fmt.Errorf("credential: claim 169: %w", err)
	}
	m := map[int]any{
		claimIss:    c.Issuer,
		claimSub:    c.CardNumber,
		claimExp:    c.ExpiresAt.Unix(),
		claimNbf:    c.NotBefore.Unix(),
		claimIat:    c.IssuedAt.Unix(),
		claimID:     cbor.RawMessage(id),
		claimStatus: c.Status.CBORValue(),
	}
	return encMode.Marshal(m)
}

// protectedHeader is {1: -7 (ES256), 4: kid}.
func protectedHeader(kid []byte) cose.ProtectedHeader {
	return cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: kid}
}

// Sign signs the claims as a tagged COSE_Sign1 with ES256. The key may be
// any crypto.Signer holding a P-256 key (a file key or an HSM token).
func Sign(claims []byte, key crypto.Signer, kid []byte) ([]byte, error) {
	s, err := cose.NewSigner(cose.AlgorithmES256, key)
	if err != nil {
		return nil, fmt.Errorf("credential: signer: %w", err)
	}
	msg := cose.NewSign1Message()
	msg.Headers.Protected = protectedHeader(kid)
	msg.Payload = claims
	if err := msg.Sign(rand.Reader, nil, s); err != nil {
		return nil, fmt.Errorf("credential: sign: %w", err)
	}
	return msg.MarshalCBOR()
}

// ZlibLevel is the zlib level of the payload: stored (level 0). Two
// thirds of the payload is the face JPEG, which deflate cannot shrink;
// Huffman coding the rest saved about 70 bytes (7%) but made inflating a
// third of the verifier's whole decoding cost, while stored blocks
// inflate at copy speed. The face budget absorbs the difference.
const ZlibLevel = zlib.NoCompression

// Encode wraps a signed COSE_Sign1 in zlib and spells it in base45, the
// text that goes in the QR code (alphanumeric mode).
func Encode(signed []byte) (string, []byte, error) {
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, ZlibLevel)
	if err != nil {
		return "", nil, err
	}
	zw.Write(signed)
	if err := zw.Close(); err != nil {
		return "", nil, err
	}
	return base45.Encode(buf.Bytes()), buf.Bytes(), nil
}

// Compressed reports the zlib size of b, for budgeting before signing.
func Compressed(b []byte) int {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, ZlibLevel)
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// signatureOverhead is what signing adds to the claims: the COSE_Sign1
// array, tag, protected header bytes and a 64-byte signature.
const signatureOverhead = 1 + 1 + 1 + 1 + 16 + 1 + 3 + 2 + 64

// FitFace chooses the face image for c from the holder's photo so that the
// whole compressed payload stays within PayloadTarget: it measures the
// payload without a face and gives the face what remains. When long names
// leave too little room, it first drops the full name (claim 169 key 4),
// which the first and last names already carry, and then allows the
// payload up to MaxPayload (the card then prints its QR code at error
// correction level L instead of M; see service.RenderCard).
func FitFace(c *Credential, photo []byte) error {
	var lastBudget int
	var lastErr error
	fullName := c.Identity.FullName
	for _, step := range []struct {
		target   int
		fullName bool
	}{{PayloadTarget, true}, {PayloadTarget, false}, {MaxPayload, false}} {
		c.Identity.Biometrics = nil
		if step.fullName {
			c.Identity.FullName = fullName
		} else {
			c.Identity.FullName = ""
		}
		claims, err := c.Claims()
		if err != nil {
			return err
		}
		// JPEG data does not compress; budget it at its raw size plus
		// the CBOR framing of the biometric entry.
		budget := step.target - Compressed(claims) - signatureOverhead - 16
		lastBudget = budget
		if budget < minFaceBudget {
			continue
		}
		face, err := Face(photo, min(budget, FaceBudget))
		if err == nil {
			c.Identity.Biometrics = map[int][]claim169.Biometric{62: {{Data: face, Format: 0, SubFormat: 1}}}
			return nil
		}
		lastErr = err
	}
	c.Identity.FullName = fullName
	if lastBudget >= minFaceBudget && lastErr != nil {
		return lastErr
	}
	return docketcard.Errorf(docketcard.EINVALID, "the holder's names and other card data leave only %d bytes of the QR code for the face image; at least %d are needed (shorten the names recorded, e.g. drop a middle name)", max(lastBudget, 0), minFaceBudget)
}

// minFaceBudget is the smallest face worth carrying: a 30×40 greyscale
// JPEG at quality 10 takes about this much (over half of it the encoder's
// fixed tables).
const minFaceBudget = 340

var _ = io.EOF
