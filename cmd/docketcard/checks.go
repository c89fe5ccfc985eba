package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docketcard/docketcard"
)

// checks runs and reviews background checks from the command line.
func (m *Main) checks(ctx context.Context, args []string) error {
	sub, cfg, fs, err := m.subcommand("checks", "run|list|queue|adjudicate|rescreen", args)
	if err != nil {
		return err
	}
	anum := fs.String("a-number", "", "run, list: the person's A-number")
	wait := fs.Bool("wait", false, "run: perform the checks now in this process instead of queueing them for the server")
	as := fs.String("as", "", "act as this docketcard user (their roles and sites apply); default: the system operator")
	checkID := fs.String("check", "", "adjudicate: check id")
	decision := fs.String("decision", "", "adjudicate: clear, deny or refer")
	reason := fs.String("reason", "", "adjudicate: the reason (at least 10 characters)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	a, act, err := m.openAs(ctx, *cfg, *as)
	if err != nil {
		return err
	}
	defer a.Close()
	person := func() (*docketcard.Person, error) {
		if *anum == "" {
			return nil, usageError{"-a-number is required"}
		}
		return a.Service.GetPersonByANumber(ctx, act, *anum)
	}
	switch sub {
	case "run":
		p, err := person()
		if err != nil {
			return err
		}
		var run *docketcard.CheckRun
		if *wait {
			run, err = a.Service.RunChecksNow(ctx, act, p.ID, "manual")
		} else {
			run, err = a.Service.StartChecks(ctx, act, p.ID, "manual")
		}
		if err != nil {
			return err
		}
		m.printRun(run)
	case "list":
		p, err := person()
		if err != nil {
			return err
		}
		runs, err := a.Service.ListCheckRuns(ctx, act, p.ID)
		if err != nil {
			return err
		}
		for _, r := range runs {
			m.printRun(r)
		}
	case "queue":
		items, err := a.Service.ReviewQueue(ctx, act, "", 200)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CHECK\tTYPE\tSCORE\tSITE\tPERSON\tA-NUMBER\tSINCE")
		for _, it := range items {
			fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\t%s\t%s\t%s\n", it.Check.ID, it.Check.Type, it.Check.Score, it.Check.SiteCode,
				it.Person.Name.String(), it.Person.ANumber.Formatted(), it.Check.UpdatedAt.Format(time.DateOnly))
		}
		tw.Flush()
	case "adjudicate":
		if *checkID == "" {
			return usageError{"-check is required"}
		}
		adj, err := a.Service.Adjudicate(ctx, act, *checkID, *decision, *reason)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "check %s: %s (%s)\n", adj.CheckID, adj.Decision, adj.ID)
	case "rescreen":
		n, hits, err := a.Service.Rescreen(ctx, act)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "re-screened %d cardholders against the current watch lists: %d new possible matches\n", n, hits)
	default:
		return usageError{"unknown checks subcommand " + sub + "; use run, list, queue, adjudicate or rescreen"}
	}
	return nil
}

func (m *Main) printRun(r *docketcard.CheckRun) {
	fmt.Fprintf(m.Stdout, "run %s (%s, %s) required: %s\n", r.ID, r.Reason, r.CreatedAt.Format(time.RFC3339), joinCheckTypes(r.Required))
	for _, c := range r.Checks {
		exp := ""
		if c.ExpiresAt != nil {
			exp = " until " + c.ExpiresAt.Format(time.DateOnly)
		}
		fmt.Fprintf(m.Stdout, "  %-20s %-15s score %.2f attempts %d%s  %s\n", c.Type, c.State, c.Score, c.Attempts, exp, c.ID)
	}
}

func joinCheckTypes(ts []docketcard.CheckType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ",")
}
