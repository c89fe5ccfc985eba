package screening

import (
	"fmt"
	"strings"
)

// Score calibration. The score is a probability, σ(log-odds), where the
// log-odds add up the evidence (naive Bayes on log scale):
//
//	name    logistic in the name features (query coverage, list coverage,
//	        information), fitted by logistic regression on a calibration
//	        set generated like the evaluation set but from another seed
//	        (go run ./screening/internal/calibrate); see README.md
//	DOB     log likelihood ratios by precision (below)
//	nation  log likelihood ratios
//	gender  log likelihood ratios
//
// The thresholds of the bands are on that probability.
var (
	// Name model: logit = nameBias + nameCovQ·covQ + nameCovC·covC + nameInfo·min(info, NameInfoCap).
	nameBias = -14.59
	nameCovQ = 8.65
	nameCovC = 7.44
	nameInfo = 1.43
)

// NameInfoCap caps the information feature of the name model.
const NameInfoCap = 2.5

// Log-odds adjustments for the strength of the list name that matched.
var strengthLogit = map[Strength]float64{
	StrengthPrimary: 0,
	StrengthStrong:  0,
	StrengthFormer:  -0.3,
	StrengthWeak:    -1.0, // nicknames, noms de guerre: many people share them
	StrengthScript:  -0.3,
}

// Band thresholds on the calibrated score.
const (
	TMatch  = 0.85
	TReview = 0.25
)

// StrengthLogit is the log-odds adjustment for a match on a list name of
// strength st.
func StrengthLogit(st Strength) float64 { return strengthLogit[st] }

// DemographicLogit is what the date of birth, nationality and gender
// log-odds add to a name's log-odds (see demographics).
func DemographicLogit(nameL, dob, nat, gender float64) float64 {
	return demographics(nameL, dob, nat, gender)
}

func nameLogit(covQ, covC, info float64, st Strength) float64 {
	return nameBias + nameCovQ*covQ + nameCovC*covC + nameInfo*min(info, NameInfoCap) + strengthLogit[st]
}

// demographics combines the date of birth, nationality and gender log-odds
// with the name's. Favourable demographics cannot make a poor name match
// (a shared birthday is common among thousands of candidates): their
// positive part is limited to +4 in total, and to half when the name alone
// is below even odds of 1:50.
func demographics(nameL, dob, nat, gender float64) float64 {
	pos, neg := 0.0, 0.0
	for _, x := range []float64{dob, nat, gender} {
		if x > 0 {
			pos += x
		} else {
			neg += x
		}
	}
	pos = min(pos, 4)
	if nameL < -4 {
		pos /= 2
	}
	return pos + neg
}

// Date of birth log likelihood ratios. A list date agrees with the
// person's more often than a random person's does by roughly 1/(days in
// the span compared); list dates are wrong often enough (several per
// entry, "circa") that a conflict is a strong but not a decisive penalty.
const (
	dobSameDay     = 3.0  // same day, month and year
	dobSwappedDM   = 1.5  // 03-04 vs 04-03 in the same year
	dobSameMonth   = 1.8  // same month and year (one side month precision), or same month/year with another day
	dobSameYear    = 1.0  // year-only agreement: weak
	dobInRange     = 0.8  // within a "1960 to 1962" range
	dobCirca       = 0.6  // within two years of a "circa" year
	dobNearYear    = -0.5 // a year apart, or another day of the same month: often a data error
	dobOtherDate   = -2.0 // both dates exact and they differ by month or year
	dobConflict    = -3.5 // further apart, or outside range/circa tolerance
	natAgree       = 0.8
	natDisagree    = -0.6
	pobAgree       = 0.3 // country of birth matches the query nationality (no nationality on the list)
	genderAgree    = 0.2
	genderDisagree = -2.0
)

// dobLogit is dobEvidence without the words, for the hot loop.
func dobLogit(q DOB, has bool, list []DOB) float64 {
	if !has || len(list) == 0 {
		return 0
	}
	best := -100.0
	for _, d := range list {
		if v, _ := compareDOB(q, d); v > best {
			best = v
		}
	}
	return best
}

// dobEvidence compares the query date of birth with every date the list
// gives and keeps the most favourable comparison.
func dobEvidence(q DOB, has bool, list []DOB) (float64, string) {
	if !has {
		if len(list) == 0 {
			return 0, "none given, none listed"
		}
		return 0, "not given in the query"
	}
	if len(list) == 0 {
		return 0, fmt.Sprintf("query %s, none listed", q.String())
	}
	best := -100.0
	bestText := ""
	for _, d := range list {
		v, why := compareDOB(q, d)
		if v > best {
			best, bestText = v, fmt.Sprintf("query %s vs list %s (%s): %s", q.String(), d.String(), describePrecision(d), why)
		}
	}
	if len(list) > 1 {
		bestText += fmt.Sprintf(" [best of %d listed dates]", len(list))
	}
	return best, bestText
}

func describePrecision(d DOB) string {
	s := d.Precision.String() + " precision"
	if d.IsRange() {
		s = "range"
	}
	if d.Circa {
		s = "circa, " + s
	}
	return s
}

func compareDOB(q, d DOB) (float64, string) {
	if d.IsRange() {
		lo, hi := d.Year, d.ToYear
		if d.Circa {
			lo, hi = lo-1, hi+1
		}
		switch {
		case q.Year >= lo && q.Year <= hi:
			return dobInRange, "within the range"
		case q.Year == lo-1 || q.Year == hi+1:
			return dobNearYear, "a year outside the range"
		}
		return dobConflict, "outside the range: conflict"
	}
	dy := q.Year - d.Year
	if dy < 0 {
		dy = -dy
	}
	if d.Circa {
		switch {
		case dy == 0:
			return dobCirca + 0.2, "same year as the circa date"
		case dy <= 2:
			return dobCirca - 0.2, "within two years of the circa date"
		case dy <= 4:
			return 0, "near the circa date"
		}
		return dobConflict, "far from the circa date: conflict"
	}
	p := min(q.Precision, d.Precision)
	switch {
	case dy > 1:
		return dobConflict, "years apart: conflict"
	case dy == 1:
		if p == PrecisionDay && q.Month == d.Month && q.Day == d.Day {
			return dobNearYear, "same day and month, a year apart (a typo?)"
		}
		if p == PrecisionDay {
			return dobOtherDate, "another date a year apart: conflict"
		}
		return dobNearYear, "a year apart"
	}
	switch p {
	case PrecisionDay:
		switch {
		case q.Month == d.Month && q.Day == d.Day:
			return dobSameDay, "same day: strong"
		case q.Month == d.Day && q.Day == d.Month:
			return dobSwappedDM, "day and month swapped"
		case q.Month == d.Month:
			return dobNearYear, "same month and year, another day (a typo?)"
		}
		return dobOtherDate, "same year, another month: both dates are exact, so a conflict"
	case PrecisionMonth:
		if q.Month == d.Month {
			return dobSameMonth, "same month and year"
		}
		return dobNearYear * 2, "same year, another month"
	}
	return dobSameYear, "same year (year precision: weak)"
}

func natLogit(q string, e *Entity, pob []string) float64 {
	if q == "" {
		return 0
	}
	coded := false
	for _, c := range e.Nationalities {
		if c.Code != "" {
			if c.Code == q {
				return natAgree
			}
			coded = true
		}
	}
	if coded {
		return natDisagree
	}
	for _, p := range pob {
		if p == q {
			return pobAgree
		}
	}
	return 0
}

func natEvidence(q string, e *Entity) (float64, string) {
	if q == "" {
		return 0, "not given in the query"
	}
	var codes []string
	for _, c := range e.Nationalities {
		if c.Code != "" {
			codes = append(codes, c.Code)
			if c.Code == q {
				return natAgree, fmt.Sprintf("%s matches list %q", q, c.Raw)
			}
		}
	}
	if len(codes) > 0 {
		return natDisagree, fmt.Sprintf("%s not among list %s", q, strings.Join(codes, ", "))
	}
	for _, p := range e.PlacesOfBirth {
		if CountryCode(p) == q {
			return pobAgree, fmt.Sprintf("%s matches the listed place of birth %q", q, p)
		}
	}
	return 0, fmt.Sprintf("%s; the list gives none", q)
}

func genderEvidence(q, g string) (float64, string) {
	if q != "M" && q != "F" {
		return 0, "not given in the query"
	}
	if g == "" {
		return 0, fmt.Sprintf("%s; the list gives none", q)
	}
	if q == g {
		return genderAgree, fmt.Sprintf("%s matches", q)
	}
	return genderDisagree, fmt.Sprintf("%s vs list %s: conflict", q, g)
}
