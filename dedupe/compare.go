package dedupe

import (
	"fmt"
	"slices"
	"strings"

	"github.com/docketcard/docketcard"
)

// Kinds of Finding.
const (
	// KindSameANumber: the other record carries the same A-number. A hard
	// conflict: one A-number belongs to one person.
	KindSameANumber = "same_a_number"
	// KindSimilarIdentity: similar name, compatible date of birth and the
	// same citizenship.
	KindSimilarIdentity = "similar_identity"
	// KindSimilarPhoto: a near-identical photo under an identity that is
	// otherwise different (no same A-number, no similar identity).
	KindSimilarPhoto = "similar_photo"
)

// IdentityThreshold is the least score for which Compare reports
// similar_identity. The score is the name score (see compareNames)
// multiplied by the date-of-birth, citizenship and sex factors below, so
// identical names with the same full date of birth and citizenship score 1.
const IdentityThreshold = 0.85

// Factors applied to the name score.
const (
	dobExact       = 1.00 // same full date, or same partial date at the same precision
	dobPartial     = 0.97 // one date is less precise and contains the other
	dobTransposed  = 0.92 // full dates with day and month swapped
	dobPlaceholder = 0.92 // same year, one date is YYYY-01-01 (a common stand-in for "unknown")
	dobMissing     = 0.90 // one record has no date of birth
	natUnspecified = 0.95 // one citizenship is unknown (empty or ICAO XXX)
	sexDiffers     = 0.90 // one record says M and the other F
)

// Finding is one reason to hold a card for an adjudicator: what kind of
// duplicate the pair may be, a score in [0, 1] (1 for certainty) to order
// the queue, and short human-readable reasons.
type Finding struct {
	Kind        string   `json:"kind"`
	Score       float64  `json:"score"`
	Explanation []string `json:"explanation"`
}

// Keys are the blocking keys stored in the database for a person, so that
// candidate duplicates are found by index lookups, never by scanning.
type Keys struct {
	NameKeys   []string // see NameKeys
	PhotoHash  uint64   // see PhotoHash; 0 if no photo
	PhotoBands []string // see PhotoBands
}

// NewKeys returns the keys of p whose photo hashes to photoHash (0 for no
// photo).
func NewKeys(p *docketcard.Person, photoHash uint64) Keys {
	return Keys{NameKeys: NameKeys(p), PhotoHash: photoHash, PhotoBands: PhotoBands(photoHash)}
}

// Compare scores a candidate pair: a is typically the new or changed
// enrolment, b a record found through shared keys; aHash and bHash are
// their photo hashes (0 for none). It returns the findings, most serious
// first, or nil if the pair looks like two different people. A record
// compared with itself (same non-empty ID) gives nothing.
//
//   - same_a_number (score 1) when both carry the same A-number;
//   - similar_identity when the best-matching pair of names (primary or
//     alias, on either side) is similar, the dates of birth are compatible
//     at their precision, and the citizenship is the same (or unknown on
//     one side), and the score reaches IdentityThreshold;
//   - similar_photo when the photo hashes are within PhotoThreshold bits
//     and neither of the above was found: the same face under a different
//     identity. When one of them was found, a near photo is added to its
//     explanation instead.
func Compare(a, b *docketcard.Person, aHash, bHash uint64) []Finding {
	if a == nil || b == nil || a == b || (a.ID != "" && a.ID == b.ID) {
		return nil
	}
	var out []Finding
	photoNear, dist := false, 0
	if aHash != 0 && bHash != 0 {
		dist = Hamming(aHash, bHash)
		photoNear = dist <= PhotoThreshold
	}
	hashes := fmt.Sprintf("perceptual hashes differ in %d of %d bits (threshold %d)", dist, hashBits, PhotoThreshold)
	photoNote := "photos are also near-identical: " + hashes

	if a.ANumber != "" && a.ANumber == b.ANumber {
		f := Finding{Kind: KindSameANumber, Score: 1, Explanation: []string{
			fmt.Sprintf("A-number %s is already recorded for %s", a.ANumber.Formatted(), describe(b)),
		}}
		if photoNear {
			f.Explanation = append(f.Explanation, photoNote)
		}
		out = append(out, f)
	}

	if f, ok := similarIdentity(a, b); ok {
		if photoNear {
			f.Explanation = append(f.Explanation, photoNote)
		}
		out = append(out, f)
	}

	if photoNear && len(out) == 0 {
		out = append(out, Finding{
			Kind:  KindSimilarPhoto,
			Score: photoScore(dist),
			Explanation: []string{
				"photos are near-identical: " + hashes,
				fmt.Sprintf("under a different identity: %s and %s", describe(a), describe(b)),
			},
		})
	}
	return out
}

// photoScore maps a Hamming distance within the threshold to a score: 1
// for identical hashes, falling by 1/32 per differing bit (0.69 at 10).
func photoScore(d int) float64 {
	return max(0, 1-float64(d)/32)
}

// describe names a record for an explanation: "GARCIA LOPEZ, Juan (born
// 1985-04-12, MEX, A012-345-678)".
func describe(p *docketcard.Person) string {
	var parts []string
	if !p.DateOfBirth.IsZero() {
		parts = append(parts, "born "+p.DateOfBirth.String())
	}
	if p.CountryOfCitizenship != "" {
		parts = append(parts, p.CountryOfCitizenship)
	}
	if p.ANumber != "" {
		parts = append(parts, p.ANumber.Formatted())
	}
	name := p.Name.String()
	if name == "" {
		name = "(no name)"
	}
	if p.ID != "" {
		name = "record " + p.ID + " " + name
	}
	if len(parts) == 0 {
		return name
	}
	return name + " (" + strings.Join(parts, ", ") + ")"
}

// similarIdentity applies the similar_identity rule.
func similarIdentity(a, b *docketcard.Person) (Finding, bool) {
	nm, ok := bestNameMatch(a, b)
	// Every factor is at most 1, so a name score under the threshold ends it.
	if !ok || nm.score < IdentityThreshold {
		return Finding{}, false
	}
	dobF, dobWhy, ok := compareDOB(a.DateOfBirth, b.DateOfBirth)
	if !ok {
		return Finding{}, false
	}
	natF, natWhy, ok := compareCitizenship(a.CountryOfCitizenship, b.CountryOfCitizenship)
	if !ok {
		return Finding{}, false
	}
	score := nm.score * dobF * natF
	var sexWhy string
	if (a.Sex == docketcard.SexMale && b.Sex == docketcard.SexFemale) || (a.Sex == docketcard.SexFemale && b.Sex == docketcard.SexMale) {
		score *= sexDiffers
		sexWhy = fmt.Sprintf("but sex differs: %s and %s", a.Sex, b.Sex)
	}
	if score < IdentityThreshold {
		return Finding{}, false
	}
	f := Finding{Kind: KindSimilarIdentity, Score: round3(score)}
	f.Explanation = append(f.Explanation, explainNames(nm)...)
	f.Explanation = append(f.Explanation, dobWhy, natWhy)
	if sexWhy != "" {
		f.Explanation = append(f.Explanation, sexWhy)
	}
	if a.ANumber != "" && b.ANumber != "" && a.ANumber != b.ANumber {
		f.Explanation = append(f.Explanation, fmt.Sprintf("A-numbers differ: %s and %s", a.ANumber.Formatted(), b.ANumber.Formatted()))
	}
	return f, true
}

func round3(x float64) float64 {
	return float64(int64(x*1000+0.5)) / 1000
}

// explainNames describes a name match: which names, the score, and how
// each word was matched.
func explainNames(m nameMatch) []string {
	label := func(n normalisedName) string {
		if n.alias >= 0 {
			return fmt.Sprintf("alias %q", n.source.String())
		}
		return fmt.Sprintf("%q", n.source.String())
	}
	out := []string{fmt.Sprintf("similar names: %s and %s (name score %.2f)", label(m.nameA), label(m.nameB), m.score)}
	pairs := slices.Clone(m.pairs)
	slices.SortStableFunc(pairs, func(x, y pair) int {
		if x.a.family != y.a.family {
			if x.a.family {
				return -1
			}
			return 1
		}
		return 0
	})
	var words []string
	for _, p := range pairs {
		switch {
		case p.a.text == p.b.text:
			words = append(words, p.a.text+" = "+p.b.text)
		case p.a.initial() || p.b.initial():
			words = append(words, fmt.Sprintf("%s ~ %s (initial)", p.a.text, p.b.text))
		case sameSound(p.a, p.b):
			words = append(words, fmt.Sprintf("%s ~ %s (sound alike, %.2f)", p.a.text, p.b.text, p.score))
		default:
			words = append(words, fmt.Sprintf("%s ~ %s (spelling, %.2f)", p.a.text, p.b.text, p.score))
		}
	}
	if len(words) > 0 {
		out = append(out, "matched words: "+strings.Join(words, "; "))
	}
	if len(m.unmatchedA)+len(m.unmatchedB) > 0 {
		var un []string
		for _, t := range m.unmatchedA {
			un = append(un, t.text)
		}
		for _, t := range m.unmatchedB {
			un = append(un, t.text)
		}
		out = append(out, "unmatched words: "+strings.Join(un, ", "))
	}
	if m.crossedParts {
		out = append(out, "family and given names appear swapped")
	}
	return out
}

// compareDOB says whether two dates of birth can be the same person's,
// respecting their precision: a year-only date is compatible with any
// date in that year, a year-and-month with any day of that month. Full
// dates must be equal, or have day and month transposed, or one of them
// be 1 January of the same year (often entered when only the year is
// known). It returns a factor for the score and a reason.
func compareDOB(a, b docketcard.PartialDate) (float64, string, bool) {
	switch {
	case a.IsZero() && b.IsZero():
		return dobMissing, "neither record has a date of birth", true
	case a.IsZero() || b.IsZero():
		return dobMissing, "one record has no date of birth", true
	case a == b:
		return dobExact, "same date of birth " + a.String(), true
	}
	if !a.Earliest().After(b.Latest()) && !b.Earliest().After(a.Latest()) {
		return dobPartial, fmt.Sprintf("dates of birth compatible at the lesser precision: %s and %s", a, b), true
	}
	if a.Precision() == docketcard.PrecisionDay && b.Precision() == docketcard.PrecisionDay && a.Year == b.Year {
		if a.Month == b.Day && a.Day == b.Month {
			return dobTransposed, fmt.Sprintf("dates of birth %s and %s have day and month transposed", a, b), true
		}
		if (a.Month == 1 && a.Day == 1) || (b.Month == 1 && b.Day == 1) {
			return dobPlaceholder, fmt.Sprintf("dates of birth %s and %s share the year, and 1 January is often entered when only the year is known", a, b), true
		}
	}
	return 0, "", false
}

// unspecifiedCountry reports whether a citizenship code says nothing.
func unspecifiedCountry(c string) bool { return c == "" || c == "XXX" }

// compareCitizenship requires the same citizenship, accepting an unknown
// one (empty or ICAO XXX) on either side with a lower factor.
func compareCitizenship(a, b string) (float64, string, bool) {
	switch {
	case a == b && !unspecifiedCountry(a):
		return 1, "same citizenship " + a, true
	case unspecifiedCountry(a) || unspecifiedCountry(b):
		return natUnspecified, fmt.Sprintf("citizenship unknown on one record (%s and %s)", orNone(a), orNone(b)), true
	}
	return 0, "", false
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
