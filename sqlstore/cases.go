package sqlstore

import (
	"context"
	"database/sql"

	"github.com/docketcard/docketcard"
)

const caseCols = `c.id, c.person_id, p.site_code, c.court, c.status, c.release_doc_type, c.opened_on, c.version, c.created_at, c.updated_at`

func scanCase(sc interface{ Scan(...any) error }) (*docketcard.Case, error) {
	var c docketcard.Case
	var opened string
	if err := sc.Scan(&c.ID, &c.PersonID, &c.SiteCode, &c.Court, &c.Status, &c.ReleaseDocType, &opened, &c.Version, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	if opened != "" {
		d, err := docketcard.ParseDate(opened)
		if err != nil {
			return nil, err
		}
		c.OpenedOn = d
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// CreateCase inserts c with version 1.
func (t *tx) CreateCase(ctx context.Context, c *docketcard.Case) error {
	c.Version = 1
	c.CreatedAt, c.UpdatedAt = ts(c.CreatedAt), ts(c.UpdatedAt)
	_, err := t.exec(ctx, `INSERT INTO cases (id, person_id, court, status, release_doc_type, opened_on, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.PersonID, c.Court, string(c.Status), string(c.ReleaseDocType), c.OpenedOn.String(), c.Version, c.CreatedAt, c.UpdatedAt)
	return translate("CreateCase", err)
}

// GetCase returns a case with the site of its person.
func (t *tx) GetCase(ctx context.Context, id string) (*docketcard.Case, error) {
	c, err := scanCase(t.queryRow(ctx, `SELECT `+caseCols+` FROM cases c JOIN people p ON p.id = c.person_id WHERE c.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "Case not found.")
	}
	return c, translate("GetCase", err)
}

// ListCases returns a person's cases, oldest first.
func (t *tx) ListCases(ctx context.Context, personID string) ([]*docketcard.Case, error) {
	rows, err := t.query(ctx, `SELECT `+caseCols+` FROM cases c JOIN people p ON p.id = c.person_id
		WHERE c.person_id = ? ORDER BY c.created_at, c.id`, personID)
	if err != nil {
		return nil, translate("ListCases", err)
	}
	defer rows.Close()
	out := []*docketcard.Case{}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, translate("ListCases", err)
		}
		out = append(out, c)
	}
	return out, translate("ListCases", rows.Err())
}

// UpdateCase writes c if c.Version is current, and bumps it.
func (t *tx) UpdateCase(ctx context.Context, c *docketcard.Case) error {
	c.UpdatedAt = ts(c.UpdatedAt)
	res, err := t.exec(ctx, `UPDATE cases SET court = ?, status = ?, release_doc_type = ?, opened_on = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		c.Court, string(c.Status), string(c.ReleaseDocType), c.OpenedOn.String(), c.UpdatedAt, c.ID, c.Version)
	if err != nil {
		return translate("UpdateCase", err)
	}
	if err := t.checkVersion(ctx, res, "cases", "id", c.ID, "Case"); err != nil {
		return err
	}
	c.Version++
	return nil
}

const hearingCols = `id, case_id, type, starts_at, time_zone, court_address, cancelled, version, created_at, updated_at`

func scanHearing(sc interface{ Scan(...any) error }) (*docketcard.Hearing, error) {
	var h docketcard.Hearing
	if err := sc.Scan(&h.ID, &h.CaseID, &h.Type, &h.StartsAt, &h.TimeZone, &h.CourtAddress, &h.Cancelled, &h.Version, &h.CreatedAt, &h.UpdatedAt); err != nil {
		return nil, err
	}
	h.StartsAt, h.CreatedAt, h.UpdatedAt = h.StartsAt.UTC(), h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return &h, nil
}

// CreateHearing inserts h with version 1.
func (t *tx) CreateHearing(ctx context.Context, h *docketcard.Hearing) error {
	h.Version = 1
	h.StartsAt, h.CreatedAt, h.UpdatedAt = ts(h.StartsAt), ts(h.CreatedAt), ts(h.UpdatedAt)
	_, err := t.exec(ctx, `INSERT INTO hearings (`+hearingCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.ID, h.CaseID, string(h.Type), h.StartsAt, h.TimeZone, h.CourtAddress, h.Cancelled, h.Version, h.CreatedAt, h.UpdatedAt)
	return translate("CreateHearing", err)
}

// GetHearing returns one hearing.
func (t *tx) GetHearing(ctx context.Context, id string) (*docketcard.Hearing, error) {
	h, err := scanHearing(t.queryRow(ctx, `SELECT `+hearingCols+` FROM hearings WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "Hearing not found.")
	}
	return h, translate("GetHearing", err)
}

// ListHearings returns a case's hearings in date order.
func (t *tx) ListHearings(ctx context.Context, caseID string) ([]*docketcard.Hearing, error) {
	rows, err := t.query(ctx, `SELECT `+hearingCols+` FROM hearings WHERE case_id = ? ORDER BY starts_at, id`, caseID)
	if err != nil {
		return nil, translate("ListHearings", err)
	}
	defer rows.Close()
	out := []*docketcard.Hearing{}
	for rows.Next() {
		h, err := scanHearing(rows)
		if err != nil {
			return nil, translate("ListHearings", err)
		}
		out = append(out, h)
	}
	return out, translate("ListHearings", rows.Err())
}

// UpdateHearing writes h if h.Version is current, and bumps it.
func (t *tx) UpdateHearing(ctx context.Context, h *docketcard.Hearing) error {
	h.StartsAt, h.UpdatedAt = ts(h.StartsAt), ts(h.UpdatedAt)
	res, err := t.exec(ctx, `UPDATE hearings SET type = ?, starts_at = ?, time_zone = ?, court_address = ?, cancelled = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		string(h.Type), h.StartsAt, h.TimeZone, h.CourtAddress, h.Cancelled, h.UpdatedAt, h.ID, h.Version)
	if err != nil {
		return translate("UpdateHearing", err)
	}
	if err := t.checkVersion(ctx, res, "hearings", "id", h.ID, "Hearing"); err != nil {
		return err
	}
	h.Version++
	return nil
}

// GetReporting returns a case's reporting schedule.
func (t *tx) GetReporting(ctx context.Context, caseID string) (*docketcard.ReportingSchedule, error) {
	var r docketcard.ReportingSchedule
	var starts string
	var ends sql.NullString
	err := t.queryRow(ctx, `SELECT case_id, cadence, mode, starts_on, ends_on, location, version, updated_at
		FROM reporting_schedules WHERE case_id = ?`, caseID).
		Scan(&r.CaseID, &r.Cadence, &r.Mode, &starts, &ends, &r.Location, &r.Version, &r.UpdatedAt)
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "This case has no reporting schedule.")
	} else if err != nil {
		return nil, translate("GetReporting", err)
	}
	if r.StartsOn, err = docketcard.ParseDate(starts); err != nil {
		return nil, err
	}
	if ends.Valid {
		e, err := docketcard.ParseDate(ends.String)
		if err != nil {
			return nil, err
		}
		r.EndsOn = &e
	}
	r.UpdatedAt = r.UpdatedAt.UTC()
	return &r, nil
}

// PutReporting inserts the schedule when r.Version is 0 and otherwise
// updates it if r.Version is current; either way r.Version is bumped.
func (t *tx) PutReporting(ctx context.Context, r *docketcard.ReportingSchedule) error {
	r.UpdatedAt = ts(r.UpdatedAt)
	var ends any
	if r.EndsOn != nil {
		ends = r.EndsOn.String()
	}
	if r.Version == 0 {
		_, err := t.exec(ctx, `INSERT INTO reporting_schedules (case_id, cadence, mode, starts_on, ends_on, location, version, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?)`, r.CaseID, string(r.Cadence), string(r.Mode), r.StartsOn.String(), ends, r.Location, r.UpdatedAt)
		if err = translate("PutReporting", err); docketcard.ErrorCode(err) == docketcard.ECONFLICT {
			return docketcard.Errorf(docketcard.ECONFLICT, "This case already has a reporting schedule; send its version to change it.")
		} else if err != nil {
			return err
		}
		r.Version = 1
		return nil
	}
	res, err := t.exec(ctx, `UPDATE reporting_schedules SET cadence = ?, mode = ?, starts_on = ?, ends_on = ?, location = ?,
		version = version + 1, updated_at = ? WHERE case_id = ? AND version = ?`,
		string(r.Cadence), string(r.Mode), r.StartsOn.String(), ends, r.Location, r.UpdatedAt, r.CaseID, r.Version)
	if err != nil {
		return translate("PutReporting", err)
	}
	if err := t.checkVersion(ctx, res, "reporting_schedules", "case_id", r.CaseID, "Reporting schedule"); err != nil {
		return err
	}
	r.Version++
	return nil
}

const documentCols = `d.id, d.person_id, d.case_id, d.type, d.filename, d.issued_on, d.created_at, b.id, b.sha256, b.size, b.content_type`

func scanDocument(sc interface{ Scan(...any) error }) (*docketcard.Document, error) {
	var d docketcard.Document
	var caseID sql.NullString
	var issued string
	if err := sc.Scan(&d.ID, &d.PersonID, &caseID, &d.Type, &d.Filename, &issued, &d.CreatedAt,
		&d.Blob.ID, &d.Blob.SHA256, &d.Blob.Size, &d.Blob.ContentType); err != nil {
		return nil, err
	}
	d.CaseID = caseID.String
	var err error
	if d.IssuedOn, err = docketcard.ParseDate(issued); err != nil {
		return nil, err
	}
	d.CreatedAt = d.CreatedAt.UTC()
	return &d, nil
}

// CreateDocument records a document whose blob is already recorded.
func (t *tx) CreateDocument(ctx context.Context, d *docketcard.Document) error {
	d.CreatedAt = ts(d.CreatedAt)
	var caseID any
	if d.CaseID != "" {
		caseID = d.CaseID
	}
	_, err := t.exec(ctx, `INSERT INTO documents (id, person_id, case_id, type, filename, issued_on, blob_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, d.PersonID, caseID, string(d.Type), d.Filename, d.IssuedOn.String(), d.Blob.ID, d.CreatedAt)
	return translate("CreateDocument", err)
}

// GetDocument returns one document's metadata.
func (t *tx) GetDocument(ctx context.Context, id string) (*docketcard.Document, error) {
	d, err := scanDocument(t.queryRow(ctx, `SELECT `+documentCols+` FROM documents d JOIN blobs b ON b.id = d.blob_id WHERE d.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "Document not found.")
	}
	return d, translate("GetDocument", err)
}

// ListDocuments returns a person's documents, newest first.
func (t *tx) ListDocuments(ctx context.Context, personID string) ([]*docketcard.Document, error) {
	rows, err := t.query(ctx, `SELECT `+documentCols+` FROM documents d JOIN blobs b ON b.id = d.blob_id
		WHERE d.person_id = ? ORDER BY d.issued_on DESC, d.id`, personID)
	if err != nil {
		return nil, translate("ListDocuments", err)
	}
	defer rows.Close()
	out := []*docketcard.Document{}
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, translate("ListDocuments", err)
		}
		out = append(out, d)
	}
	return out, translate("ListDocuments", rows.Err())
}
