package checksim

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/docketcard/docketcard/provider"
)

// Exit codes of Main.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// minSecret is the shortest callback secret accepted, in bytes.
const minSecret = 16

// Main runs the simulator as a command (`docketcard checksim`) until
// SIGINT or SIGTERM and returns the exit status: 0 after a clean stop, 1
// if it could not serve, 2 for bad flags.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return MainContext(ctx, args, stdout, stderr)
}

// MainContext is Main stopping when ctx ends instead of on a signal.
func MainContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, args, stdout, stderr, nil)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(addr string)) int {
	fs := flag.NewFlagSet("checksim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: docketcard checksim -secret-file FILE [flags]

Serve a simulated background-check provider that speaks docketcard's
provider protocol (provider/PROTOCOL.md): POST /v1/checks,
GET /v1/checks/{ref}, signed callbacks. Every record it returns is synthetic.
Create a secret with:  head -c 32 /dev/urandom | base64 > checksim.secret

flags:
`)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	latency := fs.Duration("latency", 2*time.Second, "time a check takes (0 with -jitter 0: answer synchronously)")
	jitter := fs.Duration("jitter", 500*time.Millisecond, "extra random latency, up to this much")
	hitRate := fs.Float64("hit-rate", 0.05, "share of subjects that get possible_match (0–1)")
	errorRate := fs.Float64("error-rate", 0, "share of requests answered 500 (0–1)")
	dropRate := fs.Float64("drop-callbacks", 0, "share of callbacks never sent; only polling finds those results (0–1)")
	secretFile := fs.String("secret-file", "", "file holding the shared callback-signing secret (required; at least 16 bytes)")
	tokenFile := fs.String("token-file", "", "file holding the bearer token clients must send (default: any token)")
	seed := fs.Int64("seed", 1, "seed for every random choice (same seed, same answers)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "checksim: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *secretFile == "" {
		fmt.Fprintln(stderr, "checksim: -secret-file is required (create one with: head -c 32 /dev/urandom | base64 > checksim.secret)")
		return exitUsage
	}
	secret, err := provider.ReadSecretFile(*secretFile)
	if err != nil {
		fmt.Fprintln(stderr, "checksim:", err)
		return exitUsage
	}
	if len(secret) < minSecret {
		fmt.Fprintf(stderr, "checksim: the secret in %s is %d bytes; at least %d are needed\n", *secretFile, len(secret), minSecret)
		return exitUsage
	}
	var token string
	if *tokenFile != "" {
		t, err := provider.ReadSecretFile(*tokenFile)
		if err != nil || len(t) == 0 {
			fmt.Fprintf(stderr, "checksim: cannot read a token from %s: %v\n", *tokenFile, err)
			return exitUsage
		}
		token = string(t)
	}
	sim, err := New(Config{
		Latency: *latency, Jitter: *jitter,
		HitRate: *hitRate, ErrorRate: *errorRate, DropCallbackRate: *dropRate,
		Secret: secret, Seed: *seed, Token: token,
		Logger: slog.New(slog.NewTextHandler(stderr, nil)),
	})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		sim.Close()
		fmt.Fprintln(stderr, "checksim:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "checksim: provider simulator on http://%s (POST /v1/checks, GET /v1/checks/{ref})\n", ln.Addr())
	fmt.Fprintf(stdout, "checksim: latency %s + up to %s, hit rate %g, error rate %g, dropped callbacks %g, seed %d\n",
		*latency, *jitter, *hitRate, *errorRate, *dropRate, *seed)
	if ready != nil {
		ready(ln.Addr().String())
	}
	if err := sim.Serve(ctx, ln); err != nil {
		fmt.Fprintln(stderr, "checksim:", err)
		return exitError
	}
	fmt.Fprintln(stdout, "checksim: stopped")
	return exitOK
}
