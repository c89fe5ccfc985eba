// Package jobs runs background checks durably with River, a job queue
// that keeps its jobs in our own database (SQLite or PostgreSQL): a check
// is enqueued in the transaction that creates it, survives restarts, is
// retried with backoff, times out, and is rescued if a worker dies.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/sqlstore"
)

// CheckArgs is the job that performs one check attempt.
type CheckArgs struct {
	CheckID string `json:"check_id"`
}

// Kind names the job type in River's tables.
func (CheckArgs) Kind() string { return "docketcard_check" }

// RenewArgs is the periodic job that re-runs checks about to expire.
type RenewArgs struct{}

// Kind names the job type.
func (RenewArgs) Kind() string { return "docketcard_renew_checks" }

// PollInterval is how often a check waiting on an asynchronous provider
// is polled (callbacks usually finish it sooner).
var PollInterval = 30 * time.Second

type checkWorker struct {
	river.WorkerDefaults[CheckArgs]
	svc     *service.Service
	timeout time.Duration
}

func (w *checkWorker) Timeout(*river.Job[CheckArgs]) time.Duration { return w.timeout + 2*time.Second }

func (w *checkWorker) Work(ctx context.Context, job *river.Job[CheckArgs]) error {
	done, err := w.svc.RunCheck(ctx, job.Args.CheckID, job.Attempt)
	switch {
	case err != nil && docketcard.ErrorCode(err) == docketcard.ENOTFOUND:
		return river.JobCancel(err) // the check is gone: nothing to retry
	case err != nil && errors.Is(err, service.ErrRetry):
		// River retries with exponential backoff. The provider's own text
		// (which may repeat the subject's details) stays in the check's
		// attempt record; River logs and keeps only this.
		return fmt.Errorf("check %s: attempt failed, will retry (see the check's attempts)", job.Args.CheckID)
	case err != nil:
		// Recording the attempt failed (database busy or down): retry, so
		// the check is not left pending with no job to finish it.
		return fmt.Errorf("check %s: %s", job.Args.CheckID, docketcard.ErrorCode(err))
	case !done:
		return river.JobSnooze(PollInterval)
	}
	return nil
}

type renewWorker struct {
	river.WorkerDefaults[RenewArgs]
	svc *service.Service
}

func (w *renewWorker) Work(ctx context.Context, _ *river.Job[RenewArgs]) error {
	_, err := w.svc.RenewExpiring(ctx, 7*24*time.Hour)
	return err
}

// Queue is the River client, also the service's CheckQueue.
type Queue struct {
	sqlite *river.Client[*sql.Tx]
}

func driver(db *sqlstore.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect() == sqlstore.DialectSQLite {
		return riversqlite.New(db.SQL())
	}
	return riverdatabasesql.New(db.SQL())
}

// Migrate applies River's own migrations (its job tables) to db.
func Migrate(ctx context.Context, db *sqlstore.DB) error {
	m, err := rivermigrate.New(driver(db), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// Validate reports whether River's tables are up to date.
func Validate(ctx context.Context, db *sqlstore.DB) error {
	m, err := rivermigrate.New(driver(db), nil)
	if err != nil {
		return err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return err
	}
	if !res.OK {
		return docketcard.Errorf(docketcard.EUNAVAILABLE, "the job queue's tables are not up to date: run `docketcard migrate`")
	}
	return nil
}

// Options configure the queue.
type Options struct {
	Workers int // concurrent check attempts (default 4)
	Policy  docketcard.CheckPolicy
	Log     *slog.Logger
	// Renew schedules the periodic re-run of expiring checks.
	Renew bool
	// RescueAfter is how long a job may stay running before another
	// worker takes it over (its worker died); default 2 × Policy.Timeout
	// + 30 s, and never less than the job timeout.
	RescueAfter time.Duration
	// RetryBase is the first retry's delay; each later one doubles, up to
	// RetryMax (defaults 2 s and 10 min).
	RetryBase, RetryMax time.Duration
}

// backoff retries a failed check attempt after base·2^(attempt-1), capped,
// with up to 10 % jitter so many failures do not retry in lockstep.
type backoff struct{ base, max time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.base << min(max(job.Attempt-1, 0), 20)
	if d > b.max || d <= 0 {
		d = b.max
	}
	d += time.Duration(rand.Int64N(int64(d)/10 + 1))
	return time.Now().Add(d)
}

// New builds the queue. Call Start to work jobs; a queue that is never
// started can still enqueue (for commands that only insert).
func New(db *sqlstore.DB, svc *service.Service, o Options) (*Queue, error) {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	jobTimeout := o.Policy.Timeout + 2*time.Second
	rescue := o.RescueAfter
	if rescue <= 0 {
		rescue = 2*o.Policy.Timeout + 30*time.Second
	}
	rescue = max(rescue, jobTimeout)
	if o.RetryBase <= 0 {
		o.RetryBase = 2 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 10 * time.Minute
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &checkWorker{svc: svc, timeout: o.Policy.Timeout})
	river.AddWorker(workers, &renewWorker{svc: svc})
	cfg := &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}},
		Workers:              workers,
		MaxAttempts:          max(o.Policy.MaxAttempts, 1),
		JobTimeout:           jobTimeout,
		RetryPolicy:          backoff{base: o.RetryBase, max: o.RetryMax},
		RescueStuckJobsAfter: rescue,
		Logger:               o.Log,
		FetchPollInterval:    200 * time.Millisecond,
	}
	if o.Renew {
		cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return RenewArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
	}
	c, err := river.NewClient(driver(db), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Queue{sqlite: c}, nil
}

// Enqueue inserts a check job in the caller's transaction.
func (q *Queue) Enqueue(ctx context.Context, tx docketcard.Tx, checkID string) error {
	st, ok := tx.(interface{ SQLTx() *sql.Tx })
	if !ok {
		return errors.New("jobs: the store's transaction does not expose *sql.Tx")
	}
	_, err := q.sqlite.InsertTx(ctx, st.SQLTx(), CheckArgs{CheckID: checkID}, nil)
	return err
}

// Start works jobs until Stop.
func (q *Queue) Start(ctx context.Context) error { return q.sqlite.Start(ctx) }

// Stop finishes the jobs in hand and stops.
func (q *Queue) Stop(ctx context.Context) error { return q.sqlite.Stop(ctx) }

// Kill stops at once, cancelling jobs in hand, as a crashed server would
// leave them (for tests of recovery).
func (q *Queue) Kill(ctx context.Context) error { return q.sqlite.StopAndCancel(ctx) }
