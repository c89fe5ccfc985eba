package sqlstore

import (
	"context"
	"database/sql"

	"github.com/docketcard/docketcard"
)

// BlobBackend stores sealed blob bytes in the database (table
// blob_objects), for deployments that keep no shared filesystem. It
// implements blob.Backend.
type BlobBackend struct{ db *DB }

// BlobBackend returns the database blob backend of db.
func (db *DB) BlobBackend() *BlobBackend { return &BlobBackend{db: db} }

// Put stores sealed bytes, replacing any object with the same id (as the
// blob.Backend contract says; key rotation rewrites objects in place).
func (b *BlobBackend) Put(ctx context.Context, id string, sealed []byte) error {
	_, err := b.db.write.ExecContext(ctx, b.db.Rebind(`INSERT INTO blob_objects (id, sealed) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed`), id, sealed)
	return translate("BlobBackend.Put", err)
}

// Get returns sealed bytes, or ENOTFOUND.
func (b *BlobBackend) Get(ctx context.Context, id string) ([]byte, error) {
	var out []byte
	err := b.db.read.QueryRowContext(ctx, b.db.Rebind(`SELECT sealed FROM blob_objects WHERE id = ?`), id).Scan(&out)
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "Blob not found.")
	}
	return out, translate("BlobBackend.Get", err)
}

// Delete removes sealed bytes; a missing id is not an error.
func (b *BlobBackend) Delete(ctx context.Context, id string) error {
	_, err := b.db.write.ExecContext(ctx, b.db.Rebind(`DELETE FROM blob_objects WHERE id = ?`), id)
	return translate("BlobBackend.Delete", err)
}
