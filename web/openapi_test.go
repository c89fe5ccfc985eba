package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/provider"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/web"
)

// The OpenAPI document is checked three ways: on its own (structure,
// references, every schema compiles), against the routes the server
// registers, and against real responses of a real server on each
// dialect, which must have a documented status and media type and whose
// JSON bodies must validate against the documented schema.

// oaURL is the base URI under which the document is compiled, so
// that its internal "#/components/..." references resolve.
const oaURL = "https://docketcard.test/openapi.json"

// oaDoc is the parsed OpenAPI document with a schema compiler.
type oaDoc struct {
	raw      []byte
	root     map[string]any
	compiler *jsonschema.Compiler

	mu      sync.Mutex
	schemas map[string]*jsonschema.Schema
	seen    map[string]map[int]bool // "GET /api/v1/people" → statuses observed
}

func loadOpenAPIDoc(t testing.TB) *oaDoc {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(oaURL, v); err != nil {
		t.Fatalf("add openapi.json as a schema resource: %v", err)
	}
	return &oaDoc{raw: raw, root: root, compiler: c, schemas: map[string]*jsonschema.Schema{}, seen: map[string]map[int]bool{}}
}

// oaEsc escapes one JSON pointer token.
func oaEsc(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// ptr builds a JSON pointer from unescaped tokens.
func oaPtr(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/" + oaEsc(t))
	}
	return b.String()
}

// schema compiles (once) the schema at a JSON pointer into the document.
func (d *oaDoc) schema(t testing.TB, pointer string) *jsonschema.Schema {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.schemas[pointer]; ok {
		return s
	}
	s, err := d.compiler.Compile(oaURL + "#" + pointer)
	if err != nil {
		t.Fatalf("compile schema %s: %v", pointer, err)
	}
	d.schemas[pointer] = s
	return s
}

// lookup returns the node at a JSON pointer, or nil.
func (d *oaDoc) lookup(pointer string) any {
	var cur any = d.root
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		if pointer == "" {
			break
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			if a, ok := cur.([]any); ok {
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(a) {
					return nil
				}
				cur = a[i]
				continue
			}
			return nil
		}
		if cur, ok = m[tok]; !ok {
			return nil
		}
	}
	return cur
}

// deref follows an OpenAPI reference object ({"$ref": "#/..."}) and
// returns the object and the pointer at which it lives.
func (d *oaDoc) deref(node any, at string) (map[string]any, string) {
	for range 10 {
		m, _ := node.(map[string]any)
		r, ok := m["$ref"].(string)
		if !ok {
			return m, at
		}
		at = strings.TrimPrefix(r, "#")
		node = d.lookup(at)
	}
	return nil, at
}

var oaMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

func (d *oaDoc) paths() map[string]any {
	p, _ := d.root["paths"].(map[string]any)
	return p
}

// operations lists "METHOD /template" for every documented operation.
func (d *oaDoc) operations() []string {
	var out []string
	for tmpl, item := range d.paths() {
		for _, m := range oaMethods {
			if _, ok := item.(map[string]any)[m]; ok {
				out = append(out, strings.ToUpper(m)+" "+tmpl)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (d *oaDoc) operation(method, tmpl string) map[string]any {
	item, _ := d.paths()[tmpl].(map[string]any)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	return op
}

// match returns the path template of the document that serves method and
// path, preferring literal segments over parameters (as http.ServeMux
// does), or "" if none does.
func (d *oaDoc) match(method, path string) string {
	segs := strings.Split(path, "/")
	best, bestLit := "", -1
	for tmpl := range d.paths() {
		if d.operation(method, tmpl) == nil {
			continue
		}
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		lit, ok := 0, true
		for i, s := range ts {
			switch {
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
				ok = ok && segs[i] != ""
			case s == segs[i]:
				lit++
			default:
				ok = false
			}
		}
		if ok && lit > bestLit {
			best, bestLit = tmpl, lit
		}
	}
	return best
}

func (d *oaDoc) record(method, tmpl string, status int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := method + " " + tmpl
	if d.seen[k] == nil {
		d.seen[k] = map[int]bool{}
	}
	d.seen[k][status] = true
}

func oaIsJSON(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// oaMediaTypeKey returns the key of content that describes mt: the exact
// media type, else a "type/*" range, else "*/*".
func oaMediaTypeKey(content map[string]any, mt string) string {
	if _, ok := content[mt]; ok {
		return mt
	}
	if i := strings.IndexByte(mt, '/'); i > 0 {
		if _, ok := content[mt[:i]+"/*"]; ok {
			return mt[:i] + "/*"
		}
	}
	if _, ok := content["*/*"]; ok {
		return "*/*"
	}
	return ""
}

func oaShorten(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// checkResponse reads and closes res's body and checks the response
// against the operation method+pathTemplate of doc: the status must be
// documented, required headers present and valid, the Content-Type one
// of the documented media types, and a JSON body valid against the
// documented schema (problem bodies must also repeat the status and the
// X-Request-Id). It returns the body.
func checkResponse(t testing.TB, doc *oaDoc, method, pathTemplate string, res *http.Response) []byte {
	t.Helper()
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, pathTemplate, err)
	}
	where := fmt.Sprintf("%s %s → %d", method, pathTemplate, res.StatusCode)
	op := doc.operation(method, pathTemplate)
	if op == nil {
		t.Errorf("%s: the operation is not documented", where)
		return body
	}
	doc.record(method, pathTemplate, res.StatusCode)
	code := strconv.Itoa(res.StatusCode)
	responses, _ := op["responses"].(map[string]any)
	respNode, ok := responses[code]
	if !ok {
		t.Errorf("%s: status %d is not documented for this operation (body: %s)", where, res.StatusCode, oaShorten(body))
		return body
	}
	resp, respPtr := doc.deref(respNode, oaPtr("paths", pathTemplate, strings.ToLower(method), "responses", code))
	if resp == nil {
		t.Fatalf("%s: unresolvable response reference", where)
	}

	headers, _ := resp["headers"].(map[string]any)
	for name, h := range headers {
		hdr, hdrPtr := doc.deref(h, respPtr+oaPtr("headers", name))
		val := res.Header.Get(name)
		if val == "" {
			if req, _ := hdr["required"].(bool); req {
				t.Errorf("%s: required header %s is missing", where, name)
			}
			continue
		}
		if _, ok := hdr["schema"]; ok {
			if err := doc.schema(t, hdrPtr+"/schema").Validate(val); err != nil {
				t.Errorf("%s: header %s: %q does not match its schema: %v", where, name, val, err)
			}
		}
	}

	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) != 0 {
			t.Errorf("%s: documented without content, but the body is %q", where, oaShorten(body))
		}
		return body
	}
	ct := res.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Errorf("%s: bad Content-Type %q: %v", where, ct, err)
		return body
	}
	key := oaMediaTypeKey(content, mt)
	if key == "" {
		t.Errorf("%s: Content-Type %q is not documented (documented: %v)", where, ct, slices.Sorted(oaKeys(content)))
		return body
	}
	mtObj, _ := content[key].(map[string]any)
	if !oaIsJSON(mt) {
		if len(body) == 0 {
			t.Errorf("%s: empty %s body", where, mt)
		}
		return body
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s: the %s body is not JSON: %v\n%s", where, mt, err, oaShorten(body))
		return body
	}
	if _, ok := mtObj["schema"]; ok {
		if err := doc.schema(t, respPtr+oaPtr("content", key, "schema")).Validate(v); err != nil {
			t.Errorf("%s: the body does not match the documented schema: %v\nbody: %s", where, err, oaShorten(body))
		}
	}
	if mt == "application/problem+json" {
		oaCheckProblem(t, where, res, body)
	}
	return body
}

// oaCheckProblem checks what a schema cannot: that a problem repeats the
// response's status and request ID, and that its code fits its status.
func oaCheckProblem(t testing.TB, where string, res *http.Response, body []byte) {
	t.Helper()
	var p web.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Errorf("%s: problem: %v", where, err)
		return
	}
	if p.Status != res.StatusCode {
		t.Errorf("%s: problem status is %d", where, p.Status)
	}
	// The provider callback's receiver (package provider) writes the
	// protocol's problems, which have no request_id; the header is there.
	if id := res.Header.Get("X-Request-Id"); p.RequestID != id && !(p.RequestID == "" && strings.HasPrefix(where, oaProviderCallback+" ")) {
		t.Errorf("%s: problem request_id %q, X-Request-Id header %q", where, p.RequestID, id)
	}
	if p.Type != "urn:docketcard:problem:"+p.Code {
		t.Errorf("%s: problem type %q does not name code %q", where, p.Type, p.Code)
	}
	want := map[int]string{400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
		413: "too_large", 415: "unsupported", 423: "locked", 429: "rate_limited", 500: "internal", 503: "unavailable"}
	if w, ok := want[res.StatusCode]; ok && p.Code != w {
		t.Errorf("%s: problem code %q, want %q", where, p.Code, w)
	}
}

func oaKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestOpenAPIDocument checks the document on its own: version, unique
// operation IDs, summaries, tags, resolvable references, path parameters,
// closed JSON request schemas, problem responses, and that every schema
// compiles as JSON Schema 2020-12.
func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPIDoc(t)
	if v := doc.root["openapi"]; v != "3.1.0" {
		t.Errorf("openapi is %v, want 3.1.0", v)
	}
	for i, line := range strings.Split(string(doc.raw), "\n") {
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		if strings.Contains(line[:indent], "\t") || indent%2 != 0 {
			t.Errorf("openapi.json:%d: indent with two spaces", i+1)
		}
	}

	// Every reference resolves.
	var walk func(node any, at string)
	walk = func(node any, at string) {
		switch n := node.(type) {
		case map[string]any:
			if r, ok := n["$ref"].(string); ok {
				if !strings.HasPrefix(r, "#/") || doc.lookup(strings.TrimPrefix(r, "#")) == nil {
					t.Errorf("%s: $ref %q does not resolve", at, r)
				}
			}
			for k, v := range n {
				walk(v, at+oaPtr(k))
			}
		case []any:
			for i, v := range n {
				walk(v, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc.root, "")

	// Every component schema compiles (with format assertions on).
	comps, _ := doc.root["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	for name := range schemas {
		doc.schema(t, oaPtr("components", "schemas", name))
	}
	secSchemes, _ := comps["securitySchemes"].(map[string]any)

	tags := map[string]bool{}
	for _, tg := range doc.root["tags"].([]any) {
		tags[tg.(map[string]any)["name"].(string)] = true
	}
	ids := map[string]string{}
	paramRE := regexp.MustCompile(`\{([^}]+)\}`)
	for _, key := range doc.operations() {
		method, tmpl, _ := strings.Cut(key, " ")
		op := doc.operation(method, tmpl)
		at := oaPtr("paths", tmpl, strings.ToLower(method))
		id, _ := op["operationId"].(string)
		if id == "" {
			t.Errorf("%s: no operationId", key)
		} else if prev, dup := ids[id]; dup {
			t.Errorf("%s: operationId %s is also used by %s", key, id, prev)
		}
		ids[id] = key
		if s, _ := op["summary"].(string); s == "" {
			t.Errorf("%s: no summary", key)
		}
		opTags, _ := op["tags"].([]any)
		if len(opTags) == 0 {
			t.Errorf("%s: no tags", key)
		}
		for _, tg := range opTags {
			if !tags[tg.(string)] {
				t.Errorf("%s: tag %v is not declared", key, tg)
			}
		}
		if sec, ok := op["security"].([]any); !ok {
			t.Errorf("%s: no security requirement (use [] for none)", key)
		} else {
			for _, req := range sec {
				for name := range req.(map[string]any) {
					if _, ok := secSchemes[name]; !ok {
						t.Errorf("%s: security scheme %s is not defined", key, name)
					}
				}
			}
		}

		// Path parameters match the template exactly.
		want := map[string]bool{}
		for _, m := range paramRE.FindAllStringSubmatch(tmpl, -1) {
			want[m[1]] = true
		}
		got := map[string]bool{}
		params, _ := op["parameters"].([]any)
		for i, p := range params {
			pm, _ := doc.deref(p, at+"/parameters/"+strconv.Itoa(i))
			if pm["in"] == "path" {
				got[pm["name"].(string)] = true
				if pm["required"] != true {
					t.Errorf("%s: path parameter %v must be required", key, pm["name"])
				}
			}
			if _, pp := doc.deref(p, at+"/parameters/"+strconv.Itoa(i)); true {
				doc.schema(t, pp+"/schema")
			}
		}
		for n := range want {
			if !got[n] {
				t.Errorf("%s: path parameter {%s} is not described", key, n)
			}
		}
		for n := range got {
			if !want[n] {
				t.Errorf("%s: path parameter %s is not in the path", key, n)
			}
		}

		// JSON request bodies are closed objects.
		if rb, ok := op["requestBody"]; ok {
			body, bodyPtr := doc.deref(rb, at+"/requestBody")
			content, _ := body["content"].(map[string]any)
			if len(content) == 0 {
				t.Errorf("%s: request body without content", key)
			}
			if mtObj, ok := content["application/json"].(map[string]any); ok {
				sch, _ := doc.deref(mtObj["schema"], bodyPtr+oaPtr("content", "application/json", "schema"))
				switch {
				case key == oaProviderCallback:
					// The provider protocol has receivers ignore members
					// they do not know: the result schema is open.
					if sch["type"] != "object" || sch["additionalProperties"] == false {
						t.Errorf("%s: the provider result schema must be an open object", key)
					}
				case sch["type"] != "object" || sch["additionalProperties"] != false:
					t.Errorf("%s: JSON request schema must be an object with additionalProperties false", key)
				}
				doc.schema(t, bodyPtr+oaPtr("content", "application/json", "schema"))
			}
		}

		// Responses: problem responses of the API are RFC 9457 problems.
		responses, _ := op["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s: no responses", key)
		}
		for code, r := range responses {
			n, err := strconv.Atoi(code)
			if err != nil || n < 100 || n > 599 {
				t.Errorf("%s: response %q is not a status code (no default responses: every status is listed)", key, code)
				continue
			}
			resp, rp := doc.deref(r, at+oaPtr("responses", code))
			if resp == nil {
				continue
			}
			if d, _ := resp["description"].(string); d == "" {
				t.Errorf("%s %s: no description", key, code)
			}
			content, _ := resp["content"].(map[string]any)
			for mt, m := range content {
				if _, ok := m.(map[string]any)["schema"]; ok {
					doc.schema(t, rp+oaPtr("content", mt, "schema"))
				}
			}
			if n >= 400 && strings.HasPrefix(tmpl, "/api/") {
				pj, _ := content["application/problem+json"].(map[string]any)
				if len(content) != 1 || pj == nil {
					t.Errorf("%s %s: API errors are application/problem+json only", key, code)
				} else if s, _ := pj["schema"].(map[string]any); s["$ref"] != "#/components/schemas/Problem" {
					t.Errorf("%s %s: the problem schema must be #/components/schemas/Problem", key, code)
				}
			}
		}
	}
}

// oaRegisteredRoutes parses the patterns registered in routes.go, without
// the static files, the HTML pages and the /api/ catch-all.
func oaRegisteredRoutes(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`s\.(?:handle|mux\.Handle)\("([A-Z]+) (/[^"]*)"`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		method, path := m[1], m[2]
		switch {
		case strings.HasPrefix(path, "/static/"), path == "/{$}", path == "/login", path == "/logout":
			continue
		}
		out = append(out, method+" "+path)
	}
	if len(out) < 40 {
		t.Fatalf("found only %d routes in routes.go; has the registration syntax changed?", len(out))
	}
	slices.Sort(out)
	return out
}

// TestOpenAPIRoutes checks that the document describes exactly the
// routes the server registers.
func TestOpenAPIRoutes(t *testing.T) {
	doc := loadOpenAPIDoc(t)
	routes := oaRegisteredRoutes(t)
	documented := doc.operations()
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is registered in routes.go but not documented in openapi.json", r)
		}
	}
	for _, o := range documented {
		if !slices.Contains(routes, o) {
			t.Errorf("operation %s is documented in openapi.json but not registered in routes.go", o)
		}
	}
}

// TestOpenAPIServedDocument checks that the embedded document is the file.
func TestOpenAPIServedDocument(t *testing.T) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(web.OpenAPI(), raw) {
		t.Error("web.OpenAPI() differs from openapi.json")
	}
}

// TestOpenAPIConformance drives a real server on each dialect through
// every documented operation, on success and error paths, and checks each
// response against the document.
func TestOpenAPIConformance(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := testapp.New(t, d, testapp.Options{Service: func(c *service.Config) {
				c.PhotoLimits.MaxBytes = 256 << 10 // so that an oversized photo is cheap to send
			}, Watchlists: testapp.SampleWatchlists(t), ProviderCallback: oaCallbackReceiver(t)})
			c := &oaClient{t: t, doc: loadOpenAPIDoc(t), app: app, base: app.Server.URL}
			if oaScenario(t, c) {
				c.checkCoverage()
			} else {
				t.Log("some steps did not run (-run filter): operation coverage not checked")
			}
		})
	}
}

// oaProviderCallback is the operation at which external providers
// deliver results.
const oaProviderCallback = "POST /api/v1/provider-callbacks"

// oaCallbackSecret is the HMAC secret shared with the test's provider.
var oaCallbackSecret = []byte("conformance-provider-secret-0001")

// oaCallbackReceiver is the receiver the server mounts when an external
// provider is configured (see app/providers.go), recording into nothing:
// it accepts every verified result but those whose provider_ref starts
// with "fail-", which it fails to record.
func oaCallbackReceiver(t testing.TB) http.Handler {
	t.Helper()
	pc, err := provider.New(provider.Config{BaseURL: "http://127.0.0.1:9", Token: "unused"})
	if err != nil {
		t.Fatal(err)
	}
	return pc.CallbackHandler(oaCallbackSecret, func(ctx context.Context, res *provider.Result) error {
		if strings.HasPrefix(res.ProviderRef, "fail-") {
			return errors.New("test: recording failed")
		}
		return nil
	})
}

// oaClient sends requests to a test app and checks every response.
type oaClient struct {
	t    *testing.T
	doc  *oaDoc
	app  *testapp.App
	base string
}

// oaReq is one request.
type oaReq struct {
	method, path string
	role         docketcard.Role // bearer token of this role's fixture user
	bearer       string          // an explicit Authorization header value
	session      *oaSession      // session cookie (and CSRF token unless noCSRF)
	noCSRF       bool
	lenient      bool // the body uses forms the server normalises but the document does not list
	contentType  string
	body         []byte
	header       map[string]string
	base         string // another server (default: the app's)
}

type oaSession struct{ cookie, csrf string }

// do sends r, checks the response against the document and that its
// status is want, and returns the response (body consumed) and body. A
// JSON request that succeeds must also match the documented request
// schema.
func (c *oaClient) do(r oaReq, want int) (*http.Response, []byte) {
	c.t.Helper()
	base := r.base
	if base == "" {
		base = c.base
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, base+r.path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	switch {
	case r.bearer != "":
		req.Header.Set("Authorization", r.bearer)
	case r.role != "":
		req.Header.Set("Authorization", "Bearer "+c.app.Tokens[r.role])
	}
	if r.session != nil {
		req.AddCookie(&http.Cookie{Name: "docketcard_session", Value: r.session.cookie})
		if !r.noCSRF {
			req.Header.Set("X-CSRF-Token", r.session.csrf)
		}
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	res, err := c.app.Server.Client().Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	tmpl := c.doc.match(r.method, req.URL.Path)
	if tmpl == "" {
		c.t.Fatalf("%s %s: no documented operation serves this request", r.method, r.path)
	}
	b := checkResponse(c.t, c.doc, r.method, tmpl, res)
	if res.StatusCode != want {
		c.t.Errorf("%s %s: status %d, want %d\n%s", r.method, r.path, res.StatusCode, want, oaShorten(b))
	}
	if res.StatusCode/100 == 2 && r.body != nil && strings.HasPrefix(r.contentType, "application/json") && !r.lenient {
		c.checkRequestBody(r.method, tmpl, r.body)
	}
	return res, b
}

// checkRequestBody validates a JSON request body the server accepted
// against the operation's documented request schema.
func (c *oaClient) checkRequestBody(method, tmpl string, body []byte) {
	c.t.Helper()
	op := c.doc.operation(method, tmpl)
	rb, ok := op["requestBody"]
	if !ok {
		c.t.Errorf("%s %s: accepted a JSON body but documents none", method, tmpl)
		return
	}
	_, at := c.doc.deref(rb, oaPtr("paths", tmpl, strings.ToLower(method), "requestBody"))
	if c.doc.lookup(at+oaPtr("content", "application/json", "schema")) == nil {
		c.t.Errorf("%s %s: accepted a JSON body but documents no JSON request schema", method, tmpl)
		return
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		c.t.Fatalf("test request body is not JSON: %v", err)
	}
	if err := c.doc.schema(c.t, at+oaPtr("content", "application/json", "schema")).Validate(v); err != nil {
		c.t.Errorf("%s %s: the server accepted a request body that the documented schema rejects: %v\n%s", method, tmpl, err, body)
	}
}

// json sends a JSON body (none if body is "") as role and decodes the
// response into a map.
func (c *oaClient) json(role docketcard.Role, method, path, body string, want int) map[string]any {
	c.t.Helper()
	r := oaReq{method: method, path: path, role: role}
	if body != "" {
		r.body, r.contentType = []byte(body), "application/json"
	}
	_, b := c.do(r, want)
	return oaDecode(c.t, b)
}

func oaDecode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if len(b) > 0 && (b[0] == '{') {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("decode %s: %v", oaShorten(b), err)
		}
	}
	return m
}

// checkCoverage requires a successful response from every documented
// operation and logs the documented statuses that were not produced.
func (c *oaClient) checkCoverage() {
	c.t.Helper()
	var untested []string
	for _, key := range c.doc.operations() {
		method, tmpl, _ := strings.Cut(key, " ")
		seen := c.doc.seen[key]
		ok := false
		for s := range seen {
			ok = ok || s/100 == 2
		}
		if !ok {
			c.t.Errorf("%s: no successful response was checked", key)
		}
		responses, _ := c.doc.operation(method, tmpl)["responses"].(map[string]any)
		var missing []string
		for code := range responses {
			n, _ := strconv.Atoi(code)
			if !seen[n] {
				missing = append(missing, code)
			}
		}
		if len(missing) > 0 {
			slices.Sort(missing)
			untested = append(untested, key+": "+strings.Join(missing, " "))
		}
	}
	c.t.Logf("documented statuses not produced by this test:\n  %s", strings.Join(untested, "\n  "))
}

// str digs a string out of a decoded JSON object.
func oaStr(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func oaNum(m map[string]any, key string) int {
	f, _ := m[key].(float64)
	return int(f)
}

const oaMissingID = "01900000-0000-7000-8000-000000000000"

func oaPNG(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 5), uint8(y * 3), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// oaMultipart builds a document upload; file is omitted when nil.
func oaMultipart(t testing.TB, fields map[string]string, filename string, file []byte) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, k := range slices.Sorted(oaKeys(fields)) {
		w.WriteField(k, fields[k])
	}
	if file != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
		h.Set("Content-Type", "application/octet-stream")
		fw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

func oaPersonJSON(anum, site string, extra map[string]any) string {
	m := map[string]any{
		"a_number": anum, "family_names": "PEÑA DE LA CRUZ", "given_names": "José Ángel", "date_of_birth": "1988-02-29",
		"sex": "M", "country_of_citizenship": "HND", "country_of_birth": "HND", "preferred_language": "es",
		"mailing_address": map[string]any{"street1": "1200 Travis St", "city": "Houston", "state": "TX", "zip": "77002"},
		"phone":           "+1 713 555 0100", "site_code": site,
	}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

const (
	oaOfficer  = docketcard.RoleEnrollmentOfficer
	oaAdjud    = docketcard.RoleAdjudicator
	oaAdmin    = docketcard.RoleAdmin
	oaAuditor  = docketcard.RoleAuditor
	oaVerifier = docketcard.RoleFieldVerifier
	oaPrinter  = docketcard.RolePrintOperator
	oaManager  = docketcard.RoleProgramManager
	oaRelying  = docketcard.RoleRelyingParty
)

// oaScenario runs the steps in order (later steps use records made by
// earlier ones) and reports whether every step ran.
func oaScenario(t *testing.T, c *oaClient) (all bool) {
	ctx := context.Background()
	steps, ran := 0, 0
	step := func(name string, f func(t *testing.T)) {
		steps++
		t.Run(name, func(t *testing.T) {
			ran++
			f(t)
		})
	}
	defer func() { all = ran == steps }()
	officerID := c.app.Users[oaOfficer].ID
	adminID := c.app.Users[oaAdmin].ID

	step("operations", func(t *testing.T) {
		c := c.with(t)
		c.do(oaReq{method: "GET", path: "/healthz"}, 200)
		c.do(oaReq{method: "GET", path: "/healthz", bearer: "Basic dXNlcjpwdw=="}, 401)
		c.do(oaReq{method: "GET", path: "/readyz"}, 200)
		c.do(oaReq{method: "GET", path: "/readyz", bearer: "Bearer dkt_nope"}, 401)
		c.do(oaReq{method: "GET", path: "/metrics"}, 200)
		c.do(oaReq{method: "GET", path: "/metrics", bearer: "Bearer dkt_nope"}, 401)
		_, b := c.do(oaReq{method: "GET", path: "/api/v1/openapi.json"}, 200)
		if !bytes.Equal(b, c.doc.raw) {
			t.Error("GET /api/v1/openapi.json does not serve the bytes of openapi.json")
		}
		c.do(oaReq{method: "GET", path: "/api/v1/openapi.json", bearer: "Bearer dkt_nope"}, 401)

		// Unknown API paths and unsupported methods give a 404 problem.
		for _, mp := range [][2]string{{"GET", "/api/v1/nope"}, {"DELETE", "/api/v1/sites"}, {"PUT", "/api/v1/people"}} {
			req, _ := http.NewRequest(mp[0], c.base+mp[1], nil)
			res, err := c.app.Server.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if res.StatusCode != 404 || res.Header.Get("Content-Type") != "application/problem+json" || err != nil {
				t.Errorf("%s %s: %d %s, want a 404 problem", mp[0], mp[1], res.StatusCode, res.Header.Get("Content-Type"))
				continue
			}
			if err := c.doc.schema(t, "/components/schemas/Problem").Validate(v); err != nil {
				t.Errorf("%s %s: %v", mp[0], mp[1], err)
			}
		}
	})

	step("database down", func(t *testing.T) {
		// A server whose database is gone is not ready, and fails requests
		// that need the database.
		c := c.with(t)
		db := testdb.Open(t, c.app.DB.Dialect())
		cfg := service.DefaultConfig()
		cfg.Password = service.TestPasswordParams
		srv, err := web.New(service.New(db, c.app.Blobs, nil, cfg, nil), slog.New(slog.DiscardHandler), web.Options{Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		down := httptest.NewServer(srv.Handler())
		defer down.Close()
		db.Close()
		c.do(oaReq{base: down.URL, method: "GET", path: "/readyz"}, 503)
		c.do(oaReq{base: down.URL, method: "GET", path: "/healthz"}, 200)
		c.do(oaReq{base: down.URL, method: "GET", path: "/api/v1/a-numbers/A012345678", role: oaOfficer}, 503)
		c.do(oaReq{base: down.URL, method: "GET", path: "/api/v1/me", role: oaOfficer}, 503)
		// This server has no card keys either: nothing to publish.
		c.do(oaReq{base: down.URL, method: "GET", path: "/api/v1/trust-list"}, 503)
		c.do(oaReq{base: down.URL, method: "GET", path: "/api/v1/root.pem"}, 503)
		c.do(oaReq{base: down.URL, method: "GET", path: "/api/v1/status-list"}, 503)
		c.do(oaReq{base: down.URL, method: "GET", path: "/api/v1/verifier-bundle"}, 503)
	})

	step("anonymous", func(t *testing.T) {
		// Every API operation but sign-in and the public downloads refuses
		// anonymous requests.
		c := c.with(t)
		fill := strings.NewReplacer("{code}", "HOU", "{anumber}", "A012345678", "{id}", oaMissingID, "{token}", oaMissingID)
		public := []string{"GET /api/v1/openapi.json", "POST /api/v1/session", "GET /api/v1/trust-list", "GET /api/v1/root.pem", "GET /api/v1/status-list",
			"GET /api/v1/verifier-bundle",
			oaProviderCallback} // authenticated by its signature (step "provider callback")
		for _, key := range c.doc.operations() {
			method, tmpl, _ := strings.Cut(key, " ")
			if !strings.HasPrefix(tmpl, "/api/v1/") {
				continue
			}
			if sec, _ := c.doc.operation(method, tmpl)["security"].([]any); (len(sec) == 0) != slices.Contains(public, key) {
				t.Errorf("%s: documented with security %v, but public is %v", key, sec, slices.Contains(public, key))
			}
			if slices.Contains(public, key) {
				continue
			}
			c.do(oaReq{method: method, path: fill.Replace(tmpl), contentType: "application/json", body: []byte("{}")}, 401)
		}
		c.do(oaReq{method: "GET", path: "/api/v1/me", bearer: "Bearer dkt_not-a-token"}, 401)
		c.do(oaReq{method: "GET", path: "/api/v1/me", bearer: "Token abc"}, 401)
	})

	step("request bodies", func(t *testing.T) {
		// Every JSON body is decoded before anything else is checked: a
		// wrong media type, an unknown field and an oversized body are
		// refused the same way on every operation that takes one.
		c := c.with(t)
		fill := strings.NewReplacer("{code}", "HOU", "{anumber}", "A012345678", "{id}", oaMissingID, "{token}", oaMissingID)
		huge := []byte(`{"name":"` + strings.Repeat("x", web.MaxJSONBytes) + `"}`)
		n := 0
		for _, key := range c.doc.operations() {
			method, tmpl, _ := strings.Cut(key, " ")
			rb, _ := c.doc.operation(method, tmpl)["requestBody"].(map[string]any)
			if content, _ := rb["content"].(map[string]any); content["application/json"] == nil {
				continue
			}
			if key == oaProviderCallback {
				continue // checks its signature first: step "provider callback"
			}
			n++
			path := fill.Replace(tmpl)
			// A header the operation requires (a replacement's
			// Idempotency-Key) is sent, so that the body is what is refused.
			hdr := map[string]string{}
			params, _ := c.doc.operation(method, tmpl)["parameters"].([]any)
			for i, p := range params {
				pm, _ := c.doc.deref(p, oaPtr("paths", tmpl, strings.ToLower(method), "parameters", strconv.Itoa(i)))
				if pm["in"] == "header" && pm["required"] == true && pm["name"] == "Idempotency-Key" {
					hdr["Idempotency-Key"] = "conformance-bodies-1"
				}
			}
			c.do(oaReq{method: method, path: path, role: oaAuditor, header: hdr, contentType: "text/plain", body: []byte(`{}`)}, 415)
			if required, _ := rb["required"].(bool); required {
				c.do(oaReq{method: method, path: path, role: oaAuditor, header: hdr}, 415)
			}
			c.do(oaReq{method: method, path: path, role: oaAuditor, header: hdr, contentType: "application/json", body: []byte(`{"no_such_field":1}`)}, 400)
			c.do(oaReq{method: method, path: path, role: oaAuditor, header: hdr, contentType: "application/json", body: []byte(`[1,2]`)}, 400)
			c.do(oaReq{method: method, path: path, role: oaAuditor, header: hdr, contentType: "application/json", body: huge}, 413)
		}
		if n < 14 {
			t.Errorf("only %d operations take JSON bodies", n)
		}
	})

	step("session", func(t *testing.T) {
		c := c.with(t)
		me := c.json(oaOfficer, "GET", "/api/v1/me", "", 200)
		if oaStr(me, "authenticated_via") != "token" || oaStr(me, "id") != officerID {
			t.Errorf("GET /api/v1/me: %v", me)
		}
		login := func(user, pw string, want int) *oaSession {
			body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
			res, b := c.do(oaReq{method: "POST", path: "/api/v1/session", contentType: "application/json", body: body}, want)
			if want != 201 {
				return nil
			}
			for _, ck := range res.Cookies() {
				if ck.Name == "docketcard_session" {
					return &oaSession{cookie: ck.Value, csrf: oaStr(oaDecode(t, b), "csrf_token")}
				}
			}
			t.Fatal("no session cookie")
			return nil
		}
		s := login("enrollment.officer", testapp.Password, 201)
		login("enrollment.officer", "wrong password!", 401)
		login("nobody.at.all", "wrong password!", 401)
		c.do(oaReq{method: "POST", path: "/api/v1/session", contentType: "application/json", body: []byte(`{"username":`)}, 400)
		c.do(oaReq{method: "POST", path: "/api/v1/session", contentType: "application/json", body: []byte(`{"username":"a","password":"b","otp":1}`)}, 400)
		c.do(oaReq{method: "POST", path: "/api/v1/session", contentType: "text/plain", body: []byte(`{}`)}, 415)
		c.do(oaReq{method: "POST", path: "/api/v1/session", contentType: "application/json",
			body: []byte(`{"username":"` + strings.Repeat("a", web.MaxJSONBytes) + `"}`)}, 413)
		// Five failures lock the account; then even the right password is refused.
		for range 5 {
			login("field.verifier", "wrong password!", 401)
		}
		login("field.verifier", testapp.Password, 423)
		c.do(oaReq{method: "POST", path: "/api/v1/session", session: s, noCSRF: true, contentType: "application/json",
			body: []byte(`{"username":"enrollment.officer","password":"x"}`)}, 403)

		_, b := c.do(oaReq{method: "GET", path: "/api/v1/me", session: s}, 200)
		if m := oaDecode(t, b); oaStr(m, "authenticated_via") != "session" {
			t.Errorf("GET /api/v1/me with a session: %v", m)
		}
		// Unsafe requests with the cookie need the CSRF token.
		c.do(oaReq{method: "POST", path: "/api/v1/people", session: s, noCSRF: true, contentType: "application/json",
			body: []byte(oaPersonJSON("A011111111", "HOU", nil))}, 403)
		c.do(oaReq{method: "POST", path: "/api/v1/people", session: s, contentType: "application/json",
			body: []byte(oaPersonJSON("A011111111", "HOU", nil))}, 201)
		// Cross-origin unsafe requests are refused whatever the credentials.
		c.do(oaReq{method: "POST", path: "/api/v1/people", role: oaOfficer, contentType: "application/json",
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, body: []byte(oaPersonJSON("A011111112", "HOU", nil))}, 403)

		// Every unsafe API operation refuses a session cookie without the CSRF token.
		fill := strings.NewReplacer("{code}", "HOU", "{anumber}", "A012345678", "{id}", oaMissingID, "{token}", oaMissingID)
		for _, key := range c.doc.operations() {
			method, tmpl, _ := strings.Cut(key, " ")
			if method == "GET" || !strings.HasPrefix(tmpl, "/api/v1/") {
				continue
			}
			c.do(oaReq{method: method, path: fill.Replace(tmpl), session: s, noCSRF: true, contentType: "application/json", body: []byte(`{}`)}, 403)
		}

		c.do(oaReq{method: "DELETE", path: "/api/v1/session", role: oaOfficer}, 400)
		c.do(oaReq{method: "DELETE", path: "/api/v1/session", session: s, noCSRF: true}, 403)
		c.do(oaReq{method: "DELETE", path: "/api/v1/session", session: s}, 204)
		c.do(oaReq{method: "GET", path: "/api/v1/me", session: s}, 401)
	})

	step("sites", func(t *testing.T) {
		c := c.with(t)
		page := c.json(oaVerifier, "GET", "/api/v1/sites", "", 200)
		if items, _ := page["items"].([]any); len(items) < 2 {
			t.Errorf("GET /api/v1/sites: %v", page)
		}
		dal := `{"code":"dal","name":"Dallas Field Office","city":"Dallas","time_zone":"America/Chicago","card_quota":50}`
		site := c.json(oaAdmin, "POST", "/api/v1/sites", dal, 201)
		if oaStr(site, "code") != "DAL" || site["active"] != true {
			t.Errorf("created site: %v", site)
		}
		c.json(oaAdmin, "POST", "/api/v1/sites", dal, 409)
		c.json(oaOfficer, "POST", "/api/v1/sites", dal, 403)
		c.json(oaAdmin, "POST", "/api/v1/sites", `{"code":"x","name":"","city":"Dallas","time_zone":"Mars/Olympus"}`, 400)
		c.json(oaAdmin, "POST", "/api/v1/sites", `{"code":"ELP","name":"El Paso","city":"El Paso","time_zone":"America/Denver","region":"W"}`, 400)
		c.json(oaAdmin, "POST", "/api/v1/sites", `{"code":"ELP"} {}`, 400)
		c.json(oaAdmin, "POST", "/api/v1/sites", `{"code":"ELP","card_quota":"many"}`, 400)
		c.do(oaReq{method: "POST", path: "/api/v1/sites", role: oaAdmin, body: []byte(dal)}, 415)
		c.do(oaReq{method: "POST", path: "/api/v1/sites", role: oaAdmin, contentType: "application/json",
			body: []byte(`{"name":"` + strings.Repeat("x", web.MaxJSONBytes) + `"}`)}, 413)
		c.json(oaOfficer, "GET", "/api/v1/sites/hou", "", 200)
		c.json(oaOfficer, "GET", "/api/v1/sites/NOPE", "", 404)
		c.json(oaAdmin, "PATCH", "/api/v1/sites/DAL", `{"version":1,"card_quota":5,"active":false,"name":null}`, 200)
		c.json(oaAdmin, "PATCH", "/api/v1/sites/DAL", `{"version":1,"card_quota":6}`, 409)
		c.json(oaAdmin, "PATCH", "/api/v1/sites/DAL", `{"card_quota":6}`, 400)
		c.json(oaAdmin, "PATCH", "/api/v1/sites/DAL", `{"version":2,"time_zone":"Nowhere"}`, 400)
		c.json(oaAdmin, "PATCH", "/api/v1/sites/DAL", `{"version":2,"code":"DAX"}`, 400)
		c.json(oaAdmin, "PATCH", "/api/v1/sites/NOPE", `{"version":1}`, 404)
		c.json(oaOfficer, "PATCH", "/api/v1/sites/DAL", `{"version":2}`, 403)
	})

	var clerkID string
	step("users", func(t *testing.T) {
		c := c.with(t)
		c.json(oaAdmin, "GET", "/api/v1/users", "", 200)
		c.json(oaOfficer, "GET", "/api/v1/users", "", 403)
		in := `{"username":"New.Clerk","display_name":"New Clerk","roles":["enrollment_officer"],"sites":["HOU"],"password":"a long enough password"}`
		u := c.json(oaAdmin, "POST", "/api/v1/users", in, 201)
		clerkID = oaStr(u, "id")
		if oaStr(u, "agency") != "DHS" {
			t.Errorf("a new officer's agency is %q, want DHS", oaStr(u, "agency"))
		}
		c.json(oaAdmin, "POST", "/api/v1/users", in, 409)
		c.json(oaAdmin, "POST", "/api/v1/users", `{"username":"x","display_name":"","roles":["king"],"password":"short"}`, 400)
		c.json(oaAdmin, "POST", "/api/v1/users", `{"username":"other.clerk","display_name":"Other","roles":["auditor"],"sites":["NOPE"],"password":"a long enough password"}`, 400)
		c.json(oaOfficer, "POST", "/api/v1/users", in, 403)
		c.json(oaAdmin, "GET", "/api/v1/users/"+clerkID, "", 200)
		c.json(oaOfficer, "GET", "/api/v1/users/"+officerID, "", 200)
		c.json(oaOfficer, "GET", "/api/v1/users/"+clerkID, "", 403)
		c.json(oaAdmin, "GET", "/api/v1/users/"+oaMissingID, "", 404)
		c.json(oaAdmin, "PATCH", "/api/v1/users/"+clerkID, `{"version":1,"display_name":"Renamed Clerk","disabled":false,"unlock":true,"sites":null}`, 200)
		c.json(oaAdmin, "PATCH", "/api/v1/users/"+clerkID, `{"version":1,"display_name":"Again"}`, 409)
		c.json(oaAdmin, "PATCH", "/api/v1/users/"+clerkID, `{"display_name":"Again"}`, 400)
		c.json(oaAdmin, "PATCH", "/api/v1/users/"+clerkID, `{"version":2,"roles":["emperor"]}`, 400)
		c.json(oaAdmin, "PATCH", "/api/v1/users/"+oaMissingID, `{"version":1}`, 404)
		c.json(oaOfficer, "PATCH", "/api/v1/users/"+clerkID, `{"version":2}`, 403)

		c.json(oaAdmin, "PUT", "/api/v1/users/"+clerkID+"/password", `{"new_password":"another long password"}`, 204)
		c.json(oaAdmin, "PUT", "/api/v1/users/"+clerkID+"/password", `{"new_password":"short"}`, 400)
		c.json(oaAdmin, "PUT", "/api/v1/users/"+oaMissingID+"/password", `{"new_password":"another long password"}`, 404)
		c.json(oaOfficer, "PUT", "/api/v1/users/"+officerID+"/password", `{"current_password":"wrong","new_password":"another long password"}`, 403)
		c.json(oaOfficer, "PUT", "/api/v1/users/"+clerkID+"/password", `{"new_password":"another long password"}`, 403)

		// A relying party works outside DHS and must name its agency.
		rp := `{"username":"court.clerk","display_name":"Court Clerk","roles":["relying_party"],"password":"a long enough password"`
		c.json(oaAdmin, "POST", "/api/v1/users", rp+`}`, 400)
		clerk := c.json(oaAdmin, "POST", "/api/v1/users", rp+`,"agency":"Harris County District Clerk"}`, 201)
		if roles, _ := clerk["roles"].([]any); oaStr(clerk, "agency") != "Harris County District Clerk" || len(roles) != 1 || roles[0] != "relying_party" {
			t.Errorf("relying party: %v", clerk)
		}
		c.json(oaAdmin, "PATCH", "/api/v1/users/"+oaStr(clerk, "id"), `{"version":1,"agency":"  "}`, 400)
		if up := c.json(oaAdmin, "PATCH", "/api/v1/users/"+oaStr(clerk, "id"), `{"version":1,"agency":"Harris County Clerk"}`, 200); oaStr(up, "agency") != "Harris County Clerk" {
			t.Errorf("agency after PATCH: %v", up)
		}
		if me := c.json(oaRelying, "GET", "/api/v1/me", "", 200); oaStr(me, "agency") != "Test County Court" {
			t.Errorf("GET /api/v1/me as the relying party: %v", me)
		}
	})

	step("tokens", func(t *testing.T) {
		c := c.with(t)
		base := "/api/v1/users/" + officerID + "/tokens"
		tok := c.json(oaOfficer, "POST", base, `{"name":"laptop","ttl_hours":24}`, 201)
		secret := oaStr(tok, "secret")
		c.do(oaReq{method: "GET", path: "/api/v1/me", bearer: "Bearer " + secret}, 200)
		c.json(oaOfficer, "GET", base, "", 200)
		c.json(oaAdmin, "GET", base, "", 200)
		c.json(oaOfficer, "POST", base, `{"name":"default lifetime"}`, 201)
		c.json(oaOfficer, "POST", base, `{"name":"too long","ttl_hours":9000}`, 400)
		c.json(oaOfficer, "POST", base, `{"name":""}`, 400)
		c.json(oaOfficer, "POST", "/api/v1/users/"+adminID+"/tokens", `{"name":"not mine"}`, 403)
		c.json(oaAdmin, "POST", "/api/v1/users/"+oaMissingID+"/tokens", `{"name":"nobody"}`, 404)
		c.json(oaOfficer, "GET", "/api/v1/users/"+adminID+"/tokens", "", 403)
		c.json(oaAdmin, "GET", "/api/v1/users/"+oaMissingID+"/tokens", "", 404)
		c.do(oaReq{method: "DELETE", path: base + "/" + oaStr(tok, "id"), role: oaOfficer}, 204)
		c.do(oaReq{method: "GET", path: "/api/v1/me", bearer: "Bearer " + secret}, 401)
		page := c.json(oaOfficer, "GET", base, "", 200)
		revoked := false
		for _, it := range page["items"].([]any) {
			revoked = revoked || it.(map[string]any)["revoked_at"] != nil
		}
		if !revoked {
			t.Errorf("the revoked token is not listed as revoked: %v", page)
		}
		c.do(oaReq{method: "DELETE", path: base + "/" + oaMissingID, role: oaOfficer}, 404)
		c.do(oaReq{method: "DELETE", path: "/api/v1/users/" + adminID + "/tokens/" + oaMissingID, role: oaOfficer}, 403)
	})

	var personID, person2ID, atlID string
	step("people", func(t *testing.T) {
		c := c.with(t)
		res, b := c.do(oaReq{method: "POST", path: "/api/v1/people", role: oaOfficer, contentType: "application/json",
			body: []byte(oaPersonJSON("A012345678", "HOU", map[string]any{
				"aliases": []any{map[string]any{"family_names": "PEÑA", "given_names": "José"}},
				"email":   "Jose.Pena@Example.org",
				"mailing_address": map[string]any{"street1": "1200 Travis St", "street2": "Apt 4", "city": "Houston",
					"state": "TX", "zip": "77002-1234"}}))}, 201)
		p := oaDecode(t, b)
		personID = oaStr(p, "id")
		if loc := res.Header.Get("Location"); loc != "/api/v1/people/"+personID {
			t.Errorf("Location %q", loc)
		}
		// Codes in lower case are normalised (the document lists the canonical forms).
		_, b = c.do(oaReq{method: "POST", path: "/api/v1/people", role: oaOfficer, contentType: "application/json", lenient: true,
			body: []byte(oaPersonJSON("A023456789", "hou", map[string]any{"given_names": "", "date_of_birth": "1979", "sex": "x",
				"phone": "", "preferred_language": "pt-BR"}))}, 201)
		p2 := oaDecode(t, b)
		if oaStr(p2, "site_code") != "HOU" || oaStr(p2, "sex") != "X" {
			t.Errorf("codes not normalised: %v", p2)
		}
		person2ID = oaStr(p2, "id")
		c.json(oaOfficer, "POST", "/api/v1/people", oaPersonJSON("A-012-345-678", "HOU", nil), 409)
		c.json(oaOfficer, "POST", "/api/v1/people", oaPersonJSON("B12", "HOU", map[string]any{"date_of_birth": "2099-01-01",
			"sex": "Q", "country_of_birth": "ZZZ", "mailing_address": map[string]any{"street1": "", "city": "X", "state": "ZZ", "zip": "1"}}), 400)
		c.json(oaOfficer, "POST", "/api/v1/people", oaPersonJSON("A034567890", "HOU", map[string]any{"nickname": "Pepe"}), 400)
		c.json(oaOfficer, "POST", "/api/v1/people", oaPersonJSON("A034567890", "ATL", nil), 403)
		c.json(oaAdjud, "POST", "/api/v1/people", oaPersonJSON("A034567890", "HOU", nil), 403)
		atl, err := c.app.Service.CreatePerson(ctx, docketcard.SystemActor("test"), testapp.SamplePerson("A300000001", "ATL"))
		if err != nil {
			t.Fatal(err)
		}
		atlID = atl.ID

		page := c.json(oaOfficer, "GET", "/api/v1/people?limit=1", "", 200)
		cur := oaStr(page, "next_cursor")
		if cur == "" {
			t.Errorf("GET /api/v1/people?limit=1: no next_cursor: %v", page)
		}
		c.json(oaOfficer, "GET", "/api/v1/people?limit=1&cursor="+cur, "", 200)
		c.json(oaOfficer, "GET", "/api/v1/people?site=hou", "", 200)
		c.json(oaAdjud, "GET", "/api/v1/people", "", 200)
		c.json(oaOfficer, "GET", "/api/v1/people?limit=0", "", 400)
		c.json(oaOfficer, "GET", "/api/v1/people?limit=201", "", 400)
		c.json(oaOfficer, "GET", "/api/v1/people?limit=ten", "", 400)
		c.json(oaOfficer, "GET", "/api/v1/people?site=ATL", "", 403)
		c.json(oaAdmin, "GET", "/api/v1/people", "", 403)

		c.do(oaReq{method: "GET", path: "/api/v1/people/" + personID, role: docketcard.RoleFOIAOfficer,
			header: map[string]string{"Docketcard-Purpose": "FOIA request 2026-0042", "X-Request-Id": "conformance-1"}}, 200)
		c.json(oaOfficer, "GET", "/api/v1/people/"+oaMissingID, "", 404)
		c.json(oaOfficer, "GET", "/api/v1/people/"+atlID, "", 403)
		c.json(oaAdmin, "GET", "/api/v1/people/"+personID, "", 403)
		c.do(oaReq{method: "GET", path: "/api/v1/people/" + oaMissingID, role: oaOfficer, header: map[string]string{"X-Request-Id": "conformance-2"}}, 404)

		c.json(oaOfficer, "GET", "/api/v1/a-numbers/A012345678", "", 200)
		c.json(oaAdjud, "GET", "/api/v1/a-numbers/a-012-345-678", "", 200)
		c.json(oaOfficer, "GET", "/api/v1/a-numbers/B123", "", 400)
		c.json(oaOfficer, "GET", "/api/v1/a-numbers/A999999999", "", 404)
		c.json(oaOfficer, "GET", "/api/v1/a-numbers/A300000001", "", 403)
		c.json(oaAdmin, "GET", "/api/v1/a-numbers/A012345678", "", 403)

		up := c.json(oaOfficer, "PATCH", "/api/v1/people/"+personID, `{"version":1,"email":"jose@example.org","aliases":[],"phone":null}`, 200)
		if oaNum(up, "version") != 2 {
			t.Errorf("PATCH person: %v", up)
		}
		c.json(oaOfficer, "PATCH", "/api/v1/people/"+personID, `{"version":1,"email":""}`, 409)
		c.json(oaOfficer, "PATCH", "/api/v1/people/"+personID, `{"email":""}`, 400)
		c.json(oaOfficer, "PATCH", "/api/v1/people/"+personID, `{"version":2,"sex":"Q","date_of_birth":"1990-13"}`, 400)
		c.json(oaOfficer, "PATCH", "/api/v1/people/"+personID, `{"version":2,"a_number":"A111111111"}`, 400)
		c.json(oaOfficer, "PATCH", "/api/v1/people/"+personID, `{"version":2,"site_code":"ATL"}`, 403)
		c.json(oaOfficer, "PATCH", "/api/v1/people/"+oaMissingID, `{"version":1}`, 404)
		c.json(oaAdjud, "PATCH", "/api/v1/people/"+personID, `{"version":2}`, 403)
	})

	step("photo", func(t *testing.T) {
		c := c.with(t)
		pic := oaPNG(t, 60, 80)
		photo := func(role docketcard.Role, id, query, ct string, body []byte, want int) map[string]any {
			t.Helper()
			_, b := c.do(oaReq{method: "PUT", path: "/api/v1/people/" + id + "/photo" + query, role: role, contentType: ct, body: body}, want)
			return oaDecode(t, b)
		}
		c.json(oaOfficer, "GET", "/api/v1/people/"+personID+"/photo", "", 404) // none yet
		p := photo(oaOfficer, personID, "?version=2", "image/png", pic, 200)
		if p["photo"] == nil {
			t.Errorf("PUT photo: no photo in %v", p)
		}
		photo(oaOfficer, personID, "", "image/png", pic, 400)
		photo(oaOfficer, personID, "?version=2", "image/png", pic, 409)
		photo(oaOfficer, personID, "?version=3", "image/png", []byte{}, 400)
		photo(oaOfficer, personID, "?version=3", "image/png", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 64)...), 400)
		photo(oaOfficer, personID, "?version=3", "text/plain", []byte("not an image at all"), 415)
		photo(oaOfficer, personID, "?version=3", "image/png", bytes.Repeat([]byte{0xff}, 300<<10), 413)
		photo(oaOfficer, oaMissingID, "?version=1", "image/png", pic, 404)
		photo(oaOfficer, atlID, "?version=1", "image/png", pic, 403)
		photo(oaAdjud, personID, "?version=3", "image/png", pic, 403)

		res, b := c.do(oaReq{method: "GET", path: "/api/v1/people/" + personID + "/photo", role: oaAdjud}, 200)
		if _, _, err := image.Decode(bytes.NewReader(b)); err != nil || res.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("GET photo: %s, %v", res.Header.Get("Content-Type"), err)
		}
		c.json(oaOfficer, "GET", "/api/v1/people/"+oaMissingID+"/photo", "", 404)
		c.json(oaOfficer, "GET", "/api/v1/people/"+atlID+"/photo", "", 403)
		c.json(oaAdmin, "GET", "/api/v1/people/"+personID+"/photo", "", 403)
		// Listings and reads show the photo's reference, never its storage ID.
		c.json(oaOfficer, "GET", "/api/v1/people", "", 200)
		c.json(oaOfficer, "GET", "/api/v1/people/"+personID, "", 200)
	})

	step("import", func(t *testing.T) {
		c := c.with(t)
		csv := "a_number,family_names,given_names,aliases,date_of_birth,sex,country_of_citizenship,country_of_birth,preferred_language,street1,city,state,zip,site_code\n" +
			"A200000001,GARCÍA,María,\"GARCIA, Maria\",1990-05,F,GTM,GTM,es,1 Main St,Houston,TX,77002,HOU\n" +
			"A200000002,LÓPEZ,,,1985,M,MEX,MEX,es,2 Main St,Houston,TX,77002,HOU\n" +
			"A2,BAD,,,2099,Q,ZZZ,MEX,es,3 Main St,Houston,TX,7700,HOU\n" +
			"A200000003,SMITH,,,1985,M,MEX,MEX,es,2 Main St,Atlanta,GA,30303,ATL\n"
		imp := func(role docketcard.Role, ct, body string, want int) map[string]any {
			t.Helper()
			_, b := c.do(oaReq{method: "POST", path: "/api/v1/people/import", role: role, contentType: ct, body: []byte(body)}, want)
			return oaDecode(t, b)
		}
		rep := imp(oaOfficer, "text/csv; charset=utf-8", csv, 200)
		if oaNum(rep, "created") != 2 || oaNum(rep, "failed") != 2 {
			t.Errorf("import report: %v", rep)
		}
		rep = imp(oaOfficer, "text/csv", csv, 200)
		if oaNum(rep, "existing") != 2 {
			t.Errorf("second import report: %v", rep)
		}
		imp(oaOfficer, "text/csv", "", 400)
		imp(oaOfficer, "text/csv", "a_number,shoe_size\nA200000009,44\n", 400)
		imp(oaOfficer, "application/json", `{"rows":[]}`, 415)
		imp(oaAdmin, "text/csv", csv, 403)

		// Too large: a second server on the same service with a small limit.
		srv, err := web.New(c.app.Service, slog.New(slog.DiscardHandler), web.Options{Version: "test", MaxImportBytes: 1 << 10})
		if err != nil {
			t.Fatal(err)
		}
		small := httptest.NewServer(srv.Handler())
		defer small.Close()
		big := csv + strings.Repeat("A200000004,JONES,,,1985,M,MEX,MEX,es,2 Main St,Houston,TX,77002,HOU\n", 40)
		_, b := c.do(oaReq{base: small.URL, method: "POST", path: "/api/v1/people/import", role: oaOfficer, contentType: "text/csv", body: []byte(big)}, 413)
		_ = b
	})

	var caseID, case2ID, hearingID string
	step("cases", func(t *testing.T) {
		c := c.with(t)
		base := "/api/v1/people/" + personID + "/cases"
		cs := c.json(oaOfficer, "POST", base, `{"court":"Houston Immigration Court","status":"pending","release_document_type":"I-220A","opened_on":"2026-10-01"}`, 201)
		caseID = oaStr(cs, "id")
		_, b := c.do(oaReq{method: "POST", path: base, role: oaOfficer, contentType: "application/json", lenient: true,
			body: []byte(`{"court":"Houston Immigration Court","status":"APPEAL_PENDING","release_document_type":"parole"}`)}, 201)
		case2ID = oaStr(oaDecode(t, b), "id")
		c.json(oaOfficer, "POST", base, `{"court":"","status":"lost","release_document_type":"I-000","opened_on":"2099-01-01"}`, 400)
		c.json(oaOfficer, "POST", "/api/v1/people/"+oaMissingID+"/cases", `{"court":"X","status":"pending","release_document_type":"bond"}`, 404)
		c.json(oaOfficer, "POST", "/api/v1/people/"+atlID+"/cases", `{"court":"X","status":"pending","release_document_type":"bond"}`, 403)
		c.json(oaAdjud, "POST", base, `{"court":"X","status":"pending","release_document_type":"bond"}`, 403)

		c.json(oaOfficer, "GET", base, "", 200)
		c.json(oaAdjud, "GET", base, "", 200)
		c.json(oaOfficer, "GET", "/api/v1/people/"+oaMissingID+"/cases", "", 404)
		c.json(oaOfficer, "GET", "/api/v1/people/"+atlID+"/cases", "", 403)
		c.json(oaAdmin, "GET", base, "", 403)

		c.json(oaOfficer, "GET", "/api/v1/cases/"+caseID, "", 200)
		c.json(oaOfficer, "GET", "/api/v1/cases/"+oaMissingID, "", 404)
		c.json(oaAdmin, "GET", "/api/v1/cases/"+caseID, "", 403)
		c.json(oaOfficer, "PATCH", "/api/v1/cases/"+caseID, `{"version":1,"status":"continued","court":null}`, 200)
		c.json(oaOfficer, "PATCH", "/api/v1/cases/"+caseID, `{"version":1,"status":"terminated"}`, 409)
		c.json(oaOfficer, "PATCH", "/api/v1/cases/"+caseID, `{"status":"terminated"}`, 400)
		c.json(oaOfficer, "PATCH", "/api/v1/cases/"+caseID, `{"version":2,"status":"won"}`, 400)
		c.json(oaOfficer, "PATCH", "/api/v1/cases/"+oaMissingID, `{"version":1}`, 404)
		c.json(oaAdjud, "PATCH", "/api/v1/cases/"+caseID, `{"version":2}`, 403)
	})

	step("hearings", func(t *testing.T) {
		c := c.with(t)
		base := "/api/v1/cases/" + caseID + "/hearings"
		h := `{"type":"master","date":"2027-01-15","time":"09:30","time_zone":"America/Chicago","court_address":"1919 Smith St, Houston, TX 77002"}`
		hr := c.json(oaOfficer, "POST", base, h, 201)
		hearingID = oaStr(hr, "id")
		c.json(oaOfficer, "POST", base, `{"type":"trial","date":"2027-02-30","time":"25:00","time_zone":"Mars","court_address":""}`, 400)
		c.json(oaOfficer, "POST", "/api/v1/cases/"+oaMissingID+"/hearings", h, 404)
		c.json(oaAdjud, "POST", base, h, 403)
		c.json(oaOfficer, "GET", base, "", 200)
		c.json(oaOfficer, "GET", "/api/v1/cases/"+oaMissingID+"/hearings", "", 404)
		c.json(oaAdmin, "GET", base, "", 403)
		upd := `{"version":1,"type":"individual","date":"2027-03-01","time":"13:00","time_zone":"America/Chicago","court_address":"1919 Smith St, Houston, TX 77002","cancelled":true}`
		c.json(oaOfficer, "PUT", "/api/v1/hearings/"+hearingID, upd, 200)
		c.json(oaOfficer, "PUT", "/api/v1/hearings/"+hearingID, upd, 409)
		c.json(oaOfficer, "PUT", "/api/v1/hearings/"+hearingID, `{"version":2,"type":"master"}`, 400)
		c.json(oaOfficer, "PUT", "/api/v1/hearings/"+oaMissingID, upd, 404)
		c.json(oaAdjud, "PUT", "/api/v1/hearings/"+hearingID, upd, 403)
	})

	step("reporting", func(t *testing.T) {
		c := c.with(t)
		base := "/api/v1/cases/" + caseID + "/reporting"
		c.json(oaOfficer, "GET", base, "", 404)
		rs := `{"cadence":"monthly","mode":"in_person","starts_on":"2026-12-01","location":"126 Northpoint Dr, Houston, TX"}`
		c.json(oaOfficer, "PUT", base, rs, 200)
		c.json(oaOfficer, "PUT", base, rs, 409)
		c.json(oaOfficer, "PUT", base, `{"version":1,"cadence":"weekly","mode":"telephone","starts_on":"2026-12-01","ends_on":"2027-12-01","location":"By phone"}`, 200)
		c.json(oaOfficer, "PUT", base, `{"version":1,"cadence":"weekly","mode":"telephone","starts_on":"2026-12-01","location":"By phone"}`, 409)
		c.json(oaOfficer, "PUT", base, `{"version":2,"cadence":"daily","mode":"telepathy","starts_on":"2026-12-01","ends_on":"2025-01-01","location":""}`, 400)
		c.json(oaOfficer, "PUT", "/api/v1/cases/"+oaMissingID+"/reporting", rs, 404)
		c.json(oaAdjud, "PUT", base, rs, 403)
		c.json(oaAdjud, "GET", base, "", 200)
		c.json(oaOfficer, "GET", "/api/v1/cases/"+oaMissingID+"/reporting", "", 404)
		c.json(oaAdmin, "GET", base, "", 403)
		detail := c.json(oaOfficer, "GET", "/api/v1/cases/"+caseID, "", 200)
		if hs, _ := detail["hearings"].([]any); len(hs) != 1 || detail["reporting"] == nil {
			t.Errorf("case detail lacks its hearing or schedule: %v", detail)
		}
		c.json(oaOfficer, "GET", "/api/v1/cases/"+case2ID, "", 200)
	})

	step("documents", func(t *testing.T) {
		c := c.with(t)
		base := "/api/v1/people/" + personID + "/documents"
		pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
		upload := func(role docketcard.Role, path string, fields map[string]string, name string, file []byte, want int) map[string]any {
			t.Helper()
			body, ct := oaMultipart(t, fields, name, file)
			_, b := c.do(oaReq{method: "POST", path: path, role: role, contentType: ct, body: body}, want)
			return oaDecode(t, b)
		}
		d := upload(oaOfficer, base, map[string]string{"type": "I-862", "issued_on": "2026-10-01"}, "nta.pdf", pdf, 201)
		docID := oaStr(d, "id")
		upload(oaOfficer, base, map[string]string{"type": "i-220a", "issued_on": "2026-10-02", "case_id": caseID}, `C:\scans\release.png`, oaPNG(t, 8, 8), 201)
		upload(oaOfficer, base, map[string]string{"type": "I-862", "issued_on": "2026-10-01"}, "", nil, 400)
		upload(oaOfficer, base, map[string]string{"type": "passport", "issued_on": "2099-01-01"}, "x.pdf", pdf, 400)
		upload(oaOfficer, base, map[string]string{"type": "I-862", "issued_on": "2026-10-01"}, "empty.pdf", []byte{}, 400)
		upload(oaOfficer, base, map[string]string{"type": "I-862", "issued_on": "2026-10-01"}, "notes.txt", []byte("plain text"), 415)
		upload(oaOfficer, base, map[string]string{"type": "I-862", "issued_on": "2026-10-01", "case_id": oaMissingID}, "nta.pdf", pdf, 404)
		upload(oaOfficer, "/api/v1/people/"+person2ID+"/documents", map[string]string{"type": "I-862", "issued_on": "2026-10-01", "case_id": caseID}, "nta.pdf", pdf, 400)
		upload(oaOfficer, "/api/v1/people/"+oaMissingID+"/documents", map[string]string{"type": "I-862", "issued_on": "2026-10-01"}, "nta.pdf", pdf, 404)
		upload(oaOfficer, "/api/v1/people/"+atlID+"/documents", map[string]string{"type": "I-862", "issued_on": "2026-10-01"}, "nta.pdf", pdf, 403)
		upload(oaAdjud, base, map[string]string{"type": "I-862", "issued_on": "2026-10-01"}, "nta.pdf", pdf, 403)
		c.do(oaReq{method: "POST", path: base, role: oaOfficer, contentType: "application/json", body: []byte(`{"type":"I-862"}`)}, 415)
		c.do(oaReq{method: "POST", path: base, role: oaOfficer, contentType: "multipart/form-data; boundary=xyz", body: []byte("garbage")}, 400)
		big := append(append([]byte{}, pdf...), bytes.Repeat([]byte("0"), docketcard.MaxDocumentBytes+128<<10)...)
		upload(oaOfficer, base, map[string]string{"type": "I-862", "issued_on": "2026-10-01"}, "big.pdf", big, 413)

		c.json(oaOfficer, "GET", base, "", 200)
		c.json(docketcard.RoleFOIAOfficer, "GET", base, "", 200)
		c.json(oaOfficer, "GET", "/api/v1/people/"+oaMissingID+"/documents", "", 404)
		c.json(oaOfficer, "GET", "/api/v1/people/"+atlID+"/documents", "", 403)
		c.json(oaAdmin, "GET", base, "", 403)
		c.json(oaOfficer, "GET", "/api/v1/documents/"+docID, "", 200)
		c.json(oaOfficer, "GET", "/api/v1/documents/"+oaMissingID, "", 404)
		c.json(oaAdmin, "GET", "/api/v1/documents/"+docID, "", 403)
		res, b := c.do(oaReq{method: "GET", path: "/api/v1/documents/" + docID + "/content", role: oaAdjud}, 200)
		if !bytes.Equal(b, pdf) || !strings.Contains(res.Header.Get("Content-Disposition"), "nta.pdf") {
			t.Errorf("document content: %q, %q", res.Header.Get("Content-Disposition"), oaShorten(b))
		}
		c.json(oaOfficer, "GET", "/api/v1/documents/"+oaMissingID+"/content", "", 404)
		c.json(oaAdmin, "GET", "/api/v1/documents/"+docID+"/content", "", 403)
	})

	step("checks", func(t *testing.T) {
		c := c.with(t)
		// The issuance gate: no card before the checks clear.
		c.do(oaReq{method: "POST", path: "/api/v1/people/" + personID + "/cards", role: oaOfficer,
			header: map[string]string{"Idempotency-Key": "conformance-card-0"}}, 403)

		base := "/api/v1/people/" + personID + "/checks"
		_, b := c.do(oaReq{method: "POST", path: base, role: oaOfficer}, 202)
		run := oaDecode(t, b)
		if oaStr(run, "reason") != "enrollment" || len(run["checks"].([]any)) == 0 {
			t.Errorf("started run: %v", run)
		}
		for _, ch := range run["checks"].([]any) {
			if st := oaStr(ch.(map[string]any), "state"); st != "pending" {
				t.Errorf("a new check is %s, want pending (the test app has no queue)", st)
			}
		}
		c.json(oaAdjud, "POST", base, `{"reason":"manual"}`, 202)
		c.json(oaOfficer, "POST", base, `{"reason":"recurrent"}`, 400)
		c.json(oaOfficer, "POST", "/api/v1/people/"+oaMissingID+"/checks", `{"reason":"manual"}`, 404)
		c.json(oaOfficer, "POST", "/api/v1/people/"+atlID+"/checks", "", 403)
		c.json(oaPrinter, "POST", base, "", 403)

		if page := c.json(oaOfficer, "GET", base, "", 200); len(page["items"].([]any)) != 2 {
			t.Errorf("GET %s: %v", base, page)
		}
		c.json(oaAdjud, "GET", base, "", 200)
		c.json(oaOfficer, "GET", "/api/v1/people/"+oaMissingID+"/checks", "", 404)
		c.json(oaOfficer, "GET", "/api/v1/people/"+atlID+"/checks", "", 403)
		c.json(oaAdmin, "GET", base, "", 403)

		// Run the checks in process: the person has a namesake at ATL, so
		// the duplicate check is a possible match; the document check is
		// clear (a Notice to Appear is on file).
		done, err := c.app.Service.RunChecksNow(ctx, docketcard.SystemActor("test"), personID, "enrollment")
		if err != nil {
			t.Fatal(err)
		}
		var matchID, clearID string
		for _, ch := range done.Checks {
			switch ch.State {
			case docketcard.CheckPossibleMatch:
				matchID = ch.ID
			case docketcard.CheckClear:
				clearID = ch.ID
			}
		}
		if matchID == "" || clearID == "" {
			t.Fatalf("want a possible match and a clear check: %+v", done.Checks)
		}
		queue := c.json(oaAdjud, "GET", "/api/v1/review-queue", "", 200)
		found := false
		for _, it := range queue["items"].([]any) {
			found = found || oaStr(it.(map[string]any)["check"].(map[string]any), "id") == matchID
		}
		if !found {
			t.Errorf("the possible match %s is not in the review queue: %v", matchID, queue)
		}
		first := c.json(oaAdjud, "GET", "/api/v1/review-queue?limit=1", "", 200)
		if cur := oaStr(first, "next_cursor"); cur == "" {
			t.Errorf("GET /api/v1/review-queue?limit=1: no next_cursor: %v", first)
		} else {
			c.json(oaAdjud, "GET", "/api/v1/review-queue?limit=1&cursor="+cur, "", 200)
		}
		c.json(oaAdjud, "GET", "/api/v1/review-queue?limit=0", "", 400)
		c.json(oaOfficer, "GET", "/api/v1/review-queue", "", 403)

		adj := "/api/v1/checks/" + matchID + "/adjudication"
		c.json(oaAdjud, "POST", adj, `{"decision":"clear","reason":"too short"}`, 400)
		c.json(oaAdjud, "POST", adj, `{"decision":"approve","reason":"reviewed the records in full"}`, 400)
		c.json(oaAdjud, "POST", "/api/v1/checks/"+oaMissingID+"/adjudication", `{"decision":"clear","reason":"reviewed the records in full"}`, 404)
		c.json(oaOfficer, "POST", adj, `{"decision":"clear","reason":"reviewed the records in full"}`, 403)
		c.json(oaAdjud, "POST", "/api/v1/checks/"+clearID+"/adjudication", `{"decision":"clear","reason":"reviewed the records in full"}`, 409)
		decided := c.json(oaAdjud, "POST", adj, `{"decision":"clear","reason":"  a namesake at another office, not this person  "}`, 201)
		if oaStr(decided, "decision") != "clear" || oaStr(decided, "reason") != "a namesake at another office, not this person" {
			t.Errorf("adjudication: %v", decided)
		}
		c.json(oaAdjud, "POST", adj, `{"decision":"deny","reason":"reviewed the records in full"}`, 409)
	})

	step("screening", func(t *testing.T) {
		c := c.with(t)
		// The test app screens against the sample lists (three entries of
		// the OFAC SDN list).
		for _, role := range []docketcard.Role{oaOfficer, oaAdjud} {
			st := c.json(role, "GET", "/api/v1/watchlists", "", 200)
			if vs, _ := st["versions"].([]any); len(vs) != 1 || oaNum(st, "entities") != 3 || st["stale"] != false {
				t.Errorf("GET /api/v1/watchlists: %v", st)
			}
		}
		c.json(oaAuditor, "GET", "/api/v1/watchlists", "", 403)

		page := c.json(oaAdjud, "POST", "/api/v1/screen", `{"family_names":"GUZMAN LOERA","given_names":"Joaquin","date_of_birth":"1954-12-25","nationality":"MEX","sex":"M","limit":5}`, 200)
		if items, _ := page["items"].([]any); len(items) == 0 || oaStr(items[0].(map[string]any), "entity_id") != testapp.SampleEntityID {
			t.Errorf("POST /api/v1/screen: %v", page)
		}
		c.json(oaAdjud, "POST", "/api/v1/screen", `{"given_names":"Abu","nationality":"XXA"}`, 200)
		if page := c.json(oaAdjud, "POST", "/api/v1/screen", `{"family_names":"PEÑA DE LA CRUZ","given_names":"José Ángel"}`, 200); len(page["items"].([]any)) != 0 {
			t.Errorf("a name on no list: %v", page)
		}
		// Forms the server normalises: a country name, lower-case sex.
		c.do(oaReq{method: "POST", path: "/api/v1/screen", role: oaAdjud, contentType: "application/json", lenient: true,
			body: []byte(`{"family_names":" Guzman Loera ","nationality":"Mexico","sex":"m"}`)}, 200)
		c.json(oaAdjud, "POST", "/api/v1/screen", `{}`, 400)
		c.json(oaAdjud, "POST", "/api/v1/screen", `{"family_names":" ","date_of_birth":"1954-12-25"}`, 400)
		c.json(oaAdjud, "POST", "/api/v1/screen", `{"family_names":"GUZMAN","date_of_birth":"Dec 1954"}`, 400)
		c.json(oaAdjud, "POST", "/api/v1/screen", `{"family_names":"GUZMAN","nationality":"ZZZ","sex":"Q","limit":500}`, 400)
		c.json(oaAdjud, "POST", "/api/v1/screen", `{"family_names":"GUZMAN","limit":"five"}`, 400)
		c.json(oaOfficer, "POST", "/api/v1/screen", `{"family_names":"GUZMAN LOERA"}`, 403)
		c.do(oaReq{method: "POST", path: "/api/v1/screen", role: oaAdjud, contentType: "text/plain", body: []byte(`{"family_names":"GUZMAN"}`)}, 415)

		// Screenings are audited as "screen".
		audit := c.json(oaAuditor, "GET", "/api/v1/audit?limit=200&actor="+c.app.Users[oaAdjud].ID, "", 200)
		n := 0
		for _, e := range audit["items"].([]any) {
			if oaStr(e.(map[string]any), "action") == docketcard.ActionScreen {
				n++
			}
		}
		if n != 4 {
			t.Errorf("%d screen entries in the audit trail, want 4", n)
		}

		// A server without watch lists.
		srv, err := web.New(c.app.Service, slog.New(slog.DiscardHandler), web.Options{Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		bare := httptest.NewServer(srv.Handler())
		defer bare.Close()
		c.do(oaReq{base: bare.URL, method: "GET", path: "/api/v1/watchlists", role: oaOfficer}, 503)
		c.do(oaReq{base: bare.URL, method: "POST", path: "/api/v1/screen", role: oaAdjud, contentType: "application/json",
			body: []byte(`{"family_names":"GUZMAN LOERA"}`)}, 503)
	})

	step("provider callback", func(t *testing.T) {
		// Signed results: accepted once, then refused as duplicates.
		c := c.with(t)
		now := time.Now()
		result := func(ref, status string) []byte {
			return []byte(`{"provider_ref":"` + ref + `","check_type":"criminal_history","status":"` + status +
				`","evidence":[],"completed_at":"` + now.UTC().Format(time.RFC3339) + `"}`)
		}
		deliver := func(body []byte, sig string, want int) {
			t.Helper()
			h := map[string]string{}
			if sig != "" {
				h[provider.SignatureHeader] = sig
			}
			c.do(oaReq{method: "POST", path: "/api/v1/provider-callbacks", contentType: "application/json", body: body, header: h}, want)
		}
		ok := result("sim_conformance-1", "clear")
		deliver(ok, provider.Sign(oaCallbackSecret, now, ok), 204)
		deliver(ok, provider.Sign(oaCallbackSecret, now.Add(time.Second), ok), 409)
		match := []byte(`{"provider_ref":"sim_conformance-2","status":"possible_match","evidence":[{"kind":"criminal_record","source":"SIM","reference":"SIM-1","score":0.9,"summary":"SYNTHETIC"}],"completed_at":"` +
			now.UTC().Format(time.RFC3339) + `","comment":"an unknown member, ignored"}`)
		deliver(match, provider.Sign(oaCallbackSecret, now, match), 204)

		// Not authentic, or too old.
		other := result("sim_conformance-3", "clear")
		deliver(other, "", 401)
		deliver(other, provider.Sign([]byte("another-secret-of-16-bytes"), now, other), 401)
		deliver(other, provider.Sign(oaCallbackSecret, now, ok), 401)
		deliver(other, "t=1,v1=nothex", 401)
		deliver(other, provider.Sign(oaCallbackSecret, now.Add(-10*time.Minute), other), 401)
		c.do(oaReq{method: "POST", path: "/api/v1/provider-callbacks", bearer: "Bearer dkt_nope", contentType: "application/json", body: other,
			header: map[string]string{provider.SignatureHeader: provider.Sign(oaCallbackSecret, now, other)}}, 401)
		// Authentic, but not a final result.
		for _, body := range [][]byte{result("sim_conformance-4", "pending"), result("-bad-ref", "clear"), []byte(`{"provider_ref":`),
			[]byte(`{"provider_ref":"sim_conformance-5","status":"clear","evidence":[]}`)} {
			deliver(body, provider.Sign(oaCallbackSecret, now, body), 400)
		}
		// Too large, whatever the signature.
		big := append(result("sim_conformance-6", "clear"), bytes.Repeat([]byte(" "), provider.MaxBodyBytes)...)
		deliver(big, provider.Sign(oaCallbackSecret, now, big), 413)
		// Recording fails: the provider delivers again later.
		fail := result("fail-conformance-7", "clear")
		deliver(fail, provider.Sign(oaCallbackSecret, now, fail), 500)
		deliver(fail, provider.Sign(oaCallbackSecret, now, fail), 500)
		// The callback was never accepted: it is not a duplicate.
		deliver(other, provider.Sign(oaCallbackSecret, now, other), 204)

		// A server without an external provider has no such route.
		srv, err := web.New(c.app.Service, slog.New(slog.DiscardHandler), web.Options{Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		bare := httptest.NewServer(srv.Handler())
		defer bare.Close()
		late := result("sim_conformance-8", "clear")
		c.do(oaReq{base: bare.URL, method: "POST", path: "/api/v1/provider-callbacks", contentType: "application/json", body: late,
			header: map[string]string{provider.SignatureHeader: provider.Sign(oaCallbackSecret, now, late)}}, 404)
	})

	var cardID string
	step("cards", func(t *testing.T) {
		c := c.with(t)
		c.app.Clear(t, personID)
		issue := func(role docketcard.Role, personID, key string, want int) (*http.Response, map[string]any) {
			t.Helper()
			r := oaReq{method: "POST", path: "/api/v1/people/" + personID + "/cards", role: role}
			if key != "" {
				r.header = map[string]string{"Idempotency-Key": key}
			}
			res, b := c.do(r, want)
			return res, oaDecode(t, b)
		}
		// personID has a photo (step "photo"); person2ID has none.
		res, card := issue(oaOfficer, personID, "conformance-card-1", 201)
		cardID = oaStr(card, "id")
		if res.Header.Get("Location") != "/api/v1/cards/"+cardID || oaStr(card, "state") != "approved" {
			t.Fatalf("issued card: %q %v", res.Header.Get("Location"), card)
		}
		if _, again := issue(oaOfficer, personID, "conformance-card-1", 200); oaStr(again, "id") != cardID {
			t.Errorf("replay gave card %v, want %s", again["id"], cardID)
		}
		issue(oaOfficer, person2ID, "conformance-card-1", 409)
		issue(oaOfficer, personID, "", 400)
		issue(oaOfficer, personID, "bad key", 400)
		issue(oaOfficer, person2ID, "conformance-card-2", 400)
		issue(oaOfficer, oaMissingID, "conformance-card-3", 404)
		issue(oaOfficer, atlID, "conformance-card-4", 403)
		issue(oaAdjud, personID, "conformance-card-5", 403)

		base := "/api/v1/people/" + personID + "/cards"
		if page := c.json(oaOfficer, "GET", base, "", 200); len(page["items"].([]any)) != 1 {
			t.Errorf("GET %s: %v", base, page)
		}
		c.json(oaPrinter, "GET", "/api/v1/people/"+person2ID+"/cards", "", 200)
		c.json(oaOfficer, "GET", "/api/v1/people/"+oaMissingID+"/cards", "", 404)
		c.json(oaOfficer, "GET", "/api/v1/people/"+atlID+"/cards", "", 403)
		c.json(oaAdmin, "GET", base, "", 403)

		c.json(oaAdjud, "GET", "/api/v1/cards/"+cardID, "", 200)
		c.json(oaOfficer, "GET", "/api/v1/cards/"+oaMissingID, "", 404)
		c.json(oaAuditor, "GET", "/api/v1/cards/"+cardID, "", 403)

		printPath := "/api/v1/cards/" + cardID + "/print"
		for _, f := range []struct{ query, ct string }{{"", "application/pdf"}, {"?format=pdf", "application/pdf"},
			{"?format=front", "image/png"}, {"?format=back", "image/png"}} {
			res, b := c.do(oaReq{method: "GET", path: printPath + f.query, role: oaPrinter}, 200)
			if res.Header.Get("Content-Type") != f.ct || len(b) < 1000 {
				t.Errorf("GET %s%s: %s, %d bytes", printPath, f.query, res.Header.Get("Content-Type"), len(b))
			}
		}
		c.json(oaPrinter, "GET", printPath+"?format=bogus", "", 400)
		c.json(oaPrinter, "GET", "/api/v1/cards/"+oaMissingID+"/print", "", 404)
		c.json(oaAuditor, "GET", printPath, "", 403)

		// A card whose issuance stopped after it was prepared: not
		// printable until a retry with its Idempotency-Key signs it.
		if _, err := c.app.DB.SQL().Exec(c.app.DB.Rebind("UPDATE cards SET state = 'prepared', signed = NULL, qr_text = NULL WHERE id = ?"), cardID); err != nil {
			t.Fatal(err)
		}
		if prepared := c.json(oaOfficer, "GET", "/api/v1/cards/"+cardID, "", 200); oaStr(prepared, "state") != "prepared" {
			t.Errorf("card after reset: %v", prepared)
		}
		c.json(oaPrinter, "GET", printPath, "", 409)
		if _, signed := issue(oaOfficer, personID, "conformance-card-1", 200); oaStr(signed, "state") != "approved" {
			t.Errorf("retry of a prepared card: %v", signed)
		}
		c.do(oaReq{method: "GET", path: printPath, role: oaPrinter}, 200)

		// The public downloads, anonymously, and with a bad token.
		for _, path := range []string{"/api/v1/trust-list", "/api/v1/root.pem", "/api/v1/status-list", "/api/v1/verifier-bundle"} {
			c.do(oaReq{method: "GET", path: path}, 200)
			c.do(oaReq{method: "GET", path: path, role: oaVerifier}, 200)
			c.do(oaReq{method: "GET", path: path, bearer: "Bearer dkt_nope"}, 401)
		}

		// A server without card keys issues nothing.
		srv, err := web.New(service.New(c.app.DB, c.app.Blobs, c.app.Clock.Now, c.app.Service.Config(), nil), slog.New(slog.DiscardHandler), web.Options{Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		bare := httptest.NewServer(srv.Handler())
		defer bare.Close()
		c.do(oaReq{base: bare.URL, method: "POST", path: "/api/v1/people/" + personID + "/cards", role: oaOfficer,
			header: map[string]string{"Idempotency-Key": "conformance-card-6"}}, 503)
	})

	// The card of step "cards" through its life, over the API: printed
	// by the print operator, handed over and activated by the officer,
	// suspended and reinstated.
	var cardNumber, cardQR string
	step("lifecycle", func(t *testing.T) {
		c := c.with(t)
		base := "/api/v1/cards/" + cardID
		card := c.json(oaOfficer, "GET", base, "", 200)
		if oaStr(card, "state") != "approved" || oaStr(card, "effective_state") != "approved" || card["state_reason"] != nil {
			t.Fatalf("card before printing: %v", card)
		}
		cardNumber, cardQR = oaStr(card, "card_number"), oaStr(card, "qr_text")

		tr := base + "/transitions"
		c.json(oaOfficer, "POST", tr, `{"event":"print"}`, 403)                                               // print and spoil need card.print
		c.json(oaPrinter, "POST", tr, `{"event":"suspend","reason":"officer_action","note":"not mine"}`, 403) // the others card.manage
		c.json(oaPrinter, "POST", tr, `{"event":"handover"}`, 400)                                            // needs its record
		c.json(oaOfficer, "POST", tr, `{"event":"laminate"}`, 400)
		c.json(oaPrinter, "POST", tr, `{"event":"print","reason":"spoiled"}`, 400)
		c.json(oaPrinter, "POST", tr, `{"event":"print","version":99}`, 409)
		c.json(oaPrinter, "POST", "/api/v1/cards/"+oaMissingID+"/transitions", `{"event":"print"}`, 404)
		printed := c.json(oaPrinter, "POST", tr, fmt.Sprintf(`{"event":"print","note":"first run","version":%d}`, oaNum(card, "version")), 200)
		if oaStr(printed, "state") != "printed" || oaStr(printed, "state_reason") != "printed" || printed["state_changed_at"] == nil ||
			oaNum(printed, "version") != oaNum(card, "version")+1 {
			t.Errorf("printed card: %v", printed)
		}
		c.json(oaPrinter, "POST", tr, `{"event":"print"}`, 409)    // printed already
		c.json(oaOfficer, "POST", tr, `{"event":"activate"}`, 409) // not handed over yet

		ho := base + "/handover"
		c.json(oaOfficer, "GET", ho, "", 404) // not handed over yet
		c.json(oaPrinter, "POST", ho, `{"acknowledgement":"signature"}`, 403)
		c.json(oaOfficer, "POST", ho, `{"acknowledgement":"verbal"}`, 400)                   // without a witness
		c.json(oaOfficer, "POST", ho, `{"acknowledgement":"signature","pin":"123456"}`, 400) // too easy to guess
		c.json(oaOfficer, "POST", "/api/v1/cards/"+oaMissingID+"/handover", `{"acknowledgement":"signature"}`, 404)
		res, b := c.do(oaReq{method: "POST", path: ho, role: oaOfficer, contentType: "application/json",
			body: []byte(`{"acknowledgement":"verbal","witness":"Officer M. Ruiz","activate":true}`)}, 200)
		hr := oaDecode(t, b)
		got, _ := hr["card"].(map[string]any)
		h, _ := hr["handover"].(map[string]any)
		if oaStr(got, "state") != "active" || oaStr(got, "effective_state") != "active" || len(oaStr(hr, "pin")) != 6 ||
			oaStr(h, "witness") != "Officer M. Ruiz" || oaStr(h, "officer_id") != officerID || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("handover: %s %v", res.Header.Get("Cache-Control"), hr)
		}
		c.json(oaOfficer, "POST", ho, `{"acknowledgement":"signature","pin":"246813"}`, 409) // handed over already
		if rec := c.json(oaAdjud, "GET", ho, "", 200); oaStr(rec, "acknowledgement") != "verbal" || oaStr(rec, "card_id") != cardID {
			t.Errorf("handover record: %v", rec)
		}
		c.json(oaAuditor, "GET", ho, "", 403)
		c.json(oaOfficer, "GET", "/api/v1/cards/"+oaMissingID+"/handover", "", 404)

		// Suspended, then reinstated to the state it was suspended from.
		c.json(oaOfficer, "POST", tr, `{"event":"suspend","reason":"officer_action"}`, 400) // an officer's action needs a note
		c.json(oaOfficer, "POST", tr, `{"event":"suspend","reason":"lost_or_stolen"}`, 400) // a reason for revocation
		sus := c.json(oaOfficer, "POST", tr, `{"event":"suspend","reason":"officer_action","note":"holder asked to pause the card"}`, 200)
		if oaStr(sus, "state") != "suspended" || oaStr(sus, "suspended_from") != "active" || oaStr(sus, "state_reason") != "officer_action" {
			t.Errorf("suspended card: %v", sus)
		}
		c.json(oaOfficer, "POST", tr, `{"event":"suspend","reason":"reported_lost"}`, 409) // suspended already
		back := c.json(oaOfficer, "POST", tr, `{"event":"reinstate","reason":"resolved","note":"holder confirmed in person"}`, 200)
		if oaStr(back, "state") != "active" || back["suspended_from"] != nil || oaStr(back, "qr_text") != cardQR {
			t.Errorf("reinstated card: %v", back)
		}

		hist := c.json(oaAdjud, "GET", base+"/history", "", 200)
		var events []string
		for _, e := range hist["items"].([]any) {
			events = append(events, oaStr(e.(map[string]any), "event"))
		}
		if want := []string{"print", "handover", "activate", "suspend", "reinstate"}; !slices.Equal(events, want) {
			t.Errorf("history: %v, want events %v", hist, want)
		}
		c.json(oaOfficer, "GET", "/api/v1/cards/"+oaMissingID+"/history", "", 404)
		c.json(oaAuditor, "GET", base+"/history", "", 403)
	})

	step("verification", func(t *testing.T) {
		c := c.with(t)
		const v = "/api/v1/verify"
		qr, _ := json.Marshal(cardQR)
		disclosed := func(m map[string]any) []string {
			var out []string
			for _, d := range m["disclosed"].([]any) {
				out = append(out, d.(string))
			}
			return out
		}
		// A DHS officer states a purpose and sees the holder and a case
		// summary; a relying party sees validity, name and photo only.
		off := c.json(oaVerifier, "POST", v, `{"qr":`+string(qr)+`,"purpose":"traffic stop on I-45"}`, 200)
		holder, _ := off["holder"].(map[string]any)
		sum, _ := off["case_summary"].(map[string]any)
		cases, _ := sum["cases"].([]any)
		if oaStr(off, "result") != "valid" || oaStr(off, "card_number") != cardNumber || oaStr(holder, "family_names") != "PEÑA DE LA CRUZ" ||
			oaStr(holder, "photo") == "" || oaStr(holder, "photo_type") != "image/jpeg" || len(cases) != 2 ||
			!slices.Equal(disclosed(off), []string{"validity", "name", "photo", "case_summary"}) {
			t.Errorf("verification by a field verifier: %v", off)
		}
		rp := c.json(oaRelying, "POST", v, `{"qr":`+string(qr)+`}`, 200)
		if oaStr(rp, "result") != "valid" || rp["holder"] == nil || rp["case_summary"] != nil ||
			!slices.Equal(disclosed(rp), []string{"validity", "name", "photo"}) {
			t.Errorf("verification by a relying party: %v", rp)
		}
		if n := c.json(oaOfficer, "POST", v, `{"card_number":"`+strings.ToLower(cardNumber)+`","purpose":"counter check"}`, 200); oaStr(n, "result") != "valid" {
			t.Errorf("verification by card number: %v", n)
		}
		if n := c.json(oaRelying, "POST", v, `{"card_number":"DC0000001"}`, 200); oaStr(n, "result") != "not_genuine" || n["holder"] != nil {
			t.Errorf("verification of a number never issued: %v", n)
		}
		c.json(oaVerifier, "POST", v, `{"qr":`+string(qr)+`}`, 400) // DHS officers state a purpose
		_, b := c.do(oaReq{method: "POST", path: v, role: oaVerifier, contentType: "application/json",
			body: []byte(`{"qr":"NOT A CARD AT ALL","purpose":"traffic stop"}`)}, 400)
		var p web.Problem
		if json.Unmarshal(b, &p); len(p.Errors) != 1 || p.Errors[0].Field != "qr" {
			t.Errorf("a malformed QR payload: %s", b)
		}
		c.json(oaVerifier, "POST", v, `{"qr":`+string(qr)+`,"card_number":"`+cardNumber+`","purpose":"traffic stop"}`, 400)
		c.json(oaVerifier, "POST", v, `{"purpose":"traffic stop"}`, 400)
		c.json(oaVerifier, "POST", v, `{"card_number":"12345","purpose":"traffic stop"}`, 400)
		c.json(oaAuditor, "POST", v, `{"qr":`+string(qr)+`}`, 403)
		c.json(oaAdjud, "POST", v, `{"qr":`+string(qr)+`,"purpose":"curiosity"}`, 403)

		// Every verification is recorded as an encounter, which officers
		// of the holder's site (and the holder) read.
		enc := c.json(oaOfficer, "GET", "/api/v1/people/"+personID+"/encounters", "", 200)
		var fromRP, fromField bool
		for _, e := range enc["items"].([]any) {
			m := e.(map[string]any)
			fromRP = fromRP || (oaStr(m, "agency") == "Test County Court" && oaStr(m, "role") == "relying_party" &&
				!slices.Contains(disclosed(m), "case_summary") && oaStr(m, "method") == "qr")
			fromField = fromField || (oaStr(m, "agency") == "DHS" && oaStr(m, "purpose") == "traffic stop on I-45" &&
				slices.Contains(disclosed(m), "case_summary"))
		}
		if items := enc["items"].([]any); len(items) != 3 || !fromRP || !fromField {
			t.Errorf("encounters: %v", enc)
		}
		if one := c.json(oaAdjud, "GET", "/api/v1/people/"+personID+"/encounters?limit=1", "", 200); len(one["items"].([]any)) != 1 {
			t.Errorf("encounters?limit=1: %v", one)
		}
		c.json(oaOfficer, "GET", "/api/v1/people/"+personID+"/encounters?limit=0", "", 400)
		c.json(oaOfficer, "GET", "/api/v1/people/"+oaMissingID+"/encounters", "", 404)
		c.json(oaOfficer, "GET", "/api/v1/people/"+atlID+"/encounters", "", 403)
		c.json(oaVerifier, "GET", "/api/v1/people/"+personID+"/encounters", "", 403)

		// Verifications are rate limited per user and per address: a
		// server that allows one at a time refuses the second.
		srv, err := web.New(c.app.Service, slog.New(slog.DiscardHandler), web.Options{Version: "test", VerifiesPerMinute: 1, VerifyBurst: 1})
		if err != nil {
			t.Fatal(err)
		}
		tight := httptest.NewServer(srv.Handler())
		defer tight.Close()
		once := oaReq{base: tight.URL, method: "POST", path: v, role: oaRelying, contentType: "application/json", body: []byte(`{"card_number":"` + cardNumber + `"}`)}
		c.do(once, 200)
		c.do(once, 429)

		// A server without the trust list verifies no QR code.
		srv, err = web.New(service.New(c.app.DB, c.app.Blobs, c.app.Clock.Now, c.app.Service.Config(), nil), slog.New(slog.DiscardHandler), web.Options{Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		bare := httptest.NewServer(srv.Handler())
		defer bare.Close()
		c.do(oaReq{base: bare.URL, method: "POST", path: v, role: oaVerifier, contentType: "application/json",
			body: []byte(`{"qr":` + string(qr) + `,"purpose":"traffic stop"}`)}, 503)
	})

	var replacementID string
	step("replacement", func(t *testing.T) {
		c := c.with(t)
		path := "/api/v1/cards/" + cardID + "/replace"
		replace := func(role docketcard.Role, path, key, body string, want int) (*http.Response, map[string]any) {
			t.Helper()
			r := oaReq{method: "POST", path: path, role: role, contentType: "application/json", body: []byte(body)}
			if key != "" {
				r.header = map[string]string{"Idempotency-Key": key}
			}
			res, b := c.do(r, want)
			return res, oaDecode(t, b)
		}
		replace(oaOfficer, path, "", `{"reason":"damaged"}`, 400)
		replace(oaOfficer, path, "bad key", `{"reason":"damaged"}`, 400)
		replace(oaOfficer, path, "conformance-replace-1", `{"reason":"worn out"}`, 400)
		replace(oaPrinter, path, "conformance-replace-1", `{"reason":"damaged"}`, 403)
		replace(oaOfficer, "/api/v1/cards/"+oaMissingID+"/replace", "conformance-replace-1", `{"reason":"damaged"}`, 404)
		res, rc := replace(oaOfficer, path, "conformance-replace-1", `{"reason":"damaged","note":"the laminate is peeling"}`, 201)
		replacementID = oaStr(rc, "id")
		if res.Header.Get("Location") != "/api/v1/cards/"+replacementID || oaStr(rc, "replaces") != cardID ||
			oaStr(rc, "state") != "approved" || oaStr(rc, "card_number") == cardNumber {
			t.Errorf("replacement: %q %v", res.Header.Get("Location"), rc)
		}
		if _, again := replace(oaOfficer, path, "conformance-replace-1", `{"reason":"damaged"}`, 200); oaStr(again, "id") != replacementID {
			t.Errorf("a retry of the replacement gave %v, want card %s", again["id"], replacementID)
		}
		replace(oaOfficer, path, "conformance-replace-2", `{"reason":"damaged"}`, 409) // replaced already
		// The old card stays in use until the replacement is activated.
		if old := c.json(oaOfficer, "GET", "/api/v1/cards/"+cardID, "", 200); oaStr(old, "state") != "active" {
			t.Errorf("the replaced card: %v", old)
		}
	})

	step("printing", func(t *testing.T) {
		c := c.with(t)
		ids := func(m map[string]any, key, member string) []string {
			var out []string
			for _, it := range m[key].([]any) {
				out = append(out, oaStr(it.(map[string]any), member))
			}
			return out
		}
		// Another card for the person, so that one batch has a card to
		// print and one to spoil.
		_, b := c.do(oaReq{method: "POST", path: "/api/v1/people/" + personID + "/cards", role: oaOfficer,
			header: map[string]string{"Idempotency-Key": "conformance-card-7"}}, 201)
		extraID := oaStr(oaDecode(t, b), "id")

		queue := c.json(oaPrinter, "GET", "/api/v1/sites/HOU/print-queue", "", 200)
		if got := ids(queue, "items", "id"); !slices.Equal(got, []string{replacementID, extraID}) {
			t.Errorf("print queue: %v, want %v oldest first", got, []string{replacementID, extraID})
		}
		for _, it := range queue["items"].([]any) {
			if it.(map[string]any)["qr_text"] != nil {
				t.Errorf("the print queue lists a card's QR text: %v", it)
			}
		}
		if one := c.json(oaPrinter, "GET", "/api/v1/sites/HOU/print-queue?limit=1", "", 200); len(one["items"].([]any)) != 1 {
			t.Errorf("print-queue?limit=1: %v", one)
		}
		c.json(oaPrinter, "GET", "/api/v1/sites/HOU/print-queue?limit=0", "", 400)
		c.json(oaOfficer, "GET", "/api/v1/sites/HOU/print-queue", "", 403)
		c.json(oaPrinter, "GET", "/api/v1/sites/ATL/print-queue", "", 403)

		batches := "/api/v1/sites/HOU/print-batches"
		c.json(oaPrinter, "POST", batches, `{"max_cards":0}`, 400)
		c.json(oaPrinter, "POST", batches, `{"max_cards":201}`, 400)
		c.json(oaOfficer, "POST", batches, `{"max_cards":2}`, 403)
		c.json(oaPrinter, "POST", "/api/v1/sites/ATL/print-batches", `{"max_cards":2}`, 403)
		res, b := c.do(oaReq{method: "POST", path: batches, role: oaPrinter, contentType: "application/json", body: []byte(`{"max_cards":2}`)}, 201)
		batch := oaDecode(t, b)
		batchID := oaStr(batch, "id")
		if res.Header.Get("Location") != "/api/v1/print-batches/"+batchID || !slices.Equal(ids(batch, "cards", "card_id"), []string{replacementID, extraID}) ||
			!slices.Equal(ids(batch, "cards", "outcome"), []string{"pending", "pending"}) {
			t.Errorf("new batch: %q %v", res.Header.Get("Location"), batch)
		}
		c.json(oaPrinter, "POST", batches, "", 409) // the queue is empty
		if list := c.json(oaPrinter, "GET", batches, "", 200); !slices.Equal(ids(list, "items", "id"), []string{batchID}) {
			t.Errorf("batches of HOU: %v", list)
		}
		c.json(oaPrinter, "GET", batches+"?limit=0", "", 400)
		c.json(oaOfficer, "GET", batches, "", 403)

		bp := "/api/v1/print-batches/" + batchID
		c.json(oaPrinter, "GET", bp, "", 200)
		c.json(oaPrinter, "GET", "/api/v1/print-batches/"+oaMissingID, "", 404)
		c.json(oaOfficer, "GET", bp, "", 403)
		for _, q := range []string{"", "?kind=cards", "?kind=proof", "?kind=proof&paper=letter", "?kind=proof&paper=A4"} {
			res, b := c.do(oaReq{method: "GET", path: bp + "/pdf" + q, role: oaPrinter}, 200)
			if res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Errorf("GET %s/pdf%s: %s, %q", bp, q, res.Header.Get("Content-Type"), oaShorten(b[:min(len(b), 16)]))
			}
		}
		c.json(oaPrinter, "GET", bp+"/pdf?kind=poster", "", 400)
		c.json(oaPrinter, "GET", bp+"/pdf?kind=proof&paper=a5", "", 400)
		c.json(oaPrinter, "GET", "/api/v1/print-batches/"+oaMissingID+"/pdf", "", 404)
		c.json(oaOfficer, "GET", bp+"/pdf", "", 403)

		out := bp + "/outcomes"
		outcome := func(card, o string) string { return `{"card_id":"` + card + `","outcome":"` + o + `"}` }
		c.json(oaPrinter, "POST", out, `{"outcomes":[]}`, 400)
		c.json(oaPrinter, "POST", out, `{"outcomes":[`+outcome(replacementID, "smudged")+`]}`, 400)
		c.json(oaPrinter, "POST", out, `{"outcomes":[`+outcome(cardID, "printed")+`]}`, 400) // not in the batch
		c.json(oaPrinter, "POST", out, `{"outcomes":[`+outcome(extraID, "printed")+`,`+outcome(extraID, "spoiled")+`]}`, 400)
		c.json(oaOfficer, "POST", out, `{"outcomes":[`+outcome(replacementID, "printed")+`]}`, 403)
		c.json(oaPrinter, "POST", "/api/v1/print-batches/"+oaMissingID+"/outcomes", `{"outcomes":[`+outcome(replacementID, "printed")+`]}`, 404)
		done := c.json(oaPrinter, "POST", out, `{"outcomes":[`+outcome(replacementID, "printed")+`,{"card_id":"`+extraID+`","outcome":"spoiled","note":"ribbon jam"}]}`, 200)
		cards, _ := done["cards"].([]any)
		var reprintID string
		if len(cards) == 2 {
			pc, sc := cards[0].(map[string]any), cards[1].(map[string]any)
			reprintID = oaStr(sc, "reprint")
			if oaStr(pc, "outcome") != "printed" || pc["outcome_at"] == nil || oaStr(sc, "outcome") != "spoiled" || reprintID == "" {
				t.Errorf("outcomes: %v", done)
			}
		} else {
			t.Errorf("outcomes: %v", done)
		}
		c.json(oaPrinter, "POST", out, `{"outcomes":[`+outcome(replacementID, "printed")+`]}`, 200) // a resent outcome: no change
		c.json(oaPrinter, "POST", out, `{"outcomes":[`+outcome(replacementID, "spoiled")+`]}`, 409) // a different one: conflict
		c.json(oaPrinter, "GET", bp+"/pdf", "", 409)                                                // nothing left to print
		if sp := c.json(oaOfficer, "GET", "/api/v1/cards/"+extraID, "", 200); oaStr(sp, "state") != "revoked" || oaStr(sp, "state_reason") != "spoiled" {
			t.Errorf("spoiled card: %v", sp)
		}
		// The reprint is back in the queue, and a batch of the default
		// size takes it.
		if rp := c.json(oaOfficer, "GET", "/api/v1/cards/"+reprintID, "", 200); oaStr(rp, "state") != "approved" || oaStr(rp, "replaces") != extraID {
			t.Errorf("reprint: %v", rp)
		}
		_, b = c.do(oaReq{method: "POST", path: batches, role: oaPrinter}, 201)
		if next := oaDecode(t, b); !slices.Equal(ids(next, "cards", "card_id"), []string{reprintID}) {
			t.Errorf("batch of the reprint: %v", next)
		}

		// The printed replacement is handed over and activated: the card
		// it replaces is revoked in the same transaction, and no longer
		// verifies.
		c.json(oaOfficer, "POST", "/api/v1/cards/"+replacementID+"/handover", `{"acknowledgement":"signature","pin":"246813","activate":true}`, 200)
		if old := c.json(oaOfficer, "GET", "/api/v1/cards/"+cardID, "", 200); oaStr(old, "state") != "revoked" || oaStr(old, "state_reason") != "superseded" {
			t.Errorf("the replaced card after the replacement's activation: %v", old)
		}
		qr, _ := json.Marshal(cardQR)
		if r := c.json(oaRelying, "POST", "/api/v1/verify", `{"qr":`+string(qr)+`}`, 200); oaStr(r, "result") != "revoked" || r["holder"] != nil {
			t.Errorf("verification of the replaced card by a relying party: %v", r)
		}
	})

	step("status list", func(t *testing.T) {
		c := c.with(t)
		const publish = "/api/v1/status-list/publish"
		c.json(oaOfficer, "POST", publish, "", 403)
		pub := c.json(oaManager, "POST", publish, "", 200)
		etag := `"` + oaStr(pub, "sha256") + `"`
		res, list := c.do(oaReq{method: "GET", path: "/api/v1/status-list"}, 200)
		sum := sha256.Sum256(list)
		if res.Header.Get("ETag") != etag || hex.EncodeToString(sum[:]) != oaStr(pub, "sha256") {
			t.Errorf("status list: ETag %s, body sha256 %x; published %v", res.Header.Get("ETag"), sum, pub)
		}
		// A verifier's refresh: 304 while the list it holds is the newest.
		c.do(oaReq{method: "GET", path: "/api/v1/status-list", header: map[string]string{"If-None-Match": etag}}, 304)
		c.do(oaReq{method: "GET", path: "/api/v1/status-list", header: map[string]string{"If-None-Match": "*"}}, 304)
		c.do(oaReq{method: "GET", path: "/api/v1/status-list", header: map[string]string{"If-None-Match": `"` + strings.Repeat("0", 64) + `"`}}, 200)

		_, b := c.do(oaReq{method: "GET", path: "/api/v1/verifier-bundle"}, 200)
		if bundle, err := credential.DecodeBundle(b); err != nil || !bytes.Equal(bundle.StatusList, list) || !bytes.Equal(bundle.Root, c.app.Keys.Root().Raw) {
			t.Errorf("verifier bundle: %v", err)
		}

		// Another server on the same database, without card keys, serves
		// the stored list but publishes nothing: the app's server holds
		// the publisher lease.
		srv, err := web.New(service.New(c.app.DB, c.app.Blobs, c.app.Clock.Now, c.app.Service.Config(), nil), slog.New(slog.DiscardHandler), web.Options{Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		bare := httptest.NewServer(srv.Handler())
		defer bare.Close()
		if _, b := c.do(oaReq{base: bare.URL, method: "GET", path: "/api/v1/status-list"}, 200); !bytes.Equal(b, list) {
			t.Error("a server without keys serves another status list than the newest published")
		}
		c.do(oaReq{base: bare.URL, method: "GET", path: "/api/v1/verifier-bundle"}, 503)
		c.do(oaReq{base: bare.URL, method: "POST", path: publish, role: oaManager}, 409)
	})

	step("audit", func(t *testing.T) {
		c := c.with(t)
		page := c.json(oaAuditor, "GET", "/api/v1/audit?limit=2", "", 200)
		cur := oaStr(page, "next_cursor")
		if cur == "" {
			t.Fatalf("GET /api/v1/audit?limit=2: no next_cursor: %v", page)
		}
		c.json(oaAuditor, "GET", "/api/v1/audit?limit=2&cursor="+cur, "", 200)
		all := c.json(oaAuditor, "GET", "/api/v1/audit?limit=200&subject="+personID, "", 200)
		purposeSeen := false
		for _, e := range all["items"].([]any) {
			m := e.(map[string]any)
			purposeSeen = purposeSeen || (oaStr(m, "purpose") == "FOIA request 2026-0042" && oaStr(m, "request_id") == "conformance-1")
		}
		if !purposeSeen {
			t.Error("the Docketcard-Purpose and X-Request-Id of a read are not in the audit trail")
		}
		c.json(oaAuditor, "GET", "/api/v1/audit?actor="+officerID, "", 200)
		c.json(oaAuditor, "GET", "/api/v1/audit", "", 200)
		c.json(oaAuditor, "GET", "/api/v1/audit?cursor=abc", "", 400)
		c.json(oaAuditor, "GET", "/api/v1/audit?limit=1000", "", 400)
		c.json(oaOfficer, "GET", "/api/v1/audit", "", 403)
		rep := c.json(oaAuditor, "POST", "/api/v1/audit/verify", "", 200)
		if rep["ok"] != true {
			t.Errorf("audit verification: %v", rep)
		}
		c.json(oaOfficer, "POST", "/api/v1/audit/verify", "", 403)

		// The card lifecycle is audited.
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"subject=" + cardID, []string{docketcard.ActionCardTransition, docketcard.ActionHandover, docketcard.ActionCardReplace, docketcard.ActionVerifyCard}},
			{"actor=" + c.app.Users[oaPrinter].ID, []string{docketcard.ActionPrintBatch, docketcard.ActionCardTransition}},
			{"actor=" + c.app.Users[oaManager].ID, []string{docketcard.ActionStatusPublish}},
		} {
			page := c.json(oaAuditor, "GET", "/api/v1/audit?limit=200&"+tc.query, "", 200)
			seen := map[string]bool{}
			for _, e := range page["items"].([]any) {
				seen[oaStr(e.(map[string]any), "action")] = true
			}
			for _, a := range tc.want {
				if !seen[a] {
					t.Errorf("GET /api/v1/audit?%s: no %s entry", tc.query, a)
				}
			}
		}
	})
	return
}

// with returns a copy of c that reports to t.
func (c *oaClient) with(t *testing.T) *oaClient {
	cc := *c
	cc.t = t
	return &cc
}
