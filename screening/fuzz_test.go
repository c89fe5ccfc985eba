package screening

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Fuzz targets for the loaders: whatever the bytes, a loader returns
// entries or an error, never panics, and every entry it returns has an ID
// and a name. Seeds are the fixtures under testdata/lists and a few
// hand-made oddities; run one with, e.g.,
//
//	go test -fuzz FuzzParseOFAC -fuzztime 60s ./screening/

func readFixture(f testing.TB, parts ...string) []byte {
	b, err := os.ReadFile(filepath.Join(append([]string{fixtureDir}, parts...)...))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func checkEntities(t *testing.T, ents []*Entity) {
	for _, e := range ents {
		if e == nil || e.ID == "" || len(e.Names) == 0 {
			t.Fatalf("bad entity %+v", e)
		}
		for _, d := range e.DOBs {
			if d.Year == 0 || d.Precision == PrecisionNone {
				t.Fatalf("bad DOB %+v", d)
			}
		}
	}
}

func FuzzParseOFAC(f *testing.F) {
	f.Add(readFixture(f, "ofac-sdn-2021-07", "sdn.csv"), readFixture(f, "ofac-sdn-2021-07", "alt.csv"),
		readFixture(f, "ofac-sdn-2021-07", "add.csv"), readFixture(f, "ofac-sdn-2021-07", "sdn_comments.csv"))
	f.Add(readFixture(f, "ofac-nonsdn-2025-12", "cons_prim.csv"), readFixture(f, "ofac-nonsdn-2025-12", "cons_alt.csv"),
		readFixture(f, "ofac-nonsdn-2025-12", "cons_add.csv"), readFixture(f, "ofac-nonsdn-2025-12", "cons_comments.csv"))
	f.Add([]byte(`1,"A, B","individual",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB circa 1960 to 1950; a.k.a. '; nationality ; Passport (X"`),
		[]byte(`1,2,"aka"`), []byte(`1`), []byte("1,\"\xff\xfe"))
	f.Add([]byte("\"unterminated"), []byte{}, []byte{}, []byte{0x1a})
	f.Fuzz(func(t *testing.T, prim, alt, add, comments []byte) {
		ents, err := ParseOFAC(OFACFiles{Prim: bytes.NewReader(prim), Alt: bytes.NewReader(alt), Add: bytes.NewReader(add), Comments: bytes.NewReader(comments)})
		if err == nil {
			checkEntities(t, ents)
		}
	})
}

func FuzzParseUN(f *testing.F) {
	f.Add(readFixture(f, "un-2026-02", "UN_consolidated.xml"))
	f.Add([]byte(`<CONSOLIDATED_LIST dateGenerated="x"><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME>` +
		`<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1970</FROM_YEAR><TO_YEAR>1960</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>` +
		`</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>`))
	f.Add([]byte(`<INDIVIDUAL>`))
	f.Add([]byte(`<?xml version="1.0"?><CONSOLIDATED_LIST><ENTITIES><ENTITY><FIRST_NAME></FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, _, err := ParseUN(bytes.NewReader(data))
		if err == nil {
			checkEntities(t, ents)
		}
	})
}

func FuzzParseCSL(f *testing.F) {
	f.Add(readFixture(f, "us-csl-2022-05", "consolidated.csv.gz"))
	f.Add([]byte("_id,source,entity_number,type,name,alt_names,dates_of_birth,nationalities,citizenships,ids\n" +
		"1,Specially Designated Nationals (SDN) - Treasury Department,12,Individual,\"X, Y\",A;B,1960;circa 1970;1950 to 1940,SY;ZZ,,\"Male, Gender; CA, 1, Passport; ,\"\n"))
	f.Add([]byte("name,source\n\"\n"))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, err := ParseCSL(bytes.NewReader(data))
		if err == nil {
			checkEntities(t, ents)
		}
	})
}

func FuzzParseDOB(f *testing.F) {
	for _, s := range []string{"10 Dec 1948", "circa 1979-1982", "01 Jan 1961 to 31 Dec 1962", "1973-03-25", "17/03/1962", "Sep 1938", "circa", " to ", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := parseDOB(s); ok {
			if d.Year < 1800 || d.Precision == PrecisionNone || (d.IsRange() && d.ToYear < d.Year) {
				t.Fatalf("parseDOB(%q) = %+v", s, d)
			}
			_ = d.String()
		}
		ParseQueryDate(s)
	})
}

var fuzzIndex = sync.OnceValues(func() (*Index, error) { return LoadDir(fixtureDir) })

// FuzzScreen feeds arbitrary names (any script, punctuation, length) to
// the normaliser and the matcher.
func FuzzScreen(f *testing.F) {
	for _, s := range [][3]string{
		{"GUZMAN LOERA", "Joaquin", "1954-12-25"}, {"عبد الرحمن", "محمد", "1960"}, {"Путин", "Владимир", ""},
		{"AL-", "ABU", "x"}, {"DE LA", "Y", "1960-02-30"}, {"김정은", "", ""}, {"'''", "---", ""}, {"ABDUL", "ABU UMM BIN", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, family, given, dob string) {
		ix, err := fuzzIndex()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ix.Screen(Query{FamilyNames: family, GivenNames: given, DateOfBirth: dob, Aliases: [][2]string{{given, family}}}, 3) {
			if r.Score < 0 || r.Score > 1 || r.Band != BandOf(r.Score) || len(r.Explanation) == 0 {
				t.Fatalf("result %+v", r)
			}
		}
	})
}
