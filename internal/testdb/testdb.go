// Package testdb opens real, empty, migrated stores for tests: a SQLite
// file in a temporary directory and, when DOCKETCARD_TEST_POSTGRES is set,
// a fresh schema in that PostgreSQL database, dropped after the test.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/docketcard/docketcard/internal/testenv"
	"github.com/docketcard/docketcard/sqlstore"
)

// Dialects lists the dialects every storage test runs against.
var Dialects = []string{sqlstore.DialectSQLite, sqlstore.DialectPostgres}

// Each runs fn once per dialect as a subtest named after it, with a fresh
// migrated store. The PostgreSQL subtest skips (or fails in strict mode)
// when no PostgreSQL is configured.
func Each(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh migrated store of the dialect.
func Open(t testing.TB, dialect string) *sqlstore.DB {
	t.Helper()
	opts := Options(t, dialect)
	opts.Migrate = true
	db, err := sqlstore.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open %s store: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Options returns unmigrated store options for a fresh, empty database of
// the dialect (a new file, or a new PostgreSQL schema).
func Options(t testing.TB, dialect string) sqlstore.Options {
	t.Helper()
	switch dialect {
	case sqlstore.DialectSQLite:
		return sqlstore.Options{Driver: dialect, DSN: filepath.Join(t.TempDir(), "test.db")}
	case sqlstore.DialectPostgres:
		return sqlstore.Options{Driver: dialect, DSN: NewSchema(t)}
	}
	t.Fatalf("unknown dialect %s", dialect)
	return sqlstore.Options{}
}

// NewSchema creates an empty PostgreSQL schema for t, drops it when t
// ends, and returns a connection URL whose search_path is that schema.
func NewSchema(t testing.TB) string {
	t.Helper()
	base := testenv.NeedPostgres(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("DOCKETCARD_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
