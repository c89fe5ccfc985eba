package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/docketcard/docketcard"
)

// AppendGroup commits audit entries in one transaction: the same rows
// and the same chain as WithTx running AppendAudit. It is the group
// commit of audited reads and online verifications (whose encounter
// records are audit entries, docketcard.Encounter.AuditEntry).
//
// On PostgreSQL that transaction took six round trips (BEGIN, lock the
// chain's head, the INSERTs, move the head, COMMIT), each of which waits
// for a server process to be scheduled on a machine the web server keeps
// busy; with verifications queued behind it, the group commit was the
// bottleneck (3 ms a batch, docs/PERFORMANCE.md). Here it is one
// statement when the head is where this process last left it (the usual
// case when one server writes most of the chain), and otherwise that
// statement, which then writes nothing, plus two pipelined round trips:
// BEGIN with the head's lock, then the rows, the head and COMMIT. Either
// way the head is checked or locked before anything is written, so
// appends from other transactions and other processes stay serial and the
// chain cannot fork.
//
// If ctx ends while a group waits (for the head's lock, say), the call
// returns an error, yet PostgreSQL finishes a statement whose client has
// gone, so the group may still commit, whole (each path is one
// transaction). The group-commit flusher never cancels its groups; a
// request that gives up is recorded, not answered, which errs on the safe
// side.
//
// The audit log has no foreign keys, so a group takes no lock but the
// head's.
func (db *DB) AppendGroup(ctx context.Context, es []*docketcard.AuditEntry) error {
	if len(es) == 0 {
		return nil
	}
	if db.dialect != DialectPostgres {
		return db.WithTx(ctx, func(tx docketcard.Tx) error {
			return tx.AppendAudit(ctx, es...)
		})
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return translate("AppendGroup", err)
	}
	defer conn.Close()
	var failed error
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqlstore: AppendGroup: unexpected driver connection %T", dc)
		}
		pc := sc.Conn()
		if failed = db.appendGroupPG(ctx, pc, es); failed != nil {
			// Leave the connection as the pool expects it: outside any
			// transaction. One that cannot say so is dropped.
			if pc.IsClosed() || !rollback(pc) {
				return driver.ErrBadConn
			}
		}
		return nil
	})
	if failed != nil {
		return translate("AppendGroup", failed)
	}
	return translate("AppendGroup", err)
}

// rollback ends whatever transaction a failed pipeline left open.
func rollback(pc *pgx.Conn) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := pc.Exec(ctx, "ROLLBACK")
	return err == nil
}

// The group's entries as arrays, one per column (auditArrays): one
// statement text whatever the group's size.
var (
	auditTypes    = []string{"bigint", "timestamptz", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text"}
	auditInsertPG = `INSERT INTO audit_log (` + auditCols + `) ` + unnest(1, auditTypes)
)

// The head's statements of AppendAudit, as the locked path sends them.
var (
	auditHeadReadPG  = auditHeadRead + " FOR UPDATE"
	auditHeadWritePG = rebind(DialectPostgres, auditHeadWrite)
)

// unnest returns "SELECT * FROM unnest($first::type[], …)" for one array
// parameter per column.
func unnest(first int, types []string) string {
	params := make([]string, len(types))
	for i, t := range types {
		params[i] = fmt.Sprintf("$%d::%s[]", first+i, t)
	}
	return "SELECT * FROM unnest(" + strings.Join(params, ", ") + ")"
}

// groupHead is the chain's head as this process last wrote it with
// AppendGroup: a guess, checked by the database, that lets a group commit
// seal its entries before it has read the head.
type groupHead struct {
	mu   sync.Mutex
	ok   bool
	seq  int64
	hash string
}

func (h *groupHead) get() (int64, string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seq, h.hash, h.ok
}

func (h *groupHead) set(seq int64, hash string, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq, h.hash, h.ok = seq, hash, ok
}

// groupGuesses counts the groups written in one statement (hit) and those
// whose guess of the head was stale (miss).
type groupGuesses struct{ hit, miss atomic.Int64 }

// appendGroupGuessPG is the whole group commit as one statement, run on
// its own as one transaction: the head moves only if it is still where
// this process left it ($3, $4), and the entries are inserted only if it
// moved. A concurrent append (another transaction, another process)
// makes the UPDATE match no row once that append commits, and nothing
// is written.
var appendGroupGuessPG = `WITH head AS (
		UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3 AND hash = $4 RETURNING 1
	), entries AS (
		INSERT INTO audit_log (` + auditCols + `) ` + unnest(5, auditTypes) + ` WHERE EXISTS (SELECT 1 FROM head)
	)
	SELECT count(*) FROM head`

// appendGroupPG writes the group in one round trip when the head is where
// this process left it, and otherwise with two more: BEGIN with the
// head's lock, then the entries, the head and COMMIT, pipelined.
func (db *DB) appendGroupPG(ctx context.Context, pc *pgx.Conn, es []*docketcard.AuditEntry) error {
	if seq, hash, ok := db.head.get(); ok {
		db.head.set(0, "", false) // until this append has succeeded
		from, fromHash := seq, hash
		seq, hash = seal(es, seq, hash)
		args := append([]any{seq, hash, from, fromHash}, auditArrays(es)...)
		var moved int
		err := pc.QueryRow(ctx, appendGroupGuessPG, args...).Scan(&moved)
		var pe *pgconn.PgError
		switch {
		case err == nil && moved == 1:
			db.head.set(seq, hash, true)
			db.guesses.hit.Add(1)
			return nil
		case err == nil, errors.As(err, &pe) && pe.Code == "40001":
			// Someone else appended since (under SERIALIZABLE, set in
			// the connection string, that is a serialization failure):
			// nothing was written; lock the head and seal again.
			db.guesses.miss.Add(1)
		default:
			return err
		}
	}

	var seq int64
	var hash string
	first := &pgx.Batch{}
	first.Queue("BEGIN")
	first.Queue(auditHeadReadPG).QueryRow(func(r pgx.Row) error { return r.Scan(&seq, &hash) })
	if err := pc.SendBatch(ctx, first).Close(); err != nil {
		return err
	}
	seq, hash = seal(es, seq, hash)

	second := &pgx.Batch{}
	second.Queue(auditInsertPG, auditArrays(es)...)
	second.Queue(auditHeadWritePG, seq, hash)
	second.Queue("COMMIT")
	if err := pc.SendBatch(ctx, second).Close(); err != nil {
		return err
	}
	db.head.set(seq, hash, true)
	return nil
}

// auditArrays returns the columns of auditInsertPG for sealed entries.
func auditArrays(es []*docketcard.AuditEntry) []any {
	n := len(es)
	seq, at := make([]int64, n), make([]time.Time, n)
	cols := make([][]string, auditTextCols)
	for c := range cols {
		cols[c] = make([]string, n)
	}
	for i, e := range es {
		seq[i], at[i] = e.Seq, e.At
		for c, v := range auditTexts(e) {
			cols[c][i] = v
		}
	}
	out := []any{seq, at}
	for _, c := range cols {
		out = append(out, c)
	}
	return out
}
