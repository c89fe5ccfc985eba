package service

import (
	"context"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/statuslist"
)

// StatusListTTL is how often online verifiers should refresh the list
// (the token's ttl claim): a revocation reaches them within a minute.
const StatusListTTL = time.Minute

// StatusListCacheAge is the HTTP max-age of the published list: with the
// publisher's StatusPollInterval, a change reaches a refreshing verifier
// in well under a minute.
const StatusListCacheAge = 30 * time.Second

// StatusListLifetime is how long a signed list stays acceptable to an
// offline verifier (its exp): long enough to work a week without a
// connection, short enough that a replayed old list is refused.
const StatusListLifetime = 7 * 24 * time.Hour

// cardStatus maps a recorded card state to its status-list value.
func cardStatus(st docketcard.CardState) statuslist.Status {
	return statuslist.Status(docketcard.StatusValue(st))
}

// StatusList builds and signs the status list of every card, as an IETF
// Token Status List in CWT form, with the program's status signer.
func (s *Service) StatusList(ctx context.Context) ([]byte, *statuslist.Token, error) {
	b, tok, _, err := s.buildStatusList(ctx)
	return b, tok, err
}

// buildStatusList reads the status change counter and every card's state
// in one snapshot and signs the list. Every entry starts SUSPENDED: an
// index no card held when the list was built (a card signed later, or
// never issued) must not read VALID to an offline verifier using this
// list. The issue time is taken before the snapshot, so "valid as of
// iat" never claims more than the list knows.
func (s *Service) buildStatusList(ctx context.Context) ([]byte, *statuslist.Token, int64, error) {
	if s.signers == nil {
		return nil, nil, 0, docketcard.Errorf(docketcard.EUNAVAILABLE, "Card issuance is not configured: set DOCKETCARD_KEYS_DIR.")
	}
	key, err := s.signers.Signer(s.cardPolicy.StatusSite, "status")
	if err != nil {
		return nil, nil, 0, err
	}
	l, err := statuslist.New(2, s.cardPolicy.StatusListSize)
	if err != nil {
		return nil, nil, 0, err
	}
	if err := l.Fill(statuslist.Suspended); err != nil {
		return nil, nil, 0, err
	}
	now := s.now().Truncate(time.Second)
	var seq int64
	err = s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if seq, err = tx.StatusChangeSeq(ctx); err != nil {
			return err
		}
		return tx.CardStatuses(ctx, func(idx int, st docketcard.CardState) error {
			if v := cardStatus(st); v != statuslist.Suspended {
				return l.Set(idx, v)
			}
			return nil
		})
	})
	if err != nil {
		return nil, nil, 0, err
	}
	tok := &statuslist.Token{URI: s.cardPolicy.StatusListURI, IssuedAt: now, ExpiresAt: now.Add(StatusListLifetime), TTL: StatusListTTL, List: l, KeyID: key.KeyID()}
	b, err := statuslist.Sign(tok, key, key.KeyID())
	if err != nil {
		return nil, nil, 0, err
	}
	return b, tok, seq, nil
}
