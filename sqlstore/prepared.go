package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache holds statements of one pool prepared once and reused.
// SQLite compiles every statement text it is given, which on the
// verification path (an audit entry per request, group-committed) was a
// large part of the writer's time. PostgreSQL needs no such cache for its
// writes: pgx keeps each connection's prepared statements by text already.
type stmtCache struct {
	pool   *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	closed bool
}

// get returns the prepared statement for q (already rebound), preparing
// it on first use. Never call it for the SQLite writer from inside a
// transaction: the writer's single connection is busy, and preparing
// would wait for it for ever (see prepareHot). A failed prepare is
// returned, not remembered, so the next call tries again.
func (c *stmtCache) get(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[q]; ok {
		return s, nil
	}
	if c.closed {
		return nil, sql.ErrConnDone
	}
	s, err := c.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = s
	return s, nil
}

// lookup returns an already prepared statement, or nil.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[q]
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m, c.closed = nil, true
}

// The statements of the hot write path: audit entries (of reads and of
// verifications), group-committed. Multi-row INSERTs come in power-of-two
// sizes up to maxHotRows on SQLite (hotChunks), so the set is small and
// fixed and can be prepared before any transaction holds the writer.
const (
	maxHotRows      = 128
	auditInsert     = `INSERT INTO audit_log (` + auditCols + `) VALUES `
	auditInsertCols = 14
	auditHeadRead   = `SELECT seq, hash FROM audit_head WHERE id = 1`
	auditHeadWrite  = `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`
)

func hotStatements() []string {
	qs := []string{auditHeadRead, auditHeadWrite}
	for n := 1; n <= maxHotRows; n <<= 1 {
		qs = append(qs, auditInsert+rowsOf(n, auditInsertCols))
	}
	return qs
}

// prepareHot prepares the hot write statements on SQLite's writer, once
// the schema is in place.
func (db *DB) prepareHot(ctx context.Context) error {
	if db.dialect != DialectSQLite {
		return nil
	}
	for _, q := range hotStatements() {
		if _, err := db.writeStmts.get(ctx, q); err != nil {
			return translate("prepare", err)
		}
	}
	return nil
}

// execHot runs a statement of hotStatements, prepared if it was (SQLite),
// as plain exec otherwise.
func (t *tx) execHot(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := t.db.writeStmts.lookup(q); s != nil {
		return t.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.exec(ctx, q, args...)
}

// queryRowHot is execHot for a one-row query.
func (t *tx) queryRowHot(ctx context.Context, q string, args ...any) *sql.Row {
	if s := t.db.writeStmts.lookup(q); s != nil {
		return t.tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.queryRow(ctx, q, args...)
}

// hotChunks splits n rows into the multi-row INSERTs of execHot: powers
// of two up to maxHotRows on SQLite (so every size is prepared), up to
// 200 rows at once on PostgreSQL.
func (t *tx) hotChunks(n int) []int {
	var out []int
	for n > 0 {
		c := min(n, 200)
		if t.db.dialect == DialectSQLite {
			c = maxHotRows
			for c > n {
				c >>= 1
			}
		}
		out = append(out, c)
		n -= c
	}
	return out
}
