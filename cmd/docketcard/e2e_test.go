package main

// End-to-end tests: they boot the real program through Main.Run, in
// process with buffers and a fake environment, or (where a process must
// die mid-flight) by re-executing this test binary as the docketcard
// command. Every person in them is synthetic.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/perf"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/service"
)

// mainEnv makes the test binary behave as the docketcard command, so that
// tests can run it as a child process and kill it.
const mainEnv = "DOCKETCARD_E2E_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := (&Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}).Run(ctx, os.Args[1:])
		stop()
		os.Exit(code)
	}
	code := m.Run()
	if demoOnce.dir != "" {
		os.RemoveAll(demoOnce.dir)
	}
	os.Exit(code)
}

// syncBuffer is a bytes.Buffer safe for a server goroutine writing while
// the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a fake process environment: only the variables a test sets are
// visible to the program, whatever the developer's shell exports.
type env map[string]string

func (e env) getenv(k string) string { return e[k] }

// with returns a copy of e with more variables set.
func (e env) with(kv ...string) env {
	out := env{}
	for k, v := range e {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func sqliteEnv(dir string) env { return env{"DOCKETCARD_DATA_DIR": dir} }

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// run runs one docketcard command in process to completion.
func run(t *testing.T, e env, args ...string) result {
	t.Helper()
	var stdout, stderr syncBuffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: e.getenv}
	code := m.Run(t.Context(), args)
	return result{code, stdout.String(), stderr.String()}
}

// mustRun runs a command that must succeed.
func mustRun(t *testing.T, e env, args ...string) result {
	t.Helper()
	r := run(t, e, args...)
	if r.code != 0 {
		t.Fatalf("docketcard %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// server is a long-running command (serve or demo) booted in process.
type server struct {
	addr           string
	cancel         context.CancelFunc
	done           chan int
	stdout, stderr *syncBuffer
}

// startServer runs args in a goroutine and waits until the server
// listens. It fails the test if the command exits first.
func startServer(t *testing.T, e env, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{cancel: cancel, done: make(chan int, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	ready := make(chan string, 1)
	m := &Main{Stdout: s.stdout, Stderr: s.stderr, Getenv: e.getenv, Ready: func(addr string) { ready <- addr }}
	go func() { s.done <- m.Run(ctx, args) }()
	t.Cleanup(func() {
		// Whatever happened, stop the server before the data directory goes.
		cancel()
		select {
		case <-s.done:
		case <-time.After(time.Minute):
			t.Errorf("docketcard %s did not stop within a minute of cancellation", args[0])
		}
	})
	select {
	case s.addr = <-ready:
	case code := <-s.done:
		s.done <- code
		t.Fatalf("docketcard %s exited with %d before listening\n--- stdout:\n%s--- stderr:\n%s", strings.Join(args, " "), code, s.stdout, s.stderr)
	case <-time.After(3 * time.Minute):
		t.Fatalf("docketcard %s did not listen within 3 minutes\n--- stderr:\n%s", strings.Join(args, " "), s.stderr)
	}
	return s
}

// stop cancels the server's context (as SIGTERM does) and returns its
// exit code.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code // for the cleanup
		return code
	case <-time.After(time.Minute):
		t.Fatal("server did not shut down within a minute")
		return -1
	}
}

// migratedDir returns a data directory with a migrated SQLite database
// and the Houston field office.
func migratedDir(t *testing.T) (string, env) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	e := sqliteEnv(dir)
	mustRun(t, e, "migrate")
	mustRun(t, e, "site", "create", "-code", "HOU", "-name", "Houston Field Office", "-city", "Houston", "-tz", "America/Chicago", "-quota", "3000")
	return dir, e
}

func openSQLite(t *testing.T, path string, readOnly bool) *sql.DB {
	t.Helper()
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(10000)"
	if readOnly {
		dsn += "&mode=ro"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// ---------------------------------------------------------------------------
// 1. The demo: one login per role, each works in the browser pages.

type demoLogin struct{ username, role, password, sites string }

// parseLogins reads the logins table the demo prints.
func parseLogins(t *testing.T, out string) []demoLogin {
	t.Helper()
	lines := strings.Split(out, "\n")
	start := slices.IndexFunc(lines, func(l string) bool {
		f := strings.Fields(l)
		return len(f) == 4 && f[0] == "USERNAME" && f[1] == "ROLE" && f[2] == "PASSWORD" && f[3] == "SITES"
	})
	if start < 0 {
		t.Fatalf("no logins table (USERNAME ROLE PASSWORD SITES) in the output:\n%s", out)
	}
	var ls []demoLogin
	for _, l := range lines[start+1:] {
		f := strings.Fields(l)
		if len(f) == 0 {
			break
		}
		if len(f) < 3 || len(f) > 4 {
			t.Fatalf("bad logins line %q", l)
		}
		d := demoLogin{username: f[0], role: f[1], password: f[2]}
		if len(f) == 4 {
			d.sites = f[3]
		}
		ls = append(ls, d)
	}
	return ls
}

var (
	csrfFieldRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	rolesRE     = regexp.MustCompile(`id="roles">([^<]*)<`)
	usernameRE  = regexp.MustCompile(`<dd id="username">([^<]*)<`)
)

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so that each response can be checked.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// loginForm fetches the sign-in page and returns its CSRF token, checking
// that the cookie and the hidden field carry the same one.
func loginForm(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	res, body := do(t, c, mustRequest(t, http.MethodGet, base+"/login", nil))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: %d\n%s", res.StatusCode, body)
	}
	ck := cookieNamed(res, "docketcard_login_csrf")
	if ck == nil || ck.Value == "" {
		t.Fatalf("GET /login set no docketcard_login_csrf cookie: %v", res.Header["Set-Cookie"])
	}
	m := csrfFieldRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("GET /login: no csrf_token field in\n%s", body)
	}
	if m[1] != ck.Value {
		t.Fatalf("login CSRF field %q differs from its cookie %q", m[1], ck.Value)
	}
	return m[1]
}

func mustRequest(t *testing.T, method, u string, form url.Values) *http.Request {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

const demoSessionCookie = "docketcard_session" // the demo serves plain HTTP: no __Host- prefix

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo-data")
	e := env{}
	srv := startServer(t, e, "demo", "-data-dir", dir, "-people", "6", "-addr", "127.0.0.1:0")
	base := "http://" + srv.addr
	out := srv.stdout.String()
	if !strings.Contains(out, "Creating demo data") || !strings.Contains(out, "serving at "+base) {
		t.Errorf("demo output does not say it created the data and where it serves:\n%s", out)
	}
	logins := parseLogins(t, out)
	var roles []string
	for _, l := range logins {
		roles = append(roles, l.role)
	}
	var want []string
	for _, r := range docketcard.Roles {
		want = append(want, string(r))
	}
	if !slices.Equal(slices.Sorted(slices.Values(roles)), slices.Sorted(slices.Values(want))) {
		t.Fatalf("demo logins cover roles %v, want one for each of %v", roles, want)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "demo-logins.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "demo-logins.txt")); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("demo-logins.txt has mode %v, want 0600", fi.Mode().Perm())
	}
	if !slices.Equal(parseLogins(t, string(saved)), logins) {
		t.Errorf("demo-logins.txt differs from the printed logins:\n%s", saved)
	}

	for _, l := range logins {
		t.Run("login/"+l.role, func(t *testing.T) {
			c := browser(t)
			tok := loginForm(t, c, base)
			res, body := do(t, c, mustRequest(t, http.MethodPost, base+"/login",
				url.Values{"username": {l.username}, "password": {l.password}, "csrf_token": {tok}}))
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
				t.Fatalf("POST /login: %d Location %q, want 303 to /\n%s", res.StatusCode, res.Header.Get("Location"), body)
			}
			if ck := cookieNamed(res, demoSessionCookie); ck == nil || ck.Value == "" || !ck.HttpOnly {
				t.Fatalf("POST /login set no HttpOnly %s cookie: %v", demoSessionCookie, res.Header["Set-Cookie"])
			}
			res, body = do(t, c, mustRequest(t, http.MethodGet, base+"/", nil))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET / after sign-in: %d\n%s", res.StatusCode, body)
			}
			if !strings.Contains(body, "Welcome") {
				t.Errorf("GET / does not welcome the user:\n%s", body)
			}
			if m := rolesRE.FindStringSubmatch(body); m == nil || !slices.Contains(strings.Split(m[1], ", "), l.role) {
				t.Errorf(`GET /: id="roles" is %q, want it to name %s`, m, l.role)
			}
			if m := usernameRE.FindStringSubmatch(body); m == nil || m[1] != l.username {
				t.Errorf(`GET /: id="username" is %q, want %s`, m, l.username)
			}
		})
	}

	officer := logins[slices.IndexFunc(logins, func(l demoLogin) bool { return l.role == string(docketcard.RoleEnrollmentOfficer) })]
	refused := []struct {
		name, username, password string
		csrf                     bool // send the form's CSRF token
		status                   int
		message                  string
	}{
		{"wrong password", officer.username, officer.password + "x", true, http.StatusUnauthorized, "Invalid username or password"},
		{"unknown user", "nobody", officer.password, true, http.StatusUnauthorized, "Invalid username or password"},
		{"no CSRF token", officer.username, officer.password, false, http.StatusForbidden, "form expired"},
	}
	for _, tc := range refused {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			c := browser(t)
			tok := loginForm(t, c, base)
			form := url.Values{"username": {tc.username}, "password": {tc.password}}
			if tc.csrf {
				form.Set("csrf_token", tok)
			}
			res, body := do(t, c, mustRequest(t, http.MethodPost, base+"/login", form))
			if res.StatusCode != tc.status {
				t.Errorf("POST /login: %d, want %d", res.StatusCode, tc.status)
			}
			if !strings.Contains(body, `id="login-error"`) || !strings.Contains(body, tc.message) || !strings.Contains(body, `name="password"`) {
				t.Errorf("POST /login did not show the sign-in page again with %q:\n%s", tc.message, body)
			}
			if ck := cookieNamed(res, demoSessionCookie); ck != nil {
				t.Errorf("a refused sign-in set a session cookie: %v", ck)
			}
			res, _ = do(t, c, mustRequest(t, http.MethodGet, base+"/", nil))
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
				t.Errorf("GET / after a refused sign-in: %d to %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
			}
		})
	}

	if code := srv.stop(t); code != 0 {
		t.Fatalf("demo exited %d after cancellation, want 0 (graceful shutdown)\n--- stderr:\n%s", code, srv.stderr)
	}
	if !strings.Contains(srv.stderr.String(), "stopped") {
		t.Errorf("demo did not log a clean stop:\n%s", srv.stderr)
	}

	t.Run("rerun reuses the data", func(t *testing.T) {
		r := mustRun(t, e, "demo", "-data-dir", dir, "-no-serve")
		if !strings.Contains(r.stdout, "Using the existing demo data") || strings.Contains(r.stdout, "Creating demo data") {
			t.Errorf("second demo run does not say it reuses the data:\n%s", r)
		}
		if got := parseLogins(t, r.stdout); !slices.Equal(got, logins) {
			t.Errorf("second demo run printed other logins:\n%v\nwant\n%v", got, logins)
		}
	})

	// The demo serves plain HTTP with printed passwords: loopback only.
	addrs := []struct {
		name, addr string
		code       int
	}{
		{"IPv4 loopback", "127.0.0.1:0", exitOK},
		{"localhost", "localhost:0", exitOK},
		{"IPv6 loopback", "[::1]:0", exitOK},
		{"all interfaces", "0.0.0.0:8080", exitUsage},
		{"IPv6 all interfaces", "[::]:8080", exitUsage},
		{"another host", "example.org:8080", exitUsage},
	}
	for _, tc := range addrs {
		t.Run("addr/"+tc.name, func(t *testing.T) {
			r := run(t, e, "demo", "-data-dir", dir, "-no-serve", "-addr", tc.addr)
			if r.code != tc.code {
				t.Fatalf("demo -addr %s: %s\nwant exit %d", tc.addr, r, tc.code)
			}
			if tc.code == exitUsage && !strings.Contains(r.stderr, "loopback only") {
				t.Errorf("demo -addr %s does not explain the refusal:\n%s", tc.addr, r)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 2. The audit trail's hash chain catches edits and cuts.

// demoOnce creates one demo data directory (without serving) for the tests
// that damage copies of it; TestMain removes it.
var demoOnce struct {
	sync.Once
	dir string
	err error
}

func demoDB(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "docketcard-e2e-demo-")
		if err != nil {
			demoOnce.err = err
			return
		}
		var out syncBuffer
		m := &Main{Stdout: &out, Stderr: &out, Getenv: env{}.getenv}
		if code := m.Run(context.Background(), []string{"demo", "-data-dir", dir, "-people", "6", "-no-serve"}); code != 0 {
			demoOnce.err = fmt.Errorf("demo -no-serve exited %d:\n%s", code, out.String())
		}
		demoOnce.dir = dir
	})
	if demoOnce.err != nil {
		t.Fatal(demoOnce.err)
	}
	return filepath.Join(demoOnce.dir, "docketcard.db")
}

// copyDB copies an SQLite database (closed, with any WAL beside it) into
// a fresh data directory and returns the directory.
func copyDB(t *testing.T, src string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(src + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "docketcard.db"+suffix), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type auditJSON struct {
	OK       bool                      `json:"ok"`
	Entries  int64                     `json:"entries"`
	HeadSeq  int64                     `json:"head_seq"`
	Problems []docketcard.AuditProblem `json:"problems"`
}

func TestAuditVerify(t *testing.T) {
	src := demoDB(t)
	cases := []struct {
		name string
		// damage runs SQL on the copy; "$last" is the last entry's seq.
		damage   []string
		code     int
		want     []string // in the text report
		problems []docketcard.AuditProblem
	}{
		{name: "intact", code: exitOK, want: []string{"audit trail intact"}},
		{
			name:     "entry edited",
			damage:   []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET purpose = 'curiosity' WHERE seq = 7`},
			code:     exitAuditBad,
			want:     []string{"audit trail BROKEN", "entry 7: edited"},
			problems: []docketcard.AuditProblem{{Seq: 7, Kind: "edited"}},
		},
		{
			name:     "entry deleted",
			damage:   []string{`DROP TRIGGER audit_log_no_delete`, `DELETE FROM audit_log WHERE seq = 7`},
			code:     exitAuditBad,
			want:     []string{"audit trail BROKEN", "entry 8: deleted", "entries 7 to 7 are missing"},
			problems: []docketcard.AuditProblem{{Seq: 8, Kind: "deleted"}},
		},
		{
			name:     "entries cut from the end",
			damage:   []string{`DROP TRIGGER audit_log_no_delete`, `DELETE FROM audit_log WHERE seq >= $last - 1`},
			code:     exitAuditBad,
			want:     []string{"audit trail BROKEN", "deleted", "the audit head records $last entries but the chain ends at entry $last-2"},
			problems: []docketcard.AuditProblem{{Seq: -1, Kind: "deleted"}}, // Seq -1: the head's seq
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDB(t, src)
			db := openSQLite(t, filepath.Join(dir, "docketcard.db"), false)
			last := queryInt(t, db, `SELECT MAX(seq) FROM audit_log`)
			if last < 10 {
				t.Fatalf("the demo wrote only %d audit entries", last)
			}
			expand := func(s string) string {
				s = strings.ReplaceAll(s, "$last-2", fmt.Sprint(last-2))
				return strings.ReplaceAll(s, "$last", fmt.Sprint(last))
			}
			for _, q := range tc.damage {
				if _, err := db.Exec(expand(q)); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			e := sqliteEnv(dir)

			r := run(t, e, "audit", "verify")
			if r.code != tc.code {
				t.Fatalf("audit verify: %s\nwant exit %d", r, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, expand(w)) {
					t.Errorf("audit verify output lacks %q:\n%s", expand(w), r)
				}
			}

			r = run(t, e, "audit", "verify", "-json")
			if r.code != tc.code {
				t.Fatalf("audit verify -json: %s\nwant exit %d", r, tc.code)
			}
			var rep auditJSON
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("audit verify -json: %v\n%s", err, r)
			}
			if rep.OK != (len(tc.problems) == 0) || len(rep.Problems) != len(tc.problems) {
				t.Fatalf("audit verify -json: ok=%t problems %+v, want %+v", rep.OK, rep.Problems, tc.problems)
			}
			for i, p := range tc.problems {
				if p.Seq == -1 {
					p.Seq = int64(last)
				}
				if got := rep.Problems[i]; got.Seq != p.Seq || got.Kind != p.Kind || got.Detail == "" {
					t.Errorf("problem %d: %+v, want seq %d kind %s", i, got, p.Seq, p.Kind)
				}
			}
		})
	}

	t.Run("the triggers refuse edits", func(t *testing.T) {
		dir := copyDB(t, src)
		db := openSQLite(t, filepath.Join(dir, "docketcard.db"), false)
		for _, q := range []string{`UPDATE audit_log SET purpose = 'curiosity' WHERE seq = 7`, `DELETE FROM audit_log WHERE seq = 7`} {
			if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want the append-only trigger to refuse it", q, err)
			}
		}
		db.Close()
		if r := run(t, sqliteEnv(dir), "audit", "verify"); r.code != 0 {
			t.Errorf("audit verify after refused edits: %s", r)
		}
	})
}

// ---------------------------------------------------------------------------
// 3. Killing an import loses nothing that was committed.

// childCommand runs this test binary as the docketcard command, with only
// the given DOCKETCARD_* variables.
func childCommand(e env, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOCKETCARD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, mainEnv+"=1")
	for k, v := range e {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// csvAliases maps each A-number of a people CSV to its number of aliases.
func csvAliases(t *testing.T, file []byte) map[string]int {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(file)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	out := map[string]int{}
	for _, r := range recs[1:] {
		a, err := docketcard.ParseANumber(r[col["a_number"]])
		if err != nil {
			t.Fatal(err)
		}
		out[string(a)] = len(service.ParseAliases(r[col["aliases"]]))
	}
	return out
}

const importBatch = 500 // service.DefaultConfig().ImportBatch

func TestImportKilled(t *testing.T) {
	const total = 30_000
	dir, e := migratedDir(t)
	dbPath := filepath.Join(dir, "docketcard.db")
	file := perf.PeopleCSV(total, 1, []string{"HOU"}, time.Now())
	path := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	aliases := csvAliases(t, file)
	if len(aliases) != total {
		t.Fatalf("the CSV has %d distinct A-numbers, want %d", len(aliases), total)
	}

	cmd := childCommand(e, "import", path)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	// Wait for the first committed batch, then kill the process at once.
	ro := openSQLite(t, dbPath, true)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var n int
		if err := ro.QueryRow(`SELECT COUNT(*) FROM people`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("import exited (%v) before any batch was seen committed:\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no person was enrolled within 2 minutes:\n%s", out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to clean up
		t.Fatal(err)
	}
	err := <-exited
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Exited() {
		t.Fatalf("import was not killed (it ended with %v); make the file bigger so it cannot finish first:\n%s", err, out.String())
	}

	killed := queryInt(t, ro, `SELECT COUNT(*) FROM people`)
	t.Logf("the killed import had committed %d of %d people", killed, total)
	if killed == 0 || killed >= total {
		t.Fatalf("%d people after the kill, want some but not all %d; make the file bigger", killed, total)
	}
	if killed%importBatch != 0 {
		t.Errorf("%d people after the kill: not a whole number of %d-row batches", killed, importBatch)
	}

	// Every committed person has all their aliases, and no alias is orphaned.
	rows, err := ro.Query(`SELECT p.a_number, COUNT(a.person_id) FROM people p LEFT JOIN person_aliases a ON a.person_id = p.id GROUP BY p.id, p.a_number`)
	if err != nil {
		t.Fatal(err)
	}
	var seen, withAliases int
	for rows.Next() {
		var an string
		var n int
		if err := rows.Scan(&an, &n); err != nil {
			t.Fatal(err)
		}
		seen++
		want, ok := aliases[an]
		if !ok {
			t.Errorf("person %s is not in the file", an)
		} else if n != want {
			t.Errorf("person %s has %d aliases, the file gives %d", an, n, want)
		}
		if n > 0 {
			withAliases++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if seen != killed || withAliases == 0 {
		t.Errorf("checked %d people (%d with aliases), want %d people and some aliases", seen, withAliases, killed)
	}
	if n := queryInt(t, ro, `SELECT COUNT(*) FROM person_aliases WHERE person_id NOT IN (SELECT id FROM people)`); n != 0 {
		t.Errorf("%d aliases belong to nobody", n)
	}
	// Every committed person has exactly one import audit entry.
	if n := queryInt(t, ro, `SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND subject_type = 'person'`); n != killed {
		t.Errorf("%d import audit entries for %d people", n, killed)
	}
	if n := queryInt(t, ro, `SELECT COUNT(*) FROM people WHERE id NOT IN (SELECT subject_id FROM audit_log WHERE action = 'import')`); n != 0 {
		t.Errorf("%d people have no import audit entry", n)
	}
	ro.Close()

	if r := run(t, e, "audit", "verify"); r.code != 0 || !strings.Contains(r.stdout, "intact") {
		t.Fatalf("audit verify after the kill: %s", r)
	}

	// Running the same file again finishes the job and enrols nobody twice.
	r := run(t, e, "import", path)
	if r.code != 0 {
		t.Fatalf("import re-run: %s", r)
	}
	want := fmt.Sprintf("rows %d: created %d, already enrolled %d, rejected 0", total, total-killed, killed)
	if !strings.Contains(r.stdout, want) {
		t.Errorf("import re-run report lacks %q:\n%s", want, r)
	}
	db := openSQLite(t, dbPath, true)
	if n := queryInt(t, db, `SELECT COUNT(*) FROM people`); n != total {
		t.Errorf("%d people after the re-run, want %d", n, total)
	}
	if n := queryInt(t, db, `SELECT COUNT(DISTINCT a_number) FROM people`); n != total {
		t.Errorf("%d distinct A-numbers after the re-run, want %d", n, total)
	}
	if n := queryInt(t, db, `SELECT COUNT(DISTINCT subject_id) FROM audit_log WHERE action = 'import'`); n != total {
		t.Errorf("%d people with an import audit entry after the re-run, want %d", n, total)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'import'`); n != total {
		t.Errorf("%d import audit entries after the re-run, want %d", n, total)
	}
	db.Close()
	if r := run(t, e, "audit", "verify"); r.code != 0 || !strings.Contains(r.stdout, "intact") {
		t.Errorf("audit verify after the re-run: %s", r)
	}
}

// ---------------------------------------------------------------------------
// 4. The server refuses an unmigrated database; migrate fixes it.

func TestSchemaRefusalAndMigrate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	e := sqliteEnv(dir)

	listened := false
	var stdout, stderr syncBuffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: e.getenv, Ready: func(string) { listened = true }}
	if code := m.Run(t.Context(), []string{"serve", "-addr", "127.0.0.1:0"}); code == 0 || listened {
		t.Fatalf("serve on an unmigrated database: exit %d, listened %t; want a refusal", code, listened)
	}
	if !strings.Contains(stderr.String(), "run `docketcard migrate`") {
		t.Errorf("serve's refusal does not tell the operator to run docketcard migrate:\n%s", stderr.String())
	}

	migs, _ := filepath.Glob("../../sqlstore/migrations/sqlite/*.sql")
	latest := strconv.Itoa(len(migs))
	steps := []struct {
		args []string
		want []string
	}{
		{[]string{"migrate", "-status"}, []string{"schema is at version 0", "needs " + latest, "run `docketcard migrate`"}},
		{[]string{"migrate"}, []string{"schema version " + latest + " of " + latest + " (sqlite)"}},
		{[]string{"migrate", "-status"}, []string{"schema version " + latest + " of " + latest + ": up to date"}},
		{[]string{"migrate"}, []string{"schema version " + latest + " of " + latest + " (sqlite)"}}, // idempotent
	}
	for _, s := range steps {
		r := mustRun(t, e, s.args...)
		for _, w := range s.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("docketcard %s: output lacks %q:\n%s", strings.Join(s.args, " "), w, r)
			}
		}
	}

	// Now serve starts, answers, and stops cleanly.
	srv := startServer(t, e, "serve", "-addr", "127.0.0.1:0")
	res, body := do(t, &http.Client{Timeout: time.Minute}, mustRequest(t, http.MethodGet, "http://"+srv.addr+"/readyz", nil))
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /readyz: %d\n%s", res.StatusCode, body)
	}
	if code := srv.stop(t); code != 0 {
		t.Errorf("serve exited %d after cancellation:\n%s", code, srv.stderr)
	}
}

// SIGTERM (as sent by systemd, Kubernetes, docker stop) stops serve
// cleanly: the real signal path of the real process.
func TestServeSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	_, e := migratedDir(t)
	cmd := childCommand(e, "serve", "-addr", "127.0.0.1:0")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	listening := regexp.MustCompile(`msg=listening addr=(\S+)`)
	var addr string
	for deadline := time.Now().Add(2 * time.Minute); addr == ""; {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("serve exited (%v) before listening:\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not listen within 2 minutes:\n%s", out.String())
		}
	}
	res, body := do(t, &http.Client{Timeout: time.Minute}, mustRequest(t, http.MethodGet, "http://"+addr+"/healthz", nil))
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %d\n%s", res.StatusCode, body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve ended with %v after SIGTERM, want exit 0:\n%s", err, out.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("serve did not stop within a minute of SIGTERM:\n%s", out.String())
	}
	if logs := out.String(); !strings.Contains(logs, "shutting down") || !strings.Contains(logs, "stopped") {
		t.Errorf("serve did not log a graceful shutdown:\n%s", logs)
	}
}

// ---------------------------------------------------------------------------
// 5. Configuration: validated, secrets from files, redacted in logs.

func TestConfig(t *testing.T) {
	dir, base := migratedDir(t)
	keys := strings.TrimSpace(mustRun(t, env{}, "keys", "blob-key", "-id", "k1").stdout)
	if !strings.HasPrefix(keys, "k1:") {
		t.Fatalf("keys blob-key printed %q", keys)
	}
	writeFile := func(name, content string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyFile := writeFile("master-keys", keys+"\n")
	badKeyFile := writeFile("bad-keys", "k1:not-base64!\n")

	cases := []struct {
		name string
		env  []string
		code int
		want string // in stderr
	}{
		{"defaults", nil, exitOK, ""},
		{"unknown database driver", []string{"DOCKETCARD_DB_DRIVER", "oracle"}, exitError, "db_driver"},
		{"unknown log level", []string{"DOCKETCARD_LOG_LEVEL", "loud"}, exitError, "log_level"},
		{"unknown log format", []string{"DOCKETCARD_LOG_FORMAT", "xml"}, exitError, "log_format"},
		{"bad duration", []string{"DOCKETCARD_SESSION_TTL", "forever"}, exitError, "DOCKETCARD_SESSION_TTL"},
		{"bad number", []string{"DOCKETCARD_LOCKOUT_AFTER", "five"}, exitError, "DOCKETCARD_LOCKOUT_AFTER"},
		{"postgres without a URL", []string{"DOCKETCARD_DB_DRIVER", "postgres"}, exitError, "database_url"},
		{"keys and key file", []string{"DOCKETCARD_MASTER_KEYS", keys, "DOCKETCARD_MASTER_KEYS_FILE", keyFile}, exitError, "not both"},
		{"key file", []string{"DOCKETCARD_MASTER_KEYS_FILE", keyFile}, exitOK, ""},
		{"key file with a bad key", []string{"DOCKETCARD_MASTER_KEYS_FILE", badKeyFile}, exitError, "DOCKETCARD_MASTER_KEYS"},
		{"missing key file", []string{"DOCKETCARD_MASTER_KEYS_FILE", filepath.Join(dir, "nope")}, exitError, "DOCKETCARD_MASTER_KEYS_FILE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, base.with(tc.env...), "site", "list")
			if r.code != tc.code {
				t.Fatalf("site list: %s\nwant exit %d", r, tc.code)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("site list: stderr lacks %q:\n%s", tc.want, r)
			}
			if tc.code == exitOK && !strings.Contains(r.stdout, "HOU") {
				t.Errorf("site list does not list HOU:\n%s", r)
			}
			if strings.Contains(r.stdout+r.stderr, strings.TrimPrefix(keys, "k1:")) {
				t.Errorf("the master key appears in the output:\n%s", r)
			}
		})
	}

	t.Run("demo seals files with the key from the file", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "demo")
		r := mustRun(t, env{"DOCKETCARD_MASTER_KEYS_FILE": keyFile}, "demo", "-data-dir", dir, "-people", "2", "-no-serve")
		if _, err := os.Stat(filepath.Join(dir, "master.key")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("demo generated its own master.key although DOCKETCARD_MASTER_KEYS_FILE is set (%v):\n%s", err, r)
		}
		var sealed int
		filepath.WalkDir(filepath.Join(dir, "blobs"), func(_ string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				sealed++
			}
			return nil
		})
		if sealed == 0 {
			t.Errorf("demo stored no files (portraits, documents) with the key:\n%s", r)
		}

		// The portraits open with the file's key, and with no other.
		tr := mustRun(t, sqliteEnv(dir), "user", "token", "-username", "adjudicator")
		lines := strings.Split(strings.TrimSpace(tr.stdout), "\n")
		token := lines[len(lines)-1]
		otherKey := strings.TrimSpace(mustRun(t, env{}, "keys", "blob-key", "-id", "k1").stdout)
		for _, kc := range []struct {
			name, keyFile string
			opens         bool
		}{
			{"the file's key", keyFile, true},
			{"another key", writeFile("other-keys", otherKey+"\n"), false},
		} {
			t.Run(kc.name, func(t *testing.T) {
				srv := startServer(t, sqliteEnv(dir).with("DOCKETCARD_MASTER_KEYS_FILE", kc.keyFile), "serve", "-addr", "127.0.0.1:0")
				defer srv.stop(t)
				c := &http.Client{Timeout: time.Minute}
				get := func(path string) (*http.Response, string) {
					req := mustRequest(t, http.MethodGet, "http://"+srv.addr+path, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					return do(t, c, req)
				}
				res, body := get("/api/v1/people")
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET /api/v1/people: %d\n%s", res.StatusCode, body)
				}
				var page struct {
					Items []struct {
						ID    string          `json:"id"`
						Photo json.RawMessage `json:"photo"`
					} `json:"items"`
				}
				if err := json.Unmarshal([]byte(body), &page); err != nil {
					t.Fatal(err)
				}
				i := slices.IndexFunc(page.Items, func(p struct {
					ID    string          `json:"id"`
					Photo json.RawMessage `json:"photo"`
				}) bool {
					return len(p.Photo) > 0
				})
				if i < 0 {
					t.Fatalf("no demo person has a photo:\n%s", body)
				}
				res, body = get("/api/v1/people/" + page.Items[i].ID + "/photo")
				if kc.opens {
					if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/") {
						t.Errorf("GET photo with %s: %d %s", kc.name, res.StatusCode, res.Header.Get("Content-Type"))
					}
				} else if res.StatusCode < 500 || strings.Contains(body, "\xff\xd8") {
					// A key that cannot open the file is the server's fault.
					t.Errorf("GET photo with %s: %d %s, want a server error", kc.name, res.StatusCode, res.Header.Get("Content-Type"))
				}
			})
		}
	})

	t.Run("serve redacts the master key", func(t *testing.T) {
		srv := startServer(t, base.with("DOCKETCARD_MASTER_KEYS_FILE", keyFile), "serve", "-addr", "127.0.0.1:0")
		if code := srv.stop(t); code != 0 {
			t.Fatalf("serve exited %d:\n%s", code, srv.stderr)
		}
		logs := srv.stdout.String() + srv.stderr.String()
		if !strings.Contains(logs, "starting") || !strings.Contains(logs, `[redacted]`) {
			t.Errorf("serve did not log its redacted configuration:\n%s", logs)
		}
		if strings.Contains(logs, strings.TrimPrefix(keys, "k1:")) {
			t.Errorf("serve logged the master key:\n%s", logs)
		}
	})

	t.Run("serve never prints the PostgreSQL password", func(t *testing.T) {
		for _, level := range []string{"info", "debug"} {
			r := run(t, env{"DOCKETCARD_DB_DRIVER": "postgres", "DOCKETCARD_DATABASE_URL": "postgres://u:s3cret@127.0.0.1:1/x",
				"DOCKETCARD_LOG_LEVEL": level}, "serve", "-addr", "127.0.0.1:0")
			if r.code == 0 {
				t.Fatalf("serve against a closed port succeeded: %s", r)
			}
			if strings.Contains(r.stdout+r.stderr, "s3cret") {
				t.Errorf("serve printed the database password:\n%s", r)
			}
		}
	})
}

// ---------------------------------------------------------------------------
// 6. Bad input on the command line is explained, with the right exit code.

func TestCLIBadInput(t *testing.T) {
	_, e := migratedDir(t)
	csvFile := func(lines ...string) string {
		p := filepath.Join(t.TempDir(), "people.csv")
		content := strings.Join(service.ImportColumns, ",") + "\n" + strings.Join(lines, "\n") + "\n"
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	row := func(anum, dob, site string) string {
		return anum + `,GARCÍA LÓPEZ,María,"GARCIA, Maria",` + dob + `,F,MEX,MEX,es,1 Main St,,Houston,TX,77002,,,` + site
	}
	badRows := csvFile(
		row("A000000001", "1990-01-02", "HOU"), // line 2: good
		row("A000000002", "1990-02-30", "HOU"), // line 3: impossible date
		row("B000000003", "1990", "HOU"),       // line 4: bad A-number
		row("A000000004", "1985", "ZZZ"),       // line 5: no such site
		row("A000000001", "1990-01-02", "HOU"), // line 6: repeats line 2
	)
	unknownColumn := filepath.Join(t.TempDir(), "unknown.csv")
	if err := os.WriteFile(unknownColumn, []byte("a_number,shoe_size\nA000000009,44\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{
			name: "import with bad rows", args: []string{"import", badRows}, code: exitError,
			stdout: []string{"rows 5: created 1, already enrolled 0, rejected 4",
				"line 3: date_of_birth: ", "line 4: a_number: ", "line 5: site_code: site ZZZ does not exist",
				"line 6: a_number: repeats the A-number of line 2"},
			stderr: []string{"4 rows were rejected"},
		},
		{name: "import with an unknown column", args: []string{"import", unknownColumn}, code: exitError, stderr: []string{`unknown column "shoe_size"`}},
		{name: "import of a missing file", args: []string{"import", filepath.Join(t.TempDir(), "nope.csv")}, code: exitError, stderr: []string{"nope.csv"}},
		{name: "import without a file", args: []string{"import"}, code: exitUsage, stderr: []string{"usage: docketcard import"}},
		{
			name: "user with a bad role",
			args: []string{"user", "create", "-username", "jdoe", "-name", "J. Doe", "-roles", "wizard", "-sites", "HOU"},
			code: exitError, stderr: []string{"roles[0]", "wizard"},
		},
		{
			name: "user without roles",
			args: []string{"user", "create", "-username", "jdoe", "-name", "J. Doe"},
			code: exitError, stderr: []string{"roles: at least one role is required"},
		},
		{
			name: "site with a bad time zone",
			args: []string{"site", "create", "-code", "ATL", "-name", "Atlanta Field Office", "-city", "Atlanta", "-tz", "Mars/Olympus_Mons"},
			code: exitError, stderr: []string{"time_zone"},
		},
		{name: "unknown subcommand", args: []string{"site", "demolish"}, code: exitUsage, stderr: []string{"unknown site subcommand"}},
		{name: "unknown flag", args: []string{"site", "list", "-bogus"}, code: exitUsage, stderr: []string{"-bogus"}},
		{name: "unknown command", args: []string{"frobnicate"}, code: exitUsage, stderr: []string{`unknown command "frobnicate"`, "usage: docketcard <command>", "migrate"}},
		{name: "no command", args: nil, code: exitUsage, stderr: []string{"usage: docketcard <command>"}},
		{name: "help", args: []string{"help"}, code: exitOK, stderr: []string{"usage: docketcard <command>"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, e, tc.args...)
			if r.code != tc.code {
				t.Fatalf("docketcard %s: %s\nwant exit %d", strings.Join(tc.args, " "), r, tc.code)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r)
				}
			}
			if strings.Contains(r.stderr, "panic") {
				t.Errorf("panicked:\n%s", r)
			}
		})
	}
	// Nothing was created by the refused commands.
	r := mustRun(t, e, "user", "list")
	if strings.Contains(r.stdout, "jdoe") {
		t.Errorf("a refused user was created:\n%s", r)
	}
	r = mustRun(t, e, "site", "list")
	if strings.Contains(r.stdout, "ATL") {
		t.Errorf("a refused site was created:\n%s", r)
	}
}

// ---------------------------------------------------------------------------
// 7. The same operator's path on PostgreSQL.

func TestPostgres(t *testing.T) {
	dbURL := testdb.NewSchema(t) // skips without DOCKETCARD_TEST_POSTGRES
	e := env{"DOCKETCARD_DB_DRIVER": "postgres", "DOCKETCARD_DATABASE_URL": dbURL, "DOCKETCARD_DATA_DIR": filepath.Join(t.TempDir(), "data")}

	if r := run(t, e, "migrate", "-status"); r.code != 0 || !strings.Contains(r.stdout, "run `docketcard migrate`") {
		t.Errorf("migrate -status on an empty schema: %s", r)
	}
	if r := mustRun(t, e, "migrate"); !strings.Contains(r.stdout, "(postgres)") {
		t.Errorf("migrate: %s", r)
	}
	if r := mustRun(t, e, "migrate", "-status"); !strings.Contains(r.stdout, "up to date") {
		t.Errorf("migrate -status: %s", r)
	}
	mustRun(t, e, "site", "create", "-code", "HOU", "-name", "Houston Field Office", "-city", "Houston", "-tz", "America/Chicago", "-quota", "3000")

	const total = 1200 // three batches, the last one partial
	file := perf.PeopleCSV(total, 1, []string{"HOU"}, time.Now())
	path := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := mustRun(t, e, "import", path); !strings.Contains(r.stdout, fmt.Sprintf("rows %d: created %d, already enrolled 0, rejected 0", total, total)) {
		t.Errorf("import: %s", r)
	}
	if r := mustRun(t, e, "import", path); !strings.Contains(r.stdout, fmt.Sprintf("rows %d: created 0, already enrolled %d, rejected 0", total, total)) {
		t.Errorf("import re-run: %s", r)
	}

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := queryInt(t, db, `SELECT COUNT(*) FROM people`); n != total {
		t.Errorf("%d people, want %d", n, total)
	}
	aliases := csvAliases(t, file)
	wantAliases := 0
	for _, n := range aliases {
		wantAliases += n
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM person_aliases`); n != wantAliases || n == 0 {
		t.Errorf("%d aliases, want %d", n, wantAliases)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'import'`); n != total {
		t.Errorf("%d import audit entries, want %d", n, total)
	}
	if r := mustRun(t, e, "audit", "verify"); !strings.Contains(r.stdout, "intact") {
		t.Errorf("audit verify: %s", r)
	}

	// serve logs its configuration at start; the database password must
	// not be in it, wherever the URL carries it.
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	password, _ := u.User.Password()
	inQuery := *u
	q := inQuery.Query()
	q.Set("password", password)
	inQuery.RawQuery = q.Encode()
	inQuery.User = url.User(u.User.Username())
	redaction := []struct{ name, url string }{
		{"password in the userinfo", dbURL},
		{"password as a query parameter", inQuery.String()}, // pgx accepts ?password=
	}
	for _, tc := range redaction {
		t.Run("serve redacts the "+tc.name, func(t *testing.T) {
			if password == "" {
				t.Skip("DOCKETCARD_TEST_POSTGRES has no password to redact")
			}
			srv := startServer(t, e.with("DOCKETCARD_DATABASE_URL", tc.url), "serve", "-addr", "127.0.0.1:0")
			if code := srv.stop(t); code != 0 {
				t.Fatalf("serve exited %d:\n%s", code, srv.stderr)
			}
			logs := srv.stdout.String() + srv.stderr.String()
			if !strings.Contains(logs, "starting") || !strings.Contains(logs, `\"DatabaseURL\"`) {
				t.Errorf("serve did not log its configuration:\n%s", logs)
			}
			if strings.Contains(logs, password) {
				t.Errorf("serve logged the database password:\n%s", logs)
			}
		})
	}
}
