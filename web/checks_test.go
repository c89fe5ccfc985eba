package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/service"
)

// This file tests background checks over the API, on both dialects:
// starting and listing check runs, the issuance gate, the adjudicators'
// review queue, adjudication and its two-person rule; and that the
// database itself refuses a card without a current clearance of its
// holder, and a decision by the officer who enrolled the person.
//
// The test app requires the document and duplicate checks and has no job
// queue: checks started through the API stay pending, and tests that need
// results run them in process (RunChecksNow). Every fixture person has
// the same name, date of birth and nationality, so from the second person
// on the duplicate check finds a possible match.

// checkReq is a request of a table test: as a fixture role, or with an
// explicit bearer token (of a user made by the test).
type checkReq struct {
	role  docketcard.Role
	token string
}

func (r checkReq) call(method, path string, body any) apiCall {
	c := jsonCall(r.role, method, path, body)
	if r.token != "" {
		c.header = map[string]string{"Authorization": "Bearer " + r.token}
	}
	return c
}

// asRole sends requests with the fixture API token of role ("" for none).
func asRole(role docketcard.Role) checkReq { return checkReq{role: role} }

// extraUser makes a user holding role at sites, and returns it with the
// secret of an API token of theirs.
func (c *apiClient) extraUser(t testing.TB, username string, role docketcard.Role, sites ...string) (*docketcard.User, checkReq) {
	t.Helper()
	ctx := context.Background()
	sys := docketcard.SystemActor("test")
	u, err := c.app.Service.CreateUser(ctx, sys, docketcard.UserInput{Username: username, DisplayName: "Extra " + username,
		Roles: []string{string(role)}, Sites: sites, Password: testapp.Password})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.app.Service.CreateToken(ctx, sys, u.ID, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	return u, checkReq{token: tok.Secret}
}

// runChecks runs a person's required checks in process, as the system.
func (c *apiClient) runChecks(t testing.TB, personID string) *docketcard.CheckRun {
	t.Helper()
	run, err := c.app.Service.RunChecksNow(context.Background(), docketcard.SystemActor("test"), personID, "enrollment")
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// checkOf returns the check of type typ in run, which must be in state.
func checkOf(t testing.TB, run *docketcard.CheckRun, typ docketcard.CheckType, state docketcard.CheckState) *docketcard.Check {
	t.Helper()
	for _, ch := range run.Checks {
		if ch.Type == typ {
			if ch.State != state {
				t.Fatalf("%s check is %s, want %s (evidence %s)", typ, ch.State, state, ch.Evidence)
			}
			return ch
		}
	}
	t.Fatalf("run %s has no %s check", run.ID, typ)
	return nil
}

// addNTA files a Notice to Appear for a person, so that the document
// check is clear.
func (c *apiClient) addNTA(t testing.TB, personID string) {
	t.Helper()
	if _, err := c.app.Service.AddDocument(context.Background(), docketcard.SystemActor("test"), personID,
		docketcard.DocumentInput{Type: "I-862", Filename: "nta.pdf", IssuedOn: "2026-01-15"}, samplePDF); err != nil {
		t.Fatal(err)
	}
}

// clearance returns the person's current clearance, or nil.
func (c *apiClient) clearance(t testing.TB, personID string) *docketcard.Clearance {
	t.Helper()
	ctx := context.Background()
	var cl *docketcard.Clearance
	err := c.app.DB.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		cl, err = tx.CurrentClearance(ctx, personID, c.app.Clock.Now())
		return err
	})
	if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// backdateClearance moves a clearance into the past: granted ago, and
// expired expiredAgo, before the app's clock.
func (c *apiClient) backdateClearance(t testing.TB, id string, ago, expiredAgo time.Duration) {
	t.Helper()
	now := c.app.Clock.Now()
	if _, err := c.app.DB.SQL().Exec(c.app.DB.Rebind("UPDATE clearances SET granted_at = ?, expires_at = ? WHERE id = ?"),
		now.Add(-ago), now.Add(-expiredAgo), id); err != nil {
		t.Fatal(err)
	}
	if cl := c.clearance(t, c.clearancePerson(t, id)); cl != nil && cl.ID == id {
		t.Fatalf("clearance %s is still current after backdating", id)
	}
}

// clearancePerson returns whose clearance id is.
func (c *apiClient) clearancePerson(t testing.TB, id string) string {
	t.Helper()
	var person string
	if err := c.app.DB.SQL().QueryRow(c.app.DB.Rebind("SELECT person_id FROM clearances WHERE id = ?"), id).Scan(&person); err != nil {
		t.Fatal(err)
	}
	return person
}

// getCheck reads a check from the store.
func (c *apiClient) getCheck(t testing.TB, id string) *docketcard.Check {
	t.Helper()
	ctx := context.Background()
	var ch *docketcard.Check
	if err := c.app.DB.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		ch, err = tx.GetCheck(ctx, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ch
}

// countWhere counts the rows of table matching where (one ? argument).
func (c *apiClient) countWhere(t testing.TB, table, where string, arg any) int {
	t.Helper()
	var n int
	if err := c.app.DB.SQL().QueryRow(c.app.DB.Rebind("SELECT COUNT(*) FROM "+table+" WHERE "+where), arg).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// auditOf returns the audit entries about subject, as the auditor reads them.
func (c *apiClient) auditOf(t testing.TB, subject string) []docketcard.AuditEntry {
	t.Helper()
	var page struct {
		Items []docketcard.AuditEntry `json:"items"`
	}
	c.call(t, docketcard.RoleAuditor, "GET", "/api/v1/audit?limit=200&subject="+subject, nil).decode(t, http.StatusOK, &page)
	return page.Items
}

// wantAudit checks that exactly n entries about subject record action by
// actorID, and that the last one's detail contains detail.
func (c *apiClient) wantAudit(t testing.TB, subject, action, actorID, detail string, n int) {
	t.Helper()
	var got []docketcard.AuditEntry
	for _, e := range c.auditOf(t, subject) {
		if e.Action == action && e.ActorID == actorID {
			got = append(got, e)
		}
	}
	if len(got) != n {
		t.Fatalf("%d %s entries by %s about %s, want %d: %+v", len(got), action, actorID, subject, n, got)
	}
	if n > 0 && !strings.Contains(got[n-1].Detail, detail) {
		t.Errorf("%s entry: detail %q, want it to contain %q", action, got[n-1].Detail, detail)
	}
}

// wantProblem checks an error reply: its status and code, the field that
// errors[] must name (if any) and text the detail must contain (if any).
func wantProblem(t testing.TB, r apiReply, status int, code, field, msg string) {
	t.Helper()
	p := r.problem(t, status, code)
	if field != "" {
		p.field(t, field)
	}
	if msg != "" && !strings.Contains(p.Detail, msg) {
		t.Errorf("detail %q does not contain %q", p.Detail, msg)
	}
}

// statusCode maps a status to its problem code.
func statusCode(status int) string {
	return map[int]string{400: docketcard.EINVALID, 401: docketcard.EUNAUTHORIZED, 403: docketcard.EFORBIDDEN,
		404: docketcard.ENOTFOUND, 409: docketcard.ECONFLICT, 415: docketcard.EUNSUPPORTED}[status]
}

// testRequired is the checks the test app requires, in policy order.
var testRequired = []docketcard.CheckType{docketcard.CheckDocument, docketcard.CheckDuplicate}

func TestChecksStart(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			p := c.cardPerson(t, "A400000001", true)
			atl, err := c.app.Service.CreatePerson(t.Context(), docketcard.SystemActor("test"), testapp.SamplePerson("A400000002", "ATL"))
			if err != nil {
				t.Fatal(err)
			}
			path := "/api/v1/people/" + p.ID + "/checks"
			eo, adj := asRole(docketcard.RoleEnrollmentOfficer), asRole(docketcard.RoleAdjudicator)
			started := 0
			for _, tc := range []struct {
				name   string
				req    apiCall
				status int
				reason string // for 202: the run's reason
				field  string // for errors: the field errors[] must name
				msg    string // for errors: text the detail must contain
			}{
				{name: "no body: for enrolment", req: eo.call("POST", path, nil), status: 202, reason: "enrollment"},
				{name: "empty object: for enrolment", req: eo.call("POST", path, "{}"), status: 202, reason: "enrollment"},
				{name: "manual, by an adjudicator", req: adj.call("POST", path, map[string]string{"reason": "manual"}), status: 202, reason: "manual"},
				{name: "enrollment, explicitly", req: eo.call("POST", path, map[string]string{"reason": "enrollment"}), status: 202, reason: "enrollment"},
				{name: "reason recurrent", req: eo.call("POST", path, map[string]string{"reason": "recurrent"}), status: 400, field: "reason"},
				{name: "empty reason", req: eo.call("POST", path, map[string]string{"reason": ""}), status: 400, field: "reason"},
				{name: "unknown field", req: eo.call("POST", path, map[string]string{"why": "manual"}), status: 400, field: "why"},
				{name: "not JSON", req: apiCall{method: "POST", path: path, role: eo.role, body: []byte("reason=manual"), contentType: "application/x-www-form-urlencoded"}, status: 415},
				{name: "unknown person", req: eo.call("POST", "/api/v1/people/"+oaMissingID+"/checks", nil), status: 404},
				{name: "person of another site", req: eo.call("POST", "/api/v1/people/"+atl.ID+"/checks", nil), status: 403, msg: "ATL"},
				{name: "print operator", req: asRole(docketcard.RolePrintOperator).call("POST", path, nil), status: 403, msg: "check.run"},
				{name: "FOIA officer", req: asRole(docketcard.RoleFOIAOfficer).call("POST", path, nil), status: 403, msg: "check.run"},
				{name: "auditor", req: asRole(docketcard.RoleAuditor).call("POST", path, nil), status: 403, msg: "check.run"},
				{name: "anonymous", req: asRole("").call("POST", path, nil), status: 401},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := c.send(t, tc.req)
					if tc.status != http.StatusAccepted {
						wantProblem(t, r, tc.status, statusCode(tc.status), tc.field, tc.msg)
						if n := c.count(t, "check_runs"); n != started {
							t.Errorf("%d check runs after a refused request, want %d", n, started)
						}
						return
					}
					started++
					var run docketcard.CheckRun
					r.decode(t, http.StatusAccepted, &run)
					user := c.app.Users[tc.req.role]
					if run.ID == "" || run.PersonID != p.ID || run.SiteCode != "HOU" || run.Reason != tc.reason ||
						run.RequestedBy != user.Username || !slices.Equal(run.Required, testRequired) {
						t.Errorf("run: %+v", run)
					}
					// No queue in the test app: the checks stay pending.
					if len(run.Checks) != len(testRequired) {
						t.Fatalf("%d checks, want %d: %+v", len(run.Checks), len(testRequired), run.Checks)
					}
					for _, ch := range run.Checks {
						if ch.RunID != run.ID || ch.PersonID != p.ID || ch.SiteCode != "HOU" || !slices.Contains(testRequired, ch.Type) ||
							ch.State != docketcard.CheckPending || ch.Attempts != 0 || ch.Evidence != "" || ch.CompletedAt != nil ||
							ch.ExpiresAt != nil || ch.Version != 1 {
							t.Errorf("new check: %+v", ch)
						}
						if got := c.getCheck(t, ch.ID); got.State != docketcard.CheckPending {
							t.Errorf("stored check %s is %s, want pending", ch.ID, got.State)
						}
					}
					c.wantAudit(t, run.ID, docketcard.ActionCheckStart, user.ID,
						fmt.Sprintf("person %s reason %s checks document,duplicate", p.ID, tc.reason), 1)
					// Pending checks are no clearance.
					if cl := c.clearance(t, p.ID); cl != nil {
						t.Errorf("a clearance while checks are pending: %+v", cl)
					}
				})
			}
		})
	}
}

func TestChecksList(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			p := c.cardPerson(t, "A410000001", true)
			none := c.cardPerson(t, "A410000002", true)
			atl, err := c.app.Service.CreatePerson(t.Context(), docketcard.SystemActor("test"), testapp.SamplePerson("A410000003", "ATL"))
			if err != nil {
				t.Fatal(err)
			}
			var first docketcard.CheckRun
			c.call(t, docketcard.RoleEnrollmentOfficer, "POST", "/api/v1/people/"+p.ID+"/checks", nil).decode(t, http.StatusAccepted, &first)
			c.app.Clock.T = c.app.Clock.T.Add(time.Minute)
			defer func() { c.app.Clock.T = testapp.Epoch }()
			second := c.runChecks(t, p.ID) // done in process: its checks have results

			path := "/api/v1/people/" + p.ID + "/checks"
			for _, tc := range []struct {
				name   string
				role   docketcard.Role
				path   string
				status int
				want   []string // for 200: the runs, newest first
			}{
				{"two runs, newest first", docketcard.RoleEnrollmentOfficer, path, 200, []string{second.ID, first.ID}},
				{"as adjudicator", docketcard.RoleAdjudicator, path, 200, []string{second.ID, first.ID}},
				{"none", docketcard.RoleEnrollmentOfficer, "/api/v1/people/" + none.ID + "/checks", 200, []string{}},
				{"FOIA officer", docketcard.RoleFOIAOfficer, path, 403, nil},
				{"print operator", docketcard.RolePrintOperator, path, 403, nil},
				{"auditor", docketcard.RoleAuditor, path, 403, nil},
				{"admin", docketcard.RoleAdmin, path, 403, nil},
				{"anonymous", "", path, 401, nil},
				{"person of another site", docketcard.RoleAdjudicator, "/api/v1/people/" + atl.ID + "/checks", 403, nil},
				{"unknown person", docketcard.RoleEnrollmentOfficer, "/api/v1/people/" + oaMissingID + "/checks", 404, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := c.call(t, tc.role, "GET", tc.path, nil)
					if tc.status != http.StatusOK {
						wantProblem(t, r, tc.status, statusCode(tc.status), "", "")
						return
					}
					var page struct {
						Items      []docketcard.CheckRun `json:"items"`
						NextCursor *string               `json:"next_cursor"`
					}
					r.decode(t, http.StatusOK, &page)
					if page.Items == nil || page.NextCursor != nil {
						t.Errorf("page envelope: %s", r)
					}
					var ids []string
					for _, run := range page.Items {
						ids = append(ids, run.ID)
						if len(run.Checks) != len(testRequired) {
							t.Errorf("run %s lists %d checks, want %d", run.ID, len(run.Checks), len(testRequired))
						}
						for _, ch := range run.Checks {
							pending := ch.State == docketcard.CheckPending
							if (run.ID == first.ID) != pending {
								t.Errorf("run %s: %s check is %s", run.ID, ch.Type, ch.State)
							}
							if !pending && (ch.Evidence == "" || ch.CompletedAt == nil || ch.Attempts < 1) {
								t.Errorf("finished check without its result: %+v", ch)
							}
						}
					}
					if !slices.Equal(ids, tc.want) && !(len(ids) == 0 && len(tc.want) == 0) {
						t.Errorf("listed %v, want %v", ids, tc.want)
					}
					// Audited: each row is its caller's only read of that person's runs.
					subject := strings.TrimSuffix(strings.TrimPrefix(tc.path, "/api/v1/people/"), "/checks")
					c.wantAudit(t, subject, docketcard.ActionList, c.app.Users[tc.role].ID, "check runs", 1)
				})
			}
		})
	}
}

// TestIssuanceGate: POST /cards is refused with 403 until the person
// holds a current clearance, whatever stands in the way.
func TestIssuanceGate(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			eo := docketcard.RoleEnrollmentOfficer
			c.cardPerson(t, "A420000000", true) // a namesake: later people's duplicate checks find them
			for i, tc := range []struct {
				name  string
				setup func(t *testing.T, p *docketcard.Person)
				want  int
			}{
				{"no checks run", func(t *testing.T, p *docketcard.Person) {}, 403},
				{"checks pending", func(t *testing.T, p *docketcard.Person) {
					c.call(t, eo, "POST", "/api/v1/people/"+p.ID+"/checks", nil).decode(t, http.StatusAccepted, nil)
				}, 403},
				{"a possible match awaiting a decision", func(t *testing.T, p *docketcard.Person) {
					c.addNTA(t, p.ID)
					checkOf(t, c.runChecks(t, p.ID), docketcard.CheckDuplicate, docketcard.CheckPossibleMatch)
				}, 403},
				{"a required document missing", func(t *testing.T, p *docketcard.Person) {
					run := c.runChecks(t, p.ID) // no Notice to Appear on file
					checkOf(t, run, docketcard.CheckDocument, docketcard.CheckPossibleMatch)
					dup := checkOf(t, run, docketcard.CheckDuplicate, docketcard.CheckPossibleMatch)
					c.call(t, docketcard.RoleAdjudicator, "POST", "/api/v1/checks/"+dup.ID+"/adjudication",
						map[string]string{"decision": "clear", "reason": "a namesake, not this person"}).decode(t, http.StatusCreated, nil)
				}, 403},
				{"clearance expired", func(t *testing.T, p *docketcard.Person) {
					// Granted 91 days ago, lapsed yesterday. (Moving the clock
					// on instead would expire the caller's API token too.)
					c.app.Clear(t, p.ID)
					c.backdateClearance(t, c.clearance(t, p.ID).ID, 91*24*time.Hour, 24*time.Hour)
				}, 403},
				{"clearance revoked by a denial", func(t *testing.T, p *docketcard.Person) {
					c.app.Clear(t, p.ID)
					dup := checkOf(t, c.runChecks(t, p.ID), docketcard.CheckDuplicate, docketcard.CheckPossibleMatch)
					c.call(t, docketcard.RoleAdjudicator, "POST", "/api/v1/checks/"+dup.ID+"/adjudication",
						map[string]string{"decision": "deny", "reason": "the same person as an earlier record"}).decode(t, http.StatusCreated, nil)
				}, 403},
				{"cleared", func(t *testing.T, p *docketcard.Person) { c.app.Clear(t, p.ID) }, 201},
			} {
				t.Run(tc.name, func(t *testing.T) {
					defer func() { c.app.Clock.T = testapp.Epoch }()
					p := c.cardPerson(t, fmt.Sprintf("A42000%04d", i+1), true)
					tc.setup(t, p)
					r := c.send(t, issueCall(eo, p.ID, fmt.Sprintf("gate-key-%04d", i)))
					if tc.want == http.StatusForbidden {
						wantProblem(t, r, 403, docketcard.EFORBIDDEN, "", "Issuance gate")
						if n := c.countCards(t, p.ID); n != 0 {
							t.Errorf("%d cards after a refused issuance", n)
						}
						return
					}
					var card docketcard.Card
					r.decode(t, tc.want, &card)
					cl := c.clearance(t, p.ID)
					if cl == nil || card.ClearanceID != cl.ID || card.State == docketcard.CardSuspended || card.State != docketcard.CardApproved {
						t.Errorf("card %+v, clearance %+v: want a signed card on the person's clearance", card, cl)
					}
					c.wantAudit(t, card.ID, docketcard.ActionCardPrepare, c.app.Users[eo].ID, "clearance "+cl.ID, 1)
				})
			}
		})
	}
}

// reviewPage is a page of the review queue.
type reviewPage struct {
	Items      []service.ReviewItem `json:"items"`
	NextCursor string               `json:"next_cursor"`
}

func (pg reviewPage) checkIDs() []string {
	ids := []string{}
	for _, it := range pg.Items {
		ids = append(ids, it.Check.ID)
	}
	return ids
}

func TestReviewQueue(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			ctx := t.Context()
			sys := docketcard.SystemActor("test")
			namesake := c.cardPerson(t, "A430000001", true)
			p := c.cardPerson(t, "A430000002", true)
			c.addNTA(t, p.ID)
			run := c.runChecks(t, p.ID)
			checkOf(t, run, docketcard.CheckDocument, docketcard.CheckClear) // passed checks are not for review
			match := checkOf(t, run, docketcard.CheckDuplicate, docketcard.CheckPossibleMatch)
			// A possible match at ATL, which only ATL's adjudicators see.
			atl, err := c.app.Service.CreatePerson(ctx, sys, testapp.SamplePerson("A430000003", "ATL"))
			if err != nil {
				t.Fatal(err)
			}
			c.addNTA(t, atl.ID)
			atlMatch := checkOf(t, c.runChecks(t, atl.ID), docketcard.CheckDuplicate, docketcard.CheckPossibleMatch)
			_, atlAdj := c.extraUser(t, "atl.adjudicator", docketcard.RoleAdjudicator, "ATL")
			adj := asRole(docketcard.RoleAdjudicator)

			for _, tc := range []struct {
				name     string
				req      apiCall
				status   int
				want     []string // for 200: checks that must be listed
				dontWant []string // for 200: checks that must not
				field    string
				msg      string
			}{
				{name: "HOU adjudicator", req: adj.call("GET", "/api/v1/review-queue", nil), status: 200,
					want: []string{match.ID}, dontWant: []string{atlMatch.ID, checkOf(t, run, docketcard.CheckDocument, docketcard.CheckClear).ID}},
				{name: "adjudicator of another site", req: atlAdj.call("GET", "/api/v1/review-queue", nil), status: 200,
					want: []string{atlMatch.ID}, dontWant: []string{match.ID}},
				{name: "enrollment officer", req: asRole(docketcard.RoleEnrollmentOfficer).call("GET", "/api/v1/review-queue", nil), status: 403, msg: "check.adjudicate"},
				{name: "FOIA officer", req: asRole(docketcard.RoleFOIAOfficer).call("GET", "/api/v1/review-queue", nil), status: 403, msg: "check.adjudicate"},
				{name: "auditor", req: asRole(docketcard.RoleAuditor).call("GET", "/api/v1/review-queue", nil), status: 403, msg: "check.adjudicate"},
				{name: "anonymous", req: asRole("").call("GET", "/api/v1/review-queue", nil), status: 401},
				{name: "limit 0", req: adj.call("GET", "/api/v1/review-queue?limit=0", nil), status: 400, field: "limit"},
				{name: "limit not a number", req: adj.call("GET", "/api/v1/review-queue?limit=all", nil), status: 400, field: "limit"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := c.send(t, tc.req)
					if tc.status != http.StatusOK {
						wantProblem(t, r, tc.status, statusCode(tc.status), tc.field, tc.msg)
						return
					}
					var page reviewPage
					r.decode(t, http.StatusOK, &page)
					ids := page.checkIDs()
					for _, id := range tc.want {
						if !slices.Contains(ids, id) {
							t.Errorf("check %s is not listed: %v", id, ids)
						}
					}
					for _, id := range tc.dontWant {
						if slices.Contains(ids, id) {
							t.Errorf("check %s is listed: %v", id, ids)
						}
					}
					for _, it := range page.Items {
						if it.Check.State != docketcard.CheckPossibleMatch || it.Person == nil || it.Person.ID != it.Check.PersonID {
							t.Errorf("item: check %+v, person %+v", it.Check, it.Person)
						}
					}
				})
			}

			t.Run("item", func(t *testing.T) {
				// The person, the check and its evidence: which record the
				// person may duplicate, and why.
				var page reviewPage
				c.call(t, docketcard.RoleAdjudicator, "GET", "/api/v1/review-queue", nil).decode(t, http.StatusOK, &page)
				i := slices.Index(page.checkIDs(), match.ID)
				if i < 0 {
					t.Fatalf("check %s is not listed", match.ID)
				}
				it := page.Items[i]
				if it.Person.ID != p.ID || it.Person.ANumber != p.ANumber || it.Person.FamilyNames != p.FamilyNames ||
					it.Check.Type != docketcard.CheckDuplicate || it.Check.RunID != run.ID || it.Check.SiteCode != "HOU" ||
					it.Check.Score <= 0 || it.Check.Score > 1 || it.Check.CompletedAt == nil || it.Check.ExpiresAt != nil {
					t.Errorf("item: check %+v, person %+v", it.Check, it.Person)
				}
				if officer := c.app.Users[docketcard.RoleEnrollmentOfficer].ID; it.EnrolledBy != officer {
					t.Errorf("enrolled_by %q, want the enrolling officer %s", it.EnrolledBy, officer)
				}
				var ev struct {
					PossibleDuplicates []struct {
						PersonID string `json:"person_id"`
						Findings []struct {
							Kind        string   `json:"kind"`
							Score       float64  `json:"score"`
							Explanation []string `json:"explanation"`
						} `json:"findings"`
					} `json:"possible_duplicates"`
				}
				if err := json.Unmarshal([]byte(it.Check.Evidence), &ev); err != nil {
					t.Fatalf("evidence is not JSON: %v: %q", err, it.Check.Evidence)
				}
				found := false
				for _, dup := range ev.PossibleDuplicates {
					if dup.PersonID == namesake.ID {
						found = len(dup.Findings) > 0 && dup.Findings[0].Kind != "" && len(dup.Findings[0].Explanation) > 0
					}
				}
				if !found {
					t.Errorf("the evidence does not explain the namesake %s: %s", namesake.ID, it.Check.Evidence)
				}
				// The read is audited: the people shown are named.
				var audit struct {
					Items []docketcard.AuditEntry `json:"items"`
				}
				adjID := c.app.Users[docketcard.RoleAdjudicator].ID
				c.call(t, docketcard.RoleAuditor, "GET", "/api/v1/audit?limit=200&actor="+adjID, nil).decode(t, http.StatusOK, &audit)
				seen := false
				for _, e := range audit.Items {
					seen = seen || (e.Action == docketcard.ActionList && e.SubjectID == "review_queue" && strings.Contains(e.Detail, p.ID))
				}
				if !seen {
					t.Errorf("no audited read of the review queue naming %s: %+v", p.ID, audit.Items)
				}
			})

			t.Run("pages", func(t *testing.T) {
				// More possible matches, read one page at a time.
				for i := range 3 {
					q, err := c.app.Service.CreatePerson(ctx, sys, testapp.SamplePerson(fmt.Sprintf("A43000010%d", i), "HOU"))
					if err != nil {
						t.Fatal(err)
					}
					c.runChecks(t, q.ID)
				}
				var all reviewPage
				c.call(t, docketcard.RoleAdjudicator, "GET", "/api/v1/review-queue", nil).decode(t, http.StatusOK, &all)
				if len(all.Items) < 4 || all.NextCursor != "" {
					t.Fatalf("%d possible matches, next_cursor %q", len(all.Items), all.NextCursor)
				}
				var paged []string
				cursor := ""
				for range len(all.Items) + 1 {
					var page reviewPage
					c.call(t, docketcard.RoleAdjudicator, "GET", "/api/v1/review-queue?limit=2&cursor="+cursor, nil).decode(t, http.StatusOK, &page)
					if len(page.Items) > 2 {
						t.Fatalf("%d items on a page of 2", len(page.Items))
					}
					paged = append(paged, page.checkIDs()...)
					if cursor = page.NextCursor; cursor == "" {
						break
					}
				}
				if !slices.Equal(paged, all.checkIDs()) {
					t.Errorf("pages of 2 list %v, one page %v", paged, all.checkIDs())
				}
			})

			t.Run("decided matches leave the queue", func(t *testing.T) {
				c.call(t, docketcard.RoleAdjudicator, "POST", "/api/v1/checks/"+match.ID+"/adjudication",
					map[string]string{"decision": "clear", "reason": "a namesake, not this person"}).decode(t, http.StatusCreated, nil)
				var page reviewPage
				c.call(t, docketcard.RoleAdjudicator, "GET", "/api/v1/review-queue", nil).decode(t, http.StatusOK, &page)
				if slices.Contains(page.checkIDs(), match.ID) {
					t.Errorf("the decided check %s is still listed", match.ID)
				}
			})
		})
	}
}

func adjudicationBody(decision, reason string) map[string]string {
	return map[string]string{"decision": decision, "reason": reason}
}

func TestAdjudicationValidation(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			c.cardPerson(t, "A440000001", true) // the namesake
			p := c.cardPerson(t, "A440000002", true)
			c.addNTA(t, p.ID)
			run := c.runChecks(t, p.ID)
			match := checkOf(t, run, docketcard.CheckDuplicate, docketcard.CheckPossibleMatch)
			passed := checkOf(t, run, docketcard.CheckDocument, docketcard.CheckClear)
			_, atlAdj := c.extraUser(t, "atl.adjudicator", docketcard.RoleAdjudicator, "ATL")
			adj := asRole(docketcard.RoleAdjudicator)
			path := "/api/v1/checks/" + match.ID + "/adjudication"
			ok := "reviewed both records in full"
			for _, tc := range []struct {
				name   string
				req    apiCall
				status int
				field  string
				msg    string
			}{
				{"no reason", adj.call("POST", path, map[string]string{"decision": "clear"}), 400, "reason", "reason"},
				{"reason too short", adj.call("POST", path, adjudicationBody("clear", "too short")), 400, "reason", "reason"},
				{"reason short once trimmed", adj.call("POST", path, adjudicationBody("deny", "     tiny     ")), 400, "reason", "reason"},
				{"no decision", adj.call("POST", path, map[string]string{"reason": ok}), 400, "decision", ""},
				{"unknown decision", adj.call("POST", path, adjudicationBody("approve", ok)), 400, "decision", ""},
				{"unknown field", adj.call("POST", path, map[string]string{"decision": "clear", "reason": ok, "note": "x"}), 400, "note", ""},
				{"decision not a string", adj.call("POST", path, `{"decision":true,"reason":"reviewed both records in full"}`), 400, "decision", ""},
				{"no body", adj.call("POST", path, nil), 415, "", ""},
				{"unknown check", adj.call("POST", "/api/v1/checks/"+oaMissingID+"/adjudication", adjudicationBody("clear", ok)), 404, "", ""},
				{"a check that passed", adj.call("POST", "/api/v1/checks/"+passed.ID+"/adjudication", adjudicationBody("clear", ok)), 409, "", "not a possible match"},
				{"a pending check", adj.call("POST", "/api/v1/checks/"+c.pendingCheck(t, p.ID)+"/adjudication", adjudicationBody("clear", ok)), 409, "", "pending"},
				{"adjudicator of another site", atlAdj.call("POST", path, adjudicationBody("clear", ok)), 403, "", "HOU"},
				{"enrollment officer", asRole(docketcard.RoleEnrollmentOfficer).call("POST", path, adjudicationBody("clear", ok)), 403, "", "check.adjudicate"},
				{"FOIA officer", asRole(docketcard.RoleFOIAOfficer).call("POST", path, adjudicationBody("clear", ok)), 403, "", "check.adjudicate"},
				{"admin", asRole(docketcard.RoleAdmin).call("POST", path, adjudicationBody("clear", ok)), 403, "", "check.adjudicate"},
				{"anonymous", asRole("").call("POST", path, adjudicationBody("clear", ok)), 401, "", ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					wantProblem(t, c.send(t, tc.req), tc.status, statusCode(tc.status), tc.field, tc.msg)
				})
			}
			// Nothing was decided.
			if got := c.getCheck(t, match.ID); got.State != docketcard.CheckPossibleMatch || got.Version != match.Version {
				t.Errorf("check after refused decisions: %s, version %d", got.State, got.Version)
			}
			if n := c.count(t, "adjudications"); n != 0 {
				t.Errorf("%d adjudications after refused decisions", n)
			}
			if cl := c.clearance(t, p.ID); cl != nil {
				t.Errorf("a clearance after refused decisions: %+v", cl)
			}
		})
	}
}

// pendingCheck starts a run for a person through the API and returns one
// of its (pending) checks.
func (c *apiClient) pendingCheck(t testing.TB, personID string) string {
	t.Helper()
	var run docketcard.CheckRun
	c.call(t, docketcard.RoleEnrollmentOfficer, "POST", "/api/v1/people/"+personID+"/checks", nil).decode(t, http.StatusAccepted, &run)
	return run.Checks[0].ID
}

func TestAdjudicationDecisions(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			c.cardPerson(t, "A450000000", true) // the namesake
			adjID := c.app.Users[docketcard.RoleAdjudicator].ID
			for i, tc := range []struct {
				name string
				// setup prepares the person and returns the run whose
				// possible matches are decided, in order.
				setup     func(t *testing.T, p *docketcard.Person) *docketcard.CheckRun
				matches   int                   // possible matches in the run
				decisions []string              // for the first of them, in type order
				state     docketcard.CheckState // of the last check decided
				cleared   bool                  // the person then holds a clearance from the run
				issue     int                   // POST cards then answers
			}{
				{name: "clear, every other check passed", setup: func(t *testing.T, p *docketcard.Person) *docketcard.CheckRun {
					c.addNTA(t, p.ID)
					return c.runChecks(t, p.ID)
				}, matches: 1, decisions: []string{"clear"}, state: docketcard.CheckCleared, cleared: true, issue: 201},
				{name: "clear, another check still a possible match", setup: func(t *testing.T, p *docketcard.Person) *docketcard.CheckRun {
					return c.runChecks(t, p.ID) // no Notice to Appear: the document check is a possible match too
				}, matches: 2, decisions: []string{"clear"}, state: docketcard.CheckCleared, cleared: false, issue: 403},
				{name: "clear both possible matches", setup: func(t *testing.T, p *docketcard.Person) *docketcard.CheckRun {
					return c.runChecks(t, p.ID)
				}, matches: 2, decisions: []string{"clear", "clear"}, state: docketcard.CheckCleared, cleared: true, issue: 201},
				{name: "deny revokes the clearance", setup: func(t *testing.T, p *docketcard.Person) *docketcard.CheckRun {
					c.app.Clear(t, p.ID)
					return c.runChecks(t, p.ID)
				}, matches: 1, decisions: []string{"deny"}, state: docketcard.CheckDenied, cleared: false, issue: 403},
				{name: "refer revokes the clearance", setup: func(t *testing.T, p *docketcard.Person) *docketcard.CheckRun {
					c.app.Clear(t, p.ID)
					return c.runChecks(t, p.ID)
				}, matches: 1, decisions: []string{"refer"}, state: docketcard.CheckReferred, cleared: false, issue: 403},
				{name: "clear one, deny the other", setup: func(t *testing.T, p *docketcard.Person) *docketcard.CheckRun {
					return c.runChecks(t, p.ID)
				}, matches: 2, decisions: []string{"clear", "deny"}, state: docketcard.CheckDenied, cleared: false, issue: 403},
			} {
				t.Run(tc.name, func(t *testing.T) {
					p := c.cardPerson(t, fmt.Sprintf("A45000%04d", i+1), true)
					run := tc.setup(t, p)
					var matches []*docketcard.Check
					for _, ch := range run.Checks {
						if ch.State == docketcard.CheckPossibleMatch {
							matches = append(matches, ch)
						}
					}
					if len(matches) != tc.matches {
						t.Fatalf("%d possible matches, want %d: %+v", len(matches), tc.matches, run.Checks)
					}
					for j, decision := range tc.decisions {
						ch := matches[j]
						var a docketcard.Adjudication
						c.call(t, docketcard.RoleAdjudicator, "POST", "/api/v1/checks/"+ch.ID+"/adjudication",
							adjudicationBody(decision, "  decided by the table test, case "+tc.name+"  ")).decode(t, http.StatusCreated, &a)
						if a.ID == "" || a.CheckID != ch.ID || a.PersonID != p.ID || a.SiteCode != "HOU" || a.AdjudicatorID != adjID ||
							string(a.Decision) != decision || a.Reason != "decided by the table test, case "+tc.name || !a.DecidedAt.Equal(c.app.Clock.Now()) {
							t.Errorf("adjudication: %+v", a)
						}
						c.wantAudit(t, ch.ID, docketcard.ActionAdjudicate, adjID, fmt.Sprintf("person %s decision %s", p.ID, decision), 1)
						// A check is decided once, whatever the second decision.
						for _, again := range []string{"clear", "deny", "refer"} {
							wantProblem(t, c.call(t, docketcard.RoleAdjudicator, "POST", "/api/v1/checks/"+ch.ID+"/adjudication",
								adjudicationBody(again, "a second opinion on the same check")), 409, docketcard.ECONFLICT, "", "")
						}
						if n := c.countWhere(t, "adjudications", "check_id = ?", ch.ID); n != 1 {
							t.Errorf("%d adjudications of check %s, want 1", n, ch.ID)
						}
					}
					last := c.getCheck(t, matches[len(tc.decisions)-1].ID)
					if last.State != tc.state || (last.ExpiresAt != nil) != (tc.state == docketcard.CheckCleared) {
						t.Errorf("decided check: state %s, expires %v; want %s", last.State, last.ExpiresAt, tc.state)
					}

					cl := c.clearance(t, p.ID)
					switch {
					case tc.cleared && (cl == nil || cl.RunID != run.ID):
						t.Errorf("clearance %+v, want one from run %s", cl, run.ID)
					case !tc.cleared && cl != nil:
						t.Errorf("clearance %+v, want none", cl)
					}
					if tc.cleared {
						c.wantAudit(t, cl.ID, docketcard.ActionClearanceGrant, "system:checks", "run "+run.ID, 1)
					}
					if tc.state == docketcard.CheckDenied || tc.state == docketcard.CheckReferred {
						// Every clearance the person held is revoked, with the reason.
						if n := c.countWhere(t, "clearances", "person_id = ? AND revoked_at IS NULL", p.ID); n != 0 {
							t.Errorf("%d live clearances after a %s", n, tc.state)
						}
						var reason string
						if err := c.app.DB.SQL().QueryRow(c.app.DB.Rebind("SELECT revoked_reason FROM clearances WHERE person_id = ? ORDER BY granted_at DESC LIMIT 1"), p.ID).Scan(&reason); err == nil && !strings.Contains(reason, "adjudicated") {
							t.Errorf("revoked_reason %q", reason)
						}
					}

					r := c.send(t, issueCall(docketcard.RoleEnrollmentOfficer, p.ID, fmt.Sprintf("decision-key-%04d", i)))
					if tc.issue == http.StatusForbidden {
						wantProblem(t, r, 403, docketcard.EFORBIDDEN, "", "Issuance gate")
					} else {
						var card docketcard.Card
						r.decode(t, tc.issue, &card)
						if card.ClearanceID != cl.ID {
							t.Errorf("card on clearance %q, want %s", card.ClearanceID, cl.ID)
						}
					}
				})
			}
		})
	}
}

// TestTwoPersonRule: an adjudicator may not decide on a person they
// enrolled, through the API or by writing the database directly.
func TestTwoPersonRule(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			ctx := t.Context()
			c.cardPerson(t, "A460000000", true) // the namesake
			enroller := c.app.Users[docketcard.RoleAdjudicator]
			second, secondReq := c.extraUser(t, "second.adjudicator", docketcard.RoleAdjudicator, "HOU")
			// Adjudicators lack person.write: the person is created through
			// the service with the adjudicator's user ID, as if they had
			// enrolled them (a system actor, so that the permission check
			// passes, and its user ID is what the enrolment records).
			enrolling := docketcard.Actor{UserID: enroller.ID, Username: enroller.Username, Roles: enroller.Roles, Sites: enroller.Sites,
				System: true, Via: "test"}
			p, err := c.app.Service.CreatePerson(ctx, enrolling, testapp.SamplePerson("A460000001", "HOU"))
			if err != nil {
				t.Fatal(err)
			}
			var by string
			if err := c.app.DB.SQL().QueryRow(c.app.DB.Rebind("SELECT enrolled_by FROM enrollments WHERE person_id = ?"), p.ID).Scan(&by); err != nil || by != enroller.ID {
				t.Fatalf("enrolled_by %q (%v), want the adjudicator %s", by, err, enroller.ID)
			}
			c.addNTA(t, p.ID)
			var matches []string
			for range 3 {
				matches = append(matches, checkOf(t, c.runChecks(t, p.ID), docketcard.CheckDuplicate, docketcard.CheckPossibleMatch).ID)
			}

			t.Run("review queue names the enroller", func(t *testing.T) {
				var page reviewPage
				c.call(t, docketcard.RoleAdjudicator, "GET", "/api/v1/review-queue", nil).decode(t, http.StatusOK, &page)
				i := slices.Index(page.checkIDs(), matches[0])
				if i < 0 || page.Items[i].EnrolledBy != enroller.ID {
					t.Errorf("review queue item for %s: %+v", matches[0], page.Items)
				}
			})

			t.Run("API", func(t *testing.T) {
				for _, tc := range []struct {
					name   string
					req    checkReq
					check  string
					status int
					msg    string
				}{
					{"the adjudicator who enrolled the person", asRole(docketcard.RoleAdjudicator), matches[0], 403, "Two-person rule"},
					{"the enroller again, another decision", asRole(docketcard.RoleAdjudicator), matches[0], 403, "Two-person rule"},
					{"another adjudicator", secondReq, matches[0], 201, ""},
				} {
					t.Run(tc.name, func(t *testing.T) {
						decision := "clear"
						if strings.Contains(tc.name, "another decision") {
							decision = "deny"
						}
						r := c.send(t, tc.req.call("POST", "/api/v1/checks/"+tc.check+"/adjudication",
							adjudicationBody(decision, "reviewed both records in full")))
						if tc.status != http.StatusCreated {
							wantProblem(t, r, tc.status, statusCode(tc.status), "", tc.msg)
							if got := c.getCheck(t, tc.check); got.State != docketcard.CheckPossibleMatch {
								t.Errorf("check after a refused decision: %s", got.State)
							}
							if n := c.countWhere(t, "adjudications", "check_id = ?", tc.check); n != 0 {
								t.Errorf("%d adjudications after a refused decision", n)
							}
							return
						}
						var a docketcard.Adjudication
						r.decode(t, tc.status, &a)
						if a.AdjudicatorID != second.ID {
							t.Errorf("adjudicator %s, want %s", a.AdjudicatorID, second.ID)
						}
					})
				}
			})

			t.Run("database", func(t *testing.T) {
				// The database refuses the row itself: the rule holds even
				// for a writer that bypasses the service.
				for _, tc := range []struct {
					name        string
					check       string
					adjudicator string
					refused     bool
				}{
					{"the adjudicator who enrolled the person", matches[1], enroller.ID, true},
					{"another adjudicator", matches[2], second.ID, false},
				} {
					t.Run(tc.name, func(t *testing.T) {
						_, err := c.app.DB.SQL().Exec(c.app.DB.Rebind(`INSERT INTO adjudications
							(id, check_id, person_id, site_code, adjudicator_id, decision, reason, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
							service.NewID(), tc.check, p.ID, "HOU", tc.adjudicator, "clear", "written straight to the database", c.app.Clock.Now())
						switch {
						case tc.refused && (err == nil || !strings.Contains(strings.ToLower(err.Error()), "two-person rule")):
							t.Errorf("want the two-person rule to refuse the row, got %v", err)
						case !tc.refused && err != nil:
							t.Errorf("a row by another adjudicator: %v", err)
						}
						want := 0
						if !tc.refused {
							want = 1
						}
						if n := c.countWhere(t, "adjudications", "check_id = ?", tc.check); n != want {
							t.Errorf("%d adjudications of the check, want %d", n, want)
						}
					})
				}
			})
		})
	}
}

// TestIssuanceGateInDatabase: the cards table refuses a row that does not
// name a current clearance of the card's holder, and a card's clearance
// cannot be changed afterwards.
func TestIssuanceGateInDatabase(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			db := c.app.DB
			now := c.app.Clock.Now()
			cleared := func(anum string) (string, string) {
				t.Helper()
				p := c.cardPerson(t, anum, true)
				c.app.Clear(t, p.ID)
				return p.ID, c.clearance(t, p.ID).ID
			}
			g, gClear := cleared("A470000001")
			_, hClear := cleared("A470000002")
			expired, expiredClear := cleared("A470000003")
			c.backdateClearance(t, expiredClear, 100*24*time.Hour, 10*24*time.Hour)
			revoked, revokedClear := cleared("A470000004")
			if _, err := db.SQL().Exec(db.Rebind("UPDATE clearances SET revoked_at = ?, revoked_reason = ? WHERE id = ?"), now, "test", revokedClear); err != nil {
				t.Fatal(err)
			}
			seq := 0
			insert := func(personID string, clearance any) (string, error) {
				seq++
				id := service.NewID()
				_, err := db.SQL().Exec(db.Rebind(`INSERT INTO cards (id, card_number, person_id, site_code, request_key, state, status_index,
					status_uri, issued_at, not_before, expires_at, key_id, claims, claims_sha256, signed, qr_text, mrz, version, created_at,
					updated_at, clearance_id) VALUES (?, ?, ?, ?, ?, 'prepared', ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, 1, ?, ?, ?)`),
					id, fmt.Sprintf("DC99%05d", seq), personID, "HOU", fmt.Sprintf("db-gate-%04d", seq), 4000+seq,
					"https://docketcard.test/status", now, now, now.Add(365*24*time.Hour), "0011223344556677", []byte{0xa0},
					strings.Repeat("0", 64), "IDUSA", now, now, clearance)
				return id, err
			}
			var cardID string
			for _, tc := range []struct {
				name      string
				person    string
				clearance any // nil: NULL
				refused   bool
			}{
				{"a current clearance of the holder", g, gClear, false},
				{"no clearance", g, nil, true},
				{"another person's clearance", g, hClear, true},
				{"an expired clearance", expired, expiredClear, true},
				{"a revoked clearance", revoked, revokedClear, true},
				{"a clearance that does not exist", g, oaMissingID, true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := c.count(t, "cards")
					id, err := insert(tc.person, tc.clearance)
					if !tc.refused {
						if err != nil {
							t.Fatalf("a card on a current clearance: %v", err)
						}
						cardID = id
						return
					}
					if err == nil || !strings.Contains(strings.ToLower(err.Error()), "issuance gate") {
						t.Errorf("want the issuance gate to refuse the row, got %v", err)
					}
					if after := c.count(t, "cards"); after != before {
						t.Errorf("%d cards, want %d", after, before)
					}
				})
			}
			t.Run("the clearance of a card cannot change", func(t *testing.T) {
				if cardID == "" {
					t.Skip("no card was stored")
				}
				for _, to := range []any{hClear, nil} {
					_, err := db.SQL().Exec(db.Rebind("UPDATE cards SET clearance_id = ? WHERE id = ?"), to, cardID)
					if err == nil || !strings.Contains(strings.ToLower(err.Error()), "issuance gate") {
						t.Errorf("changing the clearance to %v: want the issuance gate to refuse, got %v", to, err)
					}
				}
				var got string
				if err := db.SQL().QueryRow(db.Rebind("SELECT clearance_id FROM cards WHERE id = ?"), cardID).Scan(&got); err != nil || got != gClear {
					t.Errorf("clearance_id %q (%v), want %s", got, err, gClear)
				}
			})
		})
	}
}
