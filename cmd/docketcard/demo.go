package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docketcard/docketcard/app"
	"github.com/docketcard/docketcard/blob"
	"github.com/docketcard/docketcard/config"
	"github.com/docketcard/docketcard/demo"
)

// demo creates (on first run) a data directory with an SQLite database,
// a master key for files at rest, the four pilot sites, one user per role
// and synthetic people; then serves it on 127.0.0.1.
func (m *Main) demo(ctx context.Context, args []string) error {
	cfg, err := m.loadConfig()
	if err != nil {
		return err
	}
	cfg.SecureCookies = false // plain HTTP on loopback
	fs := m.flags("demo", &cfg)
	people := fs.Int("people", 200, "how many synthetic people to create")
	seed := fs.Uint64("seed", 1, "random seed for the synthetic data")
	noServe := fs.Bool("no-serve", false, "create the data and exit without serving")
	reset := fs.Bool("reset", false, "delete the demo data directory first")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *people < 0 || *people > 1_000_000 {
		return usageError{"-people must be between 0 and 1000000"}
	}
	if cfg.DBDriver != "sqlite" {
		return usageError{"the demo runs on the embedded SQLite database; use `serve` for PostgreSQL"}
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	if host != "127.0.0.1" && host != "localhost" && host != "::1" {
		return usageError{"the demo serves on loopback only (127.0.0.1); it uses plain HTTP and printed passwords"}
	}
	dir := cfg.DataDir
	if *reset {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	keyFile := filepath.Join(dir, "master.key")
	if cfg.MasterKeys == "" {
		k, err := os.ReadFile(keyFile)
		if errors.Is(err, fs2ErrNotExist) {
			text, err := blob.GenerateKeyText("demo1")
			if err != nil {
				return err
			}
			if err := os.WriteFile(keyFile, []byte(text+"\n"), 0o600); err != nil {
				return err
			}
			k = []byte(text)
		} else if err != nil {
			return err
		}
		cfg.MasterKeys = strings.TrimSpace(string(k))
	}
	if cfg.KeysDir == "" {
		cfg.KeysDir = filepath.Join(dir, "keys")
		pass, err := demo.KeyDir(cfg.KeysDir, time.Now())
		if err != nil {
			return fmt.Errorf("demo keys: %w", err)
		}
		cfg.SignerPassphrase = string(pass)
		cfg.RootCert = ""
	}
	// Watch-list screening needs the public list files; without them the
	// demo runs the other built-in checks.
	if cfg.WatchlistsDir == "" {
		for _, d := range []string{"../shared/data/watchlists", "../../shared/data/watchlists"} {
			if fi, err := os.Stat(d); err == nil && fi.IsDir() {
				cfg.WatchlistsDir, _ = filepath.Abs(d)
				break
			}
		}
	}
	if cfg.WatchlistsDir == "" && cfg.ChecksRequired == config.Default().ChecksRequired {
		cfg.ChecksRequired = "duplicate,document"
		fmt.Fprintln(m.Stdout, "No watch-list files found (set DOCKETCARD_WATCHLISTS_DIR): the demo runs the duplicate and document checks only.")
	}
	envFile := filepath.Join(dir, "demo.env")
	if strings.HasPrefix(cfg.PublicURL, "https://docketcard.example") {
		cfg.PublicURL = "http://" + cfg.Addr
		// A rerun keeps the public URL the demo's cards were issued under
		// (their issuer and status-list address).
		if prev, err := os.ReadFile(envFile); err == nil {
			for _, l := range strings.Split(string(prev), "\n") {
				if v, ok := strings.CutPrefix(l, "export DOCKETCARD_PUBLIC_URL="); ok {
					cfg.PublicURL = strings.Trim(v, "'")
				}
			}
		}
	}
	// The settings other commands need to work on the demo's data.
	abs, _ := filepath.Abs(dir)
	env := fmt.Sprintf("# source this file to run other docketcard commands on the demo data\n"+
		"export DOCKETCARD_DATA_DIR='%s'\nexport DOCKETCARD_MASTER_KEYS_FILE='%s'\nexport DOCKETCARD_KEYS_DIR='%s'\n"+
		"export DOCKETCARD_SIGNER_PASSPHRASE_FILE='%s'\nexport DOCKETCARD_PUBLIC_URL='%s'\n"+
		"export DOCKETCARD_WATCHLISTS_DIR='%s'\nexport DOCKETCARD_CHECKS_REQUIRED='%s'\n",
		abs, filepath.Join(abs, "master.key"), filepath.Join(abs, "keys"), filepath.Join(abs, "keys", "signer.pass"), cfg.PublicURL,
		cfg.WatchlistsDir, cfg.ChecksRequired)
	if err := os.WriteFile(envFile, []byte(env), 0o600); err != nil {
		return err
	}
	loginsFile := filepath.Join(dir, "demo-logins.txt")
	_, statErr := os.Stat(loginsFile)
	fresh := errors.Is(statErr, fs2ErrNotExist)

	a, err := m.open(ctx, cfg, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	if fresh {
		fmt.Fprintf(m.Stdout, "Creating demo data in %s (%d synthetic people)…\n", dir, *people)
		start := time.Now()
		res, err := demo.Load(ctx, a.Service, time.Now(), demo.Options{People: *people, Seed: *seed, Progress: func(done, total int) {
			if done%50 == 0 || done == total {
				fmt.Fprintf(m.Stderr, "  %d/%d people\n", done, total)
			}
		}})
		if err != nil {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%-12s %-20s %-26s %s\n", "USERNAME", "ROLE", "PASSWORD", "SITES")
		for _, l := range res.Logins {
			fmt.Fprintf(&b, "%-12s %-20s %-26s %s\n", l.Username, l.Role, l.Password, strings.Join(l.Sites, ","))
		}
		if err := os.WriteFile(loginsFile, []byte(b.String()), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Created %d people in %s.\n", res.People, time.Since(start).Round(time.Millisecond))
	} else {
		fmt.Fprintf(m.Stdout, "Using the existing demo data in %s (run with -reset to start over).\n", dir)
	}
	logins, err := os.ReadFile(loginsFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "\nDemo logins (synthetic data only; also in %s):\n%s\n", loginsFile, logins)
	fmt.Fprintf(m.Stdout, "To run other commands on this data (card render, verify, audit…): source %s\n\n", envFile)
	if *noServe {
		return nil
	}
	m.announce = func(addr string) {
		fmt.Fprintf(m.Stdout, "docketcard demo is serving at http://%s/  (Ctrl-C to stop)\n", addr)
	}
	return m.runServer(ctx, a, a.Config)
}

var fs2ErrNotExist = fs.ErrNotExist
