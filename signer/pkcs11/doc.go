// Package pkcs11 is the PKCS#11 (HSM) backend of package signer: the
// signing key is generated in, and never leaves, a token such as a network
// HSM or SoftHSM2. It uses github.com/ThalesGroup/crypto11 and therefore
// cgo, so it is built only with the build tag "pkcs11":
//
//	CGO_ENABLED=1 go build -tags pkcs11 ./cmd/docketcard
//
// Without the tag the package is empty and the default build stays
// CGO_ENABLED=0. Its test, TestSoftHSM, makes a SoftHSM2 token in a
// temporary directory; TestSoftHSMViaTag runs it from the untagged test
// suite.
//
// A key is addressed by the token label and the key's CKA_LABEL. It is
// generated as a token object with CKA_SENSITIVE set and CKA_EXTRACTABLE
// cleared, and found again by label together with its public key (by
// CKA_ID, which GenerateKey sets to 16 random bytes).
package pkcs11
