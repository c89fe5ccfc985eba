package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/app"
	"github.com/docketcard/docketcard/config"
	"github.com/docketcard/docketcard/screening"
	"github.com/docketcard/docketcard/service"
)

func (m *Main) serve(ctx context.Context, args []string) error {
	cfg, err := m.loadConfig()
	if err != nil {
		return err
	}
	fs := m.flags("serve", &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := m.open(ctx, cfg, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	a.Log.Info("starting", "version", app.Version, "config", a.Config)
	return m.runServer(ctx, a, cfg)
}

// runServer listens, serves until ctx ends, then shuts down gracefully:
// it stops accepting, lets requests in flight finish within the grace
// period, and only then returns (and the caller closes the database).
func (m *Main) runServer(ctx context.Context, a *app.App, cfg config.Config) error {
	tuneGC()
	srv, err := a.Server()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	hs := srv.HTTPServer(cfg.Addr)
	// Background checks: this server works the durable job queue (every
	// server sharing the database does; River hands each job to one).
	if a.Queue != nil {
		if err := a.Queue.Start(ctx); err != nil {
			return fmt.Errorf("start the check queue: %w", err)
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
			defer cancel()
			if err := a.Queue.Stop(sctx); err != nil {
				a.Log.Warn("check queue stop", "err", err)
			}
		}()
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	addr := ln.Addr().String()
	a.Log.Info("listening", "addr", addr)
	if m.announce != nil {
		m.announce(addr)
	}
	if m.Ready != nil {
		m.Ready(addr)
	}
	// Expired sessions are removed periodically by whichever server runs
	// the sweep; the delete is idempotent, so several servers are harmless.
	go every(ctx, 10*time.Minute, nil, func() {
		if n, err := a.Service.CleanupSessions(ctx); err != nil {
			a.Log.Warn("session cleanup", "err", err)
		} else if n > 0 {
			a.Log.Info("session cleanup", "deleted", n)
		}
	})
	// A new signer or trust list is picked up without a restart: on
	// SIGHUP, and within 30 seconds otherwise.
	if a.Keys != nil {
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		go func() {
			defer signal.Stop(hup)
			every(ctx, 30*time.Second, hup, func() {
				if err := a.Keys.Reload(); err != nil {
					a.Log.Error("key directory reload failed; the previous keys stay in use", "err", err)
				}
			})
		}()
	}
	// Watch lists reload without downtime (a bad file keeps the last good
	// list, reported stale at /api/v1/watchlists); each new version set
	// triggers recurrent vetting of every cardholder once, on whichever
	// server sharing the database claims it first.
	if a.Watchlists != nil {
		go every(ctx, 5*time.Minute, nil, func() {
			if err := a.Watchlists.Reload(cfg.WatchlistsDir); err != nil {
				a.Log.Error("watch-list reload failed; the last good lists stay in service (stale)", "err", err)
				return
			}
			ran, n, hits, err := a.Service.RescreenOnce(ctx, docketcard.SystemActor("recurrent-vetting"), versionKey(a.Watchlists.Status().Versions))
			if ran || err != nil {
				a.Log.Info("recurrent vetting after a watch-list update", "cardholders", n, "new_possible_matches", hits, "err", err)
			}
		})
	}
	// Status list publication: whichever server holds the publisher lease
	// signs a new list within StatusPollInterval of any change; the others
	// serve the newest stored list and take over if the holder stops.
	if a.Keys != nil {
		holder := a.Service.Instance()
		publish := func() {
			pub, published, err := a.Service.PublishStatusList(ctx, holder, false)
			switch {
			case err != nil && ctx.Err() == nil:
				a.Log.Warn("status list publication", "err", err)
			case published:
				a.Log.Info("status list published", "seq", pub.Seq, "change", pub.ChangeSeq, "sha256", pub.SHA256)
			}
		}
		go func() {
			publish()
			every(ctx, service.StatusPollInterval, nil, publish)
		}()
		defer func() {
			rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := a.Service.ReleaseStatusLease(rctx, holder); err != nil {
				a.Log.Warn("status publisher lease release", "err", err)
			}
		}()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down", "grace", cfg.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.Log.Info("stopped")
	return nil
}

// tuneGC sets the garbage collector's target to GOGC=400 unless GOGC is
// set: under an online-verification load the default (100) collected so
// often that collection and its assists took about a fifth of the CPU and
// most of the tail latency (docs/PERFORMANCE.md). The heap may grow to
// about five times the live data; GOMEMLIMIT caps it where memory is tight.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// every calls fn each period, and whenever wake (which may be nil)
// delivers, until ctx ends.
func every(ctx context.Context, period time.Duration, wake <-chan os.Signal, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		fn()
	}
}

// versionKey names a watch-list version set: the same files give the
// same key on every server.
func versionKey(vs []screening.ListVersion) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.String())
		b.WriteString(";")
	}
	return b.String()
}
