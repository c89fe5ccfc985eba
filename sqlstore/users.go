package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/docketcard/docketcard"
)

const userCols = `id, username, display_name, agency, disabled, locked_until, version, created_at, updated_at`

func (t *tx) scanUsers(ctx context.Context, where string, args ...any) ([]*docketcard.User, error) {
	rows, err := t.query(ctx, `SELECT `+userCols+` FROM users `+where, args...)
	if err != nil {
		return nil, translate("users", err)
	}
	defer rows.Close()
	out := []*docketcard.User{}
	byID := map[string]*docketcard.User{}
	for rows.Next() {
		var u docketcard.User
		var locked sql.NullTime
		if err := rows.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Agency, &u.Disabled, &locked, &u.Version, &u.CreatedAt, &u.UpdatedAt); err != nil {
			return nil, translate("users", err)
		}
		u.LockedUntil = fromNullTS(locked)
		u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
		u.Roles, u.Sites = []docketcard.Role{}, []string{}
		out = append(out, &u)
		byID[u.ID] = &u
	}
	if err := rows.Err(); err != nil {
		return nil, translate("users", err)
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]any, 0, len(out))
	for _, u := range out {
		ids = append(ids, u.ID)
	}
	in := `(` + placeholders(len(ids)) + `)`
	rr, err := t.query(ctx, `SELECT user_id, role FROM user_roles WHERE user_id IN `+in+` ORDER BY user_id, role`, ids...)
	if err != nil {
		return nil, translate("users", err)
	}
	for rr.Next() {
		var id string
		var r docketcard.Role
		if err := rr.Scan(&id, &r); err != nil {
			rr.Close()
			return nil, translate("users", err)
		}
		byID[id].Roles = append(byID[id].Roles, r)
	}
	rr.Close()
	rs, err := t.query(ctx, `SELECT user_id, site_code FROM user_sites WHERE user_id IN `+in+` ORDER BY user_id, site_code`, ids...)
	if err != nil {
		return nil, translate("users", err)
	}
	defer rs.Close()
	for rs.Next() {
		var id, s string
		if err := rs.Scan(&id, &s); err != nil {
			return nil, translate("users", err)
		}
		byID[id].Sites = append(byID[id].Sites, s)
	}
	// Roles are listed in the canonical order, not alphabetically.
	for _, u := range out {
		ordered := []docketcard.Role{}
		for _, r := range docketcard.Roles {
			for _, have := range u.Roles {
				if have == r {
					ordered = append(ordered, r)
				}
			}
		}
		u.Roles = ordered
	}
	return out, translate("users", rs.Err())
}

func (t *tx) putRolesSites(ctx context.Context, u *docketcard.User) error {
	if _, err := t.exec(ctx, `DELETE FROM user_roles WHERE user_id = ?`, u.ID); err != nil {
		return translate("putRolesSites", err)
	}
	if _, err := t.exec(ctx, `DELETE FROM user_sites WHERE user_id = ?`, u.ID); err != nil {
		return translate("putRolesSites", err)
	}
	for _, r := range u.Roles {
		if _, err := t.exec(ctx, `INSERT INTO user_roles (user_id, role) VALUES (?, ?)`, u.ID, string(r)); err != nil {
			return translate("putRolesSites", err)
		}
	}
	for _, s := range u.Sites {
		if _, err := t.exec(ctx, `INSERT INTO user_sites (user_id, site_code) VALUES (?, ?)`, u.ID, s); err != nil {
			if err = translate("putRolesSites", err); docketcard.ErrorCode(err) == docketcard.EINVALID {
				return docketcard.Errorf(docketcard.EINVALID, "Site %s does not exist.", s)
			}
			return err
		}
	}
	return nil
}

// CreateUser inserts u with its roles, sites and password hash.
func (t *tx) CreateUser(ctx context.Context, u *docketcard.User, passwordHash string) error {
	u.Version = 1
	u.CreatedAt, u.UpdatedAt = ts(u.CreatedAt), ts(u.UpdatedAt)
	_, err := t.exec(ctx, `INSERT INTO users (id, username, display_name, agency, password_hash, password_set_at, disabled,
		failed_logins, locked_until, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?)`,
		u.ID, u.Username, u.DisplayName, u.Agency, passwordHash, u.CreatedAt, u.Disabled, u.Version, u.CreatedAt, u.UpdatedAt)
	if err = translate("CreateUser", err); docketcard.ErrorCode(err) == docketcard.ECONFLICT {
		return docketcard.Errorf(docketcard.ECONFLICT, "User %s already exists.", u.Username)
	} else if err != nil {
		return err
	}
	return t.putRolesSites(ctx, u)
}

func (t *tx) oneUser(ctx context.Context, where string, arg any) (*docketcard.User, error) {
	us, err := t.scanUsers(ctx, where, arg)
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "User not found.")
	}
	return us[0], nil
}

// GetUser returns a user by ID.
func (t *tx) GetUser(ctx context.Context, id string) (*docketcard.User, error) {
	return t.oneUser(ctx, `WHERE id = ?`, id)
}

// GetUserByUsername returns a user by username.
func (t *tx) GetUserByUsername(ctx context.Context, username string) (*docketcard.User, error) {
	return t.oneUser(ctx, `WHERE username = ?`, username)
}

// ListUsers returns every user by username.
func (t *tx) ListUsers(ctx context.Context) ([]*docketcard.User, error) {
	return t.scanUsers(ctx, `ORDER BY username`)
}

// UpdateUser writes display name, disabled flag, lock, roles and sites if
// u.Version is current.
func (t *tx) UpdateUser(ctx context.Context, u *docketcard.User) error {
	u.UpdatedAt = ts(u.UpdatedAt)
	// Clearing the lock also clears the failure count.
	unlocked := u.LockedUntil == nil
	res, err := t.exec(ctx, `UPDATE users SET display_name = ?, agency = ?, disabled = ?, locked_until = ?,
		failed_logins = CASE WHEN ? THEN 0 ELSE failed_logins END,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		u.DisplayName, u.Agency, u.Disabled, nullTS(u.LockedUntil), unlocked, u.UpdatedAt, u.ID, u.Version)
	if err != nil {
		return translate("UpdateUser", err)
	}
	if err := t.checkVersion(ctx, res, "users", "id", u.ID, "User"); err != nil {
		return err
	}
	u.Version++
	return t.putRolesSites(ctx, u)
}

// PasswordHash returns the stored argon2id hash of a user's password.
func (t *tx) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h string
	err := t.queryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, userID).Scan(&h)
	return h, translate("PasswordHash", err)
}

// SetPasswordHash replaces a user's password hash and clears the lock.
func (t *tx) SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE users SET password_hash = ?, password_set_at = ?, failed_logins = 0, locked_until = NULL,
		version = version + 1, updated_at = ? WHERE id = ?`, hash, ts(at), ts(at), userID)
	if err != nil {
		return translate("SetPasswordHash", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return docketcard.Errorf(docketcard.ENOTFOUND, "User not found.")
	}
	return nil
}

// RecordLoginFailure counts a failure and locks the account when the
// count reaches threshold.
func (t *tx) RecordLoginFailure(ctx context.Context, userID string, threshold int, lockUntil time.Time) (int, error) {
	var n int
	err := t.queryRow(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, userID).Scan(&n)
	if err != nil {
		return 0, translate("RecordLoginFailure", err)
	}
	if n >= threshold {
		if _, err := t.exec(ctx, `UPDATE users SET locked_until = ?, failed_logins = 0 WHERE id = ?`, ts(lockUntil), userID); err != nil {
			return n, translate("RecordLoginFailure", err)
		}
	}
	return n, nil
}

// ResetLoginFailures clears the failure count after a good sign-in.
func (t *tx) ResetLoginFailures(ctx context.Context, userID string) error {
	_, err := t.exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ? AND (failed_logins <> 0 OR locked_until IS NOT NULL)`, userID)
	return translate("ResetLoginFailures", err)
}

// CreateSession stores a session under the hash of its secret.
func (t *tx) CreateSession(ctx context.Context, tokenHash string, s *docketcard.Session) error {
	_, err := t.exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		tokenHash, s.UserID, s.CSRFToken, ts(s.CreatedAt), ts(s.ExpiresAt))
	return translate("CreateSession", err)
}

// GetSession returns the session stored under tokenHash.
func (t *tx) GetSession(ctx context.Context, tokenHash string) (*docketcard.Session, error) {
	var s docketcard.Session
	err := t.queryRow(ctx, `SELECT user_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = ?`, tokenHash).
		Scan(&s.UserID, &s.CSRFToken, &s.CreatedAt, &s.ExpiresAt)
	if err != nil {
		return nil, translate("GetSession", err)
	}
	return &s, nil
}

// DeleteSession ends a session.
func (t *tx) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return translate("DeleteSession", err)
}

// DeleteUserSessions ends every session of a user.
func (t *tx) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return translate("DeleteUserSessions", err)
}

// DeleteExpiredSessions removes sessions past their expiry.
func (t *tx) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := t.exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, ts(now))
	if err != nil {
		return 0, translate("DeleteExpiredSessions", err)
	}
	return res.RowsAffected()
}

const tokenCols = `id, user_id, name, created_at, expires_at, revoked_at, last_used_at`

func scanToken(sc interface{ Scan(...any) error }) (*docketcard.APIToken, error) {
	var t docketcard.APIToken
	var revoked, used sql.NullTime
	if err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.ExpiresAt, &revoked, &used); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	t.RevokedAt, t.LastUsedAt = fromNullTS(revoked), fromNullTS(used)
	return &t, nil
}

// CreateToken stores an API token under the hash of its secret.
func (t *tx) CreateToken(ctx context.Context, tok *docketcard.APIToken, tokenHash string) error {
	tok.CreatedAt, tok.ExpiresAt = ts(tok.CreatedAt), ts(tok.ExpiresAt)
	_, err := t.exec(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		tok.ID, tok.UserID, tok.Name, tokenHash, tok.CreatedAt, tok.ExpiresAt)
	return translate("CreateToken", err)
}

// GetTokenByHash finds a token by the hash of its secret.
func (t *tx) GetTokenByHash(ctx context.Context, tokenHash string) (*docketcard.APIToken, error) {
	tok, err := scanToken(t.queryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = ?`, tokenHash))
	if err != nil {
		return nil, translate("GetTokenByHash", err)
	}
	return tok, nil
}

// ListTokens lists a user's tokens, newest first.
func (t *tx) ListTokens(ctx context.Context, userID string) ([]*docketcard.APIToken, error) {
	rows, err := t.query(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id`, userID)
	if err != nil {
		return nil, translate("ListTokens", err)
	}
	defer rows.Close()
	out := []*docketcard.APIToken{}
	for rows.Next() {
		tok, err := scanToken(rows)
		if err != nil {
			return nil, translate("ListTokens", err)
		}
		out = append(out, tok)
	}
	return out, translate("ListTokens", rows.Err())
}

// RevokeToken marks a token revoked.
func (t *tx) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ts(at), id)
	if err != nil {
		return translate("RevokeToken", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return docketcard.Errorf(docketcard.ENOTFOUND, "Token not found or already revoked.")
	}
	return nil
}

// TouchToken records when a token was last used.
func (t *tx) TouchToken(ctx context.Context, id string, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, ts(at), id)
	return translate("TouchToken", err)
}
