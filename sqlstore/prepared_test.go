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

// Audit entries (of reads and of verifications) are group-committed in batches of any size up to
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
				es := groupOf(tc.name, tc.rows)
				if err := db.WithTx(ctx, func(tx docketcard.Tx) error {
					return tx.AppendAudit(ctx, es...)
				}); err != nil {
					t.Fatal(err)
				}
				total += tc.rows
				n, last := chain(t, db)
				if n != int64(total) {
					t.Fatalf("audit chain after %d rows: %d entries, want %d", tc.rows, n, total)
				}
				// In order: the last entry of the batch is the chain's head.
				if want := fmt.Sprintf("%s %d", tc.name, tc.rows-1); last != want {
					t.Fatalf("last entry %q, want %q", last, want)
				}
			})
		}
	})
}
