package dedupe

import (
	"slices"
	"strconv"
	"strings"

	"github.com/antzucaro/matchr"
	unidecode "github.com/mozillazg/go-unidecode"

	"github.com/docketcard/docketcard"
)

// maxTokens bounds the tokens kept from one name (family and given names
// together). Longer names are rare; the bound keeps NameKeys small and the
// one-to-one token assignment in Compare cheap (it is exponential in the
// token count).
const maxTokens = 8

// particles are the connecting words of family and given names ("de la
// Cruz", "van der Berg", "bin Laden", "Maria de los Angeles", "Silva e
// Souza") that are written or dropped inconsistently from one record to
// the next, so they are ignored unless a name has nothing else. "BEN" is
// not among them because it is also a given name.
var particles = map[string]bool{
	"DE": true, "DEL": true, "DELA": true, "LA": true, "LAS": true, "LOS": true,
	"Y": true, "E": true, "DA": true, "DAS": true, "DO": true, "DOS": true,
	"DI": true, "DU": true, "VAN": true, "VON": true, "DER": true, "DEN": true,
	"TER": true, "LE": true, "LES": true, "AL": true, "EL": true,
	"BIN": true, "BINT": true, "IBN": true,
}

// token is one word of a name, transliterated to upper-case ASCII letters.
type token struct {
	text   string
	family bool   // from the family names (as opposed to the given names)
	code1  string // Double Metaphone primary code ("" for initials)
	code2  string // Double Metaphone alternate code, if different
}

// initial reports whether the token is a single letter ("J." in "Juan J.").
func (t token) initial() bool { return len(t.text) == 1 }

// normalisedName is a name split into comparable tokens.
type normalisedName struct {
	family, given []token
	source        docketcard.Name // the name as recorded
	alias         int             // index in Person.Aliases, or -1 for the primary name
}

func (n normalisedName) all() []token {
	out := make([]token, 0, len(n.family)+len(n.given))
	out = append(out, n.family...)
	return append(out, n.given...)
}

func (n normalisedName) empty() bool { return len(n.family)+len(n.given) == 0 }

// words transliterates s to ASCII (accents dropped, "ß" to "SS", "Ø" to
// "O"...), upper-cases it and splits it into words of letters A-Z.
// Apostrophes join ("O'Brien" is OBRIEN); hyphens, periods, spaces and
// anything else separate ("García-López" is GARCIA, LOPEZ).
func words(s string) []string {
	s = strings.ToUpper(unidecode.Unidecode(s))
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c)
		case c == '\'' || c == '`':
		default:
			flush()
		}
	}
	flush()
	return out
}

// dropParticles removes particles unless nothing else would remain.
func dropParticles(ws []string) []string {
	kept := make([]string, 0, len(ws))
	for _, w := range ws {
		if !particles[w] {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		return ws
	}
	return kept
}

func newToken(text string, family bool) token {
	t := token{text: text, family: family}
	if !t.initial() {
		t.code1, t.code2 = matchr.DoubleMetaphone(text)
		if t.code2 == t.code1 {
			t.code2 = ""
		}
	}
	return t
}

// normalise splits a name into tokens, family names first, keeping at most
// maxTokens of them (family names take precedence).
func normalise(n docketcard.Name) normalisedName {
	var out normalisedName
	fam := dropParticles(words(n.FamilyNames))
	giv := dropParticles(words(n.GivenNames))
	if len(fam) > maxTokens-1 {
		fam = fam[:maxTokens-1]
	}
	if len(fam)+len(giv) > maxTokens {
		giv = giv[:maxTokens-len(fam)]
	}
	for _, w := range fam {
		out.family = append(out.family, newToken(w, true))
	}
	for _, w := range giv {
		out.given = append(out.given, newToken(w, false))
	}
	return out
}

// names returns the normalised primary name of p followed by its aliases,
// skipping empty ones.
func names(p *docketcard.Person) []normalisedName {
	out := make([]normalisedName, 0, 1+len(p.Aliases))
	for i, n := range append([]docketcard.Name{p.Name}, p.Aliases...) {
		if i > docketcard.MaxAliases {
			break
		}
		if nn := normalise(n); !nn.empty() {
			nn.source, nn.alias = n, i-1
			out = append(out, nn)
		}
	}
	return out
}

// codes returns the Double Metaphone codes of t (one or two).
func (t token) codes() []string {
	switch {
	case t.code1 == "":
		return nil
	case t.code2 == "":
		return []string{t.code1}
	}
	return []string{t.code1, t.code2}
}

// sameSound reports whether two tokens share a Double Metaphone code.
func sameSound(a, b token) bool {
	if a.code1 == "" || b.code1 == "" {
		return false
	}
	return a.code1 == b.code1 || a.code1 == b.code2 || (a.code2 != "" && (a.code2 == b.code1 || a.code2 == b.code2))
}

// Blocking key prefixes. Every key starts with one so that the kinds never
// collide in the index.
const (
	// keyFamilyYear is a phonetic code of one family-name token and the
	// birth year: "fy:KRS:1985". Catches accents, spelling variants that
	// sound alike, surnames in another order, a double surname recorded
	// as one, and any change to the given names.
	keyFamilyYear = "fy:"
	// keyGivenFamilyYear is a phonetic code of the first given name, the
	// first letter of one family-name token and the birth year:
	// "gf:HN:G:1985". Catches typos in the family name that change its
	// sound ("Garica" for "Garcia").
	keyGivenFamilyYear = "gf:"
	// keyFamilyGiven is the sorted phonetic codes of all family-name
	// tokens and the first given initial, without the year: "fs:KRS+LPS:J".
	// Catches a different or wrongly entered date of birth.
	keyFamilyGiven = "fs:"
	// keyFullName is the transliterated ASCII name with all its tokens
	// sorted: "n:GARCIA JUAN LOPEZ". Catches given and family names
	// recorded in each other's field, with any date of birth.
	keyFullName = "n:"
)

// NameKeys returns the blocking keys of p's name and aliases: short strings
// to be stored in an indexed column (one row per key) so that candidate
// duplicates of a new enrolment are found by looking up its keys, never by
// scanning. Two records are candidates when they share at least one key;
// Compare then decides.
//
// Keys are built from the name transliterated to upper-case ASCII, split
// into words, with particles (DE, LA, VAN, AL...) dropped. For each of the
// person's names (the primary one and every alias):
//
//   - fy:CODE:YEAR for each Double Metaphone code (primary and alternate)
//     of each family-name word, with the birth year;
//   - gf:CODE:L:YEAR for the codes of the first given name, the first letter
//     L of each family-name word, and the birth year;
//   - fs:CODES:I, the sorted primary codes of all family-name words joined
//     by "+", and the first given initial I (no year);
//   - n:WORDS, all words of the name sorted (no year).
//
// Single-letter words (initials) give no phonetic keys. The year keys are
// left out when the date of birth is unknown. The result is sorted and has
// no duplicates; it is at most a few dozen keys per name.
func NameKeys(p *docketcard.Person) []string {
	if p == nil {
		return nil
	}
	year := ""
	if p.DateOfBirth.Year > 0 {
		year = strconv.Itoa(p.DateOfBirth.Year)
	}
	set := map[string]struct{}{}
	add := func(parts ...string) { set[strings.Join(parts, "")] = struct{}{} }
	for _, n := range names(p) {
		var famCodes []string
		for _, f := range n.family {
			if f.initial() {
				continue
			}
			famCodes = append(famCodes, f.code1)
			if year != "" {
				for _, c := range f.codes() {
					add(keyFamilyYear, c, ":", year)
				}
			}
		}
		var first *token
		for i := range n.given {
			if !n.given[i].initial() {
				first = &n.given[i]
				break
			}
		}
		if first != nil && year != "" {
			for _, c := range first.codes() {
				for _, f := range n.family {
					add(keyGivenFamilyYear, c, ":", f.text[:1], ":", year)
				}
			}
		}
		if len(famCodes) > 0 {
			slices.Sort(famCodes)
			famCodes = slices.Compact(famCodes)
			initial := ""
			if len(n.given) > 0 {
				initial = n.given[0].text[:1]
			}
			add(keyFamilyGiven, strings.Join(famCodes, "+"), ":", initial)
		}
		all := n.all()
		texts := make([]string, len(all))
		for i, t := range all {
			texts[i] = t.text
		}
		slices.Sort(texts)
		add(keyFullName, strings.Join(texts, " "))
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Token similarity. tokenSimilarity scores two words in [0, 1]: 1 for the
// same word, the Jaro-Winkler similarity otherwise, raised to soundAlike
// when they share a Double Metaphone code, and initialMatch for an initial
// against a word it begins. Pairs scoring under minTokenSimilarity count as
// unmatched.
const (
	soundAlike         = 0.90
	initialMatch       = 0.85
	minTokenSimilarity = 0.82
)

func tokenSimilarity(a, b token) float64 {
	if a.text == b.text {
		return 1
	}
	if a.initial() || b.initial() {
		if a.text[0] == b.text[0] {
			return initialMatch
		}
		return 0
	}
	s := matchr.JaroWinkler(a.text, b.text, false)
	if sameSound(a, b) {
		s = max(s, soundAlike)
	}
	return s
}

// pair is one assignment of a token of name A to a token of name B.
type pair struct {
	a, b  token
	score float64
}

// nameMatch is the result of comparing two names.
type nameMatch struct {
	score        float64
	pairs        []pair
	unmatchedA   []token
	unmatchedB   []token
	nameA, nameB normalisedName // the names compared
	crossedParts bool           // a family name was matched to a given name
}

// compareNames scores two names in [0, 1], order-insensitively: each token
// of one is assigned to at most one token of the other so that the sum of
// token similarities is greatest (pairs under minTokenSimilarity do not
// count), and with S that sum, nA and nB the token counts,
//
//	score = 0.75·S/min(nA, nB) + 0.25·S/max(nA, nB)
//
// so that a name with an extra word (a second surname, a middle name)
// still scores high (GARCIA LOPEZ JUAN against GARCIA JUAN scores 0.92)
// while names sharing only one word of two score at most 0.5. If either
// name has two or more words but at most one word matches, the score is
// multiplied by 0.8: a shared surname alone is no evidence, even against
// a record that has nothing else.
func compareNames(a, b normalisedName) nameMatch {
	ta, tb := a.all(), b.all()
	swap := len(ta) > len(tb)
	if swap {
		ta, tb = tb, ta
	}
	m := nameMatch{}
	if len(ta) == 0 {
		return m
	}
	sim := make([][]float64, len(ta))
	for i := range ta {
		sim[i] = make([]float64, len(tb))
		for j := range tb {
			if s := tokenSimilarity(ta[i], tb[j]); s >= minTokenSimilarity {
				sim[i][j] = s
			}
		}
	}
	assign := bestAssignment(sim)
	usedB := make([]bool, len(tb))
	var sum float64
	matched := 0
	for i, j := range assign {
		if j < 0 || sim[i][j] == 0 {
			if swap {
				m.unmatchedB = append(m.unmatchedB, ta[i])
			} else {
				m.unmatchedA = append(m.unmatchedA, ta[i])
			}
			continue
		}
		usedB[j] = true
		sum += sim[i][j]
		matched++
		p := pair{a: ta[i], b: tb[j], score: sim[i][j]}
		if swap {
			p.a, p.b = p.b, p.a
		}
		if p.a.family != p.b.family {
			m.crossedParts = true
		}
		m.pairs = append(m.pairs, p)
	}
	for j, used := range usedB {
		if !used {
			if swap {
				m.unmatchedA = append(m.unmatchedA, tb[j])
			} else {
				m.unmatchedB = append(m.unmatchedB, tb[j])
			}
		}
	}
	nMin, nMax := float64(len(ta)), float64(len(tb))
	m.score = 0.75*sum/nMin + 0.25*sum/nMax
	if matched < 2 && len(tb) >= 2 {
		m.score *= 0.8
	}
	return m
}

// bestAssignment returns, for each row of sim (len(sim) <= len(sim[0]) <=
// maxTokens), the column assigned to it (or -1) so that no column is used
// twice and the sum of sim over the assignment is greatest. It is a dynamic
// programme over the subsets of columns: at most 8·2⁸ states.
func bestAssignment(sim [][]float64) []int {
	rows := len(sim)
	out := make([]int, rows)
	if rows == 0 {
		return out
	}
	cols := len(sim[0])
	full := 1 << cols
	// best[i][mask]: the greatest sum for rows i.. with columns in mask used.
	best := make([][]float64, rows+1)
	choice := make([][]int8, rows)
	for i := range best {
		best[i] = make([]float64, full)
	}
	for i := rows - 1; i >= 0; i-- {
		choice[i] = make([]int8, full)
		for mask := 0; mask < full; mask++ {
			b, c := best[i+1][mask], int8(-1) // leave row i unmatched
			for j := 0; j < cols; j++ {
				if mask&(1<<j) != 0 || sim[i][j] == 0 {
					continue
				}
				if v := sim[i][j] + best[i+1][mask|1<<j]; v > b {
					b, c = v, int8(j)
				}
			}
			best[i][mask], choice[i][mask] = b, c
		}
	}
	mask := 0
	for i := range rows {
		c := choice[i][mask]
		out[i] = int(c)
		if c >= 0 {
			mask |= 1 << c
		}
	}
	return out
}

// bestNameMatch compares every name of a (primary and aliases) with every
// name of b and returns the best match.
func bestNameMatch(a, b *docketcard.Person) (nameMatch, bool) {
	na, nb := names(a), names(b)
	var best nameMatch
	found := false
	for _, x := range na {
		for _, y := range nb {
			m := compareNames(x, y)
			m.nameA, m.nameB = x, y
			if !found || m.score > best.score {
				best, found = m, true
			}
		}
	}
	return best, found
}
