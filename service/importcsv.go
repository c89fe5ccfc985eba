package service

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/dedupe"
)

// ImportColumns are the columns of a people CSV file, in the order the
// template lists them. A header row naming them is required; order is
// free; a_number, family_names, date_of_birth, sex, both countries,
// preferred_language, the address and site_code must be present.
var ImportColumns = []string{"a_number", "family_names", "given_names", "aliases", "date_of_birth", "sex",
	"country_of_citizenship", "country_of_birth", "preferred_language", "street1", "street2", "city", "state",
	"zip", "phone", "email", "site_code"}

var requiredImportColumns = []string{"a_number", "family_names", "date_of_birth", "sex", "country_of_citizenship",
	"country_of_birth", "preferred_language", "street1", "city", "state", "zip", "site_code"}

// MaxImportRows bounds one import file.
const MaxImportRows = 1_000_000

// ImportRowError says why one row was not imported. Row is the line number
// in the file (the header is line 1).
type ImportRowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// ImportReport summarises an import.
type ImportReport struct {
	Rows      int              `json:"rows"`     // data rows read
	Created   int              `json:"created"`  // people enrolled by this run
	Existing  int              `json:"existing"` // rows whose A-number was already enrolled (skipped)
	Failed    int              `json:"failed"`   // rows rejected
	Errors    []ImportRowError `json:"errors"`   // at most MaxReportedErrors
	Truncated bool             `json:"errors_truncated,omitempty"`
}

// MaxReportedErrors bounds the error list of a report.
const MaxReportedErrors = 1000

func (r *ImportReport) fail(row int, field, msg string) {
	if len(r.Errors) < MaxReportedErrors {
		r.Errors = append(r.Errors, ImportRowError{Row: row, Field: field, Message: msg})
	} else {
		r.Truncated = true
	}
}

// ParseAliases parses the aliases cell: "FAMILY, Given; FAMILY2, Given2".
func ParseAliases(s string) []docketcard.Name {
	var out []docketcard.Name
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		fam, given, _ := strings.Cut(part, ",")
		out = append(out, docketcard.Name{FamilyNames: strings.TrimSpace(fam), GivenNames: strings.TrimSpace(given)})
	}
	return out
}

// ImportPeople enrols the people in a CSV file. Every row is validated;
// good rows are committed in batches (one transaction each, with their
// audit entries), bad rows are reported with their line number and reason.
// A row whose A-number is already enrolled is skipped, so running the same
// file again creates nobody twice. If the process dies mid-import, every
// committed batch stays and re-running the file completes the rest.
func (s *Service) ImportPeople(ctx context.Context, a docketcard.Actor, r io.Reader) (*ImportReport, error) {
	if err := a.Authorize(docketcard.PermPersonImport, ""); err != nil {
		return nil, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, docketcard.Errorf(docketcard.EINVALID, "The CSV file is empty; the first line must be a header naming the columns (%s).", strings.Join(ImportColumns, ","))
	} else if err != nil {
		if !isParseError(err) {
			return nil, err // reading the body failed (over the size limit, or the client went away)
		}
		return nil, docketcard.Errorf(docketcard.EINVALID, "The CSV header could not be read: %s.", csvErr(err))
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(ImportColumns, h) {
			return nil, docketcard.Errorf(docketcard.EINVALID, "The CSV header has an unknown column %q (column %d); the columns are %s.", h, i+1, strings.Join(ImportColumns, ","))
		}
		if _, dup := col[h]; dup {
			return nil, docketcard.Errorf(docketcard.EINVALID, "The CSV header names column %q twice.", h)
		}
		col[h] = i
	}
	var missing []string
	for _, c := range requiredImportColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, docketcard.Errorf(docketcard.EINVALID, "The CSV header lacks required columns: %s.", strings.Join(missing, ", "))
	}

	var sites map[string]bool
	if err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		all, err := tx.ListSites(ctx)
		sites = map[string]bool{}
		for _, st := range all {
			sites[st.Code] = st.Active
		}
		return err
	}); err != nil {
		return nil, err
	}

	rep := &ImportReport{Errors: []ImportRowError{}}
	seen := map[docketcard.ANumber]int{} // A-number → line of first occurrence in this file
	batch := make([]*docketcard.Person, 0, s.cfg.ImportBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := s.importBatch(ctx, a, batch)
		rep.Created += n
		rep.Existing += len(batch) - n
		batch = batch[:0]
		return err
	}
	now := s.now()
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				// Reading the body failed (over the size limit, or the
				// client went away): not a fault of the file's content.
				return rep, err
			}
			if !errors.Is(pe.Err, csv.ErrFieldCount) {
				// A malformed quote breaks the rest of the file's framing:
				// stop here, keeping what was committed.
				rep.Rows++
				rep.Failed++
				rep.fail(pe.StartLine, "", "malformed CSV: "+csvErr(err)+"; rows after this one were not read")
				break
			}
			return nil, docketcard.Errorf(docketcard.EINVALID, "The CSV file could not be read: %s.", csvErr(err))
		}
		// Only after a successful Read: after a parse error FieldPos may
		// have no field to report and panics.
		line, _ := cr.FieldPos(0)
		rep.Rows++
		if rep.Rows > MaxImportRows {
			return rep, docketcard.Errorf(docketcard.ETOOLARGE, "The file has more than %d rows; split it.", MaxImportRows)
		}
		if len(rec) != len(header) {
			rep.Failed++
			rep.fail(line, "", fmt.Sprintf("has %d fields; the header has %d", len(rec), len(header)))
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok {
				return rec[i]
			}
			return ""
		}
		if bad := slices.IndexFunc(rec, func(f string) bool { return !utf8.ValidString(f) }); bad >= 0 {
			rep.Failed++
			rep.fail(line, header[bad], "is not valid UTF-8 (save the file as UTF-8)")
			continue
		}
		in := docketcard.PersonInput{
			ANumber: get("a_number"), FamilyNames: get("family_names"), GivenNames: get("given_names"),
			Aliases: ParseAliases(get("aliases")), DateOfBirth: get("date_of_birth"), Sex: get("sex"),
			CountryOfCitizenship: get("country_of_citizenship"), CountryOfBirth: get("country_of_birth"),
			PreferredLanguage: get("preferred_language"),
			MailingAddress: docketcard.Address{Street1: get("street1"), Street2: get("street2"), City: get("city"),
				State: get("state"), ZIP: get("zip")},
			Phone: get("phone"), Email: get("email"), SiteCode: get("site_code"),
		}
		p, err := in.Validate(now)
		if err != nil {
			rep.Failed++
			fields := docketcard.ErrorFields(err)
			for _, f := range fields {
				rep.fail(line, f.Field, f.Message)
			}
			if len(fields) == 0 {
				rep.fail(line, "", docketcard.ErrorMessage(err))
			}
			continue
		}
		if active, ok := sites[p.SiteCode]; !ok {
			rep.Failed++
			rep.fail(line, "site_code", fmt.Sprintf("site %s does not exist", p.SiteCode))
			continue
		} else if !active {
			rep.Failed++
			rep.fail(line, "site_code", fmt.Sprintf("site %s is not active", p.SiteCode))
			continue
		}
		if err := a.Authorize(docketcard.PermPersonImport, p.SiteCode); err != nil {
			rep.Failed++
			rep.fail(line, "site_code", fmt.Sprintf("you are not assigned to site %s", p.SiteCode))
			continue
		}
		if first, dup := seen[p.ANumber]; dup {
			rep.Failed++
			rep.fail(line, "a_number", fmt.Sprintf("repeats the A-number of line %d", first))
			continue
		}
		seen[p.ANumber] = line
		p.ID, p.CreatedAt, p.UpdatedAt = s.newID(), now, now
		batch = append(batch, p)
		if len(batch) >= s.cfg.ImportBatch {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	return rep, nil
}

// importBatch enrols the people of one batch not already enrolled, with
// their audit entries, in one transaction; it returns how many it created.
func (s *Service) importBatch(ctx context.Context, a docketcard.Actor, batch []*docketcard.Person) (int, error) {
	var created int
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		as := make([]docketcard.ANumber, len(batch))
		for i, p := range batch {
			as[i] = p.ANumber
		}
		existing, err := tx.ExistingANumbers(ctx, as)
		if err != nil {
			return err
		}
		fresh := make([]*docketcard.Person, 0, len(batch))
		audits := make([]*docketcard.AuditEntry, 0, len(batch))
		for _, p := range batch {
			if _, ok := existing[p.ANumber]; ok {
				continue
			}
			fresh = append(fresh, p)
			audits = append(audits, s.audit(a, docketcard.ActionImport, "person", p.ID, p.SiteCode, "bulk import"))
		}
		if err := tx.CreatePeople(ctx, fresh); err != nil {
			return err
		}
		ids := make([]string, len(fresh))
		for i, p := range fresh {
			ids[i] = p.ID
		}
		if err := tx.RecordEnrollments(ctx, ids, a.UserID); err != nil {
			return err
		}
		var pairs [][2]string
		for _, p := range fresh {
			for _, k := range dedupe.NameKeys(p) {
				pairs = append(pairs, [2]string{p.ID, k})
			}
		}
		if err := tx.AddPersonKeys(ctx, pairs); err != nil {
			return err
		}
		created = len(fresh)
		return tx.AppendAudit(ctx, audits...)
	})
	if err != nil {
		return 0, err
	}
	return created, nil
}

func isParseError(err error) bool {
	var pe *csv.ParseError
	return errors.As(err, &pe)
}

func csvErr(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err.Error()
}
