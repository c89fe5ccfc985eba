package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/signer"
	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// TrustListType is the COSE "typ" header (label 16, RFC 9596) of a signed
// trust list, so that nothing else the root might sign passes for one.
const TrustListType = "application/docketcard-trust-list+cbor"

// trustListVersion is the value of payload key 1.
const trustListVersion = 1

// Limits on hostile input.
const (
	maxTrustListBytes = 8 << 20
	maxSigners        = 10000
)

// TrustedSigner is one signer key on the trust list.
type TrustedSigner struct {
	KeyID       []byte            // SHA-256(Certificate.Raw)[:8]
	Site        string            // site code, as in the certificate's OU
	Purpose     string            // PurposeCard | PurposeStatus
	Status      string            // StatusCurrent | StatusRetired (retired: no longer signs, still verifies)
	UsageFrom   time.Time         // when it may sign: [UsageFrom, UsageUntil], both inclusive
	UsageUntil  time.Time         //
	Certificate *x509.Certificate // issued by the root
}

// TrustList is the root-signed list of signer keys that verifiers trust.
// Times have one-second precision on the wire.
type TrustList struct {
	Sequence   uint64    // increases with every published list; verifiers refuse to go back
	IssuedAt   time.Time // when the list was made
	NextUpdate time.Time // when verifiers must have fetched a newer one
	Signers    []TrustedSigner
}

// NewTrustedSigner makes the trust list entry of a certificate issued by
// Root.IssueSigner with the same keyUsage: site and purpose come from the
// certificate's subject, the usage period is [NotBefore, NotBefore+keyUsage]
// and the status is StatusCurrent.
func NewTrustedSigner(cert *x509.Certificate, keyUsage time.Duration) (TrustedSigner, error) {
	site, purpose, ok := signerIdentity(cert)
	if !ok {
		return TrustedSigner{}, fmt.Errorf("pki: certificate %q was not issued by IssueSigner (subject has no site and purpose): %w", cert.Subject.CommonName, ErrBadRequest)
	}
	ts := TrustedSigner{
		KeyID:       signer.KeyID(cert),
		Site:        site,
		Purpose:     purpose,
		Status:      StatusCurrent,
		UsageFrom:   cert.NotBefore,
		UsageUntil:  cert.NotBefore.Add(keyUsage),
		Certificate: cert,
	}
	if ts.UsageUntil.After(cert.NotAfter) || keyUsage <= 0 {
		return TrustedSigner{}, fmt.Errorf("pki: key usage %v does not fit in the certificate's validity: %w", keyUsage, ErrBadRequest)
	}
	return ts, nil
}

// Lookup returns the signer with key id kid.
func (tl *TrustList) Lookup(kid []byte) (*TrustedSigner, bool) {
	for i := range tl.Signers {
		if bytes.Equal(tl.Signers[i].KeyID, kid) {
			return &tl.Signers[i], true
		}
	}
	return nil, false
}

// Rotate makes next the current signer of its site and purpose: every
// signer that was current for that site and purpose becomes retired, and
// its usage period is cut to end at retireAt if it ended later. Cards that
// the retired key signed before retireAt keep verifying until its
// certificate expires. The caller then publishes the list with a higher
// Sequence. Rotate changes nothing if it fails.
func (tl *TrustList) Rotate(next TrustedSigner, retireAt time.Time) error {
	if next.Certificate == nil {
		return fmt.Errorf("pki: rotate: no certificate: %w", ErrBadRequest)
	}
	if _, dup := tl.Lookup(signer.KeyID(next.Certificate)); dup {
		return fmt.Errorf("pki: rotate: key %x is already on the list: %w", signer.KeyID(next.Certificate), ErrInvalidTrustList)
	}
	retireAt = retireAt.UTC().Truncate(time.Second)
	for i := range tl.Signers {
		s := &tl.Signers[i]
		if s.Site != next.Site || s.Purpose != next.Purpose || s.Status != StatusCurrent {
			continue
		}
		s.Status = StatusRetired
		if s.UsageUntil.After(retireAt) {
			s.UsageUntil = retireAt
			if s.UsageUntil.Before(s.UsageFrom) {
				s.UsageUntil = s.UsageFrom
			}
		}
	}
	next.Status = StatusCurrent
	next.KeyID = signer.KeyID(next.Certificate)
	tl.Signers = append(tl.Signers, next)
	return nil
}

// CheckSigner decides whether a credential (or status list) signed at
// signedAt by key kid verifies at now for purpose: the key must be on the
// list (ErrUnknownKey) for that purpose (ErrWrongPurpose), now must be
// within its certificate's validity (ErrSignerExpired, ErrSignerNotYetValid)
// and signedAt within its usage period (ErrOutsideUsage). A retired signer
// passes like a current one: retirement ends its usage period, not the
// validity of what it signed. signedAt is the credential's own claim (CWT
// iat); checking it against now is the credential verifier's job.
func (tl *TrustList) CheckSigner(kid []byte, signedAt, now time.Time, purpose string) (*TrustedSigner, error) {
	s, ok := tl.Lookup(kid)
	if !ok {
		return nil, fmt.Errorf("pki: key %x: %w", kid, ErrUnknownKey)
	}
	if s.Purpose != purpose {
		return nil, fmt.Errorf("pki: key %x of %s signs %s, not %s: %w", kid, s.Site, s.Purpose, purpose, ErrWrongPurpose)
	}
	if now.After(s.Certificate.NotAfter) {
		return nil, fmt.Errorf("pki: key %x of %s: certificate expired at %s: %w", kid, s.Site, s.Certificate.NotAfter.Format(time.RFC3339), ErrSignerExpired)
	}
	if now.Before(s.Certificate.NotBefore) {
		return nil, fmt.Errorf("pki: key %x of %s: certificate valid from %s: %w", kid, s.Site, s.Certificate.NotBefore.Format(time.RFC3339), ErrSignerNotYetValid)
	}
	if signedAt.Before(s.UsageFrom) || signedAt.After(s.UsageUntil) {
		return nil, fmt.Errorf("pki: key %x of %s: signed at %s, usage period [%s, %s]: %w", kid, s.Site,
			signedAt.UTC().Format(time.RFC3339), s.UsageFrom.Format(time.RFC3339), s.UsageUntil.Format(time.RFC3339), ErrOutsideUsage)
	}
	return s, nil
}

// The trust list payload is a CBOR map with integer keys, encoded with the
// core deterministic encoding of RFC 8949 section 4.2.1 (shortest forms,
// definite lengths, keys sorted), so the same list always gives the same
// bytes. Times are integer seconds since the Unix epoch (like CWT
// NumericDate); byte strings are raw.
//
//	trust-list = {
//	  1: uint,          ; version, 1
//	  2: uint,          ; sequence
//	  3: int,           ; issued at
//	  4: int,           ; next update
//	  5: [* signer],    ; signers, in list order
//	}
//	signer = {
//	  1: bstr .size 8,  ; kid = SHA-256(certificate)[:8]
//	  2: tstr,          ; site code
//	  3: tstr,          ; purpose: "card" / "status"
//	  4: tstr,          ; status: "current" / "retired"
//	  5: int,           ; usage from (inclusive)
//	  6: int,           ; usage until (inclusive)
//	  7: bstr,          ; signer certificate, DER
//	}
type wireList struct {
	Version    uint64       `cbor:"1,keyasint"`
	Sequence   uint64       `cbor:"2,keyasint"`
	IssuedAt   int64        `cbor:"3,keyasint"`
	NextUpdate int64        `cbor:"4,keyasint"`
	Signers    []wireSigner `cbor:"5,keyasint"`
}

type wireSigner struct {
	KeyID       []byte `cbor:"1,keyasint"`
	Site        string `cbor:"2,keyasint"`
	Purpose     string `cbor:"3,keyasint"`
	Status      string `cbor:"4,keyasint"`
	UsageFrom   int64  `cbor:"5,keyasint"`
	UsageUntil  int64  `cbor:"6,keyasint"`
	Certificate []byte `cbor:"7,keyasint"`
}

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	eo := cbor.CoreDetEncOptions()
	eo.NilContainers = cbor.NilContainerAsEmpty
	var err error
	if encMode, err = eo.EncMode(); err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		MaxNestedLevels:   8,
		MaxArrayElements:  maxSigners,
		MaxMapPairs:       64,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// MarshalCBOR encodes the list payload (unsigned) deterministically.
func (tl *TrustList) MarshalCBOR() ([]byte, error) {
	w := wireList{
		Version:    trustListVersion,
		Sequence:   tl.Sequence,
		IssuedAt:   tl.IssuedAt.Unix(),
		NextUpdate: tl.NextUpdate.Unix(),
		Signers:    make([]wireSigner, 0, len(tl.Signers)),
	}
	for _, s := range tl.Signers {
		var raw []byte
		if s.Certificate != nil {
			raw = s.Certificate.Raw
		}
		w.Signers = append(w.Signers, wireSigner{
			KeyID:       s.KeyID,
			Site:        s.Site,
			Purpose:     s.Purpose,
			Status:      s.Status,
			UsageFrom:   s.UsageFrom.Unix(),
			UsageUntil:  s.UsageUntil.Unix(),
			Certificate: raw,
		})
	}
	return encMode.Marshal(w)
}

// decodePayload decodes a payload written by MarshalCBOR. It checks the
// encoding, not the rules (see validate).
func decodePayload(b []byte) (*TrustList, error) {
	var w wireList
	if err := decMode.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("pki: trust list payload: %v: %w", err, ErrMalformed)
	}
	if w.Version != trustListVersion {
		return nil, fmt.Errorf("pki: trust list version %d, want %d: %w", w.Version, trustListVersion, ErrMalformed)
	}
	tl := &TrustList{
		Sequence:   w.Sequence,
		IssuedAt:   time.Unix(w.IssuedAt, 0).UTC(),
		NextUpdate: time.Unix(w.NextUpdate, 0).UTC(),
		Signers:    make([]TrustedSigner, 0, len(w.Signers)),
	}
	for i, ws := range w.Signers {
		cert, err := x509.ParseCertificate(ws.Certificate)
		if err != nil {
			return nil, fmt.Errorf("pki: trust list signer %d: certificate: %v: %w", i, err, ErrMalformed)
		}
		tl.Signers = append(tl.Signers, TrustedSigner{
			KeyID:       ws.KeyID,
			Site:        ws.Site,
			Purpose:     ws.Purpose,
			Status:      ws.Status,
			UsageFrom:   time.Unix(ws.UsageFrom, 0).UTC(),
			UsageUntil:  time.Unix(ws.UsageUntil, 0).UTC(),
			Certificate: cert,
		})
	}
	return tl, nil
}

// validate checks the rules of a trust list against root: every signer
// certificate issued by root (ErrNotIssuedByRoot) and the consistency rules
// (ErrInvalidTrustList).
func (tl *TrustList) validate(root *x509.Certificate) error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("pki: trust list: %s: %w", fmt.Sprintf(format, args...), ErrInvalidTrustList)
	}
	if tl.IssuedAt.Unix() <= 0 || !tl.NextUpdate.After(tl.IssuedAt) {
		return invalid("next update %s is not after issued at %s", tl.NextUpdate.Format(time.RFC3339), tl.IssuedAt.Format(time.RFC3339))
	}
	if len(tl.Signers) > maxSigners {
		return invalid("%d signers, at most %d", len(tl.Signers), maxSigners)
	}
	seen := make(map[string]bool, len(tl.Signers))
	current := make(map[[2]string]string)
	for i, s := range tl.Signers {
		if s.Certificate == nil {
			return invalid("signer %d has no certificate", i)
		}
		cert := s.Certificate
		kid := signer.KeyID(cert)
		if !bytes.Equal(s.KeyID, kid) {
			return invalid("signer %d: key id %x is not SHA-256(certificate)[:8] = %x", i, s.KeyID, kid)
		}
		name := fmt.Sprintf("signer %d (kid %s)", i, hex.EncodeToString(kid))
		if seen[string(kid)] {
			return invalid("%s is listed twice", name)
		}
		seen[string(kid)] = true
		if !bytes.Equal(cert.RawIssuer, root.RawSubject) {
			return fmt.Errorf("pki: trust list: %s: issuer %q is not the root %q: %w", name, cert.Issuer.String(), root.Subject.String(), ErrNotIssuedByRoot)
		}
		if err := cert.CheckSignatureFrom(root); err != nil {
			return fmt.Errorf("pki: trust list: %s: %v: %w", name, err, ErrNotIssuedByRoot)
		}
		if _, err := p256(cert.PublicKey); err != nil {
			return invalid("%s: %v", name, err)
		}
		if cert.IsCA || cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
			return invalid("%s: not an end-entity signing certificate", name)
		}
		if err := docketcard.ValidateSiteCode(s.Site); err != nil {
			return invalid("%s: %s", name, docketcard.ErrorMessage(err))
		}
		if s.Purpose != PurposeCard && s.Purpose != PurposeStatus {
			return invalid("%s: purpose %q", name, s.Purpose)
		}
		if site, purpose, ok := signerIdentity(cert); !ok || site != s.Site || purpose != s.Purpose {
			return invalid("%s: listed for %s %s, certificate subject is %q", name, s.Site, s.Purpose, cert.Subject.String())
		}
		switch s.Status {
		case StatusCurrent:
			k := [2]string{s.Site, s.Purpose}
			if other, dup := current[k]; dup {
				return invalid("%s and %s are both current for %s %s", other, name, s.Site, s.Purpose)
			}
			current[k] = name
		case StatusRetired:
		default:
			return invalid("%s: status %q", name, s.Status)
		}
		if s.UsageUntil.Before(s.UsageFrom) || s.UsageFrom.Before(cert.NotBefore) || s.UsageUntil.After(cert.NotAfter) {
			return invalid("%s: usage period [%s, %s] is not within the certificate's validity [%s, %s]", name,
				s.UsageFrom.Format(time.RFC3339), s.UsageUntil.Format(time.RFC3339), cert.NotBefore.Format(time.RFC3339), cert.NotAfter.Format(time.RFC3339))
		}
	}
	return nil
}

// SignTrustList checks tl (prepare, then sign: a list with a certificate
// the root did not issue, or that breaks a rule, is refused), encodes it
// deterministically (see MarshalCBOR) and signs it as a tagged COSE_Sign1
// with ES256 and the root key:
//
//	protected:   {1 (alg): -7 (ES256), 4 (kid): KeyID(root certificate), 16 (typ): TrustListType}
//	unprotected: {33 (x5chain): root certificate DER}
//
// The x5chain is a convenience for people inspecting a list; verifiers must
// pin the root themselves (ParseTrustList never trusts it). ECDSA
// signatures are randomised, so two signatures of one list differ; the
// payload does not.
func (r *Root) SignTrustList(tl *TrustList) ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("pki: sign trust list: %w", err)
	}
	if tl == nil {
		return nil, fmt.Errorf("pki: sign trust list: no list: %w", ErrBadRequest)
	}
	if err := tl.validate(r.Cert); err != nil {
		return nil, err
	}
	payload, err := tl.MarshalCBOR()
	if err != nil {
		return nil, fmt.Errorf("pki: sign trust list: %w", err)
	}
	return r.signPayload(payload)
}

// signPayload signs payload as a trust list without looking at it.
func (r *Root) signPayload(payload []byte) ([]byte, error) {
	cs, err := cose.NewSigner(cose.AlgorithmES256, r.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: sign trust list: %w", err)
	}
	hdr := cose.Headers{
		Protected: cose.ProtectedHeader{
			cose.HeaderLabelAlgorithm: cose.AlgorithmES256,
			cose.HeaderLabelKeyID:     signer.KeyID(r.Cert),
			cose.HeaderLabelType:      TrustListType,
		},
		Unprotected: cose.UnprotectedHeader{
			cose.HeaderLabelX5Chain: r.Cert.Raw,
		},
	}
	b, err := cose.Sign1(rand.Reader, cs, hdr, payload, nil)
	if err != nil {
		return nil, fmt.Errorf("pki: sign trust list: %w", err)
	}
	return b, nil
}

// ParseTrustList verifies a signed trust list against the pinned root
// certificate and returns it. It allows no grace after NextUpdate; see
// ParseTrustListGrace.
func ParseTrustList(b []byte, root *x509.Certificate, now time.Time) (*TrustList, error) {
	return ParseTrustListGrace(b, root, now, 0)
}

// ParseTrustListGrace is ParseTrustList for a verifier that accepts a list
// up to grace after its NextUpdate (an offline device that could not
// refresh). Errors, in the order checked:
//
//   - ErrMalformed: not a tagged COSE_Sign1 with ES256 and TrustListType,
//     or (once the signature verified) a payload that does not decode;
//   - ErrWrongRoot: the kid (or x5chain) names another root;
//   - ErrBadSignature: the signature does not verify with root's key;
//   - ErrNotIssuedByRoot: a signer certificate was not issued by root;
//   - ErrInvalidTrustList: a consistency rule is broken;
//   - ErrTrustListExpired: now is after NextUpdate + grace.
//
// The signature is checked before the payload is decoded.
func ParseTrustListGrace(b []byte, root *x509.Certificate, now time.Time, grace time.Duration) (*TrustList, error) {
	if err := checkRootCert(root); err != nil {
		return nil, fmt.Errorf("pki: pinned root: %w", err)
	}
	if len(b) > maxTrustListBytes {
		return nil, fmt.Errorf("pki: trust list is %d bytes, at most %d: %w", len(b), maxTrustListBytes, ErrMalformed)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(b); err != nil {
		return nil, fmt.Errorf("pki: trust list: %v: %w", err, ErrMalformed)
	}
	alg, err := msg.Headers.Protected.Algorithm()
	if err != nil || alg != cose.AlgorithmES256 {
		return nil, fmt.Errorf("pki: trust list: algorithm is not ES256: %w", ErrMalformed)
	}
	if typ, _ := msg.Headers.Protected[cose.HeaderLabelType].(string); typ != TrustListType {
		return nil, fmt.Errorf("pki: trust list: typ %q, want %q: %w", typ, TrustListType, ErrMalformed)
	}
	kid, _ := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
	if rootKID := signer.KeyID(root); !bytes.Equal(kid, rootKID) {
		return nil, fmt.Errorf("pki: trust list: signed by key %x, pinned root is %x: %w", kid, rootKID, ErrWrongRoot)
	}
	if x5, ok := msg.Headers.Unprotected[cose.HeaderLabelX5Chain]; ok {
		if first := firstCert(x5); !bytes.Equal(first, root.Raw) {
			return nil, fmt.Errorf("pki: trust list: x5chain is not the pinned root: %w", ErrWrongRoot)
		}
	}
	v, err := cose.NewVerifier(cose.AlgorithmES256, root.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("pki: pinned root: %v: %w", err, ErrBadRoot)
	}
	if err := msg.Verify(nil, v); err != nil {
		return nil, fmt.Errorf("pki: trust list: %v: %w", err, ErrBadSignature)
	}
	tl, err := decodePayload(msg.Payload)
	if err != nil {
		return nil, err
	}
	if err := tl.validate(root); err != nil {
		return nil, err
	}
	if now.After(tl.NextUpdate.Add(grace)) {
		return nil, fmt.Errorf("pki: trust list %d: next update was %s (grace %v), now %s: %w", tl.Sequence,
			tl.NextUpdate.Format(time.RFC3339), grace, now.UTC().Format(time.RFC3339), ErrTrustListExpired)
	}
	return tl, nil
}

// firstCert returns the first certificate of an x5chain value: a bstr or
// an array of bstr.
func firstCert(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case []any:
		if len(x) > 0 {
			b, _ := x[0].([]byte)
			return b
		}
	}
	return nil
}
