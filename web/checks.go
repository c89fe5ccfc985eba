package web

import (
	"net/http"

	"github.com/docketcard/docketcard"
)

// StartChecksInput starts a check run.
type StartChecksInput struct {
	Reason string `json:"reason"` // enrollment (default), manual
}

func (s *Server) startChecks(w http.ResponseWriter, r *http.Request) error {
	in := StartChecksInput{Reason: "enrollment"}
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	if in.Reason != "enrollment" && in.Reason != "manual" {
		return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid request: reason: must be enrollment or manual",
			Fields: []docketcard.FieldError{{Field: "reason", Message: "must be enrollment or manual"}}}
	}
	run, err := s.svc.StartChecks(r.Context(), actor(r), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, run)
	return nil
}

func (s *Server) listCheckRuns(w http.ResponseWriter, r *http.Request) error {
	runs, err := s.svc.ListCheckRuns(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.CheckRun]{Items: runs})
	return nil
}

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	items, err := s.svc.ReviewQueue(r.Context(), actor(r), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	page := Page[any]{Items: make([]any, len(items))}
	for i, it := range items {
		page.Items[i] = it
	}
	if limit == 0 {
		limit = 50
	}
	if len(items) == limit {
		page.NextCursor = items[len(items)-1].Check.ID
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// AdjudicationInput decides a possible match.
type AdjudicationInput struct {
	Decision string `json:"decision"` // clear, deny, refer
	Reason   string `json:"reason"`
}

func (s *Server) adjudicate(w http.ResponseWriter, r *http.Request) error {
	var in AdjudicationInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.svc.Adjudicate(r.Context(), actor(r), r.PathValue("id"), in.Decision, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}
