package blob

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/docketcard/docketcard"
)

// testKey returns n deterministic, random-looking bytes derived from label,
// so that tests can both use a key and search output for it.
func testKey(label string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		sum := sha256.Sum256([]byte(label + string(rune('0'+i))))
		out = append(out, sum[:]...)
	}
	return out[:n]
}

// testKeyB64 is testKey in standard base64.
func testKeyB64(label string, n int) string {
	return base64.StdEncoding.EncodeToString(testKey(label, n))
}

// newTestKeyring builds a keyring from "id" or "id=label" specs, the first
// current; a bare id uses its own name as the key label.
func newTestKeyring(t testing.TB, specs ...string) *Keyring {
	t.Helper()
	keys := make(map[string][]byte, len(specs))
	for _, spec := range specs {
		id, label, ok := strings.Cut(spec, "=")
		if !ok {
			label = id
		}
		keys[id] = testKey(label, KeySize)
	}
	current, _, _ := strings.Cut(specs[0], "=")
	k, err := NewKeyring(current, keys)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return k
}

// memBackend is an in-memory Backend for tests.
type memBackend struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func newMemBackend() *memBackend { return &memBackend{objects: map[string][]byte{}} }

func (m *memBackend) Put(_ context.Context, id string, sealed []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[id] = append([]byte(nil), sealed...)
	return nil
}

func (m *memBackend) Get(_ context.Context, id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objects[id]
	if !ok {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "blob %s not found", id)
	}
	return append([]byte(nil), b...), nil
}

func (m *memBackend) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects, id)
	return nil
}

// ids returns the ids of the stored objects.
func (m *memBackend) ids() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.objects))
}

// wantCode fails the test unless err carries the docketcard error code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := docketcard.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

// wantIntegrityError fails the test unless err is the EINTERNAL integrity
// error for blob id.
func wantIntegrityError(t testing.TB, err error, id string) {
	t.Helper()
	wantCode(t, err, docketcard.EINTERNAL)
	msg := docketcard.ErrorMessage(err)
	if !strings.Contains(msg, "failed its integrity check") || !strings.Contains(msg, id) {
		t.Fatalf("error message = %q, want an integrity error naming %s", msg, id)
	}
}

// leaks reports whether s contains secret or any 8-byte window of it.
func leaks(s, secret string) bool {
	if secret == "" {
		return false
	}
	if len(secret) < 8 {
		return strings.Contains(s, secret)
	}
	for i := 0; i+8 <= len(secret); i++ {
		if strings.Contains(s, secret[i:i+8]) {
			return true
		}
	}
	return false
}
