package sqlstore

import (
	"context"
	"strings"

	"github.com/docketcard/docketcard"
)

const auditCols = `seq, at, actor_id, actor_name, actor_roles, action, subject_type, subject_id, site_code, purpose, request_id, detail, prev_hash, hash`

func scanAudit(sc interface{ Scan(...any) error }) (*docketcard.AuditEntry, error) {
	var e docketcard.AuditEntry
	if err := sc.Scan(&e.Seq, &e.At, &e.ActorID, &e.ActorName, &e.ActorRoles, &e.Action, &e.SubjectType, &e.SubjectID,
		&e.SiteCode, &e.Purpose, &e.RequestID, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.At = e.At.UTC()
	return &e, nil
}

// AppendAudit locks the chain's head, seals the entries after it, inserts
// them (many rows per statement) and moves the head, all inside the
// caller's transaction.
func (t *tx) AppendAudit(ctx context.Context, es ...*docketcard.AuditEntry) error {
	if len(es) == 0 {
		return nil
	}
	var seq int64
	var hash string
	if err := t.queryRowHot(ctx, auditHeadRead+t.forUpdate()).Scan(&seq, &hash); err != nil {
		return translate("AppendAudit", err)
	}
	seq, hash = seal(es, seq, hash)
	rest := es
	for _, n := range t.hotChunks(len(es)) {
		chunk := rest[:n]
		rest = rest[n:]
		args := make([]any, 0, len(chunk)*auditInsertCols)
		for _, e := range chunk {
			args = append(args, e.Seq, e.At)
			for _, v := range auditTexts(e) {
				args = append(args, v)
			}
		}
		if _, err := t.execHot(ctx, auditInsert+rowsOf(len(chunk), auditInsertCols), args...); err != nil {
			return translate("AppendAudit", err)
		}
	}
	if _, err := t.execHot(ctx, auditHeadWrite, seq, hash); err != nil {
		return translate("AppendAudit", err)
	}
	return nil
}

// auditTextCols is the number of text columns of audit_log: every column
// of auditCols after seq and at.
const auditTextCols = auditInsertCols - 2

// auditTexts returns e's text columns in the order of auditCols.
func auditTexts(e *docketcard.AuditEntry) [auditTextCols]string {
	return [auditTextCols]string{e.ActorID, e.ActorName, e.ActorRoles, e.Action, e.SubjectType, e.SubjectID,
		e.SiteCode, e.Purpose, e.RequestID, e.Detail, e.PrevHash, e.Hash}
}

// seal chains the entries after the head (seq, hash) and returns the new
// head.
func seal(es []*docketcard.AuditEntry, seq int64, hash string) (int64, string) {
	for _, e := range es {
		e.Seal(seq, hash)
		seq, hash = e.Seq, e.Hash
	}
	return seq, hash
}

// rowsOf returns "(?, ?), (?, ?)" for n rows of cols values.
func rowsOf(n, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// ListAudit returns entries after f.AfterSeq, optionally for one subject
// or actor, in sequence order.
func (t *tx) ListAudit(ctx context.Context, f docketcard.AuditFilter) ([]*docketcard.AuditEntry, error) {
	q := `SELECT ` + auditCols + ` FROM audit_log WHERE seq > ?`
	args := []any{f.AfterSeq}
	if f.SubjectID != "" {
		q += ` AND subject_id = ?`
		args = append(args, f.SubjectID)
	}
	if f.ActorID != "" {
		q += ` AND actor_id = ?`
		args = append(args, f.ActorID)
	}
	q += ` ORDER BY seq LIMIT ?`
	args = append(args, f.Limit)
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, translate("ListAudit", err)
	}
	defer rows.Close()
	out := []*docketcard.AuditEntry{}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, translate("ListAudit", err)
		}
		out = append(out, e)
	}
	return out, translate("ListAudit", rows.Err())
}

// ScanAudit calls fn for every entry in sequence order, in pages, so the
// whole trail is never held in memory.
func (t *tx) ScanAudit(ctx context.Context, fn func(*docketcard.AuditEntry) error) error {
	var after int64 = -1 << 62
	for {
		page, err := t.ListAudit(ctx, docketcard.AuditFilter{AfterSeq: after, Limit: 2000})
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
			after = e.Seq
		}
		if len(page) < 2000 {
			return nil
		}
	}
}

// AuditHead returns the recorded head of the chain.
func (t *tx) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := t.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	return seq, hash, translate("AuditHead", err)
}
