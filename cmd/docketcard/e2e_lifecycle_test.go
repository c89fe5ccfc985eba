package main

// End-to-end: the card lifecycle through the real program. A revocation
// made with the CLI while `serve` runs reaches an offline verifier that
// refreshes its status list within a minute, while a verifier holding
// the earlier list still says "valid as of" that list's time; two
// `serve` processes on one PostgreSQL publish one list; the print queue
// goes from batch to PDF to printed and spoiled cards. Synthetic people.

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard/app"
	"github.com/docketcard/docketcard/demo"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/internal/testenv"
	"github.com/docketcard/docketcard/statuslist"
)

// fetch GETs url and returns the body, failing the test on any error.
func fetch(t *testing.T, url string) ([]byte, http.Header) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, res.StatusCode, err, b)
	}
	return b, res.Header
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// listIssued returns a signed status list's issue time.
func listIssued(t *testing.T, b []byte) time.Time {
	t.Helper()
	tok, _, err := statuslist.Parse(b, 1<<24)
	if err != nil {
		t.Fatal(err)
	}
	return tok.IssuedAt
}

func TestRevocationReachesOfflineVerifiers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	mustRun(t, env{}, "demo", "-data-dir", dir, "-people", "3", "-no-serve")
	e := cardsEnv(dir).with("DOCKETCARD_ADDR", "127.0.0.1:0")
	card := firstDemoCard(t, dir)
	qrFile := writeFile(t, "qr.txt", []byte(card.qr+"\n"))
	srv := startServer(t, e, "serve")
	base := "http://" + srv.addr

	// Yesterday's list, as an offline verifier holds it.
	before, h := fetch(t, base+"/api/v1/status-list")
	if h.Get("ETag") == "" || !strings.Contains(h.Get("Cache-Control"), "max-age=") {
		t.Errorf("status list headers: ETag %q, Cache-Control %q; want both", h.Get("ETag"), h.Get("Cache-Control"))
	}
	oldList := writeFile(t, "yesterday.cwt", before)
	asOf := listIssued(t, before).Format(time.RFC3339)
	if r := run(t, e, "verify", "-file", qrFile, "-status-list", oldList); r.code != 0 || !strings.Contains(r.stdout, "VALID as of "+asOf) {
		t.Fatalf("verify with the current list before revocation: %s\nwant exit 0, VALID as of %s", r, asOf)
	}

	time.Sleep(1100 * time.Millisecond) // the new list's iat differs from the old one's (seconds)
	revokedAt := time.Now()
	if r := mustRun(t, e, "card", "transition", "-number", card.number, "-event", "revoke", "-reason", "lost_or_stolen"); !strings.Contains(r.stdout, "revoked") {
		t.Fatalf("revoke: %s", r)
	}
	var after []byte
	for {
		b, _ := fetch(t, base+"/api/v1/status-list")
		if !bytes.Equal(b, before) {
			tok, _, err := statuslist.Parse(b, 1<<24)
			if err != nil {
				t.Fatal(err)
			}
			if st, _ := tok.List.Get(card.statusIndex); st == statuslist.Invalid {
				after = b
				break
			}
		}
		if time.Since(revokedAt) > time.Minute {
			t.Fatal("the revocation was not published within a minute")
		}
		time.Sleep(250 * time.Millisecond)
	}
	took := time.Since(revokedAt)
	t.Logf("revocation published in %v", took.Round(10*time.Millisecond))

	refreshed := writeFile(t, "refreshed.cwt", after)
	if r := run(t, e, "verify", "-file", qrFile, "-status-list", refreshed); r.code != 11 || !strings.Contains(r.stdout, "REVOKED") {
		t.Errorf("verify with the refreshed list: %s\nwant exit 11, REVOKED", r)
	}
	if r := run(t, e, "verify", "-file", qrFile, "-status-list", oldList); r.code != 0 || !strings.Contains(r.stdout, "VALID as of "+asOf) {
		t.Errorf("verify with yesterday's list: %s\nwant exit 0, VALID as of %s (the list's time, not now)", r, asOf)
	}
	bundle, _ := fetch(t, base+"/api/v1/verifier-bundle")
	if r := run(t, e, "verify", "-file", qrFile, "-bundle", writeFile(t, "bundle.cbor", bundle)); r.code != 11 {
		t.Errorf("verify with the verifier bundle: %s\nwant exit 11", r)
	}
	// The online answer agrees, and the verification is an encounter.
	r := run(t, e, "card", "verify", "-qr", card.qr, "-purpose", "traffic stop")
	if r.code != 11 || !strings.Contains(r.stdout, `"result": "revoked"`) {
		t.Errorf("online verify: %s\nwant exit 11 and result revoked", r)
	}
}

func TestPrintQueueCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	mustRun(t, env{}, "demo", "-data-dir", dir, "-people", "60", "-no-serve")
	e := cardsEnv(dir)
	db := openSQLite(t, filepath.Join(dir, "docketcard.db"), true)
	defer db.Close()
	var site string
	if err := db.QueryRow(`SELECT site_code FROM cards WHERE lifecycle = 'approved' AND state = 'signed' GROUP BY site_code ORDER BY COUNT(*) DESC LIMIT 1`).Scan(&site); err != nil {
		t.Fatalf("no approved card in the demo: %v", err)
	}
	queued := queryInt(t, db, `SELECT COUNT(*) FROM cards WHERE lifecycle = 'approved' AND state = 'signed' AND site_code = ?`, site)
	if queued < 2 {
		t.Fatalf("%d approved cards at %s; the test needs two (one printed, one spoiled)", queued, site)
	}
	if r := mustRun(t, e, "print", "queue", "-site", site); !strings.Contains(r.stdout, fmt.Sprintf("%d cards waiting at %s", queued, site)) {
		t.Fatalf("print queue: %s\nwant %d cards", r, queued)
	}
	r := mustRun(t, e, "print", "batch", "-site", site, "-max", "10")
	m := regexp.MustCompile(`print batch (\S+): (\d+) cards`).FindStringSubmatch(r.stdout)
	if m == nil || m[2] != fmt.Sprint(queued) {
		t.Fatalf("print batch: %s", r)
	}
	batch := m[1]
	pdf := filepath.Join(t.TempDir(), "batch.pdf")
	proof := filepath.Join(t.TempDir(), "proof.pdf")
	mustRun(t, e, "print", "pdf", "-batch", batch, "-o", pdf)
	mustRun(t, e, "print", "pdf", "-batch", batch, "-proof", "-paper", "letter", "-o", proof)
	t.Run("pdfinfo", func(t *testing.T) {
		pdfinfo := testenv.NeedCommand(t, "pdfinfo", "poppler-utils")
		for _, tt := range []struct {
			name, file, pages, size string
		}{
			{"card printer pages", pdf, fmt.Sprint(2 * queued), "242.646 x 153.014 pts"}, // ID-1: front and back per card
			{"proof sheet", proof, fmt.Sprint((queued + 3) / 4), "612 x 792 pts"},        // US Letter, four cards a page
		} {
			out, err := execOutput(pdfinfo, tt.file)
			if err != nil {
				t.Fatalf("%s: pdfinfo: %v\n%s", tt.name, err, out)
			}
			if !regexp.MustCompile(`Pages:\s+`+tt.pages+`\n`).MatchString(out) || !strings.Contains(out, tt.size) {
				t.Errorf("%s: pdfinfo says\n%s\nwant %s pages of %s", tt.name, out, tt.pages, tt.size)
			}
		}
	})
	var spoilID, spoilNumber, okNumber string
	if err := db.QueryRow(`SELECT c.id, c.card_number FROM print_batch_cards b JOIN cards c ON c.id = b.card_id WHERE b.batch_id = ? AND b.position = 1`, batch).Scan(&spoilID, &spoilNumber); err != nil {
		t.Fatal(err)
	}
	rest := []string{}
	rows, err := db.Query(`SELECT c.card_number FROM print_batch_cards b JOIN cards c ON c.id = b.card_id WHERE b.batch_id = ? AND b.position > 1`, batch)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		rows.Scan(&okNumber)
		rest = append(rest, okNumber)
	}
	rows.Close()
	r = mustRun(t, e, "print", "mark", "-batch", batch, "-spoiled", spoilNumber, "-printed", strings.Join(rest, ","))
	if !strings.Contains(r.stdout, spoilNumber+" spoiled (reprint queued") {
		t.Errorf("print mark: %s\nwant the spoiled card with its reprint", r)
	}
	var state, reason string
	if err := db.QueryRow(`SELECT lifecycle, state_reason FROM cards WHERE id = ?`, spoilID).Scan(&state, &reason); err != nil || state != "revoked" || reason != "spoiled" {
		t.Errorf("spoiled card: %s (%s) %v; want revoked (spoiled)", state, reason, err)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM cards WHERE replaces = ? AND lifecycle = 'approved' AND card_number <> ?`, spoilID, spoilNumber); n != 1 {
		t.Errorf("%d reprints of the spoiled card in the queue; want 1 with a new number", n)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM cards WHERE lifecycle = 'printed' AND site_code = ?`, site); n != len(rest) {
		t.Errorf("%d printed cards; want %d", n, len(rest))
	}
	// Resending the same outcome changes nothing; a different outcome for
	// a card already marked is a clear conflict, not a second transition.
	if r := run(t, e, "print", "mark", "-batch", batch, "-printed", rest[0]); r.code != 0 {
		t.Errorf("resending an outcome: %s\nwant success and no change", r)
	}
	if r := run(t, e, "print", "mark", "-batch", batch, "-spoiled", rest[0]); r.code == 0 || !strings.Contains(r.stderr, "already marked printed") {
		t.Errorf("spoiling a card marked printed: %s\nwant a conflict", r)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM cards WHERE lifecycle = 'printed' AND site_code = ?`, site); n != len(rest) {
		t.Errorf("after the resend: %d printed cards; want %d", n, len(rest))
	}
}

func TestTwoServersPublishOneStatusList(t *testing.T) {
	dbURL := testdb.NewSchema(t) // skips without DOCKETCARD_TEST_POSTGRES
	dir := filepath.Join(t.TempDir(), "demo")
	// The demo's keys and master key (made by a demo run on SQLite), and
	// the demo's people, sites and cards loaded into a PostgreSQL schema.
	mustRun(t, env{}, "demo", "-data-dir", dir, "-people", "0", "-no-serve")
	e := demoEnvFile(t, dir).with("DOCKETCARD_DB_DRIVER", "postgres", "DOCKETCARD_DATABASE_URL", dbURL)
	mustRun(t, e, "migrate")
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: e.getenv}
	cfg, err := m.loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	loader, err := m.open(t.Context(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(t.Context(), loader.Service, time.Now(), demo.Options{People: 6, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	loader.Close()
	pg, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	var number string
	var idx int
	if err := pg.QueryRow(`SELECT card_number, status_index FROM cards WHERE lifecycle = 'active' ORDER BY card_number LIMIT 1`).Scan(&number, &idx); err != nil {
		t.Fatalf("no active card: %v (cards %d, people %d)", err, queryInt(t, pg, `SELECT COUNT(*) FROM cards`), queryInt(t, pg, `SELECT COUNT(*) FROM people`))
	}
	// Two server processes on the one database.
	a, b := startPublisher(t, e), startPublisher(t, e)
	mustRun(t, e, "card", "transition", "-number", number, "-event", "suspend", "-reason", "reported_lost")
	deadline := time.Now().Add(time.Minute)
	for {
		la, _ := fetch(t, "http://"+a.addr+"/api/v1/status-list")
		lb, _ := fetch(t, "http://"+b.addr+"/api/v1/status-list")
		tok, _, err := statuslist.Parse(la, 1<<24)
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := tok.List.Get(idx); st == statuslist.Suspended && bytes.Equal(la, lb) {
			sum := sha256.Sum256(la)
			t.Logf("both servers serve list sha256 %s", hex.EncodeToString(sum[:8]))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("within a minute the two servers did not both serve the suspension in one list")
		}
		time.Sleep(250 * time.Millisecond)
	}
	if n := queryInt(t, pg, `SELECT COUNT(DISTINCT publisher) FROM status_publications WHERE publisher NOT LIKE 'cli%'`); n != 1 {
		t.Errorf("%d different servers published status lists; want exactly one publisher", n)
	}
	if n := queryInt(t, pg, `SELECT COUNT(*) - COUNT(DISTINCT change_seq) FROM status_publications`); n != 0 {
		t.Errorf("%d duplicate publications of one change; want none", n)
	}
	// The publisher stops: the other server takes over within the lease.
	var holder string
	if err := pg.QueryRow(`SELECT holder FROM leases WHERE name = 'status-list-publisher'`).Scan(&holder); err != nil {
		t.Fatal(err)
	}
	stopped, other := a, b
	if !strings.Contains(a.out.String(), "status list published") {
		stopped, other = b, a
	}
	// Killed, not stopped: it cannot hand the lease over; it lapses.
	if err := stopped.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	stopped.cmd.Wait()
	mustRun(t, e, "card", "transition", "-number", number, "-event", "revoke", "-reason", "lost_or_stolen")
	deadline = time.Now().Add(time.Minute)
	for {
		l, _ := fetch(t, "http://"+other.addr+"/api/v1/status-list")
		tok, _, _ := statuslist.Parse(l, 1<<24)
		if st, _ := tok.List.Get(idx); st == statuslist.Invalid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("after the publisher stopped, the other server did not publish the revocation within a minute")
		}
		time.Sleep(250 * time.Millisecond)
	}
	var now string
	if err := pg.QueryRow(`SELECT holder FROM leases WHERE name = 'status-list-publisher'`).Scan(&now); err != nil {
		t.Fatal(err)
	}
	if now == holder {
		t.Errorf("lease holder unchanged (%s) after the publisher stopped", holder)
	}
}

// demoEnvFile reads the settings the demo writes to demo.env.
func demoEnvFile(t *testing.T, dir string) env {
	t.Helper()
	vals, err := readDemoEnv(dir)
	if err != nil {
		t.Fatal(err)
	}
	return env(vals)
}

type publisherProc struct {
	*serverProc
	addr string
}

func startPublisher(t *testing.T, e env) publisherProc {
	t.Helper()
	p, err := startProc(t, e)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`msg=listening addr=(\S+)`).FindStringSubmatch(p.out.String())
	if m == nil {
		t.Fatalf("no address in the server log:\n%s", p.out)
	}
	return publisherProc{p, m[1]}
}

// execOutput runs a tool and returns its combined output.
func execOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// TestBenchVerifyHarness runs the online-verification benchmark briefly:
// wrk against a real server over loopback, beside the in-process rate.
// (The figures in docs/PERFORMANCE.md come from a full run.)
func TestBenchVerifyHarness(t *testing.T) {
	testenv.NeedCommand(t, "wrk", "wrk")
	r := mustRun(t, env{}, "bench", "-verify", "-postgres", "", "-verify-people", "4", "-duration", "1s", "-connections", "4")
	for _, want := range []string{"in-process offline verify:", "online POST /api/v1/verify:", "0 errors", "encounter records written:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("bench -verify output lacks %q:\n%s", want, r)
		}
	}
}
