package web_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/screening"
	"github.com/docketcard/docketcard/web"
)

// This file tests the watch-list routes end to end, on both dialects,
// against the public list files (OFAC SDN and non-SDN, UN, U.S.
// Consolidated Screening List) as the server loads them from
// DOCKETCARD_WATCHLISTS_DIR: GET /api/v1/watchlists and ad hoc screening
// at POST /api/v1/screen.

// screenListed is an OFAC SDN individual of the July 2021 list:
// "GUZMAN LOERA, Joaquin", born 25 Dec 1954 in Mexico (entry 6861).
var screenListed = map[string]any{"family_names": "GUZMAN LOERA", "given_names": "Joaquin",
	"date_of_birth": "1954-12-25", "nationality": "MEX", "sex": "M"}

const screenListedID = "OFAC:6861"

// screenNameWords are the words of every name a test screens, which must
// never reach the audit trail.
var screenNameWords = []string{"GUZMAN", "LOERA", "JOAQUIN", "JOAQUÍN", "LUNA", "PEDRO", "PEÑA", "PENA DE LA", "HERNANDEZ", "GUADALUPE"}

// screenPage is the answer of POST /api/v1/screen.
type screenPage struct {
	Items []web.ScreenResult `json:"items"`
}

func (c *apiClient) screen(t testing.TB, role docketcard.Role, body any) screenPage {
	t.Helper()
	var p screenPage
	c.call(t, role, "POST", "/api/v1/screen", body).decode(t, http.StatusOK, &p)
	return p
}

func TestWatchlistRoutes(t *testing.T) {
	lists := testapp.PublicWatchlists(t)
	want := lists.Status()
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := &apiClient{app: testapp.New(t, d, testapp.Options{Watchlists: lists})}
			adjudicator := c.app.Users[docketcard.RoleAdjudicator]
			screenings := 0

			t.Run("status", func(t *testing.T) {
				for _, role := range []docketcard.Role{docketcard.RoleEnrollmentOfficer, docketcard.RoleAdjudicator} {
					var st web.WatchlistStatus
					c.call(t, role, "GET", "/api/v1/watchlists", nil).decode(t, http.StatusOK, &st)
					if st.Stale || st.Error != "" {
						t.Errorf("%s: lists reported stale: %+v", role, st)
					}
					if st.Entities != want.Entities || st.Entities < 10000 {
						t.Errorf("%s: %d entities, want %d (more than 10000 in the public lists)", role, st.Entities, want.Entities)
					}
					if at, err := time.Parse(time.RFC3339, st.LastSuccess); err != nil || !at.Equal(want.LastSuccess.Truncate(time.Second)) {
						t.Errorf("%s: last_success %q, want %s (%v)", role, st.LastSuccess, want.LastSuccess.Format(time.RFC3339), err)
					}
					// One version per list in use, each "SOURCE DATE sha256:…";
					// the 2019 SDN file is there too, superseded by 2021's.
					for _, prefix := range []string{"OFAC-SDN 2021-07 sha256:", "OFAC-CONS 2025-12 sha256:", "UN 2026-02-27 sha256:",
						"US-CSL 2022-05-16 sha256:"} {
						if !slices.ContainsFunc(st.Versions, func(v string) bool {
							return strings.HasPrefix(v, prefix) && !strings.HasSuffix(v, "(superseded)")
						}) {
							t.Errorf("%s: no version %s… in use: %q", role, prefix, st.Versions)
						}
					}
					if !slices.ContainsFunc(st.Versions, func(v string) bool {
						return strings.HasPrefix(v, "OFAC-SDN 2019-01 sha256:") && strings.HasSuffix(v, "(superseded)")
					}) {
						t.Errorf("%s: the 2019 SDN file is not reported superseded: %q", role, st.Versions)
					}
					if len(st.Versions) != len(want.Versions) {
						t.Errorf("%s: %d versions, want %d: %q", role, len(st.Versions), len(want.Versions), st.Versions)
					}
				}
				for _, role := range []docketcard.Role{docketcard.RoleAuditor, docketcard.RoleAdmin, docketcard.RolePrintOperator,
					docketcard.RoleFieldVerifier, docketcard.RoleFOIAOfficer, docketcard.RoleProgramManager} {
					c.call(t, role, "GET", "/api/v1/watchlists", nil).problem(t, http.StatusForbidden, docketcard.EFORBIDDEN)
				}
				c.call(t, "", "GET", "/api/v1/watchlists", nil).problem(t, http.StatusUnauthorized, docketcard.EUNAUTHORIZED)
			})

			t.Run("listed name", func(t *testing.T) {
				p := c.screen(t, docketcard.RoleAdjudicator, screenListed)
				screenings++
				if len(p.Items) == 0 {
					t.Fatal("no candidates for a listed name")
				}
				top := p.Items[0]
				if top.EntityID != screenListedID || top.Name != "GUZMAN LOERA, Joaquin" {
					t.Fatalf("first candidate is %s %q, want %s: %+v", top.EntityID, top.Name, screenListedID, p.Items)
				}
				if top.Band != screening.BandMatch && top.Band != screening.BandReview {
					t.Errorf("band %q (score %.3f), want match or review", top.Band, top.Score)
				}
				if top.Band != screening.BandOf(top.Score) || top.Score <= 0 || top.Score > 1 {
					t.Errorf("score %v and band %q disagree", top.Score, top.Band)
				}
				for i := 1; i < len(p.Items); i++ {
					if p.Items[i].Score > p.Items[i-1].Score {
						t.Errorf("candidates are not best first: %+v", p.Items)
					}
				}
				// The explanation says which list name matched, and how the
				// date of birth, nationality and gender counted.
				ex := strings.Join(top.Explanation, "\n")
				for _, s := range []string{`"GUZMAN LOERA, Joaquin"`, screenListedID, "date of birth: query 1954-12-25", "nationality: MEX", "gender:", "score "} {
					if !strings.Contains(ex, s) {
						t.Errorf("explanation lacks %q:\n%s", s, ex)
					}
				}

				// A spelling with accents, without the date of birth, still
				// finds the entry first.
				p = c.screen(t, docketcard.RoleAdjudicator, map[string]any{"family_names": "Guzmán Loera", "given_names": "Joaquín", "limit": 2})
				screenings++
				if len(p.Items) == 0 || len(p.Items) > 2 || p.Items[0].EntityID != screenListedID || p.Items[0].Band == screening.BandNoMatch {
					t.Errorf("Guzmán Loera, Joaquín (limit 2): %+v", p.Items)
				}
			})

			t.Run("common names", func(t *testing.T) {
				// Common names of the people docketcard serves, on no list:
				// candidates may share a word, but none is a match.
				for _, q := range []map[string]any{
					{"family_names": "LUNA", "given_names": "Pedro", "date_of_birth": "1982-02-12", "nationality": "MEX", "sex": "M"},
					{"family_names": "PEÑA DE LA CRUZ", "given_names": "José Ángel", "date_of_birth": "1988-02-29", "nationality": "HND", "sex": "M"},
					{"family_names": "HERNANDEZ LOPEZ", "given_names": "Maria Guadalupe", "date_of_birth": "1990-05", "nationality": "Mexico", "sex": "f"},
				} {
					p := c.screen(t, docketcard.RoleAdjudicator, q)
					screenings++
					for _, it := range p.Items {
						if it.Band == screening.BandMatch {
							t.Errorf("%v %v: %s %q is in the match band (score %.3f)", q["family_names"], q["given_names"], it.EntityID, it.Name, it.Score)
						}
					}
				}
			})

			t.Run("invalid", func(t *testing.T) {
				for _, tc := range []struct {
					body  string
					field string
				}{
					{`{}`, "family_names"},
					{`{"family_names":"  ","given_names":"\t"}`, "family_names"},
					{`{"date_of_birth":"1954-12-25","nationality":"MEX"}`, "family_names"},
					{`{"family_names":"GUZMAN LOERA","date_of_birth":"25/12/1954"}`, "date_of_birth"},
					{`{"family_names":"GUZMAN LOERA","nationality":"Atlantis"}`, "nationality"},
					{`{"family_names":"GUZMAN LOERA","sex":"male"}`, "sex"},
					{`{"family_names":"GUZMAN LOERA","limit":51}`, "limit"},
					{`{"family_names":"GUZMAN LOERA","limit":-1}`, "limit"},
				} {
					p := c.call(t, docketcard.RoleAdjudicator, "POST", "/api/v1/screen", tc.body).problem(t, http.StatusBadRequest, docketcard.EINVALID)
					if len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
						t.Errorf("%s: errors %+v, want one about %s", tc.body, p.Errors, tc.field)
					}
				}
				c.call(t, docketcard.RoleAdjudicator, "POST", "/api/v1/screen", `{"family_names":"GUZMAN","aliases":[]}`).
					problem(t, http.StatusBadRequest, docketcard.EINVALID)
				c.send(t, apiCall{method: "POST", path: "/api/v1/screen", role: docketcard.RoleAdjudicator, body: []byte(`{"family_names":"GUZMAN"}`),
					contentType: "text/plain"}).problem(t, http.StatusUnsupportedMediaType, docketcard.EUNSUPPORTED)
			})

			t.Run("forbidden", func(t *testing.T) {
				// Only adjudicators screen ad hoc: the enrollment officer, who
				// reads check results, may not look names up.
				for _, role := range []docketcard.Role{docketcard.RoleEnrollmentOfficer, docketcard.RoleAuditor, docketcard.RoleAdmin,
					docketcard.RolePrintOperator, docketcard.RoleFieldVerifier, docketcard.RoleFOIAOfficer, docketcard.RoleProgramManager} {
					c.call(t, role, "POST", "/api/v1/screen", screenListed).problem(t, http.StatusForbidden, docketcard.EFORBIDDEN)
				}
				c.call(t, "", "POST", "/api/v1/screen", screenListed).problem(t, http.StatusUnauthorized, docketcard.EUNAUTHORIZED)
			})

			t.Run("no lists", func(t *testing.T) {
				// A server configured without lists: 503 on both routes
				// (after the caller's permission and the query are checked).
				srv, err := web.New(c.app.Service, slog.New(slog.DiscardHandler), web.Options{Version: "test"})
				if err != nil {
					t.Fatal(err)
				}
				bare := &apiClient{app: &testapp.App{Server: httptest.NewServer(srv.Handler()), Tokens: c.app.Tokens}}
				defer bare.app.Server.Close()
				bare.call(t, docketcard.RoleEnrollmentOfficer, "GET", "/api/v1/watchlists", nil).problem(t, http.StatusServiceUnavailable, docketcard.EUNAVAILABLE)
				bare.call(t, docketcard.RoleAdjudicator, "POST", "/api/v1/screen", screenListed).problem(t, http.StatusServiceUnavailable, docketcard.EUNAVAILABLE)
				bare.call(t, docketcard.RoleAuditor, "GET", "/api/v1/watchlists", nil).problem(t, http.StatusForbidden, docketcard.EFORBIDDEN)
				bare.call(t, docketcard.RoleEnrollmentOfficer, "POST", "/api/v1/screen", screenListed).problem(t, http.StatusForbidden, docketcard.EFORBIDDEN)
				bare.call(t, docketcard.RoleAdjudicator, "POST", "/api/v1/screen", `{}`).problem(t, http.StatusBadRequest, docketcard.EINVALID)

				// Lists configured whose first load failed: the status says
				// why, and there is nothing to screen against.
				failed := &screening.Lists{}
				if err := failed.Reload(t.TempDir()); err == nil {
					t.Fatal("loading an empty folder succeeded")
				}
				srv, err = web.New(c.app.Service, slog.New(slog.DiscardHandler), web.Options{Version: "test", Watchlists: failed})
				if err != nil {
					t.Fatal(err)
				}
				broken := &apiClient{app: &testapp.App{Server: httptest.NewServer(srv.Handler()), Tokens: c.app.Tokens}}
				defer broken.app.Server.Close()
				var st web.WatchlistStatus
				broken.call(t, docketcard.RoleAdjudicator, "GET", "/api/v1/watchlists", nil).decode(t, http.StatusOK, &st)
				if !st.Stale || st.Error == "" || st.Entities != 0 || len(st.Versions) != 0 || st.LastSuccess != "" {
					t.Errorf("status of lists that never loaded: %+v", st)
				}
				broken.call(t, docketcard.RoleAdjudicator, "POST", "/api/v1/screen", screenListed).problem(t, http.StatusServiceUnavailable, docketcard.EUNAVAILABLE)
			})

			t.Run("audit", func(t *testing.T) {
				// Each screening that answered is audited as "screen" by the
				// adjudicator, with the number of candidates and the purpose;
				// refused and invalid queries, and those the server could not
				// answer, are not. The query, a name, is not recorded.
				res := c.send(t, apiCall{method: "POST", path: "/api/v1/screen", role: docketcard.RoleAdjudicator, body: []byte(`{"family_names":"GUZMAN LOERA","given_names":"Joaquin","limit":1}`),
					contentType: "application/json", header: map[string]string{"Docketcard-Purpose": "adjudication 2026-17", "X-Request-Id": "screen-audit-1"}})
				var p screenPage
				res.decode(t, http.StatusOK, &p)
				screenings++
				if len(p.Items) != 1 {
					t.Errorf("limit 1: %d candidates", len(p.Items))
				}

				var page struct {
					Items []docketcard.AuditEntry `json:"items"`
				}
				r := c.call(t, docketcard.RoleAuditor, "GET", "/api/v1/audit?limit=200&actor="+adjudicator.ID, nil)
				r.decode(t, http.StatusOK, &page)
				var screens []docketcard.AuditEntry
				for _, e := range page.Items {
					if e.Action == docketcard.ActionScreen {
						screens = append(screens, e)
					}
				}
				if len(screens) != screenings {
					t.Fatalf("%d screen entries in the audit trail, want %d: %+v", len(screens), screenings, screens)
				}
				last := screens[len(screens)-1]
				if last.ActorName != adjudicator.Username || last.SubjectType != "watchlist" || last.SubjectID == "" ||
					last.Detail != "candidates: 1" || last.Purpose != "adjudication 2026-17" || last.RequestID != "screen-audit-1" {
					t.Errorf("audit entry of a screening: %+v", last)
				}
				upper := strings.ToUpper(string(r.body))
				for _, w := range screenNameWords {
					if strings.Contains(upper, w) {
						t.Errorf("the audit trail holds %q, from a screened name: %s", w, apiClip(string(r.body), 2000))
					}
				}

				// Nor does any column of any entry in the database.
				rows, err := c.app.DB.SQL().Query("SELECT * FROM audit_log")
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
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
					for i, v := range vals {
						if bs, ok := v.([]byte); ok {
							v = string(bs)
						}
						s := strings.ToUpper(fmt.Sprint(v))
						for _, w := range screenNameWords {
							if strings.Contains(s, w) {
								t.Errorf("audit_log.%s holds %q: %s", cols[i], w, s)
							}
						}
					}
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}

				var rep struct {
					OK bool `json:"ok"`
				}
				c.call(t, docketcard.RoleAuditor, "POST", "/api/v1/audit/verify", nil).decode(t, http.StatusOK, &rep)
				if !rep.OK {
					t.Error("the audit chain does not verify after screenings")
				}
			})
		})
	}
}

// TestScreenSampleLists screens against the three-entry sample lists that
// the other web tests use, which need no list files.
func TestScreenSampleLists(t *testing.T) {
	c := &apiClient{app: testapp.New(t, testdb.Dialects[0], testapp.Options{Watchlists: testapp.SampleWatchlists(t)})}
	var st web.WatchlistStatus
	c.call(t, docketcard.RoleAdjudicator, "GET", "/api/v1/watchlists", nil).decode(t, http.StatusOK, &st)
	if st.Entities != 3 || len(st.Versions) != 1 || !strings.HasPrefix(st.Versions[0], "OFAC-SDN 2021-07 sha256:") || st.Stale {
		t.Errorf("sample lists: %+v", st)
	}
	p := c.screen(t, docketcard.RoleAdjudicator, screenListed)
	if len(p.Items) == 0 || p.Items[0].EntityID != testapp.SampleEntityID || p.Items[0].Band != screening.BandMatch {
		t.Errorf("sample lists, listed name: %+v", p.Items)
	}
	// Organisations are not screened.
	if p := c.screen(t, docketcard.RoleAdjudicator, map[string]any{"family_names": "AEROCARIBBEAN AIRLINES"}); len(p.Items) != 0 {
		t.Errorf("an organisation was screened: %+v", p.Items)
	}
}
