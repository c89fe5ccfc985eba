package credential_test

import (
	"testing"

	"github.com/docketcard/docketcard/credential"
)

// BenchmarkDecode is the offline pipeline without the signature check:
// base45, zlib, COSE_Sign1, CWT claims and Claim 169.
func BenchmarkDecode(b *testing.B) {
	f := newFixture(b)
	qr, _ := issue(b, sampleCredential(b, t0), f.current, f.curKID)
	b.ResetTimer()
	for b.Loop() {
		credential.Decode(qr, credential.DefaultLimits)
	}
}
