package provider

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Limits of a SignatureHeader value.
const (
	maxSignatureHeader = 4096
	maxV1Signatures    = 8
)

// Signature is a parsed SignatureHeader value: the Unix time at which the
// provider signed, and one or more HMAC-SHA256 values (more than one while
// a provider rotates its secret and signs with the old and the new one).
type Signature struct {
	Timestamp int64
	V1        [][]byte
}

// String formats s as a header value: "t=<unix>,v1=<hex>[,v1=<hex>…]".
func (s Signature) String() string {
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(strconv.FormatInt(s.Timestamp, 10))
	for _, m := range s.V1 {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(m))
	}
	return b.String()
}

// ParseSignature parses a SignatureHeader value. Elements are separated by
// commas (spaces around them are ignored) and are key=value pairs: exactly
// one t (a positive decimal Unix time without sign or leading zeros), one
// to eight v1 (64 hexadecimal digits), and any number of other keys of
// a–z and 0–9, which are ignored so that a later scheme can be added
// beside v1. The header is at most 4096 bytes. Errors wrap ErrBadSignature.
func ParseSignature(h string) (Signature, error) {
	var s Signature
	if h == "" {
		return s, fmt.Errorf("%w: no %s header", ErrBadSignature, SignatureHeader)
	}
	if len(h) > maxSignatureHeader {
		return s, fmt.Errorf("%w: header longer than %d bytes", ErrBadSignature, maxSignatureHeader)
	}
	seenT := false
	for part := range strings.SplitSeq(h, ",") {
		part = strings.Trim(part, " \t")
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			return Signature{}, fmt.Errorf("%w: element %q is not key=value", ErrBadSignature, clip(part))
		}
		switch k {
		case "t":
			if seenT {
				return Signature{}, fmt.Errorf("%w: more than one t", ErrBadSignature)
			}
			seenT = true
			t, err := parseUnix(v)
			if err != nil {
				return Signature{}, err
			}
			s.Timestamp = t
		case "v1":
			if len(s.V1) == maxV1Signatures {
				return Signature{}, fmt.Errorf("%w: more than %d v1 signatures", ErrBadSignature, maxV1Signatures)
			}
			if len(v) != 2*sha256.Size {
				return Signature{}, fmt.Errorf("%w: v1 is not %d hexadecimal digits", ErrBadSignature, 2*sha256.Size)
			}
			m, err := hex.DecodeString(v)
			if err != nil {
				return Signature{}, fmt.Errorf("%w: v1 is not hexadecimal", ErrBadSignature)
			}
			s.V1 = append(s.V1, m)
		default:
			if strings.ContainsFunc(k, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
				return Signature{}, fmt.Errorf("%w: bad key %q", ErrBadSignature, clip(k))
			}
		}
	}
	if !seenT {
		return Signature{}, fmt.Errorf("%w: no t", ErrBadSignature)
	}
	if len(s.V1) == 0 {
		return Signature{}, fmt.Errorf("%w: no v1 signature", ErrBadSignature)
	}
	return s, nil
}

func parseUnix(v string) (int64, error) {
	if v == "" || len(v) > 18 || v[0] == '0' || strings.ContainsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) {
		return 0, fmt.Errorf("%w: t is not a positive decimal Unix time", ErrBadSignature)
	}
	t, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: t is not a positive decimal Unix time", ErrBadSignature)
	}
	return t, nil
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// MAC returns HMAC-SHA256(secret, "<t>.<body>") with t in decimal.
func MAC(secret []byte, t int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(t, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns the SignatureHeader value for body sent at time t.
func Sign(secret []byte, t time.Time, body []byte) string {
	u := t.Unix()
	return Signature{Timestamp: u, V1: [][]byte{MAC(secret, u, body)}}.String()
}

// VerifySignature checks a SignatureHeader value against body: one of its
// v1 values must be the MAC of body under secret (compared in constant
// time), and its timestamp must be within tolerance of now, either way.
// A bad or missing signature wraps ErrBadSignature; an authentic but old
// (or future) one wraps ErrStaleCallback.
func VerifySignature(header string, body, secret []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: no secret configured", ErrBadSignature)
	}
	s, err := ParseSignature(header)
	if err != nil {
		return err
	}
	want := MAC(secret, s.Timestamp, body)
	ok := false
	for _, m := range s.V1 {
		// Check every value so that the time taken does not say which matched.
		ok = hmac.Equal(m, want) || ok
	}
	if !ok {
		return fmt.Errorf("%w: no v1 signature matches", ErrBadSignature)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts := time.Unix(s.Timestamp, 0)
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now", ErrStaleCallback, ts.UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	return nil
}

// ReadSecretFile reads a shared callback secret (or a bearer token) from a
// file: its bytes, without surrounding white space, are the secret. The
// provider and docketcard read the same file the same way.
func ReadSecretFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b), nil
}
