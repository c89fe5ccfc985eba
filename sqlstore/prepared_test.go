package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/sqlstore"
)

// Verification records are group-committed in batches of any size up to
// 512; on SQLite they go through statements prepared at open, in chunks
// of powers of two up to 128 rows (TestHotStatementsPreparedOnSQLite
// checks that every chunk size is prepared). Each batch size must store
// every row once, in order, with the audit chain intact.
func TestHotWriteBatches(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		total := 0
		for _, tc := range []struct {
			name string
			rows int
		}{
			{"one row", 1},
			{"a power of two", 64},
			{"an odd size (16+8+4+2+1)", 31},
			{"more than one largest chunk (128+128+32+8+4)", 300},
			{"the group commit's maximum", 512},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				es := make([]*docketcard.AuditEntry, tc.rows)
				encs := make([]*docketcard.Encounter, tc.rows)
				for i := range es {
					id := fmt.Sprintf("enc-%s-%04d", tc.name, i)
					es[i] = &docketcard.AuditEntry{At: t0, ActorID: "u1", ActorName: "clerk", Action: docketcard.ActionVerifyCard,
						SubjectType: "encounter", SubjectID: id, Purpose: "identity check", Detail: fmt.Sprintf("row %d", i)}
					encs[i] = &docketcard.Encounter{ID: id, At: t0, CardNumber: "DC0000001", UserID: "u1", Agency: "County Clerk",
						Role: "relying_party", Purpose: "identity check", Method: "qr", Result: docketcard.VerifyNotGenuine,
						Disclosed: []string{"validity"}}
				}
				if err := db.WithTx(ctx, func(tx docketcard.Tx) error {
					if err := tx.CreateEncounters(ctx, encs...); err != nil {
						return err
					}
					return tx.AppendAudit(ctx, es...)
				}); err != nil {
					t.Fatal(err)
				}
				total += tc.rows
				var n int
				if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM encounters`).Scan(&n); err != nil || n != total {
					t.Fatalf("encounters: %d rows (%v), want %d", n, err, total)
				}
				v := docketcard.NewAuditVerifier()
				var intact bool
				if err := db.ReadTx(ctx, func(tx docketcard.Tx) error {
					if err := tx.ScanAudit(ctx, func(e *docketcard.AuditEntry) error { v.Add(e); return nil }); err != nil {
						return err
					}
					seq, hash, err := tx.AuditHead(ctx)
					intact = v.Finish(seq, hash)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if !intact || len(v.Problems) != 0 || v.Count != int64(total) {
					t.Fatalf("audit chain after %d rows: intact %v, %d entries, problems %v", tc.rows, intact, v.Count, v.Problems)
				}
				// In order: the last entry of the batch is the chain's head.
				var detail string
				if err := db.SQL().QueryRowContext(ctx, `SELECT detail FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&detail); err != nil ||
					detail != fmt.Sprintf("row %d", tc.rows-1) {
					t.Fatalf("last entry %q (%v), want row %d", detail, err, tc.rows-1)
				}
			})
		}
	})
}
