package claim169

import (
	"reflect"
	"testing"
)

// TestCanonicalMatchesTolerant: the fast reader must give exactly what the
// tolerant reader gives, for everything the writer produces.
func TestCanonicalMatchesTolerant(t *testing.T) {
	tests := []struct {
		name string
		id   Identity
	}{
		{"minimal", Identity{ID: "A012345678"}},
		{"card", Identity{ID: "A012345678", Version: "1.0", Language: "eng", FullName: "María GARCÍA", FirstName: "María",
			LastName: "GARCÍA", DateOfBirth: "19900418", Gender: 2, Nationality: "MEX", CountryOfIssuance: "USA",
			Biometrics: map[int][]Biometric{KeyFace: {{Data: []byte{0xff, 0xd8, 0xff, 0xe0, 1, 2, 3}, Format: 0, SubFormat: 1}}}}},
		{"partial date, no gender", Identity{ID: "A000000001", DateOfBirth: "1984", MiddleName: "de la"}},
		{"year and month", Identity{ID: "A000000001", DateOfBirth: "198404", Gender: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.id.MarshalCBOR()
			if err != nil {
				t.Fatal(err)
			}
			var fast, slow Identity
			if !fast.unmarshalCanonical(b) {
				t.Fatal("the canonical reader refused the writer's output")
			}
			if err := slow.unmarshalTolerant(b); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("fast %+v\nslow %+v", fast, slow)
			}
		})
	}
	// Outside the subset, the fast reader declines.
	for name, id := range map[string]Identity{
		"unknown key": {ID: "x", LocationCode: "849VCWC8+R9"},
		"address":     {ID: "x", Address: "1 Main St"},
	} {
		b, _ := id.MarshalCBOR()
		var got Identity
		if got.unmarshalCanonical(b) {
			t.Errorf("%s: fast reader accepted a map outside its subset", name)
		}
	}
}
