package credential

import (
	"bytes"
	"testing"
	"time"
)

func TestBundleRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	in := &Bundle{IssuedAt: at, Root: []byte{1, 2}, TrustList: []byte{3}, StatusList: []byte{4, 5, 6}}
	b, err := EncodeBundle(in)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := EncodeBundle(in)
	if !bytes.Equal(b, again) {
		t.Error("bundle encoding is not deterministic")
	}
	out, err := DecodeBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	if !out.IssuedAt.Equal(at) || !bytes.Equal(out.Root, in.Root) || !bytes.Equal(out.TrustList, in.TrustList) || !bytes.Equal(out.StatusList, in.StatusList) {
		t.Errorf("round trip: got %+v", out)
	}
}

func TestDecodeBundleRejects(t *testing.T) {
	good, _ := EncodeBundle(&Bundle{IssuedAt: time.Unix(1, 0), Root: []byte{1}, TrustList: []byte{2}, StatusList: []byte{3}})
	noStatus, _ := encMode.Marshal(map[string]any{"format": BundleFormat, "issued_at": 1, "root_certificate": []byte{1}, "trust_list": []byte{2}})
	otherFormat, _ := encMode.Marshal(map[string]any{"format": "x/2", "issued_at": 1, "root_certificate": []byte{1}, "trust_list": []byte{2}, "status_list": []byte{3}})
	extra, _ := encMode.Marshal(map[string]any{"format": BundleFormat, "issued_at": 1, "root_certificate": []byte{1}, "trust_list": []byte{2}, "status_list": []byte{3}, "x": 1})
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a bundle"},
		{"not cbor", []byte("hello"), "not a bundle"},
		{"truncated", good[:len(good)-2], "not a bundle"},
		{"missing status list", noStatus, "all required"},
		{"other format", otherFormat, "format"},
		{"unknown field", extra, "not a bundle"},
		{"too large", make([]byte, maxBundle+1), "limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeBundle(tt.data)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Errorf("DecodeBundle: %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

func FuzzDecodeBundle(f *testing.F) {
	good, _ := EncodeBundle(&Bundle{IssuedAt: time.Unix(1, 0), Root: []byte{1}, TrustList: []byte{2}, StatusList: []byte{3}})
	f.Add(good)
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeBundle(data)
		if err != nil {
			return
		}
		if len(b.Root) == 0 || len(b.TrustList) == 0 || len(b.StatusList) == 0 || b.Format != BundleFormat {
			t.Fatalf("accepted an incomplete bundle: %+v", b)
		}
		if _, err := EncodeBundle(b); err != nil {
			t.Fatal(err)
		}
	})
}
