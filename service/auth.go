package service

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docketcard/docketcard"
)

// LoginResult is a new browser session.
type LoginResult struct {
	Secret    string // the cookie value; only its hash is stored
	CSRFToken string
	ExpiresAt time.Time
	User      *docketcard.User
}

var errBadLogin = docketcard.Errorf(docketcard.EUNAUTHORIZED, "Invalid username or password.")

// Login checks a username and password and opens a session. Failures are
// counted; after LockoutThreshold failures the account is locked for
// LockoutDuration. An unknown username costs the same hashing time as a
// known one, so timing does not reveal which usernames exist.
func (s *Service) Login(ctx context.Context, username, password, requestID string) (*LoginResult, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	now := s.now()
	var u *docketcard.User
	var hash string
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if u, err = tx.GetUserByUsername(ctx, username); err != nil {
			return err
		}
		hash, err = tx.PasswordHash(ctx, u.ID)
		return err
	})
	anon := docketcard.Actor{Username: "anonymous", RequestID: requestID}
	if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
		if _, err := withHashSlot(ctx, func() bool { return CheckPassword(password, s.dummy) }); err != nil {
			return nil, err
		}
		_ = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
			return tx.AppendAudit(ctx, s.audit(anon, docketcard.ActionLoginFailed, "user", "unknown", "", "unknown username"))
		})
		return nil, errBadLogin
	} else if err != nil {
		return nil, err
	}
	actor := docketcard.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles, Sites: u.Sites, Agency: u.Agency, RequestID: requestID, Via: "session"}
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		_ = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
			return tx.AppendAudit(ctx, s.audit(actor, docketcard.ActionLoginFailed, "user", u.ID, "", "account locked"))
		})
		return nil, docketcard.Errorf(docketcard.ELOCKED, "This account is locked after repeated failed sign-ins. Try again after %s UTC or ask an administrator to unlock it.", u.LockedUntil.Format("15:04"))
	}
	good, err := withHashSlot(ctx, func() bool { return CheckPassword(password, hash) })
	if err != nil {
		return nil, err
	}
	if !good || u.Disabled {
		err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
			detail := "wrong password"
			if u.Disabled {
				detail = "account disabled"
			}
			n, err := tx.RecordLoginFailure(ctx, u.ID, s.cfg.LockoutThreshold, now.Add(s.cfg.LockoutDuration))
			if err != nil {
				return err
			}
			es := []*docketcard.AuditEntry{s.audit(actor, docketcard.ActionLoginFailed, "user", u.ID, "", detail)}
			if n >= s.cfg.LockoutThreshold {
				es = append(es, s.audit(actor, docketcard.ActionLocked, "user", u.ID, "", "locked after repeated failures"))
			}
			return appendAudit(ctx, tx, es...)
		})
		if err != nil {
			return nil, err
		}
		return nil, errBadLogin
	}
	res := &LoginResult{Secret: NewSecret(32), CSRFToken: NewSecret(32), ExpiresAt: now.Add(s.cfg.SessionTTL), User: u}
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		if err := tx.ResetLoginFailures(ctx, u.ID); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, HashSecret(res.Secret), &docketcard.Session{
			UserID: u.ID, CSRFToken: res.CSRFToken, CreatedAt: now, ExpiresAt: res.ExpiresAt,
		}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(actor, docketcard.ActionLogin, "user", u.ID, "", "session"))
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Logout ends the session with the given secret.
func (s *Service) Logout(ctx context.Context, a docketcard.Actor, secret string) error {
	return s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		if err := tx.DeleteSession(ctx, HashSecret(secret)); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionLogout, "user", a.UserID, "", ""))
	})
}

// AuthenticateSession returns the actor and CSRF token of a live session.
func (s *Service) AuthenticateSession(ctx context.Context, secret string) (docketcard.Actor, string, error) {
	var sess *docketcard.Session
	var u *docketcard.User
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if sess, err = tx.GetSession(ctx, HashSecret(secret)); err != nil {
			return err
		}
		u, err = tx.GetUser(ctx, sess.UserID)
		return err
	})
	if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
		return docketcard.Actor{}, "", docketcard.Errorf(docketcard.EUNAUTHORIZED, "Your session has ended; sign in again.")
	} else if err != nil {
		return docketcard.Actor{}, "", err
	}
	if !s.now().Before(sess.ExpiresAt) || u.Disabled {
		return docketcard.Actor{}, "", docketcard.Errorf(docketcard.EUNAUTHORIZED, "Your session has ended; sign in again.")
	}
	return docketcard.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles, Sites: u.Sites, Agency: u.Agency, Via: "session"}, sess.CSRFToken, nil
}

// AuthenticateToken returns the actor of a valid API token.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (docketcard.Actor, error) {
	bad := docketcard.Errorf(docketcard.EUNAUTHORIZED, "Invalid, expired or revoked API token.")
	if !strings.HasPrefix(secret, TokenPrefix) {
		return docketcard.Actor{}, bad
	}
	hash := HashSecret(secret)
	now := s.now()
	if a, ok := s.tokens.get(hash, now); ok {
		return a, nil
	}
	gen := s.tokens.generation()
	var tok *docketcard.APIToken
	var u *docketcard.User
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if tok, err = tx.GetTokenByHash(ctx, hash); err != nil {
			return err
		}
		u, err = tx.GetUser(ctx, tok.UserID)
		return err
	})
	if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
		return docketcard.Actor{}, bad
	} else if err != nil {
		return docketcard.Actor{}, err
	}
	if tok.RevokedAt != nil || !now.Before(tok.ExpiresAt) || u.Disabled {
		return docketcard.Actor{}, bad
	}
	// Record use at most once a minute per token, to keep reads cheap.
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) > time.Minute {
		_ = s.store.WithTx(ctx, func(tx docketcard.Tx) error { return tx.TouchToken(ctx, tok.ID, now) })
	}
	a := docketcard.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles, Sites: u.Sites, Agency: u.Agency, Via: "token", TokenID: tok.ID}
	until := now.Add(tokenCacheTTL)
	if tok.ExpiresAt.Before(until) {
		until = tok.ExpiresAt
	}
	s.tokens.put(hash, a, until, gen)
	return a, nil
}

// tokenCacheTTL bounds how long a server keeps trusting a token it has
// checked: a verifier's phone sends many requests a minute, and each used
// to cost a database read of the token and its user. A token revoked (or
// a user disabled) on this server stops at once; on another server within
// this time.
const tokenCacheTTL = 5 * time.Second

type tokenCache struct {
	mu  sync.Mutex
	m   map[string]cachedToken
	gen uint64 // bumped by clear: a read that began before a clear is not cached
}

func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

type cachedToken struct {
	actor docketcard.Actor
	until time.Time
}

func (c *tokenCache) get(hash string, now time.Time) (docketcard.Actor, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || !now.Before(e.until) || now.Before(e.until.Add(-2*tokenCacheTTL)) {
		return docketcard.Actor{}, false
	}
	a := e.actor
	a.Roles, a.Sites = slices.Clone(a.Roles), slices.Clone(a.Sites)
	return a, true
}

func (c *tokenCache) put(hash string, a docketcard.Actor, until time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // a revocation or user change happened while we read
	}
	if c.m == nil || len(c.m) > 10_000 {
		c.m = map[string]cachedToken{}
	}
	c.m[hash] = cachedToken{actor: a, until: until}
}

// clear forgets every cached token (after a revocation or a user change).
func (c *tokenCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.gen++
	c.mu.Unlock()
}

// CreatedToken is a new API token; Secret is shown once and never stored.
type CreatedToken struct {
	docketcard.APIToken
	Secret string `json:"secret"`
}

// CreateToken issues an API token for userID. Admins may issue tokens for
// any user; any user may issue tokens for themself.
func (s *Service) CreateToken(ctx context.Context, a docketcard.Actor, userID, name string, ttl time.Duration) (*CreatedToken, error) {
	if a.UserID != userID || a.System {
		if err := a.Authorize(docketcard.PermUserWrite, ""); err != nil {
			return nil, err
		}
	} else if a.UserID == "" {
		return nil, docketcard.Errorf(docketcard.EUNAUTHORIZED, "Sign in to continue.")
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return nil, &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid token: name: is required and at most 100 characters",
			Fields: []docketcard.FieldError{{Field: "name", Message: "is required and at most 100 characters"}}}
	}
	if ttl == 0 {
		ttl = s.cfg.TokenTTL
	}
	if ttl < time.Minute || ttl > s.cfg.MaxTokenTTL {
		return nil, &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid token: ttl: must be between one minute and one year",
			Fields: []docketcard.FieldError{{Field: "ttl_hours", Message: "must be between one minute and one year"}}}
	}
	now := s.now()
	ct := &CreatedToken{
		APIToken: docketcard.APIToken{ID: s.newID(), UserID: userID, Name: name, CreatedAt: now, ExpiresAt: now.Add(ttl)},
		Secret:   TokenPrefix + NewSecret(32),
	}
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		if _, err := tx.GetUser(ctx, userID); err != nil {
			return err
		}
		if err := tx.CreateToken(ctx, &ct.APIToken, HashSecret(ct.Secret)); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionTokenCreate, "api_token", ct.ID, "", "user "+userID))
	})
	if err != nil {
		return nil, err
	}
	return ct, nil
}

// ListTokens lists a user's tokens (not their secrets).
func (s *Service) ListTokens(ctx context.Context, a docketcard.Actor, userID string) ([]*docketcard.APIToken, error) {
	if a.UserID != userID || a.System {
		if err := a.Authorize(docketcard.PermUserRead, ""); err != nil {
			return nil, err
		}
	}
	var out []*docketcard.APIToken
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		if _, err := tx.GetUser(ctx, userID); err != nil {
			return err
		}
		var err error
		out, err = tx.ListTokens(ctx, userID)
		return err
	})
	return out, err
}

// RevokeToken revokes one of a user's tokens.
func (s *Service) RevokeToken(ctx context.Context, a docketcard.Actor, userID, tokenID string) error {
	if a.UserID != userID || a.System {
		if err := a.Authorize(docketcard.PermUserWrite, ""); err != nil {
			return err
		}
	}
	// Forget cached tokens once the revocation has committed.
	defer s.tokens.clear()
	return s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		toks, err := tx.ListTokens(ctx, userID)
		if err != nil {
			return err
		}
		found := false
		for _, t := range toks {
			found = found || t.ID == tokenID
		}
		if !found {
			return docketcard.Errorf(docketcard.ENOTFOUND, "Token not found.")
		}
		if err := tx.RevokeToken(ctx, tokenID, s.now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionTokenRevoke, "api_token", tokenID, "", "user "+userID))
	})
}

// CleanupSessions deletes expired sessions.
func (s *Service) CleanupSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		var err error
		n, err = tx.DeleteExpiredSessions(ctx, s.now())
		return err
	})
	return n, err
}
