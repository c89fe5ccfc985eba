package signer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketcard/docketcard/internal/testenv"
)

var testPass = []byte("correct horse battery staple")

// newKeyFile generates a key file and a self-signed certificate file for
// it in dir, returning their paths.
func newKeyFile(t *testing.T, dir, name string) (keyPath, certPath string) {
	t.Helper()
	keyPath = filepath.Join(dir, name+".key.pem")
	certPath = filepath.Join(dir, name+".cert.pem")
	if _, err := GenerateFileKey(keyPath, testPass); err != nil {
		t.Fatal(err)
	}
	key, err := LoadKey(keyPath, testPass)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteCertificateFile(certPath, selfSigned(t, key, name)); err != nil {
		t.Fatal(err)
	}
	return keyPath, certPath
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGenerateFileKey(t *testing.T) {
	tests := []struct {
		name       string
		existing   bool
		passphrase []byte
		want       error
	}{
		{"new file", false, testPass, nil},
		{"refuses to overwrite", true, testPass, ErrFileExists},
		{"short passphrase", false, []byte("short"), ErrBadPassphrase},
		{"empty passphrase", false, nil, ErrBadPassphrase},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "site.key.pem")
			if tc.existing {
				writeFile(t, path, []byte("precious"))
			}
			pub, err := GenerateFileKey(path, tc.passphrase)
			if !errors.Is(err, tc.want) {
				t.Fatalf("GenerateFileKey: %v, want %v", err, tc.want)
			}
			if tc.existing {
				if b, _ := os.ReadFile(path); string(b) != "precious" {
					t.Fatalf("existing file changed to %q", b)
				}
				return
			}
			if err != nil {
				if _, statErr := os.Stat(path); !errors.Is(statErr, fs.ErrNotExist) {
					t.Fatalf("failed generation left a file behind: %v", statErr)
				}
				return
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
			}
			data, _ := os.ReadFile(path)
			if block, _ := pem.Decode(data); block == nil || block.Type != "ENCRYPTED PRIVATE KEY" {
				t.Fatalf("key file is not an encrypted PKCS#8 PEM:\n%s", data)
			}
			key, err := LoadKey(path, tc.passphrase)
			if err != nil {
				t.Fatal(err)
			}
			if !key.Public().(*ecdsa.PublicKey).Equal(pub) {
				t.Fatal("loaded key is not the generated one")
			}
		})
	}
}

// The production iteration count is what new files get.
func TestDefaultIterations(t *testing.T) {
	saved := kdfIterations
	kdfIterations = 600_000
	defer func() { kdfIterations = saved }()
	path := filepath.Join(t.TempDir(), "k.pem")
	if _, err := GenerateFileKey(path, testPass); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	block, _ := pem.Decode(data)
	var info encryptedPrivateKeyInfo
	var p pbes2Params
	var kdf pbkdf2Params
	for _, step := range []struct {
		der []byte
		v   any
	}{{block.Bytes, &info}, {nil, &p}, {nil, &kdf}} {
		der := step.der
		switch step.v.(type) {
		case *pbes2Params:
			der = info.Algorithm.Parameters.FullBytes
		case *pbkdf2Params:
			der = p.KeyDerivationFunc.Parameters.FullBytes
		}
		if _, err := asn1.Unmarshal(der, step.v); err != nil {
			t.Fatal(err)
		}
	}
	if kdf.IterationCount != 600_000 || len(kdf.Salt) != saltSize || !kdf.PRF.Algorithm.Equal(oidHMACWithSHA256) {
		t.Fatalf("PBKDF2 params %+v", kdf)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	keyPath, certPath := newKeyFile(t, dir, "hou")
	_, otherCert := newKeyFile(t, dir, "atl")

	unencrypted := func() string {
		der, _ := x509.MarshalPKCS8PrivateKey(newP256(t))
		return writeFile(t, filepath.Join(dir, "plain.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}()
	garbage := writeFile(t, filepath.Join(dir, "garbage.pem"), []byte("not a key\n"))
	trailing := func() string {
		data, _ := os.ReadFile(keyPath)
		return writeFile(t, filepath.Join(dir, "trailing.pem"), append(data, "extra"...))
	}()

	tests := []struct {
		name       string
		key, cert  string
		passphrase []byte
		want       error
		wantText   string
	}{
		{"key and its certificate", keyPath, certPath, testPass, nil, ""},
		{"wrong passphrase", keyPath, certPath, []byte("wrong passphrase!"), ErrWrongPassphrase, "does not decrypt"},
		{"empty passphrase", keyPath, certPath, nil, ErrBadPassphrase, "empty"},
		{"certificate of another key", keyPath, otherCert, testPass, ErrKeyMismatch, ""},
		{"unencrypted key file", unencrypted, certPath, testPass, ErrBadKeyFile, "not encrypted"},
		{"not PEM", garbage, certPath, testPass, ErrBadKeyFile, "no PEM block"},
		{"data after the PEM block", trailing, certPath, testPass, ErrBadKeyFile, "after the PEM block"},
		{"key is not a certificate", keyPath, keyPath, testPass, ErrBadKeyFile, "CERTIFICATE"},
		{"missing key file", filepath.Join(dir, "nope"), certPath, testPass, fs.ErrNotExist, ""},
		{"missing certificate file", keyPath, filepath.Join(dir, "nope"), testPass, fs.ErrNotExist, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := LoadFile(tc.key, tc.cert, tc.passphrase)
			if !errors.Is(err, tc.want) {
				t.Fatalf("LoadFile: %v, want %v", err, tc.want)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tc.wantText) {
					t.Fatalf("error %q does not say %q", err, tc.wantText)
				}
				if strings.Contains(err.Error(), string(tc.passphrase)) && len(tc.passphrase) > 0 {
					t.Fatalf("error %q contains the passphrase", err)
				}
				return
			}
			digest := sha256.Sum256([]byte("x"))
			sig, err := s.Sign(rand.Reader, digest[:], nil)
			if err != nil {
				t.Fatal(err)
			}
			if !ecdsa.VerifyASN1(s.Certificate().PublicKey.(*ecdsa.PublicKey), digest[:], sig) {
				t.Fatal("signature does not verify with the certificate")
			}
		})
	}
}

// mutateKey decodes the key file DER, lets f change the structures and
// re-encodes them.
func mutateKey(t *testing.T, der []byte, f func(info *encryptedPrivateKeyInfo, p *pbes2Params, kdf *pbkdf2Params, iv *[]byte)) []byte {
	t.Helper()
	var info encryptedPrivateKeyInfo
	var p pbes2Params
	var kdf pbkdf2Params
	var iv []byte
	must := func(_ []byte, err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(asn1.Unmarshal(der, &info))
	must(asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &p))
	must(asn1.Unmarshal(p.KeyDerivationFunc.Parameters.FullBytes, &kdf))
	must(asn1.Unmarshal(p.EncryptionScheme.Parameters.FullBytes, &iv))
	f(&info, &p, &kdf, &iv)
	enc := func(v any) []byte {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	p.KeyDerivationFunc.Parameters = asn1.RawValue{FullBytes: enc(kdf)}
	p.EncryptionScheme.Parameters = asn1.RawValue{FullBytes: enc(iv)}
	info.Algorithm.Parameters = asn1.RawValue{FullBytes: enc(p)}
	return enc(info)
}

// Corrupt or hostile key files give errors, never panics or long waits.
func TestParseEncryptedKeyMalformed(t *testing.T) {
	der, err := marshalEncryptedKey(newP256(t), testPass)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    func(info *encryptedPrivateKeyInfo, p *pbes2Params, kdf *pbkdf2Params, iv *[]byte)
		want error
		text string
	}{
		{"unchanged", func(*encryptedPrivateKeyInfo, *pbes2Params, *pbkdf2Params, *[]byte) {}, nil, ""},
		{"not PBES2", func(i *encryptedPrivateKeyInfo, _ *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			i.Algorithm.Algorithm = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 3}
		}, ErrBadKeyFile, "not PBES2"},
		{"HMAC-SHA1 by default", func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.PRF = pkix.AlgorithmIdentifier{}
		}, ErrBadKeyFile, "HMAC-SHA256"},
		{"too many iterations", func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.IterationCount = 1 << 30
		}, ErrBadKeyFile, "iteration count"},
		{"too few iterations", func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.IterationCount = 1
		}, ErrBadKeyFile, "iteration count"},
		{"short salt", func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.Salt = k.Salt[:4]
		}, ErrBadKeyFile, "salt"},
		{"key length 16", func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.KeyLength = 16
		}, ErrBadKeyFile, "key length"},
		{"AES-128-CBC", func(_ *encryptedPrivateKeyInfo, p *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			p.EncryptionScheme.Algorithm = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
		}, ErrBadKeyFile, "AES-256-CBC"},
		{"IV of 8 bytes", func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, _ *pbkdf2Params, iv *[]byte) {
			*iv = (*iv)[:8]
		}, ErrBadKeyFile, "IV"},
		{"ciphertext not whole blocks", func(i *encryptedPrivateKeyInfo, _ *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			i.EncryptedData = i.EncryptedData[:len(i.EncryptedData)-1]
		}, ErrBadKeyFile, "whole number"},
		{"empty ciphertext", func(i *encryptedPrivateKeyInfo, _ *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			i.EncryptedData = nil
		}, ErrBadKeyFile, "whole number"},
		{"flipped last block", func(i *encryptedPrivateKeyInfo, _ *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			i.EncryptedData[len(i.EncryptedData)-1] ^= 0xff
		}, ErrWrongPassphrase, ""},
		{"other salt", func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.Salt[0] ^= 1
		}, ErrWrongPassphrase, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := mutateKey(t, bytes.Clone(der), tc.f)
			_, err := parseEncryptedKey(bad, testPass)
			if !errors.Is(err, tc.want) {
				t.Fatalf("parseEncryptedKey: %v, want %v", err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %q does not say %q", err, tc.text)
			}
		})
	}
	t.Run("trailing bytes", func(t *testing.T) {
		if _, err := parseEncryptedKey(append(bytes.Clone(der), 0), testPass); !errors.Is(err, ErrBadKeyFile) {
			t.Fatalf("parseEncryptedKey: %v, want ErrBadKeyFile", err)
		}
	})
}

func FuzzParseEncryptedKey(f *testing.F) {
	k, err := ecdsaKeyForFuzz()
	if err != nil {
		f.Fatal(err)
	}
	der, err := marshalEncryptedKey(k, testPass)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(der)
	f.Add(der[:len(der)/2])
	f.Add([]byte{0x30, 0x00})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		key, err := parseEncryptedKey(b, testPass)
		if err == nil && key == nil {
			t.Fatal("nil key without error")
		}
	})
}

func ecdsaKeyForFuzz() (*ecdsa.PrivateKey, error) {
	data, err := os.ReadFile("testdata/openssl-p256.key.pem")
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	return parseEncryptedKey(block.Bytes, []byte("docketcard openssl test"))
}

// Interoperability with OpenSSL in both directions.
func TestOpenSSLInterop(t *testing.T) {
	t.Run("we read a key OpenSSL encrypted", func(t *testing.T) {
		s, err := LoadFile("testdata/openssl-p256.key.pem", "testdata/openssl-p256.cert.pem", []byte("docketcard openssl test"))
		if err != nil {
			t.Fatal(err)
		}
		if s.Certificate().Subject.CommonName != "openssl interop test" {
			t.Fatalf("certificate %v", s.Certificate().Subject)
		}
	})
	t.Run("OpenSSL reads a key we encrypted", func(t *testing.T) {
		openssl := testenv.NeedCommand(t, "openssl", "openssl")
		dir := t.TempDir()
		keyPath := filepath.Join(dir, "k.pem")
		pub, err := GenerateFileKey(keyPath, testPass)
		if err != nil {
			t.Fatal(err)
		}
		passFile := writeFile(t, filepath.Join(dir, "pass"), append(bytes.Clone(testPass), '\n'))
		out, err := exec.Command(openssl, "pkey", "-in", keyPath, "-passin", "file:"+passFile, "-pubout").CombinedOutput()
		if err != nil {
			t.Fatalf("openssl pkey: %v\n%s", err, out)
		}
		block, _ := pem.Decode(out)
		if block == nil {
			t.Fatalf("openssl printed %s", out)
		}
		got, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if !got.(*ecdsa.PublicKey).Equal(pub) {
			t.Fatal("OpenSSL decrypted a different key")
		}
		out, err = exec.Command(openssl, "pkey", "-in", keyPath, "-passin", "pass:wrong passphrase", "-noout").CombinedOutput()
		if err == nil {
			t.Fatalf("openssl accepted a wrong passphrase: %s", out)
		}
	})
}

func TestReadPassphrase(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		want    string
		wantErr error
	}{
		{"trailing newline", "s3cret passphrase\n", "s3cret passphrase", nil},
		{"CRLF", "s3cret passphrase\r\n", "s3cret passphrase", nil},
		{"no newline", "s3cret passphrase", "s3cret passphrase", nil},
		{"only one newline trimmed", "s3cret\n\n", "s3cret\n", nil},
		{"inner and leading spaces kept", " a b ", " a b ", nil},
		{"empty", "", "", ErrBadPassphrase},
		{"only a newline", "\n", "", ErrBadPassphrase},
		{"over 4 KiB", strings.Repeat("x", 4097), "", ErrBadPassphrase},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(dir, string(rune('a'+i))), []byte(tc.content))
			got, err := ReadPassphrase(path)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("ReadPassphrase: %v, want %v", err, tc.wantErr)
			}
			if string(got) != tc.want {
				t.Fatalf("ReadPassphrase = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		if _, err := ReadPassphrase(filepath.Join(dir, "nope")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("ReadPassphrase: %v", err)
		}
	})
}

func TestCertificateFiles(t *testing.T) {
	dir := t.TempDir()
	cert := selfSigned(t, newP256(t), "c")
	path := filepath.Join(dir, "c.pem")
	if err := WriteCertificateFile(path, cert); err != nil {
		t.Fatal(err)
	}
	if err := WriteCertificateFile(path, cert); !errors.Is(err, ErrFileExists) {
		t.Fatalf("second write: %v, want ErrFileExists", err)
	}
	got, err := ReadCertificateFile(path)
	if err != nil || !got.Equal(cert) {
		t.Fatalf("ReadCertificateFile: %v", err)
	}
	// A chain file: the first certificate is the leaf.
	chain := writeFile(t, filepath.Join(dir, "chain.pem"), append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: selfSigned(t, newP256(t), "d").Raw})...))
	if got, err := ReadCertificateFile(chain); err != nil || !got.Equal(cert) {
		t.Fatalf("chain: %v", err)
	}
	bad := writeFile(t, filepath.Join(dir, "bad.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}}))
	if _, err := ReadCertificateFile(bad); !errors.Is(err, ErrBadKeyFile) {
		t.Fatalf("bad certificate: %v", err)
	}
}
