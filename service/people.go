package service

import (
	"context"
	"io"
	"strings"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/dedupe"
	"github.com/docketcard/docketcard/photo"
)

// PersonPage is one page of a people listing.
type PersonPage struct {
	Items      []*docketcard.Person `json:"items"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

// changedFields names the fields that differ, for the audit detail (names
// of fields only, never their values).
func changedFields(a, b *docketcard.Person) string {
	var ch []string
	add := func(name string, diff bool) {
		if diff {
			ch = append(ch, name)
		}
	}
	add("family_names", a.FamilyNames != b.FamilyNames)
	add("given_names", a.GivenNames != b.GivenNames)
	add("aliases", len(a.Aliases) != len(b.Aliases) || func() bool {
		for i := range a.Aliases {
			if a.Aliases[i] != b.Aliases[i] {
				return true
			}
		}
		return false
	}())
	add("date_of_birth", a.DateOfBirth != b.DateOfBirth)
	add("sex", a.Sex != b.Sex)
	add("country_of_citizenship", a.CountryOfCitizenship != b.CountryOfCitizenship)
	add("country_of_birth", a.CountryOfBirth != b.CountryOfBirth)
	add("preferred_language", a.PreferredLanguage != b.PreferredLanguage)
	add("mailing_address", a.MailingAddress != b.MailingAddress)
	add("phone", a.Phone != b.Phone)
	add("email", a.Email != b.Email)
	add("site_code", a.SiteCode != b.SiteCode)
	add("photo", (a.Photo == nil) != (b.Photo == nil) || (a.Photo != nil && b.Photo != nil && a.Photo.ID != b.Photo.ID))
	if len(ch) == 0 {
		return "no change"
	}
	return "changed: " + strings.Join(ch, ",")
}

// CreatePerson enrols a person at a site the actor serves.
func (s *Service) CreatePerson(ctx context.Context, a docketcard.Actor, in docketcard.PersonInput) (*docketcard.Person, error) {
	if err := a.Authorize(docketcard.PermPersonWrite, ""); err != nil {
		return nil, err
	}
	p, err := in.Validate(s.now())
	if err != nil {
		return nil, err
	}
	if err := a.Authorize(docketcard.PermPersonWrite, p.SiteCode); err != nil {
		return nil, err
	}
	p.ID, p.CreatedAt, p.UpdatedAt = s.newID(), s.now(), s.now()
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		if err := activeSite(ctx, tx, p.SiteCode); err != nil {
			return err
		}
		if err := tx.CreatePerson(ctx, p); err != nil {
			return err
		}
		if err := tx.RecordEnrollment(ctx, p.ID, a.UserID); err != nil {
			return err
		}
		if err := tx.PutPersonKeys(ctx, p.ID, dedupe.NameKeys(p), nil); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionCreate, "person", p.ID, p.SiteCode, ""))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// personKeys returns p's name keys plus the bands of its stored photo hash.
func personKeys(ctx context.Context, tx docketcard.Tx, p *docketcard.Person) []string {
	keys := dedupe.NameKeys(p)
	if h, ok, err := tx.PhotoHash(ctx, p.ID); err == nil && ok {
		keys = append(keys, dedupe.PhotoBands(h)...)
	}
	return keys
}

// activeSite checks that people may be enrolled at (or moved to) site.
func activeSite(ctx context.Context, tx docketcard.Tx, code string) error {
	st, err := tx.GetSite(ctx, code)
	if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
		return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid person: site_code: site " + code + " does not exist",
			Fields: []docketcard.FieldError{{Field: "site_code", Message: "site " + code + " does not exist"}}}
	} else if err != nil {
		return err
	}
	if !st.Active {
		return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid person: site_code: site " + code + " is not active",
			Fields: []docketcard.FieldError{{Field: "site_code", Message: "site " + code + " is not active"}}}
	}
	return nil
}

// readPerson loads a person, checks the actor may read it, and audits the
// read in the same transaction: a record is never shown without the
// audit entry that says who saw it and why.
func (s *Service) readPerson(ctx context.Context, a docketcard.Actor, load func(tx docketcard.Tx) (*docketcard.Person, error), what string) (*docketcard.Person, error) {
	if err := a.Authorize(docketcard.PermPersonRead, ""); err != nil {
		return nil, err
	}
	var p *docketcard.Person
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if p, err = load(tx); err != nil {
			return err
		}
		return a.Authorize(docketcard.PermPersonRead, p.SiteCode)
	})
	if docketcard.ErrorCode(err) == docketcard.EFORBIDDEN && p != nil {
		// An officer reaching for a record of a site they do not serve is
		// what an auditor looks for: record the attempt, then refuse.
		if aerr := s.auditRead(ctx, s.audit(a, docketcard.ActionDenied, "person", p.ID, p.SiteCode, what)); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if err := s.auditRead(ctx, s.audit(a, docketcard.ActionRead, "person", p.ID, p.SiteCode, what)); err != nil {
		return nil, err
	}
	return p, nil
}

// GetPerson returns a person's record by ID.
func (s *Service) GetPerson(ctx context.Context, a docketcard.Actor, id string) (*docketcard.Person, error) {
	return s.readPerson(ctx, a, func(tx docketcard.Tx) (*docketcard.Person, error) { return tx.GetPerson(ctx, id) }, "record")
}

// GetPersonByANumber returns a person's record by A-number.
func (s *Service) GetPersonByANumber(ctx context.Context, a docketcard.Actor, raw string) (*docketcard.Person, error) {
	if err := a.Authorize(docketcard.PermPersonRead, ""); err != nil {
		return nil, err
	}
	an, err := docketcard.ParseANumber(raw)
	if err != nil {
		return nil, err
	}
	return s.readPerson(ctx, a, func(tx docketcard.Tx) (*docketcard.Person, error) { return tx.GetPersonByANumber(ctx, an) }, "record by A-number")
}

// ListPeople lists people at the sites the actor serves (or at one of
// them), a page at a time. The listing is audited as a read of every
// record it shows.
func (s *Service) ListPeople(ctx context.Context, a docketcard.Actor, site, cursor string, limit int) (*PersonPage, error) {
	if err := a.Authorize(docketcard.PermPersonRead, ""); err != nil {
		return nil, err
	}
	sites := a.Sites
	if site != "" {
		site = strings.ToUpper(site)
		if err := a.Authorize(docketcard.PermPersonRead, site); err != nil {
			return nil, err
		}
		sites = []string{site}
	}
	limit = clampLimit(limit, 50, 200)
	page := &PersonPage{}
	var ids []string
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		if a.System && site == "" {
			all, err := tx.ListSites(ctx)
			if err != nil {
				return err
			}
			sites = sites[:0:0]
			for _, st := range all {
				sites = append(sites, st.Code)
			}
		}
		people, err := tx.ListPeople(ctx, docketcard.PersonFilter{Sites: sites, After: cursor, Limit: limit + 1})
		if err != nil {
			return err
		}
		if len(people) > limit {
			people = people[:limit]
			page.NextCursor = people[limit-1].ID
		}
		page.Items = people
		for _, p := range people {
			ids = append(ids, p.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		if err := s.auditRead(ctx, s.audit(a, docketcard.ActionList, "person", "list", site, "records "+strings.Join(ids, ","))); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// UpdatePerson applies a partial update if the client's version is current.
func (s *Service) UpdatePerson(ctx context.Context, a docketcard.Actor, id string, patch docketcard.PersonPatch) (*docketcard.Person, error) {
	if err := a.Authorize(docketcard.PermPersonWrite, ""); err != nil {
		return nil, err
	}
	if patch.Version == nil {
		return nil, versionRequired()
	}
	var out *docketcard.Person
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		cur, err := tx.GetPerson(ctx, id)
		if err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermPersonWrite, cur.SiteCode); err != nil {
			return err
		}
		next, err := patch.Apply(cur.Input()).Validate(s.now())
		if err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermPersonWrite, next.SiteCode); err != nil {
			return err
		}
		if next.SiteCode != cur.SiteCode {
			if err := activeSite(ctx, tx, next.SiteCode); err != nil {
				return err
			}
		}
		next.ID, next.Photo, next.CreatedAt = cur.ID, cur.Photo, cur.CreatedAt
		next.Version, next.UpdatedAt = *patch.Version, s.now()
		if err := tx.UpdatePerson(ctx, next); err != nil {
			return err
		}
		if err := tx.PutPersonKeys(ctx, next.ID, personKeys(ctx, tx, next), nil); err != nil {
			return err
		}
		out = next
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionUpdate, "person", id, next.SiteCode, changedFields(cur, next)))
	})
	return out, err
}

// SetPhoto replaces a person's photo with a sanitised copy of the upload:
// decoded within size and pixel limits, re-encoded, metadata stripped,
// encrypted at rest. version is the person's version the client read.
func (s *Service) SetPhoto(ctx context.Context, a docketcard.Actor, id string, version int, r io.Reader) (*docketcard.Person, error) {
	if err := a.Authorize(docketcard.PermPersonWrite, ""); err != nil {
		return nil, err
	}
	img, err := photo.Sanitize(r, s.cfg.PhotoLimits)
	if err != nil {
		return nil, err
	}
	// Check access before storing anything.
	if err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		cur, err := tx.GetPerson(ctx, id)
		if err != nil {
			return err
		}
		return a.Authorize(docketcard.PermPersonWrite, cur.SiteCode)
	}); err != nil {
		return nil, err
	}
	display, err := photo.Display(img.Data)
	if err != nil {
		return nil, err
	}
	ref, err := s.blobs.Put(ctx, img.ContentType, img.Data)
	if err != nil {
		return nil, err
	}
	dref, err := s.blobs.Put(ctx, img.ContentType, display)
	if err != nil {
		_ = s.blobs.Delete(context.WithoutCancel(ctx), ref.ID)
		return nil, err
	}
	var out *docketcard.Person
	var replaced, replacedDisplay *docketcard.BlobRef
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		cur, err := tx.GetPerson(ctx, id)
		if err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermPersonWrite, cur.SiteCode); err != nil {
			return err
		}
		replaced = cur.Photo
		if err := tx.CreateBlob(ctx, &ref, s.now()); err != nil {
			return err
		}
		if err := tx.CreateBlob(ctx, &dref, s.now()); err != nil {
			return err
		}
		if replacedDisplay, err = tx.SetDisplayPhoto(ctx, id, dref, s.now()); err != nil {
			return err
		}
		next := *cur
		next.Photo, next.Version, next.UpdatedAt = &ref, version, s.now()
		if err := tx.UpdatePerson(ctx, &next); err != nil {
			return err
		}
		// The photo's perceptual hash and its bands are blocking keys for
		// duplicate detection.
		if h, err := dedupe.PhotoHash(img.Data); err == nil {
			keys := append(dedupe.NameKeys(&next), dedupe.PhotoBands(h)...)
			if err := tx.PutPersonKeys(ctx, next.ID, keys, &h); err != nil {
				return err
			}
		}
		out = &next
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionUpdate, "person", id, cur.SiteCode, "changed: photo"))
	})
	if err != nil {
		// The sealed bytes were written first; remove them so a failed
		// update leaves nothing behind.
		_ = s.blobs.Delete(context.WithoutCancel(ctx), ref.ID)
		_ = s.blobs.Delete(context.WithoutCancel(ctx), dref.ID)
		return nil, err
	}
	if replacedDisplay != nil {
		_ = s.blobs.Delete(context.WithoutCancel(ctx), replacedDisplay.ID)
	}
	// The old photo's metadata row stays (the audit trail may refer to it)
	// but its sealed bytes are no longer needed.
	if replaced != nil {
		if err := s.blobs.Delete(context.WithoutCancel(ctx), replaced.ID); err != nil {
			s.log.Warn("could not delete a replaced photo's sealed bytes", "blob", replaced.ID, "err", err)
		}
	}
	return out, nil
}

// GetPhoto returns a person's photo (JPEG). Audited as a read.
func (s *Service) GetPhoto(ctx context.Context, a docketcard.Actor, id string) ([]byte, string, error) {
	p, err := s.readPerson(ctx, a, func(tx docketcard.Tx) (*docketcard.Person, error) { return tx.GetPerson(ctx, id) }, "photo")
	if err != nil {
		return nil, "", err
	}
	if p.Photo == nil {
		return nil, "", docketcard.Errorf(docketcard.ENOTFOUND, "This person has no photo.")
	}
	b, err := s.blobs.Get(ctx, *p.Photo)
	return b, p.Photo.ContentType, err
}
