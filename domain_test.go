package docketcard_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
)

var today = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestParseANumber(t *testing.T) {
	tests := []struct {
		name, in, want, errHas string
	}{
		{"nine digits", "A123456789", "A123456789", ""},
		{"eight digits padded", "A12345678", "A012345678", ""},
		{"lower case and hyphens", "a-123-456-789", "A123456789", ""},
		{"spaces", " A 012 345 678 ", "A012345678", ""},
		{"no prefix", "123456789", "", "must start with the letter A"},
		{"seven digits", "A1234567", "", "8 or 9 digits, got 7"},
		{"ten digits", "A1234567890", "", "8 or 9 digits, got 10"},
		{"letters", "A12345678X", "", "only the letter A, digits"},
		{"all zeros", "A000000000", "", "all zeros"},
		{"empty", "", "", "required"},
		{"trailing hyphen", "A12345678-", "", "end with a digit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := docketcard.ParseANumber(tc.in)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) || docketcard.ErrorCode(err) != docketcard.EINVALID {
					t.Fatalf("ParseANumber(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.errHas)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("ParseANumber(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
	if f := docketcard.ANumber("A012345678").Formatted(); f != "A012-345-678" {
		t.Errorf("Formatted = %s", f)
	}
	if m := docketcard.ANumber("A012345678").Masked(); m != "A******678" {
		t.Errorf("Masked = %s", m)
	}
}

func TestPartialDates(t *testing.T) {
	tests := []struct {
		name, in string
		prec     docketcard.DatePrecision
		errHas   string
		dobErr   string
	}{
		{"full", "1990-04-18", docketcard.PrecisionDay, "", ""},
		{"month", "1990-04", docketcard.PrecisionMonth, "", ""},
		{"year", "1990", docketcard.PrecisionYear, "", ""},
		{"leap day", "2000-02-29", docketcard.PrecisionDay, "", ""},
		{"not a leap year", "2023-02-29", 0, "does not exist", ""},
		{"February 30", "2024-02-30", 0, "does not exist", ""},
		{"month 13", "1990-13", 0, "month 13", ""},
		{"day zero", "1990-01-00", 0, "does not exist", ""},
		{"slashes", "04/18/1990", 0, "YYYY", ""},
		{"short year", "90-04-18", 0, "YYYY", ""},
		{"future", "2027-01-01", docketcard.PrecisionDay, "", "in the future"},
		{"this month is fine", "2026-11", docketcard.PrecisionMonth, "", ""},
		{"over 120 years", "1905-06-01", docketcard.PrecisionDay, "", "more than 120 years ago"},
		{"year 120 years ago still possible", "1906", docketcard.PrecisionYear, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := docketcard.ParsePartialDate(tc.in)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("got %v, %v; want error with %q", d, err, tc.errHas)
				}
				return
			}
			if err != nil || d.Precision() != tc.prec || d.String() != tc.in {
				t.Fatalf("got %v (%v), %v", d, d.Precision(), err)
			}
			err = docketcard.ValidateBirthDate(d, today)
			if tc.dobErr == "" && err != nil || tc.dobErr != "" && (err == nil || !strings.Contains(err.Error(), tc.dobErr)) {
				t.Fatalf("ValidateBirthDate: %v, want %q", err, tc.dobErr)
			}
		})
	}
}

func TestParseCountry(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"mexico", "MEX", "MEX"}, {"lower case", "gtm", "GTM"}, {"stateless", "XXA", "XXA"},
		{"unspecified", "XXX", "XXX"}, {"south sudan", "SSD", "SSD"},
		{"unknown", "ZZZ", ""}, {"alpha-2", "MX", ""}, {"numeric", "484", ""}, {"empty", "", ""}, {"EU is not a country", "EUE", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := docketcard.ParseCountry(tc.in)
			if got != tc.want || (tc.want == "") != (err != nil) {
				t.Fatalf("ParseCountry(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	if n := docketcard.CountryName("HND"); n != "Honduras" {
		t.Errorf("CountryName(HND) = %q", n)
	}
}

func TestNameParts(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"accents", "PEÑA DE LA CRUZ", true}, {"apostrophe", "O'Brien", true}, {"hyphen", "Al-Sayed", true},
		{"cyrillic", "Петрова", false}, {"arabic", "حداد", false}, {"digits", "Smith2", false},
		{"control", "Smi\tth", false}, {"only punctuation", "--", false}, {"too long", strings.Repeat("a", 101), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := docketcard.ValidateNamePart(tc.in, true)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateNamePart(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
		})
	}
}

func validInput() docketcard.PersonInput {
	return docketcard.PersonInput{ANumber: "A12345678", FamilyNames: " García  López ", GivenNames: "María", DateOfBirth: "1990-04",
		Sex: "f", CountryOfCitizenship: "mex", CountryOfBirth: "MEX", PreferredLanguage: "es-MX",
		MailingAddress: docketcard.Address{Street1: "1 Main St", City: "Houston", State: "tx", ZIP: "77002-1234"},
		Phone:          "(713) 555-0100", Email: "Maria@Example.com", SiteCode: "hou"}
}

func TestPersonInputValidate(t *testing.T) {
	p, err := validInput().Validate(today)
	if err != nil {
		t.Fatal(err)
	}
	if p.ANumber != "A012345678" || p.FamilyNames != "García López" || p.Sex != "F" || p.CountryOfCitizenship != "MEX" ||
		p.MailingAddress.State != "TX" || p.Phone != "+17135550100" || p.Email != "maria@example.com" || p.SiteCode != "HOU" {
		t.Fatalf("not normalised: %+v", p)
	}
	tests := []struct {
		name  string
		edit  func(*docketcard.PersonInput)
		field string
	}{
		{"bad A-number", func(in *docketcard.PersonInput) { in.ANumber = "B123" }, "a_number"},
		{"no family name", func(in *docketcard.PersonInput) { in.FamilyNames = " " }, "family_names"},
		{"future birth", func(in *docketcard.PersonInput) { in.DateOfBirth = "2030-01-01" }, "date_of_birth"},
		{"missing birth", func(in *docketcard.PersonInput) { in.DateOfBirth = "" }, "date_of_birth"},
		{"bad sex", func(in *docketcard.PersonInput) { in.Sex = "Q" }, "sex"},
		{"unknown country", func(in *docketcard.PersonInput) { in.CountryOfBirth = "ZZZ" }, "country_of_birth"},
		{"bad language", func(in *docketcard.PersonInput) { in.PreferredLanguage = "!!" }, "preferred_language"},
		{"bad state", func(in *docketcard.PersonInput) { in.MailingAddress.State = "ZZ" }, "mailing_address.state"},
		{"bad zip", func(in *docketcard.PersonInput) { in.MailingAddress.ZIP = "7700" }, "mailing_address.zip"},
		{"bad phone", func(in *docketcard.PersonInput) { in.Phone = "555-0100" }, "phone"},
		{"bad email", func(in *docketcard.PersonInput) { in.Email = "not-an-email" }, "email"},
		{"bad alias", func(in *docketcard.PersonInput) { in.Aliases = []docketcard.Name{{FamilyNames: "X1"}} }, "aliases[0].family_names"},
		{"bad site", func(in *docketcard.PersonInput) { in.SiteCode = "h" }, "site_code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := validInput()
			tc.edit(&in)
			_, err := in.Validate(today)
			fields := docketcard.ErrorFields(err)
			if docketcard.ErrorCode(err) != docketcard.EINVALID || len(fields) != 1 || fields[0].Field != tc.field {
				t.Fatalf("got %v (fields %v), want one error on %s", err, fields, tc.field)
			}
		})
	}
}

func entry(i int) *docketcard.AuditEntry {
	return &docketcard.AuditEntry{At: today.Add(time.Duration(i) * time.Minute), ActorID: "u1", ActorName: "officer",
		Action: "read", SubjectType: "person", SubjectID: "p" + string(rune('a'+i)), Purpose: "enrollment"}
}

func chain(n int) []*docketcard.AuditEntry {
	var out []*docketcard.AuditEntry
	var seq int64
	hash := docketcard.GenesisHash
	for i := 0; i < n; i++ {
		e := entry(i)
		e.Seal(seq, hash)
		seq, hash = e.Seq, e.Hash
		out = append(out, e)
	}
	return out
}

func TestAuditVerifier(t *testing.T) {
	tests := []struct {
		name     string
		tamper   func([]*docketcard.AuditEntry) ([]*docketcard.AuditEntry, int64, string)
		wantSeq  int64
		wantKind string
	}{
		{"intact", func(es []*docketcard.AuditEntry) ([]*docketcard.AuditEntry, int64, string) {
			return es, es[len(es)-1].Seq, es[len(es)-1].Hash
		}, 0, ""},
		{"edited", func(es []*docketcard.AuditEntry) ([]*docketcard.AuditEntry, int64, string) {
			es[2].Purpose = "curiosity"
			return es, 5, es[4].Hash
		}, 3, "edited"},
		{"edited and re-hashed", func(es []*docketcard.AuditEntry) ([]*docketcard.AuditEntry, int64, string) {
			es[2].Purpose = "curiosity"
			es[2].Hash = es[2].ComputeHash()
			return es, 5, es[4].Hash
		}, 4, "inserted"},
		{"deleted", func(es []*docketcard.AuditEntry) ([]*docketcard.AuditEntry, int64, string) {
			return append(es[:1:1], es[2:]...), 5, es[4].Hash
		}, 3, "deleted"},
		{"inserted and renumbered", func(es []*docketcard.AuditEntry) ([]*docketcard.AuditEntry, int64, string) {
			fake := entry(9)
			fake.Seal(es[1].Seq, es[1].Hash) // looks like a good entry 3
			rest := es[2:]
			for _, e := range rest {
				e.Seq++
				e.Hash = e.ComputeHash()
			}
			return append(append(es[:2:2], fake), rest...), 6, rest[len(rest)-1].Hash
		}, 4, "inserted"},
		{"tail cut", func(es []*docketcard.AuditEntry) ([]*docketcard.AuditEntry, int64, string) {
			return es[:3], 5, es[4].Hash
		}, 5, "deleted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es, seq, hash := tc.tamper(chain(5))
			v := docketcard.NewAuditVerifier()
			for _, e := range es {
				v.Add(e)
			}
			ok := v.Finish(seq, hash)
			if tc.wantKind == "" {
				if !ok {
					t.Fatalf("intact chain reported %v", v.Problems)
				}
				return
			}
			if ok || v.Problems[0].Seq != tc.wantSeq || v.Problems[0].Kind != tc.wantKind {
				t.Fatalf("problems %v; want first at entry %d kind %s", v.Problems, tc.wantSeq, tc.wantKind)
			}
		})
	}
}

func TestPolicy(t *testing.T) {
	officer := docketcard.Actor{UserID: "u", Roles: []docketcard.Role{docketcard.RoleEnrollmentOfficer}, Sites: []string{"HOU"}}
	admin := docketcard.Actor{UserID: "a", Roles: []docketcard.Role{docketcard.RoleAdmin}}
	tests := []struct {
		name  string
		actor docketcard.Actor
		perm  docketcard.Permission
		site  string
		want  string
	}{
		{"officer reads at own site", officer, docketcard.PermPersonRead, "HOU", ""},
		{"officer reads at other site", officer, docketcard.PermPersonRead, "ATL", docketcard.EFORBIDDEN},
		{"officer cannot manage users", officer, docketcard.PermUserWrite, "", docketcard.EFORBIDDEN},
		{"admin cannot read people", admin, docketcard.PermPersonRead, "HOU", docketcard.EFORBIDDEN},
		{"admin manages users", admin, docketcard.PermUserWrite, "", ""},
		{"anonymous", docketcard.Actor{}, docketcard.PermSiteRead, "", docketcard.EUNAUTHORIZED},
		{"system actor", docketcard.SystemActor("cli"), docketcard.PermPersonRead, "ATL", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := docketcard.ErrorCode(tc.actor.Authorize(tc.perm, tc.site)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	for p, roles := range docketcard.Policy {
		if len(roles) == 0 {
			t.Errorf("permission %s has no role", p)
		}
	}
}

func FuzzParseANumber(f *testing.F) {
	for _, s := range []string{"A123456789", "a-12-345-678", "A", "A--1", "A 0 0 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := docketcard.ParseANumber(s)
		if err != nil {
			return
		}
		if len(a) != 10 || a[0] != 'A' || strings.Trim(string(a[1:]), "0123456789") != "" {
			t.Fatalf("ParseANumber(%q) = %q, not normalised", s, a)
		}
		if again, err := docketcard.ParseANumber(string(a)); err != nil || again != a {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, a, again, err)
		}
	})
}

func FuzzParsePartialDate(f *testing.F) {
	for _, s := range []string{"1990", "1990-04", "1990-04-18", "2023-02-29", "9999-12-31", "0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := docketcard.ParsePartialDate(s)
		if err != nil {
			return
		}
		if d.Latest().Before(d.Earliest()) {
			t.Fatalf("%q: latest before earliest", s)
		}
		if again, err := docketcard.ParsePartialDate(d.String()); err != nil || again != d {
			t.Fatalf("%q does not round-trip: %v %v", s, again, err)
		}
	})
}

func TestDateJSON(t *testing.T) {
	type doc struct {
		On  docketcard.Date  `json:"on"`
		Opt *docketcard.Date `json:"opt,omitempty"`
	}
	d, _ := docketcard.ParseDate("2026-10-01")
	b, err := json.Marshal(doc{On: d})
	if err != nil || string(b) != `{"on":"2026-10-01"}` {
		t.Fatalf("marshal: %s %v", b, err)
	}
	var back doc
	if err := json.Unmarshal([]byte(`{"on":"2024-02-29"}`), &back); err != nil || back.On.String() != "2024-02-29" {
		t.Fatalf("unmarshal: %v %v", back, err)
	}
	for _, bad := range []string{`{"on":"2023-02-29"}`, `{"on":20230101}`, `{"on":"01/02/2023"}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
