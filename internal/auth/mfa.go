package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// recoveryCodeCount is how many recovery codes an enrollment gives.
const recoveryCodeCount = 10

// MFAStatus is the MFA state of an account.
type MFAStatus struct {
	Enabled           bool       `json:"enabled"`             // a TOTP authenticator is set up
	EnabledAt         *time.Time `json:"enabled_at"`          // when it was confirmed
	Pending           bool       `json:"pending"`             // an enrollment waits for its first code
	Required          bool       `json:"required"`            // the security settings require MFA for the account's role
	RecoveryCodesLeft int        `json:"recovery_codes_left"` // unused recovery codes
}

// MFAEnrollment is a started enrollment: the secret to put into an authenticator app.
type MFAEnrollment struct {
	Secret string `json:"secret"`      // base32, to type in by hand
	URI    string `json:"otpauth_uri"` // otpauth://totp/… for a QR code or a link
	Issuer string `json:"issuer"`
	Digits int    `json:"digits"`
	Period int    `json:"period"`
}

// RecoveryCodes are single-use codes that stand in for the authenticator; they are shown
// once and stored only hashed.
type RecoveryCodes struct {
	Codes []string `json:"recovery_codes"`
}

// MFARequiredFor reports whether the "MFA required" setting applies to a role.
func MFARequiredFor(r access.Role) bool { return r == access.Admin || r == access.SecurityOfficer }

func mfaContext(userID string) string { return "mfa:" + userID }

func (s *Service) needVault() error {
	if s.vault == nil {
		return errs.E(errs.Conflict, "MFA is not available: the server has no vault")
	}
	return nil
}

// MFAStatus returns the MFA state of an account the principal may see.
func (s *Service) MFAStatus(ctx context.Context, p *access.Principal, userID string) (MFAStatus, error) {
	u, err := s.visibleUser(ctx, s.db.Read, p, userID)
	if err != nil {
		return MFAStatus{}, err
	}
	var st MFAStatus
	var confirmed sql.NullTime
	err = s.db.Read.QueryRowContext(ctx, `SELECT confirmed_at FROM mfa_totp WHERE id = $1`, u.ID).Scan(&confirmed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return st, fmt.Errorf("load mfa: %w", err)
	default:
		st.Enabled, st.Pending, st.EnabledAt = confirmed.Valid, !confirmed.Valid, optTime(confirmed)
	}
	if err := s.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, u.ID).Scan(&st.RecoveryCodesLeft); err != nil {
		return st, fmt.Errorf("count recovery codes: %w", err)
	}
	set, err := s.securitySettings(ctx, s.db.Read)
	if err != nil {
		return st, err
	}
	st.Required = set.RequireMFA && MFARequiredFor(access.Role(u.Role))
	return st, nil
}

// BeginMFA starts (or restarts) the principal's own enrollment: a new secret, sealed at
// rest, that counts only once ConfirmMFA has seen a code from it. An account that has MFA
// must remove it first.
func (s *Service) BeginMFA(ctx context.Context, p *access.Principal) (MFAEnrollment, error) {
	if err := s.needVault(); err != nil {
		return MFAEnrollment{}, err
	}
	var out MFAEnrollment
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		u, err := userWhere(ctx, tx, "u.id = $1", p.UserID)
		if err != nil {
			return err
		}
		if u.MFAEnabled {
			return errs.E(errs.Conflict, "MFA is already set up; remove it first to enroll a new authenticator")
		}
		now := s.clock.Now()
		secret := newTOTPSecret()
		sealed := s.vault.Seal(secret, mfaContext(u.ID))
		if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_totp WHERE id = $1`, u.ID); err != nil {
			return fmt.Errorf("drop pending enrollment: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mfa_totp (id, secret, key_id, last_step, created_at) VALUES ($1, $2, $3, 0, $4)`,
			u.ID, sealed, vault.KeyID(sealed), store.TS(now)); err != nil {
			return fmt.Errorf("store enrollment: %w", err)
		}
		out = enrollment(u.Username, secret)
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "mfa.enroll.begin", ObjectType: "user", ObjectID: u.ID})
	})
	return out, err
}

func enrollment(username string, secret []byte) MFAEnrollment {
	return MFAEnrollment{Secret: b32.EncodeToString(secret), URI: otpauthURI(username, secret), Issuer: totpIssuer, Digits: totpDigits, Period: totpPeriod}
}

// PendingMFA returns the principal's enrollment that waits for its first code, so that
// the page can show it again after a wrong code. NotFound when there is none.
func (s *Service) PendingMFA(ctx context.Context, p *access.Principal) (MFAEnrollment, error) {
	if err := s.needVault(); err != nil {
		return MFAEnrollment{}, err
	}
	var sealed []byte
	err := s.db.Read.QueryRowContext(ctx, `SELECT secret FROM mfa_totp WHERE id = $1 AND confirmed_at IS NULL`, p.UserID).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return MFAEnrollment{}, errs.E(errs.NotFound, "no MFA enrollment is waiting; start one")
	}
	if err != nil {
		return MFAEnrollment{}, fmt.Errorf("load enrollment: %w", err)
	}
	secret, err := s.vault.Open(sealed, mfaContext(p.UserID))
	if err != nil {
		return MFAEnrollment{}, fmt.Errorf("open enrollment: %w", err)
	}
	return enrollment(p.Username, secret), nil
}

// ConfirmMFA completes the principal's enrollment with a first code from the
// authenticator and returns fresh recovery codes (shown once). The account's other
// sessions end, so that none stays logged in on the password alone; keepSession (the
// cookie secret of the current session, or "") stays. A wrong code is audited.
func (s *Service) ConfirmMFA(ctx context.Context, p *access.Principal, keepSession, code string) (RecoveryCodes, error) {
	if err := s.needVault(); err != nil {
		return RecoveryCodes{}, err
	}
	var codes RecoveryCodes
	wrong := false
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.clock.Now()
		var sealed []byte
		var confirmed sql.NullTime
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT secret, confirmed_at, last_step FROM mfa_totp WHERE id = $1`, p.UserID).Scan(&sealed, &confirmed, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.Conflict, "no MFA enrollment is waiting; start one")
		}
		if err != nil {
			return fmt.Errorf("load enrollment: %w", err)
		}
		if confirmed.Valid {
			return errs.E(errs.Conflict, "MFA is already set up")
		}
		secret, err := s.vault.Open(sealed, mfaContext(p.UserID))
		if err != nil {
			return fmt.Errorf("open enrollment: %w", err)
		}
		step, ok := matchTOTP(secret, code, now, last)
		if !ok {
			wrong = true
			return audit.Record(ctx, tx, p, now, audit.Event{Action: "mfa.enroll", ObjectType: "user", ObjectID: p.UserID, Outcome: "failed", Detail: "wrong code"})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mfa_totp SET confirmed_at = $1, last_step = $2 WHERE id = $3`, store.TS(now), step, p.UserID); err != nil {
			return fmt.Errorf("confirm enrollment: %w", err)
		}
		if codes, err = s.newRecoveryCodes(ctx, tx, p.UserID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, p.UserID, hashSecret(keepSession)); err != nil {
			return fmt.Errorf("end other sessions: %w", err)
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "mfa.enroll", ObjectType: "user", ObjectID: p.UserID,
			Detail: fmt.Sprintf("totp; %d recovery codes", recoveryCodeCount)})
	})
	if err == nil && wrong {
		err = codeError()
	}
	return codes, err
}

// codeError answers a wrong MFA code.
func codeError() error {
	return &errs.Error{Kind: errs.Invalid, Message: "wrong code", Fields: []errs.FieldError{{Field: "code", Message: "wrong or already used code; enter the current code from your authenticator app"}}}
}

// RegenerateRecoveryCodes replaces the principal's recovery codes with new ones.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, p *access.Principal) (RecoveryCodes, error) {
	var codes RecoveryCodes
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		u, err := userWhere(ctx, tx, "u.id = $1", p.UserID)
		if err != nil {
			return err
		}
		if !u.MFAEnabled {
			return errs.E(errs.Conflict, "MFA is not set up")
		}
		now := s.clock.Now()
		if codes, err = s.newRecoveryCodes(ctx, tx, u.ID, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "mfa.recovery_codes", ObjectType: "user", ObjectID: u.ID,
			Detail: fmt.Sprintf("%d new recovery codes; the old ones no longer work", recoveryCodeCount)})
	})
	return codes, err
}

// RemoveMFA removes the MFA of an account: the principal's own (refused while the
// security settings require MFA for their role), or as an admin that of a user they
// manage who lost their authenticator, who must enroll again when MFA is required.
func (s *Service) RemoveMFA(ctx context.Context, p *access.Principal, userID string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		u, err := s.visibleUser(ctx, tx, p, userID)
		if err != nil {
			return err
		}
		self := p.UserID == u.ID
		if !self && !p.Can(access.UsersManage) {
			return errs.E(errs.NotFound, "user not found")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mfa_totp WHERE id = $1`, u.ID).Scan(&n); err != nil {
			return fmt.Errorf("load mfa: %w", err)
		}
		if n == 0 {
			return errs.E(errs.NotFound, "MFA is not set up for this account")
		}
		if self && u.MFAEnabled {
			set, err := s.securitySettings(ctx, tx)
			if err != nil {
				return err
			}
			if set.RequireMFA && MFARequiredFor(access.Role(u.Role)) {
				return errs.E(errs.Conflict, "MFA is required for your role and cannot be removed; an administrator can reset it if you lost your authenticator")
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_totp WHERE id = $1`, u.ID); err != nil {
			return fmt.Errorf("remove mfa: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = $1`, u.ID); err != nil {
			return fmt.Errorf("remove recovery codes: %w", err)
		}
		detail := "removed by the user"
		if !self {
			detail = "reset by an administrator"
			// Whoever has the lost authenticator may have a session too: end them all.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		return audit.Record(ctx, tx, p, s.clock.Now(), audit.Event{Action: "mfa.remove", ObjectType: "user", ObjectID: u.ID, Detail: detail})
	})
}

// Recovery codes: 16 characters of Crockford's base32 (80 bits), shown as xxxx-xxxx-xxxx-xxxx.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

func newRecoveryCode() string {
	b := make([]byte, 16)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(recoveryAlphabet[c&31])
	}
	return sb.String()
}

// normalizeRecovery reads a recovery code as typed: case, dashes and spaces do not matter,
// and the look-alikes i, l (1) and o (0) are read as Crockford's base32 reads them.
func normalizeRecovery(code string) string {
	return strings.NewReplacer("-", "", " ", "", "i", "1", "l", "1", "o", "0").Replace(strings.ToLower(strings.TrimSpace(code)))
}

// hashRecovery digests a recovery code for storage, bound to its user. The codes carry 80
// random bits, so one SHA-256 round is enough (as for API tokens).
func hashRecovery(userID, code string) string {
	sum := sha256.Sum256([]byte(userID + ":" + normalizeRecovery(code)))
	return hex.EncodeToString(sum[:])
}

func (s *Service) newRecoveryCodes(ctx context.Context, tx *sql.Tx, userID string, now time.Time) (RecoveryCodes, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = $1`, userID); err != nil {
		return RecoveryCodes{}, fmt.Errorf("drop recovery codes: %w", err)
	}
	out := RecoveryCodes{Codes: make([]string, 0, recoveryCodeCount)}
	for range recoveryCodeCount {
		c := newRecoveryCode()
		if _, err := tx.ExecContext(ctx, `INSERT INTO mfa_recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)`,
			userID, hashRecovery(userID, c), store.TS(now)); err != nil {
			return RecoveryCodes{}, fmt.Errorf("store recovery code: %w", err)
		}
		out.Codes = append(out.Codes, c)
	}
	return out, nil
}

// checkCode checks a code of a user with MFA inside tx and consumes it: a TOTP code (6
// digits, never twice) or a recovery code (once). It returns how it matched ("totp",
// "recovery code") or "" for a wrong code.
func (s *Service) checkCode(ctx context.Context, tx *sql.Tx, userID, code string, now time.Time) (string, error) {
	if err := s.needVault(); err != nil {
		return "", err
	}
	if c := normalizeCode(code); len(c) == totpDigits {
		var sealed []byte
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT secret, last_step FROM mfa_totp WHERE id = $1 AND confirmed_at IS NOT NULL`, userID).Scan(&sealed, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("load mfa: %w", err)
		}
		secret, err := s.vault.Open(sealed, mfaContext(userID))
		if err != nil {
			return "", fmt.Errorf("open mfa secret: %w", err)
		}
		step, ok := matchTOTP(secret, c, now, last)
		if !ok {
			return "", nil
		}
		// Taking the step only if it is still newer makes a code single-use even when two
		// requests race with it.
		res, err := tx.ExecContext(ctx, `UPDATE mfa_totp SET last_step = $1 WHERE id = $2 AND last_step < $1`, step, userID)
		if err != nil {
			return "", fmt.Errorf("record code use: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return "", nil
		}
		return "totp", nil
	}
	if len(normalizeRecovery(code)) != 16 {
		return "", nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE mfa_recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`,
		store.TS(now), userID, hashRecovery(userID, code))
	if err != nil {
		return "", fmt.Errorf("use recovery code: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", nil
	}
	return "recovery code", nil
}

// LoginCode completes a login that waits for its MFA code (the pending session of
// pendingSecret) and returns a new session secret: the pending one ends, so that a
// secret seen before the second step is worth nothing after it. Wrong codes count towards
// the lockout like wrong passwords and are audited, as is every use of a recovery code.
func (s *Service) LoginCode(ctx context.Context, pendingSecret, code, ip string) (LoginResult, error) {
	if !s.allowAttempt(ip) {
		return LoginResult{}, errs.E(errs.RateLimited, "too many login attempts; wait a minute")
	}
	now := s.clock.Now()
	expired := errs.E(errs.Unauthorized, "the login has expired; enter your user name and password again")
	r, err := s.loadSession(ctx, s.db.Read, pendingSecret)
	if errs.Is(err, errs.Unauthorized) || (err == nil && (!r.pending || now.After(r.expires))) {
		return LoginResult{}, expired
	}
	if err != nil {
		return LoginResult{}, err
	}
	u, err := userWhere(ctx, s.db.Read, "u.id = $1", r.userID)
	if err != nil || u.Disabled {
		_ = s.Logout(ctx, pendingSecret)
		return LoginResult{}, expired
	}
	who := u.principal(ip)
	if u.lockedUntil.Valid && u.lockedUntil.Time.After(now) {
		_ = s.Logout(ctx, pendingSecret)
		s.recordLogin(ctx, who, ip, "denied", "locked")
		return LoginResult{}, errLocked()
	}
	var res LoginResult
	var failure error
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		method, err := s.checkCode(ctx, tx, u.ID, code, now)
		if err != nil {
			return err
		}
		if method == "" {
			locked, err := s.countFailure(ctx, tx, u, now)
			if err != nil {
				return err
			}
			failure = codeError()
			if locked {
				failure = errLocked()
				if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, r.hash); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, who, now, audit.Event{Action: "login", ObjectType: "user", ObjectID: u.ID, Outcome: "failed", Detail: "wrong MFA code"})
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, r.hash); err != nil {
			return err
		}
		secret, hash := newSecret("")
		if err := s.openSession(ctx, tx, u, hash, now); err != nil {
			return err
		}
		res = LoginResult{Secret: secret, User: u}
		if method == "recovery code" {
			if err := s.recordRecoveryUse(ctx, tx, who, u.ID, "login", now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, who, now, audit.Event{Action: "login", ObjectType: "user", ObjectID: u.ID, Detail: "mfa: " + method})
	})
	if err != nil {
		return LoginResult{}, fmt.Errorf("login code: %w", err)
	}
	if failure != nil {
		return LoginResult{}, failure
	}
	return res, nil
}

// recordRecoveryUse audits the use of a recovery code and how many are left.
func (s *Service) recordRecoveryUse(ctx context.Context, tx *sql.Tx, who *access.Principal, userID, during string, now time.Time) error {
	var left int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&left); err != nil {
		return err
	}
	return audit.Record(ctx, tx, who, now, audit.Event{Action: "mfa.recovery_code.use", ObjectType: "user", ObjectID: userID,
		Detail: fmt.Sprintf("during %s; %d left", during, left)})
}
