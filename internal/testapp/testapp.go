// Package testapp boots a real docketcard (service, store, encrypted blob
// store, card issuance keys and HTTP server) for tests: on a fresh SQLite
// file or PostgreSQL schema, with two sites and one user (and API token)
// per role.
package testapp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/blob"
	"github.com/docketcard/docketcard/checks"
	"github.com/docketcard/docketcard/demo"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/internal/testenv"
	"github.com/docketcard/docketcard/keys"
	"github.com/docketcard/docketcard/screening"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/sqlstore"
	"github.com/docketcard/docketcard/web"
)

// Password is every fixture user's password.
const Password = "correct horse battery staple"

// App is a running test instance.
type App struct {
	DB      *sqlstore.DB
	Service *service.Service
	Server  *httptest.Server
	Blobs   docketcard.BlobStore
	// Users and Tokens by role: each user holds exactly that role and
	// serves site HOU only (admin and auditor serve no site).
	Users  map[docketcard.Role]*docketcard.User
	Tokens map[docketcard.Role]string
	Clock  *Clock
	// Keys are the card issuance keys: a root, a card signer for each
	// demo site (HOU and ATL among them) and the PROGRAM status-list
	// signer, with their published trust list. Every App of a test
	// process shares one read-only Keyring (see sharedKeys): do not
	// Reload it; a test that rotates keys makes its own key directory.
	Keys *keys.Keyring
}

// Epoch is the time every App's clock starts at, and the time the shared
// keys were made (their certificates are valid from then).
var Epoch = time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)

// StatusListSize is the status list size of test apps: small, so that
// building and signing the list is cheap.
const StatusListSize = 4096

// sharedKeys is the key directory of the test process. Making it costs
// about 0.75 s (PBKDF2 for six encrypted key files) and opening it about
// 0.65 s (decrypting the five signer keys), so it is made and opened once
// per test process and the opened Keyring, which holds everything in
// memory and is safe for concurrent use, is shared by every App.
var sharedKeys struct {
	once sync.Once
	ring *keys.Keyring
	err  error
}

// CardKeys returns the process's shared card issuance keys.
func CardKeys() (*keys.Keyring, error) {
	sharedKeys.once.Do(func() {
		sharedKeys.ring, sharedKeys.err = openCardKeys()
	})
	return sharedKeys.ring, sharedKeys.err
}

func openCardKeys() (*keys.Keyring, error) {
	dir, err := os.MkdirTemp("", "docketcard-testkeys-")
	if err != nil {
		return nil, err
	}
	// The Keyring keeps the signers and the trust list in memory: the
	// files are not needed once it is open.
	defer os.RemoveAll(dir)
	pass, err := demo.KeyDir(dir, Epoch)
	if err != nil {
		return nil, fmt.Errorf("testapp: key directory: %w", err)
	}
	root, err := keys.RootCert(filepath.Join(dir, "root.crt"))
	if err != nil {
		return nil, err
	}
	ring, err := keys.Open(dir, pass, root, func() time.Time { return Epoch })
	if err != nil {
		return nil, fmt.Errorf("testapp: open keys: %w", err)
	}
	return ring, nil
}

// Clock is a settable test clock.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// Options tune New.
type Options struct {
	Service func(*service.Config)
	// Watchlists are the screening lists the server shows at
	// GET /api/v1/watchlists and screens against at POST /api/v1/screen
	// (SampleWatchlists, PublicWatchlists). Without them both answer 503,
	// as a server configured without lists does.
	Watchlists web.Watchlists
	// ProviderCallback is mounted at POST /api/v1/provider-callbacks, as
	// the server mounts an external provider's callback receiver when one
	// is configured (without it the route does not exist).
	ProviderCallback http.Handler
}

// New boots an app on the dialect ("sqlite" or "postgres").
func New(t testing.TB, dialect string, opts ...Options) *App {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t, dialect)
	keys, err := blob.ParseKeyring(mustKey(t))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobs := blob.Domain{S: blob.New(fs, keys)}
	clock := &Clock{T: Epoch}
	ring, err := CardKeys()
	if err != nil {
		t.Fatal(err)
	}
	cfg := service.DefaultConfig()
	cfg.Password = service.TestPasswordParams
	for _, o := range opts {
		if o.Service != nil {
			o.Service(&cfg)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(db, blobs, clock.Now, cfg, log)
	pol := service.DefaultCardPolicy()
	pol.StatusListSize = StatusListSize
	svc.SetCardIssuance(ring, pol)
	svc.SetVerifierTrust(ring)
	// Background checks: the built-in providers that need no outside data
	// (document and duplicate); watch-list screening is wired by the tests
	// that exercise it.
	cpol := docketcard.DefaultCheckPolicy()
	cpol.Required = []docketcard.CheckType{docketcard.CheckDocument, docketcard.CheckDuplicate}
	svc.SetChecks(cpol, map[docketcard.CheckType]service.CheckProvider{
		docketcard.CheckDocument:  checks.Document{Store: db},
		docketcard.CheckDuplicate: checks.Duplicate{Store: db},
	}, nil)
	wopts := web.Options{SecureCookies: false, Version: "test", Trust: ring}
	for _, o := range opts {
		if o.Watchlists != nil {
			wopts.Watchlists = o.Watchlists
		}
		if o.ProviderCallback != nil {
			wopts.ProviderCallback = o.ProviderCallback
		}
	}
	srv, err := web.New(svc, log, wopts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	a := &App{DB: db, Service: svc, Server: ts, Blobs: blobs, Users: map[docketcard.Role]*docketcard.User{},
		Tokens: map[docketcard.Role]string{}, Clock: clock, Keys: ring}
	sys := docketcard.SystemActor("test")
	for _, s := range []docketcard.Site{
		{Code: "HOU", Name: "Houston Field Office", City: "Houston", TimeZone: "America/Chicago", CardQuota: 100, Active: true},
		{Code: "ATL", Name: "Atlanta Field Office", City: "Atlanta", TimeZone: "America/New_York", CardQuota: 100, Active: true},
	} {
		if _, err := svc.CreateSite(ctx, sys, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range docketcard.Roles {
		sites := []string{"HOU"}
		if r == docketcard.RoleAdmin || r == docketcard.RoleAuditor {
			sites = nil
		}
		agency := ""
		if r == docketcard.RoleRelyingParty {
			sites, agency = nil, "Test County Court"
		}
		u, err := svc.CreateUser(ctx, sys, docketcard.UserInput{Username: strings.ReplaceAll(string(r), "_", "."),
			DisplayName: "Test " + string(r), Roles: []string{string(r)}, Sites: sites, Agency: agency, Password: Password})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := svc.CreateToken(ctx, sys, u.ID, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		a.Users[r], a.Tokens[r] = u, tok.Secret
	}
	return a
}

func mustKey(t testing.TB) string {
	k, err := blob.GenerateKeyText("test1")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Do sends a request as role (or anonymously when role is ""), with a
// JSON body if body is a string, and returns the response.
func (a *App) Do(t testing.TB, role docketcard.Role, method, path string, body io.Reader, contentType string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, a.Server.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+a.Tokens[role])
	}
	res, err := a.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// JSON sends a JSON body (may be "") as role.
func (a *App) JSON(t testing.TB, role docketcard.Role, method, path, body string) *http.Response {
	t.Helper()
	var r io.Reader
	ct := ""
	if body != "" {
		r, ct = strings.NewReader(body), "application/json"
	}
	return a.Do(t, role, method, path, r, ct)
}

// Officer returns the enrollment officer actor (site HOU).
func (a *App) Actor(r docketcard.Role) docketcard.Actor {
	u := a.Users[r]
	return docketcard.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles, Sites: u.Sites, Via: "test"}
}

// SamplePerson returns valid input for a person at site.
func SamplePerson(anum, site string) docketcard.PersonInput {
	return docketcard.PersonInput{
		ANumber: anum, FamilyNames: "PEÑA DE LA CRUZ", GivenNames: "José Ángel", DateOfBirth: "1988-02-29", Sex: "M",
		CountryOfCitizenship: "HND", CountryOfBirth: "HND", PreferredLanguage: "es",
		MailingAddress: docketcard.Address{Street1: "1200 Travis St", City: "Houston", State: "TX", ZIP: "77002"},
		Phone:          "+1 713 555 0100", SiteCode: site,
	}
}

// Clear takes a person through the background checks the way an office
// would: a Notice to Appear on file, every required check run, and any
// possible match (test people share names) adjudicated as a false
// positive by the fixture adjudicator, who did not enrol them. It fails
// the test unless the person then holds a current clearance.
func (a *App) Clear(t testing.TB, personID string) {
	t.Helper()
	ctx := context.Background()
	sys := docketcard.SystemActor("test")
	docs, err := a.Service.ListDocuments(ctx, sys, personID)
	if err != nil {
		t.Fatal(err)
	}
	hasNTA := false
	for _, d := range docs {
		hasNTA = hasNTA || d.Type == docketcard.DocI862
	}
	if !hasNTA {
		if _, err := a.Service.AddDocument(ctx, sys, personID, docketcard.DocumentInput{Type: "I-862", Filename: "nta.pdf",
			IssuedOn: "2026-01-15"}, []byte("%PDF-1.4 specimen Notice to Appear (synthetic test data)")); err != nil {
			t.Fatal(err)
		}
	}
	run, err := a.Service.RunChecksNow(ctx, sys, personID, "enrollment")
	if err != nil {
		t.Fatal(err)
	}
	adj := a.Actor(docketcard.RoleAdjudicator)
	adj.Sites = append(adj.Sites, "ATL")
	for _, c := range run.Checks {
		if c.State == docketcard.CheckPossibleMatch {
			if _, err := a.Service.Adjudicate(ctx, adj, c.ID, "clear", "test fixture: reviewed, a false positive"); err != nil {
				t.Fatalf("adjudicate %s: %v", c.Type, err)
			}
		}
	}
	if err := a.DB.ReadTx(ctx, func(tx docketcard.Tx) error {
		_, err := tx.CurrentClearance(ctx, personID, a.Clock.Now())
		return err
	}); err != nil {
		t.Fatalf("person %s has no clearance after the checks: %v", personID, err)
	}
}

// sampleSDN is three entries of the public OFAC SDN list of July 2021
// (legacy CSV, as published): two individuals, one with aliases, and an
// organisation. Enough for a server to screen against without the list
// files.
var sampleSDN = struct{ prim, alt string }{
	prim: `36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- 
2674,"ABBAS, Abu","individual","SDGT","Director of PALESTINE LIBERATION FRONT - ABU ABBAS FACTION",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 10 Dec 1948; Director of PALESTINE LIBERATION FRONT - ABU ABBAS FACTION."
6861,"GUZMAN LOERA, Joaquin","individual","SDNTK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 25 Dec 1954; POB Mexico."
`,
	alt: `2674,1795,"aka","ZAYDAN, Muhammad",-0- 
6861,4618,"aka","GUZMAN, Chapo",-0- 
6861,4620,"aka","GUZMAN FERNANDEZ, Joaquin",-0- 
6861,4621,"aka","GUZMAN LOESA, Joaquin",-0- 
`,
}

// SampleEntityID is the entry of the sample lists that a query for
// GUZMAN LOERA, Joaquin (born 1954-12-25) matches.
const SampleEntityID = "OFAC:6861"

var sampleLists struct {
	once  sync.Once
	lists *screening.Lists
	err   error
}

// SampleWatchlists returns watch lists that hold the three entries of
// sampleSDN, as one list version (OFAC-SDN, 2021-07). They are built
// once per test process and are read-only: do not Reload them.
func SampleWatchlists(t testing.TB) *screening.Lists {
	t.Helper()
	sampleLists.once.Do(func() {
		ents, err := screening.ParseOFAC(screening.OFACFiles{Prim: strings.NewReader(sampleSDN.prim), Alt: strings.NewReader(sampleSDN.alt)})
		if err != nil {
			sampleLists.err = fmt.Errorf("testapp: sample watch list: %w", err)
			return
		}
		sum := sha256.Sum256([]byte(sampleSDN.prim + sampleSDN.alt))
		hexSum := hex.EncodeToString(sum[:])
		v := screening.ListVersion{Source: screening.SourceOFACSDN, Title: "OFAC Specially Designated Nationals (sample of 3 entries)",
			Path: "testapp", Date: "2021-07", SHA256: hexSum, Version: "2021-07 sha256:" + hexSum[:12], Entities: len(ents), LoadedAt: Epoch}
		for _, e := range ents {
			if len(e.Sources) == 0 {
				e.Sources = []screening.SourceRef{{NativeID: strings.TrimPrefix(e.ID, "OFAC:"), SubList: strings.Join(e.Programs, "; ")}}
			}
			for i := range e.Sources {
				e.Sources[i].List, e.Sources[i].Version = v.Source, v.Version
			}
		}
		sampleLists.lists = screening.NewListsFrom(screening.Build(&screening.List{Version: v, Entities: ents}))
	})
	if sampleLists.err != nil {
		t.Fatal(sampleLists.err)
	}
	return sampleLists.lists
}

// WatchlistsDir is the folder of the public watch-list files
// (ofac-sdn-2021-07/, un-2026-02/, …): DOCKETCARD_WATCHLISTS if set, else
// shared/data/watchlists beside the module's directory.
func WatchlistsDir() string {
	if d := os.Getenv("DOCKETCARD_WATCHLISTS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "..", "shared", "data", "watchlists")
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data", "watchlists")
		}
		up := filepath.Dir(dir)
		if up == dir {
			return filepath.Join("..", "..", "shared", "data", "watchlists")
		}
		dir = up
	}
}

var publicLists struct {
	once  sync.Once
	lists *screening.Lists
	err   error
}

// PublicWatchlists returns every list under WatchlistsDir, loaded as the
// server loads DOCKETCARD_WATCHLISTS_DIR. Loading takes about a second,
// so it happens once per test process; the lists are shared and
// read-only: do not Reload them. It skips t (fails it with
// DOCKETCARD_TEST_STRICT=1) when the files are not there.
func PublicWatchlists(t testing.TB) *screening.Lists {
	t.Helper()
	dir := WatchlistsDir()
	_, err := os.Stat(filepath.Join(dir, "ofac-sdn-2021-07", "sdn.csv"))
	testenv.Need(t, err == nil, "the public watch-list files",
		"set DOCKETCARD_WATCHLISTS to the folder that holds ofac-sdn-2021-07/, un-2026-02/… (default "+dir+")")
	publicLists.once.Do(func() {
		l := &screening.Lists{}
		if err := l.Reload(dir); err != nil {
			publicLists.err = fmt.Errorf("testapp: load the watch lists in %s: %w", dir, err)
			return
		}
		publicLists.lists = l
	})
	if publicLists.err != nil {
		t.Fatal(publicLists.err)
	}
	return publicLists.lists
}

// Activate takes a freshly issued (approved) card through printing and
// handover to active, as the print operator and the enrolment officer
// would, and returns it.
func (a *App) Activate(t testing.TB, cardID string) *docketcard.Card {
	t.Helper()
	ctx := context.Background()
	if _, err := a.Service.TransitionCard(ctx, a.Actor(docketcard.RolePrintOperator), cardID,
		docketcard.TransitionRequest{Event: docketcard.EventPrint}); err != nil {
		t.Fatalf("print card: %v", err)
	}
	res, err := a.Service.HandoverCard(ctx, a.Actor(docketcard.RoleEnrollmentOfficer), cardID,
		docketcard.HandoverInput{Acknowledgement: "signature", PIN: "246813", Activate: true})
	if err != nil {
		t.Fatalf("hand over card: %v", err)
	}
	if res.Card.State != docketcard.CardActive {
		t.Fatalf("card after handover: %s; want active", res.Card.State)
	}
	return res.Card
}
