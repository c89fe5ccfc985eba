package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/config"
)

func TestFromEnvAndValidate(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(secret, []byte("k1:c2VjcmV0\n"), 0o600)
	tests := []struct {
		name   string
		env    map[string]string
		field  string // field named by the validation error, "" if valid
		envErr string
		check  func(t *testing.T, c config.Config)
	}{
		{"defaults", nil, "", "", func(t *testing.T, c config.Config) {
			if c.DatabaseURL != filepath.Join("docketcard-data", "docketcard.db") || c.BlobDir != filepath.Join("docketcard-data", "blobs") {
				t.Errorf("derived paths: %s %s", c.DatabaseURL, c.BlobDir)
			}
		}},
		{"env overrides", map[string]string{"DOCKETCARD_SESSION_TTL": "2h", "DOCKETCARD_SECURE_COOKIES": "false", "DOCKETCARD_LOCKOUT_AFTER": "3"}, "", "",
			func(t *testing.T, c config.Config) {
				if c.SessionTTL != 2*time.Hour || c.SecureCookies || c.LockoutAfter != 3 {
					t.Errorf("%+v", c)
				}
			}},
		{"secret from file", map[string]string{"DOCKETCARD_MASTER_KEYS_FILE": secret}, "", "", func(t *testing.T, c config.Config) {
			if c.MasterKeys != "k1:c2VjcmV0" {
				t.Errorf("MasterKeys = %q", c.MasterKeys)
			}
		}},
		{"both value and file", map[string]string{"DOCKETCARD_MASTER_KEYS": "x", "DOCKETCARD_MASTER_KEYS_FILE": secret}, "", "not both", nil},
		{"missing file", map[string]string{"DOCKETCARD_MASTER_KEYS_FILE": "/nonexistent/keys"}, "", "MASTER_KEYS_FILE", nil},
		{"bad duration", map[string]string{"DOCKETCARD_SESSION_TTL": "forever"}, "", "duration", nil},
		{"bad bool", map[string]string{"DOCKETCARD_SECURE_COOKIES": "maybe"}, "", "true or false", nil},
		{"bad driver", map[string]string{"DOCKETCARD_DB_DRIVER": "oracle"}, "db_driver", "", nil},
		{"postgres needs a URL", map[string]string{"DOCKETCARD_DB_DRIVER": "postgres"}, "database_url", "", nil},
		{"postgres URL scheme", map[string]string{"DOCKETCARD_DB_DRIVER": "postgres", "DOCKETCARD_DATABASE_URL": "mysql://x"}, "database_url", "", nil},
		{"bad addr", map[string]string{"DOCKETCARD_ADDR": "8080"}, "addr", "", nil},
		{"bad log level", map[string]string{"DOCKETCARD_LOG_LEVEL": "loud"}, "log_level", "", nil},
		{"session too long", map[string]string{"DOCKETCARD_SESSION_TTL": "72h"}, "session_ttl", "", nil},
		{"bad blob backend", map[string]string{"DOCKETCARD_BLOB_BACKEND": "s3"}, "blob_backend", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			err := c.FromEnv(func(k string) string { return tc.env[k] })
			if tc.envErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.envErr) {
					t.Fatalf("FromEnv: %v, want %q", err, tc.envErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate()
			if tc.field != "" {
				fs := docketcard.ErrorFields(err)
				if len(fs) == 0 || fs[0].Field != tc.field {
					t.Fatalf("Validate: %v, want a problem with %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestRedaction(t *testing.T) {
	for _, tc := range []struct{ name, url string }{
		{"userinfo", "postgres://app:s3cret@db:5432/x"},
		{"query", "postgres://app@db:5432/x?password=s3cret&sslmode=require"},
		{"unparseable", "postgres://app:s3cret@db:port-not-a-number/%zz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			c.DatabaseURL, c.MasterKeys = tc.url, "k1:s3cret"
			if s := c.String(); strings.Contains(s, "s3cret") {
				t.Fatalf("secret printed: %s", s)
			}
			if !strings.Contains(c.String(), `"SessionTTL": "8h0m0s"`) {
				t.Errorf("durations not readable: %s", c.String())
			}
		})
	}
}
