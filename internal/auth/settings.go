package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// settingRequireMFA is the settings key of "MFA required for admin and security officer".
const settingRequireMFA = "security.require_mfa"

// SecuritySettings are the account-security settings an admin changes at run time.
type SecuritySettings struct {
	// RequireMFA makes MFA mandatory for the roles in MFARoles: their web sessions may only
	// enroll until they have set it up. Off on a fresh install. API tokens are unaffected.
	RequireMFA          bool       `json:"require_mfa"`
	MFARoles            []string   `json:"mfa_roles"`             // the roles RequireMFA applies to
	ReauthWindowSeconds int        `json:"reauth_window_seconds"` // how recent a re-authentication sensitive actions need
	UpdatedAt           *time.Time `json:"updated_at"`            // the last change, null when never changed
	UpdatedBy           string     `json:"updated_by,omitempty"`
}

// SecuritySettingsInput changes the settings (fields present only).
type SecuritySettingsInput struct {
	RequireMFA *bool `json:"require_mfa"`
}

func (s *Service) securitySettings(ctx context.Context, q store.Querier) (SecuritySettings, error) {
	out := SecuritySettings{MFARoles: []string{string(access.Admin), string(access.SecurityOfficer)}, ReauthWindowSeconds: int(ReauthWindow / time.Second)}
	var value, by string
	var at time.Time
	err := q.QueryRowContext(ctx, `SELECT value, updated_at, updated_by FROM settings WHERE key = $1`, settingRequireMFA).Scan(&value, &at, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("load settings: %w", err)
	}
	out.RequireMFA, _ = strconv.ParseBool(value)
	at = at.UTC()
	out.UpdatedAt, out.UpdatedBy = &at, by
	return out, nil
}

// SecuritySettings returns the settings to an admin or the security officer.
func (s *Service) SecuritySettings(ctx context.Context, p *access.Principal) (SecuritySettings, error) {
	if !p.Can(access.UsersManage) && !p.Can(access.AuditRead) {
		return SecuritySettings{}, errs.E(errs.Forbidden, "only an administrator or the security officer may see the security settings")
	}
	return s.securitySettings(ctx, s.db.Read)
}

// UpdateSecuritySettings changes the settings (admin only; audited). Requiring MFA needs
// the admin to have set it up first, so that nobody locks themselves into enrollment by
// surprise.
func (s *Service) UpdateSecuritySettings(ctx context.Context, p *access.Principal, in SecuritySettingsInput) (SecuritySettings, error) {
	if !p.Can(access.UsersManage) {
		return SecuritySettings{}, errs.E(errs.Forbidden, "only an administrator may change the security settings")
	}
	var out SecuritySettings
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := s.securitySettings(ctx, tx)
		if err != nil {
			return err
		}
		out = old
		if in.RequireMFA == nil || *in.RequireMFA == old.RequireMFA {
			return nil
		}
		if *in.RequireMFA && p.UserID != "" {
			u, err := userWhere(ctx, tx, "u.id = $1", p.UserID)
			if err != nil {
				return err
			}
			if !u.MFAEnabled {
				return errs.E(errs.Conflict, "set up MFA for your own account before requiring it")
			}
		}
		now := s.clock.Now()
		value := strconv.FormatBool(*in.RequireMFA)
		if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = $1`, settingRequireMFA); err != nil {
			return fmt.Errorf("store setting: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)`,
			settingRequireMFA, value, store.TS(now), p.Username); err != nil {
			return fmt.Errorf("store setting: %w", err)
		}
		at := now.UTC()
		out.RequireMFA, out.UpdatedAt, out.UpdatedBy = *in.RequireMFA, &at, p.Username
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "settings.update", ObjectType: "settings", ObjectID: "security",
			Detail: fmt.Sprintf("require_mfa=%v->%v", old.RequireMFA, *in.RequireMFA)})
	})
	return out, err
}
