// Package config holds docketcard's runtime configuration: a struct with
// defaults, overridden by DOCKETCARD_* environment variables (secrets also
// from DOCKETCARD_*_FILE), then by command-line flags; validated before
// anything starts and redacted whenever printed.
package config

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/docketcard/docketcard"
)

// Config is the whole runtime configuration.
type Config struct {
	Addr          string        `env:"ADDR" flag:"addr" help:"listen address"`
	DataDir       string        `env:"DATA_DIR" flag:"data-dir" help:"directory for the SQLite database and blobs"`
	DBDriver      string        `env:"DB_DRIVER" flag:"db-driver" help:"database: sqlite or postgres"`
	DatabaseURL   string        `env:"DATABASE_URL" flag:"database-url" secret:"url" help:"PostgreSQL URL, or SQLite file path (default DATA_DIR/docketcard.db)"`
	MasterKeys    string        `env:"MASTER_KEYS" secret:"true" help:"blob master keys id:base64[,id:base64...], first is current"`
	BlobBackend   string        `env:"BLOB_BACKEND" flag:"blob-backend" help:"where sealed blobs live: fs or db"`
	BlobDir       string        `env:"BLOB_DIR" flag:"blob-dir" help:"blob directory for the fs backend (default DATA_DIR/blobs)"`
	SecureCookies bool          `env:"SECURE_COOKIES" flag:"secure-cookies" help:"mark cookies Secure (needs HTTPS in front)"`
	SessionTTL    time.Duration `env:"SESSION_TTL" flag:"session-ttl" help:"browser session lifetime"`
	LockoutAfter  int           `env:"LOCKOUT_AFTER" flag:"lockout-after" help:"failed sign-ins before an account locks"`
	LockoutFor    time.Duration `env:"LOCKOUT_FOR" flag:"lockout-for" help:"how long a lock lasts"`
	DBMaxConns    int           `env:"DB_MAX_CONNS" flag:"db-max-conns" help:"database connection pool size"`
	VerifyRate    int           `env:"VERIFY_RATE" flag:"verify-rate" help:"online verifications allowed per client (user and address) per minute"`
	LogLevel      string        `env:"LOG_LEVEL" flag:"log-level" help:"debug, info, warn or error"`
	LogFormat     string        `env:"LOG_FORMAT" flag:"log-format" help:"text or json"`
	ShutdownGrace time.Duration `env:"SHUTDOWN_GRACE" flag:"shutdown-grace" help:"time to finish requests on shutdown"`

	// Cards.
	KeysDir          string        `env:"KEYS_DIR" flag:"keys-dir" help:"program key directory (signers, trust list); empty disables card issuance"`
	SignerPassphrase string        `env:"SIGNER_PASSPHRASE" secret:"true" help:"passphrase of the signer key files"`
	RootCert         string        `env:"ROOT_CERT" flag:"root-cert" help:"pinned program root certificate (default KEYS_DIR/root.crt)"`
	CardValidity     time.Duration `env:"CARD_VALIDITY" flag:"card-validity" help:"how long a new card is valid"`
	PublicURL        string        `env:"PUBLIC_URL" flag:"public-url" help:"public base URL: card issuer (iss), status list URI and portal address printed on cards"`
	CardFields       string        `env:"CARD_FIELDS" flag:"card-fields" help:"comma-separated fields printed on the card front, in order"`

	// Background checks.
	ChecksRequired     string        `env:"CHECKS_REQUIRED" flag:"checks-required" help:"checks every site requires (watchlist,duplicate,document,criminal_history,biometric,terrorist_screening)"`
	ChecksSiteRequired string        `env:"CHECKS_SITE_REQUIRED" flag:"checks-site-required" help:"per-site overrides: SITE=type,type;SITE=type"`
	CheckResultTTL     time.Duration `env:"CHECK_RESULT_TTL" flag:"check-result-ttl" help:"how long a clear result stays current"`
	CheckTimeout       time.Duration `env:"CHECK_TIMEOUT" flag:"check-timeout" help:"time limit of one check attempt"`
	CheckMaxAttempts   int           `env:"CHECK_MAX_ATTEMPTS" flag:"check-max-attempts" help:"attempts before a check is an error"`
	CheckWorkers       int           `env:"CHECK_WORKERS" flag:"check-workers" help:"concurrent check attempts per server"`
	CheckPollInterval  time.Duration `env:"CHECK_POLL_INTERVAL" flag:"check-poll-interval" help:"how often a check waiting on an external provider is polled"`
	SuspendOnHit       bool          `env:"SUSPEND_ON_HIT" flag:"suspend-on-hit" help:"a recurrent-vetting hit suspends the person's card"`
	WatchlistsDir      string        `env:"WATCHLISTS_DIR" flag:"watchlists-dir" help:"directory of watch-list files (OFAC, UN, CSL layout)"`
	ProviderURL        string        `env:"PROVIDER_URL" flag:"provider-url" help:"base URL of the external check provider"`
	ProviderToken      string        `env:"PROVIDER_TOKEN" secret:"true" help:"bearer token for the external provider"`
	ProviderSecret     string        `env:"PROVIDER_SECRET" secret:"true" help:"HMAC secret of the provider's callbacks"`
}

// Default returns the defaults: SQLite in ./docketcard-data, loopback only.
func Default() Config {
	return Config{
		Addr: "127.0.0.1:8080", DataDir: "docketcard-data", DBDriver: "sqlite", BlobBackend: "fs",
		SecureCookies: true, SessionTTL: 8 * time.Hour, LockoutAfter: 5, LockoutFor: 15 * time.Minute,
		DBMaxConns: 16, VerifyRate: 600, LogLevel: "info", LogFormat: "text", ShutdownGrace: 20 * time.Second,
		CardValidity: 2 * 365 * 24 * time.Hour, PublicURL: "https://docketcard.example",
		CardFields:     "a_number,citizenship,date_of_birth,sex,card_number,issue_date,expiry_date,issuing_office",
		ChecksRequired: "watchlist,duplicate,document", CheckResultTTL: 90 * 24 * time.Hour, CheckTimeout: 2 * time.Minute,
		CheckMaxAttempts: 5, CheckWorkers: 4, CheckPollInterval: 30 * time.Second,
	}
}

// FromEnv applies DOCKETCARD_<NAME> and DOCKETCARD_<NAME>_FILE variables.
// A _FILE variable names a file whose contents (trailing newline trimmed)
// are the value, so secrets need not sit in the environment.
func (c *Config) FromEnv(getenv func(string) string) error {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := "DOCKETCARD_" + f.Tag.Get("env")
		val := getenv(name)
		if file := getenv(name + "_FILE"); file != "" {
			if val != "" {
				return fmt.Errorf("config: set %s or %s_FILE, not both", name, name)
			}
			b, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("config: %s_FILE: %w", name, err)
			}
			val = strings.TrimRight(string(b), "\r\n")
		}
		if val == "" {
			continue
		}
		if err := setField(v.Field(i), val); err != nil {
			return fmt.Errorf("config: %s: %w", name, err)
		}
	}
	return nil
}

func setField(f reflect.Value, s string) error {
	switch f.Interface().(type) {
	case string:
		f.SetString(s)
	case bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		f.SetBool(b)
	case int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		f.SetInt(int64(n))
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 15m or 8h", s)
		}
		f.SetInt(int64(d))
	}
	return nil
}

// RegisterFlags defines a flag for every field that has one, defaulting
// to the current value.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Tag.Get("flag")
		if name == "" {
			continue
		}
		help := f.Tag.Get("help") + " (env DOCKETCARD_" + f.Tag.Get("env") + ")"
		switch p := v.Field(i).Addr().Interface().(type) {
		case *string:
			fs.StringVar(p, name, *p, help)
		case *bool:
			fs.BoolVar(p, name, *p, help)
		case *int:
			fs.IntVar(p, name, *p, help)
		case *time.Duration:
			fs.DurationVar(p, name, *p, help)
		}
	}
}

// Validate checks every field and fills derived defaults.
func (c *Config) Validate() error {
	var v docketcard.Validation
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		v.Add("addr", "%q is not host:port", c.Addr)
	}
	switch c.DBDriver {
	case "sqlite":
		if c.DatabaseURL == "" {
			if c.DataDir == "" {
				v.Add("data_dir", "is required for SQLite when no database URL is set")
			}
			c.DatabaseURL = filepath.Join(c.DataDir, "docketcard.db")
		}
	case "postgres":
		if c.DatabaseURL == "" {
			v.Add("database_url", "is required for postgres")
		} else if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			v.Add("database_url", "must be a postgres:// URL")
		}
	default:
		v.Add("db_driver", "%q is not sqlite or postgres", c.DBDriver)
	}
	switch c.BlobBackend {
	case "fs":
		if c.BlobDir == "" {
			if c.DataDir == "" {
				v.Add("blob_dir", "is required for the fs blob backend")
			}
			c.BlobDir = filepath.Join(c.DataDir, "blobs")
		}
	case "db":
	default:
		v.Add("blob_backend", "%q is not fs or db", c.BlobBackend)
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 24*time.Hour {
		v.Add("session_ttl", "must be between 1m and 24h")
	}
	if c.LockoutAfter < 1 || c.LockoutAfter > 100 {
		v.Add("lockout_after", "must be between 1 and 100")
	}
	if c.LockoutFor < time.Minute {
		v.Add("lockout_for", "must be at least 1m")
	}
	if c.VerifyRate < 1 || c.VerifyRate > 10_000_000 {
		v.Add("verify_rate", "must be between 1 and 10000000 per minute")
	}
	if c.DBMaxConns < 1 || c.DBMaxConns > 1000 {
		v.Add("db_max_conns", "must be between 1 and 1000")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		v.Add("log_level", "%q is not debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		v.Add("log_format", "%q is not text or json", c.LogFormat)
	}
	if c.CardValidity < 24*time.Hour || c.CardValidity > 10*366*24*time.Hour {
		v.Add("card_validity", "must be between 24h and ten years")
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.Add("public_url", "%q must be an absolute http(s) URL", c.PublicURL)
	}
	if c.KeysDir != "" && c.RootCert == "" {
		c.RootCert = filepath.Join(c.KeysDir, "root.crt")
	}
	if _, err := c.CheckPolicy(); err != nil {
		v.Check("checks_required", err)
	}
	if c.CheckResultTTL < time.Hour {
		v.Add("check_result_ttl", "must be at least 1h")
	}
	if c.CheckTimeout < time.Second {
		v.Add("check_timeout", "must be at least 1s")
	}
	if c.CheckMaxAttempts < 1 || c.CheckMaxAttempts > 50 {
		v.Add("check_max_attempts", "must be between 1 and 50")
	}
	if c.CheckPollInterval < 100*time.Millisecond {
		v.Add("check_poll_interval", "must be at least 100ms")
	}
	if c.CheckWorkers < 1 || c.CheckWorkers > 256 {
		v.Add("check_workers", "must be between 1 and 256")
	}
	if c.ShutdownGrace < 0 {
		v.Add("shutdown_grace", "must not be negative")
	}
	return v.Err("configuration")
}

// Redacted returns a copy safe to print: secrets replaced, passwords
// removed from URLs.
func (c Config) Redacted() Config {
	out := c
	if out.MasterKeys != "" {
		out.MasterKeys = "[redacted]"
	}
	if out.SignerPassphrase != "" {
		out.SignerPassphrase = "[redacted]"
	}
	if out.ProviderToken != "" {
		out.ProviderToken = "[redacted]"
	}
	if out.ProviderSecret != "" {
		out.ProviderSecret = "[redacted]"
	}
	if u, err := url.Parse(out.DatabaseURL); err == nil {
		changed := false
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "redacted")
				changed = true
			}
		}
		q := u.Query()
		for k := range q {
			if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
				q.Set(k, "redacted")
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
			out.DatabaseURL = u.String()
		}
	} else {
		out.DatabaseURL = "[unparseable, redacted]"
	}
	return out
}

// String prints the redacted configuration as JSON, durations written
// the way they are configured ("8h0m0s").
func (c Config) String() string {
	r := c.Redacted()
	v := reflect.ValueOf(r)
	out := make(map[string]any, v.NumField())
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if d, ok := f.Interface().(time.Duration); ok {
			out[v.Type().Field(i).Name] = d.String()
		} else {
			out[v.Type().Field(i).Name] = f.Interface()
		}
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return string(b)
}

// LogValue makes slog print the redacted configuration.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// CheckPolicy builds the background-check policy from the settings.
func (c *Config) CheckPolicy() (docketcard.CheckPolicy, error) {
	p := docketcard.DefaultCheckPolicy()
	req, err := docketcard.ParseCheckTypes(c.ChecksRequired)
	if err != nil {
		return p, err
	}
	p.Required = req
	p.SiteRequired = map[string][]docketcard.CheckType{}
	for _, part := range strings.Split(c.ChecksSiteRequired, ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		site, list, ok := strings.Cut(part, "=")
		if !ok {
			return p, docketcard.Errorf(docketcard.EINVALID, "per-site checks %q must be SITE=type,type", part)
		}
		ts, err := docketcard.ParseCheckTypes(list)
		if err != nil {
			return p, err
		}
		p.SiteRequired[strings.ToUpper(strings.TrimSpace(site))] = ts
	}
	p.ResultTTL, p.Timeout, p.MaxAttempts, p.SuspendOnHit = c.CheckResultTTL, c.CheckTimeout, c.CheckMaxAttempts, c.SuspendOnHit
	return p, nil
}
