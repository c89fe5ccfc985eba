package statuslist

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// MediaType is the type of a Status List Token in CWT form: the value of
// its COSE "typ" header (Section 5.2) and its HTTP Content-Type (Sections
// 8.1, 8.2 and 14.7).
const MediaType = "application/statuslist+cwt"

// CWT claim keys of a Status List Token (Section 5.2; RFC 8392, Section 4)
// and of a Referenced Token (Section 6.3).
const (
	claimSub        = 2     // subject: the URI of the Status List Token
	claimExp        = 4     // expiration time
	claimIat        = 6     // issued at
	claimStatusList = 65533 // status list (Section 5.2)
	claimTTL        = 65534 // time to live, in seconds (Section 5.2)
	// ClaimStatus is the key of the "status" claim (Section 6.3) in the
	// CWT claims of a Referenced Token (a card); its value is a
	// Reference's CBORValue.
	ClaimStatus = 65535
)

// Keys of the StatusList CBOR map (Section 4.3).
const (
	keyBits           = "bits"
	keyLst            = "lst"
	keyAggregationURI = "aggregation_uri"
)

// headerType is the COSE "typ" header label (RFC 9596), 16.
const headerType = cose.HeaderLabelType

// encMode is RFC 8949 Core Deterministic Encoding (Section 4.2.1): map keys
// sorted bytewise, shortest forms, no indefinite lengths. The same claims
// therefore always encode to the same bytes.
var encMode = func() cbor.EncMode {
	m, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// decMode decodes untrusted claims strictly: no duplicate map keys, no
// indefinite lengths, bounded nesting, integers as int64.
var decMode = func() cbor.DecMode {
	m, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		IntDec:           cbor.IntDecConvertSignedOrFail,
		MaxNestedLevels:  16,
		MaxArrayElements: 1 << 16,
		MaxMapPairs:      1 << 12,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// Token is a Status List Token in CWT form (Section 5.2).
type Token struct {
	// URI is the subject claim (2): the URI the token is published at,
	// equal to the uri of the References that point into it.
	URI string
	// IssuedAt is the issued-at claim (6), required.
	IssuedAt time.Time
	// ExpiresAt is the expiration-time claim (4), RECOMMENDED; the zero
	// time leaves it out.
	ExpiresAt time.Time
	// TTL is the time-to-live claim (65534), RECOMMENDED: how long a
	// relying party may cache the token, in whole seconds; 0 leaves it
	// out.
	TTL time.Duration
	// List is the status list claim (65533).
	List *List
	// AggregationURI is the optional aggregation_uri of the Status List
	// (Sections 4.3 and 9.2); empty leaves it out.
	AggregationURI string
	// KeyID is the COSE kid header (4) of the signing key. Parse sets it
	// from the protected header (or, failing that, the unprotected one).
	KeyID []byte
}

// Expired reports whether the token has an expiration time that is not
// after now (Section 8.3, step 4c).
func (t *Token) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// algorithmFor returns the COSE signature algorithm for a public key:
// ES256, ES384 or ES512 for ECDSA on P-256, P-384 or P-521, EdDSA for
// Ed25519.
func algorithmFor(pub crypto.PublicKey) (cose.Algorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return cose.AlgorithmES256, nil
		case elliptic.P384():
			return cose.AlgorithmES384, nil
		case elliptic.P521():
			return cose.AlgorithmES512, nil
		}
		return 0, fail(docketcard.EUNSUPPORTED, ErrKey, "ECDSA curve %s is not supported", k.Curve.Params().Name)
	case ed25519.PublicKey:
		return cose.AlgorithmEdDSA, nil
	}
	return 0, fail(docketcard.EUNSUPPORTED, ErrKey, "key type %T is not supported (want ECDSA or Ed25519)", pub)
}

// checkURI checks that s is an absolute URI (RFC 3986; Section 6.2 of the
// draft requires a URI).
func checkURI(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%s %q is not a URI", what, s)
	}
	if !u.IsAbs() {
		return fmt.Errorf("%s %q is not an absolute URI", what, s)
	}
	return nil
}

// Sign returns a signed Status List Token for t: the CWT claims of Section
// 5.2 in deterministic CBOR (RFC 8949, Section 4.2.1) as the payload of a
// COSE_Sign1_Tagged message (RFC 9052; tag 18, as Section 5.2 requires, and
// not wrapped in the CWT tag) with the protected header
// {1: alg, 4: kid, 16: "application/statuslist+cwt"}. alg is ES256 for a
// P-256 key (ES384, ES512 and EdDSA for P-384, P-521 and Ed25519 keys).
//
// key may be any crypto.Signer, such as a key held in an HSM. kid is the
// key's identifier; if it is empty t.KeyID is used, and if both are set
// they must be equal. With neither the header has no kid.
func Sign(t *Token, key crypto.Signer, kid []byte) ([]byte, error) {
	if t == nil || key == nil {
		return nil, fail(docketcard.EINVALID, ErrBadRequest, "token and key are required")
	}
	if len(kid) == 0 {
		kid = t.KeyID
	} else if len(t.KeyID) > 0 && string(t.KeyID) != string(kid) {
		return nil, fail(docketcard.EINVALID, ErrBadRequest, "kid %x differs from the token's KeyID %x", kid, t.KeyID)
	}
	payload, err := t.claims()
	if err != nil {
		return nil, err
	}
	alg, err := algorithmFor(key.Public())
	if err != nil {
		return nil, err
	}
	signer, err := cose.NewSigner(alg, key)
	if err != nil {
		return nil, fail(docketcard.EUNSUPPORTED, ErrKey, "%v", err)
	}
	protected := cose.ProtectedHeader{
		cose.HeaderLabelAlgorithm: alg,
		headerType:                MediaType,
	}
	if len(kid) > 0 {
		protected[cose.HeaderLabelKeyID] = kid
	}
	msg := &cose.Sign1Message{
		Headers: cose.Headers{Protected: protected, Unprotected: cose.UnprotectedHeader{}},
		Payload: payload,
	}
	if err := msg.Sign(rand.Reader, nil, signer); err != nil {
		return nil, fmt.Errorf("status list: signing: %w", err)
	}
	return msg.MarshalCBOR()
}

// claims returns the deterministic CBOR of t's claims set (Section 5.2).
func (t *Token) claims() ([]byte, error) {
	if err := checkURI("URI", t.URI); err != nil {
		return nil, fail(docketcard.EINVALID, ErrBadRequest, "%v", err)
	}
	if t.List == nil {
		return nil, fail(docketcard.EINVALID, ErrBadRequest, "the token has no list")
	}
	if t.IssuedAt.IsZero() || t.IssuedAt.Unix() <= 0 {
		return nil, fail(docketcard.EINVALID, ErrBadRequest, "IssuedAt is required and must be after 1970")
	}
	claims := map[int64]any{
		claimSub: t.URI,
		claimIat: t.IssuedAt.Unix(),
	}
	if !t.ExpiresAt.IsZero() {
		if t.ExpiresAt.Unix() <= t.IssuedAt.Unix() {
			return nil, fail(docketcard.EINVALID, ErrBadRequest, "ExpiresAt %v is not after IssuedAt %v", t.ExpiresAt, t.IssuedAt)
		}
		claims[claimExp] = t.ExpiresAt.Unix()
	}
	if t.TTL != 0 {
		if t.TTL < time.Second {
			return nil, fail(docketcard.EINVALID, ErrBadRequest, "TTL %v must be at least 1s (the claim counts whole seconds)", t.TTL)
		}
		claims[claimTTL] = uint64(t.TTL / time.Second)
	}
	lst, err := t.List.Compressed()
	if err != nil {
		return nil, err
	}
	sl := map[string]any{keyBits: t.List.bits, keyLst: lst}
	if t.AggregationURI != "" {
		if err := checkURI("AggregationURI", t.AggregationURI); err != nil {
			return nil, fail(docketcard.EINVALID, ErrBadRequest, "%v", err)
		}
		sl[keyAggregationURI] = t.AggregationURI
	}
	claims[claimStatusList] = sl
	return encMode.Marshal(claims)
}

// malformed returns an EINVALID error matching ErrMalformed.
func malformed(format string, args ...any) error {
	return fail(docketcard.EINVALID, ErrMalformed, "malformed token: "+format, args...)
}

// Parse decodes a Status List Token without verifying its signature, so
// that the caller can learn its kid (Token.KeyID), look up the public key,
// and then call Verify with the returned message. Nothing in the Token may
// be trusted before Verify succeeds.
//
// It requires a COSE_Sign1_Tagged message (Section 5.2) whose protected
// header has a supported alg and typ "application/statuslist+cwt", and
// claims with a subject URI (2), an issued-at time (6), an optional
// expiration time (4) and ttl (65534, positive), and a status list (65533)
// of valid bits and a ZLIB lst that inflates to at most maxListBytes bytes
// (DefaultMaxBytes if maxListBytes <= 0). Other claims are allowed and
// ignored (Section 5.2, rule 1). Expiry is not checked: see Token.Expired.
func Parse(b []byte, maxListBytes int) (*Token, *cose.Sign1Message, error) {
	if len(b) == 0 {
		return nil, nil, malformed("empty")
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(b); err != nil {
		return nil, nil, malformed("not a COSE_Sign1_Tagged message: %v", err)
	}
	if err := checkHeaders(&msg); err != nil {
		return nil, nil, err
	}
	kid, err := keyID(&msg)
	if err != nil {
		return nil, nil, err
	}
	t, err := parseClaims(msg.Payload, maxListBytes)
	if err != nil {
		return nil, nil, err
	}
	t.KeyID = kid
	return t, &msg, nil
}

// checkHeaders checks the protected header's typ (Section 5.2) and that its
// alg is one this package verifies.
func checkHeaders(msg *cose.Sign1Message) error {
	typ, ok := msg.Headers.Protected[headerType]
	if !ok {
		return malformed("the protected header has no typ (16)")
	}
	if s, ok := typ.(string); !ok || s != MediaType {
		return malformed("typ is %v, want %q", typ, MediaType)
	}
	alg, err := msg.Headers.Protected.Algorithm()
	if err != nil {
		return malformed("the protected header has no usable alg: %v", err)
	}
	switch alg {
	case cose.AlgorithmES256, cose.AlgorithmES384, cose.AlgorithmES512, cose.AlgorithmEdDSA:
		return nil
	}
	return fail(docketcard.EUNSUPPORTED, ErrKey, "algorithm %v is not supported", alg)
}

// keyID returns the kid from the protected header or, failing that, the
// unprotected one (where the draft's example in Section 5.2 has it).
func keyID(msg *cose.Sign1Message) ([]byte, error) {
	for _, h := range []map[any]any{msg.Headers.Protected, msg.Headers.Unprotected} {
		if v, ok := h[cose.HeaderLabelKeyID]; ok {
			kid, ok := v.([]byte)
			if !ok {
				return nil, malformed("kid is %T, want a byte string", v)
			}
			return kid, nil
		}
	}
	return nil, nil
}

// major returns the CBOR major type of an encoded item.
func major(raw cbor.RawMessage) byte {
	if len(raw) == 0 {
		return 0xFF
	}
	return raw[0] >> 5
}

// parseClaims decodes and checks the claims set of Section 5.2.
func parseClaims(payload []byte, maxListBytes int) (*Token, error) {
	if major(payload) != 5 {
		return nil, malformed("the payload is not a CBOR map")
	}
	var claims map[any]cbor.RawMessage
	if err := decMode.Unmarshal(payload, &claims); err != nil {
		return nil, malformed("claims: %v", err)
	}
	claim := func(key int64) (cbor.RawMessage, bool) {
		v, ok := claims[key]
		return v, ok
	}
	t := &Token{}

	raw, ok := claim(claimSub)
	if !ok {
		return nil, malformed("no subject claim (2)")
	}
	if major(raw) != 3 || decMode.Unmarshal(raw, &t.URI) != nil {
		return nil, malformed("the subject claim (2) is not a text string")
	}
	if err := checkURI("the subject claim (2)", t.URI); err != nil {
		return nil, malformed("%v", err)
	}

	raw, ok = claim(claimIat)
	if !ok {
		return nil, malformed("no issued-at claim (6)")
	}
	var err error
	if t.IssuedAt, err = numericDate(raw); err != nil {
		return nil, malformed("issued-at claim (6): %v", err)
	}
	if raw, ok = claim(claimExp); ok {
		if t.ExpiresAt, err = numericDate(raw); err != nil {
			return nil, malformed("expiration-time claim (4): %v", err)
		}
	}
	if raw, ok = claim(claimTTL); ok {
		var ttl uint64
		if major(raw) != 0 || decMode.Unmarshal(raw, &ttl) != nil {
			return nil, malformed("the ttl claim (65534) is not an unsigned integer")
		}
		if ttl == 0 || ttl > math.MaxInt64/uint64(time.Second) {
			return nil, malformed("the ttl claim (65534) is %d; it must be positive and under 292 years", ttl)
		}
		t.TTL = time.Duration(ttl) * time.Second
	}

	raw, ok = claim(claimStatusList)
	if !ok {
		return nil, malformed("no status list claim (65533)")
	}
	bits, lst, agg, err := parseStatusList(raw)
	if err != nil {
		return nil, err
	}
	t.AggregationURI = agg
	if t.List, err = FromCompressed(bits, lst, maxListBytes); err != nil {
		return nil, err
	}
	return t, nil
}

// parseStatusList decodes the StatusList CBOR map of Section 4.3:
// {"bits": 1/2/4/8, "lst": bstr, ? "aggregation_uri": tstr}.
func parseStatusList(raw cbor.RawMessage) (bits int, lst []byte, aggregationURI string, err error) {
	if major(raw) != 5 {
		return 0, nil, "", malformed("the status list claim (65533) is not a CBOR map")
	}
	var m map[any]cbor.RawMessage
	if err := decMode.Unmarshal(raw, &m); err != nil {
		return 0, nil, "", malformed("status list: %v", err)
	}
	b, ok := m[keyBits]
	if !ok {
		return 0, nil, "", malformed("the status list has no bits")
	}
	var u uint64
	if major(b) != 0 || decMode.Unmarshal(b, &u) != nil || !validBits(int(min(u, 16))) {
		return 0, nil, "", fail(docketcard.EINVALID, ErrBits, "malformed token: the status list's bits must be 1, 2, 4 or 8")
	}
	l, ok := m[keyLst]
	if !ok {
		return 0, nil, "", malformed("the status list has no lst")
	}
	if major(l) != 2 || decMode.Unmarshal(l, &lst) != nil {
		return 0, nil, "", malformed("the status list's lst is not a byte string")
	}
	if a, ok := m[keyAggregationURI]; ok {
		if major(a) != 3 || decMode.Unmarshal(a, &aggregationURI) != nil {
			return 0, nil, "", malformed("the status list's aggregation_uri is not a text string")
		}
		if err := checkURI("aggregation_uri", aggregationURI); err != nil {
			return 0, nil, "", malformed("%v", err)
		}
	}
	return int(u), lst, aggregationURI, nil
}

// numericDate decodes a CWT NumericDate (RFC 8392, Section 2): seconds
// since the epoch as an unsigned integer or a float, without a tag.
func numericDate(raw cbor.RawMessage) (time.Time, error) {
	switch major(raw) {
	case 0:
		var s uint64
		if err := decMode.Unmarshal(raw, &s); err != nil {
			return time.Time{}, err
		}
		if s > 1<<40 { // year 36812: nonsense, and safe from overflow
			return time.Time{}, fmt.Errorf("%d is out of range", s)
		}
		return time.Unix(int64(s), 0).UTC(), nil
	case 7:
		var f float64
		if err := decMode.Unmarshal(raw, &f); err != nil {
			return time.Time{}, fmt.Errorf("not a number")
		}
		if math.IsNaN(f) || f < 0 || f > 1<<40 {
			return time.Time{}, fmt.Errorf("%v is out of range", f)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("not a non-negative number")
}

// Verify checks the signature of a message returned by Parse with the
// public key (ECDSA or Ed25519) that the caller looked up by its kid. The
// key must match the protected alg (ES256 needs a P-256 key, and so on), so
// that a token cannot choose how it is checked. Section 8.3, step 3a.
func Verify(msg *cose.Sign1Message, pub crypto.PublicKey) error {
	if msg == nil || pub == nil {
		return fail(docketcard.EINVALID, ErrBadRequest, "message and public key are required")
	}
	if err := checkHeaders(msg); err != nil {
		return err
	}
	alg, _ := msg.Headers.Protected.Algorithm()
	want, err := algorithmFor(pub)
	if err != nil {
		return err
	}
	if alg != want {
		return fail(docketcard.EINVALID, ErrSignature, "the token is signed with %v but the key is for %v", alg, want)
	}
	verifier, err := cose.NewVerifier(alg, pub)
	if err != nil {
		return fail(docketcard.EUNSUPPORTED, ErrKey, "%v", err)
	}
	if err := msg.Verify(nil, verifier); err != nil {
		return fail(docketcard.EINVALID, ErrSignature, "signature verification failed")
	}
	return nil
}
