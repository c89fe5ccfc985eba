// Package checks holds the built-in background-check providers: watch-list
// screening, duplicate-identity detection against our own enrollments,
// document and A-number validation, and the adapter for external
// providers (the federal systems) over the generic provider protocol.
package checks

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/dedupe"
	"github.com/docketcard/docketcard/service"
)

// Document validates the A-number and that the papers a card rests on are
// on file: a Notice to Appear (I-862). Missing papers are a possible
// match for an adjudicator to resolve, not a silent failure.
type Document struct {
	Store docketcard.Store
}

// Run performs the check.
func (d Document) Run(ctx context.Context, p *docketcard.Person, c *docketcard.Check) (*service.CheckOutcome, error) {
	if _, err := docketcard.ParseANumber(string(p.ANumber)); err != nil {
		return evidence(docketcard.CheckPossibleMatch, 1, map[string]any{"problem": "the A-number on record is not valid"})
	}
	var docs []*docketcard.Document
	if err := d.Store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		docs, err = tx.ListDocuments(ctx, p.ID)
		return err
	}); err != nil {
		return nil, fmt.Errorf("%w: %v", service.ErrRetry, err)
	}
	for _, doc := range docs {
		if doc.Type == docketcard.DocI862 {
			return evidence(docketcard.CheckClear, 0, map[string]any{"notice_to_appear": doc.ID})
		}
	}
	return evidence(docketcard.CheckPossibleMatch, 1, map[string]any{"problem": "no Notice to Appear (I-862) is on file for this person"})
}

func evidence(state docketcard.CheckState, score float64, ev any) (*service.CheckOutcome, error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	return &service.CheckOutcome{State: state, Score: score, Evidence: string(b)}, nil
}

// Duplicate looks for the same person enrolled under another record: the
// same or a similar name with a compatible date of birth and nationality,
// or a near-identical photo, found through blocking keys stored in the
// database (index lookups, never a scan).
type Duplicate struct {
	Store docketcard.Store
	Blobs docketcard.BlobStore
	// MaxCandidates bounds the records compared per check.
	MaxCandidates int
}

// Run performs the check.
func (d Duplicate) Run(ctx context.Context, p *docketcard.Person, c *docketcard.Check) (*service.CheckOutcome, error) {
	var hash uint64
	var keys []string
	err := d.Store.ReadTx(ctx, func(tx docketcard.Tx) error {
		h, ok, err := tx.PhotoHash(ctx, p.ID)
		if err != nil {
			return err
		}
		if ok {
			hash = h
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", service.ErrRetry, err)
	}
	keys = append(keys, dedupe.NameKeys(p)...)
	if hash != 0 {
		keys = append(keys, dedupe.PhotoProbeBands(hash, dedupe.PhotoThreshold)...)
	}
	limit := d.MaxCandidates
	if limit <= 0 {
		limit = 50
	}
	type found struct {
		PersonID string           `json:"person_id"`
		ANumber  string           `json:"a_number"`
		Name     string           `json:"name"`
		Findings []dedupe.Finding `json:"findings"`
	}
	var hits []found
	best, compared := 0.0, 0
	err = d.Store.ReadTx(ctx, func(tx docketcard.Tx) error {
		ids, err := tx.CandidatesByKeys(ctx, keys, p.ID, limit)
		if err != nil {
			return err
		}
		compared = len(ids)
		people, hashes, err := tx.PeopleByID(ctx, ids)
		if err != nil {
			return err
		}
		for _, q := range people {
			fs := dedupe.Compare(p, q, hash, hashes[q.ID])
			if len(fs) == 0 {
				continue
			}
			hits = append(hits, found{PersonID: q.ID, ANumber: string(q.ANumber), Name: q.Name.String(), Findings: fs})
			best = max(best, fs[0].Score)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", service.ErrRetry, err)
	}
	if len(hits) == 0 {
		return evidence(docketcard.CheckClear, 0, map[string]any{"candidates_compared": compared})
	}
	return evidence(docketcard.CheckPossibleMatch, best, map[string]any{"possible_duplicates": hits})
}
