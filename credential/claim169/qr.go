package claim169

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"math"
	"strings"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// CBOR tags of the transport chain.
const (
	tagCWT      = 61 // RFC 8392
	tagSign1    = 18 // COSE_Sign1
	tagEncrypt0 = 16 // COSE_Encrypt0
	tagSign     = 98 // COSE_Sign (several signers): not supported
	tagEncrypt  = 96 // COSE_Encrypt (several recipients): not supported
)

// CWT claim keys (RFC 8392).
const (
	claimIss = 1
	claimSub = 2
	claimExp = 4
	claimNbf = 5
	claimIat = 6
)

// Decoded is a Claim 169 QR code taken apart. DecodeQR does not verify the
// signature: call Sign1.Verify with the issuer's key (an unsigned QR, whose
// signature is empty, fails with cose.ErrEmptySignature; see Signed).
type Decoded struct {
	// Protected and Unprotected are the COSE headers, integer labels as
	// int64 (the algorithm too, not cose.Algorithm).
	Protected, Unprotected map[any]any
	// Alg is the COSE algorithm (protected header 1, or unprotected as a
	// fallback; -7 ES256, -8 EdDSA); 0 when absent or not an integer.
	Alg int64
	// KeyID is header 4 (kid), from the protected or else the unprotected
	// header.
	KeyID []byte
	// Issuer and Subject are CWT claims 1 and 2, verbatim (the issuer may
	// be a bare host name such as "www.mosip.io" or a URI).
	Issuer, Subject string
	// ExpiresAt, NotBefore and IssuedAt are CWT claims 4, 5 and 6 in Unix
	// seconds; 0 when absent.
	ExpiresAt, NotBefore, IssuedAt int64
	// Identity is claim 169.
	Identity *Identity
	// Sign1 is the COSE_Sign1 message, its Payload the CWT claims map.
	Sign1 *cose.Sign1Message
}

// Signed reports whether the message carries a signature at all. Most public
// "valid" test vectors carry an empty one.
func (d *Decoded) Signed() bool {
	return d != nil && d.Sign1 != nil && len(d.Sign1.Signature) > 0
}

// CheckTime reports ErrExpired when now is at or after exp, and
// ErrNotYetValid when now is before nbf. Absent claims are not checked.
func (d *Decoded) CheckTime(now time.Time) error {
	t := now.Unix()
	if d.ExpiresAt != 0 && t >= d.ExpiresAt {
		return wrap(ErrExpired, "exp %d, now %d", d.ExpiresAt, t)
	}
	if d.NotBefore != 0 && t < d.NotBefore {
		return wrap(ErrNotYetValid, "nbf %d, now %d", d.NotBefore, t)
	}
	return nil
}

// DecodeQR takes apart the text of a Claim 169 QR code: Base45 (RFC 9285) →
// zlib, or Brotli when the first two bytes are not a zlib header (inflated
// size capped at MaxInflated) → optional CWT tag 61 → COSE_Sign1 (tag 18,
// or an untagged four-element array) → CWT claims map → claims iss, sub,
// exp, nbf, iat and 169. A COSE_Encrypt0 (tag 16, or an untagged
// three-element array) gives ErrEncrypted. Every error wraps one of the
// package's sentinel errors. With ErrEncrypted the returned Decoded holds the
// headers, with ErrNoClaim169 also the standard claims; with other errors it
// is nil. DecodeQR never verifies a signature.
func DecodeQR(qr string) (*Decoded, error) {
	if len(qr) > MaxQRText {
		return nil, wrap(ErrTooLarge, "QR text of %d characters", len(qr))
	}
	qr = strings.TrimRight(qr, "\r\n")
	compressed, err := decodeBase45(qr)
	if err != nil {
		return nil, err
	}
	data, err := decompress(compressed)
	if err != nil {
		return nil, err
	}
	d, payload, err := parseCOSE(data)
	if err != nil {
		return d, err
	}
	if err := d.parseClaims(payload); err != nil {
		if errors.Is(err, ErrNoClaim169) {
			return d, err
		}
		return nil, err
	}
	return d, nil
}

// isZlibHeader reports a valid RFC 1950 header: method 8 (deflate), window
// at most 32 KiB, and the check bits making the 16-bit header a multiple of
// 31.
func isZlibHeader(b0, b1 byte) bool {
	return b0&0x0f == 8 && b0>>4 <= 7 && (uint16(b0)<<8|uint16(b1))%31 == 0
}

func decompress(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, wrap(ErrDecompress, "no data")
	}
	var r io.Reader
	kind := "brotli"
	if len(b) >= 2 && isZlibHeader(b[0], b[1]) {
		kind = "zlib"
		zr, err := zlib.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, wrap(ErrDecompress, "zlib: %v", err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = brotli.NewReader(bytes.NewReader(b))
	}
	out, err := io.ReadAll(io.LimitReader(r, MaxInflated+1))
	if len(out) > MaxInflated {
		return nil, wrap(ErrTooLarge, "%s data inflates past %d bytes", kind, MaxInflated)
	}
	if err != nil {
		return nil, wrap(ErrDecompress, "%s: %v", kind, err)
	}
	return out, nil
}

// parseCOSE reads the COSE object and returns the headers and the payload.
func parseCOSE(b []byte) (*Decoded, []byte, error) {
	content, number, err := untag(b)
	if err != nil {
		return nil, nil, err
	}
	if number == tagCWT {
		if content, number, err = untag(content); err != nil {
			return nil, nil, err
		}
	}
	if majorOf(content) != majorArray {
		return nil, nil, wrap(ErrNotCOSE, "expected a COSE array, got %s", typeName(content))
	}
	var items []cbor.RawMessage
	if err := decMode.Unmarshal(content, &items); err != nil {
		return nil, nil, wrapCBOR(ErrNotCOSE, "COSE array", err)
	}
	switch {
	case number == tagSign1 || (number == -1 && len(items) == 4):
		if len(items) != 4 {
			return nil, nil, wrap(ErrNotCOSE, "COSE_Sign1 has %d elements, not 4", len(items))
		}
	case number == tagEncrypt0 || (number == -1 && len(items) == 3):
		if len(items) != 3 {
			return nil, nil, wrap(ErrNotCOSE, "COSE_Encrypt0 has %d elements, not 3", len(items))
		}
		d := &Decoded{}
		if err := d.setHeaders(items[0], items[1]); err != nil {
			return nil, nil, err
		}
		return d, nil, wrap(ErrEncrypted, "COSE_Encrypt0")
	case number == tagSign || number == tagEncrypt:
		return nil, nil, wrap(ErrNotCOSE, "COSE tag %d (several signers or recipients) is not supported", number)
	case number == -1:
		return nil, nil, wrap(ErrNotCOSE, "untagged array of %d elements", len(items))
	default:
		return nil, nil, wrap(ErrNotCOSE, "CBOR tag %d is not a COSE_Sign1 tag", number)
	}

	d := &Decoded{}
	h, err := d.headers(items[0], items[1])
	if err != nil {
		return nil, nil, err
	}
	if isNull(items[2]) {
		return nil, nil, wrap(ErrCWT, "detached payload")
	}
	if majorOf(items[2]) != majorBytes || majorOf(items[3]) != majorBytes {
		return nil, nil, wrap(ErrNotCOSE, "COSE_Sign1 payload and signature must be byte strings")
	}
	var payload, sig []byte
	if err := decMode.Unmarshal(items[2], &payload); err != nil {
		return nil, nil, wrap(ErrNotCOSE, "payload: %v", err)
	}
	if err := decMode.Unmarshal(items[3], &sig); err != nil {
		return nil, nil, wrap(ErrNotCOSE, "signature: %v", err)
	}
	d.Sign1 = &cose.Sign1Message{Headers: h, Payload: payload, Signature: sig}
	return d, payload, nil
}

// untag returns the content of a tagged item and its tag number, or the item
// itself and -1 when it is not tagged.
func untag(b []byte) ([]byte, int64, error) {
	if majorOf(b) != majorTag {
		if majorOf(b) == 0xff {
			return nil, 0, wrap(ErrNotCOSE, "no data")
		}
		if err := decMode.Wellformed(b); err != nil {
			return nil, 0, wrapCBOR(ErrNotCOSE, "CBOR", err)
		}
		return b, -1, nil
	}
	var t cbor.RawTag
	if err := decMode.Unmarshal(b, &t); err != nil {
		return nil, 0, wrapCBOR(ErrNotCOSE, "CBOR", err)
	}
	if t.Number > math.MaxInt32 {
		return nil, 0, wrap(ErrNotCOSE, "CBOR tag %d is not a COSE tag", t.Number)
	}
	return t.Content, int64(t.Number), nil
}

func (d *Decoded) setHeaders(protected, unprotected []byte) error {
	_, err := d.headers(protected, unprotected)
	return err
}

// headers decodes the COSE headers with go-cose (which validates the
// registered labels) and fills Protected, Unprotected, Alg and KeyID.
func (d *Decoded) headers(protected, unprotected []byte) (cose.Headers, error) {
	if majorOf(protected) != majorBytes || majorOf(unprotected) != majorMap {
		return cose.Headers{}, wrap(ErrNotCOSE, "headers must be a byte string and a map")
	}
	h := cose.Headers{RawProtected: protected, RawUnprotected: unprotected}
	if err := h.UnmarshalFromRaw(); err != nil {
		return cose.Headers{}, wrap(ErrNotCOSE, "headers: %v", err)
	}
	d.Protected = plainHeader(h.Protected)
	d.Unprotected = plainHeader(h.Unprotected)
	for _, m := range []map[any]any{d.Protected, d.Unprotected} {
		if alg, ok := m[cose.HeaderLabelAlgorithm].(int64); ok && d.Alg == 0 {
			d.Alg = alg
		}
		if kid, ok := m[cose.HeaderLabelKeyID].([]byte); ok && d.KeyID == nil {
			d.KeyID = kid
		}
	}
	return h, nil
}

// plainHeader copies a go-cose header map, turning cose.Algorithm values
// into int64.
func plainHeader(h map[any]any) map[any]any {
	out := make(map[any]any, len(h))
	for k, v := range h {
		if a, ok := v.(cose.Algorithm); ok {
			v = int64(a)
		}
		out[k] = v
	}
	return out
}

// parseClaims reads the CWT claims map.
func (d *Decoded) parseClaims(payload []byte) error {
	if majorOf(payload) != majorMap {
		return wrap(ErrCWT, "payload is %s, not a claims map", typeName(payload))
	}
	var m map[any]cbor.RawMessage
	if err := decMode.Unmarshal(payload, &m); err != nil {
		return wrapCBOR(ErrCWT, "claims map", err)
	}
	claims := make(map[int]cbor.RawMessage, len(m))
	for k, v := range m {
		if key, ok := intKey(k); ok {
			claims[key] = v
		} // text-keyed (private) claims are ignored
	}
	var err error
	for _, c := range []struct {
		key int
		dst *string
	}{{claimIss, &d.Issuer}, {claimSub, &d.Subject}} {
		if raw, ok := claims[c.key]; ok {
			if majorOf(raw) != majorText {
				return wrap(ErrCWT, "claim %d is %s, not a text string", c.key, typeName(raw))
			}
			if err := decMode.Unmarshal(raw, c.dst); err != nil {
				return wrap(ErrCWT, "claim %d: %v", c.key, err)
			}
		}
	}
	for _, c := range []struct {
		key int
		dst *int64
	}{{claimExp, &d.ExpiresAt}, {claimNbf, &d.NotBefore}, {claimIat, &d.IssuedAt}} {
		if raw, ok := claims[c.key]; ok {
			if *c.dst, err = numericDate(raw, true); err != nil {
				return wrap(ErrCWT, "claim %d: %v", c.key, err)
			}
		}
	}
	raw, ok := claims[ClaimKey]
	if !ok {
		return wrap(ErrNoClaim169, "claims present: %d", len(claims))
	}
	var id Identity
	if err := id.UnmarshalCBOR(raw); err != nil {
		return err
	}
	d.Identity = &id
	return nil
}

var errNumericDate = errors.New("not a NumericDate (integer or float seconds)")

// numericDate reads an RFC 8392 NumericDate: an integer, or a float
// truncated towards minus infinity. A tag-1 epoch date around it is wrong
// but accepted (once, when allowTag).
func numericDate(raw []byte, allowTag bool) (int64, error) {
	switch majorOf(raw) {
	case majorUint, majorNint:
		var n int64
		if err := decMode.Unmarshal(raw, &n); err != nil {
			return 0, errNumericDate
		}
		return n, nil
	case majorSimple:
		var f float64
		if err := decMode.Unmarshal(raw, &f); err != nil || math.IsNaN(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return 0, errNumericDate
		}
		return int64(math.Floor(f)), nil
	case majorTag:
		var t cbor.RawTag
		if allowTag && decMode.Unmarshal(raw, &t) == nil && t.Number == 1 {
			return numericDate(t.Content, false)
		}
	}
	return 0, errNumericDate
}
