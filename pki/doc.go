// Package pki is the program's trust model: an offline program root CA,
// per-site signer certificates, and the root-signed trust list that
// verifiers hold.
//
// # Roles
//
// The root (Root, CreateRoot, LoadRoot) is an ECDSA P-256 self-signed CA
// with pathlen 0: it certifies site signer keys and signs the trust list,
// nothing else. It is kept offline; its key file is an encrypted PKCS#8
// PEM (see package signer), or the key may live in an HSM (Root.Key is any
// crypto.Signer).
//
// A signer certificate (Root.IssueSigner) certifies one site's key for one
// purpose: PurposeCard keys sign credentials, PurposeStatus keys sign
// token status lists. Its key id is the EU DCC one, SHA-256 of the
// certificate DER truncated to 8 bytes (signer.KeyID); credentials carry it
// in their COSE kid header.
//
// # Key usage period and certificate validity
//
// A signer key may sign only during its usage period [UsageFrom,
// UsageUntil]; what it signed must verify for as long as a card lives. So,
// as in the ICAO 9303 document signer scheme, the certificate outlives the
// usage period by the longest card validity:
//
//	usage period:  [issued, issued + keyUsage]
//	certificate:   [issued, issued + keyUsage + maxCardValidity]
//
// The usage period lives in the trust list, not in the certificate. RFC
// 5280 dropped the PrivateKeyUsagePeriod extension (RFC 2459 already
// forbade CAs to make it critical) and the program has no registered OID
// arc for a private extension; the trust list is signed by the same root,
// so it is as trustworthy a place, and it can shorten a period when a key
// is retired early. ParseTrustList checks that every usage period lies
// within its certificate's validity. NewTrustedSigner rebuilds the entry
// for a certificate from the keyUsage it was issued with.
//
// A credential signed at signedAt by key kid verifies at now
// (TrustList.CheckSigner) when the key is on the list for that purpose,
// now is within the certificate's validity and signedAt is within the
// usage period.
//
// # Rotation without downtime
//
// Each site has, per purpose, at most one "current" signer and any number
// of "retired" ones. To rotate:
//
//  1. generate the new key on the site (signer.GenerateFileKey or
//     pkcs11.GenerateKey) and certify it offline with Root.IssueSigner;
//  2. add it to the list as current with TrustList.Rotate: the old key
//     becomes retired and its usage period is cut to end at the switch;
//  3. publish the list with a higher Sequence (Root.SignTrustList), and let
//     verifiers fetch it before NextUpdate;
//  4. switch the site to the new key.
//
// Cards signed by the retired key keep verifying until that key's
// certificate expires; nothing has to be re-issued. Publish the list before
// the site signs with the new key, so that verifiers already know it when
// the first new card reaches them. A compromised key is not retired but
// removed from the list (cards it signed stop verifying and are re-issued),
// since its holder can backdate what it signs.
//
// # Trust list format
//
// A trust list is a tagged COSE_Sign1 (RFC 9052), ES256, signed by the root
// key. Protected header: alg (1) = -7, kid (4) = signer.KeyID(root
// certificate), typ (16) = TrustListType. Unprotected header: x5chain (33)
// = the root certificate DER, for convenience only: verifiers pin the root
// themselves and ParseTrustList refuses a list whose kid or x5chain names
// another root. The payload is deterministic CBOR (RFC 8949 section 4.2.1)
// with integer keys:
//
//	trust-list = {1: version (1), 2: sequence, 3: issued-at, 4: next-update, 5: [* signer]}
//	signer     = {1: kid (bstr 8), 2: site, 3: purpose, 4: status,
//	              5: usage-from, 6: usage-until, 7: certificate DER (bstr)}
//
// Times are integer seconds since the Unix epoch. The same list always
// encodes to the same payload bytes (TrustList.MarshalCBOR).
//
// Verifiers should keep the highest Sequence they have accepted and refuse
// an older list, and refresh before NextUpdate; ParseTrustListGrace lets an
// offline device keep using a list for a while after it.
//
// This package, like signer, imports neither net/http nor the database.
package pki
