package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/docketcard/docketcard"
)

// Status list publication. Every transition that changes a card's
// status-list value bumps a counter in its own transaction. One server —
// whichever holds the publisher lease in the database — notices within
// StatusPollInterval, signs a new list from a consistent read and stores
// it; every server serves the newest stored list. So several servers on
// one PostgreSQL publish one list, and a change is published within a
// minute even when the publishing server dies (its lease lapses after
// StatusLeaseTTL and another server takes over).
const (
	StatusPublisherLease = "status-list-publisher"
	StatusLeaseTTL       = 30 * time.Second
	StatusPollInterval   = 5 * time.Second
	// StatusListRefresh re-signs an unchanged list so its expiry never
	// comes near for online verifiers.
	StatusListRefresh = 6 * time.Hour
)

// Instance names this service process as a lease holder.
func (s *Service) Instance() string { return s.instance }

// PublishStatusList publishes a new status list if the cards' statuses
// changed since the last one (or always, with force), provided holder
// holds (or can take) the publisher lease. It returns the newest
// publication and whether this call made it. Without the lease it returns
// (nil, false, nil).
func (s *Service) PublishStatusList(ctx context.Context, holder string, force bool) (*docketcard.StatusPublication, bool, error) {
	if s.signers == nil {
		return nil, false, nil // a server without keys never takes the lease: it could not sign
	}
	// A holder that cannot sign must not take (and keep) the lease.
	if _, err := s.signers.Signer(s.cardPolicy.StatusSite, "status"); err != nil {
		return nil, false, err
	}
	// One publication at a time in this process: the loop, a request that
	// finds the list stale and a forced publication share the holder id,
	// so the lease alone cannot order them.
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	now := s.now()
	var ok bool
	if err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		var err error
		ok, err = tx.AcquireLease(ctx, StatusPublisherLease, holder, now, StatusLeaseTTL)
		return err
	}); err != nil || !ok {
		return nil, false, err
	}
	seq, latest, err := s.statusState(ctx)
	if err != nil {
		return nil, false, err
	}
	if !force && latest != nil && latest.ChangeSeq >= seq && now.Sub(latest.IssuedAt) < StatusListRefresh {
		return latest, false, nil
	}
	// The counter and the statuses come from one snapshot, so a list's
	// ChangeSeq says exactly which changes it contains.
	b, tok, seq, err := s.buildStatusList(ctx)
	if err != nil {
		// Give the lease up so that a server that can sign takes over.
		_ = s.ReleaseStatusLease(context.WithoutCancel(ctx), holder)
		return nil, false, err
	}
	sum := sha256.Sum256(b)
	pub := &docketcard.StatusPublication{ChangeSeq: seq, IssuedAt: tok.IssuedAt, ExpiresAt: tok.ExpiresAt, Token: b,
		SHA256: hex.EncodeToString(sum[:]), Publisher: holder}
	var result *docketcard.StatusPublication
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		// Fencing: still the holder, and nothing as new or newer was
		// published meanwhile (by a holder whose lease we took over).
		if ok, err := tx.AcquireLease(ctx, StatusPublisherLease, holder, s.now(), StatusLeaseTTL); err != nil || !ok {
			return err // lost the lease: publish nothing
		}
		cur, err := tx.LatestStatusList(ctx)
		switch {
		case docketcard.ErrorCode(err) == docketcard.ENOTFOUND:
			pub.Seq = 1
		case err != nil:
			return err
		case cur.ChangeSeq > seq || (cur.ChangeSeq == seq && !force && s.now().Sub(cur.IssuedAt) < StatusListRefresh):
			result = cur // the stored list already covers this snapshot
			return nil
		default:
			pub.Seq = cur.Seq + 1
		}
		if err := tx.PublishStatusList(ctx, pub); err != nil {
			return err
		}
		result = pub
		return tx.AppendAudit(ctx, s.audit(docketcard.SystemActor("status-publisher"), docketcard.ActionStatusPublish, "status_list",
			fmt.Sprint(pub.Seq), "", fmt.Sprintf("status list %d for change %d, sha256=%s, by %s", pub.Seq, seq, pub.SHA256, holder)))
	})
	if err != nil {
		return nil, false, err
	}
	return result, result == pub, nil
}

// statusState reads the status change counter and the newest published
// list (nil when none is).
func (s *Service) statusState(ctx context.Context) (seq int64, latest *docketcard.StatusPublication, err error) {
	err = s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if seq, err = tx.StatusChangeSeq(ctx); err != nil {
			return err
		}
		latest, err = tx.LatestStatusList(ctx)
		if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
			latest, err = nil, nil
		}
		return err
	})
	return seq, latest, err
}

// ReleaseStatusLease gives the publisher lease up (at shutdown), so
// another server takes over at once instead of after StatusLeaseTTL.
func (s *Service) ReleaseStatusLease(ctx context.Context, holder string) error {
	return s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		return tx.ReleaseLease(ctx, StatusPublisherLease, holder)
	})
}

// CurrentStatusList returns the newest published status list. When none
// is published yet, or cards changed since, it tries to publish (which
// succeeds only on the lease holder, or when no server holds the lease).
func (s *Service) CurrentStatusList(ctx context.Context) (*docketcard.StatusPublication, error) {
	seq, latest, err := s.statusState(ctx)
	if err != nil {
		return nil, err
	}
	if latest != nil && latest.ChangeSeq >= seq && s.now().Sub(latest.IssuedAt) < StatusListRefresh {
		return latest, nil
	}
	pub, _, err := s.PublishStatusList(ctx, s.instance, false)
	if err != nil {
		if latest != nil {
			// Serve the last good list rather than nothing; verifiers see
			// its time and the publisher retries within StatusPollInterval.
			s.log.Warn("status list publication failed; serving the previous list", "seq", latest.Seq, "err", err)
			return latest, nil
		}
		return nil, err
	}
	if pub != nil {
		return pub, nil
	}
	if latest == nil {
		return nil, docketcard.Errorf(docketcard.EUNAVAILABLE, "No status list has been published yet; the publishing server publishes one within %s.", StatusPollInterval)
	}
	return latest, nil // another server publishes the change within StatusPollInterval
}

// ForcePublishStatusList signs and publishes a new list now (operator
// action, audited), through the publisher lease.
func (s *Service) ForcePublishStatusList(ctx context.Context, a docketcard.Actor) (*docketcard.StatusPublication, error) {
	if err := a.Authorize(docketcard.PermStatusPublish, ""); err != nil {
		return nil, err
	}
	holder := s.instance
	pub, published, err := s.PublishStatusList(ctx, holder, true)
	if err != nil {
		return nil, err
	}
	if pub == nil {
		return nil, docketcard.Errorf(docketcard.ECONFLICT, "Another server holds the status publisher lease; it publishes every change within %s.", StatusPollInterval)
	}
	if published {
		err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
			return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionStatusPublish, "status_list", fmt.Sprint(pub.Seq), "", "forced publication"))
		})
	}
	return pub, err
}
