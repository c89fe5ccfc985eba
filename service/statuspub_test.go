package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/statuslist"
)

// TestStatusPublication: one lease holder publishes; another server
// serves the stored list and takes over only when the lease lapses; a
// change is published once, with its change number.
func TestStatusPublication(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := cardApp(t, dialect)
		ctx := context.Background()
		c := app.Activate(t, issuedCard(t, app, "A200000701").ID)
		svc := app.Service

		first, published, err := svc.PublishStatusList(ctx, "server-a", false)
		if err != nil || !published || first.Seq != 1 || first.Publisher != "server-a" {
			t.Fatalf("first publication: %+v, %v, %v", first, published, err)
		}
		if pub, published, err := svc.PublishStatusList(ctx, "server-b", false); err != nil || pub != nil || published {
			t.Fatalf("server-b published while server-a holds the lease: %+v, %v, %v", pub, published, err)
		}
		if pub, published, err := svc.PublishStatusList(ctx, "server-a", false); err != nil || published || pub.Seq != 1 {
			t.Errorf("no change, yet a new list: %+v, %v, %v", pub, published, err)
		}
		if _, err := svc.TransitionCard(ctx, app.Actor(docketcard.RoleEnrollmentOfficer), c.ID,
			docketcard.TransitionRequest{Event: docketcard.EventRevoke, Reason: docketcard.ReasonCaseClosed}); err != nil {
			t.Fatal(err)
		}
		second, published, err := svc.PublishStatusList(ctx, "server-a", false)
		if err != nil || !published || second.Seq != 2 || second.ChangeSeq <= first.ChangeSeq {
			t.Fatalf("after a revocation: %+v, %v, %v; want publication 2 with a later change number", second, published, err)
		}
		tok, _, err := statuslist.Parse(second.Token, 1<<24)
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := tok.List.Get(c.StatusIndex); st != statuslist.Invalid {
			t.Errorf("revoked card in the published list: %v", st)
		}
		// An index no card holds (a card signed after this list, say)
		// must not read valid to a verifier holding this list.
		unused := (c.StatusIndex + 1) % tok.List.Len()
		if st, _ := tok.List.Get(unused); st != statuslist.Suspended {
			t.Errorf("an unassigned index reads %v; want SUSPENDED", st)
		}
		// Every server serves the newest stored list.
		if cur, err := svc.CurrentStatusList(ctx); err != nil || cur.SHA256 != second.SHA256 {
			t.Errorf("current list %+v, %v; want publication 2", cur, err)
		}
		// The holder stops renewing; after the lease lapses another
		// server takes over.
		app.Clock.T = app.Clock.T.Add(service.StatusLeaseTTL + time.Second)
		third, published, err := svc.PublishStatusList(ctx, "server-b", true)
		if err != nil || !published || third.Seq != 3 || third.Publisher != "server-b" {
			t.Fatalf("takeover: %+v, %v, %v", third, published, err)
		}
		if pub, _, err := svc.PublishStatusList(ctx, "server-a", true); err != nil || pub != nil {
			t.Errorf("the old holder published after losing the lease: %+v, %v", pub, err)
		}
	})
}
