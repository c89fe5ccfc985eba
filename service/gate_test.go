package service_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
)

// TestIssuanceGate tries every way around the rule that a card needs every
// required check clear and current: through the service, and straight at
// the database.
func TestIssuanceGate(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := testapp.New(t, d)
			ctx := context.Background()
			sys := docketcard.SystemActor("test")
			officer := app.Actor(docketcard.RoleEnrollmentOfficer)
			adj := app.Actor(docketcard.RoleAdjudicator)
			n := 0
			newPerson := func(family string) *docketcard.Person {
				n++
				in := testapp.SamplePerson("A0000007"+string(rune('0'+n/10))+string(rune('0'+n%10)), "HOU")
				in.FamilyNames = family
				p, err := app.Service.CreatePerson(ctx, officer, in)
				if err != nil {
					t.Fatal(err)
				}
				if p, err = app.Service.SetPhoto(ctx, sys, p.ID, p.Version, bytes.NewReader(testPortrait(t))); err != nil {
					t.Fatal(err)
				}
				return p
			}
			issue := func(p *docketcard.Person, key string) error {
				_, err := app.Service.IssueCard(ctx, officer, p.ID, key)
				return err
			}
			gate := func(t *testing.T, err error) {
				t.Helper()
				if docketcard.ErrorCode(err) != docketcard.EFORBIDDEN || !strings.Contains(err.Error(), "gate") {
					t.Fatalf("got %v, want the issuance gate to refuse", err)
				}
			}

			t.Run("no checks run", func(t *testing.T) {
				gate(t, issue(newPerson("ARBELAEZ"), "gate-none"))
			})
			var pendingPerson string
			t.Run("checks pending", func(t *testing.T) {
				p := newPerson("BUITRAGO")
				pendingPerson = p.ID
				if _, err := app.Service.StartChecks(ctx, officer, p.ID, "enrollment"); err != nil {
					t.Fatal(err)
				}
				gate(t, issue(p, "gate-pending"))
			})
			t.Run("possible match not yet adjudicated, then denied", func(t *testing.T) {
				p := newPerson("CASTRILLON") // no Notice to Appear: the document check is a possible match
				run, err := app.Service.RunChecksNow(ctx, sys, p.ID, "enrollment")
				if err != nil {
					t.Fatal(err)
				}
				gate(t, issue(p, "gate-review"))
				for _, c := range run.Checks {
					if c.State == docketcard.CheckPossibleMatch {
						// The enrolling officer may not decide (two-person rule).
						if _, err := app.Service.Adjudicate(ctx, officer, c.ID, "clear", "I enrolled them myself"); docketcard.ErrorCode(err) != docketcard.EFORBIDDEN {
							t.Fatalf("enrolling officer adjudicated: %v", err)
						}
						if _, err := app.Service.Adjudicate(ctx, adj, c.ID, "deny", "papers could not be verified"); err != nil {
							t.Fatal(err)
						}
					}
				}
				gate(t, issue(p, "gate-denied"))
			})
			t.Run("clearance expires, re-run clears", func(t *testing.T) {
				p := newPerson("DUQUE")
				app.Clear(t, p.ID)
				saved := app.Clock.T
				app.Clock.T = saved.Add(app.Service.CheckPolicy().ResultTTL + time.Hour)
				gate(t, issue(p, "gate-expired"))
				app.Clear(t, p.ID)
				if err := issue(p, "gate-renewed"); err != nil {
					t.Fatalf("after re-running the checks: %v", err)
				}
				app.Clock.T = saved
			})
			t.Run("clearance revoked by recurrent vetting", func(t *testing.T) {
				p := newPerson("ECHEVERRI")
				app.Clear(t, p.ID)
				app.DB.WithTx(ctx, func(tx docketcard.Tx) error {
					_, err := tx.RevokeClearances(ctx, p.ID, "recurrent vetting: possible match", app.Clock.Now())
					return err
				})
				gate(t, issue(p, "gate-revoked"))
			})

			// Straight at the database: the triggers refuse what the
			// service would never send.
			cleared := newPerson("FAJARDO")
			app.Clear(t, cleared.ID)
			if err := issue(cleared, "gate-allowed"); err != nil {
				t.Fatal(err)
			}
			var cardID, clearanceID string
			app.DB.SQL().QueryRow(app.DB.Rebind(`SELECT id, clearance_id FROM cards WHERE person_id = ?`), cleared.ID).Scan(&cardID, &clearanceID)
			other := newPerson("GAVIRIA")
			insert := func(person, clearance string) error {
				var cl any
				if clearance != "" {
					cl = clearance
				}
				_, err := app.DB.SQL().Exec(app.DB.Rebind(`INSERT INTO cards (id, card_number, person_id, site_code, request_key, state,
					status_index, status_uri, issued_at, not_before, expires_at, key_id, claims, claims_sha256, mrz, version,
					created_at, updated_at, clearance_id) VALUES (?, ?, ?, 'HOU', ?, 'prepared', ?, 'u', ?, ?, ?, 'k', ?, 's', 'm', 1, ?, ?, ?)`),
					"x-"+person, "DC99"+person[len(person)-5:], person, "raw-"+person, 999000+n, app.Clock.Now(), app.Clock.Now(),
					app.Clock.Now().AddDate(1, 0, 0), []byte{1}, app.Clock.Now(), app.Clock.Now(), cl)
				return err
			}
			for _, tc := range []struct {
				name              string
				person, clearance string
			}{
				{"card without a clearance", other.ID, ""},
				{"card on another person's clearance", other.ID, clearanceID},
				{"card on an unknown clearance", other.ID, "no-such-clearance"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if err := insert(tc.person, tc.clearance); err == nil {
						t.Fatal("the database accepted it")
					}
				})
			}
			t.Run("card on an expired clearance", func(t *testing.T) {
				if _, err := app.DB.SQL().Exec(app.DB.Rebind(`UPDATE clearances SET granted_at = ?, expires_at = ? WHERE id = ?`),
					app.Clock.Now().Add(-2*time.Hour), app.Clock.Now().Add(-time.Hour), clearanceID); err != nil {
					t.Fatal(err)
				}
				if err := insert(cleared.ID, clearanceID); err == nil {
					t.Fatal("the database accepted a card on an expired clearance")
				}
			})
			t.Run("changing a card's clearance", func(t *testing.T) {
				if _, err := app.DB.SQL().Exec(app.DB.Rebind(`UPDATE cards SET clearance_id = NULL WHERE id = ?`), cardID); err == nil {
					t.Fatal("the database let a card's clearance change")
				}
			})
			t.Run("two-person rule in the database", func(t *testing.T) {
				var checkID string
				app.DB.SQL().QueryRow(app.DB.Rebind(`SELECT id FROM checks WHERE person_id = ? LIMIT 1`), pendingPerson).Scan(&checkID)
				ins := func(by string) error {
					_, err := app.DB.SQL().Exec(app.DB.Rebind(`INSERT INTO adjudications (id, check_id, person_id, site_code, adjudicator_id,
						decision, reason, decided_at) VALUES (?, ?, ?, 'HOU', ?, 'clear', 'a reason that is long enough', ?)`),
						"adj-"+by, checkID, pendingPerson, by, app.Clock.Now())
					return err
				}
				if err := ins(officer.UserID); err == nil || !strings.Contains(err.Error(), "two-person") {
					t.Fatalf("the database accepted an adjudication by the enrolling officer: %v", err)
				}
				if err := ins(adj.UserID); err != nil {
					t.Fatalf("another adjudicator was refused: %v", err)
				}
			})
			// The audit trail records the clearance a card relied on.
			es, err := app.Service.ListAudit(ctx, app.Actor(docketcard.RoleAuditor), docketcard.AuditFilter{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range es {
				found = found || (e.Action == docketcard.ActionCardPrepare && strings.Contains(e.Detail, "clearance "+clearanceID))
			}
			if !found {
				t.Error("no card_prepare audit entry names the clearance")
			}
		})
	}
}
