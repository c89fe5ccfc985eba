package credential

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"errors"
	"fmt"
	"io"
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

// Parsed is a decoded, not yet verified, credential.
type Parsed struct {
	Message    *cose.Sign1Message
	KeyID      []byte
	Credential Credential
	Signed     []byte // the COSE_Sign1 bytes
}

var zlibPool sync.Pool

// inflate decompresses at most max bytes of zlib data; more is an error
// (a compression bomb gives up after max bytes, never allocating more).
func inflate(b []byte, max int) ([]byte, error) {
	if len(b) < 2 || (int(b[0])<<8|int(b[1]))%31 != 0 || b[0]&0x0f != 8 {
		return nil, ErrDecompress
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
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(raw); err != nil {
		return nil, fail(Malformed, ErrNotCOSE, "%v", err)
	}
	p := &Parsed{Message: &msg, Signed: raw}
	if kid, ok := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte); ok {
		p.KeyID = kid
	} else if kid, ok := msg.Headers.Unprotected[cose.HeaderLabelKeyID].([]byte); ok {
		p.KeyID = kid
	}
	if err := parseClaims(msg.Payload, &p.Credential); err != nil {
		return nil, err
	}
	return p, nil
}

func parseClaims(payload []byte, c *Credential) error {
	var m map[int64]cbor.RawMessage
	if err := decMode.Unmarshal(payload, &m); err != nil {
		return fail(Malformed, ErrCWT, "%v", err)
	}
	str := func(k int64) (string, error) {
		var s string
		if v, ok := m[k]; ok {
			if err := decMode.Unmarshal(v, &s); err != nil {
				return "", fail(Malformed, ErrCWT, "claim %d is not a text string", k)
			}
		}
		return s, nil
	}
	date := func(k int64) (time.Time, error) {
		v, ok := m[k]
		if !ok {
			return time.Time{}, nil
		}
		var n int64
		if err := decMode.Unmarshal(v, &n); err != nil {
			return time.Time{}, fail(Malformed, ErrCWT, "claim %d is not a NumericDate (integer seconds)", k)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	var err error
	if c.Issuer, err = str(claimIss); err != nil {
		return err
	}
	if c.CardNumber, err = str(claimSub); err != nil {
		return err
	}
	if c.ExpiresAt, err = date(claimExp); err != nil {
		return err
	}
	if c.NotBefore, err = date(claimNbf); err != nil {
		return err
	}
	if c.IssuedAt, err = date(claimIat); err != nil {
		return err
	}
	id, ok := m[claimID]
	if !ok {
		return fail(Malformed, ErrClaim169, "claim 169 is absent")
	}
	c.Identity = &claim169.Identity{}
	if err := c.Identity.UnmarshalCBOR(id); err != nil {
		return fail(Malformed, ErrClaim169, "%v", err)
	}
	if st, ok := m[claimStatus]; ok {
		var v any
		if err := decMode.Unmarshal(st, &v); err != nil {
			return fail(Malformed, ErrCWT, "status claim: %v", err)
		}
		ref, err := statuslist.ParseReference(v)
		if err != nil {
			return fail(Malformed, ErrCWT, "status claim: %v", err)
		}
		c.Status = ref
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
}

// Verify decodes and checks one credential. A credential that fails gets
// a Result with the outcome and reason and a nil error; err is only for
// misuse (no trust list).
func (v *Verifier) Verify(text string) (*Result, error) {
	if v.Trust == nil {
		return nil, errors.New("credential: verifier has no trust list")
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	lim := v.Limits
	if lim.MaxText == 0 {
		lim = DefaultLimits
	}
	p, err := Decode(text, lim)
	if err != nil {
		return result(nil, err), nil
	}
	res := &Result{Credential: &p.Credential, KeyID: p.KeyID}
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
	alg, err := p.Message.Headers.Protected.Algorithm()
	if err != nil || alg != cose.AlgorithmES256 {
		return fail(BadSignature, ErrAlgorithm, "want ES256")
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
	pub, ok := ts.Certificate.PublicKey.(crypto.PublicKey)
	if !ok {
		return fail(BadSignature, ErrSignature, "signer certificate has no public key")
	}
	ver, err := cose.NewVerifier(cose.AlgorithmES256, pub)
	if err != nil {
		return fail(BadSignature, ErrSignature, "%v", err)
	}
	if err := p.Message.Verify(nil, ver); err != nil {
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
