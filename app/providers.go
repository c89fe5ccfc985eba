package app

import (
	"context"
	"net/http"
	"strings"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/checks"
	"github.com/docketcard/docketcard/config"
	"github.com/docketcard/docketcard/provider"
	"github.com/docketcard/docketcard/service"
)

// externalTypes are the checks run at an external provider.
var externalTypes = []docketcard.CheckType{docketcard.CheckCriminalHistory, docketcard.CheckBiometric, docketcard.CheckTerroristScreening}

// setupProviders adds the watch-list and external providers the
// configuration enables.
func (a *App) setupProviders(ctx context.Context, cfg config.Config, providers map[docketcard.CheckType]service.CheckProvider) error {
	if err := a.setupWatchlists(ctx, cfg, providers); err != nil {
		return err
	}
	if cfg.ProviderURL == "" {
		return nil
	}
	client, err := provider.New(provider.Config{BaseURL: cfg.ProviderURL, Token: cfg.ProviderToken})
	if err != nil {
		return err
	}
	callback := strings.TrimSuffix(cfg.PublicURL, "/") + "/api/v1/provider-callbacks"
	for _, t := range externalTypes {
		providers[t] = checks.External{Client: client, Type: t, CallbackURL: callback}
	}
	a.ProviderCallback = client.CallbackHandler([]byte(cfg.ProviderSecret), func(ctx context.Context, res *provider.Result) error {
		out, err := checks.Outcome(res)
		if err != nil {
			// A provider-side error: the next attempt (by the queue) resubmits.
			return nil
		}
		err = a.Service.CompleteExternalCheck(ctx, res.ProviderRef, out)
		if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
			// Not one of ours (or long gone): acknowledge, so the provider
			// stops redelivering a result that can never be accepted.
			a.Log.Warn("provider callback for an unknown check", "provider_ref", res.ProviderRef)
			return nil
		}
		return err
	})
	return nil
}

var _ http.Handler
