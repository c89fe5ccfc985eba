package pki

import (
	"fmt"
	"testing"
)

// benchList is a list of n card signers, one current per site.
func benchList(b *testing.B, r *Root, n int) *TrustList {
	b.Helper()
	var signers []TrustedSigner
	for i := range n {
		_, s := issue(b, r, fmt.Sprintf("S%03d", i), PurposeCard, t0)
		signers = append(signers, s)
	}
	return newList(signers...)
}

func BenchmarkParseTrustList(b *testing.B) {
	r := newRoot(b, "")
	for _, n := range []int{4, 100} {
		signed := sign(b, r, benchList(b, r, n))
		b.Run(fmt.Sprintf("signers=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(signed)))
			for b.Loop() {
				if _, err := ParseTrustList(signed, r.Cert, t0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCheckSigner(b *testing.B) {
	r := newRoot(b, "")
	tl := benchList(b, r, 100)
	kid := tl.Signers[len(tl.Signers)-1].KeyID // the worst case of the linear lookup
	for b.Loop() {
		if _, err := tl.CheckSigner(kid, t0, t0, PurposeCard); err != nil {
			b.Fatal(err)
		}
	}
}
