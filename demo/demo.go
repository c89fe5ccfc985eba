// Package demo fills a docketcard database with pilot-shaped synthetic
// data: four field offices, one officer per role, and people with
// generated portraits, cases, hearings, reporting schedules and specimen
// documents. Every person is invented: names are random combinations of
// common names, A-numbers sit in the A09xxxxxxx demo range, phone numbers
// in the 555-01xx range reserved for fiction, e-mail addresses at
// example.com, and every portrait and document is stamped SYNTHETIC or
// SPECIMEN. Everything goes through the service, so it is validated and
// audited like real work.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/demo/portrait"
	"github.com/docketcard/docketcard/demo/specimen"
	"github.com/docketcard/docketcard/service"
)

// Sites are the four pilot field offices.
var Sites = []docketcard.Site{
	{Code: "HOU", Name: "Houston Field Office", City: "Houston", TimeZone: "America/Chicago", CardQuota: 3000, Active: true},
	{Code: "ATL", Name: "Atlanta Field Office", City: "Atlanta", TimeZone: "America/New_York", CardQuota: 3000, Active: true},
	{Code: "MIA", Name: "Miami Field Office", City: "Miami", TimeZone: "America/New_York", CardQuota: 2000, Active: true},
	{Code: "PHX", Name: "Phoenix Field Office", City: "Phoenix", TimeZone: "America/Phoenix", CardQuota: 2000, Active: true},
}

// courts are the immigration courts serving each site.
var courts = map[string]struct{ name, address string }{
	"HOU": {"Houston Immigration Court", "600 Jefferson St, Suite 900, Houston, TX 77002"},
	"ATL": {"Atlanta Immigration Court", "180 Ted Turner Dr SW, Suite 241, Atlanta, GA 30303"},
	"MIA": {"Miami Immigration Court", "333 S Miami Ave, Suite 700, Miami, FL 33130"},
	"PHX": {"Phoenix Immigration Court", "250 N 7th Ave, Suite 300, Phoenix, AZ 85007"},
}

var siteStates = map[string]struct{ city, state, zip string }{
	"HOU": {"Houston", "TX", "770"}, "ATL": {"Atlanta", "GA", "303"}, "MIA": {"Miami", "FL", "331"}, "PHX": {"Phoenix", "AZ", "850"},
}

// Login is a demo account and its password.
type Login struct {
	Username string
	Role     docketcard.Role
	Password string
	Sites    []string
}

// users defines one account per role.
var users = []struct {
	username, name string
	role           docketcard.Role
	sites          []string
	agency         string
}{
	{"officer", "Demo Enrollment Officer", docketcard.RoleEnrollmentOfficer, []string{"HOU", "ATL"}, ""},
	{"adjudicator", "Demo Adjudicator", docketcard.RoleAdjudicator, []string{"HOU", "ATL", "MIA", "PHX"}, ""},
	{"printer", "Demo Print Operator", docketcard.RolePrintOperator, []string{"HOU", "ATL"}, ""},
	{"verifier", "Demo Field Verifier", docketcard.RoleFieldVerifier, []string{"HOU", "ATL", "MIA", "PHX"}, ""},
	{"manager", "Demo Program Manager", docketcard.RoleProgramManager, []string{"HOU", "ATL", "MIA", "PHX"}, ""},
	{"foia", "Demo FOIA Officer", docketcard.RoleFOIAOfficer, []string{"HOU", "ATL", "MIA", "PHX"}, ""},
	{"auditor", "Demo Auditor", docketcard.RoleAuditor, nil, ""},
	{"admin", "Demo Administrator", docketcard.RoleAdmin, nil, ""},
	{"clerk", "Demo Court Clerk", docketcard.RoleRelyingParty, nil, "Harris County District Clerk (demo)"},
}

var (
	givenM  = []string{"José", "Luis", "Carlos", "Juan", "Miguel", "Ángel", "Jorge", "Pedro", "Mateo", "Santiago", "Andrés", "Diego", "Omar", "Yusuf", "Arash", "Dmitri", "Jean", "Samuel", "Kwame", "Ravi"}
	givenF  = []string{"María", "Ana", "Lucía", "Sofía", "Valentina", "Camila", "Gabriela", "Rosa", "Carmen", "Isabel", "Fátima", "Amina", "Leila", "Olga", "Marie", "Esther", "Grace", "Priya", "Nadia", "Elena"}
	family  = []string{"García", "Hernández", "López", "Martínez", "González", "Rodríguez", "Pérez", "Sánchez", "Ramírez", "Cruz", "Flores", "Morales", "Ortiz", "Castillo", "Núñez", "Peña", "Reyes", "Aguilar", "Mendoza", "Vásquez", "Al-Sayed", "Haddad", "Petrova", "Joseph", "Mensah", "Patel", "O'Brien", "De la Cruz"}
	nations = []struct{ code, lang string }{{"MEX", "es"}, {"GTM", "es"}, {"HND", "es"}, {"SLV", "es"}, {"VEN", "es"}, {"COL", "es"}, {"CUB", "es"}, {"NIC", "es"}, {"ECU", "es"}, {"HTI", "ht"}, {"BRA", "pt"}, {"IND", "hi"}, {"RUS", "ru"}, {"AFG", "ps"}, {"GHA", "en"}, {"XXA", "ar"}}
	streets = []string{"Main St", "Oak Ave", "Pine St", "Maple Dr", "Cedar Ln", "Elm St", "Washington Ave", "Lincoln Blvd", "Park Pl", "Lakeview Dr"}
)

// Options sizes the demo.
type Options struct {
	People int
	Seed   uint64
	// Progress, if set, is called after each person.
	Progress func(done, total int)
}

// Result lists what was created.
type Result struct {
	Logins []Login
	People int
}

// Load creates the demo data through svc as the system actor.
func Load(ctx context.Context, svc *service.Service, now time.Time, o Options) (*Result, error) {
	sys := docketcard.SystemActor("demo-loader")
	sys.RequestID = "demo"
	res := &Result{}
	for _, s := range Sites {
		if _, err := svc.CreateSite(ctx, sys, s); err != nil {
			return nil, fmt.Errorf("demo: site %s: %w", s.Code, err)
		}
	}
	for _, u := range users {
		pw := service.GeneratePassword()
		if _, err := svc.CreateUser(ctx, sys, docketcard.UserInput{Username: u.username, DisplayName: u.name,
			Roles: []string{string(u.role)}, Sites: u.sites, Agency: u.agency, Password: pw}); err != nil {
			return nil, fmt.Errorf("demo: user %s: %w", u.username, err)
		}
		res.Logins = append(res.Logins, Login{Username: u.username, Role: u.role, Password: pw, Sites: u.sites})
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6d656d6f))
	for i := 0; i < o.People; i++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := person(ctx, svc, sys, rng, i, now); err != nil {
			return res, fmt.Errorf("demo: person %d: %w", i+1, err)
		}
		res.People++
		if o.Progress != nil {
			o.Progress(i+1, o.People)
		}
	}
	return res, nil
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// Input returns the synthetic biographic record of demo person i (the
// same for the same seed), without creating it.
func Input(r *rand.Rand, i int, now time.Time) docketcard.PersonInput {
	sex := pick(r, []string{"M", "F", "M", "F", "X"})
	given := pick(r, givenM)
	if sex == "F" || (sex == "X" && r.IntN(2) == 0) {
		given = pick(r, givenF)
	}
	if r.IntN(3) == 0 {
		given += " " + pick(r, append(givenM[:0:0], append(givenM, givenF...)...))
	}
	fam := pick(r, family)
	if r.IntN(2) == 0 { // Hispanic double surname
		fam += " " + pick(r, family)
	}
	n := pick(r, nations)
	site := Sites[i%len(Sites)].Code
	loc := siteStates[site]
	dob := now.AddDate(-18-r.IntN(50), -r.IntN(12), -r.IntN(28))
	dobText := dob.Format("2006-01-02")
	switch r.IntN(10) {
	case 0:
		dobText = dob.Format("2006") // only the year is known
	case 1:
		dobText = dob.Format("2006-01")
	}
	in := docketcard.PersonInput{
		ANumber:     fmt.Sprintf("A09%07d", i+1),
		FamilyNames: fam, GivenNames: given, DateOfBirth: dobText, Sex: sex,
		CountryOfCitizenship: n.code, CountryOfBirth: n.code, PreferredLanguage: n.lang,
		MailingAddress: docketcard.Address{Street1: fmt.Sprintf("%d %s", 100+r.IntN(9800), pick(r, streets)),
			City: loc.city, State: loc.state, ZIP: fmt.Sprintf("%s%02d", loc.zip, r.IntN(100))},
		SiteCode: site,
	}
	if n.code == "XXA" {
		in.CountryOfBirth = "SYR"
	}
	if r.IntN(3) > 0 {
		in.Phone = fmt.Sprintf("+1 713 555 01%02d", r.IntN(100))
	}
	if r.IntN(3) == 0 {
		in.Email = fmt.Sprintf("demo.person%d@example.com", i+1)
	}
	if r.IntN(5) == 0 {
		in.Aliases = []docketcard.Name{{FamilyNames: pick(r, family), GivenNames: given}}
	}
	return in
}

func person(ctx context.Context, svc *service.Service, sys docketcard.Actor, r *rand.Rand, i int, now time.Time) error {
	in := Input(r, i, now)
	p, err := svc.CreatePerson(ctx, sys, in)
	if err != nil {
		return err
	}
	img, err := portrait.Generate(int64(i+1), in.Sex)
	if err != nil {
		return err
	}
	if p, err = svc.SetPhoto(ctx, sys, p.ID, p.Version, bytesReader(img)); err != nil {
		return err
	}
	court := courts[p.SiteCode]
	opened := now.AddDate(0, -1-r.IntN(30), -r.IntN(28))
	release := pick(r, []string{"I-220A", "I-220B", "parole"})
	c, err := svc.CreateCase(ctx, sys, p.ID, docketcard.CaseInput{Court: court.name,
		Status: pick(r, []string{"pending", "pending", "continued", "appeal_pending"}), ReleaseDocType: release,
		OpenedOn: opened.Format(time.DateOnly)})
	if err != nil {
		return err
	}
	tz := "America/Chicago"
	for _, s := range Sites {
		if s.Code == p.SiteCode {
			tz = s.TimeZone
		}
	}
	hearingDay := now.AddDate(0, 1+r.IntN(10), r.IntN(28))
	for hearingDay.Weekday() == time.Saturday || hearingDay.Weekday() == time.Sunday {
		hearingDay = hearingDay.AddDate(0, 0, 1)
	}
	if _, err := svc.CreateHearing(ctx, sys, c.ID, docketcard.HearingInput{Type: pick(r, []string{"master", "master", "individual"}),
		Date: hearingDay.Format(time.DateOnly), Time: fmt.Sprintf("%02d:%02d", 8+r.IntN(8), 30*r.IntN(2)), TimeZone: tz,
		CourtAddress: court.address}); err != nil {
		return err
	}
	if _, err := svc.PutReporting(ctx, sys, c.ID, docketcard.ReportingInput{Cadence: pick(r, []string{"weekly", "biweekly", "monthly", "quarterly"}),
		Mode: pick(r, []string{"in_person", "telephone", "online"}), StartsOn: opened.AddDate(0, 0, 14).Format(time.DateOnly),
		Location: Sites[i%len(Sites)].Name}); err != nil {
		return err
	}
	docs := []struct {
		kind specimen.Kind
		date time.Time
	}{{"I-862", opened}, {specimen.Kind(release), opened.AddDate(0, 0, 1)}}
	for _, d := range docs {
		if release == "parole" && d.kind == "parole" {
			d.kind = "I-94"
		}
		pdf, err := specimen.Render(specimen.Fields{Kind: d.kind, FamilyNames: p.FamilyNames, GivenNames: p.GivenNames,
			ANumber: p.ANumber.Formatted(), DateOfBirth: p.DateOfBirth.String(), Citizenship: docketcard.CountryName(p.CountryOfCitizenship),
			Court: court.name, IssueDate: d.date.Format(time.DateOnly),
			Address: p.MailingAddress.Street1 + ", " + p.MailingAddress.City + ", " + p.MailingAddress.State + " " + p.MailingAddress.ZIP})
		if err != nil {
			return err
		}
		if _, err := svc.AddDocument(ctx, sys, p.ID, docketcard.DocumentInput{Type: string(d.kind), CaseID: c.ID,
			Filename: string(d.kind) + "-specimen.pdf", IssuedOn: d.date.Format(time.DateOnly)}, pdf); err != nil {
			return err
		}
	}
	// Background checks, then a card if they cleared (a possible match
	// waits in the adjudicators' queue instead) and the demo has keys.
	run, err := svc.RunChecksNow(ctx, sys, p.ID, "enrollment")
	if err != nil {
		return err
	}
	for _, c := range run.Checks {
		if !c.State.Passed() {
			return nil
		}
	}
	card, err := svc.IssueCard(ctx, sys, p.ID, "demo:"+p.ID)
	if docketcard.ErrorCode(err) == docketcard.EUNAVAILABLE {
		return nil
	} else if err != nil {
		return err
	}
	// Most demo cards are printed, handed over and active; about one in
	// seven waits in its site's print queue (at every site: 7 and the
	// four sites are coprime), so the print workflow has work.
	if i%7 == 3 {
		return nil
	}
	if _, err := svc.TransitionCard(ctx, sys, card.ID, docketcard.TransitionRequest{Event: docketcard.EventPrint}); err != nil {
		return err
	}
	_, err = svc.HandoverCard(ctx, sys, card.ID, docketcard.HandoverInput{Acknowledgement: "signature", Activate: true})
	return err
}
