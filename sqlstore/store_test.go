package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/sqlstore"
)

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 123456000, time.UTC)

func site(code string) *docketcard.Site {
	return &docketcard.Site{Code: code, Name: code + " Field Office", City: "Houston", TimeZone: "America/Chicago",
		CardQuota: 100, Active: true, CreatedAt: t0, UpdatedAt: t0}
}

func person(id, anum, site string) *docketcard.Person {
	dob, _ := docketcard.ParsePartialDate("1990-04")
	return &docketcard.Person{ID: id, ANumber: docketcard.ANumber(anum),
		Name:        docketcard.Name{FamilyNames: "GARCÍA LÓPEZ", GivenNames: "María José"},
		Aliases:     []docketcard.Name{{FamilyNames: "GARCIA", GivenNames: "Maria"}, {FamilyNames: "LOPEZ", GivenNames: ""}},
		DateOfBirth: dob, Sex: "F", CountryOfCitizenship: "MEX", CountryOfBirth: "MEX", PreferredLanguage: "es",
		MailingAddress: docketcard.Address{Street1: "1 Main St", City: "Houston", State: "TX", ZIP: "77002"},
		SiteCode:       site, CreatedAt: t0, UpdatedAt: t0}
}

func mustTx(t *testing.T, db *sqlstore.DB, fn func(tx docketcard.Tx) error) {
	t.Helper()
	if err := db.WithTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func code(err error) string { return docketcard.ErrorCode(err) }

func TestPersonRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreateSite(ctx, site("HOU")) })
		p := person("p1", "A012345678", "HOU")
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreatePerson(ctx, p) })
		var got *docketcard.Person
		err := db.ReadTx(ctx, func(tx docketcard.Tx) error {
			var err error
			got, err = tx.GetPersonByANumber(ctx, "A012345678")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "p1" || got.FamilyNames != "GARCÍA LÓPEZ" || got.DateOfBirth.String() != "1990-04" || len(got.Aliases) != 2 ||
			got.Aliases[1].FamilyNames != "LOPEZ" || !got.CreatedAt.Equal(t0) || got.Version != 1 || got.MailingAddress.ZIP != "77002" {
			t.Fatalf("round trip changed the person: %+v", got)
		}
	})
}

func TestConstraintsBecomeDomainErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreateSite(ctx, site("HOU")) })
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreatePerson(ctx, person("p1", "A012345678", "HOU")) })
		tests := []struct {
			name string
			fn   func(tx docketcard.Tx) error
			want string
		}{
			{"duplicate A-number", func(tx docketcard.Tx) error { return tx.CreatePerson(ctx, person("p2", "A012345678", "HOU")) }, docketcard.ECONFLICT},
			{"duplicate site", func(tx docketcard.Tx) error { return tx.CreateSite(ctx, site("HOU")) }, docketcard.ECONFLICT},
			{"unknown site", func(tx docketcard.Tx) error { return tx.CreatePerson(ctx, person("p3", "A000000003", "XXX")) }, docketcard.EINVALID},
			{"missing person", func(tx docketcard.Tx) error { _, err := tx.GetPerson(ctx, "nope"); return err }, docketcard.ENOTFOUND},
			{"missing case", func(tx docketcard.Tx) error { _, err := tx.GetCase(ctx, "nope"); return err }, docketcard.ENOTFOUND},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := db.WithTx(ctx, tc.fn)
				if code(err) != tc.want {
					t.Fatalf("got %v (code %s), want code %s", err, code(err), tc.want)
				}
			})
		}
		// Nothing half-written: the failed duplicate left one person.
		var n int
		db.SQL().QueryRow(`SELECT COUNT(*) FROM people`).Scan(&n)
		if n != 1 {
			t.Fatalf("people = %d, want 1", n)
		}
	})
}

func TestOptimisticConcurrency(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreateSite(ctx, site("HOU")) })
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreatePerson(ctx, person("p1", "A012345678", "HOU")) })
		a := person("p1", "A012345678", "HOU")
		a.Version, a.GivenNames = 1, "First Writer"
		b := person("p1", "A012345678", "HOU")
		b.Version, b.GivenNames = 1, "Second Writer"
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.UpdatePerson(ctx, a) })
		if a.Version != 2 {
			t.Fatalf("version after update = %d, want 2", a.Version)
		}
		err := db.WithTx(ctx, func(tx docketcard.Tx) error { return tx.UpdatePerson(ctx, b) })
		if code(err) != docketcard.ECONFLICT || !strings.Contains(err.Error(), "version 2") {
			t.Fatalf("stale update: got %v, want a conflict naming version 2", err)
		}
		s := site("HOU")
		s.Version = 7
		err = db.WithTx(ctx, func(tx docketcard.Tx) error { return tx.UpdateSite(ctx, s) })
		if code(err) != docketcard.ECONFLICT {
			t.Fatalf("stale site update: got %v", err)
		}
		s.Code = "NOPE"
		err = db.WithTx(ctx, func(tx docketcard.Tx) error { return tx.UpdateSite(ctx, s) })
		if code(err) != docketcard.ENOTFOUND {
			t.Fatalf("update of a missing site: got %v", err)
		}
	})
}

// TestConcurrentEditsOneWinner races many writers on one version; exactly
// one must win and the rest get conflicts.
func TestConcurrentEditsOneWinner(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreateSite(ctx, site("HOU")) })
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreatePerson(ctx, person("p1", "A012345678", "HOU")) })
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := person("p1", "A012345678", "HOU")
				p.Version = 1
				err := db.WithTx(ctx, func(tx docketcard.Tx) error { return tx.UpdatePerson(ctx, p) })
				mu.Lock()
				defer mu.Unlock()
				switch code(err) {
				case "":
					wins++
				case docketcard.ECONFLICT:
					conflicts++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || conflicts != 7 {
			t.Fatalf("wins=%d conflicts=%d, want 1 and 7", wins, conflicts)
		}
	})
}

func TestRollbackLeavesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreateSite(ctx, site("HOU")) })
		boom := errors.New("boom")
		err := db.WithTx(ctx, func(tx docketcard.Tx) error {
			if err := tx.CreatePerson(ctx, person("p1", "A012345678", "HOU")); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, &docketcard.AuditEntry{At: t0, ActorID: "u", Action: "create", SubjectType: "person", SubjectID: "p1"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		var people, audits, head int
		db.SQL().QueryRow(`SELECT COUNT(*) FROM people`).Scan(&people)
		db.SQL().QueryRow(`SELECT COUNT(*) FROM person_aliases`).Scan(&audits)
		db.SQL().QueryRow(`SELECT seq FROM audit_head`).Scan(&head)
		if people != 0 || audits != 0 || head != 0 {
			t.Fatalf("rollback left people=%d aliases=%d head=%d", people, audits, head)
		}
	})
}

func TestListPeoplePagesBySite(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustTx(t, db, func(tx docketcard.Tx) error {
			if err := tx.CreateSite(ctx, site("HOU")); err != nil {
				return err
			}
			if err := tx.CreateSite(ctx, site("ATL")); err != nil {
				return err
			}
			var ps []*docketcard.Person
			for i := 0; i < 25; i++ {
				s := "HOU"
				if i%5 == 0 {
					s = "ATL"
				}
				ps = append(ps, person(string(rune('a'+i)), "A0000001"+string(rune('0'+i/10))+string(rune('0'+i%10)), s))
			}
			return tx.CreatePeople(ctx, ps)
		})
		var all []string
		after := ""
		for {
			var page []*docketcard.Person
			err := db.ReadTx(ctx, func(tx docketcard.Tx) error {
				var err error
				page, err = tx.ListPeople(ctx, docketcard.PersonFilter{Sites: []string{"HOU"}, After: after, Limit: 7})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page {
				if p.SiteCode != "HOU" {
					t.Fatalf("listing leaked a person of site %s", p.SiteCode)
				}
				if len(p.Aliases) != 2 {
					t.Fatalf("aliases not loaded in listing")
				}
				all = append(all, p.ID)
			}
			if len(page) < 7 {
				break
			}
			after = page[len(page)-1].ID
		}
		if len(all) != 20 {
			t.Fatalf("listed %d HOU people, want 20", len(all))
		}
	})
}

func TestSchemaVersionRefusal(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			opts := testdb.Options(t, d)
			_, err := sqlstore.Open(ctx, opts)
			if code(err) != docketcard.EUNAVAILABLE || !strings.Contains(err.Error(), "docketcard migrate") {
				t.Fatalf("open of an unmigrated database: got %v, want a refusal that says to run migrate", err)
			}
			opts.Migrate = true
			db, err := sqlstore.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			// A second migrate is a no-op.
			done, err := db.Migrate(ctx)
			if err != nil || len(done) != 0 {
				t.Fatalf("second migrate: %v %v", done, err)
			}
			// A schema newer than the binary is refused too.
			db.SQL().Exec(db.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`), 999, "future", "now")
			db.Close()
			opts.Migrate = false
			_, err = sqlstore.Open(ctx, opts)
			if code(err) != docketcard.EUNAVAILABLE || !strings.Contains(err.Error(), "newer") {
				t.Fatalf("open of a newer schema: got %v", err)
			}
		})
	}
}

func TestAuditChainDetectsTampering(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		for i := 0; i < 5; i++ {
			mustTx(t, db, func(tx docketcard.Tx) error {
				return tx.AppendAudit(ctx, &docketcard.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), ActorID: "u1", ActorName: "officer",
					Action: "read", SubjectType: "person", SubjectID: "p" + string(rune('0'+i)), Purpose: "enrollment"})
			})
		}
		verify := func() *docketcard.AuditVerifier {
			v := docketcard.NewAuditVerifier()
			var ok bool
			err := db.ReadTx(ctx, func(tx docketcard.Tx) error {
				if err := tx.ScanAudit(ctx, func(e *docketcard.AuditEntry) error { v.Add(e); return nil }); err != nil {
					return err
				}
				seq, hash, err := tx.AuditHead(ctx)
				ok = v.Finish(seq, hash)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			_ = ok
			return v
		}
		if v := verify(); len(v.Problems) != 0 || v.Count != 5 {
			t.Fatalf("intact chain reported %v (count %d)", v.Problems, v.Count)
		}
		// The database refuses edits through the application's own role.
		if _, err := db.SQL().Exec(`UPDATE audit_log SET purpose = 'x' WHERE seq = 3`); err == nil {
			t.Fatal("audit_log accepted an UPDATE; it must be append-only")
		}
		if _, err := db.SQL().Exec(`DELETE FROM audit_log WHERE seq = 3`); err == nil {
			t.Fatal("audit_log accepted a DELETE; it must be append-only")
		}
		// Someone with full control drops the guard and edits entry 3.
		disableGuard(t, db)
		db.SQL().Exec(`UPDATE audit_log SET purpose = 'curiosity' WHERE seq = 3`)
		v := verify()
		if len(v.Problems) == 0 || v.Problems[0].Seq != 3 || v.Problems[0].Kind != "edited" {
			t.Fatalf("edit not named: %v", v.Problems)
		}
	})
}

func disableGuard(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	var stmts []string
	if db.Dialect() == sqlstore.DialectSQLite {
		stmts = []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	} else {
		stmts = []string{`DROP TRIGGER audit_log_no_update ON audit_log`}
	}
	for _, s := range stmts {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestUsersSessionsTokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreateSite(ctx, site("HOU")) })
		u := &docketcard.User{ID: "u1", Username: "officer", DisplayName: "Officer", Roles: []docketcard.Role{docketcard.RoleAdjudicator, docketcard.RoleEnrollmentOfficer},
			Sites: []string{"HOU"}, CreatedAt: t0, UpdatedAt: t0}
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreateUser(ctx, u, "hash") })
		mustTx(t, db, func(tx docketcard.Tx) error {
			got, err := tx.GetUserByUsername(ctx, "officer")
			if err != nil {
				return err
			}
			if len(got.Roles) != 2 || got.Roles[0] != docketcard.RoleEnrollmentOfficer || got.Sites[0] != "HOU" {
				t.Errorf("roles/sites: %+v", got)
			}
			for i := 1; i <= 3; i++ {
				n, err := tx.RecordLoginFailure(ctx, "u1", 3, t0.Add(time.Hour))
				if err != nil || n != i {
					t.Errorf("failure %d: n=%d err=%v", i, n, err)
				}
			}
			got, _ = tx.GetUser(ctx, "u1")
			if got.LockedUntil == nil || !got.LockedUntil.Equal(t0.Add(time.Hour)) {
				t.Errorf("not locked after 3 failures: %+v", got.LockedUntil)
			}
			if err := tx.CreateSession(ctx, "h1", &docketcard.Session{UserID: "u1", CSRFToken: "c", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
				return err
			}
			if s, err := tx.GetSession(ctx, "h1"); err != nil || s.CSRFToken != "c" {
				t.Errorf("session: %+v %v", s, err)
			}
			if n, err := tx.DeleteExpiredSessions(ctx, t0.Add(2*time.Hour)); err != nil || n != 1 {
				t.Errorf("expired sessions deleted: %d %v", n, err)
			}
			tok := &docketcard.APIToken{ID: "t1", UserID: "u1", Name: "ci", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
			if err := tx.CreateToken(ctx, tok, "th"); err != nil {
				return err
			}
			if err := tx.RevokeToken(ctx, "t1", t0); err != nil {
				return err
			}
			if got, err := tx.GetTokenByHash(ctx, "th"); err != nil || got.RevokedAt == nil {
				t.Errorf("revoked token: %+v %v", got, err)
			}
			if err := tx.RevokeToken(ctx, "t1", t0); code(err) != docketcard.ENOTFOUND {
				t.Errorf("second revoke: %v", err)
			}
			return nil
		})
	})
}

func TestUpdateUser(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreateSite(ctx, site("HOU")) })
		u := &docketcard.User{ID: "u1", Username: "officer", DisplayName: "Officer", Roles: []docketcard.Role{docketcard.RoleEnrollmentOfficer},
			Sites: []string{"HOU"}, CreatedAt: t0, UpdatedAt: t0}
		mustTx(t, db, func(tx docketcard.Tx) error { return tx.CreateUser(ctx, u, "hash") })
		mustTx(t, db, func(tx docketcard.Tx) error {
			_, err := tx.RecordLoginFailure(ctx, "u1", 1, t0.Add(time.Hour))
			return err
		})
		tests := []struct {
			name   string
			edit   func(u *docketcard.User)
			locked bool
		}{
			{"rename keeps the lock", func(u *docketcard.User) { u.DisplayName = "Renamed" }, true},
			{"unlock", func(u *docketcard.User) { u.LockedUntil = nil }, false},
			{"disable and change roles", func(u *docketcard.User) {
				u.Disabled, u.Roles, u.Sites = true, []docketcard.Role{docketcard.RoleAuditor}, nil
			}, false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				mustTx(t, db, func(tx docketcard.Tx) error {
					cur, err := tx.GetUser(ctx, "u1")
					if err != nil {
						return err
					}
					tc.edit(cur)
					if err := tx.UpdateUser(ctx, cur); err != nil {
						return err
					}
					got, err := tx.GetUser(ctx, "u1")
					if err != nil {
						return err
					}
					if (got.LockedUntil != nil) != tc.locked || got.Version != cur.Version || got.DisplayName != cur.DisplayName ||
						len(got.Roles) != len(cur.Roles) || got.Disabled != cur.Disabled {
						t.Errorf("after update: %+v", got)
					}
					return nil
				})
			})
		}
	})
}
