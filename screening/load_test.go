package screening

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// The fixtures under testdata/lists are a few records copied from each
// public list file (see ../../shared/data/watchlists/README.md), laid out
// like the shared folder.
const fixtureDir = "testdata/lists"

func loadFixtures(t testing.TB) map[string]*List {
	t.Helper()
	lists, err := LoadLists(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*List{}
	for _, l := range lists {
		m[l.Version.Source] = l
	}
	return m
}

func entityByID(t testing.TB, l *List, id string) *Entity {
	t.Helper()
	for _, e := range l.Entities {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("%s: no entity %s", l.Version.Source, id)
	return nil
}

func namesOf(e *Entity, st Strength) []string {
	var out []string
	for _, n := range e.Names {
		if n.Strength == st {
			out = append(out, n.Full)
		}
	}
	return out
}

func dobStrings(e *Entity) []string {
	var out []string
	for _, d := range e.DOBs {
		out = append(out, d.String())
	}
	return out
}

func TestLoadOFACSDNFixture(t *testing.T) {
	l := loadFixtures(t)[SourceOFACSDN]
	if l == nil {
		t.Fatal("no OFAC-SDN list")
	}
	if l.Version.Date != "2021-07" || len(l.Version.SHA256) != 64 || !strings.HasPrefix(l.Version.Version, "2021-07 sha256:") {
		t.Errorf("version %+v", l.Version)
	}
	types := map[EntityType]int{}
	for _, e := range l.Entities {
		types[e.Type]++
		if len(e.Sources) != 1 || e.Sources[0].List != SourceOFACSDN || e.Sources[0].Version != l.Version.Version {
			t.Errorf("%s: sources %+v", e.ID, e.Sources)
		}
	}
	if types[TypeVessel] != 1 || types[TypeAircraft] != 1 || types[TypeEntity] != 2 {
		t.Errorf("types %v", types)
	}

	chapo := entityByID(t, l, "OFAC:6861")
	if n := chapo.Names[0]; n.Family != "GUZMAN LOERA" || n.Given != "Joaquin" || n.Strength != StrengthPrimary {
		t.Errorf("primary name %+v", n)
	}
	if got := dobStrings(chapo); !slices.Equal(got, []string{"1954-12-25"}) || chapo.DOBs[0].Precision != PrecisionDay {
		t.Errorf("DOB %v", got)
	}
	if !slices.Contains(namesOf(chapo, StrengthStrong), "GUZMAN, Chapo") {
		t.Errorf("aliases %v", namesOf(chapo, StrengthStrong))
	}

	bnc := entityByID(t, l, "OFAC:306")
	if !slices.Equal(namesOf(bnc, StrengthWeak), []string{"BNC"}) || !slices.Equal(namesOf(bnc, StrengthStrong), []string{"NATIONAL BANK OF CUBA"}) {
		t.Errorf("BNC names %+v", bnc.Names)
	}
	if len(bnc.Addresses) != 4 || bnc.Addresses[0].Country != "Switzerland" {
		t.Errorf("BNC addresses %+v", bnc.Addresses)
	}

	// "DOB circa 1979-1982; alt. DOB 1982; nationality Somalia; a.k.a. 'MUSCAB, Abu'; a.k.a. 'QORGAB'"
	m := entityByID(t, l, "OFAC:11748")
	if got := dobStrings(m); !slices.Equal(got, []string{"~1979/1982", "1982"}) {
		t.Errorf("circa range: %v", got)
	}
	if len(m.Nationalities) != 1 || m.Nationalities[0].Code != "SOM" {
		t.Errorf("nationality %+v", m.Nationalities)
	}
	if got := namesOf(m, StrengthWeak); !slices.Equal(got, []string{"MUSCAB, Abu", "QORGAB"}) {
		t.Errorf("weak aliases %v", got)
	}

	// Several dates at several precisions, gender, passports with countries.
	a := entityByID(t, l, "OFAC:12610")
	if got := dobStrings(a); !slices.Equal(got, []string{"1977", "1976", "1978-01-01"}) {
		t.Errorf("DOBs %v", got)
	}
	if a.Gender != "F" {
		t.Errorf("gender %q", a.Gender)
	}
	var passports []string
	for _, d := range a.Documents {
		if d.Type == "Passport" {
			passports = append(passports, d.Number+"/"+d.Country.Code)
		}
	}
	if !slices.Contains(passports, "215215/LBY") || !slices.Contains(passports, "03824970/OMN") || !slices.Contains(passports, "B/011641/") {
		t.Errorf("passports %v", passports)
	}

	for id, want := range map[string]string{
		"OFAC:15962": "1961-01-01/1962-12-31", // DOB 01 Jan 1961 to 31 Dec 1962
		"OFAC:23470": "1962-03/1963-02",       // DOB Mar 1962 to Feb 1963
		"OFAC:6862":  "1938-09",               // DOB Sep 1938
		"OFAC:7929":  "~1966-07-07",           // DOB circa 07 Jul 1966
	} {
		if got := dobStrings(entityByID(t, l, id)); len(got) != 1 || got[0] != want {
			t.Errorf("%s: DOB %v, want %s", id, got, want)
		}
	}
	if d := entityByID(t, l, "OFAC:6862").DOBs[0]; d.Precision != PrecisionMonth {
		t.Errorf("Sep 1938: precision %v", d.Precision)
	}

	// f.k.a. in alt.csv is a former name; "citizen" is a nationality.
	if got := namesOf(entityByID(t, l, "OFAC:4307"), StrengthFormer); !slices.Equal(got, []string{"CORTEZ, Oliverio Abril"}) {
		t.Errorf("former names %v", got)
	}
	if n := entityByID(t, l, "OFAC:8808").Nationalities; len(n) != 1 || n[0].Code != "SAU" || n[0].Raw != "Saudi Arabia" {
		t.Errorf("citizen: %+v", n)
	}

	// The remarks of 28263 continue in sdn_comments.csv: the alias cut in
	// two ('snowsjo' + "hn'") is whole again.
	tian := entityByID(t, l, "OFAC:28263")
	if got := namesOf(tian, StrengthWeak); !slices.Contains(got, "snowsjohn") {
		t.Errorf("comments overflow not joined: %v", got)
	}
	if tian.Gender != "M" || len(tian.Nationalities) != 1 || tian.Nationalities[0].Code != "CHN" {
		t.Errorf("gender/nationality %q %+v", tian.Gender, tian.Nationalities)
	}
}

func TestLoadOFACConsFixture(t *testing.T) {
	l := loadFixtures(t)[SourceOFACCons]
	if l == nil || l.Version.Date != "2025-12" || len(l.Entities) != 4 {
		t.Fatalf("non-SDN list %+v", l)
	}
	h := entityByID(t, l, "OFAC:9639")
	if got := dobStrings(h); !slices.Equal(got, []string{"1962"}) || h.DOBs[0].Precision != PrecisionYear {
		t.Errorf("DOB %v", got)
	}
	if len(h.Names) != 3 || h.Names[1].Full != "HANIYA, Ismail" || h.Names[1].Strength != StrengthStrong {
		t.Errorf("names %+v", h.Names)
	}
}

func TestLoadUNFixture(t *testing.T) {
	l := loadFixtures(t)[SourceUN]
	if l == nil || l.Version.Date != "2026-02-27" {
		t.Fatalf("UN list %+v", l)
	}
	ind, ent := 0, 0
	for _, e := range l.Entities {
		switch e.Type {
		case TypeIndividual:
			ind++
		case TypeEntity:
			ent++
		}
	}
	if ind != 7 || ent != 2 {
		t.Errorf("%d individuals, %d entities", ind, ent)
	}
	e := entityByID(t, l, "UN:CDi.001")
	if e.Names[0].Full != "ERIC BADEGE" || e.Gender != "M" || len(e.Nationalities) != 1 || e.Nationalities[0].Code != "COD" {
		t.Errorf("CDi.001 %+v", e)
	}
	if got := dobStrings(e); !slices.Equal(got, []string{"1971"}) {
		t.Errorf("CDi.001 DOB %v", got)
	}
	q := entityByID(t, l, "UN:IQi.002")
	if got := dobStrings(q); !slices.Equal(got, []string{"1965", "1966"}) {
		t.Errorf("IQi.002 DOBs %v", got)
	}
	if got := namesOf(q, StrengthScript); len(got) != 1 || !strings.Contains(got[0], "صدام") {
		t.Errorf("original script %v", got)
	}
	if got := dobStrings(entityByID(t, l, "UN:CDi.030")); !slices.Equal(got, []string{"1973/1974"}) {
		t.Errorf("BETWEEN: %v", got)
	}
	if got := dobStrings(entityByID(t, l, "UN:CDi.014")); !slices.Equal(got, []string{"1962-03-17", "~1966"}) {
		t.Errorf("APPROXIMATELY: %v", got)
	}
	if got := namesOf(entityByID(t, l, "UN:CDi.030"), StrengthWeak); !slices.Contains(got, "Terminator") {
		t.Errorf("Low quality aliases are weak: %v", got)
	}
	doc := entityByID(t, l, "UN:CDi.021").Documents
	if len(doc) != 1 || doc[0].Type != "Passport" || doc[0].Number != "OB 0243318" || doc[0].Country.Code != "COD" {
		t.Errorf("documents %+v", doc)
	}
	adf := entityByID(t, l, "UN:CDe.001")
	if !slices.Contains(namesOf(adf, StrengthFormer), "NALU") || !slices.Contains(namesOf(adf, StrengthStrong), "Allied Democratic Forces") {
		t.Errorf("entity aliases %+v", adf.Names)
	}
}

func TestLoadCSLFixture(t *testing.T) {
	l := loadFixtures(t)[SourceCSL]
	if l == nil || l.Version.Date != "2022-05-16" {
		t.Fatalf("CSL list %+v", l)
	}
	// Treasury rows carry the OFAC entry number.
	chapo := entityByID(t, l, "OFAC:6861")
	if got := dobStrings(chapo); !slices.Equal(got, []string{"1954-12-25"}) {
		t.Errorf("DOB %v", got)
	}
	if chapo.Sources[0].SubList != "Specially Designated Nationals (SDN) - Treasury Department" || chapo.Sources[0].NativeID != "6861" {
		t.Errorf("source %+v", chapo.Sources[0])
	}
	// ids: "CA, BC166787, Passport"-style, and "Male, Gender".
	s := entityByID(t, l, "OFAC:26081")
	if s.Gender != "M" || len(s.Documents) != 1 || s.Documents[0].Number != "S059033" || s.Documents[0].Country.Code != "SAU" {
		t.Errorf("ids %q %+v", s.Gender, s.Documents)
	}
	if got := dobStrings(s); !slices.Equal(got, []string{"1972-08-11", "1972-08-10"}) {
		t.Errorf("multi-valued DOBs %v", got)
	}
	// Other sub-lists: untyped; organisations recognised by their words.
	dpl := entityByID(t, l, "CSL:0dbd98f1969cb28bbe39669ea97c5ca9d0cac0f4")
	if dpl.Type != TypeUnknown || dpl.Names[0].Full != "ABDIEL PADRON MADRID" {
		t.Errorf("DPL row %+v", dpl)
	}
	if e := entityByID(t, l, "CSL:4398d33e9e93c7477af39f1e0bfffc13ddd47bcc"); e.Type != TypeEntity {
		t.Errorf("Entity List company typed %q", e.Type)
	}
}

func TestBuildMergesAndSupersedes(t *testing.T) {
	fx := loadFixtures(t)
	old := *fx[SourceOFACSDN]
	old.Version.Date = "2019-01"
	old.Version.Version = "2019-01 sha256:000000000000"
	gone := &Entity{ID: "OFAC:1", Type: TypeIndividual, Names: []Name{{Full: "DELISTED, Person", Family: "DELISTED", Given: "Person", Strength: StrengthPrimary}}}
	old.Entities = append(slices.Clone(old.Entities), gone)
	before := len(fx[SourceCSL].Entities[0].Names)
	ix := Build(&old, fx[SourceOFACSDN], fx[SourceOFACCons], fx[SourceUN], fx[SourceCSL])
	vs := ix.Versions()
	if len(vs) != 5 || !vs[0].Superseded || vs[1].Superseded {
		t.Fatalf("versions %+v", vs)
	}
	if ix.Entity("OFAC:1") != nil {
		t.Error("an entry of the superseded SDN file is still screened")
	}
	chapo := ix.Entity("OFAC:6861")
	if chapo == nil || len(chapo.Sources) != 2 || chapo.Sources[0].List != SourceOFACSDN || chapo.Sources[1].List != SourceCSL {
		t.Fatalf("OFAC:6861 not merged from the SDN file and the CSL: %+v", chapo)
	}
	if chapo.Names[0].Full != "GUZMAN LOERA, Joaquin" || chapo.Names[0].Strength != StrengthPrimary {
		t.Errorf("primary name %+v", chapo.Names[0])
	}
	// Build does not modify its input.
	if len(fx[SourceCSL].Entities[0].Names) != before || len(entityByID(t, fx[SourceOFACSDN], "OFAC:6861").Sources) != 1 {
		t.Error("Build modified the lists it was given")
	}
	want := 0
	for _, l := range []*List{fx[SourceOFACSDN], fx[SourceOFACCons], fx[SourceUN], fx[SourceCSL]} {
		want += len(l.Entities)
	}
	if ix.Len() != want-1 { // OFAC:6861 is in the SDN file and the CSL
		t.Errorf("%d entries, want %d", ix.Len(), want-1)
	}
}

func TestLoadDirLayout(t *testing.T) {
	ix, err := LoadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Versions()) != 4 {
		t.Errorf("versions %+v", ix.Versions())
	}
	// A list folder itself also loads.
	l, err := LoadLists(filepath.Join(fixtureDir, "un-2026-02"))
	if err != nil || len(l) != 1 || l[0].Version.Source != SourceUN {
		t.Fatalf("single folder: %v %+v", err, l)
	}
	if _, err := LoadOFAC(filepath.Join(fixtureDir, "ofac-sdn-2021-07")); err != nil {
		t.Error(err)
	}
	if _, err := LoadUN(filepath.Join(fixtureDir, "un-2026-02", "UN_consolidated.xml")); err != nil {
		t.Error(err)
	}
	if _, err := LoadCSL(filepath.Join(fixtureDir, "us-csl-2022-05", "consolidated.csv.gz")); err != nil {
		t.Error(err)
	}
}

// copyFixtures copies the fixture layout to a temporary folder.
func copyFixtures(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(fixtureDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(fixtureDir, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, file string
		data       func([]byte) []byte
		want       string
	}{
		{"bad entry number", "ofac-sdn-2021-07/sdn.csv", func(b []byte) []byte { return append([]byte("X1,\"NAME\",-0- \r\n"), b...) }, "entry number"},
		{"entry twice", "ofac-sdn-2021-07/sdn.csv", func(b []byte) []byte { return append(b[:len(b)-1], b...) }, "listed twice"},
		{"broken XML", "un-2026-02/UN_consolidated.xml", func(b []byte) []byte { return b[:len(b)/2] }, "UN XML"},
		{"not the UN list", "un-2026-02/UN_consolidated.xml", func([]byte) []byte { return []byte("<CONSOLIDATED_LIST></CONSOLIDATED_LIST>") }, "no entries"},
		{"truncated gzip", "us-csl-2022-05/consolidated.csv.gz", func(b []byte) []byte { return b[:len(b)-40] }, "CSL"},
		{"CSL without names", "us-csl-2022-05/consolidated.csv.gz", func([]byte) []byte { return gz("source,alt_names\nx,y\n") }, "name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyFixtures(t)
			p := filepath.Join(dir, c.file)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, c.data(b), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = LoadDir(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one about %q", err, c.want)
			}
			if docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Errorf("code %s", docketcard.ErrorCode(err))
			}
		})
	}
	if _, err := LoadDir(t.TempDir()); err == nil {
		t.Error("an empty folder loaded")
	}
	if _, err := LoadDir(filepath.Join(t.TempDir(), "missing")); docketcard.ErrorCode(err) != docketcard.EUNAVAILABLE {
		t.Errorf("missing folder: %v", err)
	}
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "mystery"), 0o755)
	os.WriteFile(filepath.Join(dir, "mystery", "list.csv"), []byte("a,b\n1,2\n"), 0o644)
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "no list format") {
		t.Errorf("unknown files: %v", err)
	}
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func TestParseOFACWindows1252(t *testing.T) {
	prim := "1,\"P\xc9REZ, Jos\xe9\",\"individual\",\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1960; nationality M\xe9xico.\"\r\n\x1a"
	ents, err := ParseOFAC(OFACFiles{Prim: strings.NewReader(prim)})
	if err != nil {
		t.Fatal(err)
	}
	if n := ents[0].Names[0]; n.Family != "PÉREZ" || n.Given != "José" {
		t.Errorf("name %+v", n)
	}
	if c := ents[0].Nationalities; len(c) != 1 || c[0].Code != "MEX" {
		t.Errorf("nationality %+v", c)
	}
}

func TestParseDOB(t *testing.T) {
	for in, want := range map[string]string{
		"10 Dec 1948": "1948-12-10", "Sep 1938": "1938-09", "1946": "1946", "circa 1951": "~1951",
		"circa 07 Jul 1966": "~1966-07-07", "circa Mar 1961": "~1961-03", "1951 to 1953": "1951/1953",
		"01 Jan 1961 to 31 Dec 1962": "1961-01-01/1962-12-31", "Mar 1962 to Feb 1963": "1962-03/1963-02",
		"circa 1979-1982": "~1979/1982", "1973-03-25": "1973-03-25", "1973-03": "1973-03", "1970-00-00": "1970",
		"approximately 1960": "~1960", "17/03/1962": "1962-03-17",
	} {
		d, ok := parseDOB(in)
		if !ok || d.String() != want {
			t.Errorf("parseDOB(%q) = %q, %v; want %q", in, d.String(), ok, want)
		}
	}
	for _, bad := range []string{"", "abc", "31 Feb 1960", "1960 to 1950", "13/13/1960", "Foo 1960", "99999", "1960-13"} {
		if d, ok := parseDOB(bad); ok {
			t.Errorf("parseDOB(%q) = %v, want failure", bad, d)
		}
	}
	for in, want := range map[string]Precision{"1962": PrecisionYear, "1962-03": PrecisionMonth, "1962-03-17": PrecisionDay} {
		if d, ok := ParseQueryDate(in); !ok || d.Precision != want {
			t.Errorf("ParseQueryDate(%q) = %+v", in, d)
		}
	}
	for _, bad := range []string{"17 Mar 1962", "1962/03/17", "62", "1962-3-17"} {
		if _, ok := ParseQueryDate(bad); ok {
			t.Errorf("ParseQueryDate(%q) accepted", bad)
		}
	}
}

func TestCountryCode(t *testing.T) {
	for in, want := range map[string]string{
		"Korea, North": "PRK", "Democratic People's Republic of Korea": "PRK", "Iran (Islamic Republic of)": "IRN",
		"Russia": "RUS", "Burma": "MMR", "Palestinian": "PSE", "Congo, Democratic Republic of the": "COD",
		"Türkiye": "TUR", "United Kingdom of Great Britain and Northern Ireland": "GBR", "SY": "SYR", "mex": "MEX",
		"Mexico": "MEX", "Côte d'Ivoire": "CIV", "possibly Palestinian": "PSE", "Kabul, Afghanistan": "AFG",
		"Cabo Verde.  Previously Cape Verde": "CPV", "former Soviet Union": "SUN", "": "", "Atlantis": "",
	} {
		if got := CountryCode(in); got != want {
			t.Errorf("CountryCode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRealLists checks the loaders against the counts the shared README
// gives for the public files, and that every date of birth in the SDN
// remarks is understood.
func TestRealLists(t *testing.T) {
	lists, ix := loadShared(t)
	by := map[string]*List{}
	for _, l := range lists {
		by[l.Version.Source] = l
	}
	sdn := by[SourceOFACSDN]
	types := map[EntityType]int{}
	aliases, addresses := 0, 0
	for _, e := range sdn.Entities {
		types[e.Type]++
		for _, n := range e.Names {
			if n.Strength == StrengthStrong || n.Strength == StrengthFormer {
				aliases++
			}
		}
		addresses += len(e.Addresses)
	}
	if len(sdn.Entities) != 8976 || types[TypeIndividual] != 4620 || types[TypeEntity] != 3673 || types[TypeVessel] != 406 || types[TypeAircraft] != 277 {
		t.Errorf("SDN 2021: %d entries %v; README: 8,976 (4,620 individuals, 3,673 entities, 406 vessels, 277 aircraft)", len(sdn.Entities), types)
	}
	if aliases != 11910 {
		t.Errorf("SDN 2021: %d aliases from alt.csv; README: 11,910", aliases)
	}
	if addresses < 10000 || addresses > 13837 {
		t.Errorf("SDN 2021: %d non-empty addresses of 13,837 rows", addresses)
	}
	if n := len(by[SourceOFACCons].Entities); n != 442 {
		t.Errorf("non-SDN: %d entries, README 442", n)
	}
	ind, ent := 0, 0
	for _, e := range by[SourceUN].Entities {
		if e.Type == TypeIndividual {
			ind++
		} else {
			ent++
		}
	}
	if ind != 730 || ent != 273 {
		t.Errorf("UN: %d individuals, %d entities; README 730, 273", ind, ent)
	}
	rows := 0
	for _, e := range by[SourceCSL].Entities {
		rows += len(e.Sources)
	}
	if rows != 14160 {
		t.Errorf("CSL: %d rows, README 14,160", rows)
	}
	// Every "DOB …" remark of the SDN file parsed.
	raw, err := os.ReadFile(filepath.Join(watchlistsDir(), "ofac-sdn-2021-07", "sdn.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Count(string(raw), "DOB ")
	got := 0
	for _, e := range sdn.Entities {
		got += len(e.DOBs)
	}
	if got != want {
		t.Errorf("SDN: %d dates of birth parsed of %d in the remarks", got, want)
	}
	// Nationalities mapped to alpha-3.
	total, coded := 0, 0
	for _, l := range lists {
		for _, e := range l.Entities {
			for _, c := range e.Nationalities {
				total++
				if c.Code != "" {
					coded++
				}
			}
		}
	}
	if coded < total*999/1000 {
		t.Errorf("only %d of %d nationalities mapped to ISO alpha-3", coded, total)
	}
	t.Logf("index: %d entries, %d names, %d distinct tokens, built in %v", ix.Len(), ix.Names(), len(ix.toks), ix.BuildTime())
}
