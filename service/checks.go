package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docketcard/docketcard"
)

// CheckOutcome is what one attempt of a check produced.
type CheckOutcome struct {
	State        docketcard.CheckState // clear, possible_match, or pending (an asynchronous provider has it)
	Score        float64
	Evidence     string // JSON
	ListVersions string
	ProviderRef  string
}

// CheckProvider performs one kind of check. Run is one attempt: it returns
// an outcome, or an error (ErrRetry-wrapped errors are retried).
type CheckProvider interface {
	Run(ctx context.Context, p *docketcard.Person, c *docketcard.Check) (*CheckOutcome, error)
}

// ErrRetry marks a transient provider failure (timeout, 5xx, breaker open).
var ErrRetry = errors.New("transient check failure")

// CheckQueue makes check attempts durable: Enqueue schedules a check in
// the same transaction that created it, so a crash loses nothing.
type CheckQueue interface {
	Enqueue(ctx context.Context, tx docketcard.Tx, checkID string) error
}

// SetChecks wires the check policy, providers and queue (nil queue: checks
// run only through RunChecksNow).
func (s *Service) SetChecks(p docketcard.CheckPolicy, providers map[docketcard.CheckType]CheckProvider, q CheckQueue) {
	s.checkPolicy, s.providers, s.queue = p, providers, q
}

// CheckPolicy returns the check policy.
func (s *Service) CheckPolicy() docketcard.CheckPolicy { return s.checkPolicy }

// StartChecks opens a check run for a person with every check the site
// requires, and queues them. Reason: enrollment, expiry, recurrent, manual.
func (s *Service) StartChecks(ctx context.Context, a docketcard.Actor, personID, reason string) (*docketcard.CheckRun, error) {
	return s.startChecks(ctx, a, personID, reason, s.queue)
}

// startChecks opens the run and enqueues its checks on q (nil: the caller
// runs them itself).
func (s *Service) startChecks(ctx context.Context, a docketcard.Actor, personID, reason string, q CheckQueue) (*docketcard.CheckRun, error) {
	if err := a.Authorize(docketcard.PermCheckRun, ""); err != nil {
		return nil, err
	}
	var run *docketcard.CheckRun
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		p, err := tx.GetPerson(ctx, personID)
		if err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermCheckRun, p.SiteCode); err != nil {
			return err
		}
		if run, err = s.newRun(ctx, tx, a, p, reason, s.checkPolicy.RequiredFor(p.SiteCode)); err != nil {
			return err
		}
		if q != nil {
			for _, c := range run.Checks {
				if err := q.Enqueue(ctx, tx, c.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return run, err
}

func (s *Service) newRun(ctx context.Context, tx docketcard.Tx, a docketcard.Actor, p *docketcard.Person, reason string, types []docketcard.CheckType) (*docketcard.CheckRun, error) {
	if len(types) == 0 {
		return nil, docketcard.Errorf(docketcard.EINVALID, "No checks are required at site %s; check the policy.", p.SiteCode)
	}
	now := s.now()
	run := &docketcard.CheckRun{ID: s.newID(), PersonID: p.ID, SiteCode: p.SiteCode, RequestedBy: a.Username, Reason: reason,
		Required: types, CreatedAt: now}
	for _, t := range types {
		run.Checks = append(run.Checks, &docketcard.Check{ID: s.newID(), RunID: run.ID, PersonID: p.ID, SiteCode: p.SiteCode,
			Type: t, State: docketcard.CheckPending, CreatedAt: now, UpdatedAt: now})
	}
	if err := tx.CreateCheckRun(ctx, run); err != nil {
		return nil, err
	}
	return run, tx.AppendAudit(ctx, s.audit(a, docketcard.ActionCheckStart, "check_run", run.ID, p.SiteCode,
		fmt.Sprintf("person %s reason %s checks %s", p.ID, reason, joinTypes(types))))
}

func joinTypes(ts []docketcard.CheckType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ",")
}

// systemWorker is the actor recorded for work the check runner does.
var systemWorker = docketcard.Actor{UserID: "system:checks", Username: "check-runner", System: true, Via: "worker"}

// RunCheck performs one attempt of a check and records it. Attempts are
// numbered by the check itself (not by the queue), so every attempt —
// including one cut short by a crash — has its own record. It returns
// (done, err): done when the check reached a final state; err wrapping
// ErrRetry when the attempt should be retried later.
func (s *Service) RunCheck(ctx context.Context, checkID string, _ int) (bool, error) {
	var c *docketcard.Check
	var p *docketcard.Person
	var attempt int
	started := s.now()
	// Claim the next attempt number and record its start.
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if c, err = tx.GetCheck(ctx, checkID); err != nil {
			return err
		}
		if c.State != docketcard.CheckPending {
			return nil
		}
		if p, err = tx.GetPerson(ctx, c.PersonID); err != nil {
			return err
		}
		attempt = c.Attempts + 1
		c.Attempts, c.UpdatedAt = attempt, started
		if err := tx.UpdateCheck(ctx, c); err != nil {
			return err
		}
		return tx.AddCheckAttempt(ctx, &docketcard.CheckAttempt{CheckID: c.ID, Attempt: attempt, StartedAt: started, Outcome: "running"})
	})
	if err != nil {
		return false, err
	}
	if c.State != docketcard.CheckPending {
		return true, nil // already done (a duplicate delivery of the job)
	}
	prov, ok := s.providers[c.Type]
	if !ok {
		return true, s.finishCheck(ctx, c, attempt, nil, fmt.Errorf("no provider is configured for %s checks", c.Type))
	}
	actx, cancel := context.WithTimeout(ctx, max(s.checkPolicy.Timeout, time.Second))
	out, err := prov.Run(actx, p, c)
	cancel()
	if err == nil && out == nil {
		err = errors.New("provider returned no outcome")
	}
	switch {
	case err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		err = fmt.Errorf("%w: attempt timed out after %s", ErrRetry, s.checkPolicy.Timeout)
	case err != nil && ctx.Err() != nil:
		err = fmt.Errorf("%w: attempt interrupted (%v)", ErrRetry, ctx.Err())
	}
	if err != nil && errors.Is(err, ErrRetry) {
		fin := s.now()
		wctx := context.WithoutCancel(ctx)
		_ = s.store.WithTx(wctx, func(tx docketcard.Tx) error {
			return tx.AddCheckAttempt(wctx, &docketcard.CheckAttempt{CheckID: c.ID, Attempt: attempt, StartedAt: started, FinishedAt: &fin,
				Outcome: "retry", Detail: truncate(err.Error(), 500)})
		})
		if attempt >= s.checkPolicy.MaxAttempts {
			return true, s.finishCheck(wctx, c, attempt, nil, fmt.Errorf("gave up after %d attempts: %v", attempt, err))
		}
		return false, err
	}
	// An asynchronous provider answered "submitted": not done yet.
	done := err != nil || out.State != docketcard.CheckPending
	return done, s.finishCheck(ctx, c, attempt, out, err)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// finishCheck records an outcome (or a permanent error) and, when the run
// is complete and clear, grants the clearance — in one transaction.
func (s *Service) finishCheck(ctx context.Context, c *docketcard.Check, attempt int, out *CheckOutcome, failure error) error {
	now := s.now()
	return s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		cur, err := tx.GetCheck(ctx, c.ID)
		if err != nil {
			return err
		}
		if cur.State != docketcard.CheckPending {
			return nil
		}
		cur.Attempts, cur.UpdatedAt = max(attempt, cur.Attempts), now
		outcome, detail := "", ""
		switch {
		case failure != nil:
			cur.State, outcome, detail = docketcard.CheckError, "error", truncate(failure.Error(), 500)
			cur.CompletedAt = &now
		case out.State == docketcard.CheckPending:
			cur.ProviderRef, outcome, detail = out.ProviderRef, "submitted", "waiting for the provider"
		default:
			cur.State, cur.Score, cur.Evidence, cur.ListVersions = out.State, out.Score, out.Evidence, out.ListVersions
			cur.CompletedAt, outcome = &now, string(out.State)
			if out.ProviderRef != "" {
				cur.ProviderRef = out.ProviderRef
			}
			if out.State == docketcard.CheckClear {
				exp := now.Add(s.checkPolicy.ResultTTL)
				cur.ExpiresAt = &exp
			}
		}
		if err := tx.UpdateCheck(ctx, cur); err != nil {
			return err
		}
		if attempt > 0 {
			if err := tx.AddCheckAttempt(ctx, &docketcard.CheckAttempt{CheckID: cur.ID, Attempt: attempt, StartedAt: now, FinishedAt: &now,
				Outcome: outcome, Detail: detail}); err != nil {
				return err
			}
		}
		if err := tx.AppendAudit(ctx, s.audit(systemWorker, docketcard.ActionCheckResult, "check", cur.ID, cur.SiteCode,
			fmt.Sprintf("type %s state %s score %.3f lists %s", cur.Type, cur.State, cur.Score, truncate(cur.ListVersions, 200)))); err != nil {
			return err
		}
		return s.maybeGrantClearance(ctx, tx, cur.RunID)
	})
}

// CompleteExternalCheck records the result an external provider sent by
// callback (already authenticated by its HMAC signature). A callback for a
// check already finished (by polling, or a duplicate delivery) is a no-op.
func (s *Service) CompleteExternalCheck(ctx context.Context, providerRef string, out *CheckOutcome) error {
	var c *docketcard.Check
	if err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		c, err = tx.GetCheckByProviderRef(ctx, providerRef)
		return err
	}); err != nil {
		return err
	}
	if out.State == docketcard.CheckPending {
		return nil
	}
	return s.finishCheck(ctx, c, c.Attempts, out, nil)
}

// maybeGrantClearance grants a clearance once every check of the run has
// passed and none has expired; it expires with the earliest check.
func (s *Service) maybeGrantClearance(ctx context.Context, tx docketcard.Tx, runID string) error {
	run, err := tx.GetCheckRun(ctx, runID)
	if err != nil {
		return err
	}
	now := s.now()
	var exp time.Time
	for _, t := range run.Required {
		i := slices.IndexFunc(run.Checks, func(c *docketcard.Check) bool { return c.Type == t })
		if i < 0 || !run.Checks[i].Current(now) {
			return nil
		}
		if e := *run.Checks[i].ExpiresAt; exp.IsZero() || e.Before(exp) {
			exp = e
		}
	}
	cl := &docketcard.Clearance{ID: s.newID(), PersonID: run.PersonID, RunID: run.ID, GrantedAt: now, ExpiresAt: exp}
	if err := tx.CreateClearance(ctx, cl); err != nil {
		return err
	}
	return tx.AppendAudit(ctx, s.audit(systemWorker, docketcard.ActionClearanceGrant, "clearance", cl.ID, run.SiteCode,
		fmt.Sprintf("person %s run %s expires %s", run.PersonID, run.ID, exp.Format(time.RFC3339))))
}

// asyncPollDelay is how often RunChecksNow asks again about a check
// submitted to an asynchronous provider.
const asyncPollDelay = 250 * time.Millisecond

// RunChecksNow starts a run and performs every check in this process,
// retrying transient failures with backoff (for the command line, the
// demo and tests; the server uses the durable queue instead).
func (s *Service) RunChecksNow(ctx context.Context, a docketcard.Actor, personID, reason string) (*docketcard.CheckRun, error) {
	run, err := s.startChecks(ctx, a, personID, reason, nil)
	if err != nil {
		return nil, err
	}
	for _, c := range run.Checks {
		for attempt := 1; ; attempt++ {
			done, err := s.RunCheck(ctx, c.ID, attempt)
			if err == nil && done {
				break
			}
			delay := time.Duration(attempt*attempt) * 50 * time.Millisecond
			if err == nil { // submitted to an asynchronous provider: poll
				attempt--
				delay = asyncPollDelay
			}
			if err != nil && !errors.Is(err, ErrRetry) {
				return nil, err
			}
			if attempt >= max(s.checkPolicy.MaxAttempts, 1) {
				break
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(delay):
			}
		}
	}
	var out *docketcard.CheckRun
	err = s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		out, err = tx.GetCheckRun(ctx, run.ID)
		return err
	})
	return out, err
}

// ListCheckRuns lists a person's check runs with their checks. Audited.
func (s *Service) ListCheckRuns(ctx context.Context, a docketcard.Actor, personID string) ([]*docketcard.CheckRun, error) {
	if err := a.Authorize(docketcard.PermCheckRead, ""); err != nil {
		return nil, err
	}
	var out []*docketcard.CheckRun
	var site string
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if site, err = personSite(ctx, tx, personID); err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermCheckRead, site); err != nil {
			return err
		}
		out, err = tx.ListCheckRuns(ctx, personID)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Evidence names candidate records (list entries, other enrolments,
	// possibly at other sites): only adjudicators, who decide on it, see
	// it; others see states and scores.
	if !a.Can(docketcard.PermAdjudicate) {
		for _, r := range out {
			for _, c := range r.Checks {
				if c.Evidence != "" {
					c.Evidence = `{"redacted":"evidence is shown to adjudicators"}`
				}
			}
		}
	}
	return out, s.auditRead(ctx, s.audit(a, docketcard.ActionList, "check_run", personID, site, "check runs of person"))
}

// ReviewItem is a possible match as an adjudicator sees it: the person,
// the check and its evidence (candidates with score explanations).
type ReviewItem struct {
	Check      *docketcard.Check  `json:"check"`
	Person     *docketcard.Person `json:"person"`
	EnrolledBy string             `json:"enrolled_by"`
}

// ReviewQueue lists possible matches at the adjudicator's sites. Audited.
func (s *Service) ReviewQueue(ctx context.Context, a docketcard.Actor, after string, limit int) ([]*ReviewItem, error) {
	if err := a.Authorize(docketcard.PermAdjudicate, ""); err != nil {
		return nil, err
	}
	limit = clampLimit(limit, 50, 200)
	var items []*ReviewItem
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		cs, err := tx.ListReviewQueue(ctx, a.Sites, after, limit)
		if err != nil {
			return err
		}
		for _, c := range cs {
			p, err := tx.GetPerson(ctx, c.PersonID)
			if err != nil {
				return err
			}
			by, err := tx.EnrolledBy(ctx, p.ID)
			if err != nil {
				return err
			}
			items = append(items, &ReviewItem{Check: c, Person: p, EnrolledBy: by})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Person.ID
	}
	if len(ids) > 0 {
		if err := s.auditRead(ctx, s.audit(a, docketcard.ActionList, "person", "review_queue", "", "records "+strings.Join(ids, ","))); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// Adjudicate decides a possible match: clear (false positive), deny or
// refer (true match), with a mandatory reason. The officer who enrolled
// the person may not decide (two-person rule, also enforced by the
// database). A clear may complete the run's clearance; a deny or refer
// revokes any clearance the person holds.
func (s *Service) Adjudicate(ctx context.Context, a docketcard.Actor, checkID, decision, reason string) (*docketcard.Adjudication, error) {
	if err := a.Authorize(docketcard.PermAdjudicate, ""); err != nil {
		return nil, err
	}
	d, err := docketcard.ParseDecision(decision)
	if err != nil {
		return nil, &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid decision: " + docketcard.ErrorMessage(err),
			Fields: []docketcard.FieldError{{Field: "decision", Message: docketcard.ErrorMessage(err)}}}
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) < docketcard.MinReasonLength || len(reason) > 2000 {
		return nil, &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid decision: reason: a reason of at least 10 characters is required",
			Fields: []docketcard.FieldError{{Field: "reason", Message: "at least 10 and at most 2000 characters are required"}}}
	}
	var adj *docketcard.Adjudication
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		c, err := tx.GetCheck(ctx, checkID)
		if err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermAdjudicate, c.SiteCode); err != nil {
			return err
		}
		if c.State != docketcard.CheckPossibleMatch {
			return docketcard.Errorf(docketcard.ECONFLICT, "Check %s is %s, not a possible match awaiting a decision.", c.ID, c.State)
		}
		if by, err := tx.EnrolledBy(ctx, c.PersonID); err != nil {
			return err
		} else if by == a.UserID {
			return docketcard.Errorf(docketcard.EFORBIDDEN, "Two-person rule: you enrolled this person, so another adjudicator must decide.")
		}
		now := s.now()
		adj = &docketcard.Adjudication{ID: s.newID(), CheckID: c.ID, PersonID: c.PersonID, SiteCode: c.SiteCode, AdjudicatorID: a.UserID,
			Decision: d, Reason: reason, DecidedAt: now}
		if err := tx.CreateAdjudication(ctx, adj); err != nil {
			return err
		}
		switch d {
		case docketcard.DecisionClear:
			c.State = docketcard.CheckCleared
			exp := now.Add(s.checkPolicy.ResultTTL)
			c.ExpiresAt = &exp
		case docketcard.DecisionDeny:
			c.State = docketcard.CheckDenied
		case docketcard.DecisionRefer:
			c.State = docketcard.CheckReferred
		}
		c.UpdatedAt = now
		if err := tx.UpdateCheck(ctx, c); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, s.audit(a, docketcard.ActionAdjudicate, "check", c.ID, c.SiteCode,
			fmt.Sprintf("person %s decision %s", c.PersonID, d))); err != nil {
			return err
		}
		if d != docketcard.DecisionClear {
			if _, err := tx.RevokeClearances(ctx, c.PersonID, "adjudicated "+string(d), now); err != nil {
				return err
			}
			return nil
		}
		return s.maybeGrantClearance(ctx, tx, c.RunID)
	})
	return adj, err
}

// RescreenOnce runs Rescreen for the watch-list version set lists unless
// a server sharing the database has already claimed it: each list update
// re-screens the cardholders once, however many servers load it, and a
// version first seen after a restart is not missed. A failed re-screening
// gives up its claim so that the next attempt runs it again. ran reports
// whether this call did the work.
func (s *Service) RescreenOnce(ctx context.Context, a docketcard.Actor, lists string) (ran bool, n, hits int, err error) {
	if err := a.Authorize(docketcard.PermCheckRun, ""); err != nil {
		return false, 0, 0, err
	}
	if lists == "" {
		return false, 0, 0, docketcard.Errorf(docketcard.EINVALID, "The watch-list versions are empty: load the lists before re-screening.")
	}
	if err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		ran, err = tx.ClaimRescreen(ctx, lists, s.now())
		return err
	}); err != nil || !ran {
		return false, 0, 0, err
	}
	n, hits, err = s.Rescreen(ctx, a)
	if err != nil {
		rctx := context.WithoutCancel(ctx)
		if rerr := s.store.WithTx(rctx, func(tx docketcard.Tx) error {
			return tx.ReleaseRescreen(rctx, lists)
		}); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}
	return true, n, hits, err
}

// Rescreen is recurrent vetting: after a watch-list update it screens
// every cardholder again (those of the actor's sites, for a site user),
// in this process. A new possible match revokes
// the person's clearance (no new card until an adjudicator clears it),
// puts the check in the review queue and, if the policy says so, holds
// (suspends) the person's cards. It returns people screened and hits.
func (s *Service) Rescreen(ctx context.Context, a docketcard.Actor) (int, int, error) {
	if err := a.Authorize(docketcard.PermCheckRun, ""); err != nil {
		return 0, 0, err
	}
	var people []string
	if err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		return tx.Cardholders(ctx, func(id string) error { people = append(people, id); return nil })
	}); err != nil {
		return 0, 0, err
	}
	hits := 0
	screened := 0
	for _, id := range people {
		var run *docketcard.CheckRun
		err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
			p, err := tx.GetPerson(ctx, id)
			if err != nil {
				return err
			}
			if a.Authorize(docketcard.PermCheckRun, p.SiteCode) != nil {
				return nil // a site user re-screens only the people of their sites
			}
			run, err = s.newRun(ctx, tx, a, p, "recurrent", []docketcard.CheckType{docketcard.CheckWatchlist})
			return err
		})
		if err != nil {
			return screened, hits, err
		}
		if run == nil {
			continue
		}
		screened++
		if _, err := s.RunCheck(ctx, run.Checks[0].ID, 1); err != nil {
			// Close the check as an error rather than leave it pending
			// with no job to finish it (RenewExpiring would skip the
			// person); the next re-screen starts a fresh one.
			wctx := context.WithoutCancel(ctx)
			return screened, hits, errors.Join(err, s.finishCheck(wctx, run.Checks[0], 1, nil, fmt.Errorf("recurrent vetting stopped: %v", err)))
		}
		var c *docketcard.Check
		if err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
			c, err = tx.GetCheck(ctx, run.Checks[0].ID)
			return err
		}); err != nil {
			return screened, hits, err
		}
		if c.State != docketcard.CheckPossibleMatch {
			continue
		}
		hits++
		now := s.now()
		// An officer's transition of the same card at the same moment makes
		// the version-guarded suspension conflict: re-read and retry, so
		// one busy card cannot stop the re-screening of everyone after it.
		err = retryConflict(3, func() error {
			return s.store.WithTx(ctx, func(tx docketcard.Tx) error {
				if _, err := tx.RevokeClearances(ctx, id, "recurrent vetting: possible match", now); err != nil {
					return err
				}
				detail := "recurrent vetting hit; review required"
				if s.checkPolicy.SuspendOnHit {
					cards, err := tx.CardsOf(ctx, id, docketcard.CardApproved, docketcard.CardPrinted, docketcard.CardIssued, docketcard.CardActive)
					if err != nil {
						return err
					}
					for _, card := range cards {
						if card.StateAt(now) == docketcard.CardExpired {
							continue
						}
						req := docketcard.TransitionRequest{Event: docketcard.EventSuspend, Reason: docketcard.ReasonVettingHit,
							Note: "recurrent vetting: possible match"}
						if _, err := s.applyTransition(ctx, tx, a, card, &req); err != nil {
							return err
						}
					}
					detail += "; cards suspended"
				}
				return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionFlag, "person", id, c.SiteCode, detail))
			})
		})
		if err != nil {
			return screened, hits, err
		}
	}
	return screened, hits, nil
}

// RenewExpiring starts a new check run for every cardholder whose
// clearance is missing or expires within the window, so results are
// re-run before they lapse (and an expired clearance blocks new cards
// until they are). It returns how many runs it started.
func (s *Service) RenewExpiring(ctx context.Context, window time.Duration) (int, error) {
	var due []string
	now := s.now()
	if err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		return tx.Cardholders(ctx, func(id string) error {
			c, err := tx.CurrentClearance(ctx, id, now)
			if docketcard.ErrorCode(err) == docketcard.ENOTFOUND || (err == nil && c.ExpiresAt.Before(now.Add(window))) {
				runs, err := tx.ListCheckRuns(ctx, id)
				if err != nil {
					return err
				}
				// Skip people with a run still in progress.
				for _, r := range runs {
					for _, ch := range r.Checks {
						if ch.State == docketcard.CheckPending {
							return nil
						}
					}
				}
				due = append(due, id)
				return nil
			}
			return err
		})
	}); err != nil {
		return 0, err
	}
	for i, id := range due {
		if _, err := s.StartChecks(ctx, systemWorker, id, "expiry"); err != nil {
			return i, err
		}
	}
	return len(due), nil
}

// AuditScreening records an ad hoc screening by an adjudicator (the query
// itself, a name, is not logged).
func (s *Service) AuditScreening(ctx context.Context, a docketcard.Actor, results int) error {
	return s.auditRead(ctx, s.audit(a, docketcard.ActionScreen, "watchlist", "adhoc", "", fmt.Sprintf("candidates: %d", results)))
}

// retryConflict runs fn up to n times while it fails with ECONFLICT.
func retryConflict(n int, fn func() error) error {
	var err error
	for i := 0; i < n; i++ {
		if err = fn(); docketcard.ErrorCode(err) != docketcard.ECONFLICT {
			return err
		}
	}
	return err
}
