// Command docketcard is the one binary of the Secure Docket Card system:
// the server, the demo, and the operator's tools.
//
//	docketcard demo                 run a demo on 127.0.0.1 with synthetic data
//	docketcard serve                run the server
//	docketcard migrate              apply database migrations
//	docketcard import people.csv    enrol people from a CSV file
//	docketcard user …               manage officer accounts and API tokens
//	docketcard site …               manage field offices
//	docketcard audit verify         check the audit trail's hash chain
//	docketcard keys blob-key        generate a master key for files at rest
//	docketcard bench                print the performance report
//	docketcard version              print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/app"
	"github.com/docketcard/docketcard/config"
)

// Exit codes.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitAuditBad = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(m.Run(ctx, os.Args[1:]))
}

// Main runs one command; tests construct it with buffers and a fake
// environment to boot the real program.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Ready, if set, receives the server's address once it listens.
	Ready func(addr string)

	announce func(addr string)
}

type command struct {
	name, summary string
	run           func(m *Main, ctx context.Context, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"serve", "run the HTTP server", (*Main).serve},
		{"demo", "create demo data (synthetic people) and serve it on 127.0.0.1", (*Main).demo},
		{"migrate", "apply (or with -status, list) database migrations", (*Main).migrate},
		{"import", "enrol people from a CSV file", (*Main).importCmd},
		{"user", "manage users: create, list, passwd, token, disable, enable, unlock", (*Main).user},
		{"site", "manage field offices: create, list, update", (*Main).site},
		{"audit", "audit trail: verify, list", (*Main).audit},
		{"keys", "program PKI: init-root, new-signer, trust-list, list; blob-key", (*Main).keys},
		{"verify", "verify a card offline: image, QR text or a file of them", (*Main).verify},
		{"card", "cards: issue, render, show, transition, replace, handover, history, verify (online)", (*Main).card},
		{"print", "print queue: queue, batch, pdf (cards or -proof), mark printed/spoiled, show", (*Main).print},
		{"status", "status list: publish now, export the published list, bundle it with the trust list", (*Main).status},
		{"checks", "background checks: run, list, queue, adjudicate, rescreen", (*Main).checks},
		{"checksim", "run the external check-provider simulator (for tests and demos)", (*Main).checksim},
		{"screen", "screen a name against the watch-list files, with explanations", (*Main).screen},
		{"bench", "print the performance report (import vs bare INSERT; GET latency under load)", (*Main).bench},
		{"version", "print the version", func(m *Main, _ context.Context, _ []string) error {
			fmt.Fprintln(m.Stdout, "docketcard", app.Version)
			return nil
		}},
	}
}

func (m *Main) usage() {
	fmt.Fprintln(m.Stderr, "usage: docketcard <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(m.Stderr, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(m.Stderr, "\nRun `docketcard <command> -h` for a command's flags. Configuration also comes from DOCKETCARD_* variables (see README).")
}

// usageError marks errors that should print usage and exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitCodeError carries a specific exit code.
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string { return e.err.Error() }

// Run runs the command in args and returns the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if m.Getenv == nil {
		m.Getenv = os.Getenv
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		m.usage()
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(m, ctx, args[1:])
		var ue usageError
		var ec exitCodeError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(m.Stderr, "docketcard %s: %s\n", c.name, ue.msg)
			return exitUsage
		case errors.As(err, &ec):
			if ec.err != nil && ec.err.Error() != "" {
				fmt.Fprintf(m.Stderr, "docketcard %s: %s\n", c.name, describe(ec.err))
			}
			return ec.code
		default:
			fmt.Fprintf(m.Stderr, "docketcard %s: %s\n", c.name, describe(err))
			return exitError
		}
	}
	fmt.Fprintf(m.Stderr, "docketcard: unknown command %q\n\n", args[0])
	m.usage()
	return exitUsage
}

// describe renders an error for a person at a terminal: the safe message
// and each field problem; for unexpected errors, the full text (the
// operator running the CLI is entitled to it).
func describe(err error) string {
	var de *docketcard.Error
	if errors.As(err, &de) {
		s := de.Message
		// Keep the context of any wrapping (fmt.Errorf("DOCKETCARD_MASTER_KEYS: %w", …)).
		if full, inner := err.Error(), de.Error(); full != inner && strings.HasSuffix(full, inner) {
			s = strings.TrimSuffix(full, inner) + s
		}
		for _, f := range de.Fields {
			s += fmt.Sprintf("\n  %s: %s", f.Field, f.Message)
		}
		return s
	}
	return err.Error()
}

// flags creates a flag set for a command, with configuration flags.
func (m *Main) flags(name string, cfg *config.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("docketcard "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	if cfg != nil {
		cfg.RegisterFlags(fs)
	}
	return fs
}

// loadConfig returns defaults overridden by the environment.
func (m *Main) loadConfig() (config.Config, error) {
	cfg := config.Default()
	if err := cfg.FromEnv(m.Getenv); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// logger builds the process logger (once per command).
func (m *Main) logger(cfg config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}

// parse parses flags, treating -h as success.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// open loads config (env then flags already parsed into cfg) and opens
// the application.
func (m *Main) open(ctx context.Context, cfg config.Config, o app.Options) (*app.App, error) {
	log := m.logger(cfg)
	return app.Open(ctx, cfg, log, o)
}
