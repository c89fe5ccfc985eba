package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/app"
	"github.com/docketcard/docketcard/blob"
	"github.com/docketcard/docketcard/config"
	"github.com/docketcard/docketcard/internal/perf"
	"github.com/docketcard/docketcard/service"
)

// bench prints the performance report of docs/PERFORMANCE.md: bulk import
// against a bare batched INSERT of the same rows, and GET-by-A-number
// latency under 32 concurrent clients, on SQLite and (with -postgres) on
// PostgreSQL, each in a fresh database.
func (m *Main) bench(ctx context.Context, args []string) error {
	fs := m.flags("bench", nil)
	people := fs.Int("people", 10_000, "rows in the import comparison")
	requests := fs.Int("requests", 20_000, "GET requests in the latency run")
	clients := fs.Int("clients", 32, "concurrent clients in the latency run")
	pg := fs.String("postgres", m.Getenv("DOCKETCARD_TEST_POSTGRES"), "PostgreSQL URL of a database where the bench may create and drop a schema")
	verify := fs.Bool("verify", false, "run the online verification benchmark (needs wrk) instead")
	statusCards := fs.Int("statuslist", 0, "publish the status list of this many cards (1% revoked) instead, e.g. 1000000")
	verifyPeople := fs.Int("verify-people", 40, "verify: demo people (cardholders) to load")
	connections := fs.Int("connections", 32, "verify: wrk connections")
	duration := fs.Duration("duration", 10*time.Second, "verify: wrk run length")
	wrkThreads := fs.Int("wrk-threads", 2, "verify: wrk threads (client and server share the machine's cores)")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "docketcard bench — %s, %s/%s, %d CPUs, %s\n", app.Version, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), time.Now().UTC().Format(time.RFC3339))
	stores := []string{"sqlite"}
	if *pg != "" {
		stores = append(stores, "postgres")
	}
	if *verify {
		return m.benchVerify(ctx, stores, *pg, *verifyPeople, *connections, *wrkThreads, *duration)
	}
	if *statusCards > 0 {
		if *statusCards > 1<<20 {
			return usageError{"-statuslist: at most 1048576 cards (the status list's size)"}
		}
		return m.benchStatusList(ctx, stores, *pg, *statusCards)
	}
	for _, st := range stores {
		fmt.Fprintf(m.Stdout, "\n[%s]\n", st)
		if err := m.benchStore(ctx, st, *pg, *people, *requests, *clients); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
	}
	return nil
}

func (m *Main) benchStore(ctx context.Context, driver, pgURL string, people, requests, clients int) error {
	now := time.Now().UTC()
	file := perf.PeopleCSV(people, 0, []string{"HOU"}, now)
	open := func() (*app.App, func(), error) {
		dir, err := os.MkdirTemp("", "docketcard-bench-")
		if err != nil {
			return nil, nil, err
		}
		cleanup := func() { os.RemoveAll(dir) }
		key, _ := blob.GenerateKeyText("bench")
		cfg := config.Default()
		cfg.DataDir, cfg.MasterKeys, cfg.DBDriver = dir, key, driver
		if driver == "postgres" {
			schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
			admin, err := sql.Open("pgx", pgURL)
			if err != nil {
				return nil, cleanup, err
			}
			if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
				admin.Close()
				return nil, cleanup, err
			}
			cleanup = func() {
				admin.Exec("DROP SCHEMA " + schema + " CASCADE")
				admin.Close()
				os.RemoveAll(dir)
			}
			u, err := url.Parse(pgURL)
			if err != nil {
				return nil, cleanup, err
			}
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			cfg.DatabaseURL = u.String()
		} else {
			cfg.DatabaseURL = filepath.Join(dir, "bench.db")
		}
		pw := service.DefaultPasswordParams
		a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Migrate: true, Password: &pw})
		if err != nil {
			return nil, cleanup, err
		}
		sys := docketcard.SystemActor("bench")
		if _, err := a.Service.CreateSite(ctx, sys, docketcard.Site{Code: "HOU", Name: "Houston Field Office", City: "Houston", TimeZone: "America/Chicago", Active: true}); err != nil {
			a.Close()
			return nil, cleanup, err
		}
		return a, func() { a.Close(); cleanup() }, nil
	}

	// Import against bare INSERT, each in a fresh database.
	a, done, err := open()
	if err != nil {
		return err
	}
	sys := docketcard.SystemActor("bench")
	start := time.Now()
	rep, err := a.Service.ImportPeople(ctx, sys, bytes.NewReader(file))
	imp := time.Since(start)
	if err != nil || rep.Created != people {
		done()
		return fmt.Errorf("import: %+v %v", rep, err)
	}
	// Keep this database for the latency run.
	b, doneBare, err := open()
	if err != nil {
		done()
		return err
	}
	start = time.Now()
	if _, err := perf.BareInsert(ctx, b.DB, file, now); err != nil {
		done()
		doneBare()
		return err
	}
	bare := time.Since(start)
	doneBare()
	fmt.Fprintf(m.Stdout, "import %d people:      %8.0f ms  %8.0f rows/s\n", people, ms(imp), float64(people)/imp.Seconds())
	fmt.Fprintf(m.Stdout, "bare batched INSERT:      %8.0f ms  %8.0f rows/s\n", ms(bare), float64(people)/bare.Seconds())
	fmt.Fprintf(m.Stdout, "import speed / bare speed: %.2f (target ≥ 0.33)\n", bare.Seconds()/imp.Seconds())

	// GET by A-number through the real HTTP stack.
	defer done()
	u, err := a.Service.CreateUser(ctx, sys, docketcard.UserInput{Username: "bench", DisplayName: "Bench", Roles: []string{"adjudicator"}, Sites: []string{"HOU"}, Password: service.GeneratePassword()})
	if err != nil {
		return err
	}
	tok, err := a.Service.CreateToken(ctx, sys, u.ID, "bench", time.Hour)
	if err != nil {
		return err
	}
	addr, stop, err := serveLoopback(a)
	if err != nil {
		return err
	}
	defer stop()
	urls := make([]string, min(people, 1000))
	for i := range urls {
		urls[i] = fmt.Sprintf("http://%s/api/v1/a-numbers/A09%07d", addr, i+1)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2, MaxConnsPerHost: clients * 2}}
	perf.GetLoad(ctx, client, urls, tok.Secret, clients, min(requests, 1000)) // warm up
	lat := perf.GetLoad(ctx, client, urls, tok.Secret, clients, requests)
	fmt.Fprintf(m.Stdout, "GET /api/v1/a-numbers/{a}, %d clients: %s\n", clients, lat)
	if lat.Errors > 0 {
		return fmt.Errorf("%d requests failed", lat.Errors)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
