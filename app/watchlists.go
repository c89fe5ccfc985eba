package app

import (
	"context"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/checks"
	"github.com/docketcard/docketcard/config"
	"github.com/docketcard/docketcard/screening"
	"github.com/docketcard/docketcard/service"
)

// setupWatchlists loads the watch-list files for the built-in screening
// provider, if configured.
func (a *App) setupWatchlists(ctx context.Context, cfg config.Config, providers map[docketcard.CheckType]service.CheckProvider) error {
	if cfg.WatchlistsDir == "" {
		return nil
	}
	a.Watchlists = &screening.Lists{}
	if err := a.Watchlists.Reload(cfg.WatchlistsDir); err != nil {
		return err
	}
	providers[docketcard.CheckWatchlist] = checks.Watchlist{Lists: a.Watchlists}
	return nil
}
