package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/docketcard/docketcard"
)

const checkCols = `id, run_id, person_id, site_code, type, state, score, evidence, list_versions, attempts, provider_ref,
	completed_at, expires_at, version, created_at, updated_at`

func scanCheck(sc interface{ Scan(...any) error }) (*docketcard.Check, error) {
	var c docketcard.Check
	var done, exp sql.NullTime
	if err := sc.Scan(&c.ID, &c.RunID, &c.PersonID, &c.SiteCode, &c.Type, &c.State, &c.Score, &c.Evidence, &c.ListVersions,
		&c.Attempts, &c.ProviderRef, &done, &exp, &c.Version, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.CompletedAt, c.ExpiresAt = fromNullTS(done), fromNullTS(exp)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func (t *tx) checks(ctx context.Context, where string, args ...any) ([]*docketcard.Check, error) {
	rows, err := t.query(ctx, `SELECT `+checkCols+` FROM checks `+where, args...)
	if err != nil {
		return nil, translate("checks", err)
	}
	defer rows.Close()
	out := []*docketcard.Check{}
	for rows.Next() {
		c, err := scanCheck(rows)
		if err != nil {
			return nil, translate("checks", err)
		}
		out = append(out, c)
	}
	return out, translate("checks", rows.Err())
}

// CreateCheckRun stores a run and its (pending) checks.
func (t *tx) CreateCheckRun(ctx context.Context, r *docketcard.CheckRun) error {
	req := make([]string, len(r.Required))
	for i, c := range r.Required {
		req[i] = string(c)
	}
	if _, err := t.exec(ctx, `INSERT INTO check_runs (id, person_id, site_code, requested_by, reason, required, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.ID, r.PersonID, r.SiteCode, r.RequestedBy, r.Reason, strings.Join(req, ","), ts(r.CreatedAt)); err != nil {
		return translate("CreateCheckRun", err)
	}
	for _, c := range r.Checks {
		c.Version = 1
		if _, err := t.exec(ctx, `INSERT INTO checks (`+checkCols+`) VALUES (`+placeholders(16)+`)`,
			c.ID, c.RunID, c.PersonID, c.SiteCode, string(c.Type), string(c.State), c.Score, c.Evidence, c.ListVersions,
			c.Attempts, c.ProviderRef, nullTS(c.CompletedAt), nullTS(c.ExpiresAt), c.Version, ts(c.CreatedAt), ts(c.UpdatedAt)); err != nil {
			return translate("CreateCheckRun", err)
		}
	}
	return nil
}

func (t *tx) runs(ctx context.Context, where string, args ...any) ([]*docketcard.CheckRun, error) {
	rows, err := t.query(ctx, `SELECT id, person_id, site_code, requested_by, reason, required, created_at FROM check_runs `+where, args...)
	if err != nil {
		return nil, translate("runs", err)
	}
	out := []*docketcard.CheckRun{}
	for rows.Next() {
		var r docketcard.CheckRun
		var req string
		if err := rows.Scan(&r.ID, &r.PersonID, &r.SiteCode, &r.RequestedBy, &r.Reason, &req, &r.CreatedAt); err != nil {
			rows.Close()
			return nil, translate("runs", err)
		}
		r.CreatedAt = r.CreatedAt.UTC()
		for _, s := range strings.Split(req, ",") {
			if s != "" {
				r.Required = append(r.Required, docketcard.CheckType(s))
			}
		}
		out = append(out, &r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate("runs", err)
	}
	for _, r := range out {
		var err error
		if r.Checks, err = t.checks(ctx, `WHERE run_id = ? ORDER BY type`, r.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetCheckRun returns a run with its checks.
func (t *tx) GetCheckRun(ctx context.Context, id string) (*docketcard.CheckRun, error) {
	rs, err := t.runs(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "Check run not found.")
	}
	return rs[0], nil
}

// ListCheckRuns returns a person's runs, newest first.
func (t *tx) ListCheckRuns(ctx context.Context, personID string) ([]*docketcard.CheckRun, error) {
	return t.runs(ctx, `WHERE person_id = ? ORDER BY created_at DESC, id DESC`, personID)
}

// GetCheck returns one check.
func (t *tx) GetCheck(ctx context.Context, id string) (*docketcard.Check, error) {
	cs, err := t.checks(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "Check not found.")
	}
	return cs[0], nil
}

// GetCheckByProviderRef finds the check an external provider knows as ref.
func (t *tx) GetCheckByProviderRef(ctx context.Context, ref string) (*docketcard.Check, error) {
	cs, err := t.checks(ctx, `WHERE provider_ref = ? AND provider_ref <> ''`, ref)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "No check has that provider reference.")
	}
	return cs[0], nil
}

// UpdateCheck writes a check if c.Version is current.
func (t *tx) UpdateCheck(ctx context.Context, c *docketcard.Check) error {
	c.UpdatedAt = ts(c.UpdatedAt)
	res, err := t.exec(ctx, `UPDATE checks SET state = ?, score = ?, evidence = ?, list_versions = ?, attempts = ?, provider_ref = ?,
		completed_at = ?, expires_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		string(c.State), c.Score, c.Evidence, c.ListVersions, c.Attempts, c.ProviderRef, nullTS(c.CompletedAt), nullTS(c.ExpiresAt),
		c.UpdatedAt, c.ID, c.Version)
	if err != nil {
		return translate("UpdateCheck", err)
	}
	if err := t.checkVersion(ctx, res, "checks", "id", c.ID, "Check"); err != nil {
		return err
	}
	c.Version++
	return nil
}

// AddCheckAttempt records (or, for the same attempt number, finishes) an attempt.
func (t *tx) AddCheckAttempt(ctx context.Context, a *docketcard.CheckAttempt) error {
	_, err := t.exec(ctx, `INSERT INTO check_attempts (check_id, attempt, started_at, finished_at, outcome, detail)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (check_id, attempt) DO UPDATE SET finished_at = excluded.finished_at,
		outcome = excluded.outcome, detail = excluded.detail`,
		a.CheckID, a.Attempt, ts(a.StartedAt), nullTS(a.FinishedAt), a.Outcome, a.Detail)
	return translate("AddCheckAttempt", err)
}

// ListCheckAttempts lists a check's attempts in order.
func (t *tx) ListCheckAttempts(ctx context.Context, checkID string) ([]*docketcard.CheckAttempt, error) {
	rows, err := t.query(ctx, `SELECT check_id, attempt, started_at, finished_at, outcome, detail FROM check_attempts
		WHERE check_id = ? ORDER BY attempt`, checkID)
	if err != nil {
		return nil, translate("ListCheckAttempts", err)
	}
	defer rows.Close()
	out := []*docketcard.CheckAttempt{}
	for rows.Next() {
		var a docketcard.CheckAttempt
		var fin sql.NullTime
		if err := rows.Scan(&a.CheckID, &a.Attempt, &a.StartedAt, &fin, &a.Outcome, &a.Detail); err != nil {
			return nil, translate("ListCheckAttempts", err)
		}
		a.StartedAt, a.FinishedAt = a.StartedAt.UTC(), fromNullTS(fin)
		out = append(out, &a)
	}
	return out, translate("ListCheckAttempts", rows.Err())
}

// ListReviewQueue lists possible matches awaiting adjudication.
func (t *tx) ListReviewQueue(ctx context.Context, sites []string, after string, limit int) ([]*docketcard.Check, error) {
	if len(sites) == 0 {
		return []*docketcard.Check{}, nil
	}
	args := make([]any, 0, len(sites)+2)
	for _, s := range sites {
		args = append(args, s)
	}
	args = append(args, after, limit)
	return t.checks(ctx, `WHERE state = 'possible_match' AND site_code IN (`+placeholders(len(sites))+`) AND id > ? ORDER BY id LIMIT ?`, args...)
}

// CreateAdjudication records a decision (the database enforces the
// two-person rule and one decision per check).
func (t *tx) CreateAdjudication(ctx context.Context, a *docketcard.Adjudication) error {
	_, err := t.exec(ctx, `INSERT INTO adjudications (id, check_id, person_id, site_code, adjudicator_id, decision, reason, decided_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.CheckID, a.PersonID, a.SiteCode, a.AdjudicatorID, string(a.Decision), a.Reason, ts(a.DecidedAt))
	if err != nil && strings.Contains(err.Error(), "two-person rule") {
		return docketcard.Errorf(docketcard.EFORBIDDEN, "Two-person rule: the officer who enrolled this person cannot adjudicate them.")
	}
	if err = translate("CreateAdjudication", err); docketcard.ErrorCode(err) == docketcard.ECONFLICT {
		return docketcard.Errorf(docketcard.ECONFLICT, "This check has already been adjudicated.")
	}
	return err
}

// GetAdjudication returns the decision on a check.
func (t *tx) GetAdjudication(ctx context.Context, checkID string) (*docketcard.Adjudication, error) {
	var a docketcard.Adjudication
	err := t.queryRow(ctx, `SELECT id, check_id, person_id, site_code, adjudicator_id, decision, reason, decided_at FROM adjudications
		WHERE check_id = ?`, checkID).Scan(&a.ID, &a.CheckID, &a.PersonID, &a.SiteCode, &a.AdjudicatorID, &a.Decision, &a.Reason, &a.DecidedAt)
	if err != nil {
		return nil, translate("GetAdjudication", err)
	}
	a.DecidedAt = a.DecidedAt.UTC()
	return &a, nil
}

// RecordEnrollment remembers who enrolled a person (two-person rule).
func (t *tx) RecordEnrollment(ctx context.Context, personID, enrolledBy string) error {
	_, err := t.exec(ctx, `INSERT INTO enrollments (person_id, enrolled_by) VALUES (?, ?) ON CONFLICT (person_id) DO NOTHING`, personID, enrolledBy)
	return translate("RecordEnrollment", err)
}

// RecordEnrollments records many enrolments (bulk import), many rows per statement.
func (t *tx) RecordEnrollments(ctx context.Context, personIDs []string, enrolledBy string) error {
	for start := 0; start < len(personIDs); start += 400 {
		chunk := personIDs[start:min(start+400, len(personIDs))]
		args := make([]any, 0, 2*len(chunk))
		for _, id := range chunk {
			args = append(args, id, enrolledBy)
		}
		if _, err := t.exec(ctx, `INSERT INTO enrollments (person_id, enrolled_by) VALUES `+rowsOf(len(chunk), 2)+`
			ON CONFLICT (person_id) DO NOTHING`, args...); err != nil {
			return translate("RecordEnrollments", err)
		}
	}
	return nil
}

// EnrolledBy returns who enrolled a person ("" if unknown).
func (t *tx) EnrolledBy(ctx context.Context, personID string) (string, error) {
	var by string
	err := t.queryRow(ctx, `SELECT enrolled_by FROM enrollments WHERE person_id = ?`, personID).Scan(&by)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return by, translate("EnrolledBy", err)
}

// CreateClearance records a clearance.
func (t *tx) CreateClearance(ctx context.Context, c *docketcard.Clearance) error {
	_, err := t.exec(ctx, `INSERT INTO clearances (id, person_id, run_id, granted_at, expires_at, revoked_at, revoked_reason)
		VALUES (?, ?, ?, ?, ?, NULL, '')`, c.ID, c.PersonID, c.RunID, ts(c.GrantedAt), ts(c.ExpiresAt))
	return translate("CreateClearance", err)
}

// GetClearance returns one clearance.
func (t *tx) GetClearance(ctx context.Context, id string) (*docketcard.Clearance, error) {
	var c docketcard.Clearance
	var rev sql.NullTime
	err := t.queryRow(ctx, `SELECT id, person_id, run_id, granted_at, expires_at, revoked_at, revoked_reason FROM clearances WHERE id = ?`, id).
		Scan(&c.ID, &c.PersonID, &c.RunID, &c.GrantedAt, &c.ExpiresAt, &rev, &c.RevokedReason)
	if err != nil {
		return nil, translate("GetClearance", err)
	}
	c.GrantedAt, c.ExpiresAt, c.RevokedAt = c.GrantedAt.UTC(), c.ExpiresAt.UTC(), fromNullTS(rev)
	return &c, nil
}

// CurrentClearance returns the newest usable clearance.
func (t *tx) CurrentClearance(ctx context.Context, personID string, now time.Time) (*docketcard.Clearance, error) {
	var c docketcard.Clearance
	var rev sql.NullTime
	err := t.queryRow(ctx, `SELECT id, person_id, run_id, granted_at, expires_at, revoked_at, revoked_reason FROM clearances
		WHERE person_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY granted_at DESC, id DESC LIMIT 1`, personID, ts(now)).
		Scan(&c.ID, &c.PersonID, &c.RunID, &c.GrantedAt, &c.ExpiresAt, &rev, &c.RevokedReason)
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "No current clearance.")
	} else if err != nil {
		return nil, translate("CurrentClearance", err)
	}
	c.GrantedAt, c.ExpiresAt, c.RevokedAt = c.GrantedAt.UTC(), c.ExpiresAt.UTC(), fromNullTS(rev)
	return &c, nil
}

// RevokeClearances revokes every live clearance of a person.
func (t *tx) RevokeClearances(ctx context.Context, personID, reason string, at time.Time) (int64, error) {
	res, err := t.exec(ctx, `UPDATE clearances SET revoked_at = ?, revoked_reason = ? WHERE person_id = ? AND revoked_at IS NULL`, ts(at), reason, personID)
	if err != nil {
		return 0, translate("RevokeClearances", err)
	}
	return res.RowsAffected()
}

// ClaimRescreen claims the re-screening for a watch-list version set.
func (t *tx) ClaimRescreen(ctx context.Context, lists string, at time.Time) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO rescreens (lists, claimed_at) VALUES (?, ?) ON CONFLICT (lists) DO NOTHING`, lists, ts(at))
	if err != nil {
		return false, translate("ClaimRescreen", err)
	}
	n, err := res.RowsAffected()
	return n == 1, translate("ClaimRescreen", err)
}

// ReleaseRescreen drops a claim so that the re-screening runs again.
func (t *tx) ReleaseRescreen(ctx context.Context, lists string) error {
	_, err := t.exec(ctx, `DELETE FROM rescreens WHERE lists = ?`, lists)
	return translate("ReleaseRescreen", err)
}

// Cardholders lists people with a signed card that is not revoked.
func (t *tx) Cardholders(ctx context.Context, fn func(personID string) error) error {
	rows, err := t.query(ctx, `SELECT DISTINCT person_id FROM cards WHERE state = 'signed' AND lifecycle <> 'revoked' ORDER BY person_id`)
	if err != nil {
		return translate("Cardholders", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return translate("Cardholders", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate("Cardholders", err)
	}
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// PutPersonKeys replaces a person's blocking keys and photo hash.
func (t *tx) PutPersonKeys(ctx context.Context, personID string, keys []string, photoHash *uint64) error {
	if _, err := t.exec(ctx, `DELETE FROM person_keys WHERE person_id = ?`, personID); err != nil {
		return translate("PutPersonKeys", err)
	}
	if len(keys) > 0 {
		args := make([]any, 0, 2*len(keys))
		for _, k := range keys {
			args = append(args, personID, k)
		}
		if _, err := t.exec(ctx, `INSERT INTO person_keys (person_id, key) VALUES `+rowsOf(len(keys), 2)+` ON CONFLICT DO NOTHING`, args...); err != nil {
			return translate("PutPersonKeys", err)
		}
	}
	if photoHash != nil {
		if _, err := t.exec(ctx, `INSERT INTO person_photo_hashes (person_id, hash) VALUES (?, ?)
			ON CONFLICT (person_id) DO UPDATE SET hash = excluded.hash`, personID, int64(*photoHash)); err != nil {
			return translate("PutPersonKeys", err)
		}
	}
	return nil
}

// AddPersonKeys inserts (person, key) pairs, many rows per statement.
func (t *tx) AddPersonKeys(ctx context.Context, pairs [][2]string) error {
	for start := 0; start < len(pairs); start += 400 {
		chunk := pairs[start:min(start+400, len(pairs))]
		args := make([]any, 0, 2*len(chunk))
		for _, p := range chunk {
			args = append(args, p[0], p[1])
		}
		if _, err := t.exec(ctx, `INSERT INTO person_keys (person_id, key) VALUES `+rowsOf(len(chunk), 2)+` ON CONFLICT DO NOTHING`, args...); err != nil {
			return translate("AddPersonKeys", err)
		}
	}
	return nil
}

// CandidatesByKeys finds people sharing any blocking key, most keys first.
func (t *tx) CandidatesByKeys(ctx context.Context, keys []string, exclude string, limit int) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(keys)+2)
	for _, k := range keys {
		args = append(args, k)
	}
	args = append(args, exclude, limit)
	rows, err := t.query(ctx, `SELECT person_id FROM person_keys WHERE key IN (`+placeholders(len(keys))+`) AND person_id <> ?
		GROUP BY person_id ORDER BY COUNT(*) DESC, person_id LIMIT ?`, args...)
	if err != nil {
		return nil, translate("CandidatesByKeys", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate("CandidatesByKeys", err)
		}
		out = append(out, id)
	}
	return out, translate("CandidatesByKeys", rows.Err())
}

// PeopleByID loads people and their photo hashes in bulk.
func (t *tx) PeopleByID(ctx context.Context, ids []string) ([]*docketcard.Person, map[string]uint64, error) {
	hashes := map[string]uint64{}
	if len(ids) == 0 {
		return nil, hashes, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := t.query(ctx, `SELECT `+personCols+personFrom+` WHERE p.id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, nil, translate("PeopleByID", err)
	}
	var out []*docketcard.Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			rows.Close()
			return nil, nil, translate("PeopleByID", err)
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, translate("PeopleByID", err)
	}
	if err := t.loadAliases(ctx, out); err != nil {
		return nil, nil, err
	}
	hr, err := t.query(ctx, `SELECT person_id, hash FROM person_photo_hashes WHERE person_id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, nil, translate("PeopleByID", err)
	}
	defer hr.Close()
	for hr.Next() {
		var id string
		var h int64
		if err := hr.Scan(&id, &h); err != nil {
			return nil, nil, translate("PeopleByID", err)
		}
		hashes[id] = uint64(h)
	}
	return out, hashes, translate("PeopleByID", hr.Err())
}

// PhotoHash returns a person's stored perceptual photo hash.
func (t *tx) PhotoHash(ctx context.Context, personID string) (uint64, bool, error) {
	var h int64
	err := t.queryRow(ctx, `SELECT hash FROM person_photo_hashes WHERE person_id = ?`, personID).Scan(&h)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	return uint64(h), err == nil, translate("PhotoHash", err)
}
