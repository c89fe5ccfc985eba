package service_test

// Online verification: the result for every card state, disclosure by
// who asks, the encounter record every call writes, and bad input.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"image/jpeg"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/demo/portrait"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/photo"
	"github.com/docketcard/docketcard/service"
)

func TestVerifyCard(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := cardApp(t, dialect)
		ctx := context.Background()
		sys := docketcard.SystemActor("test")
		officer := app.Actor(docketcard.RoleEnrollmentOfficer)
		field, clerk := app.Actor(docketcard.RoleFieldVerifier), app.Actor(docketcard.RoleRelyingParty)
		clerk.Agency = app.Users[docketcard.RoleRelyingParty].Agency

		active := app.Activate(t, issuedCard(t, app, "A200000601").ID)
		cs, err := app.Service.CreateCase(ctx, sys, active.PersonID, docketcard.CaseInput{Court: "Houston Immigration Court", Status: "pending",
			ReleaseDocType: "I-220A", OpenedOn: "2025-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Service.CreateHearing(ctx, sys, cs.ID, docketcard.HearingInput{Type: "master", Date: "2027-01-15", Time: "09:00",
			TimeZone: "America/Chicago", CourtAddress: "1919 Smith St, Houston, TX 77002"}); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Service.PutReporting(ctx, sys, cs.ID, docketcard.ReportingInput{Cadence: "monthly", Mode: "in_person",
			StartsOn: "2026-12-01", Location: "126 Northpoint Dr, Houston, TX 77060"}); err != nil {
			t.Fatal(err)
		}
		approved := issuedCard(t, app, "A200000602")
		suspended := app.Activate(t, issuedCard(t, app, "A200000603").ID)
		if _, err := app.Service.TransitionCard(ctx, officer, suspended.ID, docketcard.TransitionRequest{Event: docketcard.EventSuspend, Reason: docketcard.ReasonReportedLost}); err != nil {
			t.Fatal(err)
		}
		revoked := app.Activate(t, issuedCard(t, app, "A200000604").ID)
		if _, err := app.Service.TransitionCard(ctx, officer, revoked.ID, docketcard.TransitionRequest{Event: docketcard.EventRevoke, Reason: docketcard.ReasonFraud, Note: "altered photo"}); err != nil {
			t.Fatal(err)
		}
		// A genuine payload with one bit of the signature changed.
		p, err := credential.Decode(active.QRText, credential.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		signed := slices.Clone(p.Signed)
		signed[len(signed)-1] ^= 1
		forged, _, err := credential.Encode(signed)
		if err != nil {
			t.Fatal(err)
		}

		for _, tt := range []struct {
			name      string
			as        docketcard.Actor
			req       service.VerifyRequest
			result    docketcard.VerifyResult
			disclosed []string
		}{
			{"active by QR, relying party", clerk, service.VerifyRequest{QR: active.QRText}, docketcard.VerifyValid, []string{"validity", "name", "photo"}},
			{"active by QR, field officer", field, service.VerifyRequest{QR: active.QRText, Purpose: "traffic stop"}, docketcard.VerifyValid, []string{"validity", "name", "photo", "case_summary"}},
			{"active by number, field officer", field, service.VerifyRequest{CardNumber: strings.ToLower(active.CardNumber), Purpose: "check-in"}, docketcard.VerifyValid, []string{"validity", "name", "photo", "case_summary"}},
			{"active by number, relying party: validity only", clerk, service.VerifyRequest{CardNumber: active.CardNumber}, docketcard.VerifyValid, []string{"validity"}},
			{"approved, not yet active", clerk, service.VerifyRequest{QR: approved.QRText}, docketcard.VerifySuspended, []string{"validity"}},
			{"suspended, relying party sees no name", clerk, service.VerifyRequest{QR: suspended.QRText}, docketcard.VerifySuspended, []string{"validity"}},
			{"revoked, field officer", field, service.VerifyRequest{QR: revoked.QRText, Purpose: "traffic stop"}, docketcard.VerifyRevoked, []string{"validity", "name", "photo", "case_summary"}},
			{"forged signature", clerk, service.VerifyRequest{QR: forged}, docketcard.VerifyNotGenuine, []string{"validity"}},
			{"unknown number", field, service.VerifyRequest{CardNumber: "DC0000000", Purpose: "traffic stop"}, docketcard.VerifyNotGenuine, []string{"validity"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				v, err := app.Service.VerifyCard(ctx, tt.as, tt.req)
				if err != nil {
					t.Fatal(err)
				}
				if v.Result != tt.result || !slices.Equal(v.Disclosed, tt.disclosed) {
					t.Fatalf("result %s (%s), disclosed %v; want %s, %v", v.Result, v.Detail, v.Disclosed, tt.result, tt.disclosed)
				}
				if (v.Holder != nil) != slices.Contains(tt.disclosed, "name") || (v.CaseSummary != nil) != slices.Contains(tt.disclosed, "case_summary") {
					t.Errorf("holder %v, case summary %v do not match the disclosure %v", v.Holder != nil, v.CaseSummary != nil, v.Disclosed)
				}
				if v.Holder != nil && (v.Holder.FamilyNames == "" || len(v.Holder.Photo) == 0) {
					t.Errorf("holder without name or photo: %+v", v.Holder)
				}
				if v.EncounterID == "" {
					t.Error("no encounter recorded")
				}
				// Why a card was stopped is not a relying party's business.
				if !tt.as.Has(docketcard.RoleFieldVerifier) && strings.Contains(v.Detail, ":") {
					t.Errorf("a relying party was told %q", v.Detail)
				}
			})
		}
		t.Run("a forged card number is not recorded", func(t *testing.T) {
			// A payload signed by someone else's key: its card number is
			// the forger's text, which must not reach the audit trail.
			c := p.Credential
			c.CardNumber = "Jane Q Example, born 1990-01-01"
			claims, err := c.Claims()
			if err != nil {
				t.Fatal(err)
			}
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			signed, err := credential.Sign(claims, key, p.KeyID)
			if err != nil {
				t.Fatal(err)
			}
			qr, _, err := credential.Encode(signed)
			if err != nil {
				t.Fatal(err)
			}
			v, err := app.Service.VerifyCard(ctx, clerk, service.VerifyRequest{QR: qr})
			if err != nil {
				t.Fatal(err)
			}
			if v.Result != docketcard.VerifyNotGenuine {
				t.Fatalf("result %s, want not_genuine", v.Result)
			}
			var found *docketcard.Encounter
			if err := app.DB.ReadTx(ctx, func(tx docketcard.Tx) error {
				return tx.ScanAudit(ctx, func(e *docketcard.AuditEntry) error {
					if strings.Contains(e.Detail, "Example") {
						t.Errorf("the forged card number is in audit entry %d: %s", e.Seq, e.Detail)
					}
					if e.SubjectType == "encounter" && e.SubjectID == v.EncounterID {
						found, err = docketcard.EncounterFromAudit(e)
					}
					return err
				})
			}); err != nil {
				t.Fatal(err)
			}
			if found == nil || found.CardNumber != "" || found.Result != docketcard.VerifyNotGenuine {
				t.Fatalf("encounter %+v; want one, not genuine, without a card number", found)
			}
		})
		t.Run("case summary", func(t *testing.T) {
			v, err := app.Service.VerifyCard(ctx, field, service.VerifyRequest{QR: active.QRText, Purpose: "traffic stop"})
			if err != nil {
				t.Fatal(err)
			}
			if len(v.CaseSummary.Cases) != 1 {
				t.Fatalf("case summary %+v; want one case", v.CaseSummary)
			}
			c := v.CaseSummary.Cases[0]
			if c.Status != "pending" || c.NextHearing == nil || c.NextHearing.StartsAt.Format("2006-01-02") != "2027-01-15" ||
				c.Reporting == nil || c.Reporting.NextReportDue != "2026-12-01" || c.Reporting.Compliance != "on_schedule" {
				t.Errorf("case summary %+v / hearing %+v / reporting %+v", c, c.NextHearing, c.Reporting)
			}
		})
		t.Run("encounters", func(t *testing.T) {
			es, err := app.Service.ListEncounters(ctx, officer, active.PersonID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 5 { // relying party by QR and by number, officer by QR and by number, case summary
				t.Fatalf("%d encounters for the active card's holder; want 5", len(es))
			}
			var agencies, purposes []string
			for _, e := range es {
				agencies, purposes = append(agencies, e.Agency), append(purposes, e.Purpose)
				if e.CardID != active.ID || e.UserID == "" || e.Result != docketcard.VerifyValid || len(e.Disclosed) == 0 {
					t.Errorf("encounter %+v", e)
				}
			}
			if !slices.Contains(agencies, "Test County Court") || !slices.Contains(agencies, "DHS") || !slices.Contains(purposes, "traffic stop") || !slices.Contains(purposes, "identity check") {
				t.Errorf("encounter agencies %v, purposes %v", agencies, purposes)
			}
			if !slices.IsSortedFunc(es, func(a, b *docketcard.Encounter) int { return b.At.Compare(a.At) }) {
				t.Error("encounters not newest first")
			}
			// Each encounter is its verification's audit entry, in the chain.
			var verified []*docketcard.AuditEntry
			if err := app.DB.ReadTx(ctx, func(tx docketcard.Tx) error {
				return tx.ScanAudit(ctx, func(e *docketcard.AuditEntry) error {
					if e.Action == docketcard.ActionVerifyCard && e.SubjectID == active.ID {
						verified = append(verified, e)
					}
					return nil
				})
			}); err != nil {
				t.Fatal(err)
			}
			if len(verified) != len(es) {
				t.Fatalf("%d verification audit entries for the card, %d encounters", len(verified), len(es))
			}
			for i, e := range verified {
				if enc, err := docketcard.EncounterFromAudit(e); err != nil || enc.ID != es[len(es)-1-i].ID {
					t.Errorf("audit entry %d: %v, %v; want encounter %s", e.Seq, enc, err, es[len(es)-1-i].ID)
				}
			}
		})
		t.Run("encounters written by earlier versions", func(t *testing.T) {
			// Earlier versions wrote each encounter as a row of the
			// encounters table beside a verify_card audit entry with a
			// free-text detail. The rows are listed, merged by time (a
			// server of the earlier version may still write them during
			// an upgrade), and those entries are not listed again.
			newest, err := app.Service.ListEncounters(ctx, officer, active.PersonID, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, old := range []struct {
				id string
				at time.Time
			}{
				{"enc-legacy", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
				{"enc-during-upgrade", newest[0].At.Add(time.Second)},
			} {
				if _, err := app.DB.SQL().Exec(app.DB.Rebind(`INSERT INTO encounters (id, at, card_id, card_number, person_id, user_id,
					agency, role, purpose, method, result, disclosed) VALUES (?, ?, ?, ?, ?, 'u-old', 'Old County', 'relying_party',
					'identity check', 'qr', 'valid', 'validity,name,photo')`), old.id, old.at, active.ID, active.CardNumber, active.PersonID); err != nil {
					t.Fatal(err)
				}
				if err := app.DB.WithTx(ctx, func(tx docketcard.Tx) error {
					return tx.AppendAudit(ctx, &docketcard.AuditEntry{At: old.at, ActorID: "u-old", ActorName: "clerk", ActorRoles: "relying_party",
						Action: docketcard.ActionVerifyCard, SubjectType: "card", SubjectID: active.ID, Purpose: "identity check",
						Detail: "verification by qr: valid, disclosed validity+name+photo, encounter " + old.id})
				}); err != nil {
					t.Fatal(err)
				}
			}
			es, err := app.Service.ListEncounters(ctx, officer, active.PersonID, 0)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range es {
				ids = append(ids, e.ID)
			}
			if len(es) != 7 || es[0].ID != "enc-during-upgrade" || es[6].ID != "enc-legacy" || es[6].Agency != "Old County" ||
				!reflect.DeepEqual(es[6].Disclosed, []string{"validity", "name", "photo"}) {
				t.Fatalf("encounters %v; want 7, the row written during the upgrade first and the legacy one last, each once", ids)
			}
			for _, tc := range []struct {
				name  string
				limit int
			}{
				{"limit within the newest", 2},
				{"limit reaching the last audit entry", 6},
				{"limit reaching the legacy row", 7},
				{"limit past the end", 50},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got, err := app.Service.ListEncounters(ctx, officer, active.PersonID, tc.limit)
					if err != nil {
						t.Fatal(err)
					}
					want := es[:min(tc.limit, len(es))]
					if len(got) != len(want) {
						t.Fatalf("limit %d: %d encounters, want %d", tc.limit, len(got), len(want))
					}
					for i := range want {
						if got[i].ID != want[i].ID {
							t.Fatalf("limit %d: encounter %d is %s, want %s", tc.limit, i, got[i].ID, want[i].ID)
						}
					}
				})
			}
		})
		t.Run("bad input", func(t *testing.T) {
			for _, tt := range []struct {
				name string
				as   docketcard.Actor
				req  service.VerifyRequest
				code string
				msg  string
			}{
				{"nothing", clerk, service.VerifyRequest{}, docketcard.EINVALID, "give the QR payload or the card number"},
				{"both", clerk, service.VerifyRequest{QR: active.QRText, CardNumber: active.CardNumber}, docketcard.EINVALID, "not both"},
				{"malformed number", clerk, service.VerifyRequest{CardNumber: "12345"}, docketcard.EINVALID, "DC followed by 7 digits"},
				{"not a QR payload", clerk, service.VerifyRequest{QR: "hello world"}, docketcard.EINVALID, "not a Secure Docket Card QR payload"},
				{"too long", clerk, service.VerifyRequest{QR: strings.Repeat("A", 5000)}, docketcard.EINVALID, "longer than any card"},
				{"officer without purpose", field, service.VerifyRequest{QR: active.QRText}, docketcard.EINVALID, "purpose: is required"},
				{"adjudicator may not verify", app.Actor(docketcard.RoleAdjudicator), service.VerifyRequest{QR: active.QRText}, docketcard.EFORBIDDEN, "card.verify"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					_, err := app.Service.VerifyCard(ctx, tt.as, tt.req)
					if docketcard.ErrorCode(err) != tt.code || !strings.Contains(docketcard.ErrorMessage(err), tt.msg) {
						t.Errorf("error %v; want %s containing %q", err, tt.code, tt.msg)
					}
				})
			}
		})
	})
}

// FuzzVerifyCard: whatever a client sends as the QR payload or card
// number, verification answers with a result or a clear EINVALID, never
// anything else, and a genuine result only for the genuine card.
func FuzzVerifyCard(f *testing.F) {
	app := testapp.New(f, "sqlite")
	p, err := app.Service.CreatePerson(context.Background(), docketcard.SystemActor("test"), testapp.SamplePerson("A200000901", "HOU"))
	if err != nil {
		f.Fatal(err)
	}
	jpeg, err := portrait.Generate(9, "F")
	if err != nil {
		f.Fatal(err)
	}
	if p, err = app.Service.SetPhoto(context.Background(), docketcard.SystemActor("test"), p.ID, p.Version, bytes.NewReader(jpeg)); err != nil {
		f.Fatal(err)
	}
	app.Clear(f, p.ID)
	c, err := app.Service.IssueCard(context.Background(), app.Actor(docketcard.RoleEnrollmentOfficer), p.ID, "fuzz-verify-1")
	if err != nil {
		f.Fatal(err)
	}
	app.Activate(f, c.ID)
	f.Add(c.QRText, "")
	f.Add(c.QRText[:len(c.QRText)/2], "")
	f.Add(strings.ToLower(c.QRText), "")
	f.Add("", c.CardNumber)
	f.Add("", "DC0000001")
	f.Add("HC1:6BF", "")
	f.Add("%%%%", "")
	f.Add("", "dc1234567")
	f.Add("", "DC12345678")
	clerk := app.Actor(docketcard.RoleRelyingParty)
	f.Fuzz(func(t *testing.T, qr, number string) {
		v, err := app.Service.VerifyCard(context.Background(), clerk, service.VerifyRequest{QR: qr, CardNumber: number})
		if err != nil {
			if docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		switch v.Result {
		case docketcard.VerifyValid, docketcard.VerifySuspended, docketcard.VerifyRevoked, docketcard.VerifyExpired:
			if v.CardNumber != c.CardNumber {
				t.Fatalf("result %s for card %q: only the issued card can be genuine", v.Result, v.CardNumber)
			}
		case docketcard.VerifyNotGenuine:
		default:
			t.Fatalf("unknown result %q", v.Result)
		}
		if v.EncounterID == "" {
			t.Fatal("no encounter recorded")
		}
	})
}

// TestTokenCacheRevocation: a token the server has checked (and cached)
// stops working at once when it is revoked or its user is disabled.
func TestTokenCacheRevocation(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := testapp.New(t, dialect)
		ctx := context.Background()
		sys := docketcard.SystemActor("test")
		u := app.Users[docketcard.RoleFieldVerifier]
		for _, tt := range []struct {
			name   string
			revoke func(tok *service.CreatedToken) error
		}{
			{"token revoked", func(tok *service.CreatedToken) error { return app.Service.RevokeToken(ctx, sys, u.ID, tok.ID) }},
			{"user disabled", func(*service.CreatedToken) error {
				yes := true
				cur, err := app.Service.GetUser(ctx, sys, u.ID)
				if err != nil {
					return err
				}
				_, err = app.Service.UpdateUser(ctx, sys, u.ID, docketcard.UserPatch{Version: &cur.Version, Disabled: &yes})
				return err
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				tok, err := app.Service.CreateToken(ctx, sys, u.ID, "cache test", 0)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < 2; i++ { // the second is served from the cache
					if _, err := app.Service.AuthenticateToken(ctx, tok.Secret); err != nil {
						t.Fatal(err)
					}
				}
				if err := tt.revoke(tok); err != nil {
					t.Fatal(err)
				}
				if _, err := app.Service.AuthenticateToken(ctx, tok.Secret); docketcard.ErrorCode(err) != docketcard.EUNAUTHORIZED {
					t.Errorf("after the change: %v; want EUNAUTHORIZED at once", err)
				}
			})
		}
	})
}

// TestVerifyScopeAndLegacyPhoto: an enrolment officer sees the case
// summary only for cards of their own sites; a person enrolled before
// display copies existed is shown a display-size photo, never the
// enrolment photo.
func TestVerifyScopeAndLegacyPhoto(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := cardApp(t, dialect)
		ctx := context.Background()
		sys := docketcard.SystemActor("test")
		p := enrolWithPhoto(t, app, testapp.SamplePerson("A200000801", "ATL"))
		c, err := app.Service.IssueCard(ctx, sys, p.ID, "issue-0801")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Service.TransitionCard(ctx, sys, c.ID, docketcard.TransitionRequest{Event: docketcard.EventPrint}); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Service.HandoverCard(ctx, sys, c.ID, docketcard.HandoverInput{Acknowledgement: "signature", Activate: true}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name    string
			as      docketcard.Actor
			summary bool
		}{
			{"field verifier, any site", app.Actor(docketcard.RoleFieldVerifier), true},
			{"enrolment officer of another site", app.Actor(docketcard.RoleEnrollmentOfficer), false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				v, err := app.Service.VerifyCard(ctx, tt.as, service.VerifyRequest{QR: c.QRText, Purpose: "check-in"})
				if err != nil {
					t.Fatal(err)
				}
				if (v.CaseSummary != nil) != tt.summary || slices.Contains(v.Disclosed, "case_summary") != tt.summary {
					t.Errorf("case summary shown: %v (disclosed %v); want %v", v.CaseSummary != nil, v.Disclosed, tt.summary)
				}
			})
		}
		t.Run("legacy photo", func(t *testing.T) {
			if _, err := app.DB.SQL().ExecContext(ctx, app.DB.Rebind(`DELETE FROM person_display_photos WHERE person_id = ?`), p.ID); err != nil {
				t.Fatal(err)
			}
			v, err := app.Service.VerifyCard(ctx, app.Actor(docketcard.RoleRelyingParty), service.VerifyRequest{QR: c.QRText})
			if err != nil {
				t.Fatal(err)
			}
			if v.Holder == nil || len(v.Holder.Photo) == 0 {
				t.Fatalf("no photo: %+v", v.Holder)
			}
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(v.Holder.Photo))
			if err != nil {
				t.Fatal(err)
			}
			if max(cfg.Width, cfg.Height) > photo.DisplayMaxSide {
				t.Errorf("photo %dx%d; want a display copy (at most %d px)", cfg.Width, cfg.Height, photo.DisplayMaxSide)
			}
		})
	})
}
