package screening

import (
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// tokInfo is one distinct token text of the index.
type tokInfo struct {
	text, fold, skel string
	dm1, dm2         string
	fmask, tmask     uint64  // letterMask of fold and text
	df               int32   // entities whose names contain it
	weight           float32 // informativeness in (0,1]: rare tokens near 1
}

// nameTok is one token of an indexed name.
type nameTok struct {
	id   uint32 // canonical form
	orig uint32 // the spelling as written, when it differs (else noTok)
	role uint8
	kind uint8
	skel bool
	w    float32 // occWeight of the token here
	raw  string
}

const noTok = ^uint32(0)

// gluePair is two tokens of a name glued into one (ABU BAKR → ABUBAKR).
type gluePair struct {
	a, b uint8
	id   uint32
}

// nameRec is one indexed name of an entity.
type nameRec struct {
	ent      int32
	idx      uint16 // index into Entity.Names
	strength Strength
	toks     []nameTok
	pairs    []gluePair // tokens that may be written as one word
	form     string     // the part of a composite list name indexed here ("" = all of it)
}

// Index is an immutable, searchable set of list entries, safe for
// concurrent queries. Build it with Build or LoadDir.
type Index struct {
	entities   []*Entity
	screenable []bool     // individuals and entries of unknown type
	pob        [][]string // country codes of each entry's places of birth
	byID       map[string]int
	versions   []ListVersion
	toks       []tokInfo
	tokID      map[string]uint32
	names      []nameRec
	block      map[string][]int32 // blocking key → names of screenable entries
	blockOther map[string][]int32 // … of organisations, vessels, aircraft
	nEnt       int
	builtAt    time.Time
	buildTime  time.Duration
	accPool    sync.Pool
}

// sourceRank orders lists for merging: the issuer's own file first, so
// that its record gives an entry its primary name.
func sourceRank(s string) int {
	switch s {
	case "OFAC-SDN":
		return 0
	case "OFAC-CONS":
		return 1
	case "UN":
		return 2
	case "US-CSL":
		return 3
	}
	return 4
}

// Build indexes lists. When several lists have the same Source (two SDN
// files), only the newest (by Date, then by argument order) is used and the
// others are reported as superseded by Versions. Entries with the same ID
// in different lists are merged: names, dates of birth, nationalities,
// documents and sources are united. Build does not modify the lists.
func Build(lists ...*List) *Index {
	start := time.Now()
	ix := &Index{byID: map[string]int{}, tokID: map[string]uint32{}, block: map[string][]int32{}, blockOther: map[string][]int32{}}
	// Supersession.
	newest := map[string]int{}
	for i, l := range lists {
		if l == nil {
			continue
		}
		j, ok := newest[l.Version.Source]
		if !ok || l.Version.Date >= lists[j].Version.Date {
			newest[l.Version.Source] = i
		}
	}
	var active []*List
	for i, l := range lists {
		if l == nil {
			continue
		}
		v := l.Version
		v.Superseded = newest[v.Source] != i
		ix.versions = append(ix.versions, v)
		if !v.Superseded {
			active = append(active, l)
		}
	}
	sort.SliceStable(active, func(a, b int) bool {
		return sourceRank(active[a].Version.Source) < sourceRank(active[b].Version.Source)
	})
	// Merge by ID.
	for _, l := range active {
		for _, e := range l.Entities {
			if e == nil || len(e.Names) == 0 {
				continue
			}
			if k, ok := ix.byID[e.ID]; ok {
				if !ix.ownsEntity(k) {
					ix.entities[k] = cloneEntity(ix.entities[k])
					ix.screenable[k] = true // marks the clone as owned; recomputed below
				}
				mergeEntity(ix.entities[k], e)
				continue
			}
			ix.byID[e.ID] = len(ix.entities)
			ix.entities = append(ix.entities, e)
			ix.screenable = append(ix.screenable, false)
		}
	}
	ix.nEnt = len(ix.entities)
	ix.pob = make([][]string, len(ix.entities))
	for k, e := range ix.entities {
		ix.screenable[k] = e.Type == TypeIndividual || e.Type == TypeUnknown
		for _, p := range e.PlacesOfBirth {
			if c := CountryCode(p); c != "" {
				ix.pob[k] = append(ix.pob[k], c)
			}
		}
	}
	ix.indexNames()
	ix.accPool.New = func() any { return newAccumulator(len(ix.names)) }
	ix.builtAt = time.Now()
	ix.buildTime = time.Since(start)
	return ix
}

// ownsEntity reports whether entities[k] is already a private copy. During
// the merge phase screenable doubles as that flag.
func (ix *Index) ownsEntity(k int) bool { return ix.screenable[k] }

func cloneEntity(e *Entity) *Entity {
	c := *e
	c.Names = slices.Clone(e.Names)
	c.DOBs = slices.Clone(e.DOBs)
	c.Nationalities = slices.Clone(e.Nationalities)
	c.Documents = slices.Clone(e.Documents)
	c.PlacesOfBirth = slices.Clone(e.PlacesOfBirth)
	c.Addresses = slices.Clone(e.Addresses)
	c.Programs = slices.Clone(e.Programs)
	c.Sources = slices.Clone(e.Sources)
	return &c
}

// mergeEntity adds what src knows about an entry to dst.
func mergeEntity(dst, src *Entity) {
	if dst.Type == TypeUnknown {
		dst.Type = src.Type
	}
	if dst.Gender == "" {
		dst.Gender = src.Gender
	}
	if dst.Title == "" {
		dst.Title = src.Title
	}
	for _, n := range src.Names {
		dup := false
		for _, m := range dst.Names {
			if strings.EqualFold(m.Full, n.Full) {
				dup = true
				break
			}
		}
		if !dup {
			if n.Strength == StrengthPrimary {
				n.Strength = StrengthStrong
			}
			dst.Names = append(dst.Names, n)
		}
	}
	for _, d := range src.DOBs {
		if !slices.ContainsFunc(dst.DOBs, func(x DOB) bool { return x.String() == d.String() }) {
			dst.DOBs = append(dst.DOBs, d)
		}
	}
	for _, c := range src.Nationalities {
		if !slices.ContainsFunc(dst.Nationalities, func(x Country) bool {
			return x.Raw == c.Raw || (c.Code != "" && x.Code == c.Code)
		}) {
			dst.Nationalities = append(dst.Nationalities, c)
		}
	}
	for _, d := range src.Documents {
		if !slices.ContainsFunc(dst.Documents, func(x Document) bool { return x.Type == d.Type && x.Number == d.Number }) {
			dst.Documents = append(dst.Documents, d)
		}
	}
	for _, p := range src.PlacesOfBirth {
		if !slices.Contains(dst.PlacesOfBirth, p) {
			dst.PlacesOfBirth = append(dst.PlacesOfBirth, p)
		}
	}
	for _, a := range src.Addresses {
		if !slices.Contains(dst.Addresses, a) {
			dst.Addresses = append(dst.Addresses, a)
		}
	}
	for _, p := range src.Programs {
		if !slices.Contains(dst.Programs, p) {
			dst.Programs = append(dst.Programs, p)
		}
	}
	dst.Sources = append(dst.Sources, src.Sources...)
}

var enumMarker = regexp.MustCompile(`(?:^|\s)[a-h]\)\s`)

// nameForms splits a composite list name into the names it holds:
// "A; B; C" and "a) A b) B" are several names; a parenthetical is dropped
// from the name ("ANGULO OROBIO (SEGUNDO), Jose") and, when it holds two
// words or more (the Latin form of an Arabic-script alias), indexed as a
// name of its own.
func nameForms(n Name) []Name {
	if !strings.ContainsAny(n.Full, "(;") && !enumMarker.MatchString(n.Full) {
		return []Name{n}
	}
	var inner []string
	main := n
	main.Full, inner = stripParens(n.Full)
	main.Family, _ = stripParens(n.Family)
	main.Given, _ = stripParens(n.Given)
	var out []Name
	parts := splitNameList(main.Full)
	if len(parts) == 1 {
		if strings.TrimSpace(main.Full) != "" {
			out = append(out, main)
		}
	} else {
		for _, p := range parts {
			out = append(out, Name{Full: p, Strength: n.Strength})
		}
	}
	for _, in := range inner {
		for _, p := range splitNameList(in) {
			if len(strings.Fields(p)) >= 2 {
				out = append(out, Name{Full: p, Strength: n.Strength})
			}
		}
	}
	return out
}

func splitNameList(s string) []string {
	s = enumMarker.ReplaceAllString(s, ";")
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.Trim(strings.TrimSpace(p), ",."); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// stripParens removes parenthesised parts of s and returns them apart.
func stripParens(s string) (string, []string) {
	if !strings.Contains(s, "(") {
		return s, nil
	}
	var b strings.Builder
	var inner []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			if depth == 0 {
				start = i + 1
			}
			depth++
		case ')':
			if depth > 0 {
				depth--
				if depth == 0 {
					inner = append(inner, s[start:i])
				}
			}
		default:
			if depth == 0 {
				b.WriteRune(r)
			}
		}
	}
	if depth > 0 {
		inner = append(inner, s[start:])
	}
	return strings.Join(strings.Fields(b.String()), " "), inner
}

// nameTokens tokenizes one list name, with roles when the list gives the
// structure.
func nameTokens(n Name) []rawToken {
	if n.Family != "" || n.Given != "" {
		t := tokenize(n.Family, roleFamily)
		g := tokenize(n.Given, roleGiven)
		for i := range g {
			g[i].pos += len(t)
		}
		return append(t, g...)
	}
	return tokenize(n.Full, roleUnknown)
}

func (ix *Index) intern(text string) uint32 {
	if id, ok := ix.tokID[text]; ok {
		return id
	}
	id := uint32(len(ix.toks))
	f := fold(text)
	d1, d2 := doubleMetaphone(text)
	ix.toks = append(ix.toks, tokInfo{text: text, fold: f, skel: skeleton(f), dm1: d1, dm2: d2, fmask: letterMask(f), tmask: letterMask(text)})
	ix.tokID[text] = id
	return id
}

func (ix *Index) indexNames() {
	seenInEnt := map[uint32]int32{}
	for k, e := range ix.entities {
		seen := map[string]bool{}
		for ni, n0 := range e.Names {
			if ni > math.MaxUint16 {
				break
			}
			for _, n := range nameForms(n0) {
				raw := nameTokens(n)
				if len(raw) == 0 {
					continue
				}
				var sig strings.Builder
				for _, t := range raw {
					sig.WriteString(t.text)
					sig.WriteByte(' ')
				}
				if seen[sig.String()] {
					continue
				}
				seen[sig.String()] = true
				rec := nameRec{ent: int32(k), idx: uint16(ni), strength: n.Strength}
				if n.Full != n0.Full {
					rec.form = n.Full
				}
				for _, t := range raw {
					id := ix.intern(t.text)
					orig := noTok
					if o := origSpelling(t); o != "" && t.kind == kindName {
						orig = ix.intern(o)
					}
					rec.toks = append(rec.toks, nameTok{id: id, orig: orig, role: t.role, kind: t.kind, skel: t.skel, raw: t.raw})
					if seenInEnt[id] != int32(k)+1 {
						seenInEnt[id] = int32(k) + 1
						ix.toks[id].df++
					}
				}
				glue := func(a, b int) {
					if a < maxAssign && b < maxAssign {
						rec.pairs = append(rec.pairs, gluePair{a: uint8(a), b: uint8(b), id: ix.intern(ix.toks[rec.toks[a].id].text + ix.toks[rec.toks[b].id].text)})
					}
				}
				for p := 0; p+1 < len(rec.toks); p++ {
					if glueable(rec.toks[p].kind, rec.toks[p+1].kind) && rec.toks[p].role == rec.toks[p+1].role {
						glue(p, p+1)
					}
					// DE LA CRUZ / DELACRUZ: a run of particles glued to its name.
					if rec.toks[p].kind == kindParticle && rec.toks[p+1].kind == kindParticle {
						q := p + 1
						text := ix.toks[rec.toks[p].id].text
						for q < len(rec.toks) && rec.toks[q].kind == kindParticle && rec.toks[q].role == rec.toks[p].role {
							text += ix.toks[rec.toks[q].id].text
							q++
						}
						if q < len(rec.toks) && q < maxAssign && rec.toks[q].kind == kindName && rec.toks[q].role == rec.toks[p].role {
							rec.pairs = append(rec.pairs, gluePair{a: uint8(p), b: uint8(q), id: ix.intern(text + ix.toks[rec.toks[q].id].text)})
						}
					}
				}
				// "ABBAS, Abu": the kunya ABU ABBAS written in two fields.
				for p, t := range rec.toks {
					if t.kind == kindName && bareCompoundPrefix[ix.toks[t.id].text] && t.role != roleUnknown {
						for q, u := range rec.toks {
							if q != p && u.kind == kindName && u.role != t.role {
								glue(p, q)
							}
						}
					}
				}
				ix.names = append(ix.names, rec)
			}
		}
	}
	n := float64(ix.nEnt)
	for i := range ix.toks {
		ix.toks[i].weight = idfWeight(int(ix.toks[i].df), n, ix.toks[i].text)
	}
	for ni := range ix.names {
		for p := range ix.names[ni].toks {
			t := &ix.names[ni].toks[p]
			t.w = occWeight(ix.toks[t.id].weight, t.kind)
		}
	}
	for ni := range ix.names {
		rec := &ix.names[ni]
		blk := ix.blockOther
		if ix.screenable[rec.ent] {
			blk = ix.block
		}
		seen := map[string]bool{}
		add := func(key string) {
			if !seen[key] {
				seen[key] = true
				blk[key] = append(blk[key], int32(ni))
			}
		}
		for _, t := range rec.toks {
			if t.kind == kindName {
				for _, k := range blockKeys(&ix.toks[t.id]) {
					add(k.key)
				}
			}
		}
		for _, g := range rec.pairs {
			ti := &ix.toks[g.id]
			add("t" + ti.text)
			add("m" + ti.dm1)
		}
	}
}

// glueable reports whether two adjacent tokens may be written as one word
// (ABU BAKR / ABUBAKR, JONG UN / JONGUN, AL TIKRITI / ALTIKRITI).
func glueable(a, b uint8) bool {
	return (a == kindName || a == kindArticle || a == kindParticle) && b == kindName
}

// idfWeight maps a token's entity frequency to a weight in [0.08, 1]:
// log(N/df) scaled by log(N). Common population names are capped.
func idfWeight(df int, n float64, text string) float32 {
	w := math.Log((n+1)/(float64(df)+1)) / math.Log(n+1)
	if w < 0.08 {
		w = 0.08
	}
	if w > 1 {
		w = 1
	}
	if commonNames[text] && w > commonCap {
		w = commonCap
	}
	return float32(w)
}

type blockKey struct {
	key      string
	strength float32
}

// blockKeys are the candidate-retrieval keys of a token, strongest first:
// the token itself, its Double Metaphone codes, its consonant skeleton and
// the first and last four letters of its folded form (so that a typo in
// either half still finds it).
func blockKeys(t *tokInfo) []blockKey {
	ks := make([]blockKey, 0, 6)
	ks = append(ks, blockKey{"t" + t.text, 1})
	if t.dm1 != "" {
		ks = append(ks, blockKey{"m" + t.dm1, 0.8})
	}
	if t.dm2 != "" {
		ks = append(ks, blockKey{"m" + t.dm2, 0.8})
	}
	if len(t.skel) >= 3 {
		ks = append(ks, blockKey{"k" + t.skel, 0.7})
	}
	// Prefix and suffix keys on the folded form and on the spelling, so
	// that a typo in either half, or one that folding moves (SOPHARY and
	// SOOHARY fold to SOFARI and SUHARI), still finds the name.
	for _, s := range []string{t.fold, t.text} {
		if len(s) >= 5 {
			ks = appendKey(ks, blockKey{"p" + s[:4], 0.6})
			ks = appendKey(ks, blockKey{"s" + s[len(s)-4:], 0.6})
		}
	}
	return ks
}

func appendKey(ks []blockKey, k blockKey) []blockKey {
	for _, x := range ks {
		if x.key == k.key {
			return ks
		}
	}
	return append(ks, k)
}

// Versions lists the list versions the index was built from, superseded
// ones included (with Superseded set and their entries left out).
func (ix *Index) Versions() []ListVersion { return slices.Clone(ix.versions) }

// Len is the number of entries (after merging).
func (ix *Index) Len() int { return ix.nEnt }

// Entity returns the entry with the given ID, or nil.
func (ix *Index) Entity(id string) *Entity {
	if k, ok := ix.byID[id]; ok {
		return ix.entities[k]
	}
	return nil
}

// Entities calls fn for every entry, in index order, until fn returns false.
func (ix *Index) Entities(fn func(*Entity) bool) {
	for _, e := range ix.entities {
		if !fn(e) {
			return
		}
	}
}

// BuildTime is how long Build took.
func (ix *Index) BuildTime() time.Duration { return ix.buildTime }

// BuiltAt is when the index was built.
func (ix *Index) BuiltAt() time.Time { return ix.builtAt }

// Names is the number of indexed names (primary names and aliases).
func (ix *Index) Names() int { return len(ix.names) }
