package main

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/docketcard/docketcard/provider/checksim"
)

// TestServerKilledDuringChecks: a server is SIGKILLed while an external
// check is in flight at the provider simulator (callbacks dropped, so
// only polling can finish it); a new server process picks the durable job
// up from the database and completes the check. Nothing is lost.
func TestServerKilledDuringChecks(t *testing.T) {
	dir, e := migratedDir(t)
	secret := []byte("e2e provider secret, 32 bytes ok")
	sim, err := checksim.New(checksim.Config{Latency: 3 * time.Second, DropCallbackRate: 1, Secret: secret, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	defer ts.Close()
	defer sim.Close()
	e = e.with("DOCKETCARD_CHECKS_REQUIRED", "criminal_history", "DOCKETCARD_PROVIDER_URL", ts.URL,
		"DOCKETCARD_PROVIDER_TOKEN", "e2e-token", "DOCKETCARD_PROVIDER_SECRET", string(secret),
		"DOCKETCARD_CHECK_POLL_INTERVAL", "500ms", "DOCKETCARD_CHECK_TIMEOUT", "5s")
	csv := filepath.Join(t.TempDir(), "p.csv")
	os.WriteFile(csv, []byte("a_number,family_names,given_names,date_of_birth,sex,country_of_citizenship,country_of_birth,preferred_language,street1,city,state,zip,site_code\n"+
		"A000000555,QUINTANILLA,Rosa,1990-05-05,F,SLV,SLV,es,1 Main St,Houston,TX,77002,HOU\n"), 0o600)
	mustRun(t, e, "import", csv)
	mustRun(t, e, "checks", "run", "-a-number", "A000000555") // queued, not run
	db := openSQLite(t, filepath.Join(dir, "docketcard.db"), true)
	state := func() (string, string) {
		var st, ref string
		db.QueryRow(`SELECT state, provider_ref FROM checks`).Scan(&st, &ref)
		return st, ref
	}
	start := func() (*serverProc, error) { return startProc(t, e) }
	first, err := start()
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the first server has submitted the check to the provider.
	for deadline := time.Now().Add(60 * time.Second); ; {
		if _, ref := state(); ref != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the check was never submitted:\n%s", first.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	first.cmd.Process.Signal(syscall.SIGKILL)
	first.cmd.Wait()
	if st, _ := state(); st != "pending" {
		t.Fatalf("after the kill the check is %q, want pending", st)
	}
	second, err := start()
	if err != nil {
		t.Fatal(err)
	}
	defer second.cmd.Process.Kill()
	for deadline := time.Now().Add(90 * time.Second); ; {
		if st, _ := state(); st != "pending" && st != "" {
			if st != "clear" && st != "possible_match" {
				t.Fatalf("check ended %q:\n%s", st, second.out.String())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the check was not completed by the second server:\n%s", second.out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := sim.Stats().Checks; got != 1 {
		t.Errorf("the provider started %d checks; the idempotency key must keep it at one", got)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM check_attempts`); n < 2 {
		t.Errorf("%d attempts recorded, want the submission and the poll", n)
	}
}

type serverProc struct {
	cmd *exec.Cmd
	out *syncBuffer
}

// startProc starts `serve` as a child process and waits until it listens.
func startProc(t *testing.T, e env) (*serverProc, error) {
	t.Helper()
	cmd := childCommand(e, "serve", "-addr", "127.0.0.1:0")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	listening := regexp.MustCompile(`msg=listening`)
	for deadline := time.Now().Add(2 * time.Minute); !listening.MatchString(out.String()); {
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &serverProc{cmd: cmd, out: out}, nil
}

var _ = context.Background
