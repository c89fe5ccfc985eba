package dedupe

import (
	"slices"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

func withID(p *docketcard.Person, id, anum, sex string) *docketcard.Person {
	q := *p
	q.ID, q.ANumber, q.Sex = id, docketcard.ANumber(anum), docketcard.Sex(sex)
	return &q
}

func kinds(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Kind)
	}
	return out
}

func TestCompareNameVariantsAreSimilar(t *testing.T) {
	for _, tc := range nameVariants {
		fs := Compare(withID(tc.a, "p1", "A012345678", "M"), withID(tc.b, "p2", "A087654321", "M"), 0, 0)
		if len(fs) != 1 || fs[0].Kind != KindSimilarIdentity {
			t.Errorf("%s: findings %v, want one similar_identity", tc.name, fs)
			continue
		}
		t.Logf("%-35s %.3f %q", tc.name, fs[0].Score, fs[0].Explanation)
	}
}

func TestCompareUnrelated(t *testing.T) {
	for _, tc := range unrelated {
		if fs := Compare(tc.a, tc.b, 0, 0); len(fs) != 0 {
			t.Errorf("%s and %s: %v", tc.a.Name, tc.b.Name, fs)
		}
	}
}

func TestCompare(t *testing.T) {
	base := withID(person("1985-04-12", "MEX", "GARCÍA LÓPEZ, Juan"), "p1", "A012345678", "M")
	const (
		photo     = uint64(0x8000_0000_ffff_0000) | 0x5555
		nearPhoto = photo ^ 0b1010   // 2 bits away
		farPhoto  = photo ^ 0xff_f0f // 16 bits away
	)
	for _, tc := range []struct {
		name         string
		b            *docketcard.Person
		aHash, bHash uint64
		kinds        []string
		minScore     float64 // of the first finding
		maxScore     float64
		explains     []string // substrings of the first finding's explanation
	}{
		{
			name:  "same A-number, different person",
			b:     withID(person("1960", "CUB", "PEREZ, Rosa"), "p2", "A012345678", "F"),
			kinds: []string{KindSameANumber}, minScore: 1, maxScore: 1,
			explains: []string{"A-number A012-345-678 is already recorded for record p2 PEREZ, Rosa"},
		},
		{
			name:  "same A-number and same identity",
			b:     withID(person("1985-04-12", "MEX", "GARCIA LOPEZ, Juan"), "p2", "A012345678", "M"),
			kinds: []string{KindSameANumber, KindSimilarIdentity}, minScore: 1, maxScore: 1,
		},
		{
			name:  "same identity, other A-number",
			b:     withID(person("1985-04-12", "MEX", "GARCIA LOPEZ, Juan"), "p2", "A099999999", "M"),
			kinds: []string{KindSimilarIdentity}, minScore: 1, maxScore: 1,
			explains: []string{"same date of birth 1985-04-12", "same citizenship MEX", "GARCIA = GARCIA", "A-numbers differ"},
		},
		{
			name:  "year-only date of birth",
			b:     withID(person("1985", "MEX", "GARCIA, Juan"), "p2", "", "M"),
			kinds: []string{KindSimilarIdentity}, minScore: 0.85, maxScore: 0.9,
			explains: []string{"compatible at the lesser precision: 1985-04-12 and 1985", "unmatched words: LOPEZ"},
		},
		{
			name:  "citizenship unknown",
			b:     withID(person("1985-04-12", "XXX", "GARCIA LOPEZ, Juan"), "p2", "", "M"),
			kinds: []string{KindSimilarIdentity}, minScore: 0.95, maxScore: 0.95,
			explains: []string{"citizenship unknown on one record (MEX and XXX)"},
		},
		{
			name:  "sex differs",
			b:     withID(person("1985-04-12", "MEX", "GARCIA LOPEZ, Juan"), "p2", "", "F"),
			kinds: []string{KindSimilarIdentity}, minScore: 0.9, maxScore: 0.9,
			explains: []string{"but sex differs: M and F"},
		},
		{
			name:  "names swapped between fields",
			b:     withID(person("1985-04-12", "MEX", "JUAN, Garcia Lopez"), "p2", "", "M"),
			kinds: []string{KindSimilarIdentity}, minScore: 1, maxScore: 1,
			explains: []string{"family and given names appear swapped"},
		},
		{
			name:  "matches an alias",
			b:     withID(person("1985-04-12", "MEX", "SANCHEZ, Pedro", "GARCIA LOPEZ, Juan"), "p2", "", "M"),
			kinds: []string{KindSimilarIdentity}, minScore: 1, maxScore: 1,
			explains: []string{`alias "GARCIA LOPEZ, Juan"`},
		},
		{
			name:  "other date of birth",
			b:     withID(person("1986-04-12", "MEX", "GARCIA LOPEZ, Juan"), "p2", "", "M"),
			kinds: nil,
		},
		{
			name:  "other citizenship",
			b:     withID(person("1985-04-12", "GTM", "GARCIA LOPEZ, Juan"), "p2", "", "M"),
			kinds: nil,
		},
		{
			name:  "sibling: same first surname and given name, other second surname",
			b:     withID(person("1985-04-12", "MEX", "GARCIA PEREZ, Juan"), "p2", "", "M"),
			kinds: nil,
		},
		{
			name:  "only the given name matches",
			b:     withID(person("1985-04-12", "MEX", "GOMEZ, Juan"), "p2", "", "M"),
			kinds: nil,
		},
		{
			name: "same photo under a different identity",
			b:    withID(person("1990-10-10", "GTM", "MORALES, Pedro"), "p2", "A011111111", "M"), aHash: photo, bHash: nearPhoto,
			kinds: []string{KindSimilarPhoto}, minScore: 0.93, maxScore: 0.94,
			explains: []string{"differ in 2 of 63 bits", "under a different identity", "MORALES, Pedro"},
		},
		{
			name: "same photo and similar identity: one finding",
			b:    withID(person("1985-04-12", "MEX", "GARCIA LOPEZ, Juan"), "p2", "", "M"), aHash: photo, bHash: nearPhoto,
			kinds: []string{KindSimilarIdentity}, minScore: 1, maxScore: 1,
			explains: []string{"photos are also near-identical"},
		},
		{
			name: "different photo",
			b:    withID(person("1990-10-10", "GTM", "MORALES, Pedro"), "p2", "", "M"), aHash: photo, bHash: farPhoto,
			kinds: nil,
		},
		{
			name: "no photo on one side",
			b:    withID(person("1990-10-10", "GTM", "MORALES, Pedro"), "p2", "", "M"), aHash: photo, bHash: 0,
			kinds: nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := Compare(base, tc.b, tc.aHash, tc.bHash)
			if !slices.Equal(kinds(fs), tc.kinds) {
				t.Fatalf("kinds %v, want %v (%v)", kinds(fs), tc.kinds, fs)
			}
			if len(fs) == 0 {
				return
			}
			for _, f := range fs {
				if len(f.Explanation) == 0 || f.Score <= 0 || f.Score > 1 {
					t.Errorf("finding %+v", f)
				}
			}
			if s := fs[0].Score; s < tc.minScore-1e-9 || s > tc.maxScore+1e-9 {
				t.Errorf("score %.3f, want %.2f-%.2f", s, tc.minScore, tc.maxScore)
			}
			text := strings.Join(fs[0].Explanation, "\n")
			for _, want := range tc.explains {
				if !strings.Contains(text, want) {
					t.Errorf("explanation lacks %q:\n%s", want, text)
				}
			}
			t.Logf("%q", fs[0].Explanation)
		})
	}
}

func TestCompareSameRecord(t *testing.T) {
	p := withID(person("1985-04-12", "MEX", "GARCIA, Juan"), "p1", "A012345678", "M")
	if fs := Compare(p, p, 1|presentBit, 1|presentBit); fs != nil {
		t.Errorf("record against itself: %v", fs)
	}
	q := *p
	if fs := Compare(p, &q, 0, 0); fs != nil {
		t.Errorf("record against a copy with the same ID: %v", fs)
	}
	if Compare(nil, p, 0, 0) != nil || Compare(p, nil, 0, 0) != nil {
		t.Error("nil person gave findings")
	}
	// A new enrolment has no ID yet: it is still compared.
	n := *p
	n.ID = ""
	if fs := Compare(&n, p, 0, 0); len(fs) != 2 {
		t.Errorf("new enrolment against its twin: %v", fs)
	}
}

func TestCompareDOB(t *testing.T) {
	d := func(s string) docketcard.PartialDate {
		if s == "" {
			return docketcard.PartialDate{}
		}
		v, err := docketcard.ParsePartialDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		a, b   string
		ok     bool
		factor float64
	}{
		{"1985-04-12", "1985-04-12", true, dobExact},
		{"1985", "1985", true, dobExact},
		{"1985", "1985-04-12", true, dobPartial},
		{"1985-04", "1985-04-30", true, dobPartial},
		{"1985-04", "1985", true, dobPartial},
		{"1985-04", "1985-05-01", false, 0},
		{"1985", "1986", false, 0},
		{"1985-04-12", "1985-12-04", true, dobTransposed},
		{"1985-01-01", "1985-07-19", true, dobPlaceholder},
		{"1985-04-12", "1985-04-13", false, 0},
		{"1985-04-12", "1986-04-12", false, 0},
		{"", "1985", true, dobMissing},
		{"", "", true, dobMissing},
	} {
		for _, swap := range []bool{false, true} {
			a, b := tc.a, tc.b
			if swap {
				a, b = b, a
			}
			f, why, ok := compareDOB(d(a), d(b))
			if ok != tc.ok || f != tc.factor || (ok && why == "") {
				t.Errorf("compareDOB(%q, %q) = %v, %q, %v; want %v, %v", a, b, f, why, ok, tc.factor, tc.ok)
			}
		}
	}
}
