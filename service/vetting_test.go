package service_test

import (
	"context"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/checks"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/statuslist"
)

// listed is a watch-list provider whose list can be "updated" by the test.
type listed struct{ hit bool }

func (l *listed) Run(ctx context.Context, p *docketcard.Person, c *docketcard.Check) (*service.CheckOutcome, error) {
	if l.hit {
		return &service.CheckOutcome{State: docketcard.CheckPossibleMatch, Score: 0.93, ListVersions: "TEST 2", Evidence: `{"candidates":[{"entity_id":"TEST:1"}]}`}, nil
	}
	return &service.CheckOutcome{State: docketcard.CheckClear, ListVersions: "TEST 1", Evidence: `{"candidates":[]}`}, nil
}

// TestRecurrentVetting: after a list update, re-screening every cardholder
// finds a new possible match, revokes the clearance, suspends the card in
// the status list (by policy) and puts the case in the review queue; once
// an adjudicator clears it, the person can be issued a card again.
func TestRecurrentVetting(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := testapp.New(t, d)
			ctx := context.Background()
			list := &listed{}
			pol := docketcard.DefaultCheckPolicy()
			pol.SuspendOnHit = true
			app.Service.SetChecks(pol, map[docketcard.CheckType]service.CheckProvider{
				docketcard.CheckDocument:  checks.Document{Store: app.DB},
				docketcard.CheckDuplicate: checks.Duplicate{Store: app.DB},
				docketcard.CheckWatchlist: list,
			}, nil)
			p := enrolWithPhoto(t, app, testapp.SamplePerson("A000000801", "HOU"))
			officer := app.Actor(docketcard.RoleEnrollmentOfficer)
			card, err := app.Service.IssueCard(ctx, officer, p.ID, "vetting-first")
			if err != nil {
				t.Fatal(err)
			}
			sys := docketcard.SystemActor("vetting")
			if n, hits, err := app.Service.Rescreen(ctx, sys); err != nil || n != 1 || hits != 0 {
				t.Fatalf("rescreen before the update: %d %d %v", n, hits, err)
			}
			list.hit = true // the list was updated
			n, hits, err := app.Service.Rescreen(ctx, sys)
			if err != nil || n != 1 || hits != 1 {
				t.Fatalf("rescreen after the update: %d people, %d hits, %v", n, hits, err)
			}
			if _, err := app.Service.IssueCard(ctx, officer, p.ID, "vetting-second"); docketcard.ErrorCode(err) != docketcard.EFORBIDDEN {
				t.Fatalf("issuance after a vetting hit: %v", err)
			}
			_, tok, err := app.Service.StatusList(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st, _ := tok.List.Get(card.StatusIndex); st != statuslist.Suspended {
				t.Fatalf("card status %v, want suspended", st)
			}
			adj := app.Actor(docketcard.RoleAdjudicator)
			q, err := app.Service.ReviewQueue(ctx, adj, "", 50)
			if err != nil || len(q) != 1 || q[0].Check.Type != docketcard.CheckWatchlist {
				t.Fatalf("review queue %v %v", q, err)
			}
			// The adjudicator clears the hit; the person needs a fresh run
			// of every check for a new clearance.
			if _, err := app.Service.Adjudicate(ctx, adj, q[0].Check.ID, "clear", "different person: date of birth and nationality differ"); err != nil {
				t.Fatal(err)
			}
			list.hit = false
			app.Clear(t, p.ID)
			if _, err := app.Service.IssueCard(ctx, officer, p.ID, "vetting-third"); err != nil {
				t.Fatalf("issuance after clearance: %v", err)
			}
		})
	}
}

// TestRescreenOnce: each watch-list version set re-screens the cardholders
// once, however many servers (calls) see it; a site user re-screens only
// the cardholders of their sites.
func TestRescreenOnce(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := testapp.New(t, d)
			ctx := context.Background()
			app.Service.SetChecks(docketcard.DefaultCheckPolicy(), map[docketcard.CheckType]service.CheckProvider{
				docketcard.CheckDocument:  checks.Document{Store: app.DB},
				docketcard.CheckDuplicate: checks.Duplicate{Store: app.DB},
				docketcard.CheckWatchlist: &listed{},
			}, nil)
			p := enrolWithPhoto(t, app, testapp.SamplePerson("A000000811", "HOU"))
			if _, err := app.Service.IssueCard(ctx, app.Actor(docketcard.RoleEnrollmentOfficer), p.ID, "once-first"); err != nil {
				t.Fatal(err)
			}
			sys := docketcard.SystemActor("vetting")
			atlOnly := app.Actor(docketcard.RoleEnrollmentOfficer)
			atlOnly.Sites = []string{"ATL"}
			for _, tc := range []struct {
				name     string
				actor    docketcard.Actor
				lists    string
				wantRan  bool
				wantN    int
				wantCode string
			}{
				{name: "first server to see the lists", actor: sys, lists: "OFAC-SDN 2021-01-01 sha256:aaa", wantRan: true, wantN: 1},
				{name: "second server, same lists", actor: sys, lists: "OFAC-SDN 2021-01-01 sha256:aaa", wantRan: false},
				{name: "updated lists", actor: sys, lists: "OFAC-SDN 2021-02-01 sha256:bbb", wantRan: true, wantN: 1},
				{name: "site user outside the holder's site", actor: atlOnly, lists: "OFAC-SDN 2021-03-01 sha256:ccc", wantRan: true, wantN: 0},
				{name: "no lists loaded", actor: sys, lists: "", wantCode: docketcard.EINVALID},
				{name: "field verifier may not", actor: app.Actor(docketcard.RoleFieldVerifier), lists: "OFAC-SDN 2021-04-01 sha256:ddd", wantCode: docketcard.EFORBIDDEN},
			} {
				t.Run(tc.name, func(t *testing.T) {
					ran, n, hits, err := app.Service.RescreenOnce(ctx, tc.actor, tc.lists)
					if got := docketcard.ErrorCode(err); (err != nil || tc.wantCode != "") && got != tc.wantCode {
						t.Fatalf("error %v (code %q), want code %q", err, got, tc.wantCode)
					}
					if ran != tc.wantRan || n != tc.wantN || hits != 0 {
						t.Fatalf("ran %v, screened %d, hits %d; want ran %v, screened %d, no hits", ran, n, hits, tc.wantRan, tc.wantN)
					}
				})
			}
		})
	}
}
