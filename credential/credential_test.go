package credential_test

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/credential/base45"
	"github.com/docketcard/docketcard/credential/claim169"
	"github.com/docketcard/docketcard/demo/portrait"
	"github.com/docketcard/docketcard/pki"
	"github.com/docketcard/docketcard/signer"
	"github.com/docketcard/docketcard/statuslist"
)

var t0 = time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)

// fixture is a root, a current and a retired card signer, a status
// signer and their trust list, plus an unlisted key.
type fixture struct {
	root             *pki.Root
	current, retired *ecdsa.PrivateKey
	curKID, oldKID   []byte
	status           *ecdsa.PrivateKey
	statusKID        []byte
	trust            *pki.TrustList
	stranger         *ecdsa.PrivateKey
	strangerKID      []byte
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	root, err := pki.CreateRoot(filepath.Join(dir, "root.key"), filepath.Join(dir, "root.crt"), []byte("root pass phrase"), "test root", 20*365*24*time.Hour, t0.AddDate(-2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{root: root}
	mk := func(at time.Time, purpose string, status string) (*ecdsa.PrivateKey, []byte, pki.TrustedSigner) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		cert, err := root.IssueSigner(k.Public(), "HOU", purpose, 365*24*time.Hour, 2*365*24*time.Hour, at)
		if err != nil {
			t.Fatal(err)
		}
		kid := signer.KeyID(cert)
		return k, kid, pki.TrustedSigner{KeyID: kid, Site: "HOU", Purpose: purpose, Status: status, UsageFrom: at, UsageUntil: at.AddDate(1, 0, 0), Certificate: cert}
	}
	var a, b, c pki.TrustedSigner
	f.retired, f.oldKID, a = mk(t0.AddDate(-1, -1, 0), "card", "retired")
	f.current, f.curKID, b = mk(t0.AddDate(0, -1, 0), "card", "current")
	f.status, f.statusKID, c = mk(t0.AddDate(0, -1, 0), "status", "current")
	f.stranger, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f.strangerKID = []byte{1, 2, 3, 4, 5, 6, 7, 8}
	raw, err := root.SignTrustList(&pki.TrustList{Sequence: 1, IssuedAt: t0.AddDate(0, 0, -1), NextUpdate: t0.AddDate(0, 1, 0), Signers: []pki.TrustedSigner{a, b, c}})
	if err != nil {
		t.Fatal(err)
	}
	if f.trust, err = pki.ParseTrustList(raw, root.Cert, t0); err != nil {
		t.Fatal(err)
	}
	return f
}

func face(t testing.TB) []byte {
	img, err := portrait.Generate(5, "F")
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func sampleCredential(t testing.TB, issued time.Time) *credential.Credential {
	c := &credential.Credential{
		CardNumber: "DC1234567", Issuer: "https://docketcard.example/sites/HOU",
		IssuedAt: issued, NotBefore: issued, ExpiresAt: issued.AddDate(2, 0, 0),
		Identity: &claim169.Identity{ID: "A012345678", Version: "1.0", Language: "eng", FullName: "María José GARCÍA LÓPEZ",
			FirstName: "María José", LastName: "GARCÍA LÓPEZ", DateOfBirth: "19900418", Gender: 2, Nationality: "MEX", CountryOfIssuance: "USA"},
		Status: statuslist.Reference{Index: 4242, URI: "https://docketcard.example/api/v1/status-list"},
	}
	if err := credential.FitFace(c, face(t)); err != nil {
		t.Fatal(err)
	}
	return c
}

func issue(t testing.TB, c *credential.Credential, key *ecdsa.PrivateKey, kid []byte) (string, []byte) {
	t.Helper()
	claims, err := c.Claims()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := credential.Sign(claims, key, kid)
	if err != nil {
		t.Fatal(err)
	}
	qr, compressed, err := credential.Encode(signed)
	if err != nil {
		t.Fatal(err)
	}
	return qr, compressed
}

func TestRoundTripAndBudget(t *testing.T) {
	f := newFixture(t)
	c := sampleCredential(t, t0)
	qr, compressed := issue(t, c, f.current, f.curKID)
	if len(compressed) > credential.PayloadTarget {
		t.Fatalf("payload %d bytes, target %d", len(compressed), credential.PayloadTarget)
	}
	t.Logf("payload %d bytes compressed, %d base45 characters, face %d bytes", len(compressed), len(qr), len(c.Identity.Biometrics[62][0].Data))
	v := &credential.Verifier{Trust: f.trust, Now: func() time.Time { return t0.Add(time.Hour) }}
	res, err := v.Verify(qr)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != credential.Valid || res.Credential.CardNumber != "DC1234567" || res.Credential.Identity.ID != "A012345678" ||
		res.Credential.Identity.LastName != "GARCÍA LÓPEZ" || !bytes.Equal(res.Face, c.Identity.Biometrics[62][0].Data) ||
		res.Credential.Status.Index != 4242 || !res.Credential.ExpiresAt.Equal(c.ExpiresAt) {
		t.Fatalf("result %+v", res)
	}
	// Deterministic claims: same credential, same bytes.
	a, _ := c.Claims()
	b, _ := c.Claims()
	if !bytes.Equal(a, b) {
		t.Fatal("claims encoding is not deterministic")
	}
}

func statusToken(t testing.TB, f *fixture, idx int, s statuslist.Status, issued time.Time) *statuslist.Token {
	l, _ := statuslist.New(2, 1<<14)
	if s != statuslist.Valid {
		l.Set(idx, s)
	}
	tok := &statuslist.Token{URI: "https://docketcard.example/api/v1/status-list", IssuedAt: issued, ExpiresAt: issued.Add(24 * time.Hour), TTL: 5 * time.Minute, List: l, KeyID: f.statusKID}
	b, err := statuslist.Sign(tok, f.status, f.statusKID)
	if err != nil {
		t.Fatal(err)
	}
	parsed, msg, err := statuslist.Parse(b, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := statuslist.Verify(msg, f.status.Public()); err != nil {
		t.Fatal(err)
	}
	return parsed
}

func TestOutcomes(t *testing.T) {
	f := newFixture(t)
	good, _ := issue(t, sampleCredential(t, t0), f.current, f.curKID)
	oldCard, _ := issue(t, sampleCredential(t, t0.AddDate(0, -6, 0)), f.retired, f.oldKID)
	unlisted, _ := issue(t, sampleCredential(t, t0), f.stranger, f.strangerKID)
	impostor, _ := issue(t, sampleCredential(t, t0), f.stranger, f.curKID) // claims a listed kid
	flip := func(s string, i int) string {
		b, _ := base45.Decode(s)
		b[i] ^= 0x01
		return base45.Encode(b)
	}
	tests := []struct {
		name   string
		qr     string
		now    time.Time
		status *statuslist.Token
		want   credential.Outcome
		err    error
	}{
		{"valid", good, t0.Add(time.Hour), nil, credential.Valid, nil},
		{"signed by a retired key still verifies", oldCard, t0, nil, credential.Valid, nil},
		{"unlisted key", unlisted, t0, nil, credential.BadSignature, credential.ErrUnknownKey},
		{"listed kid, wrong key", impostor, t0, nil, credential.BadSignature, credential.ErrSignature},
		{"expired", good, t0.AddDate(2, 0, 1), nil, credential.Expired, nil},
		{"not yet valid", good, t0.Add(-time.Hour), nil, credential.NotYetValid, nil},
		{"revoked", good, t0.Add(time.Hour), statusToken(t, f, 4242, statuslist.Invalid, t0), credential.Revoked, nil},
		{"suspended", good, t0.Add(time.Hour), statusToken(t, f, 4242, statuslist.Suspended, t0), credential.Suspended, nil},
		{"valid as of the list", good, t0.Add(time.Hour), statusToken(t, f, 1, statuslist.Invalid, t0), credential.Valid, nil},
		{"truncated", good[:len(good)/2], t0, nil, credential.Malformed, nil},
		{"not base45", "hello, world", t0, nil, credential.Malformed, credential.ErrBase45},
		{"EU DCC prefix", "HC1:" + good, t0, nil, credential.Malformed, credential.ErrBase45},
		{"bit flipped in the compressed stream", flip(good, 40), t0, nil, "", nil},
		{"bit flipped in the zlib header", flip(good, 0), t0, nil, credential.Malformed, credential.ErrDecompress},
		{"too long for a QR", strings.Repeat("A", 5000), t0, nil, credential.Malformed, credential.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &credential.Verifier{Trust: f.trust, Status: tc.status, Now: func() time.Time { return tc.now }}
			res, err := v.Verify(tc.qr)
			if err != nil {
				t.Fatal(err)
			}
			// Online verification runs Verify in its two halves.
			p, derr := v.Decode(tc.qr)
			halves, err := v.Check(p, derr)
			if err != nil {
				t.Fatal(err)
			}
			if halves.Outcome != res.Outcome || halves.Reason != res.Reason {
				t.Fatalf("Decode then Check: %s (%s); Verify: %s (%s)", halves.Outcome, halves.Reason, res.Outcome, res.Reason)
			}
			if tc.want == "" { // any failure, as long as it is not "valid"
				if res.Outcome == credential.Valid {
					t.Fatalf("tampered payload verified: %+v", res)
				}
				return
			}
			if res.Outcome != tc.want {
				t.Fatalf("outcome %s (%s), want %s", res.Outcome, res.Reason, tc.want)
			}
			if tc.err != nil && !strings.Contains(res.Reason, tc.err.Error()) {
				t.Fatalf("reason %q, want %q", res.Reason, tc.err)
			}
			if tc.status != nil && res.Outcome == credential.Valid && (!res.StatusKnown || !res.StatusAsOf.Equal(t0)) {
				t.Fatalf("status as of %v known=%v", res.StatusAsOf, res.StatusKnown)
			}
		})
	}
}

func TestVerifierWithoutTrustList(t *testing.T) {
	f := newFixture(t)
	good, _ := issue(t, sampleCredential(t, t0), f.current, f.curKID)
	v := &credential.Verifier{}
	if _, err := v.Verify(good); err == nil {
		t.Fatal("Verify without a trust list gave a result")
	}
	p, derr := v.Decode(good)
	if _, err := v.Check(p, derr); err == nil {
		t.Fatal("Check without a trust list gave a result")
	}
}

// TestHostilePayloads builds payloads that are well-formed up to a point
// and then abuse the decoder: a zlib bomb, deep CBOR, oversized maps.
func TestHostilePayloads(t *testing.T) {
	f := newFixture(t)
	wrap := func(raw []byte) string {
		var buf bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
		zw.Write(raw)
		zw.Close()
		return base45.Encode(buf.Bytes())
	}
	sign1 := func(payload []byte) []byte {
		s, _ := cose.NewSigner(cose.AlgorithmES256, f.current)
		msg := cose.NewSign1Message()
		msg.Headers.Protected = cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: f.curKID}
		msg.Payload = payload
		msg.Sign(rand.Reader, nil, s)
		b, _ := msg.MarshalCBOR()
		return b
	}
	deep := bytes.Repeat([]byte{0x81}, 5000) // array of array of …
	deep = append(deep, 0x01)
	bigMap, _ := cbor.Marshal(map[int]int{})
	{
		m := map[int]int{}
		for i := 0; i < 300; i++ {
			m[i+1000] = i
		}
		bigMap, _ = cbor.Marshal(m)
	}
	tests := []struct {
		name string
		qr   string
		want error
	}{
		{"zlib bomb", wrap(make([]byte, 1<<20)), credential.ErrTooLarge},
		{"not COSE", wrap([]byte{0xa1, 0x01, 0x02}), credential.ErrNotCOSE},
		{"deeply nested claims", wrap(sign1(deep)), credential.ErrCWT},
		{"huge claims map", wrap(sign1(bigMap)), credential.ErrCWT},
		{"claims without claim 169", wrap(sign1([]byte{0xa1, 0x01, 0x61, 0x78})), credential.ErrClaim169},
		{"wrong claim types", wrap(sign1([]byte{0xa1, 0x04, 0x61, 0x78})), credential.ErrCWT},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &credential.Verifier{Trust: f.trust, Now: func() time.Time { return t0 }}
			res, err := v.Verify(tc.qr)
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != credential.Malformed || !strings.Contains(res.Reason, tc.want.Error()) {
				t.Fatalf("got %s: %s; want malformed: %v", res.Outcome, res.Reason, tc.want)
			}
		})
	}
	if _, err := credential.Decode(wrap(make([]byte, 1<<20)), credential.DefaultLimits); !errors.Is(err, credential.ErrTooLarge) {
		t.Fatalf("bomb: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	fx := newFixture(f)
	good, _ := issue(f, sampleCredential(f, t0), fx.current, fx.curKID)
	f.Add(good)
	f.Add(good[:100])
	f.Add("")
	f.Add("HC1:NCFOXN%TS3DH")
	f.Add("%69 VD92EX0")
	v := &credential.Verifier{Trust: fx.trust, Now: func() time.Time { return t0 }}
	f.Fuzz(func(t *testing.T, s string) {
		res, err := v.Verify(s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome == credential.Valid && s != good {
			// Only a payload signed by a trusted key may be valid: any other
			// text that verifies must decode to the same signed bytes.
			p1, _ := credential.Decode(s, credential.DefaultLimits)
			p2, _ := credential.Decode(good, credential.DefaultLimits)
			if p1 == nil || p2 == nil || !bytes.Equal(p1.Signed, p2.Signed) {
				t.Fatalf("forged payload verified: %q", s)
			}
		}
	})
}

// BenchmarkVerify compares the offline verify pipeline (base45 + zlib +
// CBOR/COSE decode + ES256 verify) with a bare ECDSA P-256 verify of the
// same signed bytes, in the same run. Target: pipeline ≤ 1.2 × bare.
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b)
	qr, _ := issue(b, sampleCredential(b, t0), f.current, f.curKID)
	p, err := credential.Decode(qr, credential.DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	// The bytes ES256 actually verifies: the COSE Sig_structure.
	tbs, _ := cbor.Marshal([]any{"Signature1", p.Message.Protected, []byte{}, p.Message.Payload})
	sig := p.Message.Signature
	digest := sha256.Sum256(tbs)
	v := &credential.Verifier{Trust: f.trust, Now: func() time.Time { return t0 }}
	b.Run("bare-ecdsa-p256", func(b *testing.B) {
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		for i := 0; i < b.N; i++ {
			h := sha256.Sum256(tbs)
			if !ecdsa.Verify(&f.current.PublicKey, h[:], r, s) {
				b.Fatal("bare verify failed")
			}
		}
		_ = digest
	})
	b.Run("pipeline", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			res, err := v.Verify(qr)
			if err != nil || res.Outcome != credential.Valid {
				b.Fatal(res.Reason)
			}
		}
	})
}

// BenchmarkVerifyRatio interleaves the bare ECDSA verify and the whole
// offline pipeline on the same signed bytes, so both see the same machine
// state, and reports pipeline/bare (target ≤ 1.2).
func BenchmarkVerifyRatio(b *testing.B) {
	f := newFixture(b)
	qr, _ := issue(b, sampleCredential(b, t0), f.current, f.curKID)
	p, err := credential.Decode(qr, credential.DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	tbs, _ := cbor.Marshal([]any{"Signature1", p.Message.Protected, []byte{}, p.Message.Payload})
	sig := p.Message.Signature
	v := &credential.Verifier{Trust: f.trust, Now: func() time.Time { return t0 }}
	var bare, pipe time.Duration
	for b.Loop() {
		t := time.Now()
		h := sha256.Sum256(tbs)
		if !ecdsa.Verify(&f.current.PublicKey, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			b.Fatal("bare verify failed")
		}
		bare += time.Since(t)
		t = time.Now()
		if res, err := v.Verify(qr); err != nil || res.Outcome != credential.Valid {
			b.Fatal("pipeline failed")
		}
		pipe += time.Since(t)
	}
	b.ReportMetric(float64(bare.Nanoseconds())/float64(b.N)/1000, "bare-µs")
	b.ReportMetric(float64(pipe.Nanoseconds())/float64(b.N)/1000, "pipeline-µs")
	b.ReportMetric(float64(pipe)/float64(bare), "pipeline/bare")
}
