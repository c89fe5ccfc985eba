package service

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/docketcard/docketcard"
)

// The card lifecycle (docs/CARD-LIFECYCLE.md). Every transition is one
// transaction: the guarded state change, its history entry, its audit
// entry and, when the card's status-list value changes, the bump that
// makes the publisher sign a new list.

// eventPermission is who may ask for each transition directly.
var eventPermission = map[docketcard.CardEvent]docketcard.Permission{
	docketcard.EventPrint:     docketcard.PermCardPrint,
	docketcard.EventSpoil:     docketcard.PermCardPrint,
	docketcard.EventActivate:  docketcard.PermCardManage,
	docketcard.EventSuspend:   docketcard.PermCardManage,
	docketcard.EventReinstate: docketcard.PermCardManage,
	docketcard.EventRevoke:    docketcard.PermCardManage,
}

// TransitionCard moves a card along its lifecycle. A spoiled card is
// revoked and a reprint (a new card number) is issued in its place.
func (s *Service) TransitionCard(ctx context.Context, a docketcard.Actor, cardID string, req docketcard.TransitionRequest) (*docketcard.Card, error) {
	if req.Event == docketcard.EventHandover {
		return nil, docketcard.InvalidField("event", "a handover needs its record; use the handover endpoint (POST /api/v1/cards/{id}/handover or `docketcard card handover`)")
	}
	perm, ok := eventPermission[req.Event]
	if !ok {
		perm = docketcard.PermCardManage
	}
	if err := a.Authorize(perm, ""); err != nil {
		return nil, err
	}
	var out *docketcard.Card
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		c, err := tx.GetCard(ctx, cardID)
		if err != nil {
			return err
		}
		if err := a.Authorize(perm, c.SiteCode); err != nil {
			return err
		}
		if req.Version != 0 && req.Version != c.Version {
			return docketcard.Errorf(docketcard.ECONFLICT, "The card was changed by someone else (now %s, version %d); reload it and try again.", c.State, c.Version)
		}
		if out, err = s.applyTransition(ctx, tx, a, c, &req); err != nil {
			return err
		}
		if req.Event == docketcard.EventSpoil {
			// Spoiled outside the batch screen: the batch shows it too.
			if err := tx.SetPrintOutcome(ctx, "", c.ID, docketcard.OutcomeSpoiled, "", s.now()); err != nil && docketcard.ErrorCode(err) != docketcard.ENOTFOUND {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.eff(out)
	if req.Event == docketcard.EventSpoil {
		if err := s.reprint(ctx, a, "", out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// applyTransition plans and applies one transition inside tx. Activating
// a replacement first revokes the cards it replaces (superseded), in the
// same transaction, so a crash leaves either the old card in use or the
// new one — never both, never neither.
func (s *Service) applyTransition(ctx context.Context, tx docketcard.Tx, a docketcard.Actor, c *docketcard.Card, req *docketcard.TransitionRequest) (*docketcard.Card, error) {
	now := s.now()
	to, err := req.Plan(c, now)
	if err != nil {
		return nil, err
	}
	if req.Event == docketcard.EventReinstate || req.Event == docketcard.EventActivate {
		// A card goes back into use only with a current clearance: a
		// recurrent-vetting hit revokes it, whatever the card's own
		// suspension reason was.
		if _, err := tx.CurrentClearance(ctx, c.PersonID, now); docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
			return nil, docketcard.Errorf(docketcard.EFORBIDDEN, "Cannot %s card %s: its holder has no current background-check clearance (a check or a recurrent-vetting hit awaits adjudication).", req.Event, c.CardNumber)
		} else if err != nil {
			return nil, err
		}
	}
	if req.Event == docketcard.EventReinstate && c.StateReason == docketcard.ReasonVettingHit && req.Reason != docketcard.ReasonResolved {
		return nil, docketcard.InvalidField("reason", "must be resolved for a card suspended by a vetting hit")
	}
	if req.Event == docketcard.EventActivate {
		prev := c.Replaces
		for hops := 0; prev != "" && hops < 32; hops++ {
			old, err := tx.GetCard(ctx, prev)
			if err != nil {
				return nil, err
			}
			if old.State != docketcard.CardRevoked && old.State != docketcard.CardPrepared {
				if err := s.change(ctx, tx, a, old, docketcard.EventRevoke, docketcard.CardRevoked, docketcard.ReasonSuperseded,
					"replaced by card "+c.CardNumber); err != nil {
					return nil, err
				}
			}
			prev = old.Replaces
		}
	}
	if err := s.change(ctx, tx, a, c, req.Event, to, req.Reason, req.Note); err != nil {
		return nil, err
	}
	return tx.GetCard(ctx, c.ID)
}

// change records one planned transition and its audit entry.
func (s *Service) change(ctx context.Context, tx docketcard.Tx, a docketcard.Actor, c *docketcard.Card, ev docketcard.CardEvent, to docketcard.CardState, reason docketcard.CardReason, note string) error {
	ch := &docketcard.CardChange{ID: s.newID(), CardID: c.ID, Version: c.Version, From: c.State, To: to, Event: ev,
		Reason: reason, Note: note, ActorID: actorID(a), At: s.now()}
	if to == docketcard.CardSuspended {
		ch.SuspendedFrom = c.State
	}
	if err := tx.TransitionCard(ctx, ch); err != nil {
		return err
	}
	return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionCardTransition, "card", c.ID, c.SiteCode,
		fmt.Sprintf("card %s %s: %s -> %s, reason %s", c.CardNumber, ev, c.State, to, reason)))
}

func actorID(a docketcard.Actor) string {
	if a.UserID == "" {
		return "anonymous"
	}
	return a.UserID
}

// CardHistory returns a card's transitions. Audited as a card read.
func (s *Service) CardHistory(ctx context.Context, a docketcard.Actor, cardID string) ([]*docketcard.CardHistoryEntry, error) {
	c, err := s.GetCard(ctx, a, cardID)
	if err != nil {
		return nil, err
	}
	var out []*docketcard.CardHistoryEntry
	err = s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		out, err = tx.CardHistory(ctx, c.ID)
		return err
	})
	return out, err
}

// ReplaceReasons are why a holder needs a new card.
var ReplaceReasons = []string{"lost", "stolen", "damaged", "data_changed", "renewal"}

// ReplaceInput asks for a replacement card.
type ReplaceInput struct {
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

// ReplaceCard issues a replacement for a card: a new card number and
// status index, approved for printing, that revokes the old card
// (superseded) in the transaction that activates it. A card reported lost
// or stolen is suspended at once, so it stops verifying while the
// replacement is printed. Idempotent by request key like IssueCard.
func (s *Service) ReplaceCard(ctx context.Context, a docketcard.Actor, cardID string, in ReplaceInput, requestKey string) (*docketcard.Card, error) {
	if err := a.Authorize(docketcard.PermCardManage, ""); err != nil {
		return nil, err
	}
	if err := a.Authorize(docketcard.PermCardIssue, ""); err != nil {
		return nil, err
	}
	valid := false
	for _, r := range ReplaceReasons {
		valid = valid || r == in.Reason
	}
	if utf8.RuneCountInString(in.Note) > docketcard.MaxNoteLength {
		return nil, docketcard.InvalidField("note", "must be at most %d characters", docketcard.MaxNoteLength)
	}
	if !valid {
		return nil, docketcard.InvalidField("reason", "must be one of %s", strings.Join(ReplaceReasons, ", "))
	}
	if err := docketcard.ValidateIdempotencyKey(requestKey); err != nil {
		return nil, err
	}
	var old *docketcard.Card
	var replacement *docketcard.Card
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if old, err = tx.GetCard(ctx, cardID); err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermCardManage, old.SiteCode); err != nil {
			return err
		}
		if prior, err := tx.GetCardByRequestKey(ctx, requestKey); err == nil {
			if prior.Replaces != old.ID {
				return docketcard.Errorf(docketcard.ECONFLICT, "This Idempotency-Key was already used for another card.")
			}
			replacement = prior // a retry
			return nil
		}
		cards, err := tx.ListCards(ctx, old.PersonID)
		if err != nil {
			return err
		}
		for _, c := range cards {
			if c.Replaces == old.ID {
				return docketcard.Errorf(docketcard.ECONFLICT, "Card %s has already been replaced by card %s.", old.CardNumber, c.CardNumber)
			}
		}
		switch {
		case old.State == docketcard.CardPrepared:
			return docketcard.Errorf(docketcard.ECONFLICT, "Card %s is not signed yet; finish its issuance instead of replacing it.", old.CardNumber)
		case old.State == docketcard.CardRevoked && old.StateReason != docketcard.ReasonLostOrStolen:
			return docketcard.Errorf(docketcard.ECONFLICT, "Card %s is revoked (%s); issue a new card instead of a replacement.", old.CardNumber, old.StateReason)
		}
		if (in.Reason == "lost" || in.Reason == "stolen") && old.State != docketcard.CardSuspended && old.State != docketcard.CardRevoked &&
			old.StateAt(s.now()) != docketcard.CardExpired {
			note := "reported " + in.Reason + "; replacement requested"
			if n := strings.TrimSpace(in.Note); n != "" {
				note += ": " + n
			}
			if err := s.change(ctx, tx, a, old, docketcard.EventSuspend, docketcard.CardSuspended, docketcard.ReasonReportedLost, note); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionCardReplace, "card", old.ID, old.SiteCode,
			fmt.Sprintf("card %s replacement requested: %s", old.CardNumber, in.Reason)))
	})
	if err != nil {
		return nil, err
	}
	if replacement != nil && replacement.State != docketcard.CardPrepared {
		return s.eff1(replacement, nil)
	}
	return s.eff1(s.issue(ctx, a, docketcard.PermCardIssue, old.PersonID, requestKey, old.ID))
}

// reprint issues the card that takes a spoiled card's place (same person,
// new card number and status index, back in the print queue) and names it
// in the spoiled card's print-batch row (in batchID, or whichever batch
// holds the card when batchID is ""). The request key is derived from the
// spoiled card, so a retry makes no second one.
func (s *Service) reprint(ctx context.Context, a docketcard.Actor, batchID string, spoiled *docketcard.Card) error {
	c, err := s.issue(ctx, a, docketcard.PermCardPrint, spoiled.PersonID, "reprint:"+spoiled.ID, spoiled.ID)
	if err != nil {
		return fmt.Errorf("card %s was spoiled and revoked, but its reprint could not be issued: %w", spoiled.CardNumber, err)
	}
	return s.store.WithTx(ctx, func(tx docketcard.Tx) error { return tx.SetPrintReprint(ctx, batchID, spoiled.ID, c.ID) })
}

// HandoverResult is a handed-over card and, when the system chose it,
// the holder's new portal PIN (shown once, never stored in clear).
type HandoverResult struct {
	Card     *docketcard.Card     `json:"card"`
	Handover *docketcard.Handover `json:"handover"`
	PIN      string               `json:"pin,omitempty"`
}

// HandoverCard records that a printed card was handed to its holder:
// date, officer and the holder's acknowledgement; sets the holder's
// portal PIN; and, if asked, activates the card — one transaction.
func (s *Service) HandoverCard(ctx context.Context, a docketcard.Actor, cardID string, in docketcard.HandoverInput) (*HandoverResult, error) {
	if err := a.Authorize(docketcard.PermCardManage, ""); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	res := &HandoverResult{}
	pin := in.PIN
	if pin == "" {
		pin = newPIN()
		res.PIN = pin
	}
	hash, err := withHashSlot(ctx, func() string {
		h, _ := HashPassword(pin, s.cfg.Password)
		return h
	})
	if err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		c, err := tx.GetCard(ctx, cardID)
		if err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermCardManage, c.SiteCode); err != nil {
			return err
		}
		if in.Activate {
			// Activation will bump the status counter after this
			// transaction has appended audit entries; every other
			// transaction takes the counter first, then the audit head.
			// Take it first here too, or two transactions could deadlock.
			if err := tx.LockStatusChanges(ctx); err != nil {
				return err
			}
		}
		req := docketcard.TransitionRequest{Event: docketcard.EventHandover}
		if c, err = s.applyTransition(ctx, tx, a, c, &req); err != nil {
			return err
		}
		res.Handover = &docketcard.Handover{CardID: c.ID, At: s.now(), OfficerID: actorID(a), Acknowledgement: in.Acknowledgement,
			Witness: strings.TrimSpace(in.Witness)}
		if err := tx.CreateHandover(ctx, res.Handover); err != nil {
			return err
		}
		if err := tx.SetPortalPIN(ctx, c.PersonID, hash, actorID(a), s.now()); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, s.audit(a, docketcard.ActionHandover, "card", c.ID, c.SiteCode,
			fmt.Sprintf("card %s handed over, acknowledgement %s; portal PIN set", c.CardNumber, in.Acknowledgement))); err != nil {
			return err
		}
		if in.Activate {
			act := docketcard.TransitionRequest{Event: docketcard.EventActivate}
			if c, err = s.applyTransition(ctx, tx, a, c, &act); err != nil {
				return err
			}
		}
		res.Card = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.eff(res.Card)
	return res, nil
}

// newPIN returns a random 6-digit PIN that ValidatePIN accepts.
func newPIN() string {
	for {
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		pin := fmt.Sprintf("%06d", n.Int64())
		if docketcard.ValidatePIN(pin) == nil {
			return pin
		}
	}
}

// GetHandover returns a card's handover record.
func (s *Service) GetHandover(ctx context.Context, a docketcard.Actor, cardID string) (*docketcard.Handover, error) {
	c, err := s.GetCard(ctx, a, cardID)
	if err != nil {
		return nil, err
	}
	var h *docketcard.Handover
	err = s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		h, err = tx.GetHandover(ctx, c.ID)
		return err
	})
	return h, err
}
