package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/docketcard/docketcard"
)

// ts normalises a time for storage: UTC, microsecond precision (what
// PostgreSQL keeps), so a value reads back exactly as written.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func nullTS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func fromNullTS(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// checkVersion turns "no row updated" into ENOTFOUND or a stale-version
// ECONFLICT, by looking for the row.
func (t *tx) checkVersion(ctx context.Context, res sql.Result, table, keyCol string, key any, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return translate("update "+table, err)
	}
	if n == 1 {
		return nil
	}
	var cur int
	err = t.queryRow(ctx, `SELECT version FROM `+table+` WHERE `+keyCol+` = ?`, key).Scan(&cur)
	if err == sql.ErrNoRows {
		return docketcard.Errorf(docketcard.ENOTFOUND, "%s not found.", what)
	} else if err != nil {
		return translate("update "+table, err)
	}
	return docketcard.Errorf(docketcard.ECONFLICT, "The %s was changed by someone else (now at version %d); reload it and try again.", strings.ToLower(what), cur)
}

const personCols = `p.id, p.a_number, p.family_names, p.given_names, p.date_of_birth, p.sex, p.citizenship,
	p.birth_country, p.language, p.street1, p.street2, p.city, p.state, p.zip, p.phone, p.email,
	p.site_code, p.version, p.created_at, p.updated_at, b.id, b.sha256, b.size, b.content_type`

const personFrom = ` FROM people p LEFT JOIN blobs b ON b.id = p.photo_blob_id`

func scanPerson(sc interface{ Scan(...any) error }) (*docketcard.Person, error) {
	var p docketcard.Person
	var dob string
	var bid, bsha, bct sql.NullString
	var bsize sql.NullInt64
	err := sc.Scan(&p.ID, &p.ANumber, &p.FamilyNames, &p.GivenNames, &dob, &p.Sex, &p.CountryOfCitizenship,
		&p.CountryOfBirth, &p.PreferredLanguage, &p.MailingAddress.Street1, &p.MailingAddress.Street2,
		&p.MailingAddress.City, &p.MailingAddress.State, &p.MailingAddress.ZIP, &p.Phone, &p.Email,
		&p.SiteCode, &p.Version, &p.CreatedAt, &p.UpdatedAt, &bid, &bsha, &bsize, &bct)
	if err != nil {
		return nil, err
	}
	if p.DateOfBirth, err = docketcard.ParsePartialDate(dob); err != nil {
		return nil, err
	}
	if bid.Valid {
		p.Photo = &docketcard.BlobRef{ID: bid.String, SHA256: bsha.String, Size: bsize.Int64, ContentType: bct.String}
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	p.Aliases = []docketcard.Name{}
	return &p, nil
}

func photoID(p *docketcard.Person) any {
	if p.Photo == nil {
		return nil
	}
	return p.Photo.ID
}

const personInsertCols = `id, a_number, family_names, given_names, date_of_birth, sex,
	citizenship, birth_country, language, street1, street2, city, state, zip, phone, email, site_code,
	photo_blob_id, version, created_at, updated_at`

func personArgs(p *docketcard.Person) []any {
	return []any{p.ID, string(p.ANumber), p.FamilyNames, p.GivenNames, p.DateOfBirth.String(), string(p.Sex),
		p.CountryOfCitizenship, p.CountryOfBirth, p.PreferredLanguage, p.MailingAddress.Street1,
		p.MailingAddress.Street2, p.MailingAddress.City, p.MailingAddress.State, p.MailingAddress.ZIP,
		p.Phone, p.Email, p.SiteCode, photoID(p), p.Version, p.CreatedAt, p.UpdatedAt}
}

func personInsertError(err error, what string) error {
	err = translate("CreatePerson", err)
	switch docketcard.ErrorCode(err) {
	case docketcard.ECONFLICT:
		return docketcard.Errorf(docketcard.ECONFLICT, "A person with A-number %s is already enrolled.", what)
	case docketcard.EINVALID:
		return docketcard.Errorf(docketcard.EINVALID, "The person's site does not exist.")
	}
	return err
}

// CreatePerson inserts p and its aliases. p.ID, CreatedAt and UpdatedAt
// must be set; Version is set to 1.
func (t *tx) CreatePerson(ctx context.Context, p *docketcard.Person) error {
	p.Version = 1
	p.CreatedAt, p.UpdatedAt = ts(p.CreatedAt), ts(p.UpdatedAt)
	if _, err := t.exec(ctx, `INSERT INTO people (`+personInsertCols+`) VALUES (`+placeholders(21)+`)`, personArgs(p)...); err != nil {
		return personInsertError(err, p.ANumber.Formatted())
	}
	return t.putAliases(ctx, p)
}

// CreatePeople inserts many people with multi-row INSERTs (200 rows per
// statement, well under both databases' parameter limits).
func (t *tx) CreatePeople(ctx context.Context, ps []*docketcard.Person) error {
	for start := 0; start < len(ps); start += 200 {
		chunk := ps[start:min(start+200, len(ps))]
		args := make([]any, 0, len(chunk)*21)
		var aliasArgs []any
		nAlias := 0
		for _, p := range chunk {
			p.Version = 1
			p.CreatedAt, p.UpdatedAt = ts(p.CreatedAt), ts(p.UpdatedAt)
			args = append(args, personArgs(p)...)
			for i, a := range p.Aliases {
				aliasArgs = append(aliasArgs, p.ID, i, a.FamilyNames, a.GivenNames)
				nAlias++
			}
		}
		if _, err := t.exec(ctx, `INSERT INTO people (`+personInsertCols+`) VALUES `+rowsOf(len(chunk), 21), args...); err != nil {
			return personInsertError(err, "in this batch")
		}
		for a := 0; a < nAlias; a += 500 {
			end := min(a+500, nAlias)
			if _, err := t.exec(ctx, `INSERT INTO person_aliases (person_id, position, family_names, given_names) VALUES `+
				rowsOf(end-a, 4), aliasArgs[a*4:end*4]...); err != nil {
				return translate("CreatePeople", err)
			}
		}
	}
	return nil
}

func (t *tx) putAliases(ctx context.Context, p *docketcard.Person) error {
	if _, err := t.exec(ctx, `DELETE FROM person_aliases WHERE person_id = ?`, p.ID); err != nil {
		return translate("putAliases", err)
	}
	for i, a := range p.Aliases {
		if _, err := t.exec(ctx, `INSERT INTO person_aliases (person_id, position, family_names, given_names) VALUES (?, ?, ?, ?)`,
			p.ID, i, a.FamilyNames, a.GivenNames); err != nil {
			return translate("putAliases", err)
		}
	}
	return nil
}

func (t *tx) loadAliases(ctx context.Context, people []*docketcard.Person) error {
	if len(people) == 0 {
		return nil
	}
	byID := make(map[string]*docketcard.Person, len(people))
	args := make([]any, 0, len(people))
	for _, p := range people {
		byID[p.ID] = p
		args = append(args, p.ID)
	}
	rows, err := t.query(ctx, `SELECT person_id, family_names, given_names FROM person_aliases
		WHERE person_id IN (`+placeholders(len(args))+`) ORDER BY person_id, position`, args...)
	if err != nil {
		return translate("loadAliases", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n docketcard.Name
		if err := rows.Scan(&id, &n.FamilyNames, &n.GivenNames); err != nil {
			return translate("loadAliases", err)
		}
		byID[id].Aliases = append(byID[id].Aliases, n)
	}
	return translate("loadAliases", rows.Err())
}

func placeholders(n int) string {
	if n <= 0 {
		return "NULL"
	}
	return strings.Repeat("?, ", n-1) + "?"
}

func (t *tx) getPersonWhere(ctx context.Context, where string, arg any) (*docketcard.Person, error) {
	p, err := scanPerson(t.queryRow(ctx, `SELECT `+personCols+personFrom+` WHERE `+where, arg))
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "Person not found.")
	} else if err != nil {
		return nil, translate("GetPerson", err)
	}
	return p, t.loadAliases(ctx, []*docketcard.Person{p})
}

// GetPerson returns the person with the given ID.
func (t *tx) GetPerson(ctx context.Context, id string) (*docketcard.Person, error) {
	return t.getPersonWhere(ctx, `p.id = ?`, id)
}

// GetPersonByANumber returns the person with the given A-number.
func (t *tx) GetPersonByANumber(ctx context.Context, a docketcard.ANumber) (*docketcard.Person, error) {
	return t.getPersonWhere(ctx, `p.a_number = ?`, string(a))
}

// ListPeople lists people of the filter's sites in ID order (IDs are
// time-ordered), after the cursor.
func (t *tx) ListPeople(ctx context.Context, f docketcard.PersonFilter) ([]*docketcard.Person, error) {
	if len(f.Sites) == 0 {
		return []*docketcard.Person{}, nil
	}
	args := make([]any, 0, len(f.Sites)+2)
	for _, s := range f.Sites {
		args = append(args, s)
	}
	args = append(args, f.After, f.Limit)
	rows, err := t.query(ctx, `SELECT `+personCols+personFrom+`
		WHERE p.site_code IN (`+placeholders(len(f.Sites))+`) AND p.id > ? ORDER BY p.id LIMIT ?`, args...)
	if err != nil {
		return nil, translate("ListPeople", err)
	}
	defer rows.Close()
	out := []*docketcard.Person{}
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, translate("ListPeople", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("ListPeople", err)
	}
	rows.Close()
	return out, t.loadAliases(ctx, out)
}

// UpdatePerson replaces p's fields if p.Version is still current, and
// bumps the version.
func (t *tx) UpdatePerson(ctx context.Context, p *docketcard.Person) error {
	p.UpdatedAt = ts(p.UpdatedAt)
	res, err := t.exec(ctx, `UPDATE people SET family_names = ?, given_names = ?, date_of_birth = ?, sex = ?,
		citizenship = ?, birth_country = ?, language = ?, street1 = ?, street2 = ?, city = ?, state = ?, zip = ?,
		phone = ?, email = ?, site_code = ?, photo_blob_id = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`,
		p.FamilyNames, p.GivenNames, p.DateOfBirth.String(), string(p.Sex), p.CountryOfCitizenship,
		p.CountryOfBirth, p.PreferredLanguage, p.MailingAddress.Street1, p.MailingAddress.Street2,
		p.MailingAddress.City, p.MailingAddress.State, p.MailingAddress.ZIP, p.Phone, p.Email, p.SiteCode,
		photoID(p), p.UpdatedAt, p.ID, p.Version)
	if err != nil {
		err = translate("UpdatePerson", err)
		if docketcard.ErrorCode(err) == docketcard.EINVALID {
			return docketcard.Errorf(docketcard.EINVALID, "Site %s does not exist.", p.SiteCode)
		}
		return err
	}
	if err := t.checkVersion(ctx, res, "people", "id", p.ID, "Person"); err != nil {
		return err
	}
	p.Version++
	return t.putAliases(ctx, p)
}

// ExistingANumbers returns which of the given A-numbers are enrolled,
// mapped to the person ID.
func (t *tx) ExistingANumbers(ctx context.Context, as []docketcard.ANumber) (map[docketcard.ANumber]string, error) {
	out := make(map[docketcard.ANumber]string, len(as))
	for start := 0; start < len(as); start += 500 {
		end := min(start+500, len(as))
		args := make([]any, 0, end-start)
		for _, a := range as[start:end] {
			args = append(args, string(a))
		}
		rows, err := t.query(ctx, `SELECT a_number, id FROM people WHERE a_number IN (`+placeholders(len(args))+`)`, args...)
		if err != nil {
			return nil, translate("ExistingANumbers", err)
		}
		for rows.Next() {
			var a, id string
			if err := rows.Scan(&a, &id); err != nil {
				rows.Close()
				return nil, translate("ExistingANumbers", err)
			}
			out[docketcard.ANumber(a)] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate("ExistingANumbers", err)
		}
	}
	return out, nil
}

// CreateBlob records the metadata of a sealed blob.
func (t *tx) CreateBlob(ctx context.Context, b *docketcard.BlobRef, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO blobs (id, sha256, size, content_type, created_at) VALUES (?, ?, ?, ?, ?)`,
		b.ID, b.SHA256, b.Size, b.ContentType, ts(at))
	return translate("CreateBlob", err)
}

// GetBlob returns a blob's metadata.
func (t *tx) GetBlob(ctx context.Context, id string) (*docketcard.BlobRef, error) {
	var b docketcard.BlobRef
	err := t.queryRow(ctx, `SELECT id, sha256, size, content_type FROM blobs WHERE id = ?`, id).
		Scan(&b.ID, &b.SHA256, &b.Size, &b.ContentType)
	if err != nil {
		return nil, translate("GetBlob", err)
	}
	return &b, nil
}
