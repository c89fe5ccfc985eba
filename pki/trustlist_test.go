package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/signer"
	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// coseSign signs payload as a trust list would be, with any key and any
// headers, for forging test inputs.
func coseSign(t testing.TB, key crypto.Signer, kid []byte, typ any, x5chain []byte, payload []byte) []byte {
	t.Helper()
	cs, err := cose.NewSigner(cose.AlgorithmES256, key)
	if err != nil {
		t.Fatal(err)
	}
	hdr := cose.Headers{
		Protected:   cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256},
		Unprotected: cose.UnprotectedHeader{},
	}
	if kid != nil {
		hdr.Protected[cose.HeaderLabelKeyID] = kid
	}
	if typ != nil {
		hdr.Protected[cose.HeaderLabelType] = typ
	}
	if x5chain != nil {
		hdr.Unprotected[cose.HeaderLabelX5Chain] = x5chain
	}
	b, err := cose.Sign1(rand.Reader, cs, hdr, payload, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// remarshal decodes a signed list, lets f change it and re-encodes it
// without signing again.
func remarshal(t testing.TB, b []byte, f func(m *cose.Sign1Message)) []byte {
	t.Helper()
	var m cose.Sign1Message
	if err := m.UnmarshalCBOR(b); err != nil {
		t.Fatal(err)
	}
	f(&m)
	out, err := m.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustCBOR(t testing.TB, v any) []byte {
	t.Helper()
	b, err := encMode.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTrustListRoundTrip(t *testing.T) {
	r := newRoot(t, "")
	_, hou := issue(t, r, "HOU", PurposeCard, t0)
	_, houStatus := issue(t, r, "HOU", PurposeStatus, t0)
	_, atl := issue(t, r, "ATL", PurposeCard, t0.Add(-time.Second+time.Second))
	_, old := issue(t, r, "HOU", PurposeCard, t0)
	old.Status = StatusRetired
	old.UsageUntil = t0.Add(day)
	tests := []struct {
		name string
		tl   *TrustList
	}{
		{"no signers", newList()},
		{"one signer", newList(hou)},
		{"sites, purposes and a retired key", newList(hou, houStatus, atl, old)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.tl.Sequence = 42
			b := sign(t, r, tc.tl)
			got, err := ParseTrustList(b, r.Cert, t0)
			if err != nil {
				t.Fatal(err)
			}
			if got.Sequence != 42 || !got.IssuedAt.Equal(tc.tl.IssuedAt) || !got.NextUpdate.Equal(tc.tl.NextUpdate) {
				t.Fatalf("header fields %d %v %v", got.Sequence, got.IssuedAt, got.NextUpdate)
			}
			if len(got.Signers) != len(tc.tl.Signers) {
				t.Fatalf("%d signers, want %d", len(got.Signers), len(tc.tl.Signers))
			}
			for i, want := range tc.tl.Signers {
				g := got.Signers[i]
				if !bytes.Equal(g.KeyID, want.KeyID) || g.Site != want.Site || g.Purpose != want.Purpose || g.Status != want.Status ||
					!g.UsageFrom.Equal(want.UsageFrom) || !g.UsageUntil.Equal(want.UsageUntil) || !g.Certificate.Equal(want.Certificate) {
					t.Errorf("signer %d = %+v, want %+v", i, g, want)
				}
				// The key id is SHA-256 of the certificate DER, truncated.
				sum := sha256.Sum256(g.Certificate.Raw)
				if !bytes.Equal(g.KeyID, sum[:8]) {
					t.Errorf("signer %d kid %x, SHA-256 %x", i, g.KeyID, sum[:8])
				}
			}
			// Decoding loses nothing: the parsed list encodes to the same payload.
			p1, _ := tc.tl.MarshalCBOR()
			p2, _ := got.MarshalCBOR()
			if !bytes.Equal(p1, p2) {
				t.Fatal("parsed list encodes differently")
			}
		})
	}
}

func TestTrustListDeterministic(t *testing.T) {
	r := newRoot(t, "")
	_, a := issue(t, r, "HOU", PurposeCard, t0)
	_, b := issue(t, r, "ATL", PurposeStatus, t0)
	tl := newList(a, b)
	p1, err := tl.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		p2, _ := tl.MarshalCBOR()
		if !bytes.Equal(p1, p2) {
			t.Fatal("same list, different bytes")
		}
	}
	// Signing is randomised (ECDSA) but the signed payload is the same bytes.
	for i := 0; i < 2; i++ {
		var m cose.Sign1Message
		if err := m.UnmarshalCBOR(sign(t, r, tl)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.Payload, p1) {
			t.Fatal("signed payload differs from MarshalCBOR")
		}
	}
	// Fixed vector: the key order and shortest-form integers of the
	// documented map, for an empty list.
	empty := &TrustList{Sequence: 7, IssuedAt: t0, NextUpdate: t0.Add(7 * day)}
	got, _ := empty.MarshalCBOR()
	const want = "a5" + "0101" + "0207" + "031a69a42a40" + "041a69ad64c0" + "0580"
	if hex.EncodeToString(got) != want {
		t.Fatalf("empty list = %x, want %s", got, want)
	}
	// Signer map keys 1..7 in order.
	var m map[int]any
	if err := cbor.Unmarshal(p1, &m); err != nil {
		t.Fatal(err)
	}
	first := m[5].([]any)[0].(map[any]any)
	for k := uint64(1); k <= 7; k++ {
		if _, ok := first[k]; !ok {
			t.Fatalf("signer map lacks key %d: %v", k, first)
		}
	}
}

func TestParseTrustListErrors(t *testing.T) {
	r := newRoot(t, "")
	other := newRoot(t, "other root")
	_, hou := issue(t, r, "HOU", PurposeCard, t0)
	_, atl := issue(t, r, "ATL", PurposeCard, t0)
	_, foreign := issue(t, other, "HOU", PurposeCard, t0) // certificate from another root
	good := sign(t, r, newList(hou, atl))
	payload, _ := newList(hou, atl).MarshalCBOR()
	rootKID := signer.KeyID(r.Cert)

	// Payloads the root signs without SignTrustList's checks, as a
	// compromised or buggy signing tool might.
	rawSigned := func(v any) []byte { return r.mustSignPayload(t, mustCBOR(t, v)) }
	listWith := func(signers ...TrustedSigner) []byte {
		p, err := newList(signers...).MarshalCBOR()
		if err != nil {
			t.Fatal(err)
		}
		return r.mustSignPayload(t, p)
	}
	withStatus := func(s TrustedSigner, status string) TrustedSigner { s.Status = status; return s }
	_, hou2 := issue(t, r, "HOU", PurposeCard, t0)
	badKID := hou
	badKID.KeyID = []byte{1, 2, 3, 4, 5, 6, 7, 8}
	wideUsage := hou
	wideUsage.UsageUntil = hou.Certificate.NotAfter.Add(time.Second)
	wrongSite := hou
	wrongSite.Site = "ATL"
	wrongPurpose := hou
	wrongPurpose.Purpose = PurposeStatus

	tests := []struct {
		name  string
		b     []byte
		now   time.Time
		grace time.Duration
		want  error
	}{
		{"valid", good, t0, 0, nil},
		{"tampered payload", remarshal(t, good, func(m *cose.Sign1Message) { m.Payload[len(m.Payload)-1] ^= 1 }), t0, 0, ErrBadSignature},
		{"tampered signature", remarshal(t, good, func(m *cose.Sign1Message) { m.Signature[0] ^= 1 }), t0, 0, ErrBadSignature},
		{"signed by another root", sign(t, other, newList()), t0, 0, ErrWrongRoot},
		{"another root claiming our kid", coseSign(t, other.Key, rootKID, TrustListType, nil, payload), t0, 0, ErrBadSignature},
		{"x5chain of another root", remarshal(t, good, func(m *cose.Sign1Message) {
			m.Headers.RawUnprotected = nil
			m.Headers.Unprotected[cose.HeaderLabelX5Chain] = other.Cert.Raw
		}), t0, 0, ErrWrongRoot},
		{"no x5chain", remarshal(t, good, func(m *cose.Sign1Message) {
			m.Headers.RawUnprotected = nil
			delete(m.Headers.Unprotected, cose.HeaderLabelX5Chain)
		}), t0, 0, nil},
		{"x5chain as an array", remarshal(t, good, func(m *cose.Sign1Message) {
			m.Headers.RawUnprotected = nil
			m.Headers.Unprotected[cose.HeaderLabelX5Chain] = []any{r.Cert.Raw}
		}), t0, 0, nil},
		{"no kid", coseSign(t, r.Key, nil, TrustListType, nil, payload), t0, 0, ErrWrongRoot},
		{"certificate not issued by root", listWith(hou, foreign), t0, 0, ErrNotIssuedByRoot},
		{"not CBOR", []byte("hello"), t0, 0, ErrMalformed},
		{"empty", nil, t0, 0, ErrMalformed},
		{"truncated", good[:len(good)/2], t0, 0, ErrMalformed},
		{"untagged COSE_Sign1", good[1:], t0, 0, ErrMalformed},
		{"wrong typ", coseSign(t, r.Key, rootKID, "application/cwt", nil, payload), t0, 0, ErrMalformed},
		{"no typ", coseSign(t, r.Key, rootKID, nil, nil, payload), t0, 0, ErrMalformed},
		{"signed payload is not CBOR", r.mustSignPayload(t, []byte{0xff, 0x00}), t0, 0, ErrMalformed},
		{"signed payload of version 2", rawSigned(map[int]any{1: 2, 2: 1, 3: t0.Unix(), 4: t0.Add(day).Unix(), 5: []any{}}), t0, 0, ErrMalformed},
		{"signed payload with unknown key", rawSigned(map[int]any{1: 1, 2: 1, 3: t0.Unix(), 4: t0.Add(day).Unix(), 5: []any{}, 6: "x"}), t0, 0, ErrMalformed},
		{"signed payload with bad certificate", rawSigned(map[int]any{1: 1, 2: 1, 3: t0.Unix(), 4: t0.Add(day).Unix(), 5: []any{map[int]any{1: []byte("12345678"), 7: []byte{0x30, 0}}}}), t0, 0, ErrMalformed},
		{"two current keys for one site", listWith(hou, hou2), t0, 0, ErrInvalidTrustList},
		{"one current and one retired", listWith(hou, withStatus(hou2, StatusRetired)), t0, 0, nil},
		{"unknown status", listWith(withStatus(hou, "revoked")), t0, 0, ErrInvalidTrustList},
		{"duplicate key", listWith(hou, withStatus(hou, StatusRetired)), t0, 0, ErrInvalidTrustList},
		{"kid is not the certificate's", listWith(badKID), t0, 0, ErrInvalidTrustList},
		{"usage beyond the certificate", listWith(wideUsage), t0, 0, ErrInvalidTrustList},
		{"site differs from the certificate", listWith(wrongSite), t0, 0, ErrInvalidTrustList},
		{"purpose differs from the certificate", listWith(wrongPurpose), t0, 0, ErrInvalidTrustList},
		{"at next update", good, t0.Add(7 * day), 0, nil},
		{"expired", good, t0.Add(7*day + time.Second), 0, ErrTrustListExpired},
		{"within grace", good, t0.Add(8 * day), 2 * day, nil},
		{"after grace", good, t0.Add(9*day + time.Second), 2 * day, ErrTrustListExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tl, err := ParseTrustListGrace(tc.b, r.Cert, tc.now, tc.grace)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParseTrustList: %v, want %v", err, tc.want)
			}
			if err == nil && tl == nil {
				t.Fatal("nil list without error")
			}
			if err != nil && tl != nil {
				t.Fatal("list returned with an error")
			}
		})
	}
	t.Run("pinned root is a signer certificate", func(t *testing.T) {
		if _, err := ParseTrustList(good, hou.Certificate, t0); !errors.Is(err, ErrBadRoot) {
			t.Fatalf("ParseTrustList: %v, want ErrBadRoot", err)
		}
	})
	t.Run("error codes", func(t *testing.T) {
		_, err := ParseTrustList(good, r.Cert, t0.Add(year))
		if docketcard.ErrorCode(err) != docketcard.EUNAVAILABLE || docketcard.ErrorMessage(err) != ErrTrustListExpired.Message {
			t.Fatalf("expired list: code %q message %q", docketcard.ErrorCode(err), docketcard.ErrorMessage(err))
		}
	})
}

// mustSignPayload signs arbitrary bytes as a trust list, skipping the
// checks of SignTrustList.
func (r *Root) mustSignPayload(t testing.TB, payload []byte) []byte {
	t.Helper()
	b, err := r.signPayload(payload)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignTrustListRefuses(t *testing.T) {
	r := newRoot(t, "")
	other := newRoot(t, "other root")
	_, hou := issue(t, r, "HOU", PurposeCard, t0)
	_, hou2 := issue(t, r, "HOU", PurposeCard, t0)
	_, foreign := issue(t, other, "ATL", PurposeCard, t0)
	mismatched := &Root{Cert: r.Cert, Key: other.Key}
	tests := []struct {
		name string
		root *Root
		tl   *TrustList
		want error
	}{
		{"certificate not issued by root", r, newList(hou, foreign), ErrNotIssuedByRoot},
		{"two current keys for one site", r, newList(hou, hou2), ErrInvalidTrustList},
		{"next update before issued at", r, &TrustList{Sequence: 1, IssuedAt: t0, NextUpdate: t0}, ErrInvalidTrustList},
		{"root key of another certificate", mismatched, newList(hou), ErrBadRoot},
		{"no list", r, nil, ErrBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.root.SignTrustList(tc.tl)
			if !errors.Is(err, tc.want) || b != nil {
				t.Fatalf("SignTrustList: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCheckSigner(t *testing.T) {
	r := newRoot(t, "")
	_, hou := issue(t, r, "HOU", PurposeCard, t0)
	_, status := issue(t, r, "HOU", PurposeStatus, t0)
	tl, err := ParseTrustList(sign(t, r, newList(hou, status)), r.Cert, t0)
	if err != nil {
		t.Fatal(err)
	}
	usageEnd := t0.Add(keyUsage)
	certEnd := t0.Add(keyUsage + maxCardValidity)
	tests := []struct {
		name     string
		kid      []byte
		signedAt time.Time
		now      time.Time
		purpose  string
		want     error
	}{
		{"card signed and checked today", hou.KeyID, t0, t0, PurposeCard, nil},
		{"signed on the last second of usage, checked at certificate end", hou.KeyID, usageEnd, certEnd, PurposeCard, nil},
		{"unknown kid", []byte{0, 1, 2, 3, 4, 5, 6, 7}, t0, t0, PurposeCard, ErrUnknownKey},
		{"empty kid", nil, t0, t0, PurposeCard, ErrUnknownKey},
		{"used after its usage period", hou.KeyID, usageEnd.Add(time.Second), usageEnd.Add(day), PurposeCard, ErrOutsideUsage},
		{"used before its usage period", hou.KeyID, t0.Add(-time.Second), t0, PurposeCard, ErrOutsideUsage},
		{"expired signer certificate", hou.KeyID, t0, certEnd.Add(time.Second), PurposeCard, ErrSignerExpired},
		{"certificate not yet valid", hou.KeyID, t0, t0.Add(-time.Hour), PurposeCard, ErrSignerNotYetValid},
		{"status key used for a card", status.KeyID, t0, t0, PurposeCard, ErrWrongPurpose},
		{"card key used for a status list", hou.KeyID, t0, t0, PurposeStatus, ErrWrongPurpose},
		{"status list", status.KeyID, t0.Add(day), t0.Add(day), PurposeStatus, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := tl.CheckSigner(tc.kid, tc.signedAt, tc.now, tc.purpose)
			if !errors.Is(err, tc.want) {
				t.Fatalf("CheckSigner: %v, want %v", err, tc.want)
			}
			if err == nil && !bytes.Equal(s.KeyID, tc.kid) {
				t.Fatalf("returned signer %x", s.KeyID)
			}
		})
	}
}

// Rotation: the old key is retired, what it signed still verifies, and the
// new key is current; the next list carries both.
func TestRotate(t *testing.T) {
	r := newRoot(t, "")
	_, a := issue(t, r, "HOU", PurposeCard, t0)
	_, atl := issue(t, r, "ATL", PurposeCard, t0)
	_, st := issue(t, r, "HOU", PurposeStatus, t0)
	tl := newList(a, atl, st)

	switchAt := t0.Add(60 * day)
	_, b := issue(t, r, "HOU", PurposeCard, switchAt.Add(-7*day))
	if err := tl.Rotate(b, switchAt); err != nil {
		t.Fatal(err)
	}
	tl.Sequence++
	tl.IssuedAt, tl.NextUpdate = switchAt.Add(-7*day), switchAt.Add(7*day)
	got, err := ParseTrustList(sign(t, r, tl), r.Cert, switchAt)
	if err != nil {
		t.Fatal(err)
	}
	oldA, _ := got.Lookup(a.KeyID)
	if oldA.Status != StatusRetired || !oldA.UsageUntil.Equal(switchAt) {
		t.Fatalf("old key after rotation: %s until %v", oldA.Status, oldA.UsageUntil)
	}
	for _, kid := range [][]byte{atl.KeyID, st.KeyID, b.KeyID} {
		if s, _ := got.Lookup(kid); s.Status != StatusCurrent {
			t.Fatalf("%s %s is %s", s.Site, s.Purpose, s.Status)
		}
	}
	tests := []struct {
		name     string
		kid      []byte
		signedAt time.Time
		now      time.Time
		want     error
	}{
		{"retired signer still verifies", a.KeyID, t0.Add(30 * day), switchAt.Add(3 * year), nil},
		{"retired signer verifies what it signed at the switch", a.KeyID, switchAt, switchAt.Add(day), nil},
		{"retired signer used after the switch", a.KeyID, switchAt.Add(time.Second), switchAt.Add(day), ErrOutsideUsage},
		{"retired signer after its certificate expired", a.KeyID, t0.Add(30 * day), a.Certificate.NotAfter.Add(time.Second), ErrSignerExpired},
		{"new signer", b.KeyID, switchAt.Add(day), switchAt.Add(day), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := got.CheckSigner(tc.kid, tc.signedAt, tc.now, PurposeCard); !errors.Is(err, tc.want) {
				t.Fatalf("CheckSigner: %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("same key twice", func(t *testing.T) {
		n := len(tl.Signers)
		if err := tl.Rotate(b, switchAt); !errors.Is(err, ErrInvalidTrustList) || len(tl.Signers) != n {
			t.Fatalf("Rotate: %v, %d signers", err, len(tl.Signers))
		}
	})
}

func FuzzParseTrustList(f *testing.F) {
	r := newRoot(f, "")
	_, hou := issue(f, r, "HOU", PurposeCard, t0)
	_, st := issue(f, r, "HOU", PurposeStatus, t0)
	good := sign(f, r, newList(hou, st))
	payload, _ := newList(hou).MarshalCBOR()
	f.Add(good)
	f.Add(sign(f, r, newList()))
	f.Add(good[:len(good)-10])
	f.Add(payload)
	f.Add(r.mustSignPayload(f, payload[:len(payload)/2]))
	f.Add(r.mustSignPayload(f, []byte{0xa1, 0x05, 0x9f}))
	f.Add([]byte{0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		tl, err := ParseTrustList(b, r.Cert, t0)
		if (err == nil) == (tl == nil) {
			t.Fatalf("list %v with error %v", tl, err)
		}
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrWrongRoot) && !errors.Is(err, ErrBadSignature) &&
			!errors.Is(err, ErrNotIssuedByRoot) && !errors.Is(err, ErrInvalidTrustList) && !errors.Is(err, ErrTrustListExpired) {
			t.Fatalf("unclassified error %v", err)
		}
	})
}
