package service_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/checks"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/service"
)

// TestListHitNeedsAdjudication: someone who matches a watch-list entry
// (the real OFAC SDN record of Joaquín Guzmán Loera, from the sample
// lists) cannot get a card until an adjudicator clears the match, and the
// decision and the clearance are in the audit trail.
func TestListHitNeedsAdjudication(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := testapp.New(t, d)
			ctx := context.Background()
			pol := docketcard.DefaultCheckPolicy()
			app.Service.SetChecks(pol, map[docketcard.CheckType]service.CheckProvider{
				docketcard.CheckDocument:  checks.Document{Store: app.DB},
				docketcard.CheckDuplicate: checks.Duplicate{Store: app.DB},
				docketcard.CheckWatchlist: checks.Watchlist{Lists: testapp.SampleWatchlists(t)},
			}, nil)
			in := testapp.SamplePerson("A000000901", "HOU")
			in.FamilyNames, in.GivenNames, in.DateOfBirth, in.CountryOfCitizenship, in.CountryOfBirth = "GUZMÁN LOERA", "Joaquín", "1954-12-25", "MEX", "MEX"
			p := enrolWithPhotoOnly(t, app, in)
			sys := docketcard.SystemActor("test")
			if _, err := app.Service.AddDocument(ctx, sys, p.ID, docketcard.DocumentInput{Type: "I-862", Filename: "nta.pdf", IssuedOn: "2026-01-15"},
				[]byte("%PDF-1.4 synthetic")); err != nil {
				t.Fatal(err)
			}
			run, err := app.Service.RunChecksNow(ctx, sys, p.ID, "enrollment")
			if err != nil {
				t.Fatal(err)
			}
			var hit *docketcard.Check
			for _, c := range run.Checks {
				if c.Type == docketcard.CheckWatchlist {
					hit = c
				}
			}
			if hit == nil || hit.State != docketcard.CheckPossibleMatch || !strings.Contains(hit.Evidence, "OFAC:6861") || hit.ListVersions == "" {
				t.Fatalf("watch-list check: %+v", hit)
			}
			officer := app.Actor(docketcard.RoleEnrollmentOfficer)
			if _, err := app.Service.IssueCard(ctx, officer, p.ID, "listhit-first"); docketcard.ErrorCode(err) != docketcard.EFORBIDDEN {
				t.Fatalf("issuance with an open list hit: %v", err)
			}
			adj := app.Actor(docketcard.RoleAdjudicator)
			a, err := app.Service.Adjudicate(ctx, adj, hit.ID, "clear", "different person: identity documents and biometrics reviewed")
			if err != nil {
				t.Fatal(err)
			}
			card, err := app.Service.IssueCard(ctx, officer, p.ID, "listhit-second")
			if err != nil {
				t.Fatalf("issuance after clearance: %v", err)
			}
			es, err := app.Service.ListAudit(ctx, app.Actor(docketcard.RoleAuditor), docketcard.AuditFilter{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var sawDecision, sawClearance bool
			for _, e := range es {
				sawDecision = sawDecision || (e.Action == docketcard.ActionAdjudicate && e.SubjectID == hit.ID && e.ActorID == adj.UserID)
				sawClearance = sawClearance || (e.Action == docketcard.ActionClearanceGrant && e.SubjectID == card.ClearanceID)
			}
			if !sawDecision || !sawClearance {
				t.Fatalf("audit trail: decision %v, clearance %v (adjudication %s)", sawDecision, sawClearance, a.ID)
			}
		})
	}
}

// enrolWithPhotoOnly creates a person with a photo, without clearing them.
func enrolWithPhotoOnly(t *testing.T, app *testapp.App, in docketcard.PersonInput) *docketcard.Person {
	t.Helper()
	ctx := context.Background()
	sys := docketcard.SystemActor("test")
	p, err := app.Service.CreatePerson(ctx, sys, in)
	if err != nil {
		t.Fatal(err)
	}
	if p, err = app.Service.SetPhoto(ctx, sys, p.ID, p.Version, bytesReader(testPortrait(t))); err != nil {
		t.Fatal(err)
	}
	return p
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
