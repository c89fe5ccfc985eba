package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
)

// TestRenewExpiring: results expire after the configured period; the
// periodic renewal starts a new run for a cardholder whose clearance is
// about to lapse, and not for one whose clearance is fresh or who has a
// run in progress.
func TestRenewExpiring(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := testapp.New(t, d)
			ctx := context.Background()
			p := enrolWithPhoto(t, app, testapp.SamplePerson("A000000851", "HOU"))
			if _, err := app.Service.IssueCard(ctx, app.Actor(docketcard.RoleEnrollmentOfficer), p.ID, "renew-card-1"); err != nil {
				t.Fatal(err)
			}
			if n, err := app.Service.RenewExpiring(ctx, 7*24*time.Hour); err != nil || n != 0 {
				t.Fatalf("fresh clearance renewed: %d %v", n, err)
			}
			saved := app.Clock.T
			defer func() { app.Clock.T = saved }()
			app.Clock.T = saved.Add(app.Service.CheckPolicy().ResultTTL - 3*24*time.Hour)
			if n, err := app.Service.RenewExpiring(ctx, 7*24*time.Hour); err != nil || n != 1 {
				t.Fatalf("expiring clearance: %d runs started, %v", n, err)
			}
			if n, err := app.Service.RenewExpiring(ctx, 7*24*time.Hour); err != nil || n != 0 {
				t.Fatalf("a run in progress was started again: %d %v", n, err)
			}
			runs, err := app.Service.ListCheckRuns(ctx, docketcard.SystemActor("t"), p.ID)
			if err != nil || len(runs) != 2 || runs[0].Reason != "expiry" {
				t.Fatalf("runs %v %v", runs, err)
			}
		})
	}
}
