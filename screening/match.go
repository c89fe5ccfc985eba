package screening

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Query is a person to screen. FamilyNames and GivenNames follow ICAO:
// several family names (Hispanic double surnames) and several given names
// may be written in one field. Aliases are further {family, given} pairs.
type Query struct {
	FamilyNames string
	GivenNames  string
	Aliases     [][2]string
	DateOfBirth string // YYYY, YYYY-MM or YYYY-MM-DD
	Nationality string // ISO 3166-1 alpha-3 (a name or alpha-2 is mapped)
	Sex         string // M, F (X or "" say nothing)
	// AllTypes also screens organisations, vessels and aircraft; by
	// default only individuals and entries of unknown type are screened.
	AllTypes bool
}

// Result is one candidate entry for a query.
type Result struct {
	Entity      *Entity
	Score       float64 // calibrated, in [0,1]
	Band        string  // BandMatch, BandReview or BandNoMatch
	Explanation []string
	Detail      Detail
}

// Detail holds the evidence behind a score.
type Detail struct {
	QueryName     string   // the query name (primary or alias) that matched best
	ListName      string   // the list name it matched
	ListStrength  Strength // that name's strength
	QueryCoverage float64  // weighted share of the query's name tokens found on the list name
	ListCoverage  float64  // weighted share of the list name's tokens found in the query
	Information   float64  // weighted sum of matched tokens (rare tokens weigh more)
	NameLogit     float64  // log-odds from the name
	DOBLogit      float64  // log-odds added by the date of birth
	NatLogit      float64  // … by nationality (or country of birth)
	GenderLogit   float64  // … by gender
}

// Bands.
const (
	BandMatch   = "match"
	BandReview  = "review"
	BandNoMatch = "no_match"
)

// BandOf maps a score to its band.
func BandOf(score float64) string {
	switch {
	case score >= TMatch:
		return BandMatch
	case score >= TReview:
		return BandReview
	}
	return BandNoMatch
}

// qtok is a query token, or a glued pair of adjacent query tokens.
type qtok struct {
	text, fold, skel, dm1, dm2, raw string
	role, kind                      uint8
	skelOnly                        bool
	w                               float32
	a, b                            int   // for a glued pair: the two tokens it stands for; else a=b=index
	orig                            *qtok // the spelling as written, when the canonical form differs
	fmask, tmask                    uint64
}

type qname struct {
	label  string
	toks   []qtok // singles first, then glued pairs
	single int    // number of single tokens
	wsum   float32
}

func (ix *Index) newQtok(t rawToken) qtok {
	f := fold(t.text)
	q := qtok{text: t.text, fold: f, skel: skeleton(f), raw: t.raw, role: t.role, kind: t.kind, skelOnly: t.skel,
		fmask: letterMask(f), tmask: letterMask(t.text)}
	q.dm1, q.dm2 = doubleMetaphone(t.text)
	if o := origSpelling(t); o != "" && t.kind == kindName {
		of := fold(o)
		q.orig = &qtok{text: o, fold: of, skel: skeleton(of), kind: kindName, skelOnly: t.skel, fmask: letterMask(of), tmask: letterMask(o)}
		q.orig.dm1, q.orig.dm2 = doubleMetaphone(o)
	}
	base := float32(1)
	if id, ok := ix.tokID[t.text]; ok {
		base = ix.toks[id].weight
	} else if commonNames[t.text] {
		base = commonCap
	}
	q.w = occWeight(base, t.kind)
	return q
}

func occWeight(base float32, kind uint8) float32 {
	switch kind {
	case kindArticle:
		return min(base, 0.1)
	case kindParticle:
		return min(base, 0.25)
	case kindTitle:
		return 0.05
	case kindInitial:
		return min(base, 0.3)
	}
	return base
}

func (ix *Index) prepareName(family, given string) *qname {
	fam := tokenize(family, roleFamily)
	giv := tokenize(given, roleGiven)
	if len(fam) == 0 || len(giv) == 0 {
		// One field only: its structure is unknown.
		for i := range fam {
			fam[i].role = roleUnknown
		}
		for i := range giv {
			giv[i].role = roleUnknown
		}
	}
	all := append(fam, giv...)
	if len(all) == 0 {
		return nil
	}
	if len(all) > maxAssign {
		all = all[:maxAssign]
	}
	qn := &qname{label: strings.TrimSpace(strings.TrimSpace(family) + ", " + strings.TrimSpace(given))}
	qn.label = strings.Trim(qn.label, ", ")
	for i, t := range all {
		q := ix.newQtok(t)
		q.a, q.b = i, i
		qn.toks = append(qn.toks, q)
		qn.wsum += q.w
	}
	qn.single = len(qn.toks)
	glue := func(i, j int) {
		a, b := all[i], all[j]
		g := ix.newQtok(rawToken{text: a.text + b.text, raw: a.raw + " " + b.raw, kind: kindName, role: a.role})
		g.orig = nil
		g.w = qn.toks[i].w + qn.toks[j].w
		g.a, g.b = i, j
		qn.toks = append(qn.toks, g)
	}
	for i := 0; i+1 < qn.single; i++ {
		a, b := all[i], all[i+1]
		if glueable(a.kind, b.kind) && a.role == b.role {
			glue(i, i+1)
		}
		// DE LA CRUZ / DELACRUZ: a run of particles glued to its name.
		if a.kind == kindParticle && b.kind == kindParticle {
			j := i + 1
			text, raw := a.text, a.raw
			for j < qn.single && all[j].kind == kindParticle && all[j].role == a.role {
				text += all[j].text
				raw += " " + all[j].raw
				j++
			}
			if j < qn.single && all[j].kind == kindName && all[j].role == a.role {
				g := ix.newQtok(rawToken{text: text + all[j].text, raw: raw + " " + all[j].raw, kind: kindName, role: a.role})
				g.orig = nil
				g.w = qn.toks[i].w + qn.toks[j].w
				g.a, g.b = i, j
				qn.toks = append(qn.toks, g)
			}
		}
	}
	// A bare ABU, ABD or UMM left alone in its field (the rest of the
	// compound typed into the other field) glues with any name word.
	for i := 0; i < qn.single; i++ {
		if all[i].kind != kindName || !bareCompoundPrefix[all[i].text] {
			continue
		}
		for j := 0; j < qn.single; j++ {
			if j != i && j != i+1 && all[j].kind == kindName && all[j].role != all[i].role {
				glue(i, j)
			}
		}
	}
	return qn
}

// bareCompoundPrefix are the canonical forms of ABU, ABD and UMM when no
// word followed them in their field.
var bareCompoundPrefix = map[string]bool{"ABU": true, "ABD": true, "ABDUL": true, "ABDEL": true, "UMM": true}

// origSpelling is a token as written (words run together), or "" when that
// is its canonical form.
func origSpelling(t rawToken) string {
	o := strings.ReplaceAll(t.raw, " ", "")
	if o == t.text || o == "" {
		return ""
	}
	return o
}

// accumulator is the per-query scratch space of candidate retrieval.
type accumulator struct {
	memo    simMemo
	acc     []float32
	mark    []uint32
	stamp   uint32
	touched []int32
}

func newAccumulator(n int) *accumulator {
	return &accumulator{acc: make([]float32, n), mark: make([]uint32, n), memo: make(simMemo, 512)}
}

func (a *accumulator) reset() {
	for _, n := range a.touched {
		a.acc[n] = 0
	}
	a.touched = a.touched[:0]
}

// maxCandidates is how many names per query name go on to full scoring.
const maxCandidates = 96

// retrieve finds candidate names through the blocking keys: each query
// token adds its weight times the strength of its best key to every name
// that shares a key; the best maxCandidates names are returned.
func (ix *Index) retrieve(qn *qname, a *accumulator, allTypes bool) []int32 {
	a.reset()
	maps := []map[string][]int32{ix.block}
	if allTypes {
		maps = append(maps, ix.blockOther)
	}
	var tk tokInfo
	for _, q := range qn.toks {
		if q.kind != kindName || len(q.text) < 2 {
			continue
		}
		a.stamp++
		if a.stamp == 0 { // wrapped: clear marks
			clear(a.mark)
			a.stamp = 1
		}
		tk = tokInfo{text: q.text, fold: q.fold, skel: q.skel, dm1: q.dm1, dm2: q.dm2}
		w := q.w
		if q.a != q.b {
			w *= 0.5 // glued pair: its two tokens also search on their own
		}
		for ki, k := range blockKeys(&tk) {
			for _, m := range maps {
				post := m[k.key]
				if len(post) == 0 {
					continue
				}
				inc := w * k.strength
				if ki > 0 {
					// A derived key (sound, skeleton, prefix) is only as
					// telling as it is rare: a one-letter Double Metaphone
					// code is shared by thousands of names.
					inc = k.strength * min(w, ix.keyWeight(len(post)))
				}
				for _, n := range post {
					if a.mark[n] == a.stamp {
						continue
					}
					a.mark[n] = a.stamp
					if a.acc[n] == 0 {
						a.touched = append(a.touched, n)
					}
					a.acc[n] += inc
				}
			}
		}
	}
	if len(a.touched) <= maxCandidates {
		return append([]int32(nil), a.touched...)
	}
	top := append([]int32(nil), a.touched...)
	selectTop(top, a.acc, maxCandidates)
	return top[:maxCandidates]
}

// keyWeight is the informativeness of a blocking key shared by n names,
// on the scale of token weights.
func (ix *Index) keyWeight(n int) float32 {
	total := float64(len(ix.names))
	return float32(math.Log((total+1)/(float64(n)+1)) / math.Log(total+1))
}

// selectTop reorders ids so that the k with the highest score come first
// (quickselect; ties by lower id, so the result is deterministic).
func selectTop(ids []int32, score []float32, k int) {
	less := func(x, y int32) bool { // x ranks before y
		if score[x] != score[y] {
			return score[x] > score[y]
		}
		return x < y
	}
	lo, hi := 0, len(ids)-1
	for lo < hi {
		p := ids[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for less(ids[i], p) {
				i++
			}
			for less(p, ids[j]) {
				j--
			}
			if i <= j {
				ids[i], ids[j] = ids[j], ids[i]
				i++
				j--
			}
		}
		if k-1 <= j {
			hi = j
		} else if k-1 >= i {
			lo = i
		} else {
			return
		}
	}
}

// simMemo caches token similarities within one query name.
type simMemo map[uint64]float32

// textSim compares a query token with a list token by spelling and sound:
//   - equal canonical forms (after the variant classes) score 1;
//   - equal folded forms (KH/H, OU/U, doubled letters…) 0.95;
//   - otherwise Jaro-Winkler on the folded forms, raised halfway to 1 when
//     the Double Metaphone codes agree, then mapped from [0.8, 1] to
//     [0, 0.92]; below 0.8 nothing. Tokens of three letters or fewer need
//     the codes to agree (KIM and KIN are different names);
//   - a token written without vowels (Arabic script) is compared by
//     consonant skeleton.
func textSim(q *qtok, t *tokInfo) float32 {
	if q.text == t.text {
		return 1
	}
	if q.fold == t.fold {
		return 0.95
	}
	if q.skelOnly {
		if q.skel == t.skel && len(t.skel) >= 2 {
			return 0.85
		}
		jw := jaroWinkler(q.skel, t.skel)
		if jw < 0.88 {
			return 0
		}
		return float32((jw - 0.88) / 0.12 * 0.8)
	}
	dm := q.dm1 != "" && (q.dm1 == t.dm1 || q.dm1 == t.dm2) || q.dm2 != "" && (q.dm2 == t.dm1 || q.dm2 == t.dm2)
	short := min(len(q.text), len(t.text)) <= 3
	if short && !dm {
		if oneDeletion(q.text, t.text) && max(len(q.text), len(t.text)) >= 4 {
			return 0.45 // HAA for HALA: a dropped letter
		}
		return 0
	}
	// The Jaro-Winkler needed for a non-zero similarity: 0.8, or 0.6 when
	// the Double Metaphone codes agree (base = jw + (1-jw)/2 ≥ 0.8).
	need := 0.8
	if dm && !short {
		need = 0.6
	}
	jw := 0.0
	if jwBound(q.fold, t.fold, q.fmask, t.fmask) >= need {
		jw = jaroWinkler(q.fold, t.fold)
	}
	if jw < 0.97 && (q.text != q.fold || t.text != t.fold) && jwBound(q.text, t.text, q.tmask, t.tmask) >= need {
		jw = max(jw, jaroWinkler(q.text, t.text))
	}
	if short && jw < 0.8 {
		return 0
	}
	base := jw
	if dm {
		base += (1 - base) * 0.5
	}
	if base < 0.8 {
		return 0
	}
	return float32((base - 0.8) / 0.2 * 0.92)
}

// letterMask is the set of letters and digits of s.
func letterMask(s string) uint64 {
	var m uint64
	for i := 0; i < len(s); i++ {
		m |= 1 << (s[i] & 63)
	}
	return m
}

// jwBound is an upper bound of jaroWinkler(a, b) from the letters they
// share: no more characters can match than those of a found in b and of b
// found in a. It is cheap and lets most dissimilar pairs skip the real
// computation.
func jwBound(a, b string, ma, mb uint64) float64 {
	ca, cb := 0, 0
	for i := 0; i < len(a); i++ {
		if mb&(1<<(a[i]&63)) != 0 {
			ca++
		}
	}
	for i := 0; i < len(b); i++ {
		if ma&(1<<(b[i]&63)) != 0 {
			cb++
		}
	}
	m := float64(min(ca, cb))
	if m == 0 {
		return 0
	}
	j := (m/float64(len(a)) + m/float64(len(b)) + 1) / 3
	return j + 0.4*(1-j)
}

// oneDeletion reports whether the shorter of a, b is the longer with one
// letter removed.
func oneDeletion(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b) != len(a)+1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	return a[i:] == b[i+1:]
}

// pairSim is the similarity of query token qi and list token lt, with the
// rules for the light tokens: articles match articles, particles and
// titles match themselves, an initial matches a name with that first
// letter at 0.6. Name tokens are compared in their canonical forms and, when
// those differ from the spelling as written, in the written forms too
// (a typo in MOHAMMAD is nearer MOHAMMAD than MUHAMMAD).
func (ix *Index) pairSim(qn *qname, qi int, lt nameTok, memo simMemo) float32 {
	q := &qn.toks[qi]
	t := &ix.toks[lt.id]
	qk, lkind := q.kind, lt.kind
	switch {
	case qk == kindName && lkind == kindName:
		s := ix.memoSim(q, uint64(qi), lt.id, lt.skel, memo)
		if s == 1 {
			// The same name: exact only if spelled the same way too
			// (MAHMOOD is MAHMUD, but a little less than MAHMUD is).
			qw, lw := q.text, t.text
			if q.orig != nil {
				qw = q.orig.text
			}
			if lt.orig != noTok {
				lw = ix.toks[lt.orig].text
			}
			if qw != lw {
				return sameNameOtherSpelling
			}
			return 1
		}
		if s >= 0.95 || s == 0 {
			// Spellings as written only refine a likeness already seen.
			return s
		}
		if lt.orig != noTok {
			s = max(s, ix.memoSim(q, uint64(qi)|1<<20, lt.orig, lt.skel, memo))
		}
		if q.orig != nil {
			s = max(s, ix.memoSim(q.orig, uint64(qi)|2<<20, lt.id, lt.skel, memo))
			if lt.orig != noTok {
				s = max(s, ix.memoSim(q.orig, uint64(qi)|3<<20, lt.orig, lt.skel, memo))
			}
		}
		return s
	case qk == kindInitial || lkind == kindInitial:
		if q.text == t.text {
			return 1
		}
		if qk == kindInitial && lkind == kindName && len(t.text) > 0 && t.text[0] == q.text[0] {
			return 0.6
		}
		if lkind == kindInitial && qk == kindName && len(q.text) > 0 && q.text[0] == t.text[0] {
			return 0.6
		}
		return 0
	default:
		if q.text == t.text {
			return 1
		}
		return 0
	}
}

func (ix *Index) memoSim(q *qtok, qkey uint64, id uint32, lskel bool, memo simMemo) float32 {
	key := qkey<<32 | uint64(id)
	if s, ok := memo[key]; ok {
		return s
	}
	t := &ix.toks[id]
	var s float32
	switch {
	case q.text == t.text:
		s = 1
	case lskel && !q.skelOnly:
		// The list token was written without vowels: compare skeletons.
		qq := qtok{text: q.text, fold: q.skel, skel: q.skel, skelOnly: true, fmask: letterMask(q.skel), tmask: q.tmask}
		tt := tokInfo{text: t.text, fold: t.skel, skel: t.skel, fmask: letterMask(t.skel), tmask: t.tmask}
		s = textSim(&qq, &tt)
	default:
		s = textSim(q, t)
	}
	memo[key] = s
	return s
}

// sameNameOtherSpelling is the similarity of two spellings of one name
// (the same variant class or compound): high, but below an exact match.
const sameNameOtherSpelling = 0.98

// rolePenalty applies when a token matches across given and family names
// (swapped fields).
const rolePenalty = 0.95

// nameMatch is the outcome of comparing one query name with one list name.
type nameMatch struct {
	covQ, covC, info float64
	logit            float64
	pairs            []matchedPair // only when explaining
	unmatchedQ       []int
	unmatchedC       []int
}

type matchedPair struct {
	q     int // query token (may be a glued pair)
	c     int // list token index
	cPair bool
	glue  int // when cPair: index into nameRec.pairs
	sim   float32
}

// scoreName compares qn with list name rec: similarity of every token
// pair, the best one-to-one assignment (Hungarian method) maximising the
// weighted similarity, a second look at glued forms (ABU BAKR/ABUBAKR),
// then coverage of both sides and the information matched.
func (ix *Index) scoreName(qn *qname, rec *nameRec, memo simMemo, explain bool) nameMatch {
	nq := qn.single
	nc := len(rec.toks)
	if nc > maxAssign {
		nc = maxAssign
	}
	var sim, prof [maxAssign][maxAssign]float32
	var wq [maxAssign]float32
	var wc [maxAssign]float32
	var wcSum float32
	for j := 0; j < len(rec.toks); j++ {
		w := rec.toks[j].w
		if j < nc {
			wc[j] = w
		}
		wcSum += w
	}
	for i := 0; i < nq; i++ {
		wq[i] = qn.toks[i].w
		for j := 0; j < nc; j++ {
			t := rec.toks[j]
			s := ix.pairSim(qn, i, t, memo)
			if s > 0 && qn.toks[i].role != roleUnknown && t.role != roleUnknown && qn.toks[i].role != t.role {
				s *= rolePenalty
			}
			sim[i][j] = s
			prof[i][j] = s * (wq[i] + wc[j]) / 2
		}
	}
	var col [maxAssign]int
	assign(&prof, nq, nc, &col)
	best := assignment{}
	best.fromCols(&col, &sim, &wq, &wc, nq)

	// Glued forms: a query pair against one list token, or a list pair
	// against one query token.
	for g := nq; g < len(qn.toks); g++ {
		gt := &qn.toks[g]
		for j := 0; j < nc; j++ {
			t := rec.toks[j]
			if t.kind != kindName {
				continue
			}
			s := ix.pairSim(qn, g, t, memo)
			if s < 0.7 || s <= max(sim[gt.a][j], sim[gt.b][j])+0.05 {
				continue
			}
			alt := ix.assignMerged(qn, rec, &sim, &wq, &wc, nq, nc, gt.a, gt.b, j, -1, s)
			if alt.total > best.total {
				best = alt
			}
		}
	}
	for gi, g := range rec.pairs {
		pa, pb := int(g.a), int(g.b)
		if pa >= nc || pb >= nc {
			continue
		}
		for i := 0; i < nq; i++ {
			if qn.toks[i].kind != kindName {
				continue
			}
			s := ix.pairSim(qn, i, nameTok{id: g.id, kind: kindName, orig: noTok}, memo)
			if s < 0.7 || s <= max(sim[i][pa], sim[i][pb])+0.05 {
				continue
			}
			alt := ix.assignMerged(qn, rec, &sim, &wq, &wc, nq, nc, i, i, pa, pb, s)
			alt.pairs[0].glue = gi
			if alt.total > best.total {
				best = alt
			}
		}
	}
	var qsum float32
	for i := 0; i < nq; i++ {
		qsum += wq[i]
	}
	m := nameMatch{}
	if qsum > 0 {
		m.covQ = float64(best.matchedQ / qsum)
	}
	if wcSum > 0 {
		m.covC = float64(best.matchedC / wcSum)
	}
	m.info = float64(best.total)
	m.logit = nameLogit(m.covQ, m.covC, m.info, rec.strength)
	if explain {
		m.pairs = best.pairs
		usedQ := make([]bool, nq)
		usedC := make([]bool, len(rec.toks))
		for _, p := range best.pairs {
			t := &qn.toks[p.q]
			usedQ[t.a], usedQ[t.b] = true, true
			usedC[p.c] = true
			if p.cPair {
				usedC[rec.pairs[p.glue].b] = true
			}
		}
		for i, u := range usedQ {
			if !u {
				m.unmatchedQ = append(m.unmatchedQ, i)
			}
		}
		for j, u := range usedC {
			if !u {
				m.unmatchedC = append(m.unmatchedC, j)
			}
		}
	}
	return m
}

// assignment is a solved token assignment.
type assignment struct {
	total              float32 // Σ similarity × mean weight of the pair
	matchedQ, matchedC float32 // Σ similarity × weight, per side
	pairs              []matchedPair
}

func (a *assignment) fromCols(col *[maxAssign]int, sim *[maxAssign][maxAssign]float32, wq, wc *[maxAssign]float32, nq int) {
	for i := 0; i < nq; i++ {
		j := col[i]
		if j < 0 || sim[i][j] <= 0 {
			continue
		}
		s := sim[i][j]
		a.total += s * (wq[i] + wc[j]) / 2
		a.matchedQ += s * wq[i]
		a.matchedC += s * wc[j]
		a.pairs = append(a.pairs, matchedPair{q: i, c: j, sim: s})
	}
}

// assignMerged solves the assignment again with query tokens qa and qb glued
// and matched to list token c (cb < 0), or query token qa matched to list
// tokens c, cb glued, at similarity s; the rest is assigned as usual.
func (ix *Index) assignMerged(qn *qname, rec *nameRec, sim *[maxAssign][maxAssign]float32, wq, wc *[maxAssign]float32,
	nq, nc, qa, qb, c, cb int, s float32) assignment {
	var rows, cols [maxAssign]int
	nr, ncol := 0, 0
	for i := 0; i < nq; i++ {
		if i != qa && i != qb {
			rows[nr] = i
			nr++
		}
	}
	for j := 0; j < nc; j++ {
		if j != c && j != cb {
			cols[ncol] = j
			ncol++
		}
	}
	var prof [maxAssign][maxAssign]float32
	for r := 0; r < nr; r++ {
		for k := 0; k < ncol; k++ {
			i, j := rows[r], cols[k]
			prof[r][k] = sim[i][j] * (wq[i] + wc[j]) / 2
		}
	}
	var col [maxAssign]int
	assign(&prof, nr, ncol, &col)
	var a assignment
	// The glued pair.
	gw := wq[qa]
	if qb != qa {
		gw += wq[qb]
	}
	cw := wc[c]
	if cb >= 0 {
		cw += wc[cb]
	}
	a.total = s * (gw + cw) / 2
	a.matchedQ = s * gw
	a.matchedC = s * cw
	gq := qa
	if qb != qa {
		for g := qn.single; g < len(qn.toks); g++ {
			if qn.toks[g].a == qa && qn.toks[g].b == qb {
				gq = g
				break
			}
		}
	}
	a.pairs = append(a.pairs, matchedPair{q: gq, c: c, cPair: cb >= 0, sim: s})
	for r := 0; r < nr; r++ {
		k := col[r]
		if k < 0 {
			continue
		}
		i, j := rows[r], cols[k]
		if sim[i][j] <= 0 {
			continue
		}
		a.total += sim[i][j] * (wq[i] + wc[j]) / 2
		a.matchedQ += sim[i][j] * wq[i]
		a.matchedC += sim[i][j] * wc[j]
		a.pairs = append(a.pairs, matchedPair{q: i, c: j, sim: sim[i][j]})
	}
	return a
}

// candidate is the best name match of one entity for a query.
type candidate struct {
	ent   int32
	qn    *qname
	name  int32 // index into ix.names
	nm    nameMatch
	logit float64
	d     Detail
}

// Screen returns up to limit entries that may be the person described by
// q, best first, each with a calibrated score, a band and an explanation.
// Only names that share a blocking key with the query are compared; the
// whole list is never scanned.
func (ix *Index) Screen(q Query, limit int) []Result {
	if ix == nil || len(ix.names) == 0 {
		return nil
	}
	if limit <= 0 {
		limit = 10
	}
	var qnames []*qname
	if qn := ix.prepareName(q.FamilyNames, q.GivenNames); qn != nil {
		qnames = append(qnames, qn)
	}
	for _, a := range q.Aliases {
		if qn := ix.prepareName(a[0], a[1]); qn != nil {
			qnames = append(qnames, qn)
		}
	}
	if len(qnames) == 0 {
		return nil
	}
	acc := ix.accPool.Get().(*accumulator)
	defer ix.accPool.Put(acc)
	best := map[int32]*candidate{}
	for _, qn := range qnames {
		memo := acc.memo
		clear(memo)
		for _, ni := range ix.retrieve(qn, acc, q.AllTypes) {
			rec := &ix.names[ni]
			nm := ix.scoreName(qn, rec, memo, false)
			c, ok := best[rec.ent]
			if !ok || nm.logit > c.nm.logit {
				if !ok {
					c = &candidate{ent: rec.ent}
					best[rec.ent] = c
				}
				c.qn, c.name, c.nm = qn, ni, nm
			}
		}
	}
	qdob, hasDOB := ParseQueryDate(q.DateOfBirth)
	qnat := CountryCode(q.Nationality)
	qsex := strings.ToUpper(strings.TrimSpace(q.Sex))
	cands := make([]*candidate, 0, len(best))
	for _, c := range best {
		e := ix.entities[c.ent]
		c.d.DOBLogit = dobLogit(qdob, hasDOB, e.DOBs)
		c.d.NatLogit = natLogit(qnat, e, ix.pob[c.ent])
		c.d.GenderLogit, _ = genderEvidence(qsex, e.Gender)
		c.logit = c.nm.logit + demographics(c.nm.logit, c.d.DOBLogit, c.d.NatLogit, c.d.GenderLogit)
		cands = append(cands, c)
	}
	sort.Slice(cands, func(a, b int) bool {
		if cands[a].logit != cands[b].logit {
			return cands[a].logit > cands[b].logit
		}
		if cands[a].nm.logit != cands[b].nm.logit {
			return cands[a].nm.logit > cands[b].nm.logit
		}
		return ix.entities[cands[a].ent].ID < ix.entities[cands[b].ent].ID
	})
	if len(cands) > limit {
		cands = cands[:limit]
	}
	out := make([]Result, 0, len(cands))
	for _, c := range cands {
		score := sigmoid(c.logit)
		if score < MinScore {
			continue
		}
		out = append(out, ix.result(c, qdob, hasDOB, qnat, qsex, score))
	}
	return out
}

// MinScore is the lowest score Screen returns.
const MinScore = 0.001

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func (ix *Index) result(c *candidate, qdob DOB, hasDOB bool, qnat, qsex string, score float64) Result {
	e := ix.entities[c.ent]
	rec := &ix.names[c.name]
	nm := ix.scoreName(c.qn, rec, make(simMemo, 32), true)
	ln := e.Names[rec.idx]
	if rec.form != "" {
		ln.Full = rec.form
	}
	d := c.d
	d.QueryName = c.qn.label
	d.ListName = ln.Full
	d.ListStrength = ln.Strength
	d.QueryCoverage, d.ListCoverage, d.Information, d.NameLogit = nm.covQ, nm.covC, nm.info, nm.logit
	r := Result{Entity: e, Score: score, Band: BandOf(score), Detail: d}
	ex := []string{fmt.Sprintf("name: query %q vs list %q (%s name of %s)", c.qn.label, ln.Full, ln.Strength, e.ID)}
	for _, p := range nm.pairs {
		qt := &c.qn.toks[p.q]
		lt := rec.toks[p.c]
		lraw := lt.raw
		ltext := ix.toks[lt.id].text
		if p.cPair {
			g := rec.pairs[p.glue]
			lraw = rec.toks[g.a].raw + " " + rec.toks[g.b].raw
			ltext = ix.toks[g.id].text
		}
		ex = append(ex, "  "+describePair(qt, lt, lraw, ltext, p.sim, ix))
	}
	for _, i := range nm.unmatchedQ {
		qt := &c.qn.toks[i]
		ex = append(ex, fmt.Sprintf("  query %s %q: no counterpart on the list name (weight %.2f)", roleWord(qt.role), qt.raw, qt.w))
	}
	for _, j := range nm.unmatchedC {
		lt := rec.toks[j]
		ex = append(ex, fmt.Sprintf("  list %s %q: not in the query (weight %.2f)", roleWord(lt.role), lt.raw, lt.w))
	}
	ex = append(ex, fmt.Sprintf("  name evidence: query coverage %.2f, list coverage %.2f, information %.2f → log-odds %+.2f",
		nm.covQ, nm.covC, nm.info, nm.logit))
	_, dobText := dobEvidence(qdob, hasDOB, e.DOBs)
	ex = append(ex, fmt.Sprintf("date of birth: %s (%+.2f)", dobText, d.DOBLogit))
	_, natText := natEvidence(qnat, e)
	ex = append(ex, fmt.Sprintf("nationality: %s (%+.2f)", natText, d.NatLogit))
	_, gText := genderEvidence(qsex, e.Gender)
	ex = append(ex, fmt.Sprintf("gender: %s (%+.2f)", gText, d.GenderLogit))
	ex = append(ex, fmt.Sprintf("score %.4f → %s (match ≥ %.2f, review ≥ %.2f)", score, r.Band, TMatch, TReview))
	r.Explanation = ex
	return r
}

func roleWord(r uint8) string {
	switch r {
	case roleGiven:
		return "given name"
	case roleFamily:
		return "family name"
	}
	return "name"
}

func describePair(qt *qtok, lt nameTok, lraw, ltext string, s float32, ix *Index) string {
	how := ""
	switch {
	case qt.text == ltext && strings.EqualFold(qt.raw, lraw):
		how = "exact"
	case qt.text == ltext:
		how = "same name, another spelling or form (" + qt.text + ")"
	case fold(qt.text) == fold(ltext):
		how = "transliteration variant (" + fold(qt.text) + ")"
	default:
		d1, d2 := doubleMetaphone(qt.text)
		l1, l2 := doubleMetaphone(ltext)
		phon := d1 != "" && (d1 == l1 || d1 == l2) || d2 != "" && (d2 == l1 || d2 == l2)
		jw := jaroWinkler(fold(qt.text), fold(ltext))
		if phon {
			how = fmt.Sprintf("sounds alike (Double Metaphone %s), Jaro-Winkler %.2f", d1, jw)
		} else {
			how = fmt.Sprintf("spelled alike, Jaro-Winkler %.2f", jw)
		}
		if qt.kind == kindInitial || lt.kind == kindInitial {
			how = "initial"
		}
	}
	role := roleWord(qt.role)
	cross := ""
	if qt.role != roleUnknown && lt.role != roleUnknown && qt.role != lt.role {
		cross = fmt.Sprintf(", %s on the list (swapped)", roleWord(lt.role))
	}
	return fmt.Sprintf("%s %q ~ %q: %s, similarity %.2f, weight %.2f%s", role, qt.raw, lraw, how, s, qt.w, cross)
}
