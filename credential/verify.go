package credential

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/docketcard/docketcard/credential/base45"
	"github.com/docketcard/docketcard/credential/claim169"
	"github.com/docketcard/docketcard/pki"
	"github.com/docketcard/docketcard/statuslist"
)

// Outcome is the verdict of a verification, one per exit code of
// `docketcard verify`.
type Outcome string

const (
	Valid        Outcome = "valid"
	Revoked      Outcome = "revoked"
	Suspended    Outcome = "suspended"
	Expired      Outcome = "expired"
	NotYetValid  Outcome = "not_yet_valid"
	BadSignature Outcome = "bad_signature" // includes unknown key and untrusted signer
	Malformed    Outcome = "malformed"
)

// Errors of decoding and verification. Each wraps into an *Error that
// carries its Outcome.
var (
	ErrBase45        = errors.New("not base45 text")
	ErrDecompress    = errors.New("not zlib-compressed")
	ErrTooLarge      = errors.New("inflates beyond the size limit")
	ErrNotCOSE       = errors.New("not a COSE_Sign1 message")
	ErrCWT           = errors.New("not a valid CWT claims map")
	ErrClaim169      = errors.New("claim 169 is missing or invalid")
	ErrAlgorithm     = errors.New("unsupported signature algorithm")
	ErrUnknownKey    = errors.New("signed by a key that is not on the trust list")
	ErrSignature     = errors.New("the signature does not verify")
	ErrSignerExpired = errors.New("the signer's certificate has expired")
	ErrOutsideUsage  = errors.New("signed outside the signer key's usage period")
)

// Error is a verification failure with its outcome.
type Error struct {
	Outcome Outcome
	Err     error
	Detail  string
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("%s: %v: %s", e.Outcome, e.Err, e.Detail)
	}
	return fmt.Sprintf("%s: %v", e.Outcome, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

func fail(o Outcome, err error, detail string, args ...any) *Error {
	return &Error{Outcome: o, Err: err, Detail: fmt.Sprintf(detail, args...)}
}

// Limits bound the work an untrusted QR can cause.
type Limits struct {
	MaxText     int // base45 characters (a version 40 QR holds 4,296)
	MaxInflated int // bytes after zlib
}

// DefaultLimits suit any real card.
var DefaultLimits = Limits{MaxText: 4296, MaxInflated: 16 << 10}

var decMode = func() cbor.DecMode {
	m, err := cbor.DecOptions{
		MaxNestedLevels:  16,
		MaxArrayElements: 256,
		MaxMapPairs:      256,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// Sign1 is a parsed COSE_Sign1 (RFC 9052 §4.2): the raw protected header
// bytes (which the signature covers), the algorithm and key id found in
// the headers, the payload and the signature.
type Sign1 struct {
	Protected []byte
	Alg       int64
	KeyID     []byte
	Payload   []byte
	Signature []byte
}

// Parsed is a decoded, not yet verified, credential.
type Parsed struct {
	Message    *Sign1
	KeyID      []byte
	Credential Credential
	Signed     []byte // the COSE_Sign1 bytes
}

type sign1Array struct {
	_           struct{} `cbor:",toarray"`
	Protected   []byte
	Unprotected cbor.RawMessage
	Payload     []byte
	Signature   []byte
}

// parseSign1 reads a tagged (18) or untagged COSE_Sign1. It is written
// here rather than through a general COSE library because it sits on the
// hot path of every offline verification.
func parseSign1(raw []byte) (*Sign1, error) {
	b := raw
	if len(b) > 0 && b[0] == 0xd2 { // tag 18
		b = b[1:]
	} else if len(b) > 0 && b[0]>>5 == 6 {
		return nil, fmt.Errorf("CBOR tag is not 18 (COSE_Sign1)")
	}
	var a sign1Array
	if err := decMode.Unmarshal(b, &a); err != nil {
		return nil, err
	}
	if a.Payload == nil {
		return nil, fmt.Errorf("detached payload")
	}
	m := &Sign1{Protected: a.Protected, Payload: a.Payload, Signature: a.Signature}
	// Fast path for the headers our issuer writes: protected
	// {1: -7, 4: h'<8 bytes>'} and an empty unprotected map.
	if p := a.Protected; len(p) == 13 && string(p[:5]) == "\xa2\x01\x26\x04\x48" &&
		len(a.Unprotected) == 1 && a.Unprotected[0] == 0xa0 {
		m.Alg, m.KeyID = int64(cose.AlgorithmES256), p[5:13]
		return m, nil
	}
	var prot, unprot map[int64]cbor.RawMessage
	if len(a.Protected) > 0 {
		if err := decMode.Unmarshal(a.Protected, &prot); err != nil {
			return nil, fmt.Errorf("protected header: %v", err)
		}
	}
	if len(a.Unprotected) > 0 {
		if err := decMode.Unmarshal(a.Unprotected, &unprot); err != nil {
			return nil, fmt.Errorf("unprotected header: %v", err)
		}
	}
	if v, ok := prot[1]; ok {
		if err := decMode.Unmarshal(v, &m.Alg); err != nil {
			return nil, fmt.Errorf("algorithm header is not an integer")
		}
	} else if _, ok := unprot[1]; ok {
		return nil, fmt.Errorf("the algorithm must be in the protected header")
	}
	kid, ok := prot[4]
	if !ok {
		kid, ok = unprot[4]
	}
	if ok {
		if err := decMode.Unmarshal(kid, &m.KeyID); err != nil {
			return nil, fmt.Errorf("kid header is not a byte string")
		}
	}
	return m, nil
}

// toBeSigned is the Sig_structure of RFC 9052 §4.4 for a COSE_Sign1 with
// no external AAD: ["Signature1", protected, h”, payload].
func (m *Sign1) toBeSigned() []byte {
	out := make([]byte, 0, 16+len(m.Protected)+len(m.Payload)+18)
	out = append(out, 0x84, 0x6a)
	out = append(out, "Signature1"...)
	out = appendBstrHead(out, len(m.Protected))
	out = append(out, m.Protected...)
	out = append(out, 0x40)
	out = appendBstrHead(out, len(m.Payload))
	return append(out, m.Payload...)
}

func appendBstrHead(b []byte, n int) []byte {
	switch {
	case n < 24:
		return append(b, 0x40|byte(n))
	case n < 1<<8:
		return append(b, 0x58, byte(n))
	case n < 1<<16:
		return append(b, 0x59, byte(n>>8), byte(n))
	default:
		return append(b, 0x5a, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// verifyES256 checks an ES256 signature (64 bytes, r ‖ s) of m.
func (m *Sign1) verifyES256(pub *ecdsa.PublicKey) bool {
	if len(m.Signature) != 64 || pub.Curve != elliptic.P256() {
		return false
	}
	// Hash the Sig_structure in pieces rather than building it.
	d := sha256.New()
	var head [16]byte
	d.Write(appendBstrHead(append(append(head[:0], 0x84, 0x6a), "Signature1"...), len(m.Protected)))
	d.Write(m.Protected)
	d.Write(appendBstrHead(append(head[:0], 0x40), len(m.Payload)))
	d.Write(m.Payload)
	var h [sha256.Size]byte
	d.Sum(h[:0])
	r, s := new(big.Int).SetBytes(m.Signature[:32]), new(big.Int).SetBytes(m.Signature[32:])
	return ecdsa.Verify(pub, h[:], r, s)
}

var zlibPool sync.Pool

// inflate decompresses at most max bytes of zlib data; more is an error
// (a compression bomb gives up after max bytes, never allocating more).
func inflate(b []byte, max int) ([]byte, error) {
	if len(b) < 2 || (int(b[0])<<8|int(b[1]))%31 != 0 || b[0]&0x0f != 8 {
		return nil, ErrDecompress
	}
	if out, ok := inflateStored(b, max); ok {
		return out, nil
	}
	br := bytes.NewReader(b)
	var zr io.ReadCloser
	if r, ok := zlibPool.Get().(io.ReadCloser); ok {
		if err := r.(zlib.Resetter).Reset(br, nil); err != nil {
			return nil, ErrDecompress
		}
		zr = r
	} else {
		r, err := zlib.NewReader(br)
		if err != nil {
			return nil, ErrDecompress
		}
		zr = r
	}
	defer zlibPool.Put(zr)
	out, err := io.ReadAll(io.LimitReader(zr, int64(max)+1))
	if err != nil {
		return nil, ErrDecompress
	}
	if len(out) > max {
		return nil, ErrTooLarge
	}
	return out, nil
}

// inflateStored is the fast path for what our issuer writes (ZlibLevel 0):
// a zlib stream of stored deflate blocks (RFC 1951 §3.2.4), copied out and
// checked against the Adler-32 trailer. Anything else (compressed blocks,
// a preset dictionary, a bad checksum) returns ok=false and goes through
// compress/zlib, which reports the error.
func inflateStored(b []byte, max int) ([]byte, bool) {
	if b[1]&0x20 != 0 || len(b) < 2+5+4 { // FDICT set, or too short
		return nil, false
	}
	in := b[2 : len(b)-4]
	var out []byte
	for {
		if len(in) < 5 || in[0]&^1 != 0 { // BTYPE must be 00 and the rest of the byte zero
			return nil, false
		}
		final := in[0]&1 == 1
		n := int(in[1]) | int(in[2])<<8
		if n^0xffff != int(in[3])|int(in[4])<<8 || len(in) < 5+n || len(out)+n > max {
			return nil, false
		}
		if out == nil {
			out = make([]byte, 0, min(len(b), max))
		}
		out = append(out, in[5:5+n]...)
		in = in[5+n:]
		if final {
			break
		}
	}
	sum := b[len(b)-4:]
	if len(in) != 0 || adler32.Checksum(out) != uint32(sum[0])<<24|uint32(sum[1])<<16|uint32(sum[2])<<8|uint32(sum[3]) {
		return nil, false
	}
	return out, true
}

// Decode undoes base45 and zlib and parses the COSE_Sign1 and its claims,
// within limits, without checking the signature.
func Decode(text string, lim Limits) (*Parsed, error) {
	text = strings.TrimSpace(text)
	if len(text) > lim.MaxText {
		return nil, fail(Malformed, ErrTooLarge, "%d characters; a QR code holds at most %d", len(text), lim.MaxText)
	}
	if strings.HasPrefix(text, "HC1:") || strings.HasPrefix(text, "NO1:") {
		return nil, fail(Malformed, ErrBase45, "the text has a %q prefix; docketcard credentials have none", text[:4])
	}
	z, err := base45.Decode(text)
	if err != nil {
		return nil, fail(Malformed, ErrBase45, "%v", err)
	}
	raw, err := inflate(z, lim.MaxInflated)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, fail(Malformed, ErrTooLarge, "more than %d bytes", lim.MaxInflated)
		}
		return nil, fail(Malformed, ErrDecompress, "")
	}
	msg, err := parseSign1(raw)
	if err != nil {
		return nil, fail(Malformed, ErrNotCOSE, "%v", err)
	}
	p := &Parsed{Message: msg, Signed: raw, KeyID: msg.KeyID}
	if err := parseClaims(msg.Payload, &p.Credential); err != nil {
		return nil, err
	}
	return p, nil
}

// cwtClaims are the claims a verifier reads, decoded in one pass.
// NumericDates must be integers (RFC 8392 §2); unknown claims are ignored.
type cwtClaims struct {
	Iss    string          `cbor:"1,keyasint,omitempty"`
	Sub    string          `cbor:"2,keyasint,omitempty"`
	Exp    *int64          `cbor:"4,keyasint,omitempty"`
	Nbf    *int64          `cbor:"5,keyasint,omitempty"`
	Iat    *int64          `cbor:"6,keyasint,omitempty"`
	ID     cbor.RawMessage `cbor:"169,keyasint,omitempty"`
	Status cbor.RawMessage `cbor:"65535,keyasint,omitempty"`
}

type statusClaim struct {
	List *struct {
		Idx *int64 `cbor:"idx"`
		URI string `cbor:"uri"`
	} `cbor:"status_list"`
}

func parseClaims(payload []byte, c *Credential) error {
	var m cwtClaims
	if err := decMode.Unmarshal(payload, &m); err != nil {
		return fail(Malformed, ErrCWT, "%v", err)
	}
	date := func(v *int64) time.Time {
		if v == nil {
			return time.Time{}
		}
		return time.Unix(*v, 0).UTC()
	}
	c.Issuer, c.CardNumber = m.Iss, m.Sub
	c.ExpiresAt, c.NotBefore, c.IssuedAt = date(m.Exp), date(m.Nbf), date(m.Iat)
	if m.ID == nil {
		return fail(Malformed, ErrClaim169, "claim 169 is absent")
	}
	c.Identity = &claim169.Identity{}
	if err := c.Identity.UnmarshalCBOR(m.ID); err != nil {
		return fail(Malformed, ErrClaim169, "%v", err)
	}
	if m.Status != nil {
		// Fast typed read of {"status_list": {"idx": n, "uri": u}}; any
		// other shape goes to the general parser for its error message.
		var st statusClaim
		if err := decMode.Unmarshal(m.Status, &st); err == nil && st.List != nil && st.List.Idx != nil {
			c.Status = statuslist.Reference{Index: int(*st.List.Idx), URI: st.List.URI}
			if *st.List.Idx > int64(^uint32(0)) || c.Status.Validate() != nil {
				return fail(Malformed, ErrCWT, "status claim: %v", c.Status.Validate())
			}
		} else {
			ref, err := statuslist.ParseReference(m.Status)
			if err != nil {
				return fail(Malformed, ErrCWT, "status claim: %v", err)
			}
			c.Status = ref
		}
	}
	return nil
}

// Verifier checks credentials offline against a trust list and, if it
// has one, a cached status list.
type Verifier struct {
	Trust  *pki.TrustList
	Status *statuslist.Token // may be nil: status then unknown
	Limits Limits
	Now    func() time.Time
}

// Result is a verification report.
type Result struct {
	Outcome     Outcome
	Reason      string
	Credential  *Credential
	Signer      *pki.TrustedSigner
	KeyID       []byte
	StatusKnown bool
	StatusAsOf  time.Time // when the status list used was issued
	StatusNote  string    // why the status was not checked, if it was not
	Face        []byte    // the signed face image, if any
	Signed      []byte    // the COSE_Sign1 bytes, once decoded
	Claims      []byte    // the signed payload (the CWT claims), once decoded
}

// Verify decodes and checks one credential. A credential that fails gets
// a Result with the outcome and reason and a nil error; err is only for
// misuse (no trust list).
func (v *Verifier) Verify(text string) (*Result, error) {
	p, err := v.Decode(text)
	return v.Check(p, err)
}

// Decode is the first half of Verify: Decode with the verifier's limits.
// It checks no signature, so nothing it returns may be trusted yet.
func (v *Verifier) Decode(text string) (*Parsed, error) {
	lim := v.Limits
	if lim.MaxText == 0 {
		lim = DefaultLimits
	}
	return Decode(text, lim)
}

// Check is the second half of Verify, given what Decode returned. Online
// verification decodes first so that it can start reading the card's
// record while the signature is being checked.
func (v *Verifier) Check(p *Parsed, decodeErr error) (*Result, error) {
	if v.Trust == nil {
		return nil, errors.New("credential: verifier has no trust list")
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if decodeErr != nil {
		return result(nil, decodeErr), nil
	}
	res := &Result{Credential: &p.Credential, KeyID: p.KeyID, Signed: p.Signed, Claims: p.Message.Payload}
	if e := v.checkSignature(p, now, res); e != nil {
		res.Outcome, res.Reason = e.Outcome, e.Error()
		return res, nil
	}
	if bs := p.Credential.Identity.Biometrics[62]; len(bs) > 0 {
		res.Face = bs[0].Data
	}
	c := &p.Credential
	switch {
	case !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt):
		res.Outcome, res.Reason = Expired, "the card expired on "+c.ExpiresAt.Format(time.DateOnly)
		return res, nil
	case !c.NotBefore.IsZero() && now.Before(c.NotBefore):
		res.Outcome, res.Reason = NotYetValid, "the card is valid from "+c.NotBefore.Format(time.DateOnly)
		return res, nil
	}
	res.Outcome = Valid
	switch {
	case v.Status == nil:
		res.StatusNote = "no status list"
	case c.Status.URI == "":
		res.StatusNote = "the card carries no status reference"
	case c.Status.URI != v.Status.URI:
		res.StatusNote = "the status list given is for " + v.Status.URI + ", the card refers to " + c.Status.URI
	}
	if v.Status != nil && c.Status.URI != "" && c.Status.URI == v.Status.URI {
		s, err := v.Status.List.Get(c.Status.Index)
		if err != nil {
			res.Outcome, res.Reason = Malformed, "the status index is outside the status list: "+err.Error()
			return res, nil
		}
		res.StatusKnown, res.StatusAsOf = true, v.Status.IssuedAt
		switch s {
		case statuslist.Invalid:
			res.Outcome, res.Reason = Revoked, "revoked according to the status list of "+v.Status.IssuedAt.Format(time.RFC3339)
		case statuslist.Suspended:
			res.Outcome, res.Reason = Suspended, "suspended according to the status list of "+v.Status.IssuedAt.Format(time.RFC3339)
		}
	}
	return res, nil
}

func (v *Verifier) checkSignature(p *Parsed, now time.Time, res *Result) *Error {
	if p.Message.Alg != int64(cose.AlgorithmES256) {
		return fail(BadSignature, ErrAlgorithm, "algorithm %d; want ES256 (-7)", p.Message.Alg)
	}
	ts, err := v.Trust.CheckSigner(p.KeyID, p.Credential.IssuedAt, now, "card")
	switch {
	case errors.Is(err, pki.ErrUnknownKey):
		return fail(BadSignature, ErrUnknownKey, "key id %x", p.KeyID)
	case errors.Is(err, pki.ErrSignerExpired):
		return fail(BadSignature, ErrSignerExpired, "key id %x", p.KeyID)
	case errors.Is(err, pki.ErrOutsideUsage), errors.Is(err, pki.ErrSignerNotYetValid):
		return fail(BadSignature, ErrOutsideUsage, "key id %x, signed %s", p.KeyID, p.Credential.IssuedAt.Format(time.DateOnly))
	case errors.Is(err, pki.ErrWrongPurpose):
		return fail(BadSignature, ErrUnknownKey, "key id %x is not a card-signing key", p.KeyID)
	case err != nil:
		return fail(BadSignature, ErrUnknownKey, "%v", err)
	}
	res.Signer = ts
	pub, ok := ts.Certificate.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return fail(BadSignature, ErrSignature, "signer certificate has no P-256 key")
	}
	if !p.Message.verifyES256(pub) {
		return fail(BadSignature, ErrSignature, "")
	}
	return nil
}

func result(c *Credential, err error) *Result {
	var e *Error
	if errors.As(err, &e) {
		return &Result{Outcome: e.Outcome, Reason: e.Error(), Credential: c}
	}
	return &Result{Outcome: Malformed, Reason: err.Error(), Credential: c}
}
