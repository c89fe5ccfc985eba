package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/app"
	"github.com/docketcard/docketcard/card"
	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/service"
)

// card issues, renders and manages cards from the command line.
func (m *Main) card(ctx context.Context, args []string) error {
	sub, cfg, fs, err := m.subcommand("card", "issue|render|show|transition|replace|handover|history|verify", args)
	if err != nil {
		return err
	}
	person := fs.String("a-number", "", "issue: the holder's A-number")
	key := fs.String("request-key", "", "issue, replace: idempotency key (default: derived from the A-number or card and today's date, so a retry today reuses the card)")
	as := fs.String("as", "", "act as this docketcard user (their roles and sites apply); default: the system operator")
	id := fs.String("id", "", "the card id (or use -number)")
	number := fs.String("number", "", "the card number, e.g. DC0123456 (instead of -id)")
	out := fs.String("o", ".", "render: output directory")
	event := fs.String("event", "", "transition: print, spoil, activate, suspend, reinstate or revoke")
	reason := fs.String("reason", "", "transition: the reason code; replace: lost, stolen, damaged, data_changed or renewal")
	note := fs.String("note", "", "transition, replace: a note (required for officer_action, fraud and reinstatement)")
	version := fs.Int("version", 0, "transition: the card version you looked at (0: current)")
	ack := fs.String("ack", "signature", "handover: how the holder acknowledged receipt: signature or verbal")
	witness := fs.String("witness", "", "handover: the witnessing officer (required for a verbal acknowledgement)")
	pin := fs.String("pin", "", "handover: the holder's chosen portal PIN (6 to 8 digits; default: generated and printed once)")
	activate := fs.Bool("activate", true, "handover: also activate the card")
	qr := fs.String("qr", "", "verify: the QR payload text (or use -number)")
	purpose := fs.String("purpose", "", "verify: why you verify this card (recorded and shown to the holder)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	a, act, err := m.openAs(ctx, *cfg, *as)
	if err != nil {
		return err
	}
	defer a.Close()
	cardID := func() (string, error) {
		switch {
		case *id != "" && *number != "":
			return "", usageError{"give -id or -number, not both"}
		case *id != "":
			return *id, nil
		case *number != "":
			c, err := a.Service.CardByNumber(ctx, act, *number)
			if err != nil {
				return "", err
			}
			return c.ID, nil
		}
		return "", usageError{"-id or -number is required"}
	}
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
		cid, err := cardID()
		if err != nil {
			return err
		}
		res, c, err := a.Service.RenderCard(ctx, act, cid)
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
		cid, err := cardID()
		if err != nil {
			return err
		}
		c, err := a.Service.GetCard(ctx, act, cid)
		if err != nil {
			return err
		}
		m.printJSON(c)
	case "transition":
		cid, err := cardID()
		if err != nil {
			return err
		}
		c, err := a.Service.TransitionCard(ctx, act, cid, docketcard.TransitionRequest{Event: docketcard.CardEvent(*event),
			Reason: docketcard.CardReason(*reason), Note: *note, Version: *version})
		if c != nil {
			fmt.Fprintf(m.Stdout, "card %s: %s (%s)\n", c.CardNumber, c.State, c.StateReason)
		}
		return err
	case "replace":
		cid, err := cardID()
		if err != nil {
			return err
		}
		if *key == "" {
			*key = "cli-replace:" + cid + ":" + time.Now().UTC().Format(time.DateOnly)
		}
		c, err := a.Service.ReplaceCard(ctx, act, cid, service.ReplaceInput{Reason: *reason, Note: *note}, *key)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "replacement card %s (%s): %s; the old card is revoked when this one is activated\n", c.CardNumber, c.ID, c.State)
	case "handover":
		cid, err := cardID()
		if err != nil {
			return err
		}
		res, err := a.Service.HandoverCard(ctx, act, cid, docketcard.HandoverInput{Acknowledgement: *ack, Witness: *witness, PIN: *pin, Activate: *activate})
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "card %s handed over %s: %s\n", res.Card.CardNumber, res.Handover.At.Format(time.RFC3339), res.Card.State)
		if res.PIN != "" {
			fmt.Fprintf(m.Stdout, "portal PIN (give it to the holder; it is not shown again): %s\n", res.PIN)
		}
	case "history":
		cid, err := cardID()
		if err != nil {
			return err
		}
		h, err := a.Service.CardHistory(ctx, act, cid)
		if err != nil {
			return err
		}
		for _, e := range h {
			fmt.Fprintf(m.Stdout, "%s  %-9s %s -> %s  %s  by %s\n", e.At.Format(time.RFC3339), e.Event, e.From, e.To, e.Reason, e.ActorID)
		}
	case "verify":
		res, err := a.Service.VerifyCard(ctx, act, service.VerifyRequest{QR: *qr, CardNumber: *number, Purpose: *purpose})
		if err != nil {
			return err
		}
		m.printJSON(res)
		if res.Result != docketcard.VerifyValid {
			return exitCodeError{code: onlineExit[res.Result], err: fmt.Errorf("card %s: %s (%s)", res.CardNumber, res.Result, res.Detail)}
		}
	default:
		return usageError{"unknown card subcommand " + sub + "; use issue, render, show, transition, replace, handover, history or verify"}
	}
	return nil
}

// onlineExit maps online results to the offline verifier's exit codes.
var onlineExit = map[docketcard.VerifyResult]int{
	docketcard.VerifyNotGenuine: 10, docketcard.VerifyRevoked: 11, docketcard.VerifySuspended: 12, docketcard.VerifyExpired: 13,
}

// status publishes and exports the signed status list.
func (m *Main) status(ctx context.Context, args []string) error {
	sub, cfg, fs, err := m.subcommand("status", "export|publish|bundle", args)
	if err != nil {
		return err
	}
	out := fs.String("o", "", "export, bundle: output file (default status-list.cwt or verifier-bundle.cbor)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	a, err := m.open(ctx, *cfg, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	switch sub {
	case "publish":
		act, err := m.cliActor(ctx, a, "")
		if err != nil {
			return err
		}
		pub, err := a.Service.ForcePublishStatusList(ctx, act)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "status list %d published %s (change %d), sha256 %s\n", pub.Seq, pub.IssuedAt.Format(time.RFC3339), pub.ChangeSeq, pub.SHA256)
		return a.Service.ReleaseStatusLease(ctx, a.Service.Instance())
	case "export", "bundle":
		pub, err := a.Service.CurrentStatusList(ctx)
		if err != nil {
			return err
		}
		defer a.Service.ReleaseStatusLease(ctx, a.Service.Instance())
		b, what := pub.Token, "status list"
		if sub == "bundle" {
			if a.Keys == nil {
				return fmt.Errorf("card issuance is not configured: set DOCKETCARD_KEYS_DIR")
			}
			_, trust := a.Keys.TrustList()
			if b, err = credential.EncodeBundle(&credential.Bundle{Root: a.Keys.Root().Raw, TrustList: trust, StatusList: pub.Token, IssuedAt: pub.IssuedAt}); err != nil {
				return err
			}
			what = "verifier bundle"
			if *out == "" {
				*out = "verifier-bundle.cbor"
			}
		}
		if *out == "" {
			*out = "status-list.cwt"
		}
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s %d issued %s written to %s (%d bytes)\n", what, pub.Seq, pub.IssuedAt.Format(time.RFC3339), *out, len(b))
		return nil
	}
	return usageError{"unknown status subcommand " + sub + "; use export, publish or bundle"}
}

// print works a site's print queue.
func (m *Main) print(ctx context.Context, args []string) error {
	sub, cfg, fs, err := m.subcommand("print", "queue|batch|pdf|mark|show", args)
	if err != nil {
		return err
	}
	as := fs.String("as", "", "act as this docketcard user (their roles and sites apply); default: the system operator")
	site := fs.String("site", "", "queue, batch: the site code")
	max := fs.Int("max", 50, "batch: at most this many cards")
	batch := fs.String("batch", "", "pdf, mark, show: the batch id")
	out := fs.String("o", "", "pdf: output file (default batch-<id>.pdf)")
	proof := fs.Bool("proof", false, "pdf: a proof sheet (several cards per page) instead of card-printer pages")
	paper := fs.String("paper", "a4", "pdf -proof: a4 or letter")
	printed := fs.String("printed", "", "mark: comma-separated card ids (or numbers) that printed well")
	spoiled := fs.String("spoiled", "", "mark: comma-separated card ids (or numbers) that were spoiled")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	a, act, err := m.openAs(ctx, *cfg, *as)
	if err != nil {
		return err
	}
	defer a.Close()
	switch sub {
	case "queue":
		cs, err := a.Service.PrintQueue(ctx, act, *site, docketcard.MaxPrintBatch)
		if err != nil {
			return err
		}
		for _, c := range cs {
			fmt.Fprintf(m.Stdout, "%s  %s  approved %s\n", c.ID, c.CardNumber, c.CreatedAt.Format(time.RFC3339))
		}
		fmt.Fprintf(m.Stdout, "%d cards waiting at %s\n", len(cs), *site)
	case "batch":
		b, err := a.Service.CreatePrintBatch(ctx, act, *site, *max)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "print batch %s: %d cards\n", b.ID, len(b.Cards))
	case "show":
		b, err := a.Service.GetPrintBatch(ctx, act, *batch)
		if err != nil {
			return err
		}
		m.printJSON(b)
	case "pdf":
		f := service.PrintFormat{Proof: *proof}
		if f.Proof {
			if f.Paper, err = card.ParsePaper(*paper); err != nil {
				return err
			}
		}
		if *out == "" {
			*out = "batch-" + *batch + ".pdf"
		}
		var buf bytes.Buffer
		if err := a.Service.RenderPrintBatch(ctx, act, *batch, f, &buf); err != nil {
			return err
		}
		if err := os.WriteFile(*out, buf.Bytes(), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s (%d bytes)\n", *out, buf.Len())
	case "mark":
		b, err := a.Service.GetPrintBatch(ctx, act, *batch)
		if err != nil {
			return err
		}
		byKey := map[string]string{}
		for _, c := range b.Cards {
			byKey[c.CardID], byKey[c.CardNumber] = c.CardID, c.CardID
		}
		var outs []service.PrintOutcome
		for outcome, list := range map[string]string{docketcard.OutcomePrinted: *printed, docketcard.OutcomeSpoiled: *spoiled} {
			for _, k := range strings.Split(list, ",") {
				if k = strings.TrimSpace(k); k == "" {
					continue
				}
				cid, ok := byKey[k]
				if !ok {
					return usageError{"card " + k + " is not in batch " + b.ID}
				}
				outs = append(outs, service.PrintOutcome{CardID: cid, Outcome: outcome})
			}
		}
		nb, err := a.Service.RecordPrintOutcomes(ctx, act, b.ID, outs)
		if nb != nil {
			for _, c := range nb.Cards {
				line := fmt.Sprintf("%d. %s %s", c.Position, c.CardNumber, c.Outcome)
				if c.Reprint != "" {
					line += " (reprint queued: card " + c.Reprint + ")"
				}
				fmt.Fprintln(m.Stdout, line)
			}
		}
		return err
	default:
		return usageError{"unknown print subcommand " + sub + "; use queue, batch, pdf, mark or show"}
	}
	return nil
}
