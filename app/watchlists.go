package app

import (
	"context"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/config"
	"github.com/docketcard/docketcard/service"
)

func (a *App) setupWatchlists(ctx context.Context, cfg config.Config, providers map[docketcard.CheckType]service.CheckProvider) error {
	return nil
}
