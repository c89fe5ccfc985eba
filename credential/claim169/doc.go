// Package claim169 reads and writes the identity data of a card QR code:
// the CWT claim 169 of the MOSIP "Claim 169" QR specification.
//
// Identity is the claim 169 map. Its MarshalCBOR writes what docketcard
// issues, in core deterministic CBOR; its UnmarshalCBOR reads what other
// issuers write, tolerant of the readings the specification allows and
// strict on types that make no sense, within fixed size limits.
//
// DecodeQR takes apart a whole public QR code (Base45, zlib or Brotli,
// COSE_Sign1, CWT) without verifying it; it exists to read the public test
// vectors. The verifier of docketcard's own cards lives elsewhere and reuses
// Identity.
//
// DECISIONS.md records how each ambiguity of the specification is settled.
package claim169
