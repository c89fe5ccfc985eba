package docketcard

import (
	"strings"
	"time"
	"unicode/utf8"
)

// CaseStatus is where a removal case stands in immigration court.
type CaseStatus string

const (
	CasePending                CaseStatus = "pending"
	CaseContinued              CaseStatus = "continued"
	CaseAdministrativelyClosed CaseStatus = "administratively_closed"
	CaseAppealPending          CaseStatus = "appeal_pending"
	CaseReliefGranted          CaseStatus = "relief_granted"
	CaseRemovalOrdered         CaseStatus = "removal_ordered"
	CaseTerminated             CaseStatus = "terminated"
)

var caseStatuses = []CaseStatus{CasePending, CaseContinued, CaseAdministrativelyClosed,
	CaseAppealPending, CaseReliefGranted, CaseRemovalOrdered, CaseTerminated}

// ReleaseDocType is the document under which a non-detained person was released.
type ReleaseDocType string

const (
	ReleaseI220A  ReleaseDocType = "I-220A" // Order of Release on Recognizance
	ReleaseI220B  ReleaseDocType = "I-220B" // Order of Supervision
	ReleaseParole ReleaseDocType = "parole"
	ReleaseBond   ReleaseDocType = "bond"
	ReleaseOther  ReleaseDocType = "other"
)

var releaseDocTypes = []ReleaseDocType{ReleaseI220A, ReleaseI220B, ReleaseParole, ReleaseBond, ReleaseOther}

func oneOf[T ~string](field, s string, allowed []T) (T, error) {
	for _, a := range allowed {
		if strings.EqualFold(string(a), strings.TrimSpace(s)) {
			return a, nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return "", Errorf(EINVALID, "%s %q is not one of %s", field, s, strings.Join(names, ", "))
}

// Case is a removal case before an immigration court.
type Case struct {
	ID             string         `json:"id"`
	PersonID       string         `json:"person_id"`
	SiteCode       string         `json:"site_code"`
	Court          string         `json:"court"`
	Status         CaseStatus     `json:"status"`
	ReleaseDocType ReleaseDocType `json:"release_document_type"`
	OpenedOn       Date           `json:"opened_on"`
	Version        int            `json:"version"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// CaseInput creates or replaces the editable fields of a case.
type CaseInput struct {
	Court          string `json:"court"`
	Status         string `json:"status"`
	ReleaseDocType string `json:"release_document_type"`
	OpenedOn       string `json:"opened_on"`
}

// Validate returns the case fields or an EINVALID error.
func (in CaseInput) Validate(today time.Time) (*Case, error) {
	var v Validation
	c := &Case{Court: NormaliseNamePart(in.Court)}
	if c.Court == "" || utf8.RuneCountInString(c.Court) > 100 {
		v.Add("court", "is required and at most 100 characters")
	}
	var err error
	c.Status, err = oneOf("case status", in.Status, caseStatuses)
	v.Check("status", err)
	c.ReleaseDocType, err = oneOf("release document type", in.ReleaseDocType, releaseDocTypes)
	v.Check("release_document_type", err)
	if in.OpenedOn != "" {
		c.OpenedOn, err = ParseDate(in.OpenedOn)
		v.Check("opened_on", err)
		if err == nil && c.OpenedOn.After(today) {
			v.Add("opened_on", "is in the future")
		}
	}
	return c, v.Err("case")
}

// CasePatch is a partial update of a case.
type CasePatch struct {
	Version        *int    `json:"version"`
	Court          *string `json:"court"`
	Status         *string `json:"status"`
	ReleaseDocType *string `json:"release_document_type"`
	OpenedOn       *string `json:"opened_on"`
}

// Apply applies the patch to the input form of c.
func (p CasePatch) Apply(c *Case) CaseInput {
	in := CaseInput{Court: c.Court, Status: string(c.Status), ReleaseDocType: string(c.ReleaseDocType), OpenedOn: c.OpenedOn.String()}
	if p.Court != nil {
		in.Court = *p.Court
	}
	if p.Status != nil {
		in.Status = *p.Status
	}
	if p.ReleaseDocType != nil {
		in.ReleaseDocType = *p.ReleaseDocType
	}
	if p.OpenedOn != nil {
		in.OpenedOn = *p.OpenedOn
	}
	return in
}

// HearingType is the kind of immigration court hearing.
type HearingType string

const (
	HearingMaster     HearingType = "master"     // master calendar hearing
	HearingIndividual HearingType = "individual" // merits hearing
	HearingBond       HearingType = "bond"
	HearingOther      HearingType = "other"
)

var hearingTypes = []HearingType{HearingMaster, HearingIndividual, HearingBond, HearingOther}

// Hearing is one scheduled court appearance. Its time is held in UTC with
// the court's time zone, so it prints in the court's local time.
type Hearing struct {
	ID           string      `json:"id"`
	CaseID       string      `json:"case_id"`
	Type         HearingType `json:"type"`
	StartsAt     time.Time   `json:"starts_at"`
	TimeZone     string      `json:"time_zone"`
	CourtAddress string      `json:"court_address"`
	Cancelled    bool        `json:"cancelled"`
	Version      int         `json:"version"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
}

// HearingInput creates or replaces a hearing. Date and time are the
// court's local wall-clock time in TimeZone.
type HearingInput struct {
	Type         string `json:"type"`
	Date         string `json:"date"` // YYYY-MM-DD
	Time         string `json:"time"` // HH:MM, 24-hour
	TimeZone     string `json:"time_zone"`
	CourtAddress string `json:"court_address"`
	Cancelled    bool   `json:"cancelled"`
}

// Validate returns the hearing or an EINVALID error. A hearing may be in
// the past (records of past hearings are kept), but not more than 20
// years either way.
func (in HearingInput) Validate(now time.Time) (*Hearing, error) {
	var v Validation
	h := &Hearing{CourtAddress: strings.TrimSpace(in.CourtAddress), Cancelled: in.Cancelled}
	var err error
	h.Type, err = oneOf("hearing type", in.Type, hearingTypes)
	v.Check("type", err)
	loc, err := LoadLocation(strings.TrimSpace(in.TimeZone))
	v.Check("time_zone", err)
	d, derr := ParseDate(in.Date)
	v.Check("date", derr)
	t, terr := time.Parse("15:04", strings.TrimSpace(in.Time))
	if terr != nil {
		v.Add("time", "%q must be a 24-hour time written HH:MM", in.Time)
	}
	if err == nil && derr == nil && terr == nil {
		h.TimeZone = loc.String()
		h.StartsAt = time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), 0, 0, loc).UTC()
		if h.StartsAt.After(now.AddDate(20, 0, 0)) || h.StartsAt.Before(now.AddDate(-20, 0, 0)) {
			v.Add("date", "is more than 20 years from today")
		}
	}
	if h.CourtAddress == "" || utf8.RuneCountInString(h.CourtAddress) > 300 {
		v.Add("court_address", "is required and at most 300 characters")
	}
	return h, v.Err("hearing")
}

// Local returns the hearing's start in the court's time zone.
func (h *Hearing) Local() time.Time {
	if loc, err := time.LoadLocation(h.TimeZone); err == nil {
		return h.StartsAt.In(loc)
	}
	return h.StartsAt
}

// Cadence is how often a person must report (check in).
type Cadence string

const (
	CadenceWeekly    Cadence = "weekly"
	CadenceBiweekly  Cadence = "biweekly"
	CadenceMonthly   Cadence = "monthly"
	CadenceQuarterly Cadence = "quarterly"
)

var cadences = []Cadence{CadenceWeekly, CadenceBiweekly, CadenceMonthly, CadenceQuarterly}

// ReportingMode is how a check-in is made.
type ReportingMode string

const (
	ReportInPerson  ReportingMode = "in_person"
	ReportTelephone ReportingMode = "telephone"
	ReportOnline    ReportingMode = "online"
)

var reportingModes = []ReportingMode{ReportInPerson, ReportTelephone, ReportOnline}

// ReportingSchedule is a case's check-in obligation: from StartsOn, every
// Cadence, until EndsOn (if set), at Location.
type ReportingSchedule struct {
	CaseID    string        `json:"case_id"`
	Cadence   Cadence       `json:"cadence"`
	Mode      ReportingMode `json:"mode"`
	StartsOn  Date          `json:"starts_on"`
	EndsOn    *Date         `json:"ends_on,omitempty"`
	Location  string        `json:"location"`
	Version   int           `json:"version"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// ReportingInput sets a case's reporting schedule.
type ReportingInput struct {
	Version  int    `json:"version"` // 0 when creating
	Cadence  string `json:"cadence"`
	Mode     string `json:"mode"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Location string `json:"location"`
}

// Validate returns the schedule or an EINVALID error.
func (in ReportingInput) Validate() (*ReportingSchedule, error) {
	var v Validation
	r := &ReportingSchedule{Location: strings.TrimSpace(in.Location), Version: in.Version}
	var err error
	r.Cadence, err = oneOf("cadence", in.Cadence, cadences)
	v.Check("cadence", err)
	r.Mode, err = oneOf("reporting mode", in.Mode, reportingModes)
	v.Check("mode", err)
	r.StartsOn, err = ParseDate(in.StartsOn)
	v.Check("starts_on", err)
	if in.EndsOn != "" {
		e, err := ParseDate(in.EndsOn)
		v.Check("ends_on", err)
		if err == nil {
			if e.Before(r.StartsOn.Time) {
				v.Add("ends_on", "is before starts_on")
			}
			r.EndsOn = &e
		}
	}
	if r.Location == "" || utf8.RuneCountInString(r.Location) > 300 {
		v.Add("location", "is required and at most 300 characters")
	}
	return r, v.Err("reporting schedule")
}

// Next returns up to n check-in dates on or after from.
func (r *ReportingSchedule) Next(from Date, n int) []Date {
	var out []Date
	for i := 0; len(out) < n && i < 10000; i++ {
		var d time.Time
		switch r.Cadence {
		case CadenceWeekly:
			d = r.StartsOn.AddDate(0, 0, 7*i)
		case CadenceBiweekly:
			d = r.StartsOn.AddDate(0, 0, 14*i)
		case CadenceMonthly:
			d = r.StartsOn.AddDate(0, i, 0)
		case CadenceQuarterly:
			d = r.StartsOn.AddDate(0, 3*i, 0)
		default:
			return out
		}
		if r.EndsOn != nil && d.After(r.EndsOn.Time) {
			break
		}
		if !d.Before(from.Time) {
			out = append(out, Date{d})
		}
	}
	return out
}
