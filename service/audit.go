package service

import (
	"context"

	"github.com/docketcard/docketcard"
)

// ListAudit returns audit entries (auditors only).
func (s *Service) ListAudit(ctx context.Context, a docketcard.Actor, f docketcard.AuditFilter) ([]*docketcard.AuditEntry, error) {
	if err := a.Authorize(docketcard.PermAuditRead, ""); err != nil {
		return nil, err
	}
	f.Limit = clampLimit(f.Limit, 100, 1000)
	var out []*docketcard.AuditEntry
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		out, err = tx.ListAudit(ctx, f)
		return err
	})
	return out, err
}

// AuditReport is the result of verifying the audit chain.
type AuditReport struct {
	OK       bool                      `json:"ok"`
	Entries  int64                     `json:"entries"`
	HeadSeq  int64                     `json:"head_seq"`
	HeadHash string                    `json:"head_hash"`
	Problems []docketcard.AuditProblem `json:"problems"`
}

// VerifyAudit walks the whole chain and reports every break. The check
// itself is audited (after it runs, so it does not verify its own entry).
func (s *Service) VerifyAudit(ctx context.Context, a docketcard.Actor) (*AuditReport, error) {
	if err := a.Authorize(docketcard.PermAuditRead, ""); err != nil {
		return nil, err
	}
	rep, err := VerifyChain(ctx, s.store)
	if err != nil {
		return nil, err
	}
	detail := "ok"
	if !rep.OK {
		detail = "problems found"
	}
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionVerifyAudit, "audit_log", "chain", "", detail))
	})
	return rep, err
}

// VerifyChain verifies the audit chain of a store without recording the
// check (for the command line, which may run on a read-only copy).
func VerifyChain(ctx context.Context, st docketcard.Store) (*AuditReport, error) {
	rep := &AuditReport{Problems: []docketcard.AuditProblem{}}
	err := st.ReadTx(ctx, func(tx docketcard.Tx) error {
		v := docketcard.NewAuditVerifier()
		if err := tx.ScanAudit(ctx, func(e *docketcard.AuditEntry) error { v.Add(e); return nil }); err != nil {
			return err
		}
		seq, hash, err := tx.AuditHead(ctx)
		if err != nil {
			return err
		}
		rep.OK = v.Finish(seq, hash)
		rep.Entries, rep.HeadSeq, rep.HeadHash = v.Count, seq, hash
		rep.Problems = append(rep.Problems, v.Problems...)
		return nil
	})
	return rep, err
}
