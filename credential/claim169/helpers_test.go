package claim169

import (
	"bytes"
	"compress/zlib"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// encodeBase45 is the RFC 9285 encoder, for building test QR codes.
func encodeBase45(b []byte) string {
	var out []byte
	for i := 0; i+1 < len(b); i += 2 {
		n := int(b[i])<<8 | int(b[i+1])
		out = append(out, base45Alphabet[n%45], base45Alphabet[n/45%45], base45Alphabet[n/2025])
	}
	if len(b)%2 == 1 {
		n := int(b[len(b)-1])
		out = append(out, base45Alphabet[n%45], base45Alphabet[n/45])
	}
	return string(out)
}

func mustCBOR(t testing.TB, v any) []byte {
	t.Helper()
	b, err := encMode.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func zlibBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func brotliBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testKey is a fixed Ed25519 key for QR codes built by the tests.
var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))

// signCWT signs a claims map as a tagged COSE_Sign1 (EdDSA, kid "test").
func signCWT(t testing.TB, claims []byte) []byte {
	t.Helper()
	signer, err := cose.NewSigner(cose.AlgorithmEdDSA, testKey)
	if err != nil {
		t.Fatal(err)
	}
	msg := cose.NewSign1Message()
	msg.Headers.Protected.SetAlgorithm(cose.AlgorithmEdDSA)
	msg.Headers.Unprotected[cose.HeaderLabelKeyID] = []byte("test")
	msg.Payload = claims
	if err := msg.Sign(rand.Reader, nil, signer); err != nil {
		t.Fatal(err)
	}
	b, err := msg.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unsignedSign1 builds 18([h'a10127', {}, payload, h”]) as the public
// vectors do.
func unsignedSign1(t testing.TB, claims []byte) []byte {
	return mustCBOR(t, cbor.Tag{Number: tagSign1, Content: []any{[]byte{0xa1, 0x01, 0x27}, map[int]any{}, claims, []byte{}}})
}

func withCWTTag(b []byte) []byte { return append([]byte{0xd8, 0x3d}, b...) }

// claimsWith returns a CWT claims map holding identity (already CBOR) as
// claim 169, plus standard claims.
func claimsWith(t testing.TB, identity []byte, extra map[int]any) []byte {
	t.Helper()
	m := map[int]any{1: "https://issuer.example", 4: 1800000000, 6: 1700000000, ClaimKey: cbor.RawMessage(identity)}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return mustCBOR(t, m)
}

func qrZlib(t testing.TB, cose []byte) string   { return encodeBase45(zlibBytes(t, cose)) }
func qrBrotli(t testing.TB, cose []byte) string { return encodeBase45(brotliBytes(t, cose)) }

// sentinels lists every sentinel error; each error of the package wraps
// one of them.
var sentinels = []error{ErrBase45, ErrDecompress, ErrTooLarge, ErrNotCOSE, ErrEncrypted, ErrCWT, ErrNoClaim169, ErrClaim169, ErrExpired, ErrNotYetValid}

func wrapsSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
