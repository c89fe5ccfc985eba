package screening

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/antzucaro/matchr"
)

func person(id, family, given string, dobs ...string) *Entity {
	e := &Entity{ID: id, Type: TypeIndividual, Names: []Name{{Full: family + ", " + given, Family: family, Given: given, Strength: StrengthPrimary}}}
	for _, d := range dobs {
		dob, ok := parseDOB(d)
		if !ok {
			panic(d)
		}
		e.DOBs = append(e.DOBs, dob)
	}
	return e
}

// testIndex builds an index of the given entries plus a crowd of filler
// people, so that token weights behave as on a real list.
func testIndex(ents ...*Entity) *Index {
	rng := rand.New(rand.NewPCG(3, 4))
	given := strings.Fields("MUHAMMAD AHMAD ALI HASAN IVAN JOSE JUAN MARIA KIM OMAR YUSUF SERGEY CARLOS FATIMA")
	family := strings.Fields("ABDI BAKARE CASTELLANOS DUDAEV ESPARZA FAROOQI GRIGORYAN HAKIMI IBARRA JALILI KOVALENKO LUNA MENDEZ NAZARI")
	all := slices.Clone(ents)
	for i := 0; i < 400; i++ {
		f := family[rng.IntN(len(family))] + fmt.Sprint(i%37)
		g := given[rng.IntN(len(given))]
		all = append(all, person(fmt.Sprintf("F:%d", i), f, g))
	}
	return Build(&List{Version: ListVersion{Source: "TEST", Date: "2026-01-01", Version: "test"}, Entities: all})
}

func top(t *testing.T, ix *Index, q Query) Result {
	t.Helper()
	res := ix.Screen(q, 5)
	if len(res) == 0 {
		t.Fatalf("%+v: no result", q)
	}
	return res[0]
}

func TestTokenize(t *testing.T) {
	for in, want := range map[string]string{
		"ABD AL-RAHMAN":            "ABDRAHMAN",
		"Abdul Rahman":             "ABDRAHMAN",
		"ABDURRAHMAN":              "ABDRAHMAN",
		"Abdel-Rahman":             "ABDRAHMAN",
		"Abdullah":                 "ABDLAH",
		"Abd Allah":                "ABDALLAH",
		"AL-TIKRITI":               "AL TIKRITI",
		"el Tikriti":               "AL TIKRITI",
		"ash-Shami":                "AL SHAMI",
		"GARCIA Y LOPEZ":           "GARCIA LOPEZ",
		"DE LA CRUZ":               "DE LA CRUZ",
		"Mohamed bin Laden":        "MUHAMMAD BIN LADEN",
		"ABU BAKR":                 "ABUBAKR",
		"Abubakar":                 "ABUBAKR",
		"Abou Bakar":               "ABUBAKR",
		"Dr. Ayman":                "DR AYMAN",
		"Qa'ida":                   "QAIDA",
		"Владимир Путин":           "VLADIMIR PUTIN",
		"Олександр":                "ALEKSANDR",
		"Юрий":                     "YURIY",
		"محمد":                     "MUHAMMAD",
		"김정은":                      "KIM JONG EUN",
		"José Núñez":               "JOSE NUNEZ",
		"CHO'NG-CH'O'L":            "CHONG CHOL",
		"Youssef Aleksandr Mehmet": "YUSUF ALEKSANDR MUHAMMAD",
	} {
		var got []string
		for _, tk := range tokenize(in, roleUnknown) {
			got = append(got, tk.text)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("tokenize(%q) = %q, want %q", in, strings.Join(got, " "), want)
		}
	}
	kinds := map[string]uint8{}
	for _, tk := range tokenize("Sheikh Abu Bakr al-Baghdadi bin Awad de la Cruz J.", roleUnknown) {
		kinds[tk.text] = tk.kind
	}
	if kinds["SHEIKH"] != kindTitle || kinds["AL"] != kindArticle || kinds["BIN"] != kindParticle || kinds["DE"] != kindParticle || kinds["J"] != kindInitial || kinds["ABUBAKR"] != kindName {
		t.Errorf("kinds %v", kinds)
	}
}

func TestFold(t *testing.T) {
	for _, pair := range [][2]string{
		{"HUSSEIN", "HUSEIN"}, {"KHALED", "HALED"}, {"YOUSSEF", "YUSEF"}, {"ALEXANDR", "ALEKSANDR"},
		{"ABDULLAH", "ABDULLA"}, {"DZHOKHAR", "JOHAR"}, {"QASIM", "KASIM"}, {"SHAREEF", "SHARIF"}, {"VLADIMIR", "WLADIMIR"},
	} {
		if fold(pair[0]) != fold(pair[1]) {
			t.Errorf("fold(%s) = %s, fold(%s) = %s", pair[0], fold(pair[0]), pair[1], fold(pair[1]))
		}
	}
}

func TestJaroWinklerAgreesWithMatchr(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	words := strings.Fields("MUHAMMAD MOHAMED HUSSEIN HUSAYN YUSUF YOUSSEF MARTHA MARHTA DWAYNE DUANE DIXON DICKSONX A AB ABC JELLYFISH SMELLYFISH")
	for i := 0; i < 2000; i++ {
		a, b := words[rng.IntN(len(words))], words[rng.IntN(len(words))]
		if rng.IntN(3) == 0 {
			b = a[:rng.IntN(len(a)+1)] + "X" + a[rng.IntN(len(a)+1):]
		}
		got, want := jaroWinkler(a, b), matchr.JaroWinkler(a, b, false)
		if d := got - want; d > 1e-9 || d < -1e-9 {
			t.Fatalf("jaroWinkler(%q, %q) = %v, matchr %v", a, b, got, want)
		}
	}
}

func TestAssignIsOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for iter := 0; iter < 500; iter++ {
		n, m := 1+rng.IntN(6), 1+rng.IntN(6)
		var p [maxAssign][maxAssign]float32
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				if rng.IntN(3) > 0 {
					p[i][j] = float32(rng.IntN(100)) / 100
				}
			}
		}
		var col [maxAssign]int
		assign(&p, n, m, &col)
		got := float32(0)
		used := map[int]bool{}
		for i := 0; i < n; i++ {
			if col[i] >= 0 {
				if used[col[i]] {
					t.Fatal("column used twice")
				}
				used[col[i]] = true
				got += p[i][col[i]]
			}
		}
		// Brute force over all injective partial assignments.
		var best float32
		var rec func(i int, usedMask int, sum float32)
		rec = func(i int, usedMask int, sum float32) {
			if i == n {
				best = max(best, sum)
				return
			}
			rec(i+1, usedMask, sum)
			for j := 0; j < m; j++ {
				if usedMask&(1<<j) == 0 {
					rec(i+1, usedMask|1<<j, sum+p[i][j])
				}
			}
		}
		rec(0, 0, 0)
		if d := best - got; d > 1e-4 {
			t.Fatalf("assignment total %v, optimum %v (n=%d m=%d)", got, best, n, m)
		}
	}
}

func TestNameStructure(t *testing.T) {
	ix := testIndex(
		person("T:1", "GARCIA LOPEZ", "Jose Luis", "1970-05-06"),
		person("T:2", "DE LA CRUZ", "Maria", "1980"),
		person("T:3", "AL-BAGHDADI", "Abu Bakr"),
		person("T:4", "ABD AL-RAHMAN", "Mustafa"),
		person("T:5", "HANIYA", "Ismail Abdul Salah", "1962"),
		person("T:6", "PUTIN", "Vladimir Vladimirovich", "07 Oct 1952"),
		person("T:7", "AL-QADHAFI", "Ayesha"),
	)
	for _, c := range []struct {
		q    Query
		want string
	}{
		{Query{FamilyNames: "GARCIA", GivenNames: "Jose Luis"}, "T:1"},                  // maternal surname dropped
		{Query{FamilyNames: "GARCIA Y LOPEZ", GivenNames: "José"}, "T:1"},               // conjunction, dropped middle name
		{Query{FamilyNames: "Jose Luis", GivenNames: "Garcia Lopez"}, "T:1"},            // swapped fields
		{Query{FamilyNames: "CRUZ", GivenNames: "Maria"}, "T:2"},                        // particles dropped
		{Query{FamilyNames: "DELACRUZ", GivenNames: "Maria"}, "T:2"},                    // glued
		{Query{FamilyNames: "BAGHDADI", GivenNames: "Abubakar"}, "T:3"},                 // article dropped, kunya glued
		{Query{FamilyNames: "EL-BAGHDADI", GivenNames: "ABU BAKR"}, "T:3"},              // el/al
		{Query{FamilyNames: "ABDURRAHMAN", GivenNames: "Moustafa"}, "T:4"},              // glued ʿabd compound
		{Query{FamilyNames: "ABDUL RAHMAN", GivenNames: "Mostafa"}, "T:4"},              //
		{Query{FamilyNames: "HANIYEH", GivenNames: "Ismaeel"}, "T:5"},                   // spelling variants
		{Query{FamilyNames: "Путин", GivenNames: "Владимир"}, "T:6"},                    // Cyrillic script
		{Query{FamilyNames: "PUTIN", GivenNames: "Wladimir"}, "T:6"},                    //
		{Query{FamilyNames: "GADDAFI", GivenNames: "Aisha"}, "T:7"},                     // transliteration
		{Query{FamilyNames: "QADHAFI", GivenNames: "Ayesah"}, "T:7"},                    // typo
		{Query{FamilyNames: "PUTIN", GivenNames: "Vladimir Vladimirovich Ivan"}, "T:6"}, // added name
	} {
		r := top(t, ix, c.q)
		if r.Entity.ID != c.want || r.Band == BandNoMatch {
			t.Errorf("%q, %q: top %s %.3f %s, want %s in a band\n%s", c.q.FamilyNames, c.q.GivenNames, r.Entity.ID, r.Score, r.Band, c.want, strings.Join(r.Explanation, "\n"))
		}
	}
}

func TestScoresOrderAndDoNotTie(t *testing.T) {
	ix := testIndex(person("T:1", "NIKOUSOKHAN", "Mahmoud Reza", "1961"))
	exact := top(t, ix, Query{FamilyNames: "NIKOUSOKHAN", GivenNames: "Mahmoud Reza"})
	exactDOB := top(t, ix, Query{FamilyNames: "NIKOUSOKHAN", GivenNames: "Mahmoud Reza", DateOfBirth: "1961-04-02"})
	variant := top(t, ix, Query{FamilyNames: "NIKOUSOKHAN", GivenNames: "Mahmood Reza"})
	typo := top(t, ix, Query{FamilyNames: "NIKOUSOKAN", GivenNames: "Mahmoud Reza"})
	dropped := top(t, ix, Query{FamilyNames: "NIKOUSOKHAN", GivenNames: "Mahmoud"})
	conflict := top(t, ix, Query{FamilyNames: "NIKOUSOKHAN", GivenNames: "Mahmoud Reza", DateOfBirth: "1990-01-01"})
	if !(exactDOB.Score > exact.Score && exact.Score > variant.Score && exact.Score > typo.Score && exact.Score > dropped.Score && exact.Score > conflict.Score) {
		t.Errorf("scores: exact+DOB %.6f, exact %.6f, variant %.6f, typo %.6f, dropped %.6f, DOB conflict %.6f",
			exactDOB.Score, exact.Score, variant.Score, typo.Score, dropped.Score, conflict.Score)
	}
	if exactDOB.Score >= 1 || exact.Score >= 1 {
		t.Errorf("scores saturate: %v %v", exactDOB.Score, exact.Score)
	}
	for _, r := range []Result{exact, exactDOB, variant, typo, dropped, conflict} {
		if r.Score < 0 || r.Score > 1 || r.Band != BandOf(r.Score) {
			t.Errorf("score %v band %s", r.Score, r.Band)
		}
	}
	if exact.Band != BandMatch || conflict.Band == BandMatch {
		t.Errorf("bands: exact %s, DOB conflict %s", exact.Band, conflict.Band)
	}
}

func TestDOBEvidence(t *testing.T) {
	d := func(s string) DOB {
		x, ok := parseDOB(s)
		if !ok {
			t.Fatal(s)
		}
		return x
	}
	q := func(s string) DOB {
		x, ok := ParseQueryDate(s)
		if !ok {
			t.Fatal(s)
		}
		return x
	}
	cases := []struct {
		query string
		list  []string
		want  float64
	}{
		{"1962-03-17", []string{"17 Mar 1962"}, dobSameDay},
		{"1962-03-17", []string{"1962"}, dobSameYear},
		{"1962-03-17", []string{"Mar 1962"}, dobSameMonth},
		{"1962-03-17", []string{"1970", "1962"}, dobSameYear}, // the best of several
		{"1962-03-17", []string{"1970"}, dobConflict},
		{"1962-03-17", []string{"1963"}, dobNearYear},
		{"1962-03-17", []string{"1960 to 1963"}, dobInRange},
		{"1962-03-17", []string{"circa 1961"}, dobCirca - 0.2},
		{"1962-03-17", []string{"circa 1950"}, dobConflict},
		{"1962-03-17", []string{"03 Apr 1962"}, dobOtherDate},
		{"1962-03-17", []string{"20 Mar 1962"}, dobNearYear},
		{"1962-03-17", []string{"17 Mar 1963"}, dobNearYear},
		{"1962-03-17", []string{"01 Jan 1963"}, dobOtherDate},
		{"1962-03-17", []string{"Apr 1962"}, 2 * dobNearYear},
		{"1962-03-04", []string{"03 Apr 1962"}, dobSwappedDM},
		{"1962", []string{"17 Mar 1962"}, dobSameYear},
	}
	for _, c := range cases {
		var list []DOB
		for _, l := range c.list {
			list = append(list, d(l))
		}
		got, text := dobEvidence(q(c.query), true, list)
		if got != c.want || text == "" {
			t.Errorf("%s vs %v: %v (%s), want %v", c.query, c.list, got, text, c.want)
		}
	}
	if v, _ := dobEvidence(DOB{}, false, []DOB{d("1962")}); v != 0 {
		t.Error("no query date of birth is no evidence")
	}
}

func TestNationalityAndGenderEvidence(t *testing.T) {
	e := person("T:1", "KHAN", "Imran")
	e.Nationalities = []Country{newCountry("Pakistan")}
	e.Gender = "M"
	ix := testIndex(e)
	base := top(t, ix, Query{FamilyNames: "KHAN", GivenNames: "Imran"})
	same := top(t, ix, Query{FamilyNames: "KHAN", GivenNames: "Imran", Nationality: "PAK", Sex: "M"})
	other := top(t, ix, Query{FamilyNames: "KHAN", GivenNames: "Imran", Nationality: "IND", Sex: "F"})
	if !(same.Score > base.Score && base.Score > other.Score) {
		t.Errorf("same %.4f, none %.4f, different %.4f", same.Score, base.Score, other.Score)
	}
	if same.Detail.NatLogit != natAgree || other.Detail.NatLogit != natDisagree || other.Detail.GenderLogit != genderDisagree {
		t.Errorf("details %+v / %+v", same.Detail, other.Detail)
	}
}

func TestCommonTokensWeighLess(t *testing.T) {
	var ents []*Entity
	for i := 0; i < 50; i++ {
		ents = append(ents, person(fmt.Sprintf("T:%d", i), fmt.Sprintf("RARE%d", i), "Muhammad"))
	}
	ix := testIndex(ents...)
	mu := ix.toks[ix.tokID["MUHAMMAD"]].weight
	rare := ix.toks[ix.tokID["RARE7"]].weight
	jose := ix.toks[ix.tokID["JOSE"]].weight
	if !(mu < rare && jose <= commonCap) {
		t.Errorf("weights: MUHAMMAD %.2f, RARE7 %.2f, JOSE %.2f", mu, rare, jose)
	}
}

func TestRetrievalIsBlocked(t *testing.T) {
	_, ix := loadShared(t)
	acc := newAccumulator(len(ix.names))
	qn := ix.prepareName("ZZXQWV", "QQPLKJ")
	if c := ix.retrieve(qn, acc, false); len(c) != 0 || len(acc.touched) != 0 {
		t.Errorf("a name sharing no key touched %d names", len(acc.touched))
	}
	qn = ix.prepareName("HERNANDEZ", "MUHAMMAD ALI")
	c := ix.retrieve(qn, acc, false)
	if len(c) > maxCandidates || len(acc.touched) >= len(ix.names)/2 {
		t.Errorf("common names: %d candidates scored, %d of %d names touched", len(c), len(acc.touched), len(ix.names))
	}
}

func TestExplanation(t *testing.T) {
	e := person("T:1", "HANIYA", "Ismail Abdul Salah", "1962")
	e.Nationalities = []Country{newCountry("Palestinian")}
	ix := testIndex(e)
	r := top(t, ix, Query{FamilyNames: "HANIYEH", GivenNames: "Ismail", DateOfBirth: "1962-05-01", Nationality: "PSE"})
	text := strings.Join(r.Explanation, "\n")
	for _, want := range []string{`"HANIYEH" ~ "HANIYA"`, `"ISMAIL" ~ "ISMAIL": exact`, "not in the query", "same year", "PSE matches", "score"} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
}

func TestScreenEdgeCases(t *testing.T) {
	ix := testIndex(person("T:1", "DOE", "John"))
	if r := ix.Screen(Query{}, 5); r != nil {
		t.Errorf("empty query: %v", r)
	}
	if r := ix.Screen(Query{FamilyNames: "-- ..", GivenNames: "'"}, 5); r != nil {
		t.Errorf("punctuation only: %v", r)
	}
	if r := ix.Screen(Query{FamilyNames: "DOE", GivenNames: "John", DateOfBirth: "garbage"}, 5); len(r) == 0 || r[0].Detail.DOBLogit != 0 {
		t.Errorf("unparseable DOB must be ignored: %+v", r)
	}
	long := strings.Repeat("ABCDEFGHIJ ", 30)
	ix.Screen(Query{FamilyNames: long, GivenNames: long}, 5)
	var nilIx *Index
	if nilIx.Screen(Query{FamilyNames: "X"}, 1) != nil {
		t.Error("nil index")
	}
	// Aliases of the query are screened too.
	r := ix.Screen(Query{FamilyNames: "SMITH", GivenNames: "Adam", Aliases: [][2]string{{"DOE", "John"}}}, 1)
	if len(r) == 0 || r[0].Entity.ID != "T:1" || r[0].Detail.QueryName != "DOE, John" {
		t.Errorf("alias: %+v", r)
	}
	// Organisations only when asked.
	org := &Entity{ID: "T:ORG", Type: TypeEntity, Names: []Name{{Full: "JOHN DOE TRADING", Strength: StrengthPrimary}}}
	ix = testIndex(org)
	for _, r := range ix.Screen(Query{FamilyNames: "DOE", GivenNames: "John"}, 10) {
		if r.Entity.ID == "T:ORG" {
			t.Error("an organisation screened by default")
		}
	}
	if r := ix.Screen(Query{FamilyNames: "DOE TRADING", GivenNames: "John", AllTypes: true}, 1); len(r) == 0 || r[0].Entity.ID != "T:ORG" {
		t.Errorf("AllTypes: %+v", r)
	}
}

func TestScreenConcurrent(t *testing.T) {
	ix, err := LoadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	want := top(t, ix, Query{FamilyNames: "GUZMAN LOERA", GivenNames: "Joaquin", DateOfBirth: "1954-12-25"})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				r := ix.Screen(Query{FamilyNames: "GUZMAN LOERA", GivenNames: "Joaquin", DateOfBirth: "1954-12-25"}, 5)
				if len(r) == 0 || r[0].Entity.ID != want.Entity.ID || r[0].Score != want.Score {
					t.Errorf("concurrent result differs: %+v", r)
					return
				}
				ix.Screen(Query{FamilyNames: "HANIYA", GivenNames: "Ismail"}, 5)
			}
		}()
	}
	wg.Wait()
}

func TestFixtureScreening(t *testing.T) {
	ix, err := LoadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    Query
		want string
	}{
		{Query{FamilyNames: "GUZMAN LOERA", GivenNames: "Joaquin", DateOfBirth: "1954-12-25", Nationality: "MEX"}, "OFAC:6861"},
		{Query{FamilyNames: "ABBAS", GivenNames: "Abu"}, "OFAC:2674"},
		{Query{FamilyNames: "", GivenNames: "Abu Abbas"}, "OFAC:2674"},
		{Query{FamilyNames: "AL-BAGHDADI", GivenNames: "Abu Bakr"}, "UN:QDi.299"}, // inside a composite Arabic/Latin alias
		{Query{FamilyNames: "TAGANDA", GivenNames: "Bosco", DateOfBirth: "1973-11-05"}, "UN:CDi.030"},
		{Query{FamilyNames: "HAQQANI", GivenNames: "Khalil Ur Rahman"}, "UN:TAi.150"},
	} {
		r := top(t, ix, c.q)
		if r.Entity.ID != c.want || r.Band == BandNoMatch {
			t.Errorf("%q, %q: %s %.3f %s, want %s\n%s", c.q.FamilyNames, c.q.GivenNames, r.Entity.ID, r.Score, r.Band, c.want, strings.Join(r.Explanation, "\n"))
		}
	}
}
