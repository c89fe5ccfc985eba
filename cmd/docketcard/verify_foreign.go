package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/veraison/go-cose"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/credential/claim169"
)

// verifyForeign checks a Claim 169 QR issued outside the program (such as
// the public test vectors) against an explicitly given public key instead
// of the trust list: ES256 (uncompressed P-256 point, hex) or EdDSA
// (32-byte Ed25519 key, hex). Without a key it decodes and reports the
// contents but the outcome is "bad signature: not verified".
func verifyForeign(text, keyHex string, now time.Time) (*credential.Result, error) {
	res := &credential.Result{}
	d, err := claim169.DecodeQR(text)
	if err != nil {
		res.Outcome, res.Reason = credential.Malformed, foreignReason(err)
		if errors.Is(err, claim169.ErrEncrypted) {
			res.Reason = "encrypted (COSE_Encrypt0): " + res.Reason
		}
		return res, nil
	}
	res.KeyID = d.KeyID
	res.Credential = &credential.Credential{Issuer: d.Issuer, CardNumber: d.Subject, Identity: d.Identity,
		IssuedAt: unix(d.IssuedAt), NotBefore: unix(d.NotBefore), ExpiresAt: unix(d.ExpiresAt)}
	if bs := d.Identity.Biometrics[62]; len(bs) > 0 {
		res.Face = bs[0].Data
	} else if len(d.Identity.Photo) > 0 {
		res.Face = d.Identity.Photo
	}
	if !d.Signed() {
		res.Outcome, res.Reason = credential.BadSignature, "unsigned: the COSE_Sign1 signature is empty"
		return res, nil
	}
	if keyHex == "" {
		res.Outcome, res.Reason = credential.BadSignature, "not verified: give -public-key-hex for a credential from another issuer"
		return res, nil
	}
	raw, err := hex.DecodeString(strings.TrimSpace(keyHex))
	if err != nil {
		return nil, usageError{"-public-key-hex is not hex"}
	}
	var alg cose.Algorithm
	var pub any
	switch {
	case d.Alg == int64(cose.AlgorithmES256) && len(raw) == 65 && raw[0] == 4:
		x, y := new(big.Int).SetBytes(raw[1:33]), new(big.Int).SetBytes(raw[33:])
		k := &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
		if !k.Curve.IsOnCurve(x, y) {
			return nil, usageError{"-public-key-hex is not a point on P-256"}
		}
		alg, pub = cose.AlgorithmES256, k
	case d.Alg == int64(cose.AlgorithmEdDSA) && len(raw) == ed25519.PublicKeySize:
		alg, pub = cose.AlgorithmEdDSA, ed25519.PublicKey(raw)
	default:
		res.Outcome, res.Reason = credential.BadSignature, fmt.Sprintf("the key (%d bytes) does not fit the credential's algorithm %d", len(raw), d.Alg)
		return res, nil
	}
	v, err := cose.NewVerifier(alg, pub)
	if err != nil {
		return nil, err
	}
	if err := d.Sign1.Verify(nil, v); err != nil {
		res.Outcome, res.Reason = credential.BadSignature, "the signature does not verify with the given key"
		return res, nil
	}
	switch err := d.CheckTime(now); {
	case errors.Is(err, claim169.ErrExpired):
		res.Outcome, res.Reason = credential.Expired, err.Error()
	case errors.Is(err, claim169.ErrNotYetValid):
		res.Outcome, res.Reason = credential.NotYetValid, err.Error()
	default:
		res.Outcome = credential.Valid
	}
	return res, nil
}

// foreignReason spells a decoding error for a person: the sentinel's
// message in place of its "docketcard error: code=… message=…" form.
func foreignReason(err error) string {
	var de *docketcard.Error
	if errors.As(err, &de) {
		return strings.Replace(err.Error(), de.Error(), strings.TrimSuffix(de.Message, "."), 1)
	}
	return err.Error()
}

func unix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}
