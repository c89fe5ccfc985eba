package service

import (
	"context"
	"fmt"
	"io"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/card"
)

// Printing: each site has a print queue of approved cards; a print
// operator takes a batch from it, prints the batch PDF (one ID-1 front and
// back per card, for CR80 card printers) after checking a proof sheet,
// then marks each card printed or spoiled. A spoiled card is revoked —
// its number is never reused — and a reprint with a new number goes back
// in the queue.

// PrintQueue lists a site's approved cards waiting for a batch.
func (s *Service) PrintQueue(ctx context.Context, a docketcard.Actor, site string, limit int) ([]*docketcard.Card, error) {
	if err := a.Authorize(docketcard.PermCardPrint, site); err != nil {
		return nil, err
	}
	if site == "" {
		return nil, docketcard.InvalidField("site", "is required")
	}
	var out []*docketcard.Card
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		out, err = tx.PrintQueue(ctx, site, clampLimit(limit, 100, docketcard.MaxPrintBatch))
		return err
	})
	for _, c := range out {
		c.Claims, c.Signed, c.QRText = nil, nil, "" // the queue is a worklist, not the cards
	}
	s.eff(out...)
	return out, err
}

// CreatePrintBatch takes up to max cards (oldest first) from a site's
// print queue into a new batch.
func (s *Service) CreatePrintBatch(ctx context.Context, a docketcard.Actor, site string, max int) (*docketcard.PrintBatch, error) {
	if err := a.Authorize(docketcard.PermCardPrint, site); err != nil {
		return nil, err
	}
	if max < 1 || max > docketcard.MaxPrintBatch {
		return nil, docketcard.InvalidField("max_cards", "must be 1 to %d", docketcard.MaxPrintBatch)
	}
	b := &docketcard.PrintBatch{ID: s.newID(), SiteCode: site, CreatedBy: actorID(a), CreatedAt: s.now()}
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		if _, err := tx.GetSite(ctx, site); err != nil {
			return err
		}
		queue, err := tx.PrintQueue(ctx, site, max)
		if err != nil {
			return err
		}
		if len(queue) == 0 {
			return docketcard.Errorf(docketcard.ECONFLICT, "The print queue of site %s is empty.", site)
		}
		for i, c := range queue {
			b.Cards = append(b.Cards, docketcard.PrintBatchCard{CardID: c.ID, CardNumber: c.CardNumber, Position: i + 1})
		}
		if err := tx.CreatePrintBatch(ctx, b); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionPrintBatch, "print_batch", b.ID, site,
			fmt.Sprintf("batch of %d cards created", len(b.Cards))))
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// GetPrintBatch returns a batch.
func (s *Service) GetPrintBatch(ctx context.Context, a docketcard.Actor, id string) (*docketcard.PrintBatch, error) {
	if err := a.Authorize(docketcard.PermCardPrint, ""); err != nil {
		return nil, err
	}
	var b *docketcard.PrintBatch
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		b, err = tx.GetPrintBatch(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := a.Authorize(docketcard.PermCardPrint, b.SiteCode); err != nil {
		return nil, err
	}
	return b, nil
}

// ListPrintBatches lists the newest batches of the sites the actor serves
// (or of one site).
func (s *Service) ListPrintBatches(ctx context.Context, a docketcard.Actor, site string, limit int) ([]*docketcard.PrintBatch, error) {
	if err := a.Authorize(docketcard.PermCardPrint, site); err != nil {
		return nil, err
	}
	sites := a.Sites
	if site != "" {
		sites = []string{site}
	} else if a.System {
		return nil, docketcard.InvalidField("site", "is required")
	}
	var out []*docketcard.PrintBatch
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		out, err = tx.ListPrintBatches(ctx, sites, clampLimit(limit, 50, 500))
		return err
	})
	return out, err
}

// PrintFormat is what RenderPrintBatch writes.
type PrintFormat struct {
	Proof bool       // a proof sheet instead of card-printer pages
	Paper card.Paper // for proof sheets
}

// RenderPrintBatch writes a batch's PDF: one ID-1 front and back per
// pending card for the card printer, or a proof sheet. Each card's
// personal data read for printing is audited.
func (s *Service) RenderPrintBatch(ctx context.Context, a docketcard.Actor, id string, f PrintFormat, w io.Writer) error {
	b, err := s.GetPrintBatch(ctx, a, id)
	if err != nil {
		return err
	}
	l, err := s.CardLayout()
	if err != nil {
		return err
	}
	type adder interface {
		Add(card.Data) error
		Close() error
		Cards() int
	}
	var out adder
	if f.Proof {
		out, err = card.NewProofWriter(w, l, f.Paper)
	} else {
		out, err = card.NewBatchWriter(w, l)
	}
	if err != nil {
		return err
	}
	for _, bc := range b.Cards {
		if bc.Outcome != docketcard.OutcomePending {
			continue
		}
		cp, err := s.cardForPrint(ctx, a, docketcard.PermCardPrint, bc.CardID)
		if err != nil {
			return err
		}
		if cp.Card.State != docketcard.CardApproved {
			continue // suspended or revoked since the batch was made: not printed
		}
		if err := out.Add(CardData(cp, s.cardPolicy.PortalURL)); err != nil {
			return fmt.Errorf("card %s: %w", bc.CardNumber, err)
		}
	}
	if out.Cards() == 0 {
		return docketcard.Errorf(docketcard.ECONFLICT, "No card of batch %s is waiting to be printed.", b.ID)
	}
	return out.Close()
}

// PrintOutcome is a print operator's report on one card of a batch.
type PrintOutcome struct {
	CardID  string `json:"card_id"`
	Outcome string `json:"outcome"` // printed or spoiled
	Note    string `json:"note"`
}

// RecordPrintOutcomes marks cards of a batch printed or spoiled. Each card
// is its own transaction (a conflict on one leaves the others recorded);
// a spoiled card is revoked and its reprint issued.
func (s *Service) RecordPrintOutcomes(ctx context.Context, a docketcard.Actor, batchID string, outs []PrintOutcome) (*docketcard.PrintBatch, error) {
	b, err := s.GetPrintBatch(ctx, a, batchID)
	if err != nil {
		return nil, err
	}
	if len(outs) == 0 || len(outs) > docketcard.MaxPrintBatch {
		return nil, docketcard.InvalidField("outcomes", "must list 1 to %d cards", docketcard.MaxPrintBatch)
	}
	var v docketcard.Validation
	inBatch := map[string]docketcard.PrintBatchCard{}
	for _, c := range b.Cards {
		inBatch[c.CardID] = c
	}
	seen := map[string]bool{}
	for i, o := range outs {
		f := fmt.Sprintf("outcomes[%d]", i)
		switch {
		case o.Outcome != docketcard.OutcomePrinted && o.Outcome != docketcard.OutcomeSpoiled:
			v.Add(f+".outcome", "must be printed or spoiled")
		case inBatch[o.CardID].CardID == "":
			v.Add(f+".card_id", "is not a card of this batch")
		case inBatch[o.CardID].Outcome == docketcard.OutcomeSpoiled && o.Outcome == docketcard.OutcomeSpoiled && inBatch[o.CardID].Reprint == "":
			// Spoiled before, but its reprint failed (e.g. the clearance
			// had lapsed): marking it again retries the reprint.
		case inBatch[o.CardID].Outcome == o.Outcome:
			// Already recorded (a resent list): nothing to do.
		case inBatch[o.CardID].Outcome != docketcard.OutcomePending:
			return nil, docketcard.Errorf(docketcard.ECONFLICT, "Card %s was already marked %s in this batch.", inBatch[o.CardID].CardNumber, inBatch[o.CardID].Outcome)
		case seen[o.CardID]:
			v.Add(f+".card_id", "is listed twice")
		}
		seen[o.CardID] = true
	}
	if err := v.Err("print outcomes"); err != nil {
		return nil, err
	}
	var firstErr error
	for _, o := range outs {
		var spoiled *docketcard.Card
		if cur := inBatch[o.CardID]; cur.Outcome == o.Outcome && (cur.Outcome == docketcard.OutcomePrinted || cur.Reprint != "") {
			continue
		}
		if inBatch[o.CardID].Outcome == docketcard.OutcomeSpoiled {
			// The reprint retry.
			var err error
			if spoiled, err = s.cardByID(ctx, o.CardID); err == nil {
				err = s.reprint(ctx, a, b.ID, spoiled)
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
			continue
		}
		err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
			c, err := tx.GetCard(ctx, o.CardID)
			if err != nil {
				return err
			}
			req := docketcard.TransitionRequest{Event: docketcard.EventPrint, Note: o.Note}
			if o.Outcome == docketcard.OutcomeSpoiled {
				req.Event = docketcard.EventSpoil
			}
			if c, err = s.applyTransition(ctx, tx, a, c, &req); err != nil {
				return err
			}
			if req.Event == docketcard.EventSpoil {
				spoiled = c
			}
			return tx.SetPrintOutcome(ctx, b.ID, o.CardID, o.Outcome, "", s.now())
		})
		if err == nil && spoiled != nil {
			err = s.reprint(ctx, a, b.ID, spoiled)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	nb, err := s.GetPrintBatch(ctx, a, batchID)
	if err != nil {
		return nil, err
	}
	return nb, firstErr
}
