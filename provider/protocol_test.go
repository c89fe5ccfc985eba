package provider

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
)

// The wire format, byte for byte, as PROTOCOL.md shows it.
func TestWireFormat(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"check request", CheckRequest{
			CheckType: CheckCriminalHistory,
			Subject: Subject{ID: "chk-7f3a", Names: []docketcard.Name{{FamilyNames: "GARCÍA LÓPEZ", GivenNames: "Ana María"}, {FamilyNames: "GARCIA", GivenNames: "Ana"}},
				DateOfBirth: "1988-03", Nationality: "MEX", Sex: "F"},
			CallbackURL: "https://docketcard.example/callbacks/checks",
		}, `{"check_type":"criminal_history","subject":{"id":"chk-7f3a","names":[{"family_names":"GARCÍA LÓPEZ","given_names":"Ana María"},{"family_names":"GARCIA","given_names":"Ana"}],"date_of_birth":"1988-03","nationality":"MEX","sex":"F"},"callback_url":"https://docketcard.example/callbacks/checks"}`},
		{"ack", Ack{ProviderRef: "sim_1", Status: StatusPending, Replayed: true}, `{"provider_ref":"sim_1","status":"pending"}`},
		{"pending result", Result{ProviderRef: "sim_1", CheckType: CheckBiometric, Status: StatusPending, Evidence: []Evidence{}},
			`{"provider_ref":"sim_1","check_type":"biometric","status":"pending","evidence":[]}`},
		{"final result", Result{ProviderRef: "sim_1", CheckType: CheckBiometric, Status: StatusPossibleMatch,
			Evidence:    []Evidence{{Kind: "biometric_candidate", Source: "SIM-BIOMETRIC", Reference: "SIM-1", Score: 0.93, Summary: "SYNTHETIC"}},
			CompletedAt: time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)},
			`{"provider_ref":"sim_1","check_type":"biometric","status":"possible_match","evidence":[{"kind":"biometric_candidate","source":"SIM-BIOMETRIC","reference":"SIM-1","score":0.93,"summary":"SYNTHETIC"}],"completed_at":"2026-03-02T15:04:05Z"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.v)
		if err != nil || string(b) != tt.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", tt.name, b, err, tt.want)
		}
	}
}

func TestSubjectFromPerson(t *testing.T) {
	dob, _ := docketcard.ParsePartialDate("1979-11")
	p := &docketcard.Person{Name: docketcard.Name{FamilyNames: "NGUYEN", GivenNames: "Van An"},
		Aliases: []docketcard.Name{{FamilyNames: "NGUYEN", GivenNames: "An"}}, DateOfBirth: dob, Sex: docketcard.SexMale, CountryOfCitizenship: "VNM"}
	s := SubjectFromPerson(p, "chk-1")
	var v docketcard.Validation
	s.Validate(&v, "")
	if err := v.Err("subject"); err != nil {
		t.Fatal(err)
	}
	if len(s.Names) != 2 || s.Names[1].GivenNames != "An" || s.DateOfBirth != "1979-11" || s.Sex != "M" || s.Nationality != "VNM" || s.ID != "chk-1" {
		t.Fatalf("subject = %+v", s)
	}
}

func TestValidProviderRef(t *testing.T) {
	for ref, want := range map[string]bool{
		"sim_0123abcd": true, "A": true, "r-1.2~x": true,
		"": false, ".": false, "..": false, "_x": false, "a/b": false, "a b": false, "a%2F": false,
		string(make([]byte, 129)): false,
	} {
		if ValidProviderRef(ref) != want {
			t.Errorf("ValidProviderRef(%q) = %v", ref, !want)
		}
	}
}
