package signer

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
)

// Encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo) with PBES2 (RFC 8018),
// restricted to the one profile this program writes and OpenSSL writes with
// "openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256":
//
//	EncryptedPrivateKeyInfo ::= SEQUENCE {
//	  encryptionAlgorithm  { id-PBES2, PBES2-params },
//	  encryptedData        OCTET STRING }
//	PBES2-params ::= SEQUENCE {
//	  keyDerivationFunc  { id-PBKDF2, PBKDF2-params },
//	  encryptionScheme   { aes256-CBC-PAD, iv OCTET STRING (16) } }
//	PBKDF2-params ::= SEQUENCE {
//	  salt OCTET STRING, iterationCount INTEGER,
//	  keyLength INTEGER OPTIONAL (32 if present),
//	  prf { id-hmacWithSHA256, NULL } }
//
// It is written here rather than taken from github.com/youmark/pkcs8 because
// that library panics on a ciphertext that is not a whole number of blocks
// or an IV of the wrong length, never checks the CBC padding and accepts any
// iteration count: a corrupt or hostile key file must give an error, not a
// crash or a minutes-long key derivation.

var (
	oidPBES2          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidAES256CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

const (
	// pemEncryptedKey is the PEM type of an encrypted PKCS#8 key (RFC 7468).
	pemEncryptedKey = "ENCRYPTED PRIVATE KEY"

	saltSize = 16
	aesKey   = 32 // AES-256

	// Iteration counts accepted when reading. The lower bound admits keys
	// made by OpenSSL with its default (2048); the upper bound stops a
	// hostile file from making us derive keys for minutes.
	minIterations = 1000
	maxIterations = 10_000_000
)

// kdfIterations is the PBKDF2-HMAC-SHA256 iteration count of new key files
// (OWASP's 2023 recommendation). Tests of this package lower it.
var kdfIterations = 600_000

type encryptedPrivateKeyInfo struct {
	Algorithm     pkix.AlgorithmIdentifier
	EncryptedData []byte
}

type pbes2Params struct {
	KeyDerivationFunc pkix.AlgorithmIdentifier
	EncryptionScheme  pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt           []byte
	IterationCount int
	KeyLength      int                      `asn1:"optional"`
	PRF            pkix.AlgorithmIdentifier `asn1:"optional"`
}

// errDecrypt is what every failure after key derivation becomes: with CBC a
// wrong passphrase and a corrupt ciphertext look the same.
var errDecrypt = ErrWrongPassphrase

// marshalEncryptedKey encrypts key under passphrase and returns the DER of
// an EncryptedPrivateKeyInfo.
func marshalEncryptedKey(key *ecdsa.PrivateKey, passphrase []byte) ([]byte, error) {
	plain, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	salt := make([]byte, saltSize)
	iv := make([]byte, aes.BlockSize)
	rand.Read(salt)
	rand.Read(iv)
	dk, err := pbkdf2.Key(sha256.New, string(passphrase), salt, kdfIterations, aesKey)
	if err != nil {
		return nil, err
	}
	defer clear(dk)
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	ct := make([]byte, len(plain)+pad)
	copy(ct, plain)
	for i := len(plain); i < len(ct); i++ {
		ct[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, ct)

	kdf, err := asn1.Marshal(pbkdf2Params{
		Salt:           salt,
		IterationCount: kdfIterations,
		PRF:            pkix.AlgorithmIdentifier{Algorithm: oidHMACWithSHA256, Parameters: asn1.NullRawValue},
	})
	if err != nil {
		return nil, err
	}
	ivDER, err := asn1.Marshal(iv)
	if err != nil {
		return nil, err
	}
	params, err := asn1.Marshal(pbes2Params{
		KeyDerivationFunc: pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdf}},
		EncryptionScheme:  pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(encryptedPrivateKeyInfo{
		Algorithm:     pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}},
		EncryptedData: ct,
	})
}

// unmarshalStrict decodes one DER value into v and refuses trailing bytes.
func unmarshalStrict(der []byte, v any, what string) error {
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if len(rest) != 0 {
		return fmt.Errorf("%s: %d trailing bytes", what, len(rest))
	}
	return nil
}

// parseEncryptedKey decrypts the DER of an EncryptedPrivateKeyInfo. Format
// problems wrap ErrBadKeyFile; a wrong passphrase is ErrWrongPassphrase.
func parseEncryptedKey(der, passphrase []byte) (*ecdsa.PrivateKey, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w (%s)", ErrBadKeyFile, fmt.Sprintf(format, args...))
	}
	var info encryptedPrivateKeyInfo
	if err := unmarshalStrict(der, &info, "EncryptedPrivateKeyInfo"); err != nil {
		return nil, bad("%v", err)
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, bad("encryption scheme %v is not PBES2", info.Algorithm.Algorithm)
	}
	var p pbes2Params
	if err := unmarshalStrict(info.Algorithm.Parameters.FullBytes, &p, "PBES2 parameters"); err != nil {
		return nil, bad("%v", err)
	}
	if !p.KeyDerivationFunc.Algorithm.Equal(oidPBKDF2) {
		return nil, bad("key derivation function %v is not PBKDF2", p.KeyDerivationFunc.Algorithm)
	}
	var kdf pbkdf2Params
	if err := unmarshalStrict(p.KeyDerivationFunc.Parameters.FullBytes, &kdf, "PBKDF2 parameters"); err != nil {
		return nil, bad("%v", err)
	}
	if !kdf.PRF.Algorithm.Equal(oidHMACWithSHA256) {
		return nil, bad("PBKDF2 pseudo-random function is not HMAC-SHA256 (absent means HMAC-SHA1)")
	}
	if len(kdf.Salt) < 8 || len(kdf.Salt) > 64 {
		return nil, bad("PBKDF2 salt of %d bytes", len(kdf.Salt))
	}
	if kdf.IterationCount < minIterations || kdf.IterationCount > maxIterations {
		return nil, bad("PBKDF2 iteration count %d outside [%d, %d]", kdf.IterationCount, minIterations, maxIterations)
	}
	if kdf.KeyLength != 0 && kdf.KeyLength != aesKey {
		return nil, bad("PBKDF2 key length %d, want %d", kdf.KeyLength, aesKey)
	}
	if !p.EncryptionScheme.Algorithm.Equal(oidAES256CBC) {
		return nil, bad("cipher %v is not AES-256-CBC", p.EncryptionScheme.Algorithm)
	}
	var iv []byte
	if err := unmarshalStrict(p.EncryptionScheme.Parameters.FullBytes, &iv, "AES-CBC IV"); err != nil {
		return nil, bad("%v", err)
	}
	if len(iv) != aes.BlockSize {
		return nil, bad("IV of %d bytes, want %d", len(iv), aes.BlockSize)
	}
	ct := info.EncryptedData
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, bad("ciphertext of %d bytes is not a whole number of AES blocks", len(ct))
	}

	dk, err := pbkdf2.Key(sha256.New, string(passphrase), kdf.Salt, kdf.IterationCount, aesKey)
	if err != nil {
		return nil, err
	}
	defer clear(dk)
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(ct))
	defer clear(plain)
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ct)
	plain, ok := unpad(plain)
	if !ok {
		return nil, errDecrypt
	}
	k, err := x509.ParsePKCS8PrivateKey(plain)
	if err != nil {
		return nil, errDecrypt
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, ErrUnsupportedKey
	}
	if _, err := p256PublicKey(&ek.PublicKey); err != nil {
		return nil, err
	}
	return ek, nil
}

// unpad strips PKCS#7 padding, reporting whether it was well formed.
func unpad(b []byte) ([]byte, bool) {
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return nil, false
	}
	if subtle.ConstantTimeCompare(b[len(b)-n:], bytes.Repeat([]byte{byte(n)}, n)) != 1 {
		return nil, false
	}
	return b[:len(b)-n], true
}
