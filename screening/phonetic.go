package screening

import (
	"github.com/antzucaro/matchr"
)

// doubleMetaphone returns the primary and alternate Double Metaphone codes
// of an ASCII upper-case token (matchr; codes are at most 4 long).
func doubleMetaphone(s string) (string, string) {
	if s == "" {
		return "", ""
	}
	p, a := matchr.DoubleMetaphone(s)
	if a == p {
		a = ""
	}
	return p, a
}

// jaroWinkler is the Jaro-Winkler similarity of two ASCII strings, with
// the standard prefix scale 0.1 over at most 4 characters. It allocates
// nothing for strings up to 64 bytes (names), which matters because the
// matcher calls it thousands of times a query; it agrees with
// matchr.JaroWinkler(a, b, false) (see TestJaroWinklerAgreesWithMatchr).
func jaroWinkler(a, b string) float64 {
	if a == b {
		if a == "" {
			return 0
		}
		return 1
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	if la > 64 || lb > 64 {
		return matchr.JaroWinkler(a, b, false)
	}
	maxLen := la
	if lb > maxLen {
		maxLen = lb
	}
	window := maxLen/2 - 1
	if window < 0 {
		window = 0
	}
	var fa, fb [64]bool
	common := 0
	for i := 0; i < la; i++ {
		lo := i - window
		if lo < 0 {
			lo = 0
		}
		hi := i + window
		if hi > lb-1 {
			hi = lb - 1
		}
		for j := lo; j <= hi; j++ {
			if !fb[j] && a[i] == b[j] {
				fa[i], fb[j] = true, true
				common++
				break
			}
		}
	}
	if common == 0 {
		return 0
	}
	trans := 0
	k := 0
	for i := 0; i < la; i++ {
		if !fa[i] {
			continue
		}
		for !fb[k] {
			k++
		}
		if a[i] != b[k] {
			trans++
		}
		k++
	}
	m := float64(common)
	sim := (m/float64(la) + m/float64(lb) + (m-float64(trans/2))/m) / 3
	if sim > 0.7 {
		p := 0
		for p < 4 && p < la && p < lb && a[p] == b[p] && !(a[p] >= '0' && a[p] <= '9') {
			p++
		}
		sim += float64(p) * 0.1 * (1 - sim)
	}
	return sim
}
