// Package evalgen generates the screening evaluation set: spelling,
// transliteration, script, order, middle-name and typo variants of real
// list names, each labelled with the entry it came from, and common names
// that are on no list. It is deterministic for a given seed and list
// files. It uses only the loaders' exported data (names, dates,
// nationalities) and rules of its own: none of the matcher's variant
// tables, folding rules or weights, so the evaluation does not grade the
// matcher against itself.
//
// Regenerate the committed set with
//
//	go run ./screening/internal/evalgen/cmd -o screening/testdata/eval
package evalgen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/docketcard/docketcard/screening"
	"github.com/mozillazg/go-unidecode"
)

// Seed is the seed of the committed evaluation set; the calibration set
// uses CalibrationSeed.
const (
	Seed            = 20260227
	CalibrationSeed = 7
)

// Variant is a query made from a real list name, labelled with the entry.
type Variant struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	SourceName  string   `json:"source_name"`
	FamilyNames string   `json:"family"`
	GivenNames  string   `json:"given"`
	DateOfBirth string   `json:"dob,omitempty"`
	Nationality string   `json:"nationality,omitempty"`
	Sex         string   `json:"sex,omitempty"`
	Expect      string   `json:"expect"`
	Also        []string `json:"also,omitempty"` // other records of the same person (see sameEntry)
}

// Negative is a common name that no list carries.
type Negative struct {
	ID          string `json:"id"`
	Group       string `json:"group"`
	FamilyNames string `json:"family"`
	GivenNames  string `json:"given"`
	DateOfBirth string `json:"dob"`
	Nationality string `json:"nationality"`
	Sex         string `json:"sex"`
}

// Kinds of variant, generated in equal numbers (script only where the
// entry's nationality writes Cyrillic).
var Kinds = []string{"spelling", "translit", "swapped", "dropped_middle", "added_middle", "typo1", "typo2", "script"}

// Norm is the generator's own name normalisation for the "not on any
// list" check: ASCII, upper case, letters only, tokens sorted.
func Norm(s string) string {
	s = strings.ToUpper(unidecode.Unidecode(s))
	f := strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '\'') })
	for i := range f {
		f[i] = strings.ReplaceAll(f[i], "'", "")
	}
	f = slices.DeleteFunc(f, func(x string) bool { return x == "" })
	sort.Strings(f)
	return strings.Join(f, " ")
}

type source struct {
	e      *screening.Entity
	name   screening.Name
	family []string
	given  []string
}

// Generate makes nVariants variants and nNegatives negatives from the
// entries of ix.
func Generate(ix *screening.Index, seed uint64, nVariants, nNegatives int) ([]Variant, []Negative) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var ents []*screening.Entity
	byNorm := map[string][]string{}
	ix.Entities(func(e *screening.Entity) bool {
		for _, n := range e.Names {
			k := Norm(n.Full)
			if k != "" && !slices.Contains(byNorm[k], e.ID) {
				byNorm[k] = append(byNorm[k], e.ID)
			}
		}
		if e.Type == screening.TypeIndividual {
			ents = append(ents, e)
		}
		return true
	})
	sort.Slice(ents, func(a, b int) bool { return ents[a].ID < ents[b].ID })
	xref := newCrossRef(ix, byNorm)
	rng.Shuffle(len(ents), func(a, b int) { ents[a], ents[b] = ents[b], ents[a] })

	var out []Variant
	perKind := map[string]int{}
	quota := nVariants / (len(Kinds) - 1) // script variants come on top, where possible
	seen := map[string]bool{}
	for _, e := range ents {
		if len(out) >= nVariants+quota {
			break
		}
		src, ok := pickName(rng, e)
		if !ok {
			continue
		}
		// The kind this entry gets: the least served one it can make.
		kinds := slices.Clone(Kinds)
		rng.Shuffle(len(kinds), func(a, b int) { kinds[a], kinds[b] = kinds[b], kinds[a] })
		sort.SliceStable(kinds, func(a, b int) bool { return perKind[kinds[a]] < perKind[kinds[b]] })
		for _, k := range kinds {
			if perKind[k] >= quota {
				continue
			}
			fam, giv, ok := mutate(rng, k, src)
			if !ok {
				continue
			}
			q := strings.TrimSpace(strings.Join(fam, " ") + ", " + strings.Join(giv, " "))
			if Norm(q) == Norm(src.name.Full) && k != "swapped" && k != "script" {
				continue
			}
			if seen[q] {
				continue
			}
			seen[q] = true
			v := Variant{
				Kind: k, SourceName: src.name.Full, FamilyNames: strings.Join(fam, " "), GivenNames: strings.Join(giv, " "),
				Expect: e.ID,
			}
			v.Also = xref.same(e, src.name)
			demographics(rng, e, &v)
			perKind[k]++
			out = append(out, v)
			break
		}
	}
	for i := range out {
		out[i].ID = fmt.Sprintf("v%04d", i+1)
	}
	negs := negatives(rng, nNegatives, byNorm)
	return out, negs
}

// pickName chooses the entry's primary name or one of its strong aliases,
// with at least two words, in Latin script.
func pickName(rng *rand.Rand, e *screening.Entity) (source, bool) {
	var cands []screening.Name
	for _, n := range e.Names {
		if n.Strength != screening.StrengthPrimary && n.Strength != screening.StrengthStrong {
			continue
		}
		if strings.ContainsAny(n.Full, "();") || !isLatin(n.Full) {
			continue
		}
		if len(words(n.Full)) < 2 || len(words(n.Full)) > 6 {
			continue
		}
		cands = append(cands, n)
	}
	if len(cands) == 0 {
		return source{}, false
	}
	// Primary names twice as often as each alias.
	n := cands[0]
	if len(cands) > 1 && rng.IntN(3) == 0 {
		n = cands[1+rng.IntN(len(cands)-1)]
	}
	s := source{e: e, name: n}
	if n.Family != "" && n.Given != "" {
		s.family, s.given = words(n.Family), words(n.Given)
	} else {
		w := words(n.Full)
		// Unstructured (UN, CSL): the last word as the family name, as a
		// clerk copying "Firstname Lastname" would.
		s.family, s.given = w[len(w)-1:], w[:len(w)-1]
	}
	if len(s.family) == 0 || len(s.given) == 0 {
		return source{}, false
	}
	return s, true
}

func isLatin(s string) bool {
	for _, r := range s {
		if r > 0x24F && r != '’' && r != '‘' {
			return false
		}
	}
	return true
}

func words(s string) []string {
	return strings.Fields(strings.NewReplacer(",", " ", ".", " ", ";", " ").Replace(s))
}

func demographics(rng *rand.Rand, e *screening.Entity, v *Variant) {
	if len(e.DOBs) > 0 && rng.IntN(2) == 0 {
		v.DateOfBirth = personDOB(rng, e.DOBs[rng.IntN(len(e.DOBs))])
	}
	if len(e.Nationalities) > 0 && rng.IntN(2) == 0 {
		if c := e.Nationalities[0].Code; len(c) == 3 {
			v.Nationality = c
		}
	}
	if e.Gender != "" && rng.IntN(2) == 0 {
		v.Sex = e.Gender
	}
}

// personDOB is the full date of birth a person consistent with the list
// date would give: the listed day, or a day within the listed month, year,
// range or circa year.
func personDOB(rng *rand.Rand, d screening.DOB) string {
	y, m, day := d.Year, d.Month, d.Day
	switch {
	case d.IsRange():
		y = d.Year + rng.IntN(d.ToYear-d.Year+1)
		m, day = 0, 0
	case d.Circa:
		y = d.Year - 1 + rng.IntN(3)
		m, day = 0, 0
	}
	if m == 0 {
		m = 1 + rng.IntN(12)
	}
	if day == 0 {
		last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		day = 1 + rng.IntN(last)
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, day)
}

// mutate makes a variant of the given kind, or reports false when the
// name does not lend itself to it.
func mutate(rng *rand.Rand, kind string, s source) ([]string, []string, bool) {
	fam := upperAll(slices.Clone(s.family))
	giv := upperAll(slices.Clone(s.given))
	switch kind {
	case "swapped":
		return giv, fam, true
	case "dropped_middle":
		// Drop a second given name or a second family name.
		var opts [][2]int // (field, index)
		// Only words of four letters or more: a Korean or Chinese given
		// name is two short syllables, and dropping one is not dropping a
		// middle name.
		// A word that is part of a compound (ABU BAKR, ABDUL AZIZ, IBN
		// AL-HUSAYN, DE LA CRUZ) is not a middle name either.
		for i := 1; i < len(giv); i++ {
			if droppable(giv, i) {
				opts = append(opts, [2]int{1, i})
			}
		}
		for i := 1; i < len(fam); i++ {
			if droppable(fam, i) {
				opts = append(opts, [2]int{0, i})
			}
		}
		if len(opts) == 0 {
			return nil, nil, false
		}
		o := opts[rng.IntN(len(opts))]
		if o[0] == 0 {
			fam = slices.Delete(fam, o[1], o[1]+1)
		} else {
			giv = slices.Delete(giv, o[1], o[1]+1)
		}
		return fam, giv, true
	case "added_middle":
		pool := middleNames(s)
		add := pool[rng.IntN(len(pool))]
		if slices.Contains(giv, add) || slices.Contains(fam, add) {
			return nil, nil, false
		}
		giv = slices.Insert(giv, len(giv), add)
		if len(giv) > 1 && rng.IntN(2) == 0 {
			giv = slices.Insert(giv[:len(giv)-1], 1, add) // as a true middle name
		}
		return fam, giv, true
	case "typo1", "typo2":
		edits := 1
		if kind == "typo2" {
			edits = 2
		}
		all := append(slices.Clone(fam), giv...)
		var long []int
		for i, w := range all {
			if len(w) >= 4 {
				long = append(long, i)
			}
		}
		if len(long) == 0 {
			return nil, nil, false
		}
		for k := 0; k < edits; k++ {
			i := long[rng.IntN(len(long))]
			all[i] = typo(rng, all[i])
		}
		return all[:len(fam)], all[len(fam):], true
	case "spelling":
		all := append(slices.Clone(fam), giv...)
		changed := false
		for _, i := range rng.Perm(len(all)) {
			if w, ok := respell(rng, all[i]); ok {
				all[i] = w
				changed = true
				break
			}
		}
		return all[:len(fam)], all[len(fam):], changed
	case "translit":
		fam2, giv2, ok := retransliterate(rng, fam, giv)
		return fam2, giv2, ok
	case "script":
		if !cyrillicNationality(s.e) {
			return nil, nil, false
		}
		return toCyrillicAll(fam), toCyrillicAll(giv), true
	}
	return nil, nil, false
}

func upperAll(ws []string) []string {
	for i := range ws {
		ws[i] = strings.ToUpper(ws[i])
	}
	return ws
}

// keyboard neighbours on a QWERTY keyboard, for substitution typos.
var keyboard = map[byte]string{
	'A': "QSZ", 'B': "VGHN", 'C': "XDFV", 'D': "SERFCX", 'E': "WSDR", 'F': "DRTGVC", 'G': "FTYHBV", 'H': "GYUJNB",
	'I': "UJKO", 'J': "HUIKMN", 'K': "JIOLM", 'L': "KOP", 'M': "NJK", 'N': "BHJM", 'O': "IKLP", 'P': "OL",
	'Q': "WA", 'R': "EDFT", 'S': "AWEDXZ", 'T': "RFGY", 'U': "YHJI", 'V': "CFGB", 'W': "QASE", 'X': "ZSDC",
	'Y': "TGHU", 'Z': "ASX",
}

// typo applies one edit: a neighbouring key, a dropped or doubled letter,
// or two letters swapped; never to the first letter (people rarely get
// that wrong) unless the word is short.
func typo(rng *rand.Rand, w string) string {
	b := []byte(w)
	for tries := 0; tries < 10; tries++ {
		pos := 1 + rng.IntN(len(b)-1)
		switch rng.IntN(4) {
		case 0:
			nb := keyboard[b[pos]]
			if nb == "" {
				continue
			}
			b[pos] = nb[rng.IntN(len(nb))]
			return string(b)
		case 1:
			if len(b) <= 3 {
				continue
			}
			return string(slices.Delete(b, pos, pos+1))
		case 2:
			return string(slices.Insert(b, pos, b[pos]))
		case 3:
			if pos+1 >= len(b) || b[pos] == b[pos+1] {
				continue
			}
			b[pos], b[pos+1] = b[pos+1], b[pos]
			return string(b)
		}
	}
	return string(append(b, 'E'))
}

// spellingRules are everyday spelling alternatives of romanised names.
var spellingRules = [][2]string{
	{"OU", "U"}, {"U", "OU"}, {"EE", "I"}, {"I", "EE"}, {"Y", "I"}, {"I", "Y"}, {"PH", "F"}, {"F", "PH"},
	{"C", "K"}, {"K", "C"}, {"Q", "K"}, {"KH", "H"}, {"TH", "T"}, {"DH", "D"}, {"Z", "S"}, {"S", "Z"},
	{"E", "A"}, {"A", "E"}, {"O", "U"}, {"U", "O"}, {"J", "DJ"}, {"IE", "Y"}, {"SS", "S"}, {"LL", "L"},
	{"MM", "M"}, {"NN", "N"}, {"TT", "T"}, {"RR", "R"}, {"W", "V"}, {"V", "W"}, {"IY", "I"}, {"CH", "SH"},
	{"SH", "CH"}, {"X", "KS"}, {"KS", "X"}, {"GH", "G"},
}

// respell applies one spelling rule at a random place that is not the
// first letter.
func respell(rng *rand.Rand, w string) (string, bool) {
	if len(w) < 4 {
		return "", false
	}
	for _, ri := range rng.Perm(len(spellingRules)) {
		r := spellingRules[ri]
		var at []int
		for i := 1; i+len(r[0]) <= len(w); i++ {
			if w[i:i+len(r[0])] == r[0] {
				at = append(at, i)
			}
		}
		if len(at) == 0 {
			continue
		}
		i := at[rng.IntN(len(at))]
		return w[:i] + r[1] + w[i+len(r[0]):], true
	}
	return "", false
}

// romanisations: how one name is written by different transliteration
// schemes (the generator's own list).
var romanisations = [][]string{
	{"MUHAMMAD", "MOHAMMED", "MOHAMED", "MOHAMMAD", "MUHAMMED", "MOHAMAD", "MAHOMED"},
	{"AHMAD", "AHMED", "AHMET"}, {"YUSUF", "YOUSSEF", "YOUSEF", "YOUSIF", "JUSUF"},
	{"HUSAYN", "HUSSEIN", "HUSSAIN", "HOSSEIN", "HUSEIN"}, {"HASAN", "HASSAN", "HASSEN"},
	{"UMAR", "OMAR", "OMER"}, {"UTHMAN", "OTHMAN", "OSMAN"}, {"IBRAHIM", "EBRAHIM", "IBRAHEEM"},
	{"KHALID", "KHALED"}, {"MAHMUD", "MAHMOUD", "MAHMOOD"}, {"MUSTAFA", "MUSTAPHA", "MOSTAFA"},
	{"SAID", "SAEED", "SAEID"}, {"ABD", "ABDUL", "ABDEL"}, {"ABU", "ABOU"}, {"AL", "EL"}, {"BIN", "IBN", "BEN"},
	{"SULAYMAN", "SULEIMAN", "SULAIMAN"}, {"JAFAR", "JAAFAR", "JAFFAR"}, {"ISMAIL", "ISMAEL", "ISMAEEL"},
	{"USAMA", "OSAMA"}, {"HAYDAR", "HAIDAR", "HAIDER"}, {"MUSA", "MOUSSA", "MOUSA"}, {"ISA", "ISSA"},
	{"ALEKSANDR", "ALEXANDER", "ALEKSANDER", "OLEKSANDR"}, {"ALEKSEY", "ALEXEI", "ALEKSEI"}, {"SERGEY", "SERGEI", "SERHIY"},
	{"YURIY", "YURI", "YURY"}, {"DMITRIY", "DMITRY", "DMITRI", "DMYTRO"}, {"ANDREY", "ANDREI", "ANDRIY"},
	{"NIKOLAY", "NIKOLAI", "MYKOLA"}, {"MIKHAIL", "MYKHAILO"}, {"YEVGENIY", "EVGENY", "YEVGENY"},
	{"VALERIY", "VALERY"}, {"VASILIY", "VASILY", "VASYL"}, {"ANATOLIY", "ANATOLY"}, {"GRIGORIY", "GRIGORY"},
	{"MAKSIM", "MAXIM"}, {"VIKTOR", "VICTOR"}, {"VLADIMIR", "VOLODYMYR"}, {"TATYANA", "TATIANA"},
	{"NATALYA", "NATALIA"}, {"YELENA", "ELENA", "OLENA"}, {"YULIYA", "YULIA"}, {"OLGA", "OLHA"}, {"IGOR", "IHOR"},
	{"OLEG", "OLEH"}, {"PYOTR", "PETR"}, {"FYODOR", "FEDOR"}, {"KIM", "GIM"}, {"PAK", "PARK"}, {"RI", "LEE", "YI"},
	{"CHOE", "CHOI"},
}

// Endings and letter groups that romanisation schemes write differently.
var translitRules = [][2]string{
	{"IY", "I"}, {"YI", "I"}, {"YEV", "EV"}, {"IEV", "YEV"}, {"KH", "H"}, {"KS", "X"}, {"YA", "IA"}, {"YU", "IU"},
	{"OU", "U"}, {"OO", "U"}, {"EE", "I"}, {"Q", "K"}, {"DJ", "J"}, {"ZH", "J"}, {"TS", "TZ"}, {"SCH", "SH"},
	{"AA", "A"}, {"EI", "AY"}, {"AY", "EI"}, {"AI", "AY"}, {"OV", "OFF"}, {"TCH", "CH"}, {"GH", "G"},
}

// retransliterate rewrites the name as another romanisation scheme would:
// whole words from the table, articles (AL-X → EL-X, AL X, ALX), or letter
// groups.
func retransliterate(rng *rand.Rand, fam, giv []string) ([]string, []string, bool) {
	all := append(slices.Clone(fam), giv...)
	changed := false
	for _, i := range rng.Perm(len(all)) {
		w := all[i]
		if strings.HasPrefix(w, "AL-") || strings.HasPrefix(w, "EL-") {
			switch rng.IntN(3) {
			case 0:
				all[i] = "EL-" + w[3:]
			case 1:
				all[i] = "AL " + w[3:]
			case 2:
				all[i] = "AL" + w[3:]
			}
			if all[i] != w {
				changed = true
				break
			}
		}
		core := strings.TrimPrefix(w, "AL-")
		for _, grp := range romanisations {
			if j := slices.Index(grp, core); j >= 0 {
				alt := grp[rng.IntN(len(grp))]
				if alt == core {
					alt = grp[(j+1)%len(grp)]
				}
				all[i] = strings.Replace(w, core, alt, 1)
				changed = true
				break
			}
		}
		if changed {
			break
		}
	}
	if !changed {
		for _, i := range rng.Perm(len(all)) {
			w := all[i]
			for _, ri := range rng.Perm(len(translitRules)) {
				r := translitRules[ri]
				if k := strings.Index(w[1:], r[0]); k >= 0 && len(w) >= 4 {
					all[i] = w[:k+1] + r[1] + w[k+1+len(r[0]):]
					changed = true
					break
				}
			}
			if changed {
				break
			}
		}
	}
	if !changed {
		return nil, nil, false
	}
	// "AL X" may have split a word: re-cut by the original field sizes.
	joined := strings.Fields(strings.Join(all, " "))
	if len(joined) != len(fam)+len(giv) {
		return all[:len(fam)], all[len(fam):], true
	}
	return joined[:len(fam)], joined[len(fam):], true
}

func cyrillicNationality(e *screening.Entity) bool {
	for _, c := range e.Nationalities {
		switch c.Code {
		case "RUS", "UKR", "BLR", "KAZ", "KGZ", "TJK", "SRB", "BGR", "MKD":
			return true
		}
	}
	return false
}

// latinToCyrillic writes a romanised Russian name back in Cyrillic (the
// generator's own reverse table, longest letter groups first).
var latinToCyrillic = []struct{ lat, cyr string }{
	{"SHCH", "Щ"}, {"IYA", "ИЯ"}, {"IYE", "ИЕ"}, {"KH", "Х"}, {"ZH", "Ж"}, {"TS", "Ц"}, {"CH", "Ч"}, {"SH", "Ш"}, {"YU", "Ю"}, {"YA", "Я"},
	{"YE", "Е"}, {"YO", "Ё"}, {"IY", "ИЙ"}, {"A", "А"}, {"B", "Б"}, {"V", "В"}, {"G", "Г"}, {"D", "Д"}, {"E", "Е"},
	{"Z", "З"}, {"I", "И"}, {"Y", "Ы"}, {"K", "К"}, {"L", "Л"}, {"M", "М"}, {"N", "Н"}, {"O", "О"}, {"P", "П"},
	{"R", "Р"}, {"S", "С"}, {"T", "Т"}, {"U", "У"}, {"F", "Ф"}, {"H", "Х"}, {"C", "К"}, {"X", "КС"}, {"W", "В"},
	{"J", "Й"}, {"Q", "К"},
}

func toCyrillic(w string) string {
	var b strings.Builder
	for i := 0; i < len(w); {
		// A final -Y after a consonant is the -ий of Vitaliy, Yuriy.
		if i == len(w)-1 && w[i] == 'Y' && i > 0 && !strings.ContainsRune("AEIOUY", rune(w[i-1])) {
			b.WriteString("ИЙ")
			break
		}
		done := false
		for _, m := range latinToCyrillic {
			if strings.HasPrefix(w[i:], m.lat) {
				b.WriteString(m.cyr)
				i += len(m.lat)
				done = true
				break
			}
		}
		if !done {
			if w[i] != '-' && w[i] != '\'' {
				b.WriteByte(w[i])
			}
			i++
		}
	}
	return b.String()
}

func toCyrillicAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = toCyrillic(w)
	}
	return out
}

// middleNames suits an added middle name to the name's origin.
func middleNames(s source) []string {
	for _, c := range s.e.Nationalities {
		switch c.Code {
		case "MEX", "COL", "VEN", "GTM", "HND", "SLV", "NIC", "CUB", "PER", "ECU", "ESP", "ARG", "PAN", "DOM", "BOL", "PRY":
			if s.e.Gender == "F" {
				return []string{"MARIA", "GUADALUPE", "ISABEL", "ELENA"}
			}
			return []string{"JOSE", "LUIS", "ANTONIO", "MANUEL", "ALBERTO"}
		case "RUS", "UKR", "BLR", "KAZ":
			return []string{"SERGEYEVICH", "IVANOVICH", "PETROVICH", "NIKOLAYEVICH"}
		case "PRK", "KOR", "CHN":
			return []string{"MIN", "JUN", "HUA"}
		}
	}
	if s.e.Gender == "F" {
		return []string{"FATIMA", "AMINA", "MARIA"}
	}
	return []string{"MOHAMMED", "ALI", "AHMED", "HASSAN", "ABDULLAH"}
}

// compoundWords bind to the word after them.
var compoundWords = map[string]bool{
	"ABU": true, "ABOU": true, "ABD": true, "ABDUL": true, "ABDEL": true, "ABDOL": true, "ABDUR": true, "ABDU": true,
	"BIN": true, "IBN": true, "BEN": true, "BINT": true, "UMM": true, "OULD": true, "AL": true, "EL": true,
	"DE": true, "DEL": true, "LA": true, "LOS": true, "LAS": true, "DA": true, "DOS": true, "VAN": true, "VON": true,
}

func droppable(ws []string, i int) bool {
	w := ws[i]
	if len(w) < 4 || compoundWords[w] || compoundWords[ws[i-1]] {
		return false
	}
	// East Asian names: all words short syllables.
	short := true
	for _, x := range ws {
		if len(x) > 4 {
			short = false
		}
	}
	return !short
}
