package pki

import "github.com/docketcard/docketcard"

// Errors of this package. They are *docketcard.Error values with messages
// that are safe to show; the wrapped error text adds the details for logs.
// Compare with errors.Is.
var (
	// ErrMalformed: the bytes are not a COSE_Sign1 trust list, or its CBOR
	// payload does not decode.
	ErrMalformed = &docketcard.Error{Code: docketcard.EINVALID, Message: "The trust list is malformed."}
	// ErrWrongRoot: the list names (by kid or x5chain) a root other than the
	// pinned one.
	ErrWrongRoot = &docketcard.Error{Code: docketcard.EINVALID, Message: "The trust list is signed by another root."}
	// ErrBadSignature: the signature does not verify with the pinned root.
	ErrBadSignature = &docketcard.Error{Code: docketcard.EINVALID, Message: "The trust list signature does not verify."}
	// ErrNotIssuedByRoot: a signer certificate on the list was not issued by
	// the root.
	ErrNotIssuedByRoot = &docketcard.Error{Code: docketcard.EINVALID, Message: "A signer certificate was not issued by the program root."}
	// ErrInvalidTrustList: the list decodes and verifies but breaks a rule
	// (duplicate key id, two current signers for one site and purpose, a
	// usage period outside the certificate, ...).
	ErrInvalidTrustList = &docketcard.Error{Code: docketcard.EINVALID, Message: "The trust list breaks a consistency rule."}
	// ErrTrustListExpired: now is after NextUpdate plus the grace allowed.
	// The verifier must fetch a fresh list.
	ErrTrustListExpired = &docketcard.Error{Code: docketcard.EUNAVAILABLE, Message: "The trust list has expired; fetch a fresh one."}

	// ErrUnknownKey: no signer on the list has this key id.
	ErrUnknownKey = &docketcard.Error{Code: docketcard.EINVALID, Message: "The credential was signed by an unknown key."}
	// ErrSignerExpired: the signer certificate has expired.
	ErrSignerExpired = &docketcard.Error{Code: docketcard.EINVALID, Message: "The signer certificate has expired."}
	// ErrSignerNotYetValid: the signer certificate is not valid yet (check
	// the verifier's clock).
	ErrSignerNotYetValid = &docketcard.Error{Code: docketcard.EINVALID, Message: "The signer certificate is not valid yet."}
	// ErrOutsideUsage: the credential was signed outside the signer's key
	// usage period.
	ErrOutsideUsage = &docketcard.Error{Code: docketcard.EINVALID, Message: "The credential was signed outside the signing key's usage period."}
	// ErrWrongPurpose: the signer signs something else (a status list key
	// used for a card, or the reverse).
	ErrWrongPurpose = &docketcard.Error{Code: docketcard.EINVALID, Message: "The signing key is not authorised for this purpose."}

	// ErrBadRoot: a root certificate or key is unusable (not a CA, not
	// P-256, key and certificate do not match, ...).
	ErrBadRoot = &docketcard.Error{Code: docketcard.EINVALID, Message: "The root certificate or key is not usable."}
	// ErrBadRequest: an issuance request is invalid (site code, purpose,
	// periods).
	ErrBadRequest = &docketcard.Error{Code: docketcard.EINVALID, Message: "The certificate request is invalid."}
)
