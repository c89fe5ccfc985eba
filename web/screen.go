package web

import (
	"net/http"
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
	Stale       bool     `json:"stale"`
	Error       string   `json:"error,omitempty"`
	Entities    int      `json:"entities"`
	Versions    []string `json:"versions"`
	LastSuccess string   `json:"last_success"`
}

func (s *Server) watchlistStatus(w http.ResponseWriter, r *http.Request) error {
	if err := actor(r).Authorize(docketcard.PermCheckRead, ""); err != nil {
		return err
	}
	if s.opts.Watchlists == nil {
		return docketcard.Errorf(docketcard.EUNAVAILABLE, "No watch lists are configured (DOCKETCARD_WATCHLISTS_DIR).")
	}
	st := s.opts.Watchlists.Status()
	out := WatchlistStatus{Stale: st.Stale, Error: st.Error, Entities: st.Entities, Versions: []string{}, LastSuccess: st.LastSuccess.Format(time.RFC3339)}
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

// ScreenResult is one candidate.
type ScreenResult struct {
	EntityID    string   `json:"entity_id"`
	Name        string   `json:"name"`
	Score       float64  `json:"score"`
	Band        string   `json:"band"`
	Explanation []string `json:"explanation"`
}

func (s *Server) screen(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := a.Authorize(docketcard.PermAdjudicate, ""); err != nil {
		return err
	}
	var in ScreenInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.FamilyNames == "" && in.GivenNames == "" {
		return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid screening: family_names: a name is required",
			Fields: []docketcard.FieldError{{Field: "family_names", Message: "a name is required"}}}
	}
	if in.Limit <= 0 || in.Limit > 50 {
		in.Limit = 10
	}
	if s.opts.Watchlists == nil || s.opts.Watchlists.Current() == nil {
		return docketcard.Errorf(docketcard.EUNAVAILABLE, "No watch lists are loaded.")
	}
	res := s.opts.Watchlists.Current().Screen(screening.Query{FamilyNames: in.FamilyNames, GivenNames: in.GivenNames,
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
