package blob

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// countingReader yields 0, 1, 2, ... (mod 256): a predictable "random"
// source, so that tests know every key and nonce seal draws.
type countingReader struct{ n byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

// TestSealedLayout decodes a sealed object by hand, following only the
// format comment in format.go, to pin the format down byte by byte.
func TestSealedLayout(t *testing.T) {
	const id, keyID = "blob-42", "k1"
	plaintext := []byte("A012345678 photo")
	k := newTestKeyring(t, keyID)
	b, err := seal(k, id, plaintext, &countingReader{})
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	// seal draws the data key, then the wrap nonce, then the content nonce.
	stream := make([]byte, 56)
	(&countingReader{}).Read(stream)
	wantDataKey, wantWrapNonce, wantNonce := stream[:32], stream[32:44], stream[44:56]

	L := len(keyID)
	gcm := func(key []byte) cipher.AEAD {
		block, err := aes.NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		a, err := cipher.NewGCM(block)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{name: "magic at 0", got: b[0:4], want: []byte("DKB1")},
		{name: "key id length at 4", got: b[4:5], want: []byte{byte(L)}},
		{name: "key id at 5", got: b[5 : 5+L], want: []byte(keyID)},
		{name: "wrap nonce at 5+L", got: b[5+L : 17+L], want: wantWrapNonce},
		{name: "content nonce at 65+L", got: b[65+L : 77+L], want: wantNonce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Equal(tt.got, tt.want) {
				t.Errorf("got % x, want % x", tt.got, tt.want)
			}
		})
	}

	if got, want := len(b), 93+L+len(plaintext); got != want {
		t.Errorf("total length = %d, want 93+L+N = %d", got, want)
	}
	t.Run("wrapped data key at 17+L", func(t *testing.T) {
		aad := append([]byte("DKB1 wrap"), byte(L))
		aad = append(aad, keyID...)
		aad = append(aad, byte(len(id)))
		aad = append(aad, id...)
		dataKey, err := gcm(testKey(keyID, 32)).Open(nil, b[5+L:17+L], b[17+L:65+L], aad)
		if err != nil {
			t.Fatalf("unwrap with documented AAD: %v", err)
		}
		if !bytes.Equal(dataKey, wantDataKey) {
			t.Errorf("data key = % x, want % x", dataKey, wantDataKey)
		}
	})
	t.Run("content at 77+L", func(t *testing.T) {
		aad := append([]byte("DKB1 data"), byte(len(id)))
		aad = append(aad, id...)
		got, err := gcm(wantDataKey).Open(nil, b[65+L:77+L], b[77+L:], aad)
		if err != nil {
			t.Fatalf("open with documented AAD: %v", err)
		}
		if !bytes.Equal(got, plaintext) {
			t.Errorf("plaintext = %q, want %q", got, plaintext)
		}
	})
}

func TestParseSealed(t *testing.T) {
	k := newTestKeyring(t, "k1")
	valid, err := seal(k, "blob1", []byte("hello"), rand.Reader)
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	empty, err := seal(k, "blob1", nil, rand.Reader)
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	with := func(i int, c byte) []byte {
		b := bytes.Clone(valid)
		b[i] = c
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr error // nil means the parse succeeds
	}{
		{name: "valid", in: valid},
		{name: "valid empty plaintext", in: empty},
		{name: "minimum size", in: empty[:minSealedSize+1]}, // key id "k1" is 2 bytes
		{name: "nil", in: nil, wantErr: errTruncated},
		{name: "magic only", in: []byte("DKB1"), wantErr: errTruncated},
		{name: "header only", in: valid[:7], wantErr: errTruncated},
		{name: "no content tag", in: empty[:len(empty)-1], wantErr: errTruncated},
		{name: "cut inside wrapped key", in: valid[:40], wantErr: errTruncated},
		{name: "wrong magic", in: with(0, 'X'), wantErr: errBadMagic},
		{name: "future version", in: with(3, '2'), wantErr: errBadMagic},
		{name: "key id length 0", in: with(4, 0), wantErr: errKeyIDLength},
		{name: "key id length 33", in: with(4, 33), wantErr: errKeyIDLength},
		{name: "key id length 255", in: with(4, 255), wantErr: errKeyIDLength},
		{name: "key id length past end", in: with(4, 32)[:40], wantErr: errTruncated},
		{name: "key id with slash", in: with(5, '/'), wantErr: errKeyIDChars},
		{name: "key id with NUL", in: with(6, 0), wantErr: errKeyIDChars},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseSealed(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("parseSealed error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got := o.marshal(); !bytes.Equal(got, tt.in) {
				t.Errorf("marshal(parse(b)) != b")
			}
		})
	}
}

// fuzzSeeds are sealed objects that open, by blob id, under fuzzKeyring.
var fuzzSeeds = map[string][]byte{}

func fuzzKeyring(t testing.TB) *Keyring { return newTestKeyring(t, "k1", "k0") }

// FuzzOpen feeds hostile sealed objects (and ids) to the parser and to
// open. Neither may panic; a successful parse must re-encode to the same
// bytes; and since GCM cannot be forged, only the untouched seed objects
// may open, and only under their own ids.
func FuzzOpen(f *testing.F) {
	k := fuzzKeyring(f)
	old := newTestKeyring(f, "k0", "k1")
	for id, pt := range map[string]string{"seed-empty": "", "seed-small": "hello, world", "seed-old": "sealed under k0"} {
		kr := k
		if id == "seed-old" {
			kr = old
		}
		// Deterministic randomness: every fuzz worker process must build
		// byte-identical seeds to the coordinator's.
		b, err := seal(kr, id, []byte(pt), &countingReader{})
		if err != nil {
			f.Fatalf("seal: %v", err)
		}
		fuzzSeeds[id] = b
		f.Add(id, b)
		f.Add(id, b[:len(b)-1]) // truncated tag
		f.Add(id, b[:70])       // truncated in the wrapped key
		f.Add("other-id", b)    // swapped id
		f.Add(id, append(b, 0)) // trailing byte
		f.Add("../../etc/passwd", b)
	}
	f.Add("x", []byte(nil))
	f.Add("x", []byte("DKB1"))
	f.Add("x", []byte("DKB1\x00"))
	f.Add("x", []byte("DKB1\xff"+strings.Repeat("a", 300)))
	f.Add("x", []byte("DKB1\x02k9"+strings.Repeat("\x00", 100)))
	f.Add("x", []byte("DKB2\x02k1"+strings.Repeat("\x00", 100)))

	f.Fuzz(func(t *testing.T, id string, data []byte) {
		o, perr := parseSealed(data)
		if perr == nil {
			if len(o.wrapNonce) != nonceSize || len(o.wrappedKey) != wrappedKeySize ||
				len(o.nonce) != nonceSize || len(o.ciphertext) < tagSize {
				t.Fatalf("parse accepted fields of the wrong size")
			}
			if !bytes.Equal(o.marshal(), data) {
				t.Fatalf("marshal(parse(b)) != b")
			}
		}
		pt, err := open(k, id, data)
		if err == nil {
			if seed, ok := fuzzSeeds[id]; !ok || !bytes.Equal(seed, data) {
				t.Fatalf("open accepted an object that is not a seed (id %q)", id)
			}
			if perr != nil || len(pt) != len(o.ciphertext)-tagSize {
				t.Fatalf("open returned %d bytes inconsistent with the parse", len(pt))
			}
			return
		}
		switch code := docketcard.ErrorCode(err); {
		case code == docketcard.EINVALID && checkID(id) != nil:
		case code == docketcard.EINTERNAL && strings.Contains(err.Error(), id):
		default:
			t.Fatalf("open error %q has code %s and does not name the blob", err, code)
		}
	})
}
