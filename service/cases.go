package service

import (
	"context"

	"github.com/docketcard/docketcard"
)

// personSite returns the site of a person, for authorisation.
func personSite(ctx context.Context, tx docketcard.Tx, personID string) (string, error) {
	p, err := tx.GetPerson(ctx, personID)
	if err != nil {
		return "", err
	}
	return p.SiteCode, nil
}

// CreateCase opens a removal case for a person.
func (s *Service) CreateCase(ctx context.Context, a docketcard.Actor, personID string, in docketcard.CaseInput) (*docketcard.Case, error) {
	if err := a.Authorize(docketcard.PermCaseWrite, ""); err != nil {
		return nil, err
	}
	c, err := in.Validate(s.now())
	if err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		site, err := personSite(ctx, tx, personID)
		if err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermCaseWrite, site); err != nil {
			return err
		}
		c.ID, c.PersonID, c.SiteCode, c.CreatedAt, c.UpdatedAt = s.newID(), personID, site, s.now(), s.now()
		if err := tx.CreateCase(ctx, c); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionCreate, "case", c.ID, site, "person "+personID))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// caseFor loads a case and authorises p on its person's site.
func caseFor(ctx context.Context, tx docketcard.Tx, a docketcard.Actor, p docketcard.Permission, caseID string) (*docketcard.Case, error) {
	c, err := tx.GetCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	return c, a.Authorize(p, c.SiteCode)
}

// CaseDetail is a case with its hearings and reporting schedule.
type CaseDetail struct {
	*docketcard.Case
	Hearings  []*docketcard.Hearing         `json:"hearings"`
	Reporting *docketcard.ReportingSchedule `json:"reporting,omitempty"`
}

// GetCase returns a case with its hearings and schedule. Audited.
func (s *Service) GetCase(ctx context.Context, a docketcard.Actor, id string) (*CaseDetail, error) {
	if err := a.Authorize(docketcard.PermCaseRead, ""); err != nil {
		return nil, err
	}
	var out CaseDetail
	var ae *docketcard.AuditEntry
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		c, err := caseFor(ctx, tx, a, docketcard.PermCaseRead, id)
		if err != nil {
			return err
		}
		out.Case = c
		if out.Hearings, err = tx.ListHearings(ctx, id); err != nil {
			return err
		}
		r, err := tx.GetReporting(ctx, id)
		if err != nil && docketcard.ErrorCode(err) != docketcard.ENOTFOUND {
			return err
		}
		out.Reporting = r
		ae = s.audit(a, docketcard.ActionRead, "case", id, c.SiteCode, "person "+c.PersonID)
		return nil
	})
	if err == nil {
		err = s.auditRead(ctx, ae)
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListCases lists a person's cases. Audited.
func (s *Service) ListCases(ctx context.Context, a docketcard.Actor, personID string) ([]*docketcard.Case, error) {
	if err := a.Authorize(docketcard.PermCaseRead, ""); err != nil {
		return nil, err
	}
	var out []*docketcard.Case
	var ae *docketcard.AuditEntry
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		site, err := personSite(ctx, tx, personID)
		if err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermCaseRead, site); err != nil {
			return err
		}
		if out, err = tx.ListCases(ctx, personID); err != nil {
			return err
		}
		ae = s.audit(a, docketcard.ActionList, "case", personID, site, "cases of person")
		return nil
	})
	if err == nil {
		err = s.auditRead(ctx, ae)
	}
	return out, err
}

// UpdateCase changes a case if the client's version is current.
func (s *Service) UpdateCase(ctx context.Context, a docketcard.Actor, id string, p docketcard.CasePatch) (*docketcard.Case, error) {
	if err := a.Authorize(docketcard.PermCaseWrite, ""); err != nil {
		return nil, err
	}
	if p.Version == nil {
		return nil, versionRequired()
	}
	var out *docketcard.Case
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		cur, err := caseFor(ctx, tx, a, docketcard.PermCaseWrite, id)
		if err != nil {
			return err
		}
		next, err := p.Apply(cur).Validate(s.now())
		if err != nil {
			return err
		}
		next.ID, next.PersonID, next.SiteCode, next.CreatedAt = cur.ID, cur.PersonID, cur.SiteCode, cur.CreatedAt
		next.Version, next.UpdatedAt = *p.Version, s.now()
		if err := tx.UpdateCase(ctx, next); err != nil {
			return err
		}
		out = next
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionUpdate, "case", id, cur.SiteCode, "status="+string(next.Status)))
	})
	return out, err
}

// CreateHearing schedules a hearing in a case.
func (s *Service) CreateHearing(ctx context.Context, a docketcard.Actor, caseID string, in docketcard.HearingInput) (*docketcard.Hearing, error) {
	if err := a.Authorize(docketcard.PermCaseWrite, ""); err != nil {
		return nil, err
	}
	h, err := in.Validate(s.now())
	if err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		c, err := caseFor(ctx, tx, a, docketcard.PermCaseWrite, caseID)
		if err != nil {
			return err
		}
		h.ID, h.CaseID, h.CreatedAt, h.UpdatedAt = s.newID(), caseID, s.now(), s.now()
		if err := tx.CreateHearing(ctx, h); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionCreate, "hearing", h.ID, c.SiteCode, "case "+caseID))
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// readOfCase runs load on a case the actor may read and audits the read
// (action on subjectType) before returning what load returned.
func readOfCase[T any](ctx context.Context, s *Service, a docketcard.Actor, caseID, action, subjectType, detail string,
	load func(tx docketcard.Tx) (T, error)) (T, error) {
	var out T
	if err := a.Authorize(docketcard.PermCaseRead, ""); err != nil {
		return out, err
	}
	var ae *docketcard.AuditEntry
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		c, err := caseFor(ctx, tx, a, docketcard.PermCaseRead, caseID)
		if err != nil {
			return err
		}
		if out, err = load(tx); err != nil {
			return err
		}
		ae = s.audit(a, action, subjectType, caseID, c.SiteCode, detail)
		return nil
	})
	if err == nil {
		err = s.auditRead(ctx, ae)
	}
	return out, err
}

// ListHearings lists a case's hearings. Audited.
func (s *Service) ListHearings(ctx context.Context, a docketcard.Actor, caseID string) ([]*docketcard.Hearing, error) {
	return readOfCase(ctx, s, a, caseID, docketcard.ActionList, "hearing", "hearings of case",
		func(tx docketcard.Tx) ([]*docketcard.Hearing, error) { return tx.ListHearings(ctx, caseID) })
}

// UpdateHearing replaces a hearing's fields if version is current.
func (s *Service) UpdateHearing(ctx context.Context, a docketcard.Actor, id string, version int, in docketcard.HearingInput) (*docketcard.Hearing, error) {
	if err := a.Authorize(docketcard.PermCaseWrite, ""); err != nil {
		return nil, err
	}
	if version <= 0 {
		return nil, versionRequired()
	}
	h, err := in.Validate(s.now())
	if err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		cur, err := tx.GetHearing(ctx, id)
		if err != nil {
			return err
		}
		c, err := caseFor(ctx, tx, a, docketcard.PermCaseWrite, cur.CaseID)
		if err != nil {
			return err
		}
		h.ID, h.CaseID, h.CreatedAt, h.Version, h.UpdatedAt = id, cur.CaseID, cur.CreatedAt, version, s.now()
		if err := tx.UpdateHearing(ctx, h); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionUpdate, "hearing", id, c.SiteCode, "case "+cur.CaseID))
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// PutReporting sets (version 0) or replaces a case's reporting schedule.
func (s *Service) PutReporting(ctx context.Context, a docketcard.Actor, caseID string, in docketcard.ReportingInput) (*docketcard.ReportingSchedule, error) {
	if err := a.Authorize(docketcard.PermCaseWrite, ""); err != nil {
		return nil, err
	}
	r, err := in.Validate()
	if err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		c, err := caseFor(ctx, tx, a, docketcard.PermCaseWrite, caseID)
		if err != nil {
			return err
		}
		r.CaseID, r.UpdatedAt = caseID, s.now()
		if err := tx.PutReporting(ctx, r); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionUpdate, "reporting_schedule", caseID, c.SiteCode, "cadence="+string(r.Cadence)))
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// GetReporting returns a case's reporting schedule. Audited.
func (s *Service) GetReporting(ctx context.Context, a docketcard.Actor, caseID string) (*docketcard.ReportingSchedule, error) {
	return readOfCase(ctx, s, a, caseID, docketcard.ActionRead, "reporting_schedule", "",
		func(tx docketcard.Tx) (*docketcard.ReportingSchedule, error) { return tx.GetReporting(ctx, caseID) })
}
