package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/app"
	"github.com/docketcard/docketcard/config"
	"github.com/docketcard/docketcard/jobs"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/sqlstore"
)

// cliActor is who the audit trail records for command-line actions: the
// operating-system user, as a system actor, or (with --as) a named
// docketcard user with exactly that user's roles and sites.
func (m *Main) cliActor(ctx context.Context, a *app.App, as string) (docketcard.Actor, error) {
	name := "cli"
	if u, err := user.Current(); err == nil {
		name = "cli:" + u.Username
	}
	if as == "" {
		act := docketcard.SystemActor(name)
		act.RequestID = "cli"
		return act, nil
	}
	var u *docketcard.User
	err := a.DB.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		u, err = tx.GetUserByUsername(ctx, strings.ToLower(as))
		return err
	})
	if err != nil {
		return docketcard.Actor{}, fmt.Errorf("--as %s: %w", as, err)
	}
	if u.Disabled {
		return docketcard.Actor{}, fmt.Errorf("--as %s: the user is disabled", as)
	}
	return docketcard.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles, Sites: u.Sites, Via: "cli", RequestID: "cli"}, nil
}

// openAs opens the application and resolves the acting user (--as).
func (m *Main) openAs(ctx context.Context, cfg config.Config, as string) (*app.App, docketcard.Actor, error) {
	a, err := m.open(ctx, cfg, app.Options{})
	if err != nil {
		return nil, docketcard.Actor{}, err
	}
	act, err := m.cliActor(ctx, a, as)
	if err != nil {
		a.Close()
		return nil, docketcard.Actor{}, err
	}
	return a, act, nil
}

func (m *Main) printJSON(v any) {
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (m *Main) migrate(ctx context.Context, args []string) error {
	cfg, err := m.loadConfig()
	if err != nil {
		return err
	}
	fs := m.flags("migrate", &cfg)
	status := fs.Bool("status", false, "only report the schema version")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, sqlstore.Options{Driver: cfg.DBDriver, DSN: cfg.DatabaseURL, Migrate: !*status})
	if *status {
		// Open refuses an out-of-date schema; report it instead.
		if err != nil && !errors.Is(err, sqlstore.ErrSchemaVersion) {
			return err
		}
		if err != nil {
			fmt.Fprintln(m.Stdout, describe(err))
		} else {
			applied, latest, _ := db.SchemaVersion(ctx)
			fmt.Fprintf(m.Stdout, "schema version %d of %d: up to date\n", applied, latest)
			db.Close()
		}
		return nil
	}
	if err != nil {
		return err
	}
	defer db.Close()
	if err := jobs.Migrate(ctx, db); err != nil {
		return fmt.Errorf("job queue tables: %w", err)
	}
	applied, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "schema version %d of %d (%s)\n", applied, latest, db.Dialect())
	return nil
}

func (m *Main) importCmd(ctx context.Context, args []string) error {
	cfg, err := m.loadConfig()
	if err != nil {
		return err
	}
	fs := m.flags("import", &cfg)
	as := fs.String("as", "", "act as this docketcard user (their roles and sites apply); default: the system operator")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"usage: docketcard import [flags] people.csv (columns: " + strings.Join(service.ImportColumns, ",") + ")"}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := m.open(ctx, cfg, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	act, err := m.cliActor(ctx, a, *as)
	if err != nil {
		return err
	}
	rep, err := a.Service.ImportPeople(ctx, act, f)
	if rep != nil {
		if *asJSON {
			m.printJSON(rep)
		} else {
			fmt.Fprintf(m.Stdout, "rows %d: created %d, already enrolled %d, rejected %d\n", rep.Rows, rep.Created, rep.Existing, rep.Failed)
			for _, e := range rep.Errors {
				field := ""
				if e.Field != "" {
					field = e.Field + ": "
				}
				fmt.Fprintf(m.Stdout, "  line %d: %s%s\n", e.Row, field, e.Message)
			}
			if rep.Truncated {
				fmt.Fprintf(m.Stdout, "  (only the first %d problems are listed)\n", service.MaxReportedErrors)
			}
		}
	}
	if err != nil {
		return err
	}
	if rep.Failed > 0 {
		return exitCodeError{code: exitError, err: fmt.Errorf("%d rows were rejected; fix them and run the same file again (rows already enrolled are skipped)", rep.Failed)}
	}
	return nil
}

// subcommand starts a command with subcommands ("user create …"): it
// checks one is named, loads the configuration and makes the flag set.
func (m *Main) subcommand(name, subs string, args []string) (string, *config.Config, *flag.FlagSet, error) {
	if len(args) == 0 {
		return "", nil, nil, usageError{"usage: docketcard " + name + " " + subs + " [flags]"}
	}
	cfg, err := m.loadConfig()
	if err != nil {
		return "", nil, nil, err
	}
	return args[0], &cfg, m.flags(name+" "+args[0], &cfg), nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (m *Main) user(ctx context.Context, args []string) error {
	sub, cfg, fs, err := m.subcommand("user", "create|list|passwd|token|disable|enable|unlock", args)
	if err != nil {
		return err
	}
	username := fs.String("username", "", "username")
	display := fs.String("name", "", "display name")
	roles := fs.String("roles", "", "comma-separated roles: "+joinRoles(docketcard.Roles))
	sites := fs.String("sites", "", "comma-separated site codes the user serves")
	agency := fs.String("agency", "", "the user's organisation (required for a relying_party; default DHS)")
	password := fs.String("password", "", "password (default: generate one and print it)")
	tokenName := fs.String("token-name", "cli", "name of the API token")
	tokenTTL := fs.Duration("ttl", 90*24*time.Hour, "API token lifetime")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *password == "" {
		if pf := m.Getenv("DOCKETCARD_USER_PASSWORD_FILE"); pf != "" {
			b, err := os.ReadFile(pf)
			if err != nil {
				return err
			}
			*password = strings.TrimRight(string(b), "\r\n")
		}
	}
	a, err := m.open(ctx, *cfg, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	act, _ := m.cliActor(ctx, a, "")
	findUser := func() (*docketcard.User, error) {
		if *username == "" {
			return nil, usageError{"-username is required"}
		}
		var u *docketcard.User
		err := a.DB.ReadTx(ctx, func(tx docketcard.Tx) error {
			var err error
			u, err = tx.GetUserByUsername(ctx, strings.ToLower(*username))
			return err
		})
		return u, err
	}
	switch sub {
	case "create":
		generated := *password == ""
		if generated {
			*password = service.GeneratePassword()
		}
		u, err := a.Service.CreateUser(ctx, act, docketcard.UserInput{Username: *username, DisplayName: *display,
			Roles: splitList(*roles), Sites: splitList(*sites), Agency: *agency, Password: *password})
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "created user %s (%s) roles=%s sites=%s\n", u.Username, u.ID, joinRoles(u.Roles), strings.Join(u.Sites, ","))
		if generated {
			fmt.Fprintf(m.Stdout, "password: %s\n", *password)
		}
	case "list":
		us, err := a.Service.ListUsers(ctx, act)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tNAME\tROLES\tSITES\tSTATE")
		for _, u := range us {
			state := "active"
			if u.Disabled {
				state = "disabled"
			} else if u.LockedUntil != nil && time.Now().Before(*u.LockedUntil) {
				state = "locked until " + u.LockedUntil.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, joinRoles(u.Roles), strings.Join(u.Sites, ","), state)
		}
		tw.Flush()
	case "passwd":
		u, err := findUser()
		if err != nil {
			return err
		}
		generated := *password == ""
		if generated {
			*password = service.GeneratePassword()
		}
		if err := a.Service.SetPassword(ctx, act, u.ID, "", *password); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "password changed for %s; their sessions were ended\n", u.Username)
		if generated {
			fmt.Fprintf(m.Stdout, "password: %s\n", *password)
		}
	case "token":
		u, err := findUser()
		if err != nil {
			return err
		}
		t, err := a.Service.CreateToken(ctx, act, u.ID, *tokenName, *tokenTTL)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "token %s for %s, expires %s\n%s\n", t.ID, u.Username, t.ExpiresAt.Format(time.RFC3339), t.Secret)
	case "disable", "enable", "unlock":
		u, err := findUser()
		if err != nil {
			return err
		}
		p := docketcard.UserPatch{Version: &u.Version}
		switch sub {
		case "disable":
			t := true
			p.Disabled = &t
		case "enable":
			f := false
			p.Disabled = &f
		case "unlock":
			p.Unlock = true
		}
		if _, err := a.Service.UpdateUser(ctx, act, u.ID, p); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%sd %s\n", strings.TrimSuffix(sub, "e"), u.Username)
	default:
		return usageError{"unknown user subcommand " + sub + "; use create, list, passwd, token, disable, enable or unlock"}
	}
	return nil
}

func joinRoles(rs []docketcard.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func (m *Main) site(ctx context.Context, args []string) error {
	sub, cfg, fs, err := m.subcommand("site", "create|list|update", args)
	if err != nil {
		return err
	}
	code := fs.String("code", "", "site code, e.g. HOU")
	name := fs.String("name", "", "name of the field office")
	city := fs.String("city", "", "city")
	tz := fs.String("tz", "", "IANA time zone, e.g. America/Chicago")
	quota := fs.Int("quota", -1, "card quota")
	active := fs.String("active", "", "true or false")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	a, err := m.open(ctx, *cfg, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	act, _ := m.cliActor(ctx, a, "")
	switch sub {
	case "create":
		q := *quota
		if q < 0 {
			q = 0
		}
		s, err := a.Service.CreateSite(ctx, act, docketcard.Site{Code: *code, Name: *name, City: *city, TimeZone: *tz, CardQuota: q, Active: *active != "false"})
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "created site %s (%s, %s)\n", s.Code, s.Name, s.City)
	case "list":
		ss, err := a.Service.ListSites(ctx, act)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tNAME\tCITY\tTIME ZONE\tQUOTA\tACTIVE")
		for _, s := range ss {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%t\n", s.Code, s.Name, s.City, s.TimeZone, s.CardQuota, s.Active)
		}
		tw.Flush()
	case "update":
		cur, err := a.Service.GetSite(ctx, act, strings.ToUpper(*code))
		if err != nil {
			return err
		}
		p := docketcard.SitePatch{Version: &cur.Version}
		fs.Visit(func(f *flag.Flag) {
			v := f.Value.String()
			switch f.Name {
			case "name":
				p.Name = &v
			case "city":
				p.City = &v
			case "tz":
				p.TimeZone = &v
			case "quota":
				p.CardQuota = quota
			case "active":
				b := v == "true"
				p.Active = &b
			}
		})
		s, err := a.Service.UpdateSite(ctx, act, cur.Code, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "updated site %s (version %d)\n", s.Code, s.Version)
	default:
		return usageError{"unknown site subcommand " + sub + "; use create, list or update"}
	}
	return nil
}

func (m *Main) audit(ctx context.Context, args []string) error {
	sub, cfg, fs, err := m.subcommand("audit", "verify|list", args)
	if err != nil {
		return err
	}
	asJSON := fs.Bool("json", false, "print JSON")
	subject := fs.String("subject", "", "list: only entries about this subject id")
	after := fs.Int64("after", 0, "list: entries after this sequence number")
	limit := fs.Int("limit", 50, "list: how many entries")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	a, err := m.open(ctx, *cfg, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	switch sub {
	case "verify":
		rep, err := service.VerifyChain(ctx, a.DB)
		if err != nil {
			return err
		}
		if *asJSON {
			m.printJSON(rep)
		} else if rep.OK {
			fmt.Fprintf(m.Stdout, "audit trail intact: %d entries, head %d %s\n", rep.Entries, rep.HeadSeq, rep.HeadHash)
		} else {
			fmt.Fprintf(m.Stdout, "audit trail BROKEN: %d entries checked, %d problems\n", rep.Entries, len(rep.Problems))
			for _, p := range rep.Problems {
				fmt.Fprintf(m.Stdout, "  %s\n", p)
			}
		}
		if !rep.OK {
			return exitCodeError{code: exitAuditBad, err: fmt.Errorf("audit trail failed verification")}
		}
	case "list":
		act, _ := m.cliActor(ctx, a, "")
		es, err := a.Service.ListAudit(ctx, act, docketcard.AuditFilter{SubjectID: *subject, AfterSeq: *after, Limit: *limit})
		if err != nil {
			return err
		}
		if *asJSON {
			m.printJSON(es)
			return nil
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tAT\tACTOR\tACTION\tSUBJECT\tSITE\tPURPOSE\tDETAIL")
		for _, e := range es {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s:%s\t%s\t%s\t%s\n", e.Seq, e.At.Format(time.RFC3339), e.ActorName, e.Action,
				e.SubjectType, e.SubjectID, e.SiteCode, e.Purpose, truncate(e.Detail, 60))
		}
		tw.Flush()
	default:
		return usageError{"unknown audit subcommand " + sub + "; use verify or list"}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

var _ = config.Default
