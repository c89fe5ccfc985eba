package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// testBackends returns a fresh instance of each Backend under test.
func testBackends(t testing.TB) map[string]Backend {
	t.Helper()
	fsb, err := NewFS(t.TempDir())
	if err != nil {
		t.Fatalf("NewFS: %v", err)
	}
	return map[string]Backend{"memory": newMemBackend(), "fs": fsb}
}

// fillPattern returns n bytes of recognisable, non-repeating-looking data.
func fillPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		contentType string
		plaintext   []byte
	}{
		{name: "empty", contentType: "application/octet-stream", plaintext: []byte{}},
		{name: "nil", contentType: "application/octet-stream", plaintext: nil},
		{name: "small", contentType: "text/plain; charset=utf-8", plaintext: []byte("Respondent: DOE, JANE A012345678")},
		{name: "5 MB", contentType: "image/jpeg", plaintext: fillPattern(5 << 20)},
	}
	for bname, backend := range testBackends(t) {
		s := New(backend, newTestKeyring(t, "k1"))
		for _, tt := range tests {
			t.Run(bname+"/"+tt.name, func(t *testing.T) {
				m, err := s.Put(ctx, tt.contentType, tt.plaintext)
				if err != nil {
					t.Fatalf("Put: %v", err)
				}
				want := Meta{ID: m.ID, SHA256: sha256.Sum256(tt.plaintext), Size: int64(len(tt.plaintext)), ContentType: tt.contentType}
				if m != want {
					t.Errorf("Meta = %+v, want %+v", m, want)
				}
				sealed, err := backend.Get(ctx, m.ID)
				if err != nil {
					t.Fatalf("backend.Get: %v", err)
				}
				if got, want := len(sealed), 93+len("k1")+len(tt.plaintext); got != want {
					t.Errorf("sealed size = %d, want %d", got, want)
				}
				if len(tt.plaintext) >= 16 && bytes.Contains(sealed, tt.plaintext[:16]) {
					t.Error("sealed object contains plaintext")
				}
				got, err := s.Get(ctx, m)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if !bytes.Equal(got, tt.plaintext) {
					t.Errorf("Get returned %d bytes that differ from the %d put", len(got), len(tt.plaintext))
				}
			})
		}
	}
}

func TestStorePutIDs(t *testing.T) {
	s := New(newMemBackend(), newTestKeyring(t, "k1"))
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for range 100 {
		m, err := s.Put(context.Background(), "image/png", []byte("same content"))
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		if !hex32.MatchString(m.ID) {
			t.Fatalf("id %q is not 32 lowercase hex characters", m.ID)
		}
		if seen[m.ID] {
			t.Fatalf("id %q generated twice", m.ID)
		}
		seen[m.ID] = true
	}
}

// failingReader is a random source that always fails.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

// failingBackend is a Backend whose every operation fails.
type failingBackend struct{}

var errBackend = errors.New("disk on fire")

func (failingBackend) Put(context.Context, string, []byte) error   { return errBackend }
func (failingBackend) Get(context.Context, string) ([]byte, error) { return nil, errBackend }
func (failingBackend) Delete(context.Context, string) error        { return errBackend }

func TestStorePutErrors(t *testing.T) {
	k := newTestKeyring(t, "k1")
	tests := []struct {
		name        string
		store       *Store
		contentType string
		plaintext   []byte
		wantCode    string
		wantErr     error // if set, must be in the chain
	}{
		{name: "too large", store: &Store{backend: newMemBackend(), keys: k, rand: rand.Reader, maxSize: 10}, contentType: "image/png", plaintext: make([]byte, 11), wantCode: docketcard.ETOOLARGE},
		{name: "empty content type", store: New(newMemBackend(), k), contentType: "", plaintext: []byte("x"), wantCode: docketcard.EINVALID},
		{name: "malformed content type", store: New(newMemBackend(), k), contentType: "image/", plaintext: []byte("x"), wantCode: docketcard.EINVALID},
		{name: "overlong content type", store: New(newMemBackend(), k), contentType: "image/" + strings.Repeat("x", 250), plaintext: []byte("x"), wantCode: docketcard.EINVALID},
		{name: "randomness fails", store: &Store{backend: newMemBackend(), keys: k, rand: failingReader{}, maxSize: 10}, contentType: "image/png", plaintext: []byte("x"), wantCode: docketcard.EINTERNAL},
		{name: "backend fails", store: New(failingBackend{}, k), contentType: "image/png", plaintext: []byte("x"), wantCode: docketcard.EINTERNAL, wantErr: errBackend},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.store.Put(context.Background(), tt.contentType, tt.plaintext)
			wantCode(t, err, tt.wantCode)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			}
		})
	}
}

// TestStoreMaxSizeBoundary checks that exactly the limit is accepted.
func TestStoreMaxSizeBoundary(t *testing.T) {
	s := New(newMemBackend(), newTestKeyring(t, "k1"))
	s.maxSize = 1000
	if _, err := s.Put(context.Background(), "image/png", make([]byte, 1000)); err != nil {
		t.Fatalf("Put of exactly maxSize: %v", err)
	}
}

// TestStoreOpenWithOtherKeyring opens a blob sealed under k1 with
// keyrings that have the wrong key, no such key, or the key among others.
func TestStoreOpenWithOtherKeyring(t *testing.T) {
	ctx := context.Background()
	backend := newMemBackend()
	m, err := New(backend, newTestKeyring(t, "k1")).Put(ctx, "image/jpeg", []byte("portrait"))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	tests := []struct {
		name    string
		keys    *Keyring
		wantMsg string // "" means the blob opens
	}{
		{name: "same key", keys: newTestKeyring(t, "k1")},
		{name: "old key no longer current", keys: newTestKeyring(t, "k2", "k1")},
		{name: "wrong master key under the same id", keys: newTestKeyring(t, "k1=impostor"), wantMsg: "failed its integrity check"},
		{name: "unknown key id", keys: newTestKeyring(t, "k2"), wantMsg: `master key "k1", which is not in the keyring`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New(backend, tt.keys).Get(ctx, m)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if string(got) != "portrait" {
					t.Errorf("Get = %q, want %q", got, "portrait")
				}
				return
			}
			wantCode(t, err, docketcard.EINTERNAL)
			if msg := docketcard.ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) || !strings.Contains(msg, m.ID) {
				t.Errorf("error %q does not contain %q and the blob id", msg, tt.wantMsg)
			}
		})
	}
}

// TestStoreIntegrity corrupts a stored object in many ways; each must be
// reported as an integrity error naming the blob and nothing of its
// contents.
func TestStoreIntegrity(t *testing.T) {
	ctx := context.Background()
	secret := []byte("Respondent DOE, JANE; A012345678; asylum claim details")
	flip := func(off func(b []byte) int) func([]byte) []byte {
		return func(b []byte) []byte { b[off(b)] ^= 0x01; return b }
	}
	L := len("k1")
	tests := []struct {
		name   string
		mutate func(sealed []byte) []byte
	}{
		{name: "tampered ciphertext", mutate: flip(func([]byte) int { return 77 + L + 3 })},
		{name: "tampered content tag", mutate: flip(func(b []byte) int { return len(b) - 1 })},
		{name: "tampered content nonce", mutate: flip(func([]byte) int { return 65 + L })},
		{name: "tampered wrapped key", mutate: flip(func([]byte) int { return 17 + L + 5 })},
		{name: "tampered wrapped key tag", mutate: flip(func([]byte) int { return 64 + L })},
		{name: "tampered wrap nonce", mutate: flip(func([]byte) int { return 5 + L })},
		{name: "key id renamed to another key", mutate: func(b []byte) []byte { b[6] = '2'; return b }},
		{name: "bad magic", mutate: flip(func([]byte) int { return 0 })},
		{name: "truncated to nothing", mutate: func(b []byte) []byte { return b[:0] }},
		{name: "truncated header", mutate: func(b []byte) []byte { return b[:10] }},
		{name: "truncated by one byte", mutate: func(b []byte) []byte { return b[:len(b)-1] }},
		{name: "truncated to the tag", mutate: func(b []byte) []byte { return b[:77+L+16] }},
		{name: "trailing byte", mutate: func(b []byte) []byte { return append(b, 0) }},
	}
	for bname, backend := range testBackends(t) {
		s := New(backend, newTestKeyring(t, "k1", "k2"))
		for _, tt := range tests {
			t.Run(bname+"/"+tt.name, func(t *testing.T) {
				m, err := s.Put(ctx, "application/pdf", secret)
				if err != nil {
					t.Fatalf("Put: %v", err)
				}
				sealed, err := backend.Get(ctx, m.ID)
				if err != nil {
					t.Fatalf("backend.Get: %v", err)
				}
				if err := backend.Put(ctx, m.ID, tt.mutate(sealed)); err != nil {
					t.Fatalf("backend.Put: %v", err)
				}
				got, err := s.Get(ctx, m)
				if got != nil {
					t.Errorf("Get returned %d bytes with the error", len(got))
				}
				wantIntegrityError(t, err, m.ID)
				if strings.Contains(err.Error(), "DOE") {
					t.Errorf("error %q reveals contents", err)
				}
			})
		}
	}
}

// TestStoreSwappedObject copies one blob's sealed object over another's:
// the id is bound into both GCM operations, so it must not open.
func TestStoreSwappedObject(t *testing.T) {
	ctx := context.Background()
	for bname, backend := range testBackends(t) {
		t.Run(bname, func(t *testing.T) {
			s := New(backend, newTestKeyring(t, "k1"))
			a, err := s.Put(ctx, "image/jpeg", []byte("photo of A"))
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			b, err := s.Put(ctx, "image/jpeg", []byte("photo of B"))
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			sealedA, err := backend.Get(ctx, a.ID)
			if err != nil {
				t.Fatalf("backend.Get: %v", err)
			}
			if err := backend.Put(ctx, b.ID, sealedA); err != nil {
				t.Fatalf("backend.Put: %v", err)
			}
			tests := []struct {
				name string
				meta Meta
			}{
				{name: "B's metadata", meta: b},
				{name: "A's hash and size under B's id", meta: Meta{ID: b.ID, SHA256: a.SHA256, Size: a.Size}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					_, err := s.Get(ctx, tt.meta)
					wantIntegrityError(t, err, b.ID)
				})
			}
			if _, err := s.Get(ctx, a); err != nil {
				t.Errorf("Get of the original: %v", err)
			}
		})
	}
}

func TestStoreMetaMismatch(t *testing.T) {
	ctx := context.Background()
	s := New(newMemBackend(), newTestKeyring(t, "k1"))
	m, err := s.Put(ctx, "image/png", []byte("signature"))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	tests := []struct {
		name    string
		edit    func(*Meta)
		wantMsg string // "" means Get succeeds
	}{
		{name: "unchanged", edit: func(*Meta) {}},
		{name: "content type is not checked", edit: func(m *Meta) { m.ContentType = "image/gif" }},
		{name: "SHA-256 off by one bit", edit: func(m *Meta) { m.SHA256[31] ^= 1 }, wantMsg: "SHA-256 does not match"},
		{name: "zero SHA-256", edit: func(m *Meta) { m.SHA256 = [32]byte{} }, wantMsg: "SHA-256 does not match"},
		{name: "size too big", edit: func(m *Meta) { m.Size++ }, wantMsg: "size does not match"},
		{name: "size too small", edit: func(m *Meta) { m.Size-- }, wantMsg: "size does not match"},
		{name: "negative size", edit: func(m *Meta) { m.Size = -1 }, wantMsg: "size does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mm := m
			tt.edit(&mm)
			got, err := s.Get(ctx, mm)
			if tt.wantMsg == "" {
				if err != nil || string(got) != "signature" {
					t.Fatalf("Get = %q, %v; want the blob", got, err)
				}
				return
			}
			wantIntegrityError(t, err, m.ID)
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestStoreDelete(t *testing.T) {
	ctx := context.Background()
	for bname, backend := range testBackends(t) {
		t.Run(bname, func(t *testing.T) {
			s := New(backend, newTestKeyring(t, "k1"))
			m, err := s.Put(ctx, "image/png", []byte("x"))
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if err := s.Delete(ctx, m.ID); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			_, err = s.Get(ctx, m)
			wantCode(t, err, docketcard.ENOTFOUND)
			if err := s.Delete(ctx, m.ID); err != nil {
				t.Errorf("second Delete: %v", err)
			}
		})
	}
}

// TestStoreInvalidIDs checks that Store validates ids itself rather than
// trusting every Backend to.
func TestStoreInvalidIDs(t *testing.T) {
	ctx := context.Background()
	s := New(failingBackend{}, newTestKeyring(t, "k1"))
	ops := []struct {
		name string
		call func(id string) error
	}{
		{name: "Get", call: func(id string) error { _, err := s.Get(ctx, Meta{ID: id}); return err }},
		{name: "Delete", call: func(id string) error { return s.Delete(ctx, id) }},
		{name: "Rewrap", call: func(id string) error { _, err := s.Rewrap(ctx, id); return err }},
	}
	for _, op := range ops {
		for _, id := range []string{"", "../secret", "a/b", strings.Repeat("a", 129)} {
			t.Run(op.name+"/"+id, func(t *testing.T) {
				wantCode(t, op.call(id), docketcard.EINVALID)
			})
		}
	}
}

// TestStoreRewrap rotates the master key, re-wraps, and then opens the
// blobs with a keyring that no longer has the old key.
func TestStoreRewrap(t *testing.T) {
	ctx := context.Background()
	for bname, backend := range testBackends(t) {
		t.Run(bname, func(t *testing.T) {
			before := New(backend, newTestKeyring(t, "k1"))
			rotated := New(backend, newTestKeyring(t, "k2", "k1"))
			after := New(backend, newTestKeyring(t, "k2"))

			tests := []struct {
				name      string
				plaintext []byte
			}{
				{name: "empty", plaintext: nil},
				{name: "small", plaintext: []byte("passport scan")},
				{name: "1 MB", plaintext: fillPattern(1 << 20)},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					m, err := before.Put(ctx, "image/jpeg", tt.plaintext)
					if err != nil {
						t.Fatalf("Put: %v", err)
					}
					old, _ := backend.Get(ctx, m.ID)

					if _, err := after.Get(ctx, m); !strings.Contains(docketcard.ErrorMessage(err), "not in the keyring") {
						t.Fatalf("Get without the old key before rewrap: %v, want a missing key error", err)
					}
					changed, err := rotated.Rewrap(ctx, m.ID)
					if err != nil || !changed {
						t.Fatalf("Rewrap = %v, %v; want true, nil", changed, err)
					}
					changed, err = rotated.Rewrap(ctx, m.ID)
					if err != nil || changed {
						t.Fatalf("second Rewrap = %v, %v; want false, nil", changed, err)
					}

					cur, _ := backend.Get(ctx, m.ID)
					// Same key id length, so the content nonce and
					// ciphertext sit at the same offset and must be
					// byte-for-byte unchanged.
					if !bytes.Equal(cur[65+2:], old[65+2:]) {
						t.Error("Rewrap changed the content nonce or ciphertext")
					}
					if bytes.Equal(cur[5+2:65+2], old[5+2:65+2]) {
						t.Error("Rewrap did not change the wrap nonce and wrapped key")
					}
					if string(cur[5:7]) != "k2" {
						t.Errorf("key id = %q, want k2", cur[5:7])
					}

					got, err := after.Get(ctx, m)
					if err != nil {
						t.Fatalf("Get with only the new key: %v", err)
					}
					if !bytes.Equal(got, tt.plaintext) {
						t.Error("Get after Rewrap returned different bytes")
					}
				})
			}
		})
	}
}

func TestStoreRewrapErrors(t *testing.T) {
	ctx := context.Background()
	backend := newMemBackend()
	m, err := New(backend, newTestKeyring(t, "k1")).Put(ctx, "image/jpeg", []byte("x"))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	corrupt, err := New(backend, newTestKeyring(t, "k1")).Put(ctx, "image/jpeg", []byte("y"))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	b, _ := backend.Get(ctx, corrupt.ID)
	b[17+2] ^= 1 // in the wrapped key
	if err := backend.Put(ctx, corrupt.ID, b); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		keys     *Keyring
		id       string
		wantCode string
		wantMsg  string
	}{
		{name: "missing blob", keys: newTestKeyring(t, "k2", "k1"), id: "0123456789abcdef0123456789abcdef", wantCode: docketcard.ENOTFOUND},
		{name: "old key not in keyring", keys: newTestKeyring(t, "k3", "k2"), id: m.ID, wantCode: docketcard.EINTERNAL, wantMsg: "not in the keyring"},
		{name: "old key wrong", keys: newTestKeyring(t, "k2", "k1=impostor"), id: m.ID, wantCode: docketcard.EINTERNAL, wantMsg: "failed its integrity check"},
		{name: "tampered wrapped key", keys: newTestKeyring(t, "k2", "k1"), id: corrupt.ID, wantCode: docketcard.EINTERNAL, wantMsg: "failed its integrity check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := backend.Get(ctx, tt.id)
			changed, err := New(backend, tt.keys).Rewrap(ctx, tt.id)
			if changed {
				t.Error("Rewrap reported a change")
			}
			wantCode(t, err, tt.wantCode)
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
			if after, _ := backend.Get(ctx, tt.id); !bytes.Equal(before, after) {
				t.Error("failed Rewrap modified the object")
			}
		})
	}
}

// TestStoreContextCanceled checks that a canceled context stops FS work.
func TestStoreContextCanceled(t *testing.T) {
	fsb, err := NewFS(t.TempDir())
	if err != nil {
		t.Fatalf("NewFS: %v", err)
	}
	s := New(fsb, newTestKeyring(t, "k1"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(ctx, "image/png", []byte("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with canceled context: %v, want context.Canceled", err)
	}
}

func BenchmarkPutGet1MB(b *testing.B) {
	ctx := context.Background()
	plaintext := make([]byte, 1<<20)
	if _, err := io.ReadFull(rand.Reader, plaintext); err != nil {
		b.Fatal(err)
	}
	fsb, err := NewFS(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name    string
		backend Backend
	}{
		{name: "memory", backend: newMemBackend()},
		{name: "fs", backend: fsb},
	} {
		b.Run(bb.name, func(b *testing.B) {
			s := New(bb.backend, newTestKeyring(b, "k1"))
			b.SetBytes(int64(len(plaintext)))
			for b.Loop() {
				m, err := s.Put(ctx, "image/jpeg", plaintext)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Get(ctx, m); err != nil {
					b.Fatal(err)
				}
				if err := s.Delete(ctx, m.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
