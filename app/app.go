// Package app assembles docketcard from its configuration: it opens the
// store, the blob store and the service, and builds the HTTP server. The
// command line (cmd/docketcard) and end-to-end tests share it, so tests
// boot exactly what production runs.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/blob"
	"github.com/docketcard/docketcard/checks"
	"github.com/docketcard/docketcard/config"
	"github.com/docketcard/docketcard/jobs"
	"github.com/docketcard/docketcard/keys"
	"github.com/docketcard/docketcard/screening"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/sqlstore"
	"github.com/docketcard/docketcard/web"
)

// Version is set at build time with -ldflags "-X .../app.Version=...".
var Version = "dev"

// App is an assembled docketcard.
type App struct {
	Config  config.Config
	DB      *sqlstore.DB
	Blobs   docketcard.BlobStore
	Service *service.Service
	Log     *slog.Logger
	Keys    *keys.Keyring // nil when card issuance is not configured
	Queue   *jobs.Queue   // durable background-check jobs
	// ProviderCallback receives external providers' signed results.
	ProviderCallback http.Handler
	// Watchlists holds the loaded screening lists (nil when not configured).
	Watchlists *screening.Lists
}

// Options tune Open for commands that need less than a server.
type Options struct {
	Migrate  bool                    // apply pending migrations
	Clock    docketcard.Clock        // nil for time.Now
	Password *service.PasswordParams // nil for the production cost
}

// Open validates cfg and assembles the application.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(ctx, sqlstore.Options{Driver: cfg.DBDriver, DSN: cfg.DatabaseURL, Migrate: o.Migrate, MaxConns: cfg.DBMaxConns})
	if err != nil {
		return nil, err
	}
	if o.Migrate {
		err = jobs.Migrate(ctx, db)
	} else {
		err = jobs.Validate(ctx, db)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &App{Config: cfg, DB: db, Log: log}
	if cfg.MasterKeys != "" {
		keys, err := blob.ParseKeyring(cfg.MasterKeys)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("DOCKETCARD_MASTER_KEYS: %w", err)
		}
		var backend blob.Backend
		if cfg.BlobBackend == "db" {
			backend = db.BlobBackend()
		} else if backend, err = blob.NewFS(cfg.BlobDir); err != nil {
			db.Close()
			return nil, err
		}
		a.Blobs = blob.Domain{S: blob.New(backend, keys)}
	} else {
		a.Blobs = noBlobs{}
	}
	sc := service.DefaultConfig()
	sc.SessionTTL, sc.LockoutThreshold, sc.LockoutDuration = cfg.SessionTTL, cfg.LockoutAfter, cfg.LockoutFor
	if o.Password != nil {
		sc.Password = *o.Password
	}
	a.Service = service.New(db, a.Blobs, o.Clock, sc, log)
	pol := service.DefaultCardPolicy()
	pol.Validity = cfg.CardValidity
	pol.IssuerBaseURL = strings.TrimSuffix(cfg.PublicURL, "/")
	pol.StatusListURI = pol.IssuerBaseURL + "/api/v1/status-list"
	pol.PortalURL = pol.IssuerBaseURL + "/portal"
	pol.Fields = splitFields(cfg.CardFields)
	if cfg.KeysDir != "" {
		root, err := keys.RootCert(cfg.RootCert)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("DOCKETCARD_ROOT_CERT: %w", err)
		}
		clock := o.Clock
		if clock == nil {
			clock = time.Now
		}
		if a.Keys, err = keys.Open(cfg.KeysDir, []byte(cfg.SignerPassphrase), root, clock); err != nil {
			db.Close()
			return nil, err
		}
		a.Service.SetCardIssuance(a.Keys, pol)
		a.Service.SetVerifierTrust(a.Keys)
	} else {
		a.Service.SetCardIssuance(nil, pol)
	}
	if err := a.setupChecks(ctx, cfg); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// setupChecks wires the check policy, the providers and the job queue.
func (a *App) setupChecks(ctx context.Context, cfg config.Config) error {
	pol, err := cfg.CheckPolicy()
	if err != nil {
		return err
	}
	providers := map[docketcard.CheckType]service.CheckProvider{
		docketcard.CheckDocument:  checks.Document{Store: a.DB},
		docketcard.CheckDuplicate: checks.Duplicate{Store: a.DB},
	}
	if err := a.setupProviders(ctx, cfg, providers); err != nil {
		return err
	}
	jobs.PollInterval = cfg.CheckPollInterval
	if a.Queue, err = jobs.New(a.DB, a.Service, jobs.Options{Workers: cfg.CheckWorkers, Policy: pol, Log: a.Log, Renew: true}); err != nil {
		return err
	}
	a.Service.SetChecks(pol, providers, a.Queue)
	return nil
}

func splitFields(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Server builds the HTTP server.
func (a *App) Server() (*web.Server, error) {
	var tl web.TrustSource
	if a.Keys != nil {
		tl = a.Keys
	}
	opts := web.Options{SecureCookies: a.Config.SecureCookies, Version: Version, Trust: tl, ProviderCallback: a.ProviderCallback,
		VerifiesPerMinute: a.Config.VerifyRate, VerifyBurst: max(a.Config.VerifyRate/5, 20)}
	if a.Watchlists != nil {
		opts.Watchlists = a.Watchlists
	}
	return web.New(a.Service, a.Log, opts)
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// noBlobs refuses blob operations when no master key is configured, so
// that nothing personal is ever written unencrypted.
type noBlobs struct{}

func (noBlobs) err() error {
	return docketcard.Errorf(docketcard.EUNAVAILABLE, "File storage is not configured: set DOCKETCARD_MASTER_KEYS (see `docketcard keys blob-key`).")
}
func (n noBlobs) Put(context.Context, string, []byte) (docketcard.BlobRef, error) {
	return docketcard.BlobRef{}, n.err()
}
func (n noBlobs) Get(context.Context, docketcard.BlobRef) ([]byte, error) { return nil, n.err() }
func (n noBlobs) Delete(context.Context, string) error                    { return n.err() }
