package sqlstore_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/blob"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/sqlstore"
)

// TestDatabaseBlobBackend stores encrypted blobs in the database (the
// BLOB_BACKEND=db option) on both dialects.
func TestDatabaseBlobBackend(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		text, _ := blob.GenerateKeyText("k1")
		keys, err := blob.ParseKeyring(text)
		if err != nil {
			t.Fatal(err)
		}
		st := blob.Domain{S: blob.New(db.BlobBackend(), keys)}
		tests := []struct {
			name string
			data []byte
		}{
			{"empty", []byte{}},
			{"small", []byte("%PDF-1.4 specimen")},
			{"binary 2 MB", bytes.Repeat([]byte{0, 1, 2, 255}, 512<<10)},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				ref, err := st.Put(ctx, "application/pdf", tc.data)
				if err != nil {
					t.Fatal(err)
				}
				var sealed []byte
				db.SQL().QueryRow(db.Rebind(`SELECT sealed FROM blob_objects WHERE id = ?`), ref.ID).Scan(&sealed)
				if len(tc.data) > 8 && bytes.Contains(sealed, tc.data[:8]) {
					t.Fatal("plaintext visible in the database")
				}
				got, err := st.Get(ctx, ref)
				if err != nil || !bytes.Equal(got, tc.data) {
					t.Fatalf("round trip: %v", err)
				}
				if err := st.Delete(ctx, ref.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := st.Get(ctx, ref); docketcard.ErrorCode(err) != docketcard.ENOTFOUND {
					t.Fatalf("after delete: %v", err)
				}
			})
		}
	})
}
