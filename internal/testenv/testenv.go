// Package testenv decides whether tests that need outside tools or
// services run or skip. On a developer's machine a missing tool skips the
// test with a message that says how to enable it. With
// DOCKETCARD_TEST_STRICT=1 (set by .ci/run) a missing tool fails the test
// instead, so nothing is silently skipped in CI.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Strict reports whether missing test dependencies are failures.
func Strict() bool { return os.Getenv("DOCKETCARD_TEST_STRICT") == "1" }

// Need skips (or, in strict mode, fails) t unless ok.
func Need(t testing.TB, ok bool, what, how string) {
	t.Helper()
	if ok {
		return
	}
	if Strict() {
		t.Fatalf("%s is not available and DOCKETCARD_TEST_STRICT=1: %s", what, how)
	}
	t.Skipf("skipping: %s is not available (%s)", what, how)
}

// NeedCommand requires an executable on PATH and returns its path.
func NeedCommand(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	Need(t, err == nil, name, "install the Debian package "+debianPackage)
	return p
}

// PostgresURL returns the URL of a PostgreSQL database in which tests may
// create and drop schemas, from DOCKETCARD_TEST_POSTGRES.
func PostgresURL() string { return os.Getenv("DOCKETCARD_TEST_POSTGRES") }

// NeedPostgres requires DOCKETCARD_TEST_POSTGRES and returns it.
func NeedPostgres(t testing.TB) string {
	t.Helper()
	u := PostgresURL()
	Need(t, u != "", "PostgreSQL", "set DOCKETCARD_TEST_POSTGRES=postgres://user:pass@127.0.0.1:5432/db (see .ci/run)")
	return u
}
