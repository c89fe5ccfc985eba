package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/screening"
)

// Watchlists is the loaded screening lists, as the server shows them.
type Watchlists interface {
	Current() *screening.Index
	Status() screening.ListsStatus
}

// WatchlistStatus is the answer of GET /api/v1/watchlists.
type WatchlistStatus struct {
	Stale    bool     `json:"stale"`
	Error    string   `json:"error,omitempty"`
	Entities int      `json:"entities"`
	Versions []string `json:"versions"`
	// LastSuccess is absent until a load has succeeded.
	LastSuccess string `json:"last_success,omitempty"`
}

func (s *Server) watchlistStatus(w http.ResponseWriter, r *http.Request) error {
	if err := actor(r).Authorize(docketcard.PermCheckRead, ""); err != nil {
		return err
	}
	if s.opts.Watchlists == nil {
		return docketcard.Errorf(docketcard.EUNAVAILABLE, "No watch lists are configured (DOCKETCARD_WATCHLISTS_DIR).")
	}
	st := s.opts.Watchlists.Status()
	out := WatchlistStatus{Stale: st.Stale, Error: st.Error, Entities: st.Entities, Versions: []string{}}
	if !st.LastSuccess.IsZero() {
		out.LastSuccess = st.LastSuccess.UTC().Format(time.RFC3339)
	}
	for _, v := range st.Versions {
		out.Versions = append(out.Versions, v.String())
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ScreenInput is an ad hoc screening query (adjudicators).
type ScreenInput struct {
	FamilyNames string `json:"family_names"`
	GivenNames  string `json:"given_names"`
	DateOfBirth string `json:"date_of_birth"`
	Nationality string `json:"nationality"`
	Sex         string `json:"sex"`
	Limit       int    `json:"limit"`
}

// MaxScreenLimit bounds the candidates one screening returns; 10 when the
// query says nothing.
const MaxScreenLimit = 50

// ScreenResult is one candidate.
type ScreenResult struct {
	EntityID    string   `json:"entity_id"`
	Name        string   `json:"name"`
	Score       float64  `json:"score"`
	Band        string   `json:"band"`
	Explanation []string `json:"explanation"`
}

// validate normalises in and reports every field the engine would
// otherwise silently ignore.
func (in *ScreenInput) validate() error {
	var v docketcard.Validation
	in.FamilyNames, in.GivenNames = strings.TrimSpace(in.FamilyNames), strings.TrimSpace(in.GivenNames)
	in.DateOfBirth, in.Nationality, in.Sex = strings.TrimSpace(in.DateOfBirth), strings.TrimSpace(in.Nationality), strings.TrimSpace(in.Sex)
	if in.FamilyNames == "" && in.GivenNames == "" {
		v.Add("family_names", "a name is required")
	}
	if in.DateOfBirth != "" {
		if _, ok := screening.ParseQueryDate(in.DateOfBirth); !ok {
			v.Add("date_of_birth", "must be YYYY, YYYY-MM or YYYY-MM-DD")
		}
	}
	if in.Nationality != "" && screening.CountryCode(in.Nationality) == "" {
		// The ICAO codes of the stateless (XXA, XXB, XXC) and of an
		// unspecified nationality (XXX) are valid, and say nothing.
		if _, err := docketcard.ParseCountry(in.Nationality); err != nil {
			v.Add("nationality", "unknown country (ISO 3166-1 alpha-3, e.g. MEX)")
		}
	}
	if in.Sex != "" {
		sx, err := docketcard.ParseSex(in.Sex)
		v.Check("sex", err)
		in.Sex = string(sx)
	}
	switch {
	case in.Limit == 0:
		in.Limit = 10
	case in.Limit < 0 || in.Limit > MaxScreenLimit:
		v.Add("limit", "must be a whole number from 1 to %d", MaxScreenLimit)
	}
	return v.Err("screening")
}

func (s *Server) screen(w http.ResponseWriter, r *http.Request) error {
	// The body is decoded first, as on every operation that takes one.
	var in ScreenInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	a := actor(r)
	if err := a.Authorize(docketcard.PermAdjudicate, ""); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	var ix *screening.Index
	if s.opts.Watchlists != nil {
		ix = s.opts.Watchlists.Current()
	}
	if ix == nil {
		return docketcard.Errorf(docketcard.EUNAVAILABLE, "No watch lists are loaded.")
	}
	res := ix.Screen(screening.Query{FamilyNames: in.FamilyNames, GivenNames: in.GivenNames,
		DateOfBirth: in.DateOfBirth, Nationality: in.Nationality, Sex: in.Sex}, in.Limit)
	out := Page[ScreenResult]{Items: []ScreenResult{}}
	for _, x := range res {
		out.Items = append(out.Items, ScreenResult{x.Entity.ID, x.Entity.PrimaryName(), x.Score, x.Band, x.Explanation})
	}
	if err := s.svc.AuditScreening(r.Context(), a, len(out.Items)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
