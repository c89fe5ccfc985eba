package service_test

// The card lifecycle on both dialects: the legal path, every illegal
// transition, concurrent transitions, replacement (and a crash in the
// middle of it), spoiled prints, status publication by one publisher,
// and online verification with its encounter records. Synthetic people.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/statuslist"
)

// dialects runs fn as a subtest on each dialect.
func dialects(t *testing.T, fn func(t *testing.T, dialect string)) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

// issuedCard enrols a cleared person and issues them a card (approved).
func issuedCard(t *testing.T, app *testapp.App, anum string) *docketcard.Card {
	t.Helper()
	p := enrolWithPhoto(t, app, testapp.SamplePerson(anum, "HOU"))
	c, err := app.Service.IssueCard(context.Background(), app.Actor(docketcard.RoleEnrollmentOfficer), p.ID, "issue-"+anum)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// listStatus returns a card's value in a freshly built status list.
func listStatus(t *testing.T, app *testapp.App, c *docketcard.Card) statuslist.Status {
	t.Helper()
	_, tok, err := app.Service.StatusList(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st, err := tok.List.Get(c.StatusIndex)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func activeCards(t *testing.T, app *testapp.App, personID string) []string {
	t.Helper()
	var out []string
	if err := app.DB.ReadTx(context.Background(), func(tx docketcard.Tx) error {
		cs, err := tx.CardsOf(context.Background(), personID, docketcard.CardActive)
		for _, c := range cs {
			out = append(out, c.CardNumber)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCardLifecycle(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := cardApp(t, dialect)
		ctx := context.Background()
		officer, printer := app.Actor(docketcard.RoleEnrollmentOfficer), app.Actor(docketcard.RolePrintOperator)
		c := issuedCard(t, app, "A200000101")
		steps := []struct {
			name   string
			as     docketcard.Actor
			req    docketcard.TransitionRequest
			want   docketcard.CardState
			status statuslist.Status
		}{
			{"print", printer, docketcard.TransitionRequest{Event: docketcard.EventPrint}, docketcard.CardPrinted, statuslist.Suspended},
			{"suspend reported lost before handover", officer, docketcard.TransitionRequest{Event: docketcard.EventSuspend, Reason: docketcard.ReasonReportedLost}, docketcard.CardSuspended, statuslist.Suspended},
			{"reinstate found", officer, docketcard.TransitionRequest{Event: docketcard.EventReinstate, Reason: docketcard.ReasonFound, Note: "found in the print room tray"}, docketcard.CardPrinted, statuslist.Suspended},
		}
		if st := listStatus(t, app, c); st != statuslist.Suspended {
			t.Errorf("approved card in the status list: %v; want SUSPENDED (not yet in use)", st)
		}
		for _, s := range steps {
			got, err := app.Service.TransitionCard(ctx, s.as, c.ID, s.req)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got.State != s.want || got.EffectiveState != s.want {
				t.Fatalf("%s: state %s (effective %s); want %s", s.name, got.State, got.EffectiveState, s.want)
			}
			if st := listStatus(t, app, got); st != s.status {
				t.Errorf("%s: status list %v; want %v", s.name, st, s.status)
			}
		}
		res, err := app.Service.HandoverCard(ctx, officer, c.ID, docketcard.HandoverInput{Acknowledgement: "verbal", Witness: "Officer B. Example"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Card.State != docketcard.CardIssued || len(res.PIN) != 6 || docketcard.ValidatePIN(res.PIN) != nil {
			t.Fatalf("handover: state %s, generated PIN %q; want issued and a valid 6-digit PIN", res.Card.State, res.PIN)
		}
		if h, err := app.Service.GetHandover(ctx, officer, c.ID); err != nil || h.OfficerID != officer.UserID || h.Acknowledgement != "verbal" || h.Witness != "Officer B. Example" {
			t.Errorf("handover record: %+v, %v", h, err)
		}
		got, err := app.Service.TransitionCard(ctx, officer, c.ID, docketcard.TransitionRequest{Event: docketcard.EventActivate})
		if err != nil || got.State != docketcard.CardActive {
			t.Fatalf("activate: %v, %v", got, err)
		}
		if st := listStatus(t, app, got); st != statuslist.Valid {
			t.Errorf("active card: status list %v; want VALID", st)
		}
		got, err = app.Service.TransitionCard(ctx, officer, c.ID, docketcard.TransitionRequest{Event: docketcard.EventRevoke, Reason: docketcard.ReasonCaseClosed})
		if err != nil || got.State != docketcard.CardRevoked || got.StateReason != docketcard.ReasonCaseClosed {
			t.Fatalf("revoke: %+v, %v", got, err)
		}
		if st := listStatus(t, app, got); st != statuslist.Invalid {
			t.Errorf("revoked card: status list %v; want INVALID", st)
		}
		hist, err := app.Service.CardHistory(ctx, officer, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var evs []string
		for _, h := range hist {
			evs = append(evs, fmt.Sprintf("%s:%s>%s", h.Event, h.From, h.To))
			if h.ActorID == "" || h.Reason == "" {
				t.Errorf("history entry without actor or reason: %+v", h)
			}
		}
		want := []string{"print:approved>printed", "suspend:printed>suspended", "reinstate:suspended>printed", "handover:printed>issued",
			"activate:issued>active", "revoke:active>revoked"}
		if !slices.Equal(evs, want) {
			t.Errorf("history:\n got %v\nwant %v", evs, want)
		}
		audit, err := app.Service.ListAudit(ctx, app.Actor(docketcard.RoleAuditor), docketcard.AuditFilter{SubjectID: c.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range audit {
			if e.Action == docketcard.ActionCardTransition {
				n++
			}
		}
		if n != len(want) {
			t.Errorf("%d card_transition audit entries; want %d (one per transition)", n, len(want))
		}
	})
}

func TestIllegalTransitions(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := cardApp(t, dialect)
		ctx := context.Background()
		officer, printer := app.Actor(docketcard.RoleEnrollmentOfficer), app.Actor(docketcard.RolePrintOperator)
		approved := issuedCard(t, app, "A200000201")
		active := app.Activate(t, issuedCard(t, app, "A200000202").ID)
		revoked := app.Activate(t, issuedCard(t, app, "A200000203").ID)
		if _, err := app.Service.TransitionCard(ctx, officer, revoked.ID, docketcard.TransitionRequest{Event: docketcard.EventRevoke, Reason: docketcard.ReasonRemoved}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name string
			as   docketcard.Actor
			card *docketcard.Card
			req  docketcard.TransitionRequest
			code string
			msg  string
		}{
			{"activate an approved card", officer, approved, docketcard.TransitionRequest{Event: docketcard.EventActivate}, docketcard.ECONFLICT, "it is approved; activate is allowed only from issued"},
			{"reinstate an active card", officer, active, docketcard.TransitionRequest{Event: docketcard.EventReinstate, Reason: docketcard.ReasonFound, Note: "x"}, docketcard.ECONFLICT, "only from suspended"},
			{"print an active card", printer, active, docketcard.TransitionRequest{Event: docketcard.EventPrint}, docketcard.ECONFLICT, "only from approved"},
			{"reinstate a revoked card", officer, revoked, docketcard.TransitionRequest{Event: docketcard.EventReinstate, Reason: docketcard.ReasonResolved, Note: "x"}, docketcard.ECONFLICT, "it is revoked"},
			{"revoke a revoked card", officer, revoked, docketcard.TransitionRequest{Event: docketcard.EventRevoke, Reason: docketcard.ReasonFraud, Note: "x"}, docketcard.ECONFLICT, "it is revoked"},
			{"unknown event", officer, active, docketcard.TransitionRequest{Event: "destroy"}, docketcard.EINVALID, "event: must be one of"},
			{"suspend without a reason", officer, active, docketcard.TransitionRequest{Event: docketcard.EventSuspend}, docketcard.EINVALID, "reason: is required"},
			{"revoke with a suspension reason", officer, active, docketcard.TransitionRequest{Event: docketcard.EventRevoke, Reason: docketcard.ReasonReportedLost}, docketcard.EINVALID, "reason: must be one of"},
			{"officer action without a note", officer, active, docketcard.TransitionRequest{Event: docketcard.EventSuspend, Reason: docketcard.ReasonOfficerAction}, docketcard.EINVALID, "note: is required"},
			{"handover through transitions", officer, approved, docketcard.TransitionRequest{Event: docketcard.EventHandover}, docketcard.EINVALID, "handover endpoint"},
			{"stale version", officer, active, docketcard.TransitionRequest{Event: docketcard.EventSuspend, Reason: docketcard.ReasonReportedLost, Version: 1}, docketcard.ECONFLICT, "changed by someone else"},
			{"print operator revokes", printer, active, docketcard.TransitionRequest{Event: docketcard.EventRevoke, Reason: docketcard.ReasonFraud, Note: "x"}, docketcard.EFORBIDDEN, "card.manage"},
			{"officer prints", officer, approved, docketcard.TransitionRequest{Event: docketcard.EventPrint}, docketcard.EFORBIDDEN, "card.print"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				before := storedCard(t, app, tt.card.ID)
				_, err := app.Service.TransitionCard(ctx, tt.as, tt.card.ID, tt.req)
				if docketcard.ErrorCode(err) != tt.code || !strings.Contains(docketcard.ErrorMessage(err), tt.msg) {
					t.Fatalf("error %v; want %s containing %q", err, tt.code, tt.msg)
				}
				if after := storedCard(t, app, tt.card.ID); after.State != before.State || after.Version != before.Version {
					t.Errorf("card changed by a rejected transition: %s v%d -> %s v%d", before.State, before.Version, after.State, after.Version)
				}
			})
		}
		t.Run("database refuses to un-revoke", func(t *testing.T) {
			err := app.DB.WithTx(ctx, func(tx docketcard.Tx) error {
				return tx.TransitionCard(ctx, &docketcard.CardChange{ID: service.NewID(), CardID: revoked.ID, Version: storedCard(t, app, revoked.ID).Version,
					From: docketcard.CardRevoked, To: docketcard.CardActive, Event: docketcard.EventActivate, Reason: "x", ActorID: "test", At: time.Now()})
			})
			if docketcard.ErrorCode(err) != docketcard.ECONFLICT || !strings.Contains(err.Error(), "revoked card stays revoked") {
				t.Errorf("store-level un-revoke: %v; want the database's refusal", err)
			}
		})
		t.Run("no reinstatement without a current clearance", func(t *testing.T) {
			c := app.Activate(t, issuedCard(t, app, "A200000204").ID)
			if _, err := app.Service.TransitionCard(ctx, officer, c.ID, docketcard.TransitionRequest{Event: docketcard.EventSuspend, Reason: docketcard.ReasonReportedLost}); err != nil {
				t.Fatal(err)
			}
			// A recurrent-vetting hit revokes the clearance meanwhile.
			if err := app.DB.WithTx(ctx, func(tx docketcard.Tx) error {
				_, err := tx.RevokeClearances(ctx, c.PersonID, "test: possible match", app.Clock.T)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			_, err := app.Service.TransitionCard(ctx, officer, c.ID, docketcard.TransitionRequest{Event: docketcard.EventReinstate, Reason: docketcard.ReasonFound, Note: "holder found it"})
			if docketcard.ErrorCode(err) != docketcard.EFORBIDDEN || !strings.Contains(err.Error(), "no current background-check clearance") {
				t.Errorf("reinstating without a clearance: %v; want EFORBIDDEN", err)
			}
			if s := storedCard(t, app, c.ID); s.State != docketcard.CardSuspended {
				t.Errorf("card %s; want still suspended", s.State)
			}
		})
		t.Run("a vetting hit is reinstated only as resolved", func(t *testing.T) {
			c := app.Activate(t, issuedCard(t, app, "A200000205").ID)
			if _, err := app.Service.TransitionCard(ctx, officer, c.ID, docketcard.TransitionRequest{Event: docketcard.EventSuspend, Reason: docketcard.ReasonVettingHit}); err != nil {
				t.Fatal(err)
			}
			_, err := app.Service.TransitionCard(ctx, officer, c.ID, docketcard.TransitionRequest{Event: docketcard.EventReinstate, Reason: docketcard.ReasonFound, Note: "x"})
			if docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Errorf("reinstating a vetting hit as found: %v; want EINVALID", err)
			}
			if _, err := app.Service.TransitionCard(ctx, officer, c.ID, docketcard.TransitionRequest{Event: docketcard.EventReinstate, Reason: docketcard.ReasonResolved, Note: "adjudicated: false positive"}); err != nil {
				t.Errorf("reinstating as resolved: %v", err)
			}
		})
		t.Run("expired card allows only revocation", func(t *testing.T) {
			saved := app.Clock.T
			defer func() { app.Clock.T = saved }()
			app.Clock.T = active.ExpiresAt.Add(time.Hour)
			c, err := app.Service.GetCard(ctx, officer, active.ID)
			if err != nil || c.EffectiveState != docketcard.CardExpired || c.State != docketcard.CardActive {
				t.Fatalf("expired card read: %+v, %v; want recorded active, effective expired", c, err)
			}
			_, err = app.Service.TransitionCard(ctx, officer, active.ID, docketcard.TransitionRequest{Event: docketcard.EventSuspend, Reason: docketcard.ReasonReportedLost})
			if docketcard.ErrorCode(err) != docketcard.ECONFLICT || !strings.Contains(err.Error(), "expired") {
				t.Errorf("suspend an expired card: %v", err)
			}
		})
	})
}

func TestConcurrentTransitions(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := cardApp(t, dialect)
		ctx := context.Background()
		c := app.Activate(t, issuedCard(t, app, "A200000301").ID)
		reqs := []docketcard.TransitionRequest{
			{Event: docketcard.EventSuspend, Reason: docketcard.ReasonReportedLost},
			{Event: docketcard.EventRevoke, Reason: docketcard.ReasonCaseClosed},
			{Event: docketcard.EventSuspend, Reason: docketcard.ReasonOfficerAction, Note: "second officer"},
			{Event: docketcard.EventRevoke, Reason: docketcard.ReasonRemoved},
		}
		// Both officers looked at the same version.
		for i := range reqs {
			reqs[i].Version = c.Version
		}
		var wg sync.WaitGroup
		errs := make([]error, len(reqs))
		for i, r := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = app.Service.TransitionCard(ctx, app.Actor(docketcard.RoleEnrollmentOfficer), c.ID, r)
			}()
		}
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case docketcard.ErrorCode(err) == docketcard.ECONFLICT:
			default:
				t.Errorf("request %d: %v; want success or a conflict", i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d winners; want exactly one (errors %v)", wins, errs)
		}
		hist, _ := app.Service.CardHistory(ctx, app.Actor(docketcard.RoleEnrollmentOfficer), c.ID)
		if n := len(hist); n != 4 { // print, handover, activate, and the one winner
			t.Errorf("%d history entries; want 4", n)
		}
	})
}

func TestReplacement(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := cardApp(t, dialect)
		ctx := context.Background()
		officer := app.Actor(docketcard.RoleEnrollmentOfficer)
		old := app.Activate(t, issuedCard(t, app, "A200000401").ID)
		if _, err := app.Service.ReplaceCard(ctx, officer, old.ID, service.ReplaceInput{Reason: "misplaced"}, "replace-0401"); docketcard.ErrorCode(err) != docketcard.EINVALID {
			t.Errorf("bad replacement reason: %v; want EINVALID", err)
		}
		repl, err := app.Service.ReplaceCard(ctx, officer, old.ID, service.ReplaceInput{Reason: "lost"}, "replace-0401")
		if err != nil {
			t.Fatal(err)
		}
		if repl.CardNumber == old.CardNumber || repl.StatusIndex == old.StatusIndex || repl.Replaces != old.ID || repl.State != docketcard.CardApproved {
			t.Fatalf("replacement: %+v; want a new number and index, approved, replacing %s", repl, old.ID)
		}
		if again, err := app.Service.ReplaceCard(ctx, officer, old.ID, service.ReplaceInput{Reason: "lost"}, "replace-0401"); err != nil || again.ID != repl.ID {
			t.Errorf("retried replacement: %v, %v; want the same card", again, err)
		}
		if _, err := app.Service.ReplaceCard(ctx, officer, old.ID, service.ReplaceInput{Reason: "lost"}, "replace-0401-b"); docketcard.ErrorCode(err) != docketcard.ECONFLICT {
			t.Errorf("second replacement: %v; want ECONFLICT", err)
		}
		if s := storedCard(t, app, old.ID); s.State != docketcard.CardSuspended || s.StateReason != docketcard.ReasonReportedLost {
			t.Errorf("old card after a lost report: %s (%s); want suspended (reported_lost)", s.State, s.StateReason)
		}
		// The old card, suspended while active, still counts as the
		// person's card in use: a second card cannot become active
		// unless it replaces it.
		other, err := app.Service.IssueCard(ctx, officer, old.PersonID, "issue-0401-other")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Service.TransitionCard(ctx, app.Actor(docketcard.RolePrintOperator), other.ID, docketcard.TransitionRequest{Event: docketcard.EventPrint}); err != nil {
			t.Fatal(err)
		}
		_, err = app.Service.HandoverCard(ctx, officer, other.ID, docketcard.HandoverInput{Acknowledgement: "signature", Activate: true})
		if docketcard.ErrorCode(err) != docketcard.ECONFLICT || !strings.Contains(err.Error(), "already has an active card") {
			t.Errorf("activating a second, non-replacement card: %v; want the one-active-card conflict", err)
		}
		if got := storedCard(t, app, other.ID); got.State != docketcard.CardPrinted {
			t.Errorf("the refused handover left the card %s; want printed (the whole transaction rolled back)", got.State)
		}
		app.Activate(t, repl.ID)
		if s := storedCard(t, app, old.ID); s.State != docketcard.CardRevoked || s.StateReason != docketcard.ReasonSuperseded {
			t.Errorf("old card after the replacement's activation: %s (%s); want revoked (superseded)", s.State, s.StateReason)
		}
		if got := activeCards(t, app, old.PersonID); !slices.Equal(got, []string{repl.CardNumber}) {
			t.Errorf("active cards %v; want exactly the replacement %s", got, repl.CardNumber)
		}
	})
}

// failingActivation fails the transition that activates a card, after
// the transaction has already revoked the card it replaces: a crash
// between the two steps.
type failingActivation struct{ docketcard.Store }

func (f failingActivation) WithTx(ctx context.Context, fn func(docketcard.Tx) error) error {
	return f.Store.WithTx(ctx, func(tx docketcard.Tx) error { return fn(failingTx{tx}) })
}

type failingTx struct{ docketcard.Tx }

var errCrash = errors.New("simulated crash")

func (f failingTx) TransitionCard(ctx context.Context, ch *docketcard.CardChange) error {
	if ch.To == docketcard.CardActive {
		return errCrash
	}
	return f.Tx.TransitionCard(ctx, ch)
}

func TestReplacementCrashBetweenRevokeAndActivate(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := cardApp(t, dialect)
		ctx := context.Background()
		officer := app.Actor(docketcard.RoleEnrollmentOfficer)
		old := app.Activate(t, issuedCard(t, app, "A200000501").ID)
		repl, err := app.Service.ReplaceCard(ctx, officer, old.ID, service.ReplaceInput{Reason: "damaged"}, "replace-0501")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Service.TransitionCard(ctx, app.Actor(docketcard.RolePrintOperator), repl.ID, docketcard.TransitionRequest{Event: docketcard.EventPrint}); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Service.HandoverCard(ctx, officer, repl.ID, docketcard.HandoverInput{Acknowledgement: "signature"}); err != nil {
			t.Fatal(err)
		}
		crashing := service.New(failingActivation{app.DB}, app.Blobs, app.Clock.Now, service.DefaultConfig(), nil)
		crashing.SetCardIssuance(app.Keys, app.Service.CardPolicy())
		_, err = crashing.TransitionCard(ctx, officer, repl.ID, docketcard.TransitionRequest{Event: docketcard.EventActivate})
		if !errors.Is(err, errCrash) {
			t.Fatalf("activation: %v; want the simulated crash", err)
		}
		if got := activeCards(t, app, old.PersonID); !slices.Equal(got, []string{old.CardNumber}) {
			t.Errorf("after the crash: active cards %v; want the old card %s still in use (the revocation rolled back)", got, old.CardNumber)
		}
		if s := storedCard(t, app, old.ID); s.State != docketcard.CardActive {
			t.Errorf("old card after the crash: %s; want active", s.State)
		}
		if _, err := app.Service.TransitionCard(ctx, officer, repl.ID, docketcard.TransitionRequest{Event: docketcard.EventActivate}); err != nil {
			t.Fatalf("activation after recovery: %v", err)
		}
		if got := activeCards(t, app, old.PersonID); !slices.Equal(got, []string{repl.CardNumber}) {
			t.Errorf("after recovery: active cards %v; want the replacement %s only", got, repl.CardNumber)
		}
	})
}

// TestSpoilOutsideTheBatch: a card spoiled through a direct transition is
// shown spoiled in its print batch, with its reprint; resending a batch
// outcome changes nothing; a different outcome is a conflict.
func TestSpoilOutsideTheBatch(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := cardApp(t, dialect)
		ctx := context.Background()
		printer := app.Actor(docketcard.RolePrintOperator)
		a, b := issuedCard(t, app, "A200000351"), issuedCard(t, app, "A200000352")
		batch, err := app.Service.CreatePrintBatch(ctx, printer, "HOU", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch.Cards) != 2 {
			t.Fatalf("batch of %d cards; want 2", len(batch.Cards))
		}
		if _, err := app.Service.TransitionCard(ctx, printer, a.ID, docketcard.TransitionRequest{Event: docketcard.EventSpoil}); err != nil {
			t.Fatal(err)
		}
		outs := []service.PrintOutcome{{CardID: b.ID, Outcome: docketcard.OutcomePrinted}}
		if _, err := app.Service.RecordPrintOutcomes(ctx, printer, batch.ID, outs); err != nil {
			t.Fatal(err)
		}
		got, err := app.Service.RecordPrintOutcomes(ctx, printer, batch.ID, outs) // resent
		if err != nil {
			t.Fatalf("resending an outcome: %v", err)
		}
		for _, c := range got.Cards {
			switch c.CardID {
			case a.ID:
				if c.Outcome != docketcard.OutcomeSpoiled || c.Reprint == "" {
					t.Errorf("card spoiled outside the batch: %+v; want spoiled with its reprint", c)
				}
			case b.ID:
				if c.Outcome != docketcard.OutcomePrinted {
					t.Errorf("printed card: %+v", c)
				}
			}
		}
		if s := storedCard(t, app, b.ID); s.State != docketcard.CardPrinted || s.Version != 3 {
			t.Errorf("after the resend: %s v%d; want printed once (v3)", s.State, s.Version)
		}
		_, err = app.Service.RecordPrintOutcomes(ctx, printer, batch.ID, []service.PrintOutcome{{CardID: b.ID, Outcome: docketcard.OutcomeSpoiled}})
		if docketcard.ErrorCode(err) != docketcard.ECONFLICT {
			t.Errorf("spoiling a card marked printed: %v; want ECONFLICT", err)
		}
	})
}
