package evalgen

import (
	"slices"
	"sort"
	"strings"

	"github.com/docketcard/docketcard/screening"
)

// crossRef finds other records of the same person, so that a variant of
// the OFAC record of someone the UN also lists counts as found when the
// UN record comes first. Two records are the same person when they carry
// the same name (after Norm), or when they are in different lists (ID
// namespaces), one name of each shares at least half its words with the
// other (Jaccard ≥ 0.5, at least two words in common) and they have dates
// of birth at most a year apart.
type crossRef struct {
	byNorm map[string][]string
	byWord map[string][]*screening.Entity
}

func newCrossRef(ix *screening.Index, byNorm map[string][]string) *crossRef {
	c := &crossRef{byNorm: byNorm, byWord: map[string][]*screening.Entity{}}
	ix.Entities(func(e *screening.Entity) bool {
		seen := map[string]bool{}
		for _, n := range e.Names {
			for _, w := range strings.Fields(Norm(n.Full)) {
				if len(w) >= 3 && !seen[w] {
					seen[w] = true
					c.byWord[w] = append(c.byWord[w], e)
				}
			}
		}
		return true
	})
	return c
}

func namespace(id string) string {
	if i := strings.IndexByte(id, ':'); i >= 0 {
		return id[:i]
	}
	return id
}

func (c *crossRef) same(e *screening.Entity, n screening.Name) []string {
	var out []string
	for _, id := range c.byNorm[Norm(n.Full)] {
		if id != e.ID {
			out = append(out, id)
		}
	}
	src := strings.Fields(Norm(n.Full))
	for _, w := range src {
		if len(c.byWord[w]) > 200 {
			continue // a common word finds nothing the rare ones miss
		}
		for _, f := range c.byWord[w] {
			if f.ID == e.ID || namespace(f.ID) == namespace(e.ID) || slices.Contains(out, f.ID) {
				continue
			}
			if !datesAgree(e.DOBs, f.DOBs) {
				continue
			}
			for _, fn := range f.Names {
				if similarWords(src, strings.Fields(Norm(fn.Full))) {
					out = append(out, f.ID)
					break
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func similarWords(a, b []string) bool {
	common := 0
	for _, w := range a {
		if slices.Contains(b, w) {
			common++
		}
	}
	union := len(a) + len(b) - common
	return common >= 2 && union > 0 && 2*common >= union
}

func datesAgree(a, b []screening.DOB) bool {
	for _, x := range a {
		for _, y := range b {
			xl, xh := x.Year, max(x.Year, x.ToYear)
			yl, yh := y.Year, max(y.Year, y.ToYear)
			if xl <= yh+1 && yl <= xh+1 {
				return true
			}
		}
	}
	return false
}
