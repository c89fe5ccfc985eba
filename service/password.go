package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/alexedwards/argon2id"
)

// PasswordParams are argon2id cost parameters.
type PasswordParams struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
}

// DefaultPasswordParams follow RFC 9106's second recommended option
// (64 MiB, 3 passes), with parallelism 2 to suit small servers.
var DefaultPasswordParams = PasswordParams{Memory: 64 * 1024, Iterations: 3, Parallelism: 2}

// TestPasswordParams are cheap parameters for tests only.
var TestPasswordParams = PasswordParams{Memory: 1024, Iterations: 1, Parallelism: 1}

// hashSlots bounds concurrent argon2id computations in the process: each
// takes Memory KiB (64 MiB by default), so unbounded concurrent sign-ins
// could exhaust memory. Callers queue for a slot.
var hashSlots = make(chan struct{}, 4)

// withHashSlot runs fn while holding one of the hashing slots.
func withHashSlot[T any](ctx context.Context, fn func() T) (T, error) {
	select {
	case hashSlots <- struct{}{}:
		defer func() { <-hashSlots }()
		return fn(), nil
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// HashPassword returns an encoded argon2id hash of pw.
func HashPassword(pw string, p PasswordParams) (string, error) {
	return argon2id.CreateHash(pw, &argon2id.Params{
		Memory: p.Memory, Iterations: p.Iterations, Parallelism: p.Parallelism, SaltLength: 16, KeyLength: 32,
	})
}

// CheckPassword reports whether pw matches the encoded hash, in constant time.
func CheckPassword(pw, hash string) bool {
	ok, err := argon2id.ComparePasswordAndHash(pw, hash)
	return err == nil && ok
}

// NewSecret returns a random URL-safe secret of n random bytes.
func NewSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the hex SHA-256 of a high-entropy secret (session or
// API token). Such secrets need no slow hash: they cannot be guessed.
func HashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TokenPrefix marks docketcard API tokens so secret scanners can find leaks.
const TokenPrefix = "dkt_"

// GeneratePassword returns a random password of four groups of five
// letters and digits, easy to read aloud ("k7m2p-…").
func GeneratePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}
