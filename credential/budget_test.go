package credential_test

import (
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/docketcard/docketcard/credential"
)

// BenchmarkPayloadBudget reports the byte budget of each part of a typical
// card's QR payload (b.ReportMetric), for docs/PERFORMANCE.md.
func BenchmarkPayloadBudget(b *testing.B) {
	f := newFixture(b)
	c := sampleCredential(b, t0)
	faceBytes := len(c.Identity.Biometrics[62][0].Data)
	id, _ := c.Identity.MarshalCBOR()
	claims, _ := c.Claims()
	var signed []byte
	var qr string
	var compressed []byte
	for b.Loop() {
		qr, compressed = issue(b, c, f.current, f.curKID)
	}
	p, _ := credential.Decode(qr, credential.DefaultLimits)
	signed = p.Signed
	saved := c.Identity.Biometrics
	c.Identity.Biometrics = nil
	idNoFace, _ := c.Identity.MarshalCBOR()
	c.Identity.Biometrics = saved
	hdr, _ := cbor.Marshal(p.Message.Protected)
	b.ReportMetric(float64(faceBytes), "face-B")
	b.ReportMetric(float64(len(idNoFace)), "claim169-without-face-B")
	b.ReportMetric(float64(len(id)), "claim169-B")
	b.ReportMetric(float64(len(claims)), "cwt-claims-B")
	b.ReportMetric(float64(len(hdr)), "cose-protected-B")
	b.ReportMetric(float64(len(signed)), "cose-sign1-B")
	b.ReportMetric(float64(len(compressed)), "zlib-B")
	b.ReportMetric(float64(len(qr)), "base45-chars")
}
