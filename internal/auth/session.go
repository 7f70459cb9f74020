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

// pendingLogin is how long the second step of a login (the MFA code) may take.
const pendingLogin = 5 * time.Minute

// errLogin is the one answer to every failed login, so that it never tells which part was wrong.
func errLogin() error { return errs.E(errs.Unauthorized, "wrong user name or password") }

// errLocked answers a login or re-authentication of a locked account.
func errLocked() error {
	return errs.E(errs.RateLimited, "the account is locked after repeated failures; try again later")
}

// LoginResult is the outcome of a login step that succeeded.
type LoginResult struct {
	Secret string // the session cookie's value
	User   User
	// NeedCode is set when the user has MFA: the session is only the pending second step
	// (it authenticates nothing) until LoginCode accepts a code within 5 minutes.
	NeedCode bool
}

// Login checks a password and opens a session, returning the cookie secret. For a user
// with MFA the session is pending until LoginCode. Failures are audited; too many in a row
// (wrong passwords and wrong codes together) lock the account, too many from one address
// are throttled.
func (s *Service) Login(ctx context.Context, username, password, ip string) (LoginResult, error) {
	if !s.allowAttempt(ip) {
		return LoginResult{}, errs.E(errs.RateLimited, "too many login attempts; wait a minute")
	}
	now := s.clock.Now()
	u, err := userWhere(ctx, s.db.Read, "u.username = $1", username)
	if errs.Is(err, errs.NotFound) {
		_, _ = CheckPassword(dummyHash(), password) // same cost as a real check
		s.recordLogin(ctx, nil, ip, "failed", "unknown user")
		return LoginResult{}, errLogin()
	}
	if err != nil {
		return LoginResult{}, err
	}
	who := u.principal(ip)
	if u.lockedUntil.Valid && u.lockedUntil.Time.After(now) {
		s.recordLogin(ctx, who, ip, "denied", "locked")
		return LoginResult{}, errLocked()
	}
	ok, err := CheckPassword(u.passwordHash, password)
	if err != nil {
		return LoginResult{}, fmt.Errorf("check password: %w", err)
	}
	if !ok || u.Disabled {
		reason := "wrong password"
		if u.Disabled {
			reason = "disabled"
		}
		err := s.db.InTx(ctx, func(tx *sql.Tx) error {
			_, err := s.countFailure(ctx, tx, u, now)
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, who, now, audit.Event{Action: "login", ObjectType: "user", ObjectID: u.ID, Outcome: "failed", Detail: reason})
		})
		if err != nil {
			return LoginResult{}, fmt.Errorf("record failed login: %w", err)
		}
		return LoginResult{}, errLogin()
	}
	secret, hash := newSecret("")
	res := LoginResult{Secret: secret, User: u, NeedCode: u.MFAEnabled}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if u.MFAEnabled {
			// Failures are not reset: wrong codes keep counting towards the lockout.
			if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, mfa_pending) VALUES ($1, $2, $3, $3, $4, TRUE)`,
				hash, u.ID, store.TS(now), store.TS(now.Add(pendingLogin))); err != nil {
				return err
			}
			return audit.Record(ctx, tx, who, now, audit.Event{Action: "login.password", ObjectType: "user", ObjectID: u.ID,
				Detail: "password accepted; MFA code due"})
		}
		if err := s.openSession(ctx, tx, u, hash, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, now, audit.Event{Action: "login", ObjectType: "user", ObjectID: u.ID})
	})
	if err != nil {
		return LoginResult{}, fmt.Errorf("open session: %w", err)
	}
	return res, nil
}

// openSession stores a full session, authenticated now, and clears the failure count.
func (s *Service) openSession(ctx context.Context, tx *sql.Tx, u User, hash string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, auth_at) VALUES ($1, $2, $3, $3, $4, $3)`,
		hash, u.ID, store.TS(now), store.TS(now.Add(s.cfg.SessionAbsolute))); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2`, store.TS(now), u.ID)
	return err
}

// countFailure counts a failed password or code towards the lockout and reports whether
// the account is now locked.
func (s *Service) countFailure(ctx context.Context, tx *sql.Tx, u User, now time.Time) (bool, error) {
	var locked any
	if u.failures+1 >= s.cfg.MaxFailures {
		locked = store.TS(now.Add(s.cfg.Lockout))
	}
	_, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1, locked_until = COALESCE($1, locked_until) WHERE id = $2`, locked, u.ID)
	return locked != nil, err
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

// sessionRow is a stored session with what the request needs to know about its user.
type sessionRow struct {
	userID      string
	lastSeen    time.Time
	expires     time.Time
	created     time.Time
	authAt      sql.NullTime
	pending     bool
	mfaEnabled  bool
	requireMFA  sql.NullString
	hash        string
	authenticAt time.Time // authAt, or for sessions older than re-authentication, created
}

func (s *Service) loadSession(ctx context.Context, q store.Querier, secret string) (sessionRow, error) {
	r := sessionRow{hash: hashSecret(secret)}
	err := q.QueryRowContext(ctx, `SELECT s.user_id, s.last_seen_at, s.expires_at, s.created_at, s.auth_at, s.mfa_pending,
			EXISTS (SELECT 1 FROM mfa_totp m WHERE m.id = s.user_id AND m.confirmed_at IS NOT NULL),
			(SELECT value FROM settings WHERE key = $2)
		FROM sessions s WHERE s.id = $1`, r.hash, settingRequireMFA).
		Scan(&r.userID, &r.lastSeen, &r.expires, &r.created, &r.authAt, &r.pending, &r.mfaEnabled, &r.requireMFA)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.E(errs.Unauthorized, "not logged in")
	}
	if err != nil {
		return r, fmt.Errorf("load session: %w", err)
	}
	r.authenticAt = r.created.UTC()
	if r.authAt.Valid {
		r.authenticAt = r.authAt.Time.UTC()
	}
	return r, nil
}

// Session returns the principal of a session cookie, enforcing idle and absolute expiry.
// A login still waiting for its MFA code is no session yet. When MFA is required for the
// user's role and not set up, the principal may only enroll (MFAEnrollOnly).
func (s *Service) Session(ctx context.Context, secret, ip string) (*access.Principal, error) {
	now := s.clock.Now()
	r, err := s.loadSession(ctx, s.db.Read, secret)
	if err != nil {
		return nil, err
	}
	if r.pending {
		return nil, errs.E(errs.Unauthorized, "not logged in: the login waits for its MFA code")
	}
	if now.After(r.expires) || now.Sub(r.lastSeen) > s.cfg.SessionIdle {
		_ = s.Logout(ctx, secret)
		return nil, errs.E(errs.Unauthorized, "the session has expired; log in again")
	}
	u, err := userWhere(ctx, s.db.Read, "u.id = $1", r.userID)
	if err != nil || u.Disabled {
		return nil, errs.E(errs.Unauthorized, "not logged in")
	}
	if now.Sub(r.lastSeen) > time.Minute { // write at most once a minute per session
		if _, err := s.db.Write.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, store.TS(now), r.hash); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	p := u.principal(ip)
	p.AuthAt = r.authenticAt
	p.MFAEnrollOnly = r.requireMFA.String == "true" && MFARequiredFor(p.Role) && !r.mfaEnabled
	return p, nil
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
