package service

import (
	"context"

	"github.com/docketcard/docketcard"
)

// ListSites lists every field office.
func (s *Service) ListSites(ctx context.Context, a docketcard.Actor) ([]*docketcard.Site, error) {
	if err := a.Authorize(docketcard.PermSiteRead, ""); err != nil {
		return nil, err
	}
	var out []*docketcard.Site
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		out, err = tx.ListSites(ctx)
		return err
	})
	return out, err
}

// GetSite returns one field office.
func (s *Service) GetSite(ctx context.Context, a docketcard.Actor, code string) (*docketcard.Site, error) {
	if err := a.Authorize(docketcard.PermSiteRead, ""); err != nil {
		return nil, err
	}
	var out *docketcard.Site
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		out, err = tx.GetSite(ctx, code)
		return err
	})
	return out, err
}

// CreateSite adds a field office.
func (s *Service) CreateSite(ctx context.Context, a docketcard.Actor, site docketcard.Site) (*docketcard.Site, error) {
	if err := a.Authorize(docketcard.PermSiteWrite, ""); err != nil {
		return nil, err
	}
	if err := site.Validate(); err != nil {
		return nil, err
	}
	site.CreatedAt, site.UpdatedAt = s.now(), s.now()
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		if err := tx.CreateSite(ctx, &site); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionCreate, "site", site.Code, site.Code, ""))
	})
	if err != nil {
		return nil, err
	}
	return &site, nil
}

// UpdateSite changes a field office if the client's version is current.
func (s *Service) UpdateSite(ctx context.Context, a docketcard.Actor, code string, p docketcard.SitePatch) (*docketcard.Site, error) {
	if err := a.Authorize(docketcard.PermSiteWrite, ""); err != nil {
		return nil, err
	}
	if p.Version == nil {
		return nil, versionRequired()
	}
	var out docketcard.Site
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		cur, err := tx.GetSite(ctx, code)
		if err != nil {
			return err
		}
		out = p.Apply(*cur)
		if err := out.Validate(); err != nil {
			return err
		}
		out.Version, out.UpdatedAt = *p.Version, s.now()
		if err := tx.UpdateSite(ctx, &out); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionUpdate, "site", code, code, ""))
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
