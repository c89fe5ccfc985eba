package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/docketcard/docketcard/app"
	"github.com/docketcard/docketcard/service"
)

// card issues and renders cards from the command line.
func (m *Main) card(ctx context.Context, args []string) error {
	sub, cfg, fs, err := m.subcommand("card", "issue|render|show", args)
	if err != nil {
		return err
	}
	person := fs.String("a-number", "", "issue: the holder's A-number")
	key := fs.String("request-key", "", "issue: idempotency key (default: derived from the A-number and today's date, so a retry today reuses the card)")
	as := fs.String("as", "", "act as this docketcard user (their roles and sites apply); default: the system operator")
	id := fs.String("id", "", "render, show: card id")
	out := fs.String("o", ".", "render: output directory")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	a, act, err := m.openAs(ctx, *cfg, *as)
	if err != nil {
		return err
	}
	defer a.Close()
	switch sub {
	case "issue":
		p, err := a.Service.GetPersonByANumber(ctx, act, *person)
		if err != nil {
			return err
		}
		if *key == "" {
			*key = "cli:" + string(p.ANumber) + ":" + time.Now().UTC().Format(time.DateOnly)
		}
		c, err := a.Service.IssueCard(ctx, act, p.ID, *key)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "card %s (%s) for %s: %s, valid %s to %s, key %s\n", c.CardNumber, c.ID, p.ANumber.Masked(), c.State,
			c.NotBefore.Format(time.DateOnly), c.ExpiresAt.Format(time.DateOnly), c.KeyID)
	case "render":
		res, c, err := a.Service.RenderCard(ctx, act, *id)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(*out, 0o700); err != nil {
			return err
		}
		for name, b := range map[string][]byte{"card.pdf": res.PDF, "front.png": res.FrontPNG, "back.png": res.BackPNG} {
			path := filepath.Join(*out, c.CardNumber+"-"+name)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				return err
			}
			fmt.Fprintln(m.Stdout, path)
		}
		fmt.Fprintf(m.Stdout, "QR version %d, %d modules, %.2f mm per module\n", res.QRVersion, res.QRModules, res.ModuleMM)
	case "show":
		c, err := a.Service.GetCard(ctx, act, *id)
		if err != nil {
			return err
		}
		m.printJSON(c)
	default:
		return usageError{"unknown card subcommand " + sub + "; use issue, render or show"}
	}
	return nil
}

// status exports the signed status list for offline verifiers.
func (m *Main) status(ctx context.Context, args []string) error {
	sub, cfg, fs, err := m.subcommand("status", "export", args)
	if err != nil {
		return err
	}
	out := fs.String("o", "status-list.cwt", "output file")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if sub != "export" {
		return usageError{"unknown status subcommand " + sub + "; use export"}
	}
	a, err := m.open(ctx, *cfg, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	b, tok, err := a.Service.StatusList(ctx)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "status list of %d entries issued %s written to %s (%d bytes)\n", tok.List.Len(), tok.IssuedAt.Format(time.RFC3339), *out, len(b))
	return nil
}


var _ = service.StatusListTTL
