package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/web"
)

// This file tests the behaviour of the JSON API end to end, on a real
// server over a real database of each dialect. The helpers at the top are
// shared with authz_test.go.

// apiClient talks to one test app.
type apiClient struct{ app *testapp.App }

// newAPIClient boots a fresh app on dialect.
func newAPIClient(t *testing.T, dialect string) *apiClient {
	t.Helper()
	return &apiClient{app: testapp.New(t, dialect)}
}

// apiCall is one HTTP request.
type apiCall struct {
	method, path string
	role         docketcard.Role // send this role's fixture API token; "" sends none
	body         []byte
	contentType  string
	header       map[string]string
	cookies      []*http.Cookie
}

// apiReply is a response whose body has been read.
type apiReply struct {
	*http.Response
	body []byte
}

// send makes the request and reads the whole response.
func (c *apiClient) send(t testing.TB, r apiCall) apiReply {
	t.Helper()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, c.app.Server.URL+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.role != "" {
		req.Header.Set("Authorization", "Bearer "+c.app.Tokens[r.role])
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	for _, ck := range r.cookies {
		req.AddCookie(ck)
	}
	res, err := c.app.Server.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", r.method, r.path, err)
	}
	return apiReply{Response: res, body: b}
}

// jsonCall builds a request with v as its JSON body (v may be a string or
// []byte holding raw JSON, or nil for no body).
func jsonCall(role docketcard.Role, method, path string, v any) apiCall {
	c := apiCall{method: method, path: path, role: role}
	switch b := v.(type) {
	case nil:
	case string:
		c.body = []byte(b)
	case []byte:
		c.body = b
	default:
		var err error
		if c.body, err = json.Marshal(v); err != nil {
			panic(err)
		}
	}
	if c.body != nil {
		c.contentType = "application/json"
	}
	return c
}

// call sends a JSON request.
func (c *apiClient) call(t testing.TB, role docketcard.Role, method, path string, v any) apiReply {
	t.Helper()
	return c.send(t, jsonCall(role, method, path, v))
}

func (r apiReply) String() string {
	return fmt.Sprintf("%s %s → %d %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, apiClip(string(r.body), 600))
}

func apiClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// decode checks the status and JSON content type and decodes the body
// into v (if not nil).
func (r apiReply) decode(t testing.TB, status int, v any) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("want status %d, got %s", status, r)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("want application/json, got Content-Type %q: %s", ct, r)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("decode %T: %v: %s", v, err, r)
		}
	}
}

// apiProblem is an RFC 9457 problem details body.
type apiProblem struct {
	Type      string                  `json:"type"`
	Title     string                  `json:"title"`
	Status    int                     `json:"status"`
	Detail    string                  `json:"detail"`
	Instance  string                  `json:"instance"`
	Code      string                  `json:"code"`
	RequestID string                  `json:"request_id"`
	Errors    []docketcard.FieldError `json:"errors"`
}

// problem checks that r is an application/problem+json error with the
// given status and code and every member a client relies on.
func (r apiReply) problem(t testing.TB, status int, code string) apiProblem {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("want status %d (%s), got %s", status, code, r)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("want Content-Type application/problem+json, got %q: %s", ct, r)
	}
	var p apiProblem
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body: %v: %s", err, r)
	}
	if p.Code != code {
		t.Errorf("want code %q, got %q: %s", code, p.Code, r)
	}
	if p.Status != status {
		t.Errorf("problem status member %d, HTTP status %d", p.Status, status)
	}
	if p.Type != "urn:docketcard:problem:"+code {
		t.Errorf("problem type %q, want urn:docketcard:problem:%s", p.Type, code)
	}
	if p.Title == "" || p.Detail == "" {
		t.Errorf("problem lacks title or detail: %s", r)
	}
	if p.RequestID == "" || p.RequestID != r.Header.Get("X-Request-Id") {
		t.Errorf("problem request_id %q, X-Request-Id header %q", p.RequestID, r.Header.Get("X-Request-Id"))
	}
	if status == http.StatusUnauthorized && r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate: %s", r)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("problem Cache-Control %q, want no-store", r.Header.Get("Cache-Control"))
	}
	return p
}

// field returns the message of the field error named field, reporting a
// test error when there is none.
func (p apiProblem) field(t testing.TB, field string) string {
	t.Helper()
	for _, e := range p.Errors {
		if e.Field == field {
			if e.Message == "" {
				t.Errorf("field %s has an empty message", field)
			}
			return e.Message
		}
	}
	t.Errorf("want an error for field %q, got %+v (detail %q)", field, p.Errors, p.Detail)
	return ""
}

// count returns the number of rows of table.
func (c *apiClient) count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := c.app.DB.SQL().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// samplePersonJSON returns a valid person for the API as a map, so that a
// test can change one field.
func samplePersonJSON(anum, site string) map[string]any {
	b, err := json.Marshal(testapp.SamplePerson(anum, site))
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

// createPerson enrols a person at site through the API as the enrollment
// officer.
func (c *apiClient) createPerson(t testing.TB, anum, site string) *docketcard.Person {
	t.Helper()
	var p docketcard.Person
	c.call(t, docketcard.RoleEnrollmentOfficer, "POST", "/api/v1/people", samplePersonJSON(anum, site)).decode(t, http.StatusCreated, &p)
	return &p
}

// pngOf returns a real w×h PNG with a colour gradient.
func pngOf(w, h int) []byte {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// pngHeader returns a PNG whose header claims w×h pixels but which holds
// no image data: a decompression bomb's opening.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit truecolour
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	return b.Bytes()
}

// samplePDF is a small PDF file.
var samplePDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// multipartDoc builds a document upload: form fields and one file.
func multipartDoc(fields map[string]string, filename string, content []byte) ([]byte, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		mw.WriteField(k, fields[k])
	}
	if content != nil {
		fw, _ := mw.CreateFormFile("file", filename)
		fw.Write(content)
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// apiStep is one named step of a scenario whose steps depend on the ones
// before (IDs and versions they returned).
type apiStep struct {
	name   string
	req    func() apiCall
	status int
	code   string // for errors: the problem code
	field  string // for errors: a field that errors[] must name
	msg    string // for errors: text the field message (or detail) must contain
	check  func(t *testing.T, r apiReply)
}

// runSteps runs steps in order, each as a subtest.
func (c *apiClient) runSteps(t *testing.T, steps []apiStep) {
	t.Helper()
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := c.send(t, st.req())
			if st.code != "" {
				p := r.problem(t, st.status, st.code)
				got := p.Detail
				if st.field != "" {
					got = p.field(t, st.field)
				}
				if st.msg != "" && !strings.Contains(got, st.msg) {
					t.Errorf("message %q does not contain %q", got, st.msg)
				}
			} else if r.StatusCode != st.status {
				t.Fatalf("want status %d, got %s", st.status, r)
			}
			if st.check != nil {
				st.check(t, r)
			}
		})
	}
}

func TestAPIPersonCreateAndRead(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			in := samplePersonJSON("A12345678", "hou") // 8 digits, lower-case site
			r := c.call(t, docketcard.RoleEnrollmentOfficer, "POST", "/api/v1/people", in)
			var created docketcard.Person
			r.decode(t, http.StatusCreated, &created)
			if created.ANumber != "A012345678" {
				t.Errorf("8-digit A-number stored as %q, want A012345678", created.ANumber)
			}
			if created.SiteCode != "HOU" || created.Version != 1 || created.ID == "" {
				t.Errorf("created person: site %q version %d id %q", created.SiteCode, created.Version, created.ID)
			}
			if loc := r.Header.Get("Location"); loc != "/api/v1/people/"+created.ID {
				t.Errorf("Location %q", loc)
			}

			for _, tc := range []struct {
				name, path string
				role       docketcard.Role
			}{
				{"by id", "/api/v1/people/" + created.ID, docketcard.RoleEnrollmentOfficer},
				{"by id as adjudicator", "/api/v1/people/" + created.ID, docketcard.RoleAdjudicator},
				{"by normalised A-number", "/api/v1/a-numbers/A012345678", docketcard.RoleEnrollmentOfficer},
				{"by 8-digit A-number", "/api/v1/a-numbers/A12345678", docketcard.RoleEnrollmentOfficer},
				{"by grouped A-number", "/api/v1/a-numbers/A-012-345-678", docketcard.RoleFOIAOfficer},
				{"by lower-case A-number", "/api/v1/a-numbers/a012345678", docketcard.RoleAdjudicator},
			} {
				t.Run(tc.name, func(t *testing.T) {
					var got docketcard.Person
					c.call(t, tc.role, "GET", tc.path, nil).decode(t, http.StatusOK, &got)
					if got.ID != created.ID || got.ANumber != "A012345678" {
						t.Fatalf("got person %s %s, want %s A012345678", got.ID, got.ANumber, created.ID)
					}
					if got.FamilyNames != "PEÑA DE LA CRUZ" || got.GivenNames != "José Ángel" ||
						got.DateOfBirth.String() != "1988-02-29" || got.Sex != "M" ||
						got.CountryOfCitizenship != "HND" || got.MailingAddress.ZIP != "77002" || got.Phone != "+17135550100" {
						t.Errorf("record does not round-trip: %+v", got)
					}
				})
			}

			t.Run("unknown A-number", func(t *testing.T) {
				c.call(t, docketcard.RoleEnrollmentOfficer, "GET", "/api/v1/a-numbers/A999999999", nil).problem(t, http.StatusNotFound, docketcard.ENOTFOUND)
			})
			t.Run("invalid A-number in path", func(t *testing.T) {
				p := c.call(t, docketcard.RoleEnrollmentOfficer, "GET", "/api/v1/a-numbers/A1234", nil).problem(t, http.StatusBadRequest, docketcard.EINVALID)
				if !strings.Contains(p.Detail, "8 or 9 digits") {
					t.Errorf("detail %q", p.Detail)
				}
			})
			t.Run("unknown id", func(t *testing.T) {
				c.call(t, docketcard.RoleEnrollmentOfficer, "GET", "/api/v1/people/0190b3a4-0000-7000-8000-000000000000", nil).problem(t, http.StatusNotFound, docketcard.ENOTFOUND)
			})
			t.Run("list", func(t *testing.T) {
				var page struct {
					Items []docketcard.Person `json:"items"`
				}
				c.call(t, docketcard.RoleEnrollmentOfficer, "GET", "/api/v1/people?site=HOU&limit=10", nil).decode(t, http.StatusOK, &page)
				if len(page.Items) != 1 || page.Items[0].ID != created.ID {
					t.Errorf("listing: %+v", page.Items)
				}
			})
		})
	}
}

func TestAPIPersonValidation(t *testing.T) {
	with := func(key string, v any) []byte {
		m := samplePersonJSON("A223456789", "HOU")
		if k, sub, ok := strings.Cut(key, "."); ok {
			m[k].(map[string]any)[sub] = v
		} else {
			m[key] = v
		}
		b, _ := json.Marshal(m)
		return b
	}
	valid := with("a_number", "A223456789")
	cases := []struct {
		name        string
		body        []byte
		contentType string // default application/json
		status      int
		code        string
		field       string // errors[].field that must be present ("" when the problem is the body as a whole)
		msg         string // text of that field's message (or of the detail)
	}{
		{"A-number with letters", with("a_number", "A12AB5678"), "", 400, docketcard.EINVALID, "a_number", "only the letter A, digits"},
		{"A-number of 7 digits", with("a_number", "A1234567"), "", 400, docketcard.EINVALID, "a_number", "8 or 9 digits, got 7"},
		{"A-number all zeros", with("a_number", "A000000000"), "", 400, docketcard.EINVALID, "a_number", "all zeros"},
		{"A-number without A", with("a_number", "123456789"), "", 400, docketcard.EINVALID, "a_number", "must start with the letter A"},
		{"February 30", with("date_of_birth", "2023-02-30"), "", 400, docketcard.EINVALID, "date_of_birth", "does not exist"},
		{"month 13", with("date_of_birth", "1990-13-01"), "", 400, docketcard.EINVALID, "date_of_birth", "month 13"},
		{"born in the future", with("date_of_birth", "2027-01-01"), "", 400, docketcard.EINVALID, "date_of_birth", "in the future"},
		{"born tomorrow", with("date_of_birth", "2026-11-27"), "", 400, docketcard.EINVALID, "date_of_birth", "in the future"},
		{"born over 120 years ago", with("date_of_birth", "1900-01-01"), "", 400, docketcard.EINVALID, "date_of_birth", "more than 120 years ago"},
		{"date of birth missing", with("date_of_birth", ""), "", 400, docketcard.EINVALID, "date_of_birth", "is required"},
		{"unknown country code", with("country_of_citizenship", "ZZZ"), "", 400, docketcard.EINVALID, "country_of_citizenship", "unknown country code"},
		{"two-letter country code", with("country_of_birth", "HN"), "", 400, docketcard.EINVALID, "country_of_birth", "three letters"},
		{"bad sex", with("sex", "Q"), "", 400, docketcard.EINVALID, "sex", "M, F or X"},
		{"bad ZIP", with("mailing_address.zip", "7700"), "", 400, docketcard.EINVALID, "mailing_address.zip", "not a ZIP code"},
		{"bad state", with("mailing_address.state", "XY"), "", 400, docketcard.EINVALID, "mailing_address.state", "not a USPS state"},
		{"bad site code", with("site_code", "h"), "", 400, docketcard.EINVALID, "site_code", "3 to 8"},
		{"unknown JSON field", []byte(`{"nickname": "Pepe", "a_number": "A223456789"}`), "", 400, docketcard.EINVALID, "nickname", "not a known field"},
		{"wrong JSON type", with("a_number", 223456789), "", 400, docketcard.EINVALID, "a_number", "must be a string"},
		{"wrong JSON type, nested", with("mailing_address.zip", 77002), "", 400, docketcard.EINVALID, "mailing_address.zip", "must be a string"},
		{"two JSON objects", append(append([]byte{}, valid...), valid...), "", 400, docketcard.EINVALID, "", "exactly one JSON object"},
		{"not JSON", []byte(`a_number=A223456789`), "", 400, docketcard.EINVALID, "", "not valid JSON"},
		{"empty body", []byte{}, "", 400, docketcard.EINVALID, "", "empty"},
		{"truncated JSON", valid[:len(valid)/2], "", 400, docketcard.EINVALID, "", "ends in the middle"},
		{"wrong content type", valid, "text/plain", 415, docketcard.EUNSUPPORTED, "", "application/json"},
		{"form content type", valid, "application/x-www-form-urlencoded", 415, docketcard.EUNSUPPORTED, "", "application/json"},
		{"no content type", valid, "none", 415, docketcard.EUNSUPPORTED, "", "Content-Type"},
		{"body over 1 MB", with("family_names", strings.Repeat("x", 1<<20)), "", 413, docketcard.ETOOLARGE, "", "larger than"},
	}
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			c.createPerson(t, "A100000001", "HOU")
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					before, audits := c.count(t, "people"), c.count(t, "audit_log")
					call := apiCall{method: "POST", path: "/api/v1/people", role: docketcard.RoleEnrollmentOfficer, body: tc.body, contentType: "application/json"}
					switch tc.contentType {
					case "":
					case "none":
						call.contentType = ""
					default:
						call.contentType = tc.contentType
					}
					p := c.send(t, call).problem(t, tc.status, tc.code)
					got := p.Detail
					if tc.field != "" {
						got = p.field(t, tc.field)
						if !strings.Contains(p.Detail, tc.field) {
							t.Errorf("detail %q does not name the field %s", p.Detail, tc.field)
						}
					}
					if !strings.Contains(got, tc.msg) {
						t.Errorf("message %q does not contain %q", got, tc.msg)
					}
					if n := c.count(t, "people"); n != before {
						t.Errorf("people: %d before, %d after a rejected request", before, n)
					}
					if n := c.count(t, "audit_log"); n != audits {
						t.Errorf("audit_log: %d before, %d after a rejected request", audits, n)
					}
				})
			}
			t.Run("every problem at once", func(t *testing.T) {
				m := samplePersonJSON("A1", "HOU")
				m["sex"], m["country_of_birth"], m["date_of_birth"] = "Q", "ZZZ", "2023-02-30"
				p := c.call(t, docketcard.RoleEnrollmentOfficer, "POST", "/api/v1/people", m).problem(t, 400, docketcard.EINVALID)
				for _, f := range []string{"a_number", "sex", "country_of_birth", "date_of_birth"} {
					p.field(t, f)
				}
			})
			t.Run("the valid body is accepted", func(t *testing.T) {
				c.call(t, docketcard.RoleEnrollmentOfficer, "POST", "/api/v1/people", valid).decode(t, http.StatusCreated, nil)
			})
		})
	}
}

func TestAPIConflicts(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			p := c.createPerson(t, "A100000001", "HOU")
			c.createPerson(t, "A012345678", "HOU")
			eo := docketcard.RoleEnrollmentOfficer
			path := "/api/v1/people/" + p.ID
			c.runSteps(t, []apiStep{
				{name: "duplicate A-number", status: 409, code: docketcard.ECONFLICT,
					req: func() apiCall { return jsonCall(eo, "POST", "/api/v1/people", samplePersonJSON("A100000001", "HOU")) }},
				{name: "duplicate A-number written differently", status: 409, code: docketcard.ECONFLICT,
					req: func() apiCall {
						return jsonCall(eo, "POST", "/api/v1/people", samplePersonJSON("a-100-000-001", "HOU"))
					}},
				{name: "duplicate 8-digit A-number", status: 409, code: docketcard.ECONFLICT,
					req: func() apiCall { return jsonCall(eo, "POST", "/api/v1/people", samplePersonJSON("A12345678", "HOU")) }},
				{name: "patch without version", status: 400, code: docketcard.EINVALID, field: "version", msg: "required",
					req: func() apiCall { return jsonCall(eo, "PATCH", path, `{"phone": "+1 713 555 0199"}`) }},
				{name: "patch with current version", status: 200,
					req: func() apiCall { return jsonCall(eo, "PATCH", path, `{"version": 1, "phone": "+1 713 555 0199"}`) },
					check: func(t *testing.T, r apiReply) {
						var got docketcard.Person
						r.decode(t, 200, &got)
						if got.Version != 2 || got.Phone != "+17135550199" || got.FamilyNames != "PEÑA DE LA CRUZ" {
							t.Errorf("after patch: version %d phone %q family %q", got.Version, got.Phone, got.FamilyNames)
						}
					}},
				{name: "patch with stale version", status: 409, code: docketcard.ECONFLICT,
					req: func() apiCall { return jsonCall(eo, "PATCH", path, `{"version": 1, "phone": "+1 713 555 0111"}`) }},
				{name: "patch with future version", status: 409, code: docketcard.ECONFLICT,
					req: func() apiCall { return jsonCall(eo, "PATCH", path, `{"version": 7, "phone": "+1 713 555 0111"}`) }},
				{name: "patch with invalid value", status: 400, code: docketcard.EINVALID, field: "date_of_birth", msg: "does not exist",
					req: func() apiCall { return jsonCall(eo, "PATCH", path, `{"version": 2, "date_of_birth": "2023-02-30"}`) }},
				{name: "patch to a site not served", status: 403, code: docketcard.EFORBIDDEN,
					req: func() apiCall { return jsonCall(eo, "PATCH", path, `{"version": 2, "site_code": "ATL"}`) }},
				{name: "stale patch changed nothing", status: 200,
					req: func() apiCall { return jsonCall(eo, "GET", path, nil) },
					check: func(t *testing.T, r apiReply) {
						var got docketcard.Person
						r.decode(t, 200, &got)
						if got.Version != 2 || got.Phone != "+17135550199" || got.SiteCode != "HOU" {
							t.Errorf("record changed by rejected patches: version %d phone %q site %q", got.Version, got.Phone, got.SiteCode)
						}
					}},
				{name: "patch of unknown person", status: 404, code: docketcard.ENOTFOUND,
					req: func() apiCall {
						return jsonCall(eo, "PATCH", "/api/v1/people/0190b3a4-0000-7000-8000-000000000000", `{"version": 1, "phone": "+1 713 555 0111"}`)
					}},
			})
		})
	}
}

func TestAPIPhoto(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			p := c.createPerson(t, "A100000001", "HOU")
			eo := docketcard.RoleEnrollmentOfficer
			photoPath := "/api/v1/people/" + p.ID + "/photo"
			put := func(version string, body []byte, ct string) func() apiCall {
				return func() apiCall {
					q := ""
					if version != "" {
						q = "?version=" + version
					}
					return apiCall{method: "PUT", path: photoPath + q, role: eo, body: body, contentType: ct}
				}
			}
			var stored docketcard.Person
			blobs := 0
			c.runSteps(t, []apiStep{
				{name: "no photo yet", status: 404, code: docketcard.ENOTFOUND,
					req: func() apiCall { return apiCall{method: "GET", path: photoPath, role: eo} }},
				{name: "real PNG", status: 200, req: put("1", pngOf(300, 400), "image/png"),
					check: func(t *testing.T, r apiReply) {
						r.decode(t, 200, &stored)
						if stored.Photo == nil || len(stored.Photo.SHA256) != 64 || stored.Photo.ContentType != "image/jpeg" || stored.Version != 2 {
							t.Fatalf("person after photo upload: %s", r)
						}
						blobs = c.count(t, "blobs")
					}},
				{name: "photo reads back as the stored JPEG", status: 200,
					req: func() apiCall { return apiCall{method: "GET", path: photoPath, role: docketcard.RoleAdjudicator} },
					check: func(t *testing.T, r apiReply) {
						if ct := r.Header.Get("Content-Type"); ct != "image/jpeg" {
							t.Errorf("Content-Type %q", ct)
						}
						sum := sha256.Sum256(r.body)
						if hex.EncodeToString(sum[:]) != stored.Photo.SHA256 {
							t.Errorf("photo SHA-256 %x, person says %s", sum, stored.Photo.SHA256)
						}
						if int64(len(r.body)) != stored.Photo.Size {
							t.Errorf("photo is %d bytes, person says %d", len(r.body), stored.Photo.Size)
						}
						m, err := jpeg.Decode(bytes.NewReader(r.body))
						if err != nil {
							t.Fatalf("not a JPEG: %v", err)
						}
						if b := m.Bounds(); b.Dx() != 300 || b.Dy() != 400 {
							t.Errorf("photo is %v, want 300×400", b)
						}
					}},
				{name: "not an image", status: 415, code: docketcard.EUNSUPPORTED, req: put("2", []byte("MZ\x90\x00 this is not a photo at all"), "image/png")},
				{name: "header claims 9000x9000", status: 413, code: docketcard.ETOOLARGE, msg: "megapixels", req: put("2", pngHeader(9000, 9000), "image/png")},
				{name: "body over 10 MB", status: 413, code: docketcard.ETOOLARGE, msg: "10 MB",
					req: put("2", append(pngOf(8, 8), make([]byte, 10<<20)...), "image/png")},
				{name: "empty body", status: 400, code: docketcard.EINVALID, msg: "empty", req: put("2", []byte{}, "image/png")},
				{name: "truncated PNG", status: 400, code: docketcard.EINVALID, req: put("2", func() []byte { b := pngOf(64, 64); return b[:len(b)/2] }(), "image/png")},
				{name: "missing version", status: 400, code: docketcard.EINVALID, field: "version", req: put("", pngOf(30, 40), "image/png")},
				{name: "version not a number", status: 400, code: docketcard.EINVALID, field: "version", req: put("two", pngOf(30, 40), "image/png")},
				{name: "stale version", status: 409, code: docketcard.ECONFLICT, req: put("1", pngOf(30, 40), "image/png"),
					check: func(t *testing.T, r apiReply) {
						if n := c.count(t, "blobs"); n != blobs {
							t.Errorf("blobs: %d after the upload, %d after a rejected one", blobs, n)
						}
					}},
				{name: "rejected uploads left the photo alone", status: 200,
					req: func() apiCall { return apiCall{method: "GET", path: "/api/v1/people/" + p.ID, role: eo} },
					check: func(t *testing.T, r apiReply) {
						var got docketcard.Person
						r.decode(t, 200, &got)
						if got.Version != 2 || got.Photo == nil || got.Photo.SHA256 != stored.Photo.SHA256 {
							t.Errorf("person changed by rejected uploads: %s", r)
						}
					}},
			})
		})
	}
}

func TestAPIDocuments(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			p := c.createPerson(t, "A100000001", "HOU")
			eo := docketcard.RoleEnrollmentOfficer
			docsPath := "/api/v1/people/" + p.ID + "/documents"
			upload := func(fields map[string]string, filename string, content []byte) func() apiCall {
				return func() apiCall {
					body, ct := multipartDoc(fields, filename, content)
					return apiCall{method: "POST", path: docsPath, role: eo, body: body, contentType: ct}
				}
			}
			nta := map[string]string{"type": "I-862", "issued_on": "2026-01-15"}
			var doc docketcard.Document
			pdfSum := sha256.Sum256(samplePDF)
			c.runSteps(t, []apiStep{
				{name: "upload PDF", status: 201, req: upload(nta, "notice to appear.pdf", samplePDF),
					check: func(t *testing.T, r apiReply) {
						r.decode(t, 201, &doc)
						if doc.ID == "" || doc.PersonID != p.ID || doc.Type != docketcard.DocI862 || doc.Filename != "notice to appear.pdf" ||
							doc.IssuedOn.String() != "2026-01-15" || doc.Blob.ContentType != "application/pdf" ||
							doc.Blob.Size != int64(len(samplePDF)) || doc.Blob.SHA256 != hex.EncodeToString(pdfSum[:]) {
							t.Errorf("document record: %s", r)
						}
					}},
				{name: "list", status: 200, req: func() apiCall { return apiCall{method: "GET", path: docsPath, role: docketcard.RoleFOIAOfficer} },
					check: func(t *testing.T, r apiReply) {
						var page struct{ Items []docketcard.Document }
						r.decode(t, 200, &page)
						if len(page.Items) != 1 || page.Items[0].ID != doc.ID {
							t.Errorf("listing: %s", r)
						}
					}},
				{name: "metadata", status: 200, req: func() apiCall {
					return apiCall{method: "GET", path: "/api/v1/documents/" + doc.ID, role: docketcard.RoleAdjudicator}
				},
					check: func(t *testing.T, r apiReply) {
						var got docketcard.Document
						r.decode(t, 200, &got)
						if got.ID != doc.ID || got.Blob.SHA256 != doc.Blob.SHA256 || got.Type != doc.Type || got.Filename != doc.Filename {
							t.Errorf("metadata %+v, uploaded %+v", got, doc)
						}
					}},
				{name: "content round-trips", status: 200, req: func() apiCall {
					return apiCall{method: "GET", path: "/api/v1/documents/" + doc.ID + "/content", role: eo}
				},
					check: func(t *testing.T, r apiReply) {
						if !bytes.Equal(r.body, samplePDF) {
							t.Errorf("content differs from the upload: %q", apiClip(string(r.body), 100))
						}
						if ct := r.Header.Get("Content-Type"); ct != "application/pdf" {
							t.Errorf("Content-Type %q", ct)
						}
						sum := sha256.Sum256(r.body)
						if got, want := r.Header.Get("Repr-Digest"), "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":"; got != want {
							t.Errorf("Repr-Digest %q, want %q", got, want)
						}
						if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "notice to appear.pdf") {
							t.Errorf("Content-Disposition %q", cd)
						}
						if r.Header.Get("X-Content-Type-Options") != "nosniff" {
							t.Errorf("content served without nosniff")
						}
					}},
				{name: "path in file name is dropped", status: 201, req: upload(nta, `..\..\etc/passwd.pdf`, samplePDF),
					check: func(t *testing.T, r apiReply) {
						var got docketcard.Document
						r.decode(t, 201, &got)
						if got.Filename != "passwd.pdf" {
							t.Errorf("file name stored as %q", got.Filename)
						}
					}},
			})
			// Rejected uploads write nothing.
			for _, tc := range []struct {
				name   string
				req    func() apiCall
				status int
				code   string
				field  string
			}{
				{"unknown type", upload(map[string]string{"type": "passport", "issued_on": "2026-01-15"}, "x.pdf", samplePDF), 400, docketcard.EINVALID, "type"},
				{"missing issued_on", upload(map[string]string{"type": "I-862"}, "x.pdf", samplePDF), 400, docketcard.EINVALID, "issued_on"},
				{"impossible issued_on", upload(map[string]string{"type": "I-862", "issued_on": "2026-02-30"}, "x.pdf", samplePDF), 400, docketcard.EINVALID, "issued_on"},
				{"issued in the future", upload(map[string]string{"type": "I-862", "issued_on": "2027-01-01"}, "x.pdf", samplePDF), 400, docketcard.EINVALID, "issued_on"},
				{"executable", upload(nta, "setup.exe", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), make([]byte, 512)...)), 415, docketcard.EUNSUPPORTED, ""},
				{"PDF extension, executable content", upload(nta, "nta.pdf", []byte("MZ\x90\x00 PE")), 415, docketcard.EUNSUPPORTED, ""},
				{"no file", upload(nta, "", nil), 400, docketcard.EINVALID, "file"},
				{"empty file", upload(nta, "x.pdf", []byte{}), 400, docketcard.EINVALID, ""},
				{"case of unknown id", upload(map[string]string{"type": "I-862", "issued_on": "2026-01-15", "case_id": "0190b3a4-0000-7000-8000-000000000000"}, "x.pdf", samplePDF), 404, docketcard.ENOTFOUND, ""},
				{"not multipart", func() apiCall { return jsonCall(eo, "POST", docsPath, `{"type": "I-862"}`) }, 415, docketcard.EUNSUPPORTED, ""},
				{"unknown person", func() apiCall {
					body, ct := multipartDoc(nta, "x.pdf", samplePDF)
					return apiCall{method: "POST", path: "/api/v1/people/0190b3a4-0000-7000-8000-000000000000/documents", role: eo, body: body, contentType: ct}
				}, 404, docketcard.ENOTFOUND, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					docs, blobs := c.count(t, "documents"), c.count(t, "blobs")
					pr := c.send(t, tc.req()).problem(t, tc.status, tc.code)
					if tc.field != "" {
						pr.field(t, tc.field)
					}
					if n := c.count(t, "documents"); n != docs {
						t.Errorf("documents: %d before, %d after", docs, n)
					}
					if n := c.count(t, "blobs"); n != blobs {
						t.Errorf("blobs: %d before, %d after", blobs, n)
					}
				})
			}
			t.Run("unknown document", func(t *testing.T) {
				c.call(t, eo, "GET", "/api/v1/documents/0190b3a4-0000-7000-8000-000000000000/content", nil).problem(t, 404, docketcard.ENOTFOUND)
			})
		})
	}
}

func TestAPICasesHearingsReporting(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			p := c.createPerson(t, "A100000001", "HOU")
			eo := docketcard.RoleEnrollmentOfficer
			adj := docketcard.RoleAdjudicator
			var cs docketcard.Case
			var h docketcard.Hearing
			casePath := func() string { return "/api/v1/cases/" + cs.ID }
			hearing := func(version int, typ string) map[string]any {
				m := map[string]any{"type": typ, "date": "2027-01-15", "time": "09:00", "time_zone": "America/Chicago",
					"court_address": "1919 Smith St, Suite 300, Houston, TX 77002"}
				if version >= 0 {
					m["version"] = version
				}
				return m
			}
			reporting := func(version int, cadence string) map[string]any {
				return map[string]any{"version": version, "cadence": cadence, "mode": "in_person", "starts_on": "2026-12-01",
					"location": "126 Northpoint Dr, Houston, TX 77060"}
			}
			c.runSteps(t, []apiStep{
				{name: "create case", status: 201,
					req: func() apiCall {
						return jsonCall(eo, "POST", "/api/v1/people/"+p.ID+"/cases", map[string]string{
							"court": "Houston Immigration Court", "status": "pending", "release_document_type": "I-220A", "opened_on": "2025-06-01"})
					},
					check: func(t *testing.T, r apiReply) {
						r.decode(t, 201, &cs)
						if cs.ID == "" || cs.PersonID != p.ID || cs.SiteCode != "HOU" || cs.Status != docketcard.CasePending || cs.Version != 1 || cs.OpenedOn.String() != "2025-06-01" {
							t.Errorf("case: %s", r)
						}
					}},
				{name: "create case with bad status", status: 400, code: docketcard.EINVALID, field: "status", msg: "not one of",
					req: func() apiCall {
						return jsonCall(eo, "POST", "/api/v1/people/"+p.ID+"/cases", map[string]string{
							"court": "Houston Immigration Court", "status": "lost", "release_document_type": "I-220A"})
					}},
				{name: "create case opened in the future", status: 400, code: docketcard.EINVALID, field: "opened_on", msg: "future",
					req: func() apiCall {
						return jsonCall(eo, "POST", "/api/v1/people/"+p.ID+"/cases", map[string]string{
							"court": "Houston Immigration Court", "status": "pending", "release_document_type": "bond", "opened_on": "2027-01-01"})
					}},
				{name: "list cases", status: 200,
					req: func() apiCall { return jsonCall(adj, "GET", "/api/v1/people/"+p.ID+"/cases", nil) },
					check: func(t *testing.T, r apiReply) {
						var page struct{ Items []docketcard.Case }
						r.decode(t, 200, &page)
						if len(page.Items) != 1 || page.Items[0].ID != cs.ID {
							t.Errorf("cases: %s", r)
						}
					}},
				{name: "update case", status: 200,
					req: func() apiCall { return jsonCall(eo, "PATCH", casePath(), `{"version": 1, "status": "continued"}`) },
					check: func(t *testing.T, r apiReply) {
						var got docketcard.Case
						r.decode(t, 200, &got)
						if got.Version != 2 || got.Status != docketcard.CaseContinued || got.Court != "Houston Immigration Court" {
							t.Errorf("updated case: %s", r)
						}
					}},
				{name: "update case with stale version", status: 409, code: docketcard.ECONFLICT,
					req: func() apiCall { return jsonCall(eo, "PATCH", casePath(), `{"version": 1, "status": "terminated"}`) }},
				{name: "update case without version", status: 400, code: docketcard.EINVALID, field: "version",
					req: func() apiCall { return jsonCall(eo, "PATCH", casePath(), `{"status": "terminated"}`) }},
				{name: "create hearing", status: 201,
					req: func() apiCall { return jsonCall(eo, "POST", casePath()+"/hearings", hearing(-1, "master")) },
					check: func(t *testing.T, r apiReply) {
						r.decode(t, 201, &h)
						// 09:00 in Houston in January is 15:00 UTC.
						if h.ID == "" || h.CaseID != cs.ID || h.Version != 1 || h.TimeZone != "America/Chicago" ||
							h.StartsAt.UTC().Format("2006-01-02T15:04Z") != "2027-01-15T15:00Z" {
							t.Errorf("hearing: %s", r)
						}
					}},
				{name: "create hearing at 25:00", status: 400, code: docketcard.EINVALID, field: "time", msg: "HH:MM",
					req: func() apiCall {
						m := hearing(-1, "master")
						m["time"] = "25:00"
						return jsonCall(eo, "POST", casePath()+"/hearings", m)
					}},
				{name: "create hearing in unknown time zone", status: 400, code: docketcard.EINVALID, field: "time_zone",
					req: func() apiCall {
						m := hearing(-1, "master")
						m["time_zone"] = "America/Houston"
						return jsonCall(eo, "POST", casePath()+"/hearings", m)
					}},
				{name: "list hearings", status: 200,
					req: func() apiCall { return jsonCall(adj, "GET", casePath()+"/hearings", nil) },
					check: func(t *testing.T, r apiReply) {
						var page struct{ Items []docketcard.Hearing }
						r.decode(t, 200, &page)
						if len(page.Items) != 1 || page.Items[0].ID != h.ID {
							t.Errorf("hearings: %s", r)
						}
					}},
				{name: "update hearing", status: 200,
					req: func() apiCall { return jsonCall(eo, "PUT", "/api/v1/hearings/"+h.ID, hearing(1, "individual")) },
					check: func(t *testing.T, r apiReply) {
						var got docketcard.Hearing
						r.decode(t, 200, &got)
						if got.Version != 2 || got.Type != docketcard.HearingIndividual || got.CaseID != cs.ID {
							t.Errorf("updated hearing: %s", r)
						}
					}},
				{name: "update hearing with stale version", status: 409, code: docketcard.ECONFLICT,
					req: func() apiCall { return jsonCall(eo, "PUT", "/api/v1/hearings/"+h.ID, hearing(1, "bond")) }},
				{name: "update hearing without version", status: 400, code: docketcard.EINVALID, field: "version",
					req: func() apiCall { return jsonCall(eo, "PUT", "/api/v1/hearings/"+h.ID, hearing(-1, "bond")) }},
				{name: "no reporting schedule yet", status: 404, code: docketcard.ENOTFOUND,
					req: func() apiCall { return jsonCall(adj, "GET", casePath()+"/reporting", nil) }},
				{name: "reporting ends before it starts", status: 400, code: docketcard.EINVALID, field: "ends_on",
					req: func() apiCall {
						m := reporting(0, "monthly")
						m["ends_on"] = "2026-01-01"
						return jsonCall(eo, "PUT", casePath()+"/reporting", m)
					}},
				{name: "create reporting schedule", status: 200,
					req: func() apiCall { return jsonCall(eo, "PUT", casePath()+"/reporting", reporting(0, "monthly")) },
					check: func(t *testing.T, r apiReply) {
						var got docketcard.ReportingSchedule
						r.decode(t, 200, &got)
						if got.Version != 1 || got.Cadence != docketcard.CadenceMonthly || got.CaseID != cs.ID {
							t.Errorf("schedule: %s", r)
						}
					}},
				{name: "create reporting schedule twice", status: 409, code: docketcard.ECONFLICT,
					req: func() apiCall { return jsonCall(eo, "PUT", casePath()+"/reporting", reporting(0, "weekly")) }},
				{name: "replace reporting schedule", status: 200,
					req: func() apiCall { return jsonCall(eo, "PUT", casePath()+"/reporting", reporting(1, "weekly")) },
					check: func(t *testing.T, r apiReply) {
						var got docketcard.ReportingSchedule
						r.decode(t, 200, &got)
						if got.Version != 2 || got.Cadence != docketcard.CadenceWeekly {
							t.Errorf("schedule: %s", r)
						}
					}},
				{name: "replace reporting schedule with stale version", status: 409, code: docketcard.ECONFLICT,
					req: func() apiCall { return jsonCall(eo, "PUT", casePath()+"/reporting", reporting(1, "quarterly")) }},
				{name: "get reporting schedule", status: 200,
					req: func() apiCall { return jsonCall(adj, "GET", casePath()+"/reporting", nil) },
					check: func(t *testing.T, r apiReply) {
						var got docketcard.ReportingSchedule
						r.decode(t, 200, &got)
						if got.Version != 2 || got.Cadence != docketcard.CadenceWeekly || got.StartsOn.String() != "2026-12-01" || got.Mode != docketcard.ReportInPerson {
							t.Errorf("schedule: %s", r)
						}
					}},
				{name: "case detail", status: 200,
					req: func() apiCall { return jsonCall(adj, "GET", casePath(), nil) },
					check: func(t *testing.T, r apiReply) {
						var got service.CaseDetail
						r.decode(t, 200, &got)
						if got.Case == nil || got.ID != cs.ID || got.Version != 2 || len(got.Hearings) != 1 || got.Hearings[0].Version != 2 ||
							got.Reporting == nil || got.Reporting.Version != 2 {
							t.Errorf("case detail: %s", r)
						}
					}},
				{name: "case of unknown person", status: 404, code: docketcard.ENOTFOUND,
					req: func() apiCall {
						return jsonCall(eo, "POST", "/api/v1/people/0190b3a4-0000-7000-8000-000000000000/cases", map[string]string{
							"court": "Houston Immigration Court", "status": "pending", "release_document_type": "I-220A"})
					}},
			})
		})
	}
}

// importCSV builds a people CSV file: the header, then rows given as
// overrides of a valid row (a nil value drops the column from the row, to
// make a row with the wrong number of fields).
func importCSV(cols []string, rows ...map[string]*string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(cols)
	for i, over := range rows {
		base := map[string]string{"a_number": fmt.Sprintf("A3000000%02d", i), "family_names": "GARCÍA LÓPEZ", "given_names": "María",
			"aliases": "GARCIA, Maria", "date_of_birth": "1990-05", "sex": "F", "country_of_citizenship": "GTM", "country_of_birth": "GTM",
			"preferred_language": "es", "street1": "500 Jefferson St", "street2": "", "city": "Houston", "state": "TX", "zip": "77002",
			"phone": "", "email": "", "site_code": "HOU"}
		var fields []string
		for _, col := range cols {
			v := base[col]
			if o, ok := over[col]; ok {
				if o == nil {
					continue
				}
				v = *o
			}
			fields = append(fields, v)
		}
		w.Write(fields)
	}
	w.Flush()
	return b.Bytes()
}

func csvVal(s string) *string { return &s }

func TestAPIImport(t *testing.T) {
	eo := docketcard.RoleEnrollmentOfficer
	cols := service.ImportColumns
	file := importCSV(cols,
		map[string]*string{"a_number": csvVal("A400000001")},                                        // line 2: good
		map[string]*string{"a_number": csvVal("A40000002")},                                         // line 3: good (8 digits)
		map[string]*string{"a_number": csvVal("A4000X0003")},                                        // line 4: bad A-number
		map[string]*string{"a_number": csvVal("A400000004"), "date_of_birth": csvVal("2023-02-30")}, // line 5: bad date
		map[string]*string{"a_number": csvVal("A400000005"), "site_code": nil},                      // line 6: wrong field count
		map[string]*string{"a_number": csvVal("A-400-000-001")},                                     // line 7: repeats line 2
		map[string]*string{"a_number": csvVal("A400000007"), "site_code": csvVal("ATL")},            // line 8: site not served
		map[string]*string{"a_number": csvVal("A400000008"), "site_code": csvVal("NOPE")},           // line 9: no such site
		map[string]*string{"a_number": csvVal("A400000009")},                                        // line 10: good
	)
	wantErrors := []service.ImportRowError{
		{Row: 4, Field: "a_number"},
		{Row: 5, Field: "date_of_birth"},
		{Row: 6, Field: ""},
		{Row: 7, Field: "a_number"},
		{Row: 8, Field: "site_code"},
		{Row: 9, Field: "site_code"},
	}
	checkErrors := func(t *testing.T, rep service.ImportReport) {
		t.Helper()
		if len(rep.Errors) != len(wantErrors) {
			t.Fatalf("errors: %+v", rep.Errors)
		}
		for i, w := range wantErrors {
			if g := rep.Errors[i]; g.Row != w.Row || g.Field != w.Field || g.Message == "" {
				t.Errorf("error %d: got %+v, want row %d field %q", i, g, w.Row, w.Field)
			}
		}
		if m := rep.Errors[3].Message; !strings.Contains(m, "line 2") {
			t.Errorf("duplicate row message %q does not name line 2", m)
		}
		if m := rep.Errors[2].Message; !strings.Contains(m, "fields") {
			t.Errorf("field count message %q", m)
		}
	}
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			post := func(body []byte, ct string) func() apiCall {
				return func() apiCall {
					return apiCall{method: "POST", path: "/api/v1/people/import", role: eo, body: body, contentType: ct}
				}
			}
			var first service.ImportReport
			c.runSteps(t, []apiStep{
				{name: "first run", status: 200, req: post(file, "text/csv; charset=utf-8"),
					check: func(t *testing.T, r apiReply) {
						r.decode(t, 200, &first)
						if first.Rows != 9 || first.Created != 3 || first.Existing != 0 || first.Failed != 6 {
							t.Errorf("report: %s", r)
						}
						checkErrors(t, first)
						if n := c.count(t, "people"); n != 3 {
							t.Errorf("%d people after import, want 3", n)
						}
						var rep docketcard.Person
						c.call(t, eo, "GET", "/api/v1/a-numbers/A040000002", nil).decode(t, 200, &rep)
						if rep.DateOfBirth.String() != "1990-05" || len(rep.Aliases) != 1 || rep.Aliases[0].FamilyNames != "GARCIA" {
							t.Errorf("imported person: %+v", rep)
						}
					}},
				{name: "second run is idempotent", status: 200, req: post(file, "text/csv"),
					check: func(t *testing.T, r apiReply) {
						var rep service.ImportReport
						r.decode(t, 200, &rep)
						if rep.Rows != 9 || rep.Created != 0 || rep.Existing != first.Created || rep.Failed != 6 {
							t.Errorf("report: %s", r)
						}
						checkErrors(t, rep)
						if n := c.count(t, "people"); n != 3 {
							t.Errorf("%d people after re-import, want 3", n)
						}
					}},
				{name: "header in another order, with BOM", status: 200,
					req: post(append([]byte("\ufeff"), importCSV(slices.Concat(cols[len(cols)-1:], cols[:len(cols)-1]),
						map[string]*string{"a_number": csvVal("A400000011")})...), "text/csv"),
					check: func(t *testing.T, r apiReply) {
						var rep service.ImportReport
						r.decode(t, 200, &rep)
						if rep.Created != 1 || rep.Failed != 0 {
							t.Errorf("report: %s", r)
						}
					}},
				{name: "malformed quote stops the import, keeping earlier rows", status: 200,
					req: post(append(importCSV(cols, map[string]*string{"a_number": csvVal("A400000012")}), "A4\"00000013,X,Y\nA400000014,X,Y\n"...), "text/csv"),
					check: func(t *testing.T, r apiReply) {
						var rep service.ImportReport
						r.decode(t, 200, &rep)
						if rep.Created != 1 || rep.Failed != 1 || len(rep.Errors) != 1 || rep.Errors[0].Row != 3 || !strings.Contains(rep.Errors[0].Message, "malformed CSV") {
							t.Errorf("report: %s", r)
						}
					}},
				{name: "wrong content type", status: 415, code: docketcard.EUNSUPPORTED, req: post(file, "application/json")},
				{name: "no content type", status: 415, code: docketcard.EUNSUPPORTED, req: post(file, "")},
				{name: "missing required column", status: 400, code: docketcard.EINVALID, msg: "site_code",
					req: post(importCSV(slices.DeleteFunc(slices.Clone(cols), func(s string) bool { return s == "site_code" }),
						map[string]*string{"a_number": csvVal("A400000021")}), "text/csv")},
				{name: "unknown column", status: 400, code: docketcard.EINVALID, msg: "nickname",
					req: post([]byte(strings.Join(cols, ",")+",nickname\n"), "text/csv")},
				{name: "empty file", status: 400, code: docketcard.EINVALID, msg: "empty", req: post([]byte{}, "text/csv")},
			})
			if n := c.count(t, "people"); n != 5 {
				t.Errorf("%d people at the end, want 5", n)
			}

			t.Run("file over the size limit", func(t *testing.T) {
				// The same service behind a server with a 4 KB import limit.
				srv, err := web.New(c.app.Service, slog.New(slog.DiscardHandler), web.Options{Version: "test", MaxImportBytes: 4 << 10})
				if err != nil {
					t.Fatal(err)
				}
				ts := httptest.NewServer(srv.Handler())
				defer ts.Close()
				app := *c.app
				app.Server = ts
				small := &apiClient{app: &app}
				var rows []map[string]*string
				for i := range 60 {
					rows = append(rows, map[string]*string{"a_number": csvVal(fmt.Sprintf("A6000000%02d", i))})
				}
				for _, tc := range []struct {
					name string
					body []byte
				}{
					{"many rows", importCSV(cols, rows...)},
					{"one long header", []byte(strings.Join(cols, ",") + strings.Repeat(" ", 5<<10) + "\n")},
				} {
					t.Run(tc.name, func(t *testing.T) {
						before := c.count(t, "people")
						small.send(t, apiCall{method: "POST", path: "/api/v1/people/import", role: eo, body: tc.body, contentType: "text/csv"}).
							problem(t, http.StatusRequestEntityTooLarge, docketcard.ETOOLARGE)
						if n := c.count(t, "people"); n != before {
							t.Errorf("people: %d before, %d after", before, n)
						}
					})
				}
			})
		})
	}
}

// loginCall signs in through the API.
func loginCall(username, password string) apiCall {
	return jsonCall("", "POST", "/api/v1/session", map[string]string{"username": username, "password": password})
}

func TestAPISessions(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			var cookie *http.Cookie
			var csrf string
			var person docketcard.Person
			withSession := func(method, path string, body any, token string) func() apiCall {
				return func() apiCall {
					r := jsonCall("", method, path, body)
					r.cookies = []*http.Cookie{cookie}
					if token != "" {
						r.header = map[string]string{"X-CSRF-Token": token}
					}
					return r
				}
			}
			csrfToken := func() string { return csrf }
			people := 0
			steps := []apiStep{
				{name: "sign in", status: 201, req: func() apiCall { return loginCall("Enrollment.Officer ", testapp.Password) },
					check: func(t *testing.T, r apiReply) {
						var out struct {
							CSRFToken string          `json:"csrf_token"`
							User      docketcard.User `json:"user"`
						}
						r.decode(t, 201, &out)
						csrf = out.CSRFToken
						for _, ck := range r.Cookies() {
							if ck.Name == "docketcard_session" {
								cookie = ck
							}
						}
						if cookie == nil || cookie.Value == "" || csrf == "" || out.User.Username != "enrollment.officer" {
							t.Fatalf("sign-in response: %s", r)
						}
						if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
							t.Errorf("session cookie attributes: %+v", cookie)
						}
						people = c.count(t, "people")
					}},
				{name: "me with the cookie", status: 200, req: withSession("GET", "/api/v1/me", nil, ""),
					check: func(t *testing.T, r apiReply) {
						var me struct {
							Username    string   `json:"username"`
							Via         string   `json:"authenticated_via"`
							Permissions []string `json:"permissions"`
						}
						r.decode(t, 200, &me)
						if me.Username != "enrollment.officer" || me.Via != "session" || !slices.Contains(me.Permissions, "person.write") || slices.Contains(me.Permissions, "user.write") {
							t.Errorf("me: %s", r)
						}
					}},
				{name: "POST without CSRF token", status: 403, code: docketcard.EFORBIDDEN, msg: "CSRF",
					req: withSession("POST", "/api/v1/people", samplePersonJSON("A500000001", "HOU"), "")},
				{name: "POST with wrong CSRF token", status: 403, code: docketcard.EFORBIDDEN, msg: "CSRF",
					req: withSession("POST", "/api/v1/people", samplePersonJSON("A500000001", "HOU"), "not-the-token")},
				{name: "nothing was written", status: 200, req: withSession("GET", "/api/v1/me", nil, ""),
					check: func(t *testing.T, r apiReply) {
						if n := c.count(t, "people"); n != people {
							t.Errorf("people: %d before, %d after requests without CSRF token", people, n)
						}
					}},
				{name: "POST with CSRF token", status: 201,
					req: func() apiCall {
						return withSession("POST", "/api/v1/people", samplePersonJSON("A500000001", "HOU"), csrfToken())()
					},
					check: func(t *testing.T, r apiReply) { r.decode(t, 201, &person) }},
				{name: "PATCH without CSRF token", status: 403, code: docketcard.EFORBIDDEN,
					req: func() apiCall {
						return withSession("PATCH", "/api/v1/people/"+person.ID, `{"version": 1, "sex": "X"}`, "")()
					}},
				{name: "PATCH with CSRF token", status: 200,
					req: func() apiCall {
						return withSession("PATCH", "/api/v1/people/"+person.ID, `{"version": 1, "sex": "X"}`, csrfToken())()
					},
					check: func(t *testing.T, r apiReply) {
						var got docketcard.Person
						r.decode(t, 200, &got)
						if got.Version != 2 || got.Sex != "X" {
							t.Errorf("patched: %s", r)
						}
					}},
				{name: "sign out without CSRF token", status: 403, code: docketcard.EFORBIDDEN,
					req: withSession("DELETE", "/api/v1/session", nil, "")},
				{name: "sign out", status: 204, req: func() apiCall { return withSession("DELETE", "/api/v1/session", nil, csrfToken())() }},
				{name: "cookie no longer works", status: 401, code: docketcard.EUNAUTHORIZED, req: withSession("GET", "/api/v1/me", nil, "")},
				{name: "unknown user", status: 401, code: docketcard.EUNAUTHORIZED, msg: "Invalid username or password",
					req: func() apiCall { return loginCall("nobody", testapp.Password) }},
				{name: "unknown field in sign-in", status: 400, code: docketcard.EINVALID,
					req: func() apiCall {
						return jsonCall("", "POST", "/api/v1/session", `{"username": "adjudicator", "password": "x", "remember": true}`)
					}},
			}
			for i := 1; i <= 5; i++ {
				steps = append(steps, apiStep{name: fmt.Sprintf("wrong password %d", i), status: 401, code: docketcard.EUNAUTHORIZED, msg: "Invalid username or password",
					req: func() apiCall { return loginCall("adjudicator", "not the password at all") }})
			}
			steps = append(steps,
				apiStep{name: "right password on a locked account", status: 423, code: docketcard.ELOCKED, msg: "locked",
					req: func() apiCall { return loginCall("adjudicator", testapp.Password) }},
				apiStep{name: "the lock shows on the user", status: 200, req: func() apiCall {
					return jsonCall(docketcard.RoleAdmin, "GET", "/api/v1/users/"+c.app.Users[docketcard.RoleAdjudicator].ID, nil)
				}, check: func(t *testing.T, r apiReply) {
					var u docketcard.User
					r.decode(t, 200, &u)
					if u.LockedUntil == nil {
						t.Errorf("user not locked: %s", r)
					}
				}},
				apiStep{name: "audit trail records the failures and the lock", status: 200, req: func() apiCall {
					return jsonCall(docketcard.RoleAuditor, "GET", "/api/v1/audit?limit=200&subject="+c.app.Users[docketcard.RoleAdjudicator].ID, nil)
				}, check: func(t *testing.T, r apiReply) {
					var page struct{ Items []docketcard.AuditEntry }
					r.decode(t, 200, &page)
					n := map[string]int{}
					for _, e := range page.Items {
						n[e.Action]++
						if e.Action == docketcard.ActionLocked && (e.ActorName != "adjudicator" || e.SubjectType != "user") {
							t.Errorf("locked entry: %+v", e)
						}
					}
					if n[docketcard.ActionLoginFailed] != 6 || n[docketcard.ActionLocked] != 1 || n[docketcard.ActionLogin] != 0 {
						t.Errorf("audit actions for the locked user: %v", n)
					}
				}},
				apiStep{name: "an admin unlocks, and sign-in works again", status: 200, req: func() apiCall {
					return jsonCall(docketcard.RoleAdmin, "PATCH", "/api/v1/users/"+c.app.Users[docketcard.RoleAdjudicator].ID, `{"version": 1, "unlock": true}`)
				}, check: func(t *testing.T, r apiReply) {
					var u docketcard.User
					r.decode(t, 200, &u)
					if u.LockedUntil != nil {
						t.Errorf("still locked: %s", r)
					}
					c.send(t, loginCall("adjudicator", testapp.Password)).decode(t, 201, nil)
				}},
			)
			c.runSteps(t, steps)
		})
	}
}

func TestAPIProblemDetails(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			for _, tc := range []struct {
				name   string
				req    apiCall
				status int
				code   string
			}{
				{"anonymous", apiCall{method: "GET", path: "/api/v1/people"}, 401, docketcard.EUNAUTHORIZED},
				{"unknown bearer token", apiCall{method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer dkt_nope"}}, 401, docketcard.EUNAUTHORIZED},
				{"basic auth", apiCall{method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": "Basic YWRtaW46YWRtaW4="}}, 401, docketcard.EUNAUTHORIZED},
				{"unknown session cookie", apiCall{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{{Name: "docketcard_session", Value: "forged"}}}, 401, docketcard.EUNAUTHORIZED},
				{"forbidden", apiCall{method: "GET", path: "/api/v1/people", role: docketcard.RoleAuditor}, 403, docketcard.EFORBIDDEN},
				{"unknown endpoint", apiCall{method: "GET", path: "/api/v1/nope", role: docketcard.RoleAdmin}, 404, docketcard.ENOTFOUND},
				{"method not allowed", apiCall{method: "DELETE", path: "/api/v1/people", role: docketcard.RoleAdmin}, 404, docketcard.ENOTFOUND},
				{"unknown user", apiCall{method: "GET", path: "/api/v1/users/nobody", role: docketcard.RoleAdmin}, 404, docketcard.ENOTFOUND},
				{"bad limit", apiCall{method: "GET", path: "/api/v1/people?limit=0", role: docketcard.RoleEnrollmentOfficer}, 400, docketcard.EINVALID},
				{"bad audit cursor", apiCall{method: "GET", path: "/api/v1/audit?cursor=x", role: docketcard.RoleAuditor}, 400, docketcard.EINVALID},
				{"cross-origin POST", apiCall{method: "POST", path: "/api/v1/people", role: docketcard.RoleEnrollmentOfficer, body: []byte("{}"), contentType: "application/json",
					header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}}, 403, docketcard.EFORBIDDEN},
			} {
				t.Run(tc.name, func(t *testing.T) {
					c.send(t, tc.req).problem(t, tc.status, tc.code)
				})
			}
			t.Run("request id is echoed", func(t *testing.T) {
				r := c.send(t, apiCall{method: "GET", path: "/api/v1/nope", header: map[string]string{"X-Request-Id": "abc-123"}})
				if p := r.problem(t, 404, docketcard.ENOTFOUND); p.RequestID != "abc-123" {
					t.Errorf("request_id %q", p.RequestID)
				}
			})
			t.Run("database down says nothing", func(t *testing.T) {
				// Close the store under a running server: every request
				// that needs the database fails inside.
				broken := newAPIClient(t, d)
				broken.app.DB.Close()
				for _, r := range []apiReply{
					broken.call(t, docketcard.RoleAdmin, "GET", "/api/v1/sites", nil),
					broken.call(t, "", "POST", "/api/v1/session", map[string]string{"username": "admin", "password": testapp.Password}),
				} {
					if r.StatusCode == http.StatusServiceUnavailable {
						r.problem(t, 503, docketcard.EUNAVAILABLE)
					} else if p := r.problem(t, 500, docketcard.EINTERNAL); p.Detail != "Internal error." {
						t.Errorf("detail %q", p.Detail)
					}
					for _, leak := range []string{"sql", "closed", "sqlite", "postgres", "pgx", "search_path"} {
						if strings.Contains(strings.ToLower(string(r.body)), leak) {
							t.Errorf("error body mentions %q: %s", leak, r.body)
						}
					}
				}
				r := broken.send(t, apiCall{method: "GET", path: "/readyz"})
				if r.StatusCode != 503 {
					t.Errorf("readyz on a closed database: %s", r)
				}
			})
			t.Run("integrity failures say nothing", func(t *testing.T) {
				// A document whose stored hash no longer matches its file
				// fails the blob store's integrity check: an internal error
				// whose message (naming the blob) is for the log only.
				p := c.createPerson(t, "A100000001", "HOU")
				body, ct := multipartDoc(map[string]string{"type": "I-862", "issued_on": "2026-01-15"}, "nta.pdf", samplePDF)
				var doc docketcard.Document
				c.send(t, apiCall{method: "POST", path: "/api/v1/people/" + p.ID + "/documents", role: docketcard.RoleEnrollmentOfficer, body: body, contentType: ct}).
					decode(t, http.StatusCreated, &doc)
				q := c.app.DB.Rebind("UPDATE blobs SET sha256 = ? WHERE id = (SELECT blob_id FROM documents WHERE id = ?)")
				if _, err := c.app.DB.SQL().Exec(q, strings.Repeat("0", 64), doc.ID); err != nil {
					t.Fatal(err)
				}
				r := c.call(t, docketcard.RoleEnrollmentOfficer, "GET", "/api/v1/documents/"+doc.ID+"/content", nil)
				p500 := r.problem(t, 500, docketcard.EINTERNAL)
				if p500.Detail != "Internal error." || len(p500.Errors) != 0 {
					t.Errorf("detail %q, errors %v", p500.Detail, p500.Errors)
				}
				for _, leak := range []string{"blob", "integrity", "SHA-256"} {
					if strings.Contains(string(r.body), leak) {
						t.Errorf("500 body mentions %q: %s", leak, r.body)
					}
				}
			})
		})
	}
}

func TestAPIAuditTrail(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			p := c.createPerson(t, "A100000001", "HOU")
			adjudicator := c.app.Users[docketcard.RoleAdjudicator]
			r := c.send(t, apiCall{method: "GET", path: "/api/v1/people/" + p.ID, role: docketcard.RoleAdjudicator,
				header: map[string]string{"Docketcard-Purpose": "master calendar hearing preparation", "X-Request-Id": "req-audit-1"}})
			r.decode(t, 200, nil)
			c.call(t, docketcard.RoleAdjudicator, "GET", "/api/v1/people/"+p.ID, nil).decode(t, 200, nil)

			var page struct {
				Items      []docketcard.AuditEntry `json:"items"`
				NextCursor string                  `json:"next_cursor"`
			}
			c.call(t, docketcard.RoleAuditor, "GET", "/api/v1/audit?subject="+p.ID, nil).decode(t, 200, &page)
			var reads []docketcard.AuditEntry
			for _, e := range page.Items {
				if e.SubjectID != p.ID {
					t.Errorf("filter by subject returned %+v", e)
				}
				if e.Action == docketcard.ActionRead {
					reads = append(reads, e)
				}
			}
			if len(page.Items) != 3 || page.Items[0].Action != docketcard.ActionCreate || len(reads) != 2 {
				t.Fatalf("audit of the person: %+v", page.Items)
			}
			for i, want := range []struct{ purpose, requestID string }{
				{"master calendar hearing preparation", "req-audit-1"},
				{"adjudication", ""}, // the role's default purpose
			} {
				e := reads[i]
				if e.ActorID != adjudicator.ID || e.ActorName != "adjudicator" || e.ActorRoles != "adjudicator" ||
					e.SubjectType != "person" || e.SiteCode != "HOU" || e.Purpose != want.purpose ||
					(want.requestID != "" && e.RequestID != want.requestID) || e.RequestID == "" || e.Hash == "" || e.Seq <= page.Items[0].Seq {
					t.Errorf("read entry %d: %+v", i, e)
				}
			}
			// The trail holds no personal data of the person.
			raw := c.call(t, docketcard.RoleAuditor, "GET", "/api/v1/audit?limit=200", nil)
			raw.decode(t, 200, nil)
			for _, pii := range []string{"A100000001", "PEÑA", "1988-02-29", "Travis"} {
				if strings.Contains(string(raw.body), pii) {
					t.Errorf("audit trail contains %q", pii)
				}
			}

			t.Run("filter by actor and page", func(t *testing.T) {
				var p1, p2 struct {
					Items      []docketcard.AuditEntry `json:"items"`
					NextCursor string                  `json:"next_cursor"`
				}
				c.call(t, docketcard.RoleAuditor, "GET", "/api/v1/audit?limit=1&actor="+adjudicator.ID, nil).decode(t, 200, &p1)
				if len(p1.Items) != 1 || p1.NextCursor == "" {
					t.Fatalf("page 1: %+v", p1)
				}
				c.call(t, docketcard.RoleAuditor, "GET", "/api/v1/audit?limit=1&actor="+adjudicator.ID+"&cursor="+p1.NextCursor, nil).decode(t, 200, &p2)
				if len(p2.Items) != 1 || p2.Items[0].Seq <= p1.Items[0].Seq || p2.Items[0].ActorID != adjudicator.ID {
					t.Fatalf("page 2: %+v", p2)
				}
			})
			t.Run("verify", func(t *testing.T) {
				var rep service.AuditReport
				c.call(t, docketcard.RoleAuditor, "POST", "/api/v1/audit/verify", nil).decode(t, 200, &rep)
				if !rep.OK || rep.Entries < 3 || rep.HeadSeq != rep.Entries || len(rep.HeadHash) != 64 || len(rep.Problems) != 0 {
					t.Errorf("verify: %+v", rep)
				}
				var after struct{ Items []docketcard.AuditEntry }
				c.call(t, docketcard.RoleAuditor, "GET", "/api/v1/audit?subject=chain", nil).decode(t, 200, &after)
				if len(after.Items) != 1 || after.Items[0].Action != docketcard.ActionVerifyAudit {
					t.Errorf("verification not audited: %+v", after.Items)
				}
			})
		})
	}
}

func TestAPIOperations(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			t.Run("healthz", func(t *testing.T) {
				var h map[string]string
				c.send(t, apiCall{method: "GET", path: "/healthz"}).decode(t, 200, &h)
				if h["status"] != "ok" || h["version"] != "test" {
					t.Errorf("healthz: %v", h)
				}
			})
			t.Run("readyz", func(t *testing.T) {
				var h struct {
					Status        string `json:"status"`
					Database      string `json:"database"`
					SchemaVersion *int   `json:"schema_version"`
				}
				c.send(t, apiCall{method: "GET", path: "/readyz"}).decode(t, 200, &h)
				if h.Status != "ready" || h.Database != d || h.SchemaVersion == nil || *h.SchemaVersion < 1 {
					t.Errorf("readyz: %+v", h)
				}
			})
			t.Run("metrics", func(t *testing.T) {
				c.call(t, docketcard.RoleAuditor, "GET", "/api/v1/people", nil) // a 403, counted
				r := c.send(t, apiCall{method: "GET", path: "/metrics"})
				if r.StatusCode != 200 {
					t.Fatalf("metrics: %s", r)
				}
				body := string(r.body)
				for _, want := range []string{
					"docketcard_http_requests_total",
					`docketcard_http_requests_total{code="200",method="GET",route="GET /healthz"} 1`,
					`docketcard_http_requests_total{code="403",method="GET",route="GET /api/v1/people"} 1`,
					"docketcard_http_request_duration_seconds_bucket",
				} {
					if !strings.Contains(body, want) {
						t.Errorf("metrics lack %q", want)
					}
				}
				if strings.Contains(body, "/api/v1/people/") {
					t.Errorf("metrics carry a concrete path")
				}
				// Requests for the metrics themselves are counted under
				// their route, not as unmatched.
				c.send(t, apiCall{method: "GET", path: "/static/site.css"})
				body = string(c.send(t, apiCall{method: "GET", path: "/metrics"}).body)
				for _, want := range []string{
					`docketcard_http_requests_total{code="200",method="GET",route="GET /metrics"} 1`,
					`docketcard_http_requests_total{code="200",method="GET",route="GET /static/"} 1`,
				} {
					if !strings.Contains(body, want) {
						t.Errorf("metrics lack %q", want)
					}
				}
			})
			t.Run("security headers", func(t *testing.T) {
				r := c.call(t, docketcard.RoleAdmin, "GET", "/api/v1/sites", nil)
				for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
					if got := r.Header.Get(h); got != want {
						t.Errorf("%s: %q, want %q", h, got, want)
					}
				}
				if r.Header.Get("X-Request-Id") == "" {
					t.Errorf("no X-Request-Id")
				}
			})
		})
	}
}

// TestAPISignInRateLimit: one client address gets a limited number of
// sign-in attempts across all accounts, then 429 with Retry-After.
func TestAPISignInRateLimit(t *testing.T) {
	app := testapp.New(t, "sqlite")
	var last *http.Response
	for i := 0; i < 21; i++ {
		last = app.JSON(t, "", "POST", "/api/v1/session", `{"username":"nobody`+strconv.Itoa(i)+`","password":"wrong password here"}`)
		last.Body.Close()
		if i < 20 && last.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, last.StatusCode)
		}
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("attempt 21: %d Retry-After=%q", last.StatusCode, last.Header.Get("Retry-After"))
	}
}
