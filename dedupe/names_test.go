package dedupe

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// person builds a Person from "FAMILY, Given" names (the first is the
// primary name, the rest aliases), a date of birth and a citizenship.
func person(dob, country string, names ...string) *docketcard.Person {
	p := &docketcard.Person{CountryOfCitizenship: country, Aliases: []docketcard.Name{}}
	if dob != "" {
		d, err := docketcard.ParsePartialDate(dob)
		if err != nil {
			panic(err)
		}
		p.DateOfBirth = d
	}
	for i, n := range names {
		fam, giv, _ := strings.Cut(n, ",")
		nm := docketcard.Name{FamilyNames: fam, GivenNames: giv}.Normalise()
		if i == 0 {
			p.Name = nm
		} else {
			p.Aliases = append(p.Aliases, nm)
		}
	}
	return p
}

func shared(a, b []string) []string {
	var out []string
	for _, k := range a {
		if _, ok := slices.BinarySearch(b, k); ok {
			out = append(out, k)
		}
	}
	return out
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"García-López", []string{"GARCIA", "LOPEZ"}},
		{"  o'Brien ", []string{"OBRIEN"}},
		{"O’Connor", []string{"OCONNOR"}},
		{"Strauß", []string{"STRAUSS"}},
		{"Ñúñez Øre Łukasz", []string{"NUNEZ", "ORE", "LUKASZ"}},
		{"St. John", []string{"ST", "JOHN"}},
		{"", nil},
	} {
		if got := words(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := dropParticles([]string{"DE", "LA", "CRUZ"}); !slices.Equal(got, []string{"CRUZ"}) {
		t.Errorf("dropParticles = %q", got)
	}
	if got := dropParticles([]string{"DE", "LA"}); !slices.Equal(got, []string{"DE", "LA"}) {
		t.Errorf("dropParticles of particles only = %q", got)
	}
}

// nameVariants are pairs of records of one person written differently.
// Each must share at least one NameKey and score as similar_identity.
var nameVariants = []struct {
	name string
	a, b *docketcard.Person
}{
	{"accents", person("1985-04-12", "MEX", "GARCÍA LÓPEZ, José"), person("1985-04-12", "MEX", "GARCIA LOPEZ, Jose")},
	{"surnames in the other order", person("1985-04-12", "MEX", "GARCÍA LÓPEZ, Juan"), person("1985-04-12", "MEX", "LÓPEZ GARCÍA, Juan")},
	{"family and given swapped", person("1985-04-12", "MEX", "GARCIA, Juan Carlos"), person("1985-04-12", "MEX", "JUAN CARLOS, Garcia")},
	{"double surname vs first surname", person("1985-04-12", "MEX", "GARCÍA LÓPEZ, Juan"), person("1985-04-12", "MEX", "GARCIA, Juan")},
	{"double surname vs second surname", person("1985-04-12", "MEX", "GARCÍA LÓPEZ, Juan"), person("1985-04", "MEX", "LOPEZ, Juan")},
	{"hyphenated surname", person("1990", "GTM", "PÉREZ-MOLINA, Ana Lucía"), person("1990-07-01", "GTM", "PEREZ MOLINA, Ana Lucia")},
	{"typo in family name", person("1985-04-12", "MEX", "GARCIA, Juan"), person("1985-04-12", "MEX", "GARICA, Juan")},
	{"typo in given name", person("1979-11-30", "HND", "HERNANDEZ, Jesus"), person("1979-11-30", "HND", "HERNANDEZ, Jeuss")},
	{"spelling that sounds alike", person("2001-02-03", "SLV", "GONZALEZ, Xiomara"), person("2001-02-03", "SLV", "GONSALES, Xiomara")},
	{"particles", person("1970", "COL", "DE LA CRUZ, María de los Ángeles"), person("1970-05-05", "COL", "CRUZ, Maria Angeles")},
	{"transliteration of Arabic", person("1988-01-15", "SYR", "AL-HASSAN, Mohammed"), person("1988-01-15", "SYR", "HASSAN, Muhammad")},
	{"umlaut", person("1965-09-09", "DEU", "MÜLLER, Jürgen"), person("1965-09-09", "DEU", "MUELLER, Juergen")},
	{"apostrophe", person("1975-03-17", "IRL", "O'BRIEN, Siobhán"), person("1975-03-17", "IRL", "OBRIEN, Siobhan")},
	{"middle name dropped", person("1992-08-08", "HTI", "JEAN-BAPTISTE, Marie Claude"), person("1992-08-08", "HTI", "JEAN BAPTISTE, Marie")},
	{"initial for a given name", person("1992-08-08", "BRA", "SILVA SANTOS, João P."), person("1992-08-08", "BRA", "SILVA SANTOS, Joao Pedro")},
	{"alias", person("1980-06-06", "NGA", "OKAFOR, Chinedu", "OKAFOR, Emeka"), person("1980-06-06", "NGA", "OKAFFOR, Emeka")},
	{"day and month transposed", person("1983-05-09", "VEN", "RAMIREZ, Luis"), person("1983-09-05", "VEN", "RAMIREZ, Luis")},
	{"placeholder date", person("1983-01-01", "VEN", "RAMIREZ, Luis"), person("1983-09-05", "VEN", "RAMIREZ, Luis")},
}

// unrelated are pairs of different people that must share no NameKey.
var unrelated = []struct{ a, b *docketcard.Person }{
	{person("1985-04-12", "MEX", "GARCIA, Juan"), person("1985-04-12", "VNM", "NGUYEN, Thi Lan")},
	{person("1970", "USA", "SMITH, John"), person("1970", "MEX", "MARTINEZ, Ana")},
	{person("1990-01-01", "MEX", "RODRIGUEZ, Carlos"), person("1962-01-01", "MEX", "RODRIGUEZ, Maria")},
	{person("1999-12-31", "HND", "LOPEZ MEJIA, Rosa"), person("2003-03-03", "HND", "FLORES, Rosa")},
	{person("1988-01-15", "SYR", "AL-HASSAN, Mohammed"), person("1988-01-15", "AFG", "KARIMI, Ahmad")},
}

func TestNameKeysVariantsShare(t *testing.T) {
	for _, tc := range nameVariants {
		ka, kb := NameKeys(tc.a), NameKeys(tc.b)
		common := shared(ka, kb)
		if len(common) == 0 {
			t.Errorf("%s: no shared key\n  %v\n  %v", tc.name, ka, kb)
			continue
		}
		t.Logf("%-35s shares %v", tc.name, common)
	}
}

func TestNameKeysUnrelatedShareNone(t *testing.T) {
	for _, tc := range unrelated {
		if common := shared(NameKeys(tc.a), NameKeys(tc.b)); len(common) > 0 {
			t.Errorf("%s and %s share %v", tc.a.Name, tc.b.Name, common)
		}
	}
}

func TestNameKeysShape(t *testing.T) {
	p := person("1985-04-12", "MEX", "GARCÍA LÓPEZ, Juan Carlos")
	want := []string{
		"fs:KRS+LPS:J",
		"fy:KRS:1985", "fy:KRX:1985", "fy:LPS:1985",
		"gf:AN:G:1985", "gf:AN:L:1985", "gf:JN:G:1985", "gf:JN:L:1985",
		"n:CARLOS GARCIA JUAN LOPEZ",
	}
	if got := NameKeys(p); !slices.Equal(got, want) {
		t.Errorf("NameKeys =\n  %q\nwant\n  %q", got, want)
	}
	if NameKeys(nil) != nil {
		t.Error("NameKeys(nil) is not nil")
	}
	// Without a date of birth only the year-free keys remain.
	p.DateOfBirth = docketcard.PartialDate{}
	if got := NameKeys(p); !slices.Equal(got, []string{"fs:KRS+LPS:J", "n:CARLOS GARCIA JUAN LOPEZ"}) {
		t.Errorf("NameKeys without a date of birth = %q", got)
	}
	// The number of keys stays bounded for the longest allowed input.
	long := person("1985", "MEX", strings.Repeat("Abcdefgh ", 11)+", "+strings.Repeat("Ijklmnop ", 11))
	for range docketcard.MaxAliases {
		long.Aliases = append(long.Aliases, long.Name)
	}
	if n := len(NameKeys(long)); n > 40 {
		t.Errorf("%d keys for one long name", n)
	}
}

func TestCompareNamesScores(t *testing.T) {
	for _, tc := range []struct {
		a, b     string
		min, max float64
	}{
		{"GARCIA LOPEZ, Juan", "GARCIA LOPEZ, Juan", 1, 1},
		{"GARCÍA LÓPEZ, Juan", "LOPEZ GARCIA, Juan", 1, 1},
		{"GARCIA LOPEZ, Juan", "GARCIA, Juan", 0.91, 0.92},
		{"GARCIA, Juan", "GARICA, Juan", 0.97, 0.99},
		{"GARCIA, Juan", "GOMEZ, Juan", 0, 0.5},
		{"GARCIA LOPEZ, Maria", "GARCIA PEREZ, Maria", 0, 0.7},
		{"GARCIA, Juan Carlos", "GOMEZ, Juan Carlos", 0, 0.7},
		{"GARCIA, Juan", "GARCIA", 0, 0.75},
		{"NGUYEN, Thi", "SMITH, John", 0, 0},
	} {
		a, b := normalise(nameOf(tc.a)), normalise(nameOf(tc.b))
		ab, ba := compareNames(a, b).score, compareNames(b, a).score
		if math.Abs(ab-ba) > 1e-12 {
			t.Errorf("%q vs %q is not symmetric: %v and %v", tc.a, tc.b, ab, ba)
		}
		if ab < tc.min-1e-9 || ab > tc.max+1e-9 {
			t.Errorf("%q vs %q scores %.3f, want %.2f-%.2f", tc.a, tc.b, ab, tc.min, tc.max)
		}
	}
}

func nameOf(s string) docketcard.Name {
	fam, giv, _ := strings.Cut(s, ",")
	return docketcard.Name{FamilyNames: fam, GivenNames: giv}.Normalise()
}

// TestBestAssignment checks the dynamic programme against brute force.
func TestBestAssignment(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		rows := 1 + r.IntN(5)
		cols := rows + r.IntN(3)
		sim := make([][]float64, rows)
		for i := range sim {
			sim[i] = make([]float64, cols)
			for j := range sim[i] {
				if r.IntN(3) > 0 {
					sim[i][j] = r.Float64()
				}
			}
		}
		got := 0.0
		used := map[int]bool{}
		for i, j := range bestAssignment(sim) {
			if j >= 0 {
				if used[j] {
					t.Fatalf("column %d assigned twice", j)
				}
				used[j] = true
				got += sim[i][j]
			}
		}
		if want := bruteForce(sim, 0, make([]bool, cols)); math.Abs(got-want) > 1e-9 {
			t.Fatalf("assignment sums to %v, best is %v (%v)", got, want, sim)
		}
	}
}

func bruteForce(sim [][]float64, i int, used []bool) float64 {
	if i == len(sim) {
		return 0
	}
	best := bruteForce(sim, i+1, used)
	for j := range used {
		if !used[j] && sim[i][j] > 0 {
			used[j] = true
			best = max(best, sim[i][j]+bruteForce(sim, i+1, used))
			used[j] = false
		}
	}
	return best
}

// benchmarkPeople returns varied people for benchmarks.
func benchmarkPeople(n int) []*docketcard.Person {
	fams := []string{"García López", "Hernández", "de la Cruz", "Nguyen", "Al-Hassan", "Müller", "O'Brien", "Silva Santos", "Jean-Baptiste", "Okafor"}
	givs := []string{"Juan Carlos", "María José", "Thi Lan", "Mohammed", "Jürgen", "Siobhán", "João Pedro", "Marie", "Chinedu", ""}
	out := make([]*docketcard.Person, n)
	for i := range out {
		out[i] = person(fmt.Sprintf("%d-%02d-%02d", 1950+i%50, 1+i%12, 1+i%28), "MEX", fams[i%len(fams)]+", "+givs[(i/len(fams))%len(givs)])
	}
	return out
}

func BenchmarkNameKeys(b *testing.B) {
	people := benchmarkPeople(100)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		NameKeys(people[i%len(people)])
		i++
	}
}

func BenchmarkCompare(b *testing.B) {
	people := benchmarkPeople(100)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Compare(people[i%len(people)], people[(i*7+3)%len(people)], 0, 0)
		i++
	}
}
