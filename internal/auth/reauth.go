package auth

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// ReauthWindow is how recently the password (and code) must have been entered for a
// sensitive action: role and scope changes, disabling, password changes, MFA changes,
// security settings, exports of unmasked data.
const ReauthWindow = 5 * time.Minute

// ProblemReauth is the RFC 9457 problem type of a sensitive action refused for want of a
// recent re-authentication.
const ProblemReauth = "urn:lifeline:problem:reauth-required"

// ReauthRequired is the error of a sensitive action without a recent re-authentication:
// a Forbidden domain error that also names its problem type.
type ReauthRequired struct{ err *errs.Error }

func (e *ReauthRequired) Error() string { return e.err.Error() }

// Unwrap gives the domain error (kind Forbidden, user-safe message).
func (e *ReauthRequired) Unwrap() error { return e.err }

// ProblemType is the problem document's type.
func (e *ReauthRequired) ProblemType() string { return ProblemReauth }

// RecentlyAuthenticated reports whether the principal entered their password (and MFA
// code) within the last `within`: at login or with Reauth. Only web sessions can be
// recently authenticated; API tokens never are, since a token proves possession of a
// long-lived secret, not the presence of the person.
func (s *Service) RecentlyAuthenticated(p *access.Principal, within time.Duration) bool {
	if p == nil || p.AuthAt.IsZero() {
		return false
	}
	age := s.clock.Now().Sub(p.AuthAt)
	return age <= within && age > -time.Minute
}

// RequireRecentAuth returns nil when the principal re-authenticated within ReauthWindow,
// else a *ReauthRequired (403) telling how to re-authenticate.
func (s *Service) RequireRecentAuth(p *access.Principal) error {
	if s.RecentlyAuthenticated(p, ReauthWindow) {
		return nil
	}
	msg := "re-authenticate: this action needs your password (and MFA code) entered within the last 5 minutes; POST /api/v1/session/reauth, then retry"
	if p != nil && p.AuthAt.IsZero() {
		msg = "re-authenticate: this action needs a web session with your password (and MFA code) entered within the last 5 minutes; API tokens cannot do it"
	}
	return &ReauthRequired{err: errs.E(errs.Forbidden, "%s", msg)}
}

// Reauth confirms the password (and, with MFA, a code or recovery code) of the session of
// secret and marks the session as authenticated now. Failures count towards the lockout
// and are audited; a failure that locks the account also ends the session.
func (s *Service) Reauth(ctx context.Context, secret, password, code, ip string) (time.Time, error) {
	if !s.allowAttempt(ip) {
		return time.Time{}, errs.E(errs.RateLimited, "too many attempts; wait a minute")
	}
	now := s.clock.Now()
	r, err := s.loadSession(ctx, s.db.Read, secret)
	if err != nil {
		return time.Time{}, err
	}
	if r.pending || now.After(r.expires) || now.Sub(r.lastSeen) > s.cfg.SessionIdle {
		return time.Time{}, errs.E(errs.Unauthorized, "not logged in")
	}
	u, err := userWhere(ctx, s.db.Read, "u.id = $1", r.userID)
	if err != nil || u.Disabled {
		return time.Time{}, errs.E(errs.Unauthorized, "not logged in")
	}
	who := u.principal(ip)
	if u.lockedUntil.Valid && u.lockedUntil.Time.After(now) {
		return time.Time{}, errLocked()
	}
	// Asked before the password is checked, so that the answer says nothing about it.
	if u.MFAEnabled && normalizeCode(code) == "" {
		return time.Time{}, &errs.Error{Kind: errs.Invalid, Message: "validation failed",
			Fields: []errs.FieldError{{Field: "code", Message: "required: the code from your authenticator app or a recovery code"}}}
	}
	ok, err := CheckPassword(u.passwordHash, password)
	if err != nil {
		return time.Time{}, fmt.Errorf("check password: %w", err)
	}
	var failure error
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		method := "password"
		if ok && u.MFAEnabled {
			m, err := s.checkCode(ctx, tx, u.ID, code, now)
			if err != nil {
				return err
			}
			ok, method = m != "", "password and "+m
			if m == "recovery code" {
				if err := s.recordRecoveryUse(ctx, tx, who, u.ID, "re-authentication", now); err != nil {
					return err
				}
			}
		}
		if !ok {
			locked, err := s.countFailure(ctx, tx, u, now)
			if err != nil {
				return err
			}
			failure = errs.E(errs.Unauthorized, "wrong password or code")
			if locked {
				failure = errLocked()
				if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, r.hash); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, who, now, audit.Event{Action: "reauth", ObjectType: "user", ObjectID: u.ID, Outcome: "failed", Detail: "wrong password or code"})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET auth_at = $1, last_seen_at = $1 WHERE id = $2`, store.TS(now), r.hash); err != nil {
			return fmt.Errorf("mark session: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, now, audit.Event{Action: "reauth", ObjectType: "user", ObjectID: u.ID, Detail: method})
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("re-authenticate: %w", err)
	}
	if failure != nil {
		return time.Time{}, failure
	}
	return now.UTC(), nil
}
