package checks

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/screening"
	"github.com/docketcard/docketcard/service"
)

// Watchlist screens a person against the loaded public sanctions lists
// (OFAC SDN and non-SDN, UN, U.S. Consolidated Screening List). Any
// candidate in the match or review band is a possible match for an
// adjudicator; the check records which list versions it used.
type Watchlist struct {
	Lists *screening.Lists
	// Limit bounds the candidates kept as evidence.
	Limit int
}

// Run performs the check.
func (w Watchlist) Run(ctx context.Context, p *docketcard.Person, c *docketcard.Check) (*service.CheckOutcome, error) {
	ix := w.Lists.Current()
	if ix == nil {
		return nil, fmt.Errorf("%w: no watch list is loaded", service.ErrRetry)
	}
	q := screening.Query{FamilyNames: p.FamilyNames, GivenNames: p.GivenNames, DateOfBirth: p.DateOfBirth.String(),
		Nationality: p.CountryOfCitizenship, Sex: string(p.Sex)}
	for _, a := range p.Aliases {
		q.Aliases = append(q.Aliases, [2]string{a.FamilyNames, a.GivenNames})
	}
	limit := w.Limit
	if limit <= 0 {
		limit = 5
	}
	var versions []string
	for _, v := range ix.Versions() {
		versions = append(versions, v.String())
	}
	type cand struct {
		List        string   `json:"list"`
		EntityID    string   `json:"entity_id"`
		Name        string   `json:"name"`
		Score       float64  `json:"score"`
		Band        string   `json:"band"`
		Explanation []string `json:"explanation"`
	}
	var hits []cand
	best := 0.0
	for _, r := range ix.Screen(q, limit) {
		if r.Band == screening.BandNoMatch {
			continue
		}
		list := ""
		if len(r.Entity.Sources) > 0 {
			list = r.Entity.Sources[0].List
		}
		hits = append(hits, cand{List: list, EntityID: r.Entity.ID, Name: r.Entity.PrimaryName(), Score: r.Score,
			Band: r.Band, Explanation: r.Explanation})
		best = max(best, r.Score)
	}
	out := &service.CheckOutcome{ListVersions: strings.Join(versions, "; "), Score: best}
	if len(hits) == 0 {
		out.State = docketcard.CheckClear
		out.Evidence = `{"candidates":[]}`
		return out, nil
	}
	b, err := json.Marshal(map[string]any{"candidates": hits})
	if err != nil {
		return nil, err
	}
	out.State, out.Evidence = docketcard.CheckPossibleMatch, string(b)
	return out, nil
}
