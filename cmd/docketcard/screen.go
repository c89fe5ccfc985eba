package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docketcard/docketcard/screening"
)

// screen screens one name against the watch-list files, as the built-in
// provider does, and explains each candidate's score.
func (m *Main) screen(ctx context.Context, args []string) error {
	cfg, err := m.loadConfig()
	if err != nil {
		return err
	}
	fs := m.flags("screen", &cfg)
	family := fs.String("family", "", "family names (SURNAME)")
	given := fs.String("given", "", "given names")
	dob := fs.String("dob", "", "date of birth: YYYY, YYYY-MM or YYYY-MM-DD")
	nat := fs.String("nationality", "", "ISO 3166-1 alpha-3")
	sex := fs.String("sex", "", "M or F")
	limit := fs.Int("limit", 5, "candidates to show")
	all := fs.Bool("all-types", false, "also screen organisations, vessels and aircraft")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *family == "" && *given == "" {
		return usageError{"usage: docketcard screen -family SURNAME [-given NAMES] [-dob YYYY-MM-DD] [-nationality MEX] (lists from -watchlists-dir or DOCKETCARD_WATCHLISTS_DIR)"}
	}
	if cfg.WatchlistsDir == "" {
		return usageError{"set -watchlists-dir or DOCKETCARD_WATCHLISTS_DIR to the directory of watch-list files"}
	}
	start := time.Now()
	ix, err := screening.LoadDir(cfg.WatchlistsDir)
	if err != nil {
		return err
	}
	loaded := time.Since(start)
	start = time.Now()
	res := ix.Screen(screening.Query{FamilyNames: *family, GivenNames: *given, DateOfBirth: *dob, Nationality: *nat, Sex: *sex, AllTypes: *all}, *limit)
	took := time.Since(start)
	if *asJSON {
		type out struct {
			EntityID    string   `json:"entity_id"`
			Name        string   `json:"name"`
			Score       float64  `json:"score"`
			Band        string   `json:"band"`
			Explanation []string `json:"explanation"`
		}
		var rows []out
		for _, r := range res {
			rows = append(rows, out{r.Entity.ID, r.Entity.PrimaryName(), r.Score, r.Band, r.Explanation})
		}
		vs := []string{}
		for _, v := range ix.Versions() {
			vs = append(vs, v.String())
		}
		m.printJSON(map[string]any{"results": rows, "list_versions": vs})
		return nil
	}
	fmt.Fprintf(m.Stdout, "%d entries from %d lists loaded in %s; screened in %s\n", ix.Len(), len(ix.Versions()), loaded.Round(time.Millisecond), took.Round(time.Microsecond))
	for _, v := range ix.Versions() {
		fmt.Fprintf(m.Stdout, "  list %s\n", v)
	}
	if len(res) == 0 {
		fmt.Fprintln(m.Stdout, "no candidates")
	}
	for i, r := range res {
		fmt.Fprintf(m.Stdout, "%d. %-8s %.3f  %s  %s\n", i+1, strings.ToUpper(r.Band), r.Score, r.Entity.ID, r.Entity.PrimaryName())
		for _, e := range r.Explanation {
			fmt.Fprintf(m.Stdout, "     %s\n", e)
		}
	}
	return nil
}
