package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/app"
	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/demo"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/statuslist"
)

// benchVerify measures online verification by QR payload under load from
// wrk (Debian package wrk) over loopback, beside the in-process offline
// verification rate measured in the same run: the ratio is the server's
// overhead (HTTP, authentication, database read, encounter record (an
// audit entry), JSON). docs/PERFORMANCE.md records its output.
func (m *Main) benchVerify(ctx context.Context, stores []string, pgURL string, people, connections, wrkThreads int, duration time.Duration) error {
	tuneGC() // as serve does
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return fmt.Errorf("the verification benchmark needs wrk (Debian: apt-get install wrk): %w", err)
	}
	for _, st := range stores {
		fmt.Fprintf(m.Stdout, "\n[online verification, %s]\n", st)
		if err := m.benchVerifyStore(ctx, wrk, st, pgURL, people, connections, wrkThreads, duration); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
	}
	return nil
}

// VerifyBench is one store's verification figures.
type VerifyBench struct {
	Store            string  `json:"store"`
	BytesPerResponse int     `json:"bytes_per_response"`        // headers and body, as wrk counts them
	InProcessSerial  float64 `json:"in_process_serial_per_s"`   // one goroutine
	InProcessAll     float64 `json:"in_process_parallel_per_s"` // one goroutine per CPU
	ServerPerSecond  float64 `json:"server_per_s"`
	P50, P90, P99    float64 // milliseconds
	Max              float64 // milliseconds
	Requests, Errors int
}

func (m *Main) benchVerifyStore(ctx context.Context, wrk, driver, pgURL string, people, connections, wrkThreads int, duration time.Duration) error {
	a, dir, cleanup, err := benchApp(ctx, driver, pgURL, people)
	if err != nil {
		return err
	}
	defer cleanup()
	var qrs []string
	rows, err := a.DB.SQL().QueryContext(ctx, a.DB.Rebind(`SELECT qr_text FROM cards WHERE state = 'signed' AND lifecycle = 'active'`))
	if err != nil {
		return err
	}
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			rows.Close()
			return err
		}
		qrs = append(qrs, q)
	}
	rows.Close()
	if len(qrs) == 0 {
		return fmt.Errorf("the demo made no active card")
	}

	// In-process offline verification of the same payloads.
	tl, _ := a.Keys.TrustList()
	verifier := &credential.Verifier{Trust: tl}
	rate := func(workers int) (float64, error) {
		var ops atomic.Int64
		var failed atomic.Value
		stop := time.Now().Add(3 * time.Second)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; time.Now().Before(stop); i++ {
					r, err := verifier.Verify(qrs[i%len(qrs)])
					if err != nil || r.Outcome != credential.Valid {
						failed.Store(fmt.Errorf("in-process verify: %v %v", r, err))
						return
					}
					ops.Add(1)
				}
			}()
		}
		start := time.Now()
		wg.Wait()
		if e, _ := failed.Load().(error); e != nil {
			return 0, e
		}
		return float64(ops.Load()) / time.Since(start).Seconds(), nil
	}
	res := VerifyBench{Store: driver}
	if res.InProcessSerial, err = rate(1); err != nil {
		return err
	}
	if res.InProcessAll, err = rate(runtime.GOMAXPROCS(0)); err != nil {
		return err
	}

	// The server, and wrk posting the QR payloads as a relying party.
	var clerk *docketcard.User
	if err := a.DB.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		clerk, err = tx.GetUserByUsername(ctx, "clerk")
		return err
	}); err != nil {
		return err
	}
	tok, err := a.Service.CreateToken(ctx, docketcard.SystemActor("bench"), clerk.ID, "bench", time.Hour)
	if err != nil {
		return err
	}
	addr, stop, err := serveLoopback(a)
	if err != nil {
		return err
	}
	defer stop()
	script := filepath.Join(dir, "verify.lua")
	if err := os.WriteFile(script, wrkScript(qrs, tok.Secret), 0o600); err != nil {
		return err
	}
	target := "http://" + addr + "/api/v1/verify"
	warm := exec.CommandContext(ctx, wrk, "-t"+strconv.Itoa(wrkThreads), "-c"+strconv.Itoa(connections), "-d2s", "-s", script, target)
	if out, err := warm.CombinedOutput(); err != nil {
		return fmt.Errorf("wrk warm-up: %v\n%s", err, out)
	}
	if prof := os.Getenv("DOCKETCARD_BENCH_CPUPROFILE"); prof != "" {
		f, err := os.Create(prof + "." + driver)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	out, err := exec.CommandContext(ctx, wrk, "-t"+strconv.Itoa(wrkThreads), "-c"+strconv.Itoa(connections), "-d"+duration.String(), "--latency", "--timeout", "10s", "-s", script, target).CombinedOutput()
	if err != nil {
		return fmt.Errorf("wrk: %v\n%s", err, out)
	}
	if err := parseWrk(string(out), &res); err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	var encounters int
	if err := a.DB.SQL().QueryRowContext(ctx, a.DB.Rebind(`SELECT COUNT(*) FROM audit_log WHERE action = ?`), docketcard.ActionVerifyCard).Scan(&encounters); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "active cards: %d; wrk -t%d -c%d -d%s over loopback, as a relying party (an encounter record, which is an audit entry, per request)\n", len(qrs), wrkThreads, connections, duration)
	fmt.Fprintf(m.Stdout, "in-process offline verify:  %8.0f /s one goroutine, %8.0f /s %d goroutines\n", res.InProcessSerial, res.InProcessAll, runtime.GOMAXPROCS(0))
	fmt.Fprintf(m.Stdout, "online POST /api/v1/verify: %8.0f /s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.0f ms, %d requests, %d errors\n",
		res.ServerPerSecond, res.P50, res.P90, res.P99, res.Max, res.Requests, res.Errors)
	fmt.Fprintf(m.Stdout, "response size: %d bytes (headers and JSON with the 320-px display photo)\n", res.BytesPerResponse)
	fmt.Fprintf(m.Stdout, "online / in-process: %.0f%% of one goroutine, %.0f%% of all CPUs (target ≥ 40%%); p99 target ≤ 25 ms\n",
		100*res.ServerPerSecond/res.InProcessSerial, 100*res.ServerPerSecond/res.InProcessAll)
	fmt.Fprintf(m.Stdout, "encounter records written: %d (verification audit entries)\n", encounters)
	if res.Errors > 0 {
		return fmt.Errorf("%d requests failed; wrk said:\n%s", res.Errors, out)
	}
	j, _ := json.Marshal(res)
	fmt.Fprintf(m.Stdout, "json: %s\n", j)
	return nil
}

// wrkScript posts the payloads in turn with the bearer token.
func wrkScript(qrs []string, token string) []byte {
	var b strings.Builder
	b.WriteString("wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n")
	fmt.Fprintf(&b, "wrk.headers[\"Authorization\"] = %q\n", "Bearer "+token)
	b.WriteString("local bodies = {\n")
	for _, q := range qrs {
		body, _ := json.Marshal(service.VerifyRequest{QR: q})
		fmt.Fprintf(&b, "  %q,\n", body)
	}
	b.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(nil, nil, nil, bodies[(i % #bodies) + 1])\nend\n")
	return []byte(b.String())
}

var (
	wrkRate    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkTotal   = regexp.MustCompile(`(\d+) requests in`)
	wrkRead    = regexp.MustCompile(`requests in [^,]+, ([0-9.]+)([KMGT]?B) read`)
	wrkNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSockErr = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkMax     = regexp.MustCompile(`Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s)`)
	wrkPct     = regexp.MustCompile(`(?m)^\s+(50|90|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
)

// parseWrk reads wrk's report (with --latency).
func parseWrk(out string, r *VerifyBench) error {
	m := wrkRate.FindStringSubmatch(out)
	t := wrkTotal.FindStringSubmatch(out)
	if m == nil || t == nil {
		return fmt.Errorf("wrk report without Requests/sec")
	}
	r.ServerPerSecond, _ = strconv.ParseFloat(m[1], 64)
	r.Requests, _ = strconv.Atoi(t[1])
	if b := wrkRead.FindStringSubmatch(out); b != nil && r.Requests > 0 {
		read, _ := strconv.ParseFloat(b[1], 64)
		unit := map[string]float64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}[b[2]]
		r.BytesPerResponse = int(math.Round(read * unit / float64(r.Requests)))
	}
	if e := wrkNon2xx.FindStringSubmatch(out); e != nil {
		n, _ := strconv.Atoi(e[1])
		r.Errors += n
	}
	if e := wrkSockErr.FindStringSubmatch(out); e != nil {
		for _, s := range e[1:] {
			n, _ := strconv.Atoi(s)
			r.Errors += n
		}
	}
	for _, p := range wrkPct.FindAllStringSubmatch(out, -1) {
		v := wrkMillis(p[2], p[3])
		switch p[1] {
		case "50":
			r.P50 = v
		case "90":
			r.P90 = v
		case "99":
			r.P99 = v
		}
	}
	if m := wrkMax.FindStringSubmatch(out); m != nil {
		r.Max = wrkMillis(m[1], m[2])
	}
	if r.P99 == 0 {
		return fmt.Errorf("wrk report without latency percentiles")
	}
	return nil
}

// benchApp makes a throw-away demo installation (keys, sites, users and,
// unless people is 0, demo people with active cards) on SQLite or on a
// fresh schema of the PostgreSQL database at pgURL.
func benchApp(ctx context.Context, driver, pgURL string, people int) (*app.App, string, func(), error) {
	var cleanups []func()
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	fail := func(err error) (*app.App, string, func(), error) {
		cleanup()
		return nil, "", nil, err
	}
	dir, err := os.MkdirTemp("", "docketcard-bench-verify-")
	if err != nil {
		return fail(err)
	}
	cleanups = append(cleanups, func() { os.RemoveAll(dir) })
	// The demo's keys, sites, users and people with active cards.
	quiet := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	n := people
	if driver == "postgres" {
		n = 0
	}
	if code := quiet.Run(ctx, []string{"demo", "-data-dir", dir, "-people", strconv.Itoa(n), "-no-serve"}); code != 0 {
		return fail(fmt.Errorf("demo setup failed (exit %d)", code))
	}
	vals, err := readDemoEnv(dir)
	if err != nil {
		return fail(err)
	}
	vals["DOCKETCARD_VERIFY_RATE"] = "10000000"
	if driver == "postgres" {
		schema := fmt.Sprintf("bench_verify_%d", time.Now().UnixNano())
		admin, err := sql.Open("pgx", pgURL)
		if err != nil {
			return fail(err)
		}
		cleanups = append(cleanups, func() { admin.Close() })
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			return fail(err)
		}
		cleanups = append(cleanups, func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
		u, err := url.Parse(pgURL)
		if err != nil {
			return fail(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		vals["DOCKETCARD_DB_DRIVER"], vals["DOCKETCARD_DATABASE_URL"] = "postgres", u.String()
	}
	cm := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return vals[k] }}
	cfg, err := cm.loadConfig()
	if err != nil {
		return fail(err)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Migrate: true})
	if err != nil {
		return fail(err)
	}
	cleanups = append(cleanups, func() { a.Close() })
	if driver == "postgres" {
		if _, err := demo.Load(ctx, a.Service, time.Now(), demo.Options{People: people, Seed: 1}); err != nil {
			return fail(err)
		}
	}
	return a, dir, cleanup, nil
}

// benchStatusList measures publishing the status list of a million cards
// with 1% revoked, read from the database, beside building and signing the
// same list in memory (the encoding alone).
func (m *Main) benchStatusList(ctx context.Context, stores []string, pgURL string, cards int) error {
	for _, driver := range stores {
		fmt.Fprintf(m.Stdout, "\n[status list, %s]\n", driver)
		a, _, cleanup, err := benchApp(ctx, driver, pgURL, 0)
		if err != nil {
			return err
		}
		start := time.Now()
		if err := seedCards(ctx, a, driver, cards); err != nil {
			cleanup()
			return fmt.Errorf("seed %d cards: %w", cards, err)
		}
		fmt.Fprintf(m.Stdout, "seeded %d cards in %.1f s\n", cards, time.Since(start).Seconds())
		// In memory: the list alone, built and signed.
		start = time.Now()
		l, err := statuslist.New(2, a.Service.CardPolicy().StatusListSize)
		if err != nil {
			cleanup()
			return err
		}
		type entry struct {
			idx int
			st  statuslist.Status
		}
		var entries []entry
		revoked := 0
		rows, err := a.DB.SQL().QueryContext(ctx, `SELECT status_index, lifecycle FROM cards WHERE state = 'signed'`)
		if err != nil {
			cleanup()
			return err
		}
		for rows.Next() {
			var i int
			var lc string
			rows.Scan(&i, &lc)
			st := statuslist.Status(docketcard.StatusValue(docketcard.CardState(lc)))
			if st == statuslist.Invalid {
				revoked++
			}
			entries = append(entries, entry{i, st})
		}
		rows.Close()
		start = time.Now()
		l.Fill(statuslist.Suspended)
		for _, e := range entries {
			l.Set(e.idx, e.st)
		}
		key, err := a.Keys.Signer(a.Service.CardPolicy().StatusSite, "status")
		if err != nil {
			cleanup()
			return err
		}
		now := time.Now().Truncate(time.Second)
		mem, err := statuslist.Sign(&statuslist.Token{URI: a.Service.CardPolicy().StatusListURI, IssuedAt: now, ExpiresAt: now.Add(service.StatusListLifetime),
			TTL: service.StatusListTTL, List: l, KeyID: key.KeyID()}, key, key.KeyID())
		if err != nil {
			cleanup()
			return err
		}
		inMemory := time.Since(start)
		// From the database, through the publisher.
		var best time.Duration
		var pub *docketcard.StatusPublication
		for i := 0; i < 3; i++ {
			start = time.Now()
			if pub, _, err = a.Service.PublishStatusList(ctx, "bench", true); err != nil {
				cleanup()
				return err
			}
			if d := time.Since(start); i == 0 || d < best {
				best = d
			}
		}
		fmt.Fprintf(m.Stdout, "publish from the database: %6.0f ms, %6.1f KB (best of 3; target < 2 s, < 150 KB)\n", ms(best), float64(len(pub.Token))/1024)
		fmt.Fprintf(m.Stdout, "build and sign in memory:  %6.0f ms, %6.1f KB (%d revoked)\n", ms(inMemory), float64(len(mem))/1024, revoked)
		cleanup()
	}
	return nil
}

// seedCards inserts cards active cards, one in a hundred revoked at
// random, with status indexes spread over the list, each with
// its own holder and clearance, straight into the database with every
// constraint and trigger in force.
func seedCards(ctx context.Context, a *app.App, driver string, cards int) error {
	db := a.DB.SQL()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	aNum, num, idx := `printf('A%09d', n)`, `printf('DC%07d', n)`, `(n * 7919) % 1048576`
	revoked := `abs(random()) % 100 = 0`
	series := `WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < ?) `
	now := "'2026-11-26 00:00:00'"
	later := "'2028-11-26 00:00:00'"
	blob := "x'00'"
	if driver == "postgres" {
		aNum, num, idx = `'A' || lpad(n::text, 9, '0')`, `'DC' || lpad(n::text, 7, '0')`, `(n::bigint * 7919) % 1048576`
		revoked = `random() < 0.01`
		series = `WITH g(n) AS (SELECT generate_series(0, $1)) `
		now, later, blob = "'2026-11-26 00:00:00Z'::timestamptz", "'2028-11-26 00:00:00Z'::timestamptz", "'\\x00'::bytea"
	}
	stmts := []string{
		series + `INSERT INTO people (id, a_number, family_names, given_names, date_of_birth, sex, citizenship, birth_country, language,
			street1, street2, city, state, zip, phone, email, site_code, version, created_at, updated_at)
			SELECT 'p' || n, ` + aNum + `, 'BENCH', 'PERSON', '1990-01-01', 'X', 'HND', 'HND', 'es', '1 Main St', '', 'Houston', 'TX', '77002', '', '', 'HOU', 1, ` + now + `, ` + now + ` FROM g`,
		`INSERT INTO check_runs (id, person_id, site_code, requested_by, reason, required, created_at) VALUES ('bench', 'p0', 'HOU', 'bench', 'manual', '', ` + now + `)`,
		series + `INSERT INTO clearances (id, person_id, run_id, granted_at, expires_at) SELECT 'cl' || n, 'p' || n, 'bench', ` + now + `, ` + later + ` FROM g`,
		series + `INSERT INTO cards (id, card_number, person_id, site_code, request_key, state, status_index, status_uri, issued_at, not_before, expires_at,
			key_id, claims, claims_sha256, signed, qr_text, mrz, version, created_at, updated_at, clearance_id, lifecycle)
			SELECT 'c' || n, ` + num + `, 'p' || n, 'HOU', 'bench-' || n, 'signed', ` + idx + `, 'bench', ` + now + `, ` + now + `, ` + later + `,
			'00', ` + blob + `, '00', ` + blob + `, 'x', 'x', 1, ` + now + `, ` + now + `, 'cl' || n,
			CASE WHEN ` + revoked + ` THEN 'revoked' ELSE 'active' END FROM g`,
		`UPDATE status_changes SET seq = seq + 1 WHERE id = 1`,
	}
	for _, q := range stmts {
		var args []any
		if strings.HasPrefix(q, "WITH") {
			args = []any{cards - 1}
		}
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// readDemoEnv reads the settings the demo writes to demo.env (the
// `export NAME='value'` lines).
func readDemoEnv(dir string) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "demo.env"))
	if err != nil {
		return nil, err
	}
	vals := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "="); ok && !strings.HasPrefix(l, "#") {
			vals[k] = strings.Trim(v, "'")
		}
	}
	return vals, nil
}

// wrkMillis converts one of wrk's durations (a number and us, ms or s)
// to milliseconds.
func wrkMillis(num, unit string) float64 {
	v, _ := strconv.ParseFloat(num, 64)
	switch unit {
	case "us":
		v /= 1000
	case "s":
		v *= 1000
	}
	return v
}

// serveLoopback serves the app's HTTP API on a free loopback port, for the
// benchmarks' clients; stop closes it.
func serveLoopback(a *app.App) (addr string, stop func(), err error) {
	srv, err := a.Server()
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := srv.HTTPServer(ln.Addr().String())
	hs.ErrorLog = nil
	go hs.Serve(ln)
	return ln.Addr().String(), func() { hs.Close() }, nil
}
