package web_test

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/service"
)

// This file checks who may call what: every route of routes.go against
// every role (and anonymous callers), on both dialects. A caller without
// access gets exactly 403 (401 when anonymous) with a problem body and
// changes nothing; a caller with access never gets 401 or 403. Person,
// case, document, card, print and background-check routes are also called
// on records of a site (ATL) that no fixture user serves, where every role
// gets 403. Online verification and status-list publication are not
// site-scoped (see TestAuthzPolicyPrinciples).

// authzReq is the request a matrix row sends.
type authzReq struct {
	path        string
	body        []byte
	contentType string
	header      map[string]string
}

// authzTarget names the records of one site that rows point at.
type authzTarget struct {
	site, person, aNumber, caseID, hearing, document, card string
	// cardNumber and qr are card's number and QR text, for verification;
	// issued is a card handed over to its holder; batch is a print batch
	// whose one card (card) waits to be printed.
	cardNumber, qr, issued, batch string
	// possibleMatches are duplicate checks awaiting a decision, one for
	// each adjudication request the matrix sends (a decision uses its
	// check up): see nextPossibleMatch.
	possibleMatches []string
	// Cards and batches for the rows that change them, one for each
	// caller let through (see fresh): approved cards to suspend, to print,
	// to replace and to leave in the print queue, printed cards to hand
	// over, and print batches of one pending card to record outcomes of.
	toSuspend, toPrint, toReplace, queued, toHandOver []string
	outcomeBatches                                    []authzBatch
}

// authzBatch is a print batch of one card.
type authzBatch struct{ id, card string }

// authzFixture is the data the whole matrix runs on, created once per
// dialect.
type authzFixture struct {
	c        *apiClient
	hou, atl authzTarget
	// other is a user no row acts as, for "another user" rows.
	other      *docketcard.User
	otherToken string // ID of a token of other's, to revoke
	// spare holds the ID of a second token of each role's user, which
	// that user may revoke without losing the token the test uses.
	spare     map[docketcard.Role]string
	patchSite string
	png       []byte
	seq       int
	cur       testing.TB // the test of the request being built
	// consumes is whether the request being built is expected to be let
	// through (its row allows the caller, on HOU's records): see fresh.
	consumes bool
}

// authzRoute is one row of the matrix.
type authzRoute struct {
	method, pattern string
	variant         string            // tells rows of one route apart ("self", "another user")
	allowed         []docketcard.Role // roles that may call it
	anonymous       bool              // a public endpoint: anonymous callers may call it too
	siteScoped      bool              // a person, case, document or card route: also run on ATL records
	build           func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq
}

func (r authzRoute) route() string { return r.method + " " + r.pattern }

func (r authzRoute) name() string {
	if r.variant != "" {
		return r.route() + " (" + r.variant + ")"
	}
	return r.route()
}

// authzExcluded lists the routes of routes.go that are not API endpoints
// and so are not in the matrix, with the reason.
var authzExcluded = map[string]string{
	"GET /static/": "public style sheet",
	"GET /{$}":     "HTML page: redirects anonymous callers to /login",
	"GET /login":   "HTML sign-in page, public",
	"POST /login":  "HTML sign-in form, public, with its own CSRF check",
	"POST /logout": "HTML sign-out, ends the caller's own session",
	"/api/":        "catch-all 404 for unknown API paths",
	// Registered only when an external check provider is configured (the
	// matrix's test app configures none), and authenticated by the
	// provider's HMAC signature, not by a user's credentials: no role
	// calls it.
	"POST /api/v1/provider-callbacks": "external providers' signed result callbacks (HMAC, no user credentials); tested in package provider and in TestOpenAPIConformance (step provider callback)",
}

func (f *authzFixture) next() int { f.seq++; return f.seq }

func (f *authzFixture) freshANumber() string { return fmt.Sprintf("A7%08d", f.next()) }

// freshKey returns an Idempotency-Key no request has used.
func (f *authzFixture) freshKey() string { return fmt.Sprintf("authz-matrix-%06d", f.next()) }

// self returns the ID of the user acting as role (another user's for
// anonymous callers).
func (f *authzFixture) self(as docketcard.Role) string {
	if as == "" {
		return f.other.ID
	}
	return f.c.app.Users[as].ID
}

// version reads the current version of a record, so that allowed writes
// succeed rather than fail on a stale version.
func (f *authzFixture) version(table, key, id string) int {
	t := f.cur
	t.Helper()
	var v int
	q := f.c.app.DB.Rebind("SELECT version FROM " + table + " WHERE " + key + " = ?")
	if err := f.c.app.DB.SQL().QueryRow(q, id).Scan(&v); err != nil {
		t.Fatalf("version of %s %s: %v", table, id, err)
	}
	return v
}

// fingerprint summarises every record a request could change (but not
// sessions, token use times, failed sign-in counts or the audit trail,
// except its encounter records), to show that a refused request changed
// nothing.
func (f *authzFixture) fingerprint(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT id, version, site_code, COALESCE(photo_blob_id, '') FROM people ORDER BY id",
		"SELECT id, version FROM cases ORDER BY id",
		"SELECT id, version FROM hearings ORDER BY id",
		"SELECT case_id, version FROM reporting_schedules ORDER BY case_id",
		"SELECT id FROM documents ORDER BY id",
		"SELECT id, version, state, lifecycle, COALESCE(replaces, '') FROM cards ORDER BY id",
		"SELECT id FROM card_events ORDER BY id",
		"SELECT card_id FROM card_handovers ORDER BY card_id",
		"SELECT person_id, pin_hash FROM portal_pins ORDER BY person_id",
		"SELECT id FROM print_batches ORDER BY id",
		"SELECT batch_id, card_id, outcome, COALESCE(reprint, '') FROM print_batch_cards ORDER BY batch_id, position",
		"SELECT seq FROM status_changes",
		"SELECT seq FROM status_publications ORDER BY seq",
		"SELECT seq FROM audit_log WHERE action = 'verify_card' ORDER BY seq", // encounters (the rest of the trail is left out)
		"SELECT id FROM blobs ORDER BY id",
		"SELECT code, version FROM sites ORDER BY code",
		"SELECT id, version, password_hash, disabled, agency FROM users ORDER BY id",
		"SELECT user_id, role FROM user_roles ORDER BY user_id, role",
		"SELECT user_id, site_code FROM user_sites ORDER BY user_id, site_code",
		"SELECT id, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END FROM api_tokens ORDER BY id",
		"SELECT id FROM check_runs ORDER BY id",
		"SELECT id, state, version FROM checks ORDER BY id",
		"SELECT id FROM adjudications ORDER BY id",
		"SELECT id, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END FROM clearances ORDER BY id",
		"SELECT person_id, enrolled_by FROM enrollments ORDER BY person_id",
	} {
		rows, err := f.c.app.DB.SQL().Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteByte('\n')
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		b.WriteString("--\n")
	}
	return b.String()
}

// newAuthzFixture creates, as the system, a site to edit, another user,
// spare tokens, and at HOU and at ATL a person with a photo, a case with a
// hearing and a reporting schedule, a document, a background-check
// clearance, a signed card in a print batch, a card handed over, a supply
// of cards and print batches for the rows that change them, and a supply
// of possible matches for the adjudication rows.
func newAuthzFixture(t *testing.T, c *apiClient) *authzFixture {
	t.Helper()
	ctx := context.Background()
	svc := c.app.Service
	sys := docketcard.SystemActor("authz-fixture")
	f := &authzFixture{c: c, spare: map[docketcard.Role]string{}, patchSite: "MTX", png: pngOf(60, 80)}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.CreateSite(ctx, sys, docketcard.Site{Code: f.patchSite, Name: "Matrix Field Office", City: "Dallas",
		TimeZone: "America/Chicago", CardQuota: 10, Active: true})
	must(err)
	f.other, err = svc.CreateUser(ctx, sys, docketcard.UserInput{Username: "other.user", DisplayName: "Other User",
		Roles: []string{string(docketcard.RoleFieldVerifier)}, Sites: []string{"HOU"}, Password: testapp.Password})
	must(err)
	tok, err := svc.CreateToken(ctx, sys, f.other.ID, "spare", 0)
	must(err)
	f.otherToken = tok.ID
	for _, r := range docketcard.Roles {
		tok, err := svc.CreateToken(ctx, sys, c.app.Users[r].ID, "spare", 0)
		must(err)
		f.spare[r] = tok.ID
	}
	for _, at := range []*authzTarget{&f.hou, &f.atl} {
		if at == &f.hou {
			at.site = "HOU"
		} else {
			at.site = "ATL"
		}
		at.aNumber = f.freshANumber()
		p, err := svc.CreatePerson(ctx, sys, testapp.SamplePerson(at.aNumber, at.site))
		must(err)
		at.person = p.ID
		_, err = svc.SetPhoto(ctx, sys, p.ID, p.Version, bytes.NewReader(f.png))
		must(err)
		cs, err := svc.CreateCase(ctx, sys, p.ID, docketcard.CaseInput{Court: "Immigration Court", Status: "pending",
			ReleaseDocType: "I-220A", OpenedOn: "2025-06-01"})
		must(err)
		at.caseID = cs.ID
		h, err := svc.CreateHearing(ctx, sys, cs.ID, docketcard.HearingInput{Type: "master", Date: "2027-01-15", Time: "09:00",
			TimeZone: "America/Chicago", CourtAddress: "1919 Smith St, Houston, TX 77002"})
		must(err)
		at.hearing = h.ID
		_, err = svc.PutReporting(ctx, sys, cs.ID, docketcard.ReportingInput{Cadence: "monthly", Mode: "in_person",
			StartsOn: "2026-12-01", Location: "126 Northpoint Dr, Houston, TX 77060"})
		must(err)
		d, err := svc.AddDocument(ctx, sys, p.ID, docketcard.DocumentInput{Type: "I-862", CaseID: cs.ID, Filename: "nta.pdf",
			IssuedOn: "2025-05-01"}, samplePDF)
		must(err)
		at.document = d.ID
		// The issuance gate: a card needs a current background-check
		// clearance.
		c.app.Clear(t, p.ID)
		card, err := svc.IssueCard(ctx, sys, p.ID, "authz-fixture-"+at.site)
		must(err)
		at.card, at.cardNumber, at.qr = card.ID, card.CardNumber, card.QRText
		authzCards(t, f, at, p.ID)
		// One possible match per caller of the adjudication row: a
		// namesake of the person (same name, date of birth and
		// nationality), enrolled by the system, whose duplicate check
		// awaits a decision. Made now, so that no request of the matrix
		// finds its records changed by the fixture.
		for range len(docketcard.Roles) + 1 {
			dup, err := svc.CreatePerson(ctx, sys, testapp.SamplePerson(f.freshANumber(), at.site))
			must(err)
			at.possibleMatches = append(at.possibleMatches, authzPossibleMatch(t, c.app, dup.ID))
		}
	}
	return f
}

// authzCards makes, as the system, the cards and print batches of at that
// the card and print rows use: at.card's batch, a card handed over, and
// for each row that changes a card or a batch one for each caller it lets
// through at HOU (at ATL every caller is refused, so one will do). The
// print queue is taken oldest first, so each batch is made while its card
// is the only approved card of the site outside a batch.
func authzCards(t *testing.T, f *authzFixture, at *authzTarget, personID string) {
	t.Helper()
	ctx := context.Background()
	svc := f.c.app.Service
	sys := docketcard.SystemActor("authz-fixture")
	issue := func() string {
		t.Helper()
		c, err := svc.IssueCard(ctx, sys, personID, f.freshKey())
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	batch := func(cardID string) string {
		t.Helper()
		b, err := svc.CreatePrintBatch(ctx, sys, at.site, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Cards) != 1 || b.Cards[0].CardID != cardID {
			t.Fatalf("the print batch of %s holds %+v, want card %s", at.site, b.Cards, cardID)
		}
		return b.ID
	}
	printed := func(cardID string) string {
		t.Helper()
		if _, err := svc.TransitionCard(ctx, sys, cardID, docketcard.TransitionRequest{Event: docketcard.EventPrint}); err != nil {
			t.Fatal(err)
		}
		return cardID
	}
	need := func(ps ...docketcard.Permission) int {
		if at != &f.hou {
			return 1
		}
		return max(1, len(authzHoldersOfAll(ps...)))
	}

	at.batch = batch(at.card)
	for range need(docketcard.PermCardPrint) {
		id := issue()
		at.outcomeBatches = append(at.outcomeBatches, authzBatch{id: batch(id), card: id})
	}
	at.issued = printed(issue())
	if _, err := svc.HandoverCard(ctx, sys, at.issued, docketcard.HandoverInput{Acknowledgement: "signature", PIN: "246813"}); err != nil {
		t.Fatal(err)
	}
	for range need(docketcard.PermCardManage) {
		at.toHandOver = append(at.toHandOver, printed(issue()))
	}
	// The oldest approved cards outside a batch: what the batch row
	// takes, so that it leaves the cards of the other rows alone.
	for range need(docketcard.PermCardPrint) {
		at.queued = append(at.queued, issue())
	}
	for range need(docketcard.PermCardManage) {
		at.toSuspend = append(at.toSuspend, issue())
	}
	for range need(docketcard.PermCardPrint) {
		at.toPrint = append(at.toPrint, issue())
	}
	for range need(docketcard.PermCardManage, docketcard.PermCardIssue) {
		at.toReplace = append(at.toReplace, issue())
	}
}

// authzHoldersOfAll returns the roles that hold every one of ps.
func authzHoldersOfAll(ps ...docketcard.Permission) []docketcard.Role {
	var out []docketcard.Role
	for _, r := range docketcard.Roles {
		all := true
		for _, p := range ps {
			all = all && slices.Contains(docketcard.Policy[p], r)
		}
		if all {
			out = append(out, r)
		}
	}
	return out
}

// fresh returns the next card or batch of pool for a row that changes it.
// A caller the row lets through uses it up, so that every allowed request
// finds its target as the fixture made it; refused callers are sent to
// the same next one, which they must leave unchanged.
func fresh[T any](f *authzFixture, pool *[]T, what string) T {
	if len(*pool) == 0 {
		f.cur.Fatalf("the fixture made too few %s", what)
	}
	v := (*pool)[0]
	if f.consumes {
		*pool = (*pool)[1:]
	}
	return v
}

// authzPossibleMatch runs the checks of a person who shares an enrolled
// person's name, date of birth and nationality, in process, and returns
// the ID of the duplicate check, which is a possible match.
func authzPossibleMatch(t testing.TB, app *testapp.App, personID string) string {
	t.Helper()
	run, err := app.Service.RunChecksNow(context.Background(), docketcard.SystemActor("test"), personID, "enrollment")
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range run.Checks {
		if ch.Type == docketcard.CheckDuplicate {
			if ch.State != docketcard.CheckPossibleMatch {
				t.Fatalf("duplicate check of a namesake is %s, want %s: %s", ch.State, docketcard.CheckPossibleMatch, ch.Evidence)
			}
			return ch.ID
		}
	}
	t.Fatalf("no duplicate check in run %+v", run)
	return ""
}

// nextPossibleMatch returns a possible match at the target that no
// request has used yet.
func (f *authzFixture) nextPossibleMatch(at *authzTarget) string {
	if len(at.possibleMatches) == 0 {
		f.cur.Fatalf("the fixture made too few possible matches at %s", at.site)
	}
	id := at.possibleMatches[0]
	at.possibleMatches = at.possibleMatches[1:]
	return id
}

func authzJSON(path string, v any) authzReq {
	c := jsonCall("", "", path, v)
	return authzReq{path: path, body: c.body, contentType: c.contentType}
}

func authzGet(path string) authzReq { return authzReq{path: path} }

// authzRoutes is the matrix: every API route of routes.go with the roles
// that may call it, taken from docketcard.Policy and from the service's
// rules for a user's own record.
func authzRoutes() []authzRoute {
	everyone := docketcard.Roles
	holders := func(p docketcard.Permission) []docketcard.Role {
		if len(docketcard.Policy[p]) == 0 {
			panic("no roles hold " + p)
		}
		return docketcard.Policy[p]
	}
	hearing := func(version int) map[string]any {
		m := map[string]any{"type": "master", "date": "2027-02-01", "time": "10:30", "time_zone": "America/Chicago",
			"court_address": "1919 Smith St, Houston, TX 77002"}
		if version > 0 {
			m["version"] = version
		}
		return m
	}
	caseBody := map[string]string{"court": "Immigration Court", "status": "pending", "release_document_type": "I-220A", "opened_on": "2025-06-01"}
	return []authzRoute{
		// Operations: public.
		{method: "GET", pattern: "/healthz", allowed: everyone, anonymous: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq { return authzGet("/healthz") }},
		{method: "GET", pattern: "/readyz", allowed: everyone, anonymous: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq { return authzGet("/readyz") }},
		{method: "GET", pattern: "/metrics", allowed: everyone, anonymous: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq { return authzGet("/metrics") }},
		{method: "GET", pattern: "/api/v1/openapi.json", allowed: everyone, anonymous: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/openapi.json")
			}},

		// Sessions.
		{method: "GET", pattern: "/api/v1/me", allowed: everyone,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq { return authzGet("/api/v1/me") }},
		{method: "POST", pattern: "/api/v1/session", allowed: everyone, anonymous: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				username := f.other.Username
				if as != "" {
					username = f.c.app.Users[as].Username
				}
				return authzJSON("/api/v1/session", map[string]string{"username": username, "password": testapp.Password})
			}},
		{method: "DELETE", pattern: "/api/v1/session", allowed: everyone, // 400 for token callers: there is no session to end
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzReq{path: "/api/v1/session"}
			}},

		// Sites.
		{method: "GET", pattern: "/api/v1/sites", allowed: holders(docketcard.PermSiteRead),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq { return authzGet("/api/v1/sites") }},
		{method: "POST", pattern: "/api/v1/sites", allowed: holders(docketcard.PermSiteWrite),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/sites", map[string]any{"code": fmt.Sprintf("N%03d", f.next()), "name": "New Field Office",
					"city": "Dallas", "time_zone": "America/Chicago", "card_quota": 10})
			}},
		{method: "GET", pattern: "/api/v1/sites/{code}", allowed: holders(docketcard.PermSiteRead),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/sites/HOU")
			}},
		{method: "PATCH", pattern: "/api/v1/sites/{code}", allowed: holders(docketcard.PermSiteWrite),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/sites/"+f.patchSite, map[string]any{"version": f.version("sites", "code", f.patchSite), "card_quota": 11})
			}},

		// Users: admins manage every user; everyone reads their own
		// record, sets their own password and manages their own tokens.
		{method: "GET", pattern: "/api/v1/users", allowed: holders(docketcard.PermUserRead),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq { return authzGet("/api/v1/users") }},
		{method: "POST", pattern: "/api/v1/users", allowed: holders(docketcard.PermUserWrite),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/users", map[string]any{"username": fmt.Sprintf("new.user%d", f.next()), "display_name": "New User",
					"roles": []string{"adjudicator"}, "sites": []string{"HOU"}, "password": testapp.Password})
			}},
		{method: "GET", pattern: "/api/v1/users/{id}", variant: "another user", allowed: holders(docketcard.PermUserRead),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/users/" + f.other.ID)
			}},
		{method: "GET", pattern: "/api/v1/users/{id}", variant: "self", allowed: everyone,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/users/" + f.self(as))
			}},
		{method: "PATCH", pattern: "/api/v1/users/{id}", variant: "another user", allowed: holders(docketcard.PermUserWrite),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/users/"+f.other.ID, map[string]any{"version": f.version("users", "id", f.other.ID), "display_name": "Other User"})
			}},
		{method: "PATCH", pattern: "/api/v1/users/{id}", variant: "self", allowed: holders(docketcard.PermUserWrite), // nobody edits their own roles or sites
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				id := f.self(as)
				return authzJSON("/api/v1/users/"+id, map[string]any{"version": f.version("users", "id", id), "display_name": "Test " + string(as)})
			}},
		{method: "PUT", pattern: "/api/v1/users/{id}/password", variant: "another user", allowed: holders(docketcard.PermUserWrite),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/users/"+f.other.ID+"/password", map[string]string{"new_password": testapp.Password})
			}},
		{method: "PUT", pattern: "/api/v1/users/{id}/password", variant: "self", allowed: everyone,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/users/"+f.self(as)+"/password", map[string]string{"current_password": testapp.Password, "new_password": testapp.Password})
			}},
		{method: "GET", pattern: "/api/v1/users/{id}/tokens", variant: "another user", allowed: holders(docketcard.PermUserRead),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/users/" + f.other.ID + "/tokens")
			}},
		{method: "GET", pattern: "/api/v1/users/{id}/tokens", variant: "self", allowed: everyone,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/users/" + f.self(as) + "/tokens")
			}},
		{method: "POST", pattern: "/api/v1/users/{id}/tokens", variant: "another user", allowed: holders(docketcard.PermUserWrite),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/users/"+f.other.ID+"/tokens", map[string]any{"name": "matrix", "ttl_hours": 1})
			}},
		{method: "POST", pattern: "/api/v1/users/{id}/tokens", variant: "self", allowed: everyone,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/users/"+f.self(as)+"/tokens", map[string]any{"name": "matrix", "ttl_hours": 1})
			}},
		{method: "DELETE", pattern: "/api/v1/users/{id}/tokens/{token}", variant: "another user", allowed: holders(docketcard.PermUserWrite),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzReq{path: "/api/v1/users/" + f.other.ID + "/tokens/" + f.otherToken}
			}},
		{method: "DELETE", pattern: "/api/v1/users/{id}/tokens/{token}", variant: "self", allowed: everyone,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				if as == "" {
					return authzReq{path: "/api/v1/users/" + f.other.ID + "/tokens/" + f.otherToken}
				}
				return authzReq{path: "/api/v1/users/" + f.self(as) + "/tokens/" + f.spare[as]}
			}},

		// People: site-scoped.
		{method: "GET", pattern: "/api/v1/people", allowed: holders(docketcard.PermPersonRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/people?site=" + at.site)
			}},
		{method: "POST", pattern: "/api/v1/people", allowed: holders(docketcard.PermPersonWrite), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/people", samplePersonJSON(f.freshANumber(), at.site))
			}},
		{method: "POST", pattern: "/api/v1/people/import", allowed: holders(docketcard.PermPersonImport), // site scoping is per row: see TestAuthzMatrix
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzReq{path: "/api/v1/people/import", contentType: "text/csv",
					body: importCSV(service.ImportColumns, map[string]*string{"a_number": csvVal(f.freshANumber()), "site_code": csvVal(at.site)})}
			}},
		{method: "GET", pattern: "/api/v1/a-numbers/{anumber}", allowed: holders(docketcard.PermPersonRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/a-numbers/" + at.aNumber)
			}},
		{method: "GET", pattern: "/api/v1/people/{id}", allowed: holders(docketcard.PermPersonRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/people/" + at.person)
			}},
		{method: "PATCH", pattern: "/api/v1/people/{id}", allowed: holders(docketcard.PermPersonWrite), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/people/"+at.person, map[string]any{"version": f.version("people", "id", at.person), "phone": "+1 713 555 0142"})
			}},
		{method: "PUT", pattern: "/api/v1/people/{id}/photo", allowed: holders(docketcard.PermPersonWrite), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzReq{path: "/api/v1/people/" + at.person + "/photo?version=" + strconv.Itoa(f.version("people", "id", at.person)),
					body: f.png, contentType: "image/png"}
			}},
		{method: "GET", pattern: "/api/v1/people/{id}/photo", allowed: holders(docketcard.PermPersonRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/people/" + at.person + "/photo")
			}},

		// Cases, hearings, reporting schedules: site-scoped.
		{method: "GET", pattern: "/api/v1/people/{id}/cases", allowed: holders(docketcard.PermCaseRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/people/" + at.person + "/cases")
			}},
		{method: "POST", pattern: "/api/v1/people/{id}/cases", allowed: holders(docketcard.PermCaseWrite), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/people/"+at.person+"/cases", caseBody)
			}},
		{method: "GET", pattern: "/api/v1/cases/{id}", allowed: holders(docketcard.PermCaseRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/cases/" + at.caseID)
			}},
		{method: "PATCH", pattern: "/api/v1/cases/{id}", allowed: holders(docketcard.PermCaseWrite), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/cases/"+at.caseID, map[string]any{"version": f.version("cases", "id", at.caseID), "status": "continued"})
			}},
		{method: "GET", pattern: "/api/v1/cases/{id}/hearings", allowed: holders(docketcard.PermCaseRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/cases/" + at.caseID + "/hearings")
			}},
		{method: "POST", pattern: "/api/v1/cases/{id}/hearings", allowed: holders(docketcard.PermCaseWrite), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/cases/"+at.caseID+"/hearings", hearing(0))
			}},
		{method: "PUT", pattern: "/api/v1/hearings/{id}", allowed: holders(docketcard.PermCaseWrite), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/hearings/"+at.hearing, hearing(f.version("hearings", "id", at.hearing)))
			}},
		{method: "GET", pattern: "/api/v1/cases/{id}/reporting", allowed: holders(docketcard.PermCaseRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/cases/" + at.caseID + "/reporting")
			}},
		{method: "PUT", pattern: "/api/v1/cases/{id}/reporting", allowed: holders(docketcard.PermCaseWrite), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/cases/"+at.caseID+"/reporting", map[string]any{
					"version": f.version("reporting_schedules", "case_id", at.caseID), "cadence": "weekly", "mode": "telephone",
					"starts_on": "2026-12-01", "location": "by telephone"})
			}},

		// Documents: site-scoped.
		{method: "GET", pattern: "/api/v1/people/{id}/documents", allowed: holders(docketcard.PermDocumentRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/people/" + at.person + "/documents")
			}},
		{method: "POST", pattern: "/api/v1/people/{id}/documents", allowed: holders(docketcard.PermDocumentWrite), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				body, ct := multipartDoc(map[string]string{"type": "I-862", "issued_on": "2025-05-01", "case_id": at.caseID}, "nta.pdf", samplePDF)
				return authzReq{path: "/api/v1/people/" + at.person + "/documents", body: body, contentType: ct}
			}},
		{method: "GET", pattern: "/api/v1/documents/{id}", allowed: holders(docketcard.PermDocumentRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/documents/" + at.document)
			}},
		{method: "GET", pattern: "/api/v1/documents/{id}/content", allowed: holders(docketcard.PermDocumentRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/documents/" + at.document + "/content")
			}},

		// Cards: site-scoped. Each issuance sends a new Idempotency-Key,
		// so an allowed one makes a new card.
		{method: "POST", pattern: "/api/v1/people/{id}/cards", allowed: holders(docketcard.PermCardIssue), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzReq{path: "/api/v1/people/" + at.person + "/cards", header: map[string]string{"Idempotency-Key": f.freshKey()}}
			}},
		{method: "GET", pattern: "/api/v1/people/{id}/cards", allowed: holders(docketcard.PermCardRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/people/" + at.person + "/cards")
			}},
		{method: "GET", pattern: "/api/v1/cards/{id}", allowed: holders(docketcard.PermCardRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/cards/" + at.card)
			}},
		{method: "GET", pattern: "/api/v1/cards/{id}/print", allowed: holders(docketcard.PermCardRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/cards/" + at.card + "/print?format=front")
			}},

		// The card lifecycle: site-scoped. Printing and spoiling need
		// card.print, every other transition card.manage. Each allowed
		// request that changes a card gets one that no other request has
		// changed (fresh); a replacement also issues a card, with a new
		// Idempotency-Key each time.
		{method: "POST", pattern: "/api/v1/cards/{id}/transitions", variant: "suspend", allowed: holders(docketcard.PermCardManage), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/cards/"+fresh(f, &at.toSuspend, "cards to suspend")+"/transitions",
					map[string]string{"event": "suspend", "reason": "officer_action", "note": "authorisation matrix"})
			}},
		{method: "POST", pattern: "/api/v1/cards/{id}/transitions", variant: "print", allowed: holders(docketcard.PermCardPrint), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/cards/"+fresh(f, &at.toPrint, "cards to print")+"/transitions", map[string]string{"event": "print"})
			}},
		{method: "GET", pattern: "/api/v1/cards/{id}/history", allowed: holders(docketcard.PermCardRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/cards/" + at.issued + "/history")
			}},
		{method: "POST", pattern: "/api/v1/cards/{id}/replace", allowed: authzHoldersOfAll(docketcard.PermCardManage, docketcard.PermCardIssue), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				r := authzJSON("/api/v1/cards/"+fresh(f, &at.toReplace, "cards to replace")+"/replace", map[string]string{"reason": "damaged"})
				r.header = map[string]string{"Idempotency-Key": f.freshKey()}
				return r
			}},
		{method: "POST", pattern: "/api/v1/cards/{id}/handover", allowed: holders(docketcard.PermCardManage), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/cards/"+fresh(f, &at.toHandOver, "printed cards")+"/handover",
					map[string]string{"acknowledgement": "signature", "pin": "246813"})
			}},
		{method: "GET", pattern: "/api/v1/cards/{id}/handover", allowed: holders(docketcard.PermCardRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/cards/" + at.issued + "/handover")
			}},
		{method: "GET", pattern: "/api/v1/people/{id}/encounters", allowed: holders(docketcard.PermCardRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/people/" + at.person + "/encounters")
			}},

		// Printing: site-scoped, for print operators. A new batch takes
		// the oldest card of the print queue (the fixture's queued cards);
		// each outcome is recorded on a batch no other request has touched.
		{method: "GET", pattern: "/api/v1/sites/{code}/print-queue", allowed: holders(docketcard.PermCardPrint), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/sites/" + at.site + "/print-queue")
			}},
		{method: "GET", pattern: "/api/v1/sites/{code}/print-batches", allowed: holders(docketcard.PermCardPrint), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/sites/" + at.site + "/print-batches")
			}},
		{method: "POST", pattern: "/api/v1/sites/{code}/print-batches", allowed: holders(docketcard.PermCardPrint), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/sites/"+at.site+"/print-batches", map[string]int{"max_cards": 1})
			}},
		{method: "GET", pattern: "/api/v1/print-batches/{id}", allowed: holders(docketcard.PermCardPrint), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/print-batches/" + at.batch)
			}},
		{method: "GET", pattern: "/api/v1/print-batches/{id}/pdf", allowed: holders(docketcard.PermCardPrint), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/print-batches/" + at.batch + "/pdf?kind=proof&paper=letter")
			}},
		{method: "POST", pattern: "/api/v1/print-batches/{id}/outcomes", allowed: holders(docketcard.PermCardPrint), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				b := fresh(f, &at.outcomeBatches, "print batches")
				return authzJSON("/api/v1/print-batches/"+b.id+"/outcomes",
					map[string]any{"outcomes": []map[string]string{{"card_id": b.card, "outcome": "printed"}}})
			}},

		// Background checks: site-scoped. Starting checks makes a new
		// (pending) run each time; each adjudication decides a possible
		// match no other request has touched.
		{method: "POST", pattern: "/api/v1/people/{id}/checks", allowed: holders(docketcard.PermCheckRun), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/people/"+at.person+"/checks", map[string]string{"reason": "manual"})
			}},
		{method: "GET", pattern: "/api/v1/people/{id}/checks", allowed: holders(docketcard.PermCheckRead), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/people/" + at.person + "/checks")
			}},
		{method: "GET", pattern: "/api/v1/review-queue", allowed: holders(docketcard.PermAdjudicate), // lists only the caller's sites
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/review-queue")
			}},
		{method: "POST", pattern: "/api/v1/checks/{id}/adjudication", allowed: holders(docketcard.PermAdjudicate), siteScoped: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/checks/"+f.nextPossibleMatch(at)+"/adjudication",
					map[string]string{"decision": "clear", "reason": "authorisation matrix: a namesake, not the same person"})
			}},

		// Watch lists: not site-scoped (the lists are no site's records).
		// Their status is for whoever reads background checks; ad hoc
		// screening, for adjudicators only.
		{method: "GET", pattern: "/api/v1/watchlists", allowed: holders(docketcard.PermCheckRead),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/watchlists")
			}},
		{method: "POST", pattern: "/api/v1/screen", allowed: holders(docketcard.PermAdjudicate),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/screen", map[string]any{"family_names": "GUZMAN LOERA", "given_names": "Joaquin", "limit": 3})
			}},

		// What offline verifiers download: public.
		{method: "GET", pattern: "/api/v1/trust-list", allowed: everyone, anonymous: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/trust-list")
			}},
		{method: "GET", pattern: "/api/v1/root.pem", allowed: everyone, anonymous: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/root.pem")
			}},
		{method: "GET", pattern: "/api/v1/status-list", allowed: everyone, anonymous: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/status-list")
			}},
		{method: "GET", pattern: "/api/v1/verifier-bundle", allowed: everyone, anonymous: true,
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzGet("/api/v1/verifier-bundle")
			}},
		// Publishing the status list: not site-scoped, the list covers
		// every card of every site.
		{method: "POST", pattern: "/api/v1/status-list/publish", allowed: holders(docketcard.PermStatusPublish),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzReq{path: "/api/v1/status-list/publish"}
			}},

		// Online verification: not site-scoped. Field officers verify
		// cards from any office and relying parties serve no site, so a
		// card of ATL, which no fixture user serves, verifies too.
		{method: "POST", pattern: "/api/v1/verify", variant: "QR code", allowed: holders(docketcard.PermCardVerify),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/verify", map[string]string{"qr": at.qr, "purpose": "authorisation matrix"})
			}},
		{method: "POST", pattern: "/api/v1/verify", variant: "card of a site nobody serves", allowed: holders(docketcard.PermCardVerify),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzJSON("/api/v1/verify", map[string]string{"card_number": f.atl.cardNumber, "purpose": "authorisation matrix"})
			}},

		// Audit trail.
		{method: "GET", pattern: "/api/v1/audit", allowed: holders(docketcard.PermAuditRead),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq { return authzGet("/api/v1/audit") }},
		{method: "POST", pattern: "/api/v1/audit/verify", allowed: holders(docketcard.PermAuditRead),
			build: func(f *authzFixture, at *authzTarget, as docketcard.Role) authzReq {
				return authzReq{path: "/api/v1/audit/verify"}
			}},
	}
}

// authzCall sends row's request as role (anonymous when "").
func (f *authzFixture) authzCall(t testing.TB, row authzRoute, at *authzTarget, as docketcard.Role) apiReply {
	t.Helper()
	f.cur = t
	f.consumes = at == &f.hou && ((as == "" && row.anonymous) || (as != "" && slices.Contains(row.allowed, as)))
	req := row.build(f, at, as)
	return f.c.send(t, apiCall{method: row.method, path: req.path, role: as, body: req.body, contentType: req.contentType, header: req.header})
}

// wantDenied checks that r refuses the caller: 401 for anonymous
// callers, 403 for everyone else, with a problem body.
func wantDenied(t testing.TB, r apiReply, as docketcard.Role) {
	t.Helper()
	if as == "" {
		r.problem(t, http.StatusUnauthorized, docketcard.EUNAUTHORIZED)
	} else {
		r.problem(t, http.StatusForbidden, docketcard.EFORBIDDEN)
	}
}

// wantAllowed checks that r lets the caller through: neither 401 nor 403,
// and no server error.
func (f *authzFixture) wantAllowed(t testing.TB, r apiReply) {
	t.Helper()
	if r.StatusCode == http.StatusUnauthorized || r.StatusCode == http.StatusForbidden || r.StatusCode >= 500 {
		t.Errorf("allowed caller refused or failed: %s", r)
	}
}

func roleName(as docketcard.Role) string {
	if as == "" {
		return "anonymous"
	}
	return string(as)
}

func TestAuthzMatrix(t *testing.T) {
	rows := authzRoutes()
	callers := append([]docketcard.Role{""}, docketcard.Roles...)
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			// With watch lists, so that the screening routes answer their
			// callers rather than 503.
			f := newAuthzFixture(t, &apiClient{app: testapp.New(t, d, testapp.Options{Watchlists: testapp.SampleWatchlists(t)})})

			for _, row := range rows {
				t.Run(row.name(), func(t *testing.T) {
					// Refused callers first, then check they changed nothing,
					// then the callers that are let through.
					isAllowed := func(as docketcard.Role) bool {
						return (as == "" && row.anonymous) || (as != "" && slices.Contains(row.allowed, as))
					}
					before := f.fingerprint(t)
					for _, as := range callers {
						if !isAllowed(as) {
							t.Run(roleName(as), func(t *testing.T) {
								wantDenied(t, f.authzCall(t, row, &f.hou, as), as)
							})
						}
					}
					if after := f.fingerprint(t); after != before {
						t.Errorf("refused requests changed stored records:\nbefore:\n%s\nafter:\n%s", before, after)
					}
					for _, as := range callers {
						if isAllowed(as) {
							t.Run(roleName(as), func(t *testing.T) {
								f.wantAllowed(t, f.authzCall(t, row, &f.hou, as))
							})
						}
					}
				})
			}

			// Site scoping: the fixture users serve HOU only (the admin,
			// the auditor and the relying party serve no site), so on
			// ATL's records every role is refused, the enrollment officer
			// and the print operator included.
			t.Run("ATL records", func(t *testing.T) {
				before := f.fingerprint(t)
				for _, row := range rows {
					if !row.siteScoped {
						continue
					}
					t.Run(row.name(), func(t *testing.T) {
						for _, as := range callers {
							t.Run(roleName(as), func(t *testing.T) {
								wantDenied(t, f.authzCall(t, row, &f.atl, as), as)
							})
						}
					})
				}
				t.Run("POST /api/v1/people/import", func(t *testing.T) {
					// Import checks the site of each row: an ATL row is
					// reported as failed and nothing is created.
					row := rows[slices.IndexFunc(rows, func(r authzRoute) bool { return r.route() == "POST /api/v1/people/import" })]
					var rep service.ImportReport
					f.authzCall(t, row, &f.atl, docketcard.RoleEnrollmentOfficer).decode(t, http.StatusOK, &rep)
					if rep.Created != 0 || rep.Failed != 1 || len(rep.Errors) != 1 || rep.Errors[0].Field != "site_code" ||
						!strings.Contains(rep.Errors[0].Message, "not assigned to site ATL") {
						t.Errorf("import of an ATL row: %+v", rep)
					}
				})
				if after := f.fingerprint(t); after != before {
					t.Errorf("refused requests on ATL records changed stored records:\nbefore:\n%s\nafter:\n%s", before, after)
				}
			})
		})
	}
}

// authzRegisteredRoutes returns the pattern of every handler registered
// in routes.go, read from its source.
func authzRegisteredRoutes(t *testing.T) []string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "handle" && sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			t.Errorf("routes.go registers a handler with a pattern that is not a string literal: %T", call.Args[0])
			return true
		}
		pattern, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pattern)
		return true
	})
	if len(out) < 40 {
		t.Fatalf("found only %d routes in routes.go; has the registration changed?", len(out))
	}
	return out
}

// TestAuthzMatrixCoversEveryRoute fails when a route is added to
// routes.go without a row in the matrix (or an entry in authzExcluded),
// or when a row names a route that no longer exists.
func TestAuthzMatrixCoversEveryRoute(t *testing.T) {
	registered := authzRegisteredRoutes(t)
	inTable := map[string]bool{}
	for _, r := range authzRoutes() {
		inTable[r.route()] = true
		if len(r.allowed) == 0 && !r.anonymous {
			t.Errorf("%s: no role may call it", r.name())
		}
		for _, as := range r.allowed {
			if !slices.Contains(docketcard.Roles, as) {
				t.Errorf("%s: unknown role %q", r.name(), as)
			}
		}
	}
	for _, p := range registered {
		_, excluded := authzExcluded[p]
		if !inTable[p] && !excluded {
			t.Errorf("route %q is registered in routes.go but missing from the authorisation matrix (authzRoutes)", p)
		}
		if inTable[p] && excluded {
			t.Errorf("route %q is both in the matrix and excluded from it", p)
		}
	}
	for p := range inTable {
		if !slices.Contains(registered, p) {
			t.Errorf("the matrix has a row for %q, which routes.go does not register", p)
		}
	}
	for p := range authzExcluded {
		if !slices.Contains(registered, p) {
			t.Errorf("authzExcluded lists %q, which routes.go does not register", p)
		}
	}
}

// TestAuthzPolicyPrinciples pins the principles the Policy table is
// written to (see policy.go), so that a change to the table that breaks
// one fails here and not only in the matrix, which follows the table.
func TestAuthzPolicyPrinciples(t *testing.T) {
	holds := func(r docketcard.Role) []docketcard.Permission {
		var ps []docketcard.Permission
		for p, roles := range docketcard.Policy {
			if slices.Contains(roles, r) {
				ps = append(ps, p)
			}
		}
		slices.Sort(ps)
		return ps
	}
	perms := func(ps ...docketcard.Permission) []docketcard.Permission {
		slices.Sort(ps)
		return ps
	}
	recordRead := []docketcard.Permission{docketcard.PermSiteRead, docketcard.PermPersonRead, docketcard.PermCaseRead, docketcard.PermDocumentRead}
	for _, tc := range []struct {
		role docketcard.Role
		want []docketcard.Permission
		why  string
	}{
		{docketcard.RoleEnrollmentOfficer, perms(docketcard.PermSiteRead, docketcard.PermPersonRead, docketcard.PermPersonWrite,
			docketcard.PermPersonImport, docketcard.PermCaseRead, docketcard.PermCaseWrite, docketcard.PermDocumentRead,
			docketcard.PermDocumentWrite, docketcard.PermCardIssue, docketcard.PermCardRead, docketcard.PermCardManage,
			docketcard.PermCardVerify, docketcard.PermCheckRun, docketcard.PermCheckRead),
			"enrols people: reads and writes their records, runs and reads their background checks, issues, reads and manages " +
				"their cards (hand over, suspend, reinstate, revoke, replace), and verifies cards at the counter"},
		{docketcard.RoleAdjudicator, perms(append(recordRead, docketcard.PermCardRead, docketcard.PermCheckRun, docketcard.PermCheckRead,
			docketcard.PermAdjudicate)...),
			"reads records and cards, runs and reads background checks and decides possible matches; writes no records"},
		{docketcard.RoleFOIAOfficer, perms(recordRead...), "reads records for first-party requests, writes none"},
		{docketcard.RolePrintOperator, perms(docketcard.PermSiteRead, docketcard.PermCardRead, docketcard.PermCardPrint),
			"reads and prints cards (print queue, batches, printed or spoiled), not people's records"},
		{docketcard.RoleFieldVerifier, perms(docketcard.PermSiteRead, docketcard.PermCardVerify),
			"verifies cards, offline from the public trust and status lists or online; reads no records"},
		{docketcard.RoleProgramManager, perms(docketcard.PermSiteRead, docketcard.PermStatusPublish),
			"sees sites, not people; may publish the status list at once"},
		{docketcard.RoleAuditor, perms(docketcard.PermSiteRead, docketcard.PermAuditRead), "reads the audit trail and nothing else"},
		{docketcard.RoleAdmin, perms(docketcard.PermSiteRead, docketcard.PermSiteWrite, docketcard.PermUserRead, docketcard.PermUserWrite),
			"manages users and sites, cannot read people's records"},
		{docketcard.RoleRelyingParty, perms(docketcard.PermSiteRead, docketcard.PermCardVerify),
			"verifies cards online and sees only validity, name and photo (and, as every user, the list of field offices)"},
	} {
		if got := holds(tc.role); !slices.Equal(got, tc.want) {
			t.Errorf("%s holds %v, want %v (%s)", tc.role, got, tc.want, tc.why)
		}
	}
	// Only enrollment officers issue cards; only the roles whose work
	// needs a card's record (enrolment, adjudication, printing) read it.
	if got, want := docketcard.Policy[docketcard.PermCardIssue], []docketcard.Role{docketcard.RoleEnrollmentOfficer}; !slices.Equal(got, want) {
		t.Errorf("%s is held by %v, want %v", docketcard.PermCardIssue, got, want)
	}
	cardReaders := slices.Sorted(slices.Values(docketcard.Policy[docketcard.PermCardRead]))
	if want := []docketcard.Role{docketcard.RoleAdjudicator, docketcard.RoleEnrollmentOfficer, docketcard.RolePrintOperator}; !slices.Equal(cardReaders, want) {
		t.Errorf("%s is held by %v, want %v", docketcard.PermCardRead, cardReaders, want)
	}
	// Only adjudicators decide possible matches; enrollment officers and
	// adjudicators, whose work needs them, run and read background checks.
	if got, want := docketcard.Policy[docketcard.PermAdjudicate], []docketcard.Role{docketcard.RoleAdjudicator}; !slices.Equal(got, want) {
		t.Errorf("%s is held by %v, want %v", docketcard.PermAdjudicate, got, want)
	}
	for _, p := range []docketcard.Permission{docketcard.PermCheckRun, docketcard.PermCheckRead} {
		got := slices.Sorted(slices.Values(docketcard.Policy[p]))
		if want := []docketcard.Role{docketcard.RoleAdjudicator, docketcard.RoleEnrollmentOfficer}; !slices.Equal(got, want) {
			t.Errorf("%s is held by %v, want %v", p, got, want)
		}
	}
	// The card lifecycle: only enrollment officers manage cards and only
	// print operators print them; DHS officers who meet cardholders and
	// relying parties verify them; only program managers force a status
	// list out.
	for _, tc := range []struct {
		p    docketcard.Permission
		want []docketcard.Role
	}{
		{docketcard.PermCardManage, []docketcard.Role{docketcard.RoleEnrollmentOfficer}},
		{docketcard.PermCardPrint, []docketcard.Role{docketcard.RolePrintOperator}},
		{docketcard.PermCardVerify, []docketcard.Role{docketcard.RoleEnrollmentOfficer, docketcard.RoleFieldVerifier, docketcard.RoleRelyingParty}},
		{docketcard.PermStatusPublish, []docketcard.Role{docketcard.RoleProgramManager}},
	} {
		if got := slices.Sorted(slices.Values(docketcard.Policy[tc.p])); !slices.Equal(got, tc.want) {
			t.Errorf("%s is held by %v, want %v", tc.p, got, tc.want)
		}
	}
	// Deliberately not site-scoped, although they concern cards.
	notScoped := map[docketcard.Permission]string{
		// A field officer verifies a card wherever its holder is met, which
		// is rarely at the office that issued it, and a relying party (a
		// court clerk, a local agency) serves no site at all. What a
		// verification shows follows from the verifier's role, and every
		// one is recorded as an encounter the holder sees.
		docketcard.PermCardVerify: "verifiers meet cards of every office, and relying parties serve none",
		// The status list covers every card of every site in one signed
		// list: publishing it is a program-level action.
		docketcard.PermStatusPublish: "the status list covers every site's cards",
	}
	for p, why := range notScoped {
		if docketcard.SiteScoped[p] {
			t.Errorf("%s is site-scoped; want it not to be: %s", p, why)
		}
	}
	for p, roles := range docketcard.Policy {
		// Permissions on people's records, their cards and their
		// background checks apply only at the sites a user serves.
		people := strings.HasPrefix(string(p), "person.") || strings.HasPrefix(string(p), "case.") ||
			strings.HasPrefix(string(p), "document.") || strings.HasPrefix(string(p), "card.") || strings.HasPrefix(string(p), "check.")
		if _, ok := notScoped[p]; ok {
			people = false
		}
		if docketcard.SiteScoped[p] != people {
			t.Errorf("%s: site-scoped %v, want %v", p, docketcard.SiteScoped[p], people)
		}
		if len(roles) == 0 {
			t.Errorf("%s: no role holds it", p)
		}
	}
}
