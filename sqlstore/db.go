// Package sqlstore implements docketcard.Store on SQLite (the embedded
// default, through the pure-Go modernc.org/sqlite driver) and PostgreSQL
// (through pgx), with one set of hand-written SQL. Placeholders are written
// "?" and rebound to "$n" for PostgreSQL; the few dialect differences
// (row locks, schema files) are explicit.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/docketcard/docketcard"
)

//go:embed migrations
var migrationFS embed.FS

const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// ErrSchemaVersion marks Open's refusal of a database whose schema is not
// the one this binary was built for (as opposed to one it cannot reach).
var ErrSchemaVersion = errors.New("database schema version does not match this binary")

// Options configures Open.
type Options struct {
	// Driver is "sqlite" or "postgres".
	Driver string
	// DSN is a file path (SQLite) or a PostgreSQL connection URL/string.
	DSN string
	// Migrate applies pending migrations on open. Without it, Open refuses
	// a database whose schema is older (or newer) than this binary's.
	Migrate bool
	// MaxConns bounds the connection pool (PostgreSQL) or the read pool
	// (SQLite; writes always use one connection).
	MaxConns int
}

// DB is a docketcard.Store.
type DB struct {
	dialect string
	write   *sql.DB // all writes (SQLite: exactly one connection)
	read    *sql.DB // read-only transactions (SQLite: a separate pool)

	readStmts  stmtCache    // CardHolders' queries (one per IN-list size)
	writeStmts stmtCache    // the hot write path on SQLite (execHot)
	head       groupHead    // PostgreSQL: the audit head AppendGroup last wrote
	guesses    groupGuesses // PostgreSQL: AppendGroup's one-statement groups and stale guesses
}

var _ docketcard.Store = (*DB)(nil)

// Open connects, checks (or migrates) the schema and returns the store.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.MaxConns <= 0 {
		o.MaxConns = 16
	}
	db := &DB{dialect: o.Driver}
	var err error
	switch o.Driver {
	case DialectSQLite:
		err = db.openSQLite(o)
	case DialectPostgres:
		err = db.openPostgres(o)
	default:
		return nil, docketcard.Errorf(docketcard.EINVALID, "unknown database driver %q (use sqlite or postgres)", o.Driver)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore.Open: %w", err)
	}
	if o.Migrate {
		if _, err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	applied, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if applied != latest {
		db.Close()
		if applied > latest {
			return nil, errors.Join(docketcard.Errorf(docketcard.EUNAVAILABLE, "database schema is at version %d, newer than this binary's %d: upgrade docketcard", applied, latest), ErrSchemaVersion)
		}
		return nil, errors.Join(docketcard.Errorf(docketcard.EUNAVAILABLE, "database schema is at version %d but this binary needs %d: run `docketcard migrate`", applied, latest), ErrSchemaVersion)
	}
	if err := db.prepareHot(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) openSQLite(o Options) error {
	path := o.DSN
	if path == "" {
		return docketcard.Errorf(docketcard.EINVALID, "SQLite database path is required")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("sqlstore: create database directory: %w", err)
		}
	}
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	u := "file:" + (&url.URL{Path: path}).EscapedPath()
	w, err := sql.Open("sqlite", u+"?"+common+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	// One writer: SQLite allows one write transaction at a time, and queuing
	// writers in Go is fairer and faster than retrying SQLITE_BUSY.
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	// Make sure WAL mode is set before the read pool opens.
	if _, err := w.Exec("SELECT 1"); err != nil {
		w.Close()
		return fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	// The database holds personal data: readable by its owner only.
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(f, 0o600); err != nil && !os.IsNotExist(err) {
			w.Close()
			return fmt.Errorf("sqlstore: restrict %s: %w", f, err)
		}
	}
	r, err := sql.Open("sqlite", u+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	r.SetMaxOpenConns(o.MaxConns)
	r.SetMaxIdleConns(o.MaxConns)
	db.write, db.read = w, r
	db.readStmts.pool, db.writeStmts.pool = r, w
	return nil
}

func (db *DB) openPostgres(o Options) error {
	if o.DSN == "" {
		return docketcard.Errorf(docketcard.EINVALID, "PostgreSQL connection string is required")
	}
	p, err := sql.Open("pgx", o.DSN)
	if err != nil {
		return docketcard.Errorf(docketcard.EINVALID, "bad PostgreSQL connection string: %s", redactDSNError(err))
	}
	p.SetMaxOpenConns(o.MaxConns)
	p.SetMaxIdleConns(o.MaxConns)
	p.SetConnMaxLifetime(30 * time.Minute)
	db.write, db.read = p, p
	db.readStmts.pool, db.writeStmts.pool = p, p
	return nil
}

func redactDSNError(err error) string {
	s := err.Error()
	if i := strings.Index(s, "password"); i >= 0 {
		return s[:i] + "(details withheld: may contain a password)"
	}
	return s
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return docketcard.Errorf(docketcard.EUNAVAILABLE, "database is not reachable")
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	db.readStmts.close()
	db.writeStmts.close()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// SQL returns the write pool, for tests and benchmarks that need to reach
// under the store (for example to edit an audit row by hand).
func (db *DB) SQL() *sql.DB { return db.write }

// Rebind rewrites "?" placeholders for the dialect.
func (db *DB) Rebind(q string) string { return rebind(db.dialect, q) }

func rebind(dialect, q string) string {
	if dialect != DialectPostgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// tx wraps a *sql.Tx and implements docketcard.Tx.
type tx struct {
	db *DB
	tx *sql.Tx
}

func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, rebind(t.db.dialect, q), args...)
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, rebind(t.db.dialect, q), args...)
}

func (t *tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, rebind(t.db.dialect, q), args...)
}

// SQLTx exposes the underlying transaction to adapters that must write in
// it (the job queue enqueues check jobs in the transaction that creates
// the checks).
func (t *tx) SQLTx() *sql.Tx { return t.tx }

// forUpdate returns the row-lock clause of the dialect (SQLite's write
// transactions already hold the database's single write lock).
func (t *tx) forUpdate() string {
	if t.db.dialect == DialectPostgres {
		return " FOR UPDATE"
	}
	return ""
}

// WithTx runs fn in a read-write transaction, committing if fn returns nil.
func (db *DB) WithTx(ctx context.Context, fn func(docketcard.Tx) error) error {
	return db.run(ctx, db.write, false, fn)
}

// ReadTx runs fn in a read-only transaction.
func (db *DB) ReadTx(ctx context.Context, fn func(docketcard.Tx) error) error {
	return db.run(ctx, db.read, true, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(docketcard.Tx) error) (err error) {
	var opts *sql.TxOptions
	if readOnly && db.dialect == DialectPostgres {
		// One snapshot for every query of the transaction, so a multi-query
		// read (a page of people and their aliases, the audit chain and its
		// head) is consistent. SQLite read transactions are snapshots already.
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	stx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return translate("begin", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(&tx{db: db, tx: stx}); err != nil {
		return err
	}
	if err = stx.Commit(); err != nil {
		return translate("commit", err)
	}
	return nil
}

// translate turns driver errors into domain errors at the storage
// boundary, so that the domain never sees SQLSTATEs or SQLite codes.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return docketcard.Errorf(docketcard.ENOTFOUND, "Not found.")
	}
	var de *docketcard.Error
	if errors.As(err, &de) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &docketcard.Error{Code: docketcard.ECONFLICT, Message: "A record with the same key already exists."}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &docketcard.Error{Code: docketcard.EINVALID, Message: "The record refers to something that does not exist."}
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return &docketcard.Error{Code: docketcard.EINVALID, Message: "The record breaks a database rule."}
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return &docketcard.Error{Code: docketcard.EUNAVAILABLE, Message: "The database is busy; try again."}
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &docketcard.Error{Code: docketcard.ECONFLICT, Message: "A record with the same key already exists."}
		case "23503":
			return &docketcard.Error{Code: docketcard.EINVALID, Message: "The record refers to something that does not exist."}
		case "23514", "23502":
			return &docketcard.Error{Code: docketcard.EINVALID, Message: "The record breaks a database rule."}
		case "40001", "40P01":
			return &docketcard.Error{Code: docketcard.ECONFLICT, Message: "A concurrent change conflicted with this one; try again."}
		case "57P01", "57P02", "57P03", "08000", "08003", "08006":
			return &docketcard.Error{Code: docketcard.EUNAVAILABLE, Message: "The database is not available."}
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sqlstore.%s: %w", op, err)
	}
	// The database cannot be reached: a closed pool, a refused or dropped
	// connection. Clients get 503 (try again), not 500.
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) || errors.As(err, &ce) || errors.As(err, &ne) ||
		strings.Contains(err.Error(), "database is closed") {
		return &docketcard.Error{Code: docketcard.EUNAVAILABLE, Message: "The database is not available; try again shortly."}
	}
	return fmt.Errorf("sqlstore.%s: %w", op, err)
}

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	dir := "migrations/" + db.dialect
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		n, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration %s has no number", name)
		}
		b, err := fs.ReadFile(migrationFS, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: n, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlstore: migrations are not numbered 1..n (%s)", m.name)
		}
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)`

// SchemaVersion reports the highest applied migration and the latest one
// this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (applied, latest int, err error) {
	ms, err := db.migrations()
	if err != nil {
		return 0, 0, err
	}
	latest = len(ms)
	var exists bool
	q := `SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if db.dialect == DialectPostgres {
		q = `SELECT to_regclass('schema_migrations') IS NOT NULL`
	}
	if err := db.write.QueryRowContext(ctx, q).Scan(&exists); err != nil {
		return 0, latest, translate("SchemaVersion", err)
	}
	if !exists {
		return 0, latest, nil
	}
	var v sql.NullInt64
	if err := db.write.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, latest, translate("SchemaVersion", err)
	}
	return int(v.Int64), latest, nil
}

// Migrate applies every pending migration, each in its own transaction,
// and returns the names of those applied. On PostgreSQL an advisory lock
// makes concurrent migrators (several servers starting at once) take turns.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	ms, err := db.migrations()
	if err != nil {
		return nil, err
	}
	if _, err := db.write.ExecContext(ctx, createMigrationsTable); err != nil {
		return nil, translate("Migrate", err)
	}
	var done []string
	for _, m := range ms {
		applied, err := db.applyMigration(ctx, m)
		if err != nil {
			return done, fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
		}
		if applied {
			done = append(done, m.name)
		}
	}
	return done, nil
}

func (db *DB) applyMigration(ctx context.Context, m migration) (bool, error) {
	stx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer stx.Rollback()
	if db.dialect == DialectPostgres {
		if _, err := stx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727274)`); err != nil {
			return false, err
		}
	}
	var n int
	if err := stx.QueryRowContext(ctx, rebind(db.dialect, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := stx.ExecContext(ctx, m.sql); err != nil {
		return false, err
	}
	if _, err := stx.ExecContext(ctx, rebind(db.dialect, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return false, err
	}
	return true, stx.Commit()
}
