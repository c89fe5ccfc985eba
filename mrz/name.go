package mrz

import (
	"strings"

	"github.com/docketcard/docketcard"
)

// minNameWidth is the narrowest name field NameField fills: one character
// of the primary identifier, the two fillers and one of the secondary.
const minNameWidth = 4

// NameField writes the name field of an MRZ line of the given width:
// the primary identifier, two fillers and the secondary identifier
// ("PRIMARY<<SECONDARY", Doc 9303 Part 3 §4.6), each transliterated by
// Transliterate, padded with fillers to width. A name without a secondary
// identifier is the primary identifier alone (Part 5 §4.2.3.5).
//
// A name that does not fit is truncated as Part 5 §4.2.2.3 and §4.2.3
// allow: first the secondary identifier, down to its initial; then, only if
// that is not enough, the primary identifier, so that the two fillers and
// the initial of the secondary identifier fit. Within an identifier the
// components are reduced to initials from the last one backwards, the one
// reduced last keeping as many characters as fit. A truncated field is
// completely filled and its last character is a letter, which marks that
// truncation may have occurred (Part 5 §4.2.2.3).
//
// It is an EINVALID error if the primary identifier is empty after
// transliteration, if either identifier has a character that cannot be
// transliterated (digits, symbols, non-Latin scripts), or if width is
// less than 4.
func NameField(primary, secondary string, width int) (string, error) {
	if width < minNameWidth {
		return "", docketcard.Errorf(docketcard.EINVALID, "a name field must be at least %d characters wide, not %d", minNameWidth, width)
	}
	p, err := transliterateField(primary, "the primary identifier (family name)")
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", docketcard.Errorf(docketcard.EINVALID, "the primary identifier (family name) is required and must contain at least one letter")
	}
	s, err := transliterateField(secondary, "the secondary identifier (given names)")
	if err != nil {
		return "", err
	}
	return nameField(p, s, width), nil
}

// nameField is NameField for identifiers already transliterated, p not
// empty and width at least minNameWidth.
func nameField(p, s string, width int) string {
	var name string
	switch {
	case s == "":
		// Part 5 §4.2.2.3: a name that is only a primary identifier loses
		// characters until it fits and ends with a letter.
		name = truncateIdentifier(p, width)
	case len(p)+2+len(s) <= width:
		name = p + "<<" + s
	case len(p)+2+1 <= width:
		// The secondary identifier is truncated first.
		name = p + "<<" + truncateIdentifier(s, width-len(p)-2)
	default:
		// Part 5 §4.2.2.3: characters are removed from the primary
		// identifier until the two fillers and the first character of the
		// secondary identifier fit.
		tp := truncateIdentifier(p, width-3)
		name = tp + "<<" + truncateIdentifier(s, width-len(tp)-2)
	}
	return pad(name, width)
}

// truncateIdentifier shortens an identifier (components separated by single
// fillers, none at either end) to n characters ending with a letter, by
// removing characters from its components: the components are reduced to
// their initials from the last one backwards, and the one reduced last gets
// back the room that is left. If even the initials do not fit, the first
// component is shortened and, as a last resort, trailing components are
// dropped. Only when the components kept are all one letter long can the
// result be one character short of n.
func truncateIdentifier(id string, n int) string {
	if len(id) <= n {
		return id
	}
	comps := strings.Split(id, string(Filler))
	keep := make([]int, len(comps))
	total := len(id)
	for i, c := range comps {
		keep[i] = len(c)
	}
	for i := len(comps) - 1; i >= 1 && total > n; i-- {
		total -= keep[i] - 1
		keep[i] = 1
		if total < n {
			keep[i] += n - total
			total = n
		}
	}
	if total > n {
		// Every component but the first is an initial.
		if excess := total - n; keep[0]-excess >= 1 {
			keep[0] -= excess
		} else {
			// Keep as many initials as fit (2m-1 <= n); the one position
			// that may be left goes to the first component longer than a
			// letter.
			m := (n + 1) / 2
			comps, keep = comps[:m], keep[:m]
			room := n - (2*m - 1)
			for i := range keep {
				keep[i] = 1
				if room > 0 && len(comps[i]) > 1 {
					keep[i]++
					room--
				}
			}
		}
	}
	var b strings.Builder
	b.Grow(n)
	for i, c := range comps {
		if i > 0 {
			b.WriteByte(Filler)
		}
		b.WriteString(c[:keep[i]])
	}
	return b.String()
}

// pad fills s with fillers up to width.
func pad(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return s + strings.Repeat(string(Filler), width-len(s))
}
