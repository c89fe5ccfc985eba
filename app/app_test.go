package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/app"
	"github.com/docketcard/docketcard/blob"
	"github.com/docketcard/docketcard/config"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/service"
)

// TestTwoServersShareOnePostgres boots two independent servers on one
// PostgreSQL database: a session opened on one is honoured by the other,
// a person created through one is read through the other, and the audit
// chain written by both stays intact.
func TestTwoServersShareOnePostgres(t *testing.T) {
	url := testdb.NewSchema(t)
	key, _ := blob.GenerateKeyText("k1")
	ctx := context.Background()
	var servers []*httptest.Server
	var apps []*app.App
	for i := 0; i < 2; i++ {
		cfg := config.Default()
		cfg.DBDriver, cfg.DatabaseURL, cfg.MasterKeys, cfg.BlobBackend, cfg.SecureCookies = "postgres", url, key, "db", false
		pw := service.TestPasswordParams
		a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Migrate: true, Password: &pw})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		srv, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		apps, servers = append(apps, a), append(servers, ts)
	}
	sys := docketcard.SystemActor("test")
	if _, err := apps[0].Service.CreateSite(ctx, sys, docketcard.Site{Code: "HOU", Name: "Houston", City: "Houston", TimeZone: "America/Chicago", Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := apps[1].Service.CreateUser(ctx, sys, docketcard.UserInput{Username: "officer", DisplayName: "Officer",
		Roles: []string{"enrollment_officer"}, Sites: []string{"HOU"}, Password: "a long enough password"}); err != nil {
		t.Fatal(err)
	}
	// Sign in on server 0.
	res, err := http.Post(servers[0].URL+"/api/v1/session", "application/json", strings.NewReader(`{"username":"officer","password":"a long enough password"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	cookie := res.Cookies()[0]
	var login struct {
		CSRFToken string `json:"csrf_token"`
	}
	if err := json.Unmarshal(body, &login); err != nil || login.CSRFToken == "" {
		t.Fatalf("login response %s: %v", body, err)
	}
	csrf := login.CSRFToken
	// Use the session on server 1 to create a person.
	req, _ := http.NewRequest("POST", servers[1].URL+"/api/v1/people", strings.NewReader(`{"a_number":"A012345678","family_names":"PEREZ","given_names":"Ana",
		"date_of_birth":"1990-01-01","sex":"F","country_of_citizenship":"MEX","country_of_birth":"MEX","preferred_language":"es",
		"mailing_address":{"street1":"1 Main St","city":"Houston","state":"TX","zip":"77002"},"site_code":"HOU"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	req.AddCookie(cookie)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create on the other server: %d %s", res.StatusCode, body)
	}
	// Read it back through server 0.
	req, _ = http.NewRequest("GET", servers[0].URL+"/api/v1/a-numbers/A012345678", nil)
	req.AddCookie(cookie)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("read on the first server: %d", res.StatusCode)
	}
	// Concurrent reads through both servers each append an audit entry;
	// the chain must stay linear.
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", servers[i%2].URL+"/api/v1/a-numbers/A012345678", nil)
			req.AddCookie(cookie)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("concurrent read: %d", res.StatusCode)
			}
		}()
	}
	wg.Wait()
	rep, err := service.VerifyChain(ctx, apps[1].DB)
	if err != nil || !rep.OK || rep.Entries < 45 {
		t.Fatalf("audit chain across servers: %+v %v", rep, err)
	}
}
