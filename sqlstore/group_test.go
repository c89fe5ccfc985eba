package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/sqlstore"
)

// groupOf returns the audit entries of n verifications (each one the
// encounter record, docketcard.Encounter.AuditEntry), named after tag in
// their request IDs.
func groupOf(tag string, n int) []*docketcard.AuditEntry {
	es := make([]*docketcard.AuditEntry, n)
	for i := range n {
		enc := &docketcard.Encounter{ID: fmt.Sprintf("enc-%s-%04d", tag, i), At: t0, CardNumber: "DC0000001", UserID: "u1",
			Agency: "County Clerk", Role: "relying_party", Purpose: "identity check", Method: "qr",
			Result: docketcard.VerifyNotGenuine, Disclosed: []string{"validity"}}
		es[i] = enc.AuditEntry(&docketcard.AuditEntry{ActorID: "u1", ActorName: "clerk", ActorRoles: "relying_party",
			RequestID: fmt.Sprintf("%s %d", tag, i)})
	}
	return es
}

// chain checks the whole audit chain against its head and returns the
// number of entries and the request ID of the last one.
func chain(t *testing.T, db *sqlstore.DB) (int64, string) {
	t.Helper()
	ctx := context.Background()
	v := docketcard.NewAuditVerifier()
	var intact bool
	var last string
	if err := db.ReadTx(ctx, func(tx docketcard.Tx) error {
		if err := tx.ScanAudit(ctx, func(e *docketcard.AuditEntry) error { v.Add(e); last = e.RequestID; return nil }); err != nil {
			return err
		}
		seq, hash, err := tx.AuditHead(ctx)
		intact = v.Finish(seq, hash)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !intact || len(v.Problems) != 0 {
		t.Fatalf("audit chain broken after %d entries: %v", v.Count, v.Problems)
	}
	return v.Count, last
}

// AppendGroup is the group commit of verifications. On PostgreSQL it
// seals a batch against the head this process last wrote and moves the
// head only if it is still there; each way the head can have moved in
// between must end in a fallback that seals again, never in a broken or
// forked chain, and a failed batch must leave nothing behind.
func TestAppendGroup(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			opts := testdb.Options(t, d)
			opts.Migrate = true
			db, err := sqlstore.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// A second process on the same database.
			opts.Migrate = false
			other, err := sqlstore.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			// A third with a single connection: a failed group must leave
			// it usable (outside any transaction).
			opts.MaxConns = 1
			one, err := sqlstore.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer one.Close()

			entries := int64(0)
			for _, tc := range []struct {
				name   string
				before func(t *testing.T) // moves the head behind the group's back
				rows   int
				path   string // PostgreSQL: "one statement" (the head was guessed), "locked" (it was stale or unknown)
			}{
				{name: "first group, head not yet known", rows: 1, path: "locked"},
				{name: "head where this process left it", rows: 31, path: "one statement"},
				{name: "the group commit's maximum", rows: 512, path: "one statement"},
				{name: "head moved by another transaction of this process", rows: 16, path: "locked", before: func(t *testing.T) {
					mustTx(t, db, func(tx docketcard.Tx) error {
						es := groupOf("in a transaction", 3)
						return tx.AppendAudit(ctx, es...)
					})
					entries += 3
				}},
				{name: "head moved by another process's group", rows: 16, path: "locked", before: func(t *testing.T) {
					es := groupOf("other process", 5)
					if err := other.AppendGroup(ctx, es); err != nil {
						t.Fatal(err)
					}
					entries += 5
				}},
				{name: "head moved back and forth between processes", rows: 2, path: "locked", before: func(t *testing.T) {
					for i := range 3 {
						es := groupOf(fmt.Sprintf("ping %d", i), 1)
						if err := db.AppendGroup(ctx, es); err != nil {
							t.Fatal(err)
						}
						es = groupOf(fmt.Sprintf("pong %d", i), 1)
						if err := other.AppendGroup(ctx, es); err != nil {
							t.Fatal(err)
						}
					}
					entries += 6
				}},
				{name: "an empty group", rows: 0, before: func(t *testing.T) {
					if err := db.AppendGroup(ctx, nil); err != nil {
						t.Fatalf("empty group: %v", err)
					}
				}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if tc.before != nil {
						tc.before(t)
					}
					if tc.rows > 0 {
						hit, miss := db.GroupGuesses()
						es := groupOf(tc.name, tc.rows)
						if err := db.AppendGroup(ctx, es); err != nil {
							t.Fatal(err)
						}
						entries += int64(tc.rows)
						h, m := db.GroupGuesses()
						path := map[[2]int64]string{{0, 0}: "locked", {1, 0}: "one statement", {0, 1}: "locked"}[[2]int64{h - hit, m - miss}]
						if d == sqlstore.DialectSQLite {
							path = tc.path // SQLite has one writer and no guesses
							if h != 0 || m != 0 {
								t.Fatalf("SQLite guessed the head: %d, %d", h, m)
							}
						}
						if path != tc.path {
							t.Fatalf("written by the %q path (guesses %+d hit, %+d missed), want %q", path, h-hit, m-miss, tc.path)
						}
					}
					n, last := chain(t, db)
					if n != entries {
						t.Fatalf("%d audit entries, want %d", n, entries)
					}
					if tc.rows > 0 && last != fmt.Sprintf("%s %d", tc.name, tc.rows-1) {
						t.Fatalf("last entry %q: the group's entries are not the chain's end, in order", last)
					}
				})
			}

			// A trigger, for this test only, refuses an entry with a marker
			// subject: a failure in the middle of a group, on the row's
			// insertion, on both stores (and, on PostgreSQL, after the
			// guess has found the head moved, on the locked path).
			refuse := map[string][]string{
				sqlstore.DialectSQLite: {`CREATE TRIGGER audit_refuse_marker BEFORE INSERT ON audit_log
					WHEN NEW.subject_id = 'refuse-me' BEGIN SELECT RAISE(ABORT, 'test trigger refused the entry'); END`},
				sqlstore.DialectPostgres: {`CREATE FUNCTION audit_refuse_marker() RETURNS trigger LANGUAGE plpgsql AS $$
					BEGIN
						IF NEW.subject_id = 'refuse-me' THEN RAISE EXCEPTION 'test trigger refused the entry'; END IF;
						RETURN NEW;
					END $$`,
					`CREATE TRIGGER audit_refuse_marker BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_refuse_marker()`},
			}
			for _, q := range refuse[d] {
				if _, err := db.SQL().ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			for _, tc := range []struct {
				name   string
				before func(t *testing.T)
				misses int64 // stale guesses of the failed group: 1 if it failed on the locked path
			}{
				{name: "a failed group writes nothing and the store goes on (PostgreSQL: one statement)", before: func(t *testing.T) {
					es := groupOf("primes the guess", 1)
					if err := one.AppendGroup(ctx, es); err != nil {
						t.Fatal(err)
					}
					entries++
				}},
				{name: "a failed group after another process moved the head (PostgreSQL: locked)", before: func(t *testing.T) {
					es := groupOf("moved before the failure", 1)
					if err := other.AppendGroup(ctx, es); err != nil {
						t.Fatal(err)
					}
					entries++
				}, misses: 1},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if tc.before != nil {
						tc.before(t)
					}
					es := groupOf(tc.name, 3)
					es[2].SubjectID = "refuse-me"
					_, miss := one.GroupGuesses()
					if err := one.AppendGroup(ctx, es); err == nil || !strings.Contains(err.Error(), "test trigger refused the entry") {
						t.Fatalf("a group with an entry the database refuses: got %v", err)
					}
					if _, m := one.GroupGuesses(); d == sqlstore.DialectPostgres && m-miss != tc.misses {
						t.Fatalf("%d stale guesses, want %d: the failure was not on the path under test", m-miss, tc.misses)
					}
					if n, _ := chain(t, db); n != entries {
						t.Fatalf("%d audit entries after a failed group, want %d", n, entries)
					}
					for i := range 3 { // on the same, only connection
						es = groupOf(fmt.Sprintf("%s, then %d", tc.name, i), 2)
						if err := one.AppendGroup(ctx, es); err != nil {
							t.Fatalf("group after a failed one: %v", err)
						}
						entries += 2
					}
					if n, _ := chain(t, db); n != entries {
						t.Fatalf("%d audit entries, want %d", n, entries)
					}
				})
			}

			t.Run("a cancelled group writes nothing", func(t *testing.T) {
				done, stop := context.WithCancel(ctx)
				stop()
				es := groupOf("cancelled", 2)
				if err := db.AppendGroup(done, es); err == nil {
					t.Fatal("a group under a cancelled context was written")
				}
				if n, _ := chain(t, db); n != entries {
					t.Fatalf("%d audit entries after a cancelled group, want %d", n, entries)
				}
			})

			t.Run("concurrent groups from two processes", func(t *testing.T) {
				var wg sync.WaitGroup
				errs := make(chan error, 16)
				for w := range 16 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						store := db
						if w%2 == 1 {
							store = other
						}
						for i := range 5 {
							es := groupOf(fmt.Sprintf("worker %d group %d", w, i), 3)
							if err := store.AppendGroup(ctx, es); err != nil {
								errs <- err
								return
							}
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatal(err)
				}
				entries += 16 * 5 * 3
				if n, _ := chain(t, db); n != entries {
					t.Fatalf("%d audit entries, want %d", n, entries)
				}
			})
		})
	}
}

// A group commit that waits on the head's lock (another transaction holds
// it) and whose context ends gets an error, but PostgreSQL finishes a
// statement whose client has gone: the group may still be committed once
// the lock is free. What must hold is that it is committed whole or not at
// all, that the chain stays intact, and that its connection is left
// usable or dropped, never inside a transaction: on a one-connection pool
// the next group would otherwise hang or fail. (The group-commit flusher
// never cancels its groups; this is AppendGroup's contract for any other
// caller.) Both of PostgreSQL's paths wait there: the one statement (head
// guessed) and the locked one.
func TestAppendGroupCancelledWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := testdb.Options(t, sqlstore.DialectPostgres)
	opts.Migrate, opts.MaxConns = true, 1
	db, err := sqlstore.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	opts.Migrate, opts.MaxConns = false, 2
	other, err := sqlstore.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	var entries int64
	for _, tc := range []struct {
		name   string
		before func(t *testing.T)
	}{
		{"waiting in the one statement (head guessed)", func(t *testing.T) {
			es := groupOf("guess primed", 1)
			if err := db.AppendGroup(ctx, es); err != nil {
				t.Fatal(err)
			}
			entries++
		}},
		{"waiting for the head's lock (head not known)", func(t *testing.T) {
			es := groupOf("moved by the other process", 1)
			if err := other.AppendGroup(ctx, es); err != nil {
				t.Fatal(err)
			}
			entries++
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.before(t)
			// Another transaction holds the head.
			holder, err := other.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := holder.ExecContext(ctx, `SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE`); err != nil {
				t.Fatal(err)
			}
			short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
			es := groupOf(tc.name, 4)
			err = db.AppendGroup(short, es)
			stop()
			holder.Rollback()
			if err == nil {
				t.Fatal("a group that could not get the head within its deadline reported success")
			}
			for i := range 2 { // queued behind the cancelled group, if it is still running

				es := groupOf(fmt.Sprintf("%s, then %d", tc.name, i), 2)
				if err := db.AppendGroup(ctx, es); err != nil {
					t.Fatalf("group after the cancelled one: %v", err)
				}
				entries += 2
			}
			n, last := chain(t, db)
			switch n {
			case entries: // rolled back
			case entries + 4: // committed after its caller gave up
				entries = n
			default:
				t.Fatalf("%d audit entries, want %d or %d: the cancelled group was written in part", n, entries, entries+4)
			}
			if want := tc.name + ", then 1 1"; last != want {
				t.Fatalf("last entry %q, want %q", last, want)
			}
		})
	}
}
