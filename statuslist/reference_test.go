package statuslist

import (
	"bytes"
	"math"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/fxamacker/cbor/v2"
)

// section63Status is the value of the status claim (65535) in the
// Referenced Token example of Section 6.3.
const section63Status = "a1 6b7374617475735f6c697374 a2 63696478 00 63757269 7821" +
	"68747470733a2f2f6578616d706c652e636f6d2f7374617475736c697374732f31"

// TestReferenceMatchesDraft checks that a Reference encodes to the bytes of
// the draft's example (Section 6.3), every time, and parses back.
func TestReferenceMatchesDraft(t *testing.T) {
	want := mustHex(t, section63Status)
	r := Reference{Index: 0, URI: exampleURI}
	for range 50 { // Go randomises map order; the encoding must not vary.
		got, err := r.MarshalCBOR()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("MarshalCBOR = %x, want %x", got, want)
		}
		viaValue, err := cbor.CoreDetEncOptions().EncMode()
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := viaValue.Marshal(r.CBORValue()); !bytes.Equal(b, want) {
			t.Fatalf("CBORValue encodes to %x", b)
		}
	}
	back, err := ParseReference(want)
	if err != nil || back != r {
		t.Fatalf("ParseReference = %+v, %v", back, err)
	}
	if r.String() != exampleURI+"#0" {
		t.Errorf("String() = %q", r.String())
	}
}

// TestParseReference checks the forms of status claim accepted and refused.
func TestParseReference(t *testing.T) {
	big := Reference{Index: 1<<20 - 1, URI: exampleURI}
	bigCBOR, err := big.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	var decodedDefault any // what a plain cbor.Unmarshal gives: map[any]any, uint64
	if err := cbor.Unmarshal(bigCBOR, &decodedDefault); err != nil {
		t.Fatal(err)
	}
	sl := func(idx, uri any) map[string]any {
		return map[string]any{"status_list": map[string]any{"idx": idx, "uri": uri}}
	}
	tests := []struct {
		name string
		in   any
		want Reference // zero for an error
	}{
		{"CBORValue", big.CBORValue(), big},
		{"encoded bytes", bigCBOR, big},
		{"cbor.RawMessage", cbor.RawMessage(bigCBOR), big},
		{"decoded by a plain cbor.Unmarshal", decodedDefault, big},
		{"map[any]any with int64", map[any]any{"status_list": map[any]any{"idx": int64(7), "uri": exampleURI}}, Reference{7, exampleURI}},
		{"uint8 index", sl(uint8(3), exampleURI), Reference{3, exampleURI}},
		{"other members ignored", map[any]any{
			"status_list":     map[any]any{"idx": uint64(5), "uri": exampleURI, "x": 1, int64(9): "y"},
			"other_mechanism": map[any]any{},
		}, Reference{5, exampleURI}},

		{"nil", nil, Reference{}},
		{"a string", "status", Reference{}},
		{"no status_list", map[string]any{"other": 1}, Reference{}},
		{"status_list not a map", map[string]any{"status_list": []any{0, exampleURI}}, Reference{}},
		{"no idx", map[string]any{"status_list": map[string]any{"uri": exampleURI}}, Reference{}},
		{"no uri", map[string]any{"status_list": map[string]any{"idx": 1}}, Reference{}},
		{"negative idx", sl(-1, exampleURI), Reference{}},
		{"float idx", sl(1.0, exampleURI), Reference{}},
		{"text idx", sl("1", exampleURI), Reference{}},
		{"idx over int64", sl(uint64(math.MaxUint64), exampleURI), Reference{}},
		{"uri not text", sl(1, []byte(exampleURI)), Reference{}},
		{"uri empty", sl(1, ""), Reference{}},
		{"uri relative", sl(1, "statuslists/1"), Reference{}},
		{"bytes not a map", []byte{0x80}, Reference{}},
		{"bytes not CBOR", []byte{0xa1}, Reference{}},
		{"bytes with a duplicate key", mustHex(t, "a2 6161 01 6161 02"), Reference{}},
		{"bytes with a negative idx", mustHex(t, "a1 6b7374617475735f6c697374 a2 63696478 20 63757269 6b687474703a2f2f782f79"), Reference{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReference(tt.in)
			if tt.want == (Reference{}) {
				wantErr(t, err, docketcard.EINVALID, ErrReference)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestReferenceMarshalInvalid checks that MarshalCBOR validates.
func TestReferenceMarshalInvalid(t *testing.T) {
	for _, r := range []Reference{{-1, exampleURI}, {0, ""}, {0, "relative"}} {
		_, err := r.MarshalCBOR()
		wantErr(t, err, docketcard.EINVALID, ErrReference)
	}
}
