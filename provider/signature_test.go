package provider

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	testSecret = []byte("0123456789abcdef0123456789abcdef")
	testNow    = time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)
)

func TestParseSignature(t *testing.T) {
	mac := strings.Repeat("ab", 32)
	mac2 := strings.Repeat("0F", 32)
	tests := []struct {
		name   string
		header string
		ok     bool
		ts     int64
		n      int // number of v1 values
	}{
		{"canonical", "t=1700000000,v1=" + mac, true, 1700000000, 1},
		{"order free", "v1=" + mac + ",t=1700000000", true, 1700000000, 1},
		{"spaces around elements", " t=1700000000 ,\tv1=" + mac + " ", true, 1700000000, 1},
		{"rotation: two v1", "t=1,v1=" + mac + ",v1=" + mac2, true, 1, 2},
		{"unknown scheme ignored", "t=5,v0=whatever,v1=" + mac + ",v2=xyz", true, 5, 1},
		{"empty", "", false, 0, 0},
		{"no t", "v1=" + mac, false, 0, 0},
		{"no v1", "t=1700000000", false, 0, 0},
		{"only unknown scheme", "t=1700000000,v2=" + mac, false, 0, 0},
		{"two t", "t=1,t=2,v1=" + mac, false, 0, 0},
		{"negative t", "t=-1,v1=" + mac, false, 0, 0},
		{"plus sign", "t=+1,v1=" + mac, false, 0, 0},
		{"leading zero", "t=01,v1=" + mac, false, 0, 0},
		{"zero", "t=0,v1=" + mac, false, 0, 0},
		{"t overflow", "t=99999999999999999999,v1=" + mac, false, 0, 0},
		{"t not a number", "t=abc,v1=" + mac, false, 0, 0},
		{"empty t", "t=,v1=" + mac, false, 0, 0},
		{"short v1", "t=1,v1=abcd", false, 0, 0},
		{"non-hex v1", "t=1,v1=" + strings.Repeat("zz", 32), false, 0, 0},
		{"empty element", "t=1,,v1=" + mac, false, 0, 0},
		{"trailing comma", "t=1,v1=" + mac + ",", false, 0, 0},
		{"no equals", "t=1,v1" + mac, false, 0, 0},
		{"empty key", "t=1,=x,v1=" + mac, false, 0, 0},
		{"bad key", "t=1,V1=" + mac + ",v1=" + mac, false, 0, 0},
		{"too many v1", "t=1" + strings.Repeat(",v1="+mac, 9), false, 0, 0},
		{"too long", "t=1,v1=" + mac + ",x=" + strings.Repeat("a", 5000), false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSignature(tt.header)
			if !tt.ok {
				if err == nil {
					t.Fatalf("ParseSignature(%q) = %+v, want an error", tt.header, s)
				}
				if !errors.Is(err, ErrBadSignature) {
					t.Fatalf("error %v does not wrap ErrBadSignature", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSignature(%q): %v", tt.header, err)
			}
			if s.Timestamp != tt.ts || len(s.V1) != tt.n {
				t.Fatalf("got t=%d with %d v1, want t=%d with %d", s.Timestamp, len(s.V1), tt.ts, tt.n)
			}
		})
	}
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"provider_ref":"sim_1","status":"clear"}`)
	other := []byte("another secret, also 32 bytes!!")
	signed := func(at time.Time, secret, b []byte) string { return Sign(secret, at, b) }
	tests := []struct {
		name    string
		header  string
		body    []byte
		secret  []byte
		wantErr error
	}{
		{"valid", signed(testNow, testSecret, body), body, testSecret, nil},
		{"valid, 5 minutes old", signed(testNow.Add(-5*time.Minute), testSecret, body), body, testSecret, nil},
		{"valid, 5 minutes ahead", signed(testNow.Add(5*time.Minute), testSecret, body), body, testSecret, nil},
		{"rotation: one of two matches", signed(testNow, other, body) + ",v1=" + strings.Split(signed(testNow, testSecret, body), "v1=")[1], body, testSecret, nil},
		{"wrong secret", signed(testNow, other, body), body, testSecret, ErrBadSignature},
		{"tampered body", signed(testNow, testSecret, body), append(bytes.Clone(body), ' '), testSecret, ErrBadSignature},
		{"timestamp changed", strings.Replace(signed(testNow, testSecret, body), "t=1", "t=2", 1), body, testSecret, ErrBadSignature},
		{"missing", "", body, testSecret, ErrBadSignature},
		{"no secret configured", signed(testNow, nil, body), body, nil, ErrBadSignature},
		{"stale", signed(testNow.Add(-5*time.Minute-time.Second), testSecret, body), body, testSecret, ErrStaleCallback},
		{"far future", signed(testNow.Add(6*time.Minute), testSecret, body), body, testSecret, ErrStaleCallback},
		{"stale and forged", signed(testNow.Add(-time.Hour), other, body), body, testSecret, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(tt.header, tt.body, tt.secret, testNow, DefaultTolerance)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("VerifySignature: %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifySignature = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// FuzzParseSignature checks that the header parser never panics, that what
// it accepts formats back to a header it parses the same way, and that it
// never accepts a header without exactly the properties it documents.
func FuzzParseSignature(f *testing.F) {
	mac := strings.Repeat("ab", 32)
	for _, s := range []string{
		"t=1700000000,v1=" + mac,
		"v1=" + mac + ",t=1",
		" t=1 , v1=" + mac + ", v1=" + strings.Repeat("CD", 32),
		"t=1,v0=x,v1=" + mac,
		"t=01,v1=" + mac,
		"t=1,,v1=",
		"t=-5,v1=" + mac,
		"t=99999999999999999999,v1=" + mac,
		"=,=,=",
		"t=1,v1=" + mac + ",t=2",
		"",
		"\x00t=1",
		Sign(testSecret, testNow, []byte("{}")),
	} {
		f.Add(s, []byte("{}"))
	}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		s, err := ParseSignature(header)
		if err != nil {
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("error %v does not wrap ErrBadSignature", err)
			}
		} else {
			if s.Timestamp <= 0 || len(s.V1) == 0 || len(s.V1) > maxV1Signatures {
				t.Fatalf("accepted %q as %+v", header, s)
			}
			for _, m := range s.V1 {
				if len(m) != 32 {
					t.Fatalf("accepted a %d-byte MAC from %q", len(m), header)
				}
			}
			again, err := ParseSignature(s.String())
			if err != nil {
				t.Fatalf("re-parsing %q (from %q): %v", s.String(), header, err)
			}
			if again.String() != s.String() {
				t.Fatalf("round trip changed %q to %q", s.String(), again.String())
			}
		}
		// The header never verifies unless it carries the right MAC.
		if err := VerifySignature(header, body, testSecret, testNow, DefaultTolerance); err == nil {
			s, _ := ParseSignature(header)
			want := MAC(testSecret, s.Timestamp, body)
			found := false
			for _, m := range s.V1 {
				found = found || bytes.Equal(m, want)
			}
			if !found {
				t.Fatalf("verified %q over %q without its MAC", header, body)
			}
		}
		// What Sign makes always verifies.
		if err := VerifySignature(Sign(testSecret, testNow, body), body, testSecret, testNow, DefaultTolerance); err != nil {
			t.Fatalf("own signature over %q rejected: %v", body, err)
		}
	})
}
