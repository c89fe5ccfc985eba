package claim169

import (
	"fmt"

	"github.com/docketcard/docketcard"
)

// Sentinel errors, one per stage of the QR chain. Every error returned by
// this package wraps exactly one of them (test with errors.Is) and carries a
// *docketcard.Error, so docketcard.ErrorCode and ErrorMessage give a code and
// a message that is safe to show. Detail about the offending bytes stays in
// the error string, which is for logs and tests.
var (
	// ErrBase45 reports text that is not valid RFC 9285 Base45.
	ErrBase45 = &docketcard.Error{Code: docketcard.EINVALID, Message: "The QR text is not valid Base45."}
	// ErrDecompress reports data that is neither valid zlib nor valid Brotli.
	ErrDecompress = &docketcard.Error{Code: docketcard.EINVALID, Message: "The QR payload could not be decompressed."}
	// ErrTooLarge reports input past one of the package's size limits
	// (QR text, inflated size, string length, map size, nesting depth).
	ErrTooLarge = &docketcard.Error{Code: docketcard.ETOOLARGE, Message: "The QR payload is too large."}
	// ErrNotCOSE reports CBOR that is not a COSE_Sign1 or COSE_Encrypt0
	// object (optionally wrapped in CWT tag 61), or not CBOR at all.
	ErrNotCOSE = &docketcard.Error{Code: docketcard.EINVALID, Message: "The QR payload is not a COSE signed object."}
	// ErrEncrypted reports a COSE_Encrypt0 object; this package does not
	// decrypt.
	ErrEncrypted = &docketcard.Error{Code: docketcard.EUNSUPPORTED, Message: "The QR payload is encrypted."}
	// ErrCWT reports a COSE payload that is not a valid CWT claims map, or a
	// standard claim (iss, sub, exp, nbf, iat) of the wrong type.
	ErrCWT = &docketcard.Error{Code: docketcard.EINVALID, Message: "The QR payload is not a valid CBOR Web Token."}
	// ErrNoClaim169 reports a valid CWT without claim 169.
	ErrNoClaim169 = &docketcard.Error{Code: docketcard.EINVALID, Message: "The QR payload carries no identity data (claim 169)."}
	// ErrClaim169 reports a claim 169 value that is not a valid identity
	// map. Errors about one key are *KeyError values that wrap it.
	ErrClaim169 = &docketcard.Error{Code: docketcard.EINVALID, Message: "The identity data (claim 169) is invalid."}
	// ErrExpired and ErrNotYetValid are returned by Decoded.CheckTime.
	ErrExpired     = &docketcard.Error{Code: docketcard.EINVALID, Message: "The credential has expired."}
	ErrNotYetValid = &docketcard.Error{Code: docketcard.EINVALID, Message: "The credential is not valid yet."}
)

// KeyError reports one invalid key of the claim 169 map (or of a biometric
// entry inside it). It wraps ErrClaim169 (or ErrTooLarge for a value past a
// size limit) and a *docketcard.Error whose field names the key.
type KeyError struct {
	Key    int    // claim 169 key, e.g. 4 for fullName
	Name   string // JSON name of the key, e.g. "fullName"; "" when unknown
	Reason string // what is wrong, safe to show
	tooBig bool
}

func (e *KeyError) field() string {
	if e.Name != "" {
		return fmt.Sprintf("%d (%s)", e.Key, e.Name)
	}
	return fmt.Sprintf("%d", e.Key)
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("claim169: key %s: %s", e.field(), e.Reason)
}

// Unwrap makes errors.Is(err, ErrClaim169) (or ErrTooLarge) true and lets
// docketcard.ErrorFields find the key.
func (e *KeyError) Unwrap() []error {
	code, sentinel := docketcard.EINVALID, ErrClaim169
	if e.tooBig {
		code, sentinel = docketcard.ETOOLARGE, ErrTooLarge
	}
	detail := &docketcard.Error{
		Code:    code,
		Message: fmt.Sprintf("Invalid identity data: key %s: %s.", e.field(), e.Reason),
		Fields:  []docketcard.FieldError{{Field: e.field(), Message: e.Reason}},
	}
	return []error{detail, sentinel}
}

func keyErr(key int, format string, args ...any) *KeyError {
	return &KeyError{Key: key, Name: keyName(key), Reason: fmt.Sprintf(format, args...)}
}

func keyTooBig(key int, format string, args ...any) *KeyError {
	e := keyErr(key, format, args...)
	e.tooBig = true
	return e
}

// wrap returns an error that wraps sentinel, with detail for logs.
func wrap(sentinel error, format string, args ...any) error {
	return fmt.Errorf("claim169: %w: %s", sentinel, fmt.Sprintf(format, args...))
}
