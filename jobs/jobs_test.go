package jobs_test

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/checks"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/jobs"
	"github.com/docketcard/docketcard/provider"
	"github.com/docketcard/docketcard/provider/checksim"
	"github.com/docketcard/docketcard/service"
)

func policy() docketcard.CheckPolicy {
	p := docketcard.DefaultCheckPolicy()
	p.Timeout, p.MaxAttempts = 3*time.Second, 5
	return p
}

// person enrols someone with a Notice to Appear on file.
func person(t *testing.T, app *testapp.App, anum string) *docketcard.Person {
	t.Helper()
	ctx := context.Background()
	sys := docketcard.SystemActor("test")
	in := testapp.SamplePerson(anum, "HOU")
	in.FamilyNames = "UNIQUE" + anum[len(anum)-3:] // no duplicates among test people
	in.FamilyNames = map[byte]string{'1': "QUINTERO", '2': "VALDERRAMA", '3': "ZAMBRANO", '4': "OLIVARES"}[anum[len(anum)-1]]
	p, err := app.Service.CreatePerson(ctx, sys, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Service.AddDocument(ctx, sys, p.ID, docketcard.DocumentInput{Type: "I-862", Filename: "nta.pdf", IssuedOn: "2026-01-15"},
		[]byte("%PDF-1.4 synthetic")); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitRun polls until every check of the person's newest run is final.
func waitRun(t *testing.T, app *testapp.App, personID string, within time.Duration) *docketcard.CheckRun {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		runs, err := app.Service.ListCheckRuns(context.Background(), docketcard.SystemActor("test"), personID)
		if err != nil {
			t.Fatal(err)
		}
		done := len(runs) > 0
		for _, c := range runs[0].Checks {
			done = done && c.State != docketcard.CheckPending
		}
		if done {
			return runs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("checks not finished after %s: %+v", within, runs[0].Checks)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func clearance(t *testing.T, app *testapp.App, personID string) error {
	return app.DB.ReadTx(context.Background(), func(tx docketcard.Tx) error {
		_, err := tx.CurrentClearance(context.Background(), personID, app.Clock.Now())
		return err
	})
}

// blocker is a provider whose first attempts hang until cancelled, as a
// worker that dies mid-check would leave it.
type blocker struct {
	calls   atomic.Int32
	release atomic.Bool
}

func (b *blocker) Run(ctx context.Context, p *docketcard.Person, c *docketcard.Check) (*service.CheckOutcome, error) {
	b.calls.Add(1)
	if !b.release.Load() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &service.CheckOutcome{State: docketcard.CheckClear, Evidence: "{}"}, nil
}

// TestQueueRunsChecksDurably: checks enqueued with their run are worked by
// River; a worker killed in the middle of a check loses nothing — after
// the rescue interval another worker completes it; the run then clears.
func TestQueueRunsChecksDurably(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := testapp.New(t, d)
			ctx := context.Background()
			if err := jobs.Migrate(ctx, app.DB); err != nil {
				t.Fatal(err)
			}
			slow := &blocker{}
			pol := policy()
			pol.Required = []docketcard.CheckType{docketcard.CheckDocument, docketcard.CheckDuplicate, docketcard.CheckBiometric}
			providers := map[docketcard.CheckType]service.CheckProvider{
				docketcard.CheckDocument:  checks.Document{Store: app.DB},
				docketcard.CheckDuplicate: checks.Duplicate{Store: app.DB},
				docketcard.CheckBiometric: slow,
			}
			q1, err := jobs.New(app.DB, app.Service, jobs.Options{Policy: pol, RescueAfter: 6 * time.Second, RetryBase: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			app.Service.SetChecks(pol, providers, q1)
			p := person(t, app, "A000000201")
			if _, err := app.Service.StartChecks(ctx, docketcard.SystemActor("test"), p.ID, "enrollment"); err != nil {
				t.Fatal(err)
			}
			if err := q1.Start(ctx); err != nil {
				t.Fatal(err)
			}
			// Wait until the slow check is in a worker's hands, then kill.
			for deadline := time.Now().Add(20 * time.Second); slow.calls.Load() == 0; {
				if time.Now().After(deadline) {
					t.Fatal("the slow check never started")
				}
				time.Sleep(50 * time.Millisecond)
			}
			kctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			q1.Kill(kctx)
			cancel()
			if err := clearance(t, app, p.ID); docketcard.ErrorCode(err) != docketcard.ENOTFOUND {
				t.Fatalf("cleared before the slow check finished: %v", err)
			}
			// A new server process: the check is rescued and finished.
			slow.release.Store(true)
			q2, err := jobs.New(app.DB, app.Service, jobs.Options{Policy: pol, RescueAfter: 6 * time.Second, RetryBase: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			app.Service.SetChecks(pol, providers, q2)
			if err := q2.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer q2.Stop(context.Background())
			run := waitRun(t, app, p.ID, 60*time.Second)
			for _, c := range run.Checks {
				if c.State != docketcard.CheckClear {
					t.Errorf("%s: %s", c.Type, c.State)
				}
			}
			if err := clearance(t, app, p.ID); err != nil {
				t.Fatalf("no clearance after the rescued check: %v", err)
			}
			var attempts []*docketcard.CheckAttempt
			app.DB.ReadTx(ctx, func(tx docketcard.Tx) error {
				for _, c := range run.Checks {
					if c.Type == docketcard.CheckBiometric {
						attempts, _ = tx.ListCheckAttempts(ctx, c.ID)
					}
				}
				return nil
			})
			if len(attempts) < 2 {
				t.Errorf("attempts of the killed check: %d, want every attempt recorded", len(attempts))
			}
		})
	}
}

// TestExternalProviderOverLoopback runs an external check against the
// provider simulator over 127.0.0.1: with callbacks dropped, polling
// finds the result; with callbacks delivered to the server, they finish
// the check; transient 500s are retried.
func TestExternalProviderOverLoopback(t *testing.T) {
	old := jobs.PollInterval
	jobs.PollInterval = 300 * time.Millisecond
	defer func() { jobs.PollInterval = old }()
	tests := []struct {
		name             string
		drop, errRate    float64
		callbackReceiver bool
	}{
		{"dropped callback: polling finds the result", 1, 0, false},
		{"signed callback delivered", 0, 0, true},
		{"transient errors are retried", 1, 0.4, false},
	}
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			for i, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					app := testapp.New(t, d)
					ctx := context.Background()
					if err := jobs.Migrate(ctx, app.DB); err != nil {
						t.Fatal(err)
					}
					secret := []byte("loopback test secret")
					sim, err := checksim.New(checksim.Config{Latency: 200 * time.Millisecond, ErrorRate: tc.errRate,
						DropCallbackRate: tc.drop, Secret: secret, Seed: int64(i + 1)})
					if err != nil {
						t.Fatal(err)
					}
					simSrv := httptest.NewServer(sim)
					defer simSrv.Close()
					defer sim.Close()
					client, err := provider.New(provider.Config{BaseURL: simSrv.URL, Token: "t", FailureThreshold: 50})
					if err != nil {
						t.Fatal(err)
					}
					ext := checks.External{Client: client, Type: docketcard.CheckCriminalHistory}
					if tc.callbackReceiver {
						cb := httptest.NewServer(client.CallbackHandler(secret, func(ctx context.Context, res *provider.Result) error {
							out, err := checks.Outcome(res)
							if err != nil {
								return nil
							}
							return app.Service.CompleteExternalCheck(ctx, res.ProviderRef, out)
						}))
						defer cb.Close()
						ext.CallbackURL = cb.URL
						jobs.PollInterval = time.Minute // only the callback can finish it in time
						defer func() { jobs.PollInterval = 300 * time.Millisecond }()
					}
					pol := policy()
					pol.Required = []docketcard.CheckType{docketcard.CheckCriminalHistory}
					if tc.errRate > 0 {
						// At a 40 % error rate, five attempts in a row all
						// fail about one run in ten (the number of polls
						// varies with timing): that is the policy working,
						// not what this case tests. Ten make it one in 10^4.
						pol.MaxAttempts = 10
					}
					q, err := jobs.New(app.DB, app.Service, jobs.Options{Policy: pol, RetryBase: 200 * time.Millisecond, RetryMax: time.Second})
					if err != nil {
						t.Fatal(err)
					}
					app.Service.SetChecks(pol, map[docketcard.CheckType]service.CheckProvider{docketcard.CheckCriminalHistory: ext}, q)
					p := person(t, app, "A00000030"+string(rune('1'+i)))
					if _, err := app.Service.StartChecks(ctx, docketcard.SystemActor("test"), p.ID, "enrollment"); err != nil {
						t.Fatal(err)
					}
					if err := q.Start(ctx); err != nil {
						t.Fatal(err)
					}
					defer q.Stop(context.Background())
					run := waitRun(t, app, p.ID, 45*time.Second)
					c := run.Checks[0]
					if c.State != docketcard.CheckClear && c.State != docketcard.CheckPossibleMatch {
						t.Fatalf("external check ended %s", c.State)
					}
					if c.ProviderRef == "" {
						t.Fatal("no provider reference recorded")
					}
					st := sim.Stats()
					if st.Checks != 1 {
						t.Errorf("the simulator started %d checks; idempotency keys must keep it at one", st.Checks)
					}
					if tc.callbackReceiver && st.CallbacksDelivered == 0 {
						t.Errorf("no callback delivered: %+v", st)
					}
				})
			}
		})
	}
}
