package sqlstore

import (
	"context"
	"database/sql"

	"github.com/docketcard/docketcard"
)

const siteCols = `code, name, city, time_zone, card_quota, active, version, created_at, updated_at`

func scanSite(sc interface{ Scan(...any) error }) (*docketcard.Site, error) {
	var s docketcard.Site
	if err := sc.Scan(&s.Code, &s.Name, &s.City, &s.TimeZone, &s.CardQuota, &s.Active, &s.Version, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return &s, nil
}

// CreateSite inserts a site with version 1.
func (t *tx) CreateSite(ctx context.Context, s *docketcard.Site) error {
	s.Version = 1
	s.CreatedAt, s.UpdatedAt = ts(s.CreatedAt), ts(s.UpdatedAt)
	_, err := t.exec(ctx, `INSERT INTO sites (`+siteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.Code, s.Name, s.City, s.TimeZone, s.CardQuota, s.Active, s.Version, s.CreatedAt, s.UpdatedAt)
	if err = translate("CreateSite", err); docketcard.ErrorCode(err) == docketcard.ECONFLICT {
		return docketcard.Errorf(docketcard.ECONFLICT, "Site %s already exists.", s.Code)
	}
	return err
}

// GetSite returns the site with the given code.
func (t *tx) GetSite(ctx context.Context, code string) (*docketcard.Site, error) {
	s, err := scanSite(t.queryRow(ctx, `SELECT `+siteCols+` FROM sites WHERE code = ?`, code))
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "Site %s not found.", code)
	}
	return s, translate("GetSite", err)
}

// ListSites returns every site in code order.
func (t *tx) ListSites(ctx context.Context) ([]*docketcard.Site, error) {
	rows, err := t.query(ctx, `SELECT `+siteCols+` FROM sites ORDER BY code`)
	if err != nil {
		return nil, translate("ListSites", err)
	}
	defer rows.Close()
	out := []*docketcard.Site{}
	for rows.Next() {
		s, err := scanSite(rows)
		if err != nil {
			return nil, translate("ListSites", err)
		}
		out = append(out, s)
	}
	return out, translate("ListSites", rows.Err())
}

// UpdateSite writes s if s.Version is current, and bumps it.
func (t *tx) UpdateSite(ctx context.Context, s *docketcard.Site) error {
	s.UpdatedAt = ts(s.UpdatedAt)
	res, err := t.exec(ctx, `UPDATE sites SET name = ?, city = ?, time_zone = ?, card_quota = ?, active = ?,
		version = version + 1, updated_at = ? WHERE code = ? AND version = ?`,
		s.Name, s.City, s.TimeZone, s.CardQuota, s.Active, s.UpdatedAt, s.Code, s.Version)
	if err != nil {
		return translate("UpdateSite", err)
	}
	if err := t.checkVersion(ctx, res, "sites", "code", s.Code, "Site"); err != nil {
		return err
	}
	s.Version++
	return nil
}
