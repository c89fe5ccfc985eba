package service

import (
	"context"
	"strings"

	"github.com/docketcard/docketcard"
)

// ListUsers lists every user (admins only).
func (s *Service) ListUsers(ctx context.Context, a docketcard.Actor) ([]*docketcard.User, error) {
	if err := a.Authorize(docketcard.PermUserRead, ""); err != nil {
		return nil, err
	}
	var out []*docketcard.User
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		out, err = tx.ListUsers(ctx)
		return err
	})
	return out, err
}

// GetUser returns a user; users may read their own record.
func (s *Service) GetUser(ctx context.Context, a docketcard.Actor, id string) (*docketcard.User, error) {
	if a.UserID != id || a.System {
		if err := a.Authorize(docketcard.PermUserRead, ""); err != nil {
			return nil, err
		}
	}
	var u *docketcard.User
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		u, err = tx.GetUser(ctx, id)
		return err
	})
	return u, err
}

// CreateUser creates a user with a password.
func (s *Service) CreateUser(ctx context.Context, a docketcard.Actor, in docketcard.UserInput) (*docketcard.User, error) {
	if err := a.Authorize(docketcard.PermUserWrite, ""); err != nil {
		return nil, err
	}
	u, err := in.Validate()
	if err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password, s.cfg.Password)
	if err != nil {
		return nil, err
	}
	u.ID, u.CreatedAt, u.UpdatedAt = s.newID(), s.now(), s.now()
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		if err := tx.CreateUser(ctx, u, hash); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionCreate, "user", u.ID, "", "roles="+joinRoles(u.Roles)+" sites="+strings.Join(u.Sites, ",")))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func joinRoles(rs []docketcard.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// UpdateUser changes a user's name, roles, sites, disabled flag or lock.
// Disabling a user ends their sessions.
func (s *Service) UpdateUser(ctx context.Context, a docketcard.Actor, id string, p docketcard.UserPatch) (*docketcard.User, error) {
	defer s.tokens.clear() // roles, sites or the disabled flag may change
	if err := a.Authorize(docketcard.PermUserWrite, ""); err != nil {
		return nil, err
	}
	if p.Version == nil {
		return nil, versionRequired()
	}
	var out *docketcard.User
	err := s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		cur, err := tx.GetUser(ctx, id)
		if err != nil {
			return err
		}
		u, err := p.Apply(*cur)
		if err != nil {
			return err
		}
		if a.UserID == id && p.Roles != nil && !containsRole(u.Roles, docketcard.RoleAdmin) {
			return docketcard.Errorf(docketcard.EINVALID, "You cannot remove your own admin role.")
		}
		u.Version, u.UpdatedAt = *p.Version, s.now()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if u.Disabled {
			if err := tx.DeleteUserSessions(ctx, id); err != nil {
				return err
			}
		}
		out = u
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionUpdate, "user", id, "", "roles="+joinRoles(u.Roles)+" sites="+strings.Join(u.Sites, ",")+" disabled="+boolStr(u.Disabled)))
	})
	return out, err
}

func containsRole(rs []docketcard.Role, r docketcard.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func versionRequired() error {
	return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid request: version: is required (send the version you read, so a concurrent change is not overwritten)",
		Fields: []docketcard.FieldError{{Field: "version", Message: "is required"}}}
}

// SetPassword sets a user's password. Users may change their own (with
// the current password); admins may reset anyone's. All sessions of the
// user end.
func (s *Service) SetPassword(ctx context.Context, a docketcard.Actor, id, current, next string) error {
	defer s.tokens.clear()
	self := a.UserID == id && !a.System
	if !self {
		if err := a.Authorize(docketcard.PermUserWrite, ""); err != nil {
			return err
		}
	}
	var u *docketcard.User
	var hash string
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if u, err = tx.GetUser(ctx, id); err != nil {
			return err
		}
		hash, err = tx.PasswordHash(ctx, id)
		return err
	})
	if err != nil {
		return err
	}
	good, err := withHashSlot(ctx, func() bool { return CheckPassword(current, hash) })
	if err != nil {
		return err
	}
	if self && !good {
		// A stolen session must not become a password-guessing oracle:
		// count the failure toward the lock-out and audit it.
		_ = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
			n, err := tx.RecordLoginFailure(ctx, id, s.cfg.LockoutThreshold, s.now().Add(s.cfg.LockoutDuration))
			if err != nil {
				return err
			}
			es := []*docketcard.AuditEntry{s.audit(a, docketcard.ActionLoginFailed, "user", id, "", "wrong current password on password change")}
			if n >= s.cfg.LockoutThreshold {
				es = append(es, s.audit(a, docketcard.ActionLocked, "user", id, "", "locked after repeated failures"))
				if err := tx.DeleteUserSessions(ctx, id); err != nil {
					return err
				}
			}
			return appendAudit(ctx, tx, es...)
		})
		return docketcard.Errorf(docketcard.EFORBIDDEN, "The current password is wrong.")
	}
	if err := docketcard.ValidatePassword(next, u.Username); err != nil {
		return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid password: " + docketcard.ErrorMessage(err),
			Fields: []docketcard.FieldError{{Field: "password", Message: docketcard.ErrorMessage(err)}}}
	}
	newHash, err := HashPassword(next, s.cfg.Password)
	if err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		if err := tx.SetPasswordHash(ctx, id, newHash, s.now()); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionPasswordSet, "user", id, "", ""))
	})
}
