//go:build !pkcs11

package pkcs11

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard/internal/testenv"
)

// TestSoftHSMViaTag runs the cgo-only TestSoftHSM from the untagged test
// suite (CI runs plain "go test ./..."): it builds this package with
// -tags pkcs11 and CGO_ENABLED=1 in a subprocess.
func TestSoftHSMViaTag(t *testing.T) {
	testenv.NeedCommand(t, "softhsm2-util", "softhsm2")
	testenv.NeedCommand(t, "gcc", "gcc")
	goBin := testenv.NeedCommand(t, "go", "golang-go") // go test puts GOROOT/bin first on PATH

	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-10*time.Second))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, goBin, "test", "-tags", "pkcs11", "-run", "^TestSoftHSM$", "-count=1", "-v", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -tags pkcs11: %v\n%s", err, out)
	}
	switch s := string(out); {
	case strings.Contains(s, "--- SKIP: TestSoftHSM "):
		t.Skipf("TestSoftHSM skipped:\n%s", s)
	case !strings.Contains(s, "--- PASS: TestSoftHSM "):
		t.Fatalf("TestSoftHSM did not run:\n%s", s)
	}
	t.Logf("%s", out)
}
