package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// errLogin is the one answer to every failed login, so that it never tells which part was wrong.
func errLogin() error { return errs.E(errs.Unauthorized, "wrong user name or password") }

// Login checks a password and opens a session, returning the cookie secret. Failures are
// audited; too many in a row lock the account, too many from one address are throttled.
func (s *Service) Login(ctx context.Context, username, password, ip string) (string, User, error) {
	if !s.allowAttempt(ip) {
		return "", User{}, errs.E(errs.RateLimited, "too many login attempts; wait a minute")
	}
	now := s.clock.Now()
	u, err := userWhere(ctx, s.db.Read, "u.username = $1", username)
	if errs.Is(err, errs.NotFound) {
		_, _ = CheckPassword(dummyHash(), password) // same cost as a real check
		s.recordLogin(ctx, nil, ip, "failed", "unknown user")
		return "", User{}, errLogin()
	}
	if err != nil {
		return "", User{}, err
	}
	who := u.principal(ip)
	if u.lockedUntil.Valid && u.lockedUntil.Time.After(now) {
		s.recordLogin(ctx, who, ip, "denied", "locked")
		return "", User{}, errs.E(errs.RateLimited, "the account is locked after repeated failures; try again later")
	}
	ok, err := CheckPassword(u.passwordHash, password)
	if err != nil {
		return "", User{}, fmt.Errorf("check password: %w", err)
	}
	if !ok || u.Disabled {
		err := s.db.InTx(ctx, func(tx *sql.Tx) error {
			var locked any
			if u.failures+1 >= s.cfg.MaxFailures {
				locked = store.TS(now.Add(s.cfg.Lockout))
			}
			_, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1, locked_until = COALESCE($1, locked_until) WHERE id = $2`, locked, u.ID)
			if err != nil {
				return err
			}
			reason := "wrong password"
			if u.Disabled {
				reason = "disabled"
			}
			return audit.Record(ctx, tx, who, now, audit.Event{Action: "login", ObjectType: "user", ObjectID: u.ID, Outcome: "failed", Detail: reason})
		})
		if err != nil {
			return "", User{}, fmt.Errorf("record failed login: %w", err)
		}
		return "", User{}, errLogin()
	}
	secret, hash := newSecret("")
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)`,
			hash, u.ID, store.TS(now), store.TS(now.Add(s.cfg.SessionAbsolute))); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2`, store.TS(now), u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, now, audit.Event{Action: "login", ObjectType: "user", ObjectID: u.ID})
	})
	if err != nil {
		return "", User{}, fmt.Errorf("open session: %w", err)
	}
	return secret, u, nil
}

func (s *Service) recordLogin(ctx context.Context, who *access.Principal, ip, outcome, detail string) {
	if who == nil {
		who = &access.Principal{Username: "anonymous", IP: ip}
	}
	_ = s.db.InTx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, who, s.clock.Now(), audit.Event{Action: "login", ObjectType: "user", Outcome: outcome, Detail: detail})
	})
}

// Logout ends the session of a cookie secret.
func (s *Service) Logout(ctx context.Context, secret string) error {
	_, err := s.db.Write.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, hashSecret(secret))
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// Session returns the principal of a session cookie, enforcing idle and absolute expiry.
func (s *Service) Session(ctx context.Context, secret, ip string) (*access.Principal, error) {
	now := s.clock.Now()
	var userID string
	var lastSeen, expires time.Time
	err := s.db.Read.QueryRowContext(ctx, `SELECT user_id, last_seen_at, expires_at FROM sessions WHERE id = $1`, hashSecret(secret)).
		Scan(&userID, &lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.Unauthorized, "not logged in")
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	if now.After(expires) || now.Sub(lastSeen) > s.cfg.SessionIdle {
		_ = s.Logout(ctx, secret)
		return nil, errs.E(errs.Unauthorized, "the session has expired; log in again")
	}
	u, err := userWhere(ctx, s.db.Read, "u.id = $1", userID)
	if err != nil || u.Disabled {
		return nil, errs.E(errs.Unauthorized, "not logged in")
	}
	if now.Sub(lastSeen) > time.Minute { // write at most once a minute per session
		if _, err := s.db.Write.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, store.TS(now), hashSecret(secret)); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return u.principal(ip), nil
}

// PurgeExpired deletes expired sessions; a periodic job calls it.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	res, err := s.db.Write.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2`,
		store.TS(now), store.TS(now.Add(-s.cfg.SessionIdle)))
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := s.db.Write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, store.TS(now.Add(-24*time.Hour))); err != nil {
		return n, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return n, nil
}
