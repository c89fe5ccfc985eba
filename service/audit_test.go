package service_test

import (
	"context"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
)

// TestReadsAreAudited: every read of a person's record leaves an entry
// naming the reader and purpose; a reach into another site's record is
// refused and recorded as denied.
func TestReadsAreAudited(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := testapp.New(t, d)
			ctx := context.Background()
			sys := docketcard.SystemActor("test")
			hou, err := app.Service.CreatePerson(ctx, sys, testapp.SamplePerson("A000000101", "HOU"))
			if err != nil {
				t.Fatal(err)
			}
			atl, err := app.Service.CreatePerson(ctx, sys, testapp.SamplePerson("A000000102", "ATL"))
			if err != nil {
				t.Fatal(err)
			}
			adj := app.Actor(docketcard.RoleAdjudicator)
			adj.Purpose = "possible-match review"
			tests := []struct {
				name     string
				read     func() error
				subject  string
				action   string
				wantCode string
			}{
				{"by id", func() error { _, err := app.Service.GetPerson(ctx, adj, hou.ID); return err }, hou.ID, "read", ""},
				{"by A-number", func() error { _, err := app.Service.GetPersonByANumber(ctx, adj, "A000000101"); return err }, hou.ID, "read", ""},
				{"other site", func() error { _, err := app.Service.GetPerson(ctx, adj, atl.ID); return err }, atl.ID, "denied", docketcard.EFORBIDDEN},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					if err := tc.read(); docketcard.ErrorCode(err) != tc.wantCode {
						t.Fatalf("read: %v", err)
					}
					es, err := app.Service.ListAudit(ctx, app.Actor(docketcard.RoleAuditor), docketcard.AuditFilter{SubjectID: tc.subject, Limit: 1000})
					if err != nil {
						t.Fatal(err)
					}
					last := es[len(es)-1]
					if last.Action != tc.action || last.ActorID != adj.UserID || last.Purpose != "possible-match review" {
						t.Fatalf("last entry %+v", last)
					}
				})
			}
		})
	}
}
