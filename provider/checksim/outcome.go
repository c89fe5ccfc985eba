package checksim

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/docketcard/docketcard/provider"
)

// Subject IDs that begin with these prefixes get a fixed outcome whatever
// the rates, so that end-to-end tests can script every path.
const (
	ForceClearPrefix = "sim-clear-" // status clear
	ForceHitPrefix   = "sim-hit-"   // status possible_match, with evidence
	ForceErrorPrefix = "sim-error-" // status error
)

// outcome decides the final result of a check. It depends on the seed,
// the check type and the subject only, as a real source's answer depends
// on the person and not on the request: checking the same subject again
// gives the same answer.
func (s *Simulator) outcome(ref string, req provider.CheckRequest) provider.Result {
	res := provider.Result{ProviderRef: ref, CheckType: req.CheckType, Evidence: []provider.Evidence{}}
	ct, id := string(req.CheckType), req.Subject.ID
	hit := s.roll("hit", ct, id) < s.cfg.HitRate
	switch {
	case strings.HasPrefix(id, ForceErrorPrefix):
		res.Status = provider.StatusError
		res.Detail = "Simulated failure: the source system could not complete this check; submit a new one."
		return res
	case strings.HasPrefix(id, ForceClearPrefix):
		hit = false
	case strings.HasPrefix(id, ForceHitPrefix):
		hit = true
	}
	if !hit {
		res.Status = provider.StatusClear
		return res
	}
	res.Status = provider.StatusPossibleMatch
	n := 1 + int(s.hash("evidence-count", ct, id)%3)
	for i := range n {
		res.Evidence = append(res.Evidence, s.evidence(req, i))
	}
	return res
}

var (
	offences = []string{"arrest, disposition not reported", "misdemeanour conviction", "outstanding warrant", "traffic offence with court appearance", "dismissed charge"}
	matchOn  = []string{"name and full date of birth", "alias and year of birth", "name, year of birth and nationality", "transliterated name variant and date of birth"}
)

// evidence makes the i-th synthetic record behind a hit.
func (s *Simulator) evidence(req provider.CheckRequest, i int) provider.Evidence {
	ct, id, is := string(req.CheckType), req.Subject.ID, strconv.Itoa(i)
	h := s.hash("evidence", ct, id, is)
	ref := fmt.Sprintf("SIM-%012X", h>>16)
	score := math.Round((0.6+0.39*s.roll("score", ct, id, is))*100) / 100
	switch req.CheckType {
	case provider.CheckCriminalHistory:
		year := 1995 + int(h%30)
		return provider.Evidence{Kind: "criminal_record", Source: "SIM-CRIMINAL-HISTORY", Reference: ref, Score: score,
			Summary: fmt.Sprintf("SYNTHETIC record, not a real person: %s (%d); matched on %s.", offences[h%uint64(len(offences))], year, matchOn[(h>>8)%uint64(len(matchOn))])}
	case provider.CheckBiometric:
		return provider.Evidence{Kind: "biometric_candidate", Source: "SIM-BIOMETRIC", Reference: ref, Score: score,
			Summary: fmt.Sprintf("SYNTHETIC candidate, not a real person: fingerprint comparison score %.2f; examiner review required.", score)}
	case provider.CheckTerroristScreening:
		return provider.Evidence{Kind: "watchlist_entry", Source: "SIM-WATCHLIST", Reference: ref, Score: score,
			Summary: fmt.Sprintf("SYNTHETIC entry, not a real person: similarity on %s; refer for manual resolution.", matchOn[h%uint64(len(matchOn))])}
	}
	return provider.Evidence{Kind: "record", Source: "SIM-" + strings.ToUpper(ct), Reference: ref, Score: score,
		Summary: "SYNTHETIC record, not a real person."}
}
