package auth_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/auth"
	"lifeline/internal/errs"
	"lifeline/internal/keys"
	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
	"lifeline/internal/vault"
)

// auditCount counts audit records of an action with an outcome.
func auditCount(t *testing.T, db *store.DB, action, outcome string) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 AND outcome = $2`, action, outcome).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReauthentication checks on every engine that sessions remember when the password
// was entered, that sensitive actions then need it within 5 minutes, that re-entering it
// refreshes the session, and that API tokens never count as recently authenticated.
func TestReauthentication(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, e)
			clk := &testClock{t: time.Date(2026, 11, 23, 8, 0, 7, 0, time.UTC)}
			svc := auth.New(db, clk, auth.DefaultConfig())
			sys := access.System("test")
			u, err := svc.CreateUser(ctx, sys, auth.UserInput{Username: ptr("root"), Role: ptr("admin"), Password: ptr("Correct-Horse-9")})
			if err != nil {
				t.Fatal(err)
			}
			lr, err := svc.Login(ctx, "root", "Correct-Horse-9", "10.1.0.1")
			if err != nil || lr.NeedCode {
				t.Fatalf("login: %+v, %v", lr, err)
			}
			p, err := svc.Session(ctx, lr.Secret, "10.1.0.1")
			if err != nil || !p.AuthAt.Equal(clk.Now()) || !svc.RecentlyAuthenticated(p, auth.ReauthWindow) || svc.RequireRecentAuth(p) != nil {
				t.Fatalf("fresh session: %+v, %v", p, err)
			}
			clk.Advance(auth.ReauthWindow + time.Second)
			p, _ = svc.Session(ctx, lr.Secret, "10.1.0.1")
			err = svc.RequireRecentAuth(p)
			var typed interface{ ProblemType() string }
			if svc.RecentlyAuthenticated(p, auth.ReauthWindow) || !errs.Is(err, errs.Forbidden) || !errors.As(err, &typed) || typed.ProblemType() != auth.ProblemReauth {
				t.Fatalf("6-minute-old authentication accepted or wrong error: %v", err)
			}
			if _, err := svc.Reauth(ctx, lr.Secret, "Correct-Horse-8", "", "10.1.0.1"); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("wrong password re-authenticated: %v", err)
			}
			if n := auditCount(t, db, "reauth", "failed"); n != 1 {
				t.Errorf("failed re-authentications audited = %d", n)
			}
			at, err := svc.Reauth(ctx, lr.Secret, "Correct-Horse-9", "", "10.1.0.1")
			if err != nil || !at.Equal(clk.Now()) {
				t.Fatalf("reauth = %v, %v", at, err)
			}
			p, _ = svc.Session(ctx, lr.Secret, "10.1.0.1")
			if !svc.RecentlyAuthenticated(p, auth.ReauthWindow) {
				t.Fatal("re-authentication did not refresh the session")
			}
			// Five failures in a row lock the account and end the session.
			for i := range 5 {
				_, err := svc.Reauth(ctx, lr.Secret, "wrong-password-x", "", "10.1.0.2")
				if i < 4 && !errs.Is(err, errs.Unauthorized) || i == 4 && !errs.Is(err, errs.RateLimited) {
					t.Fatalf("failure %d: %v", i, err)
				}
			}
			if _, err := svc.Session(ctx, lr.Secret, ""); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("session survived the lockout: %v", err)
			}
			// API tokens are never recently authenticated.
			tok, _, err := svc.CreateToken(ctx, sys, u.ID, "script")
			if err != nil {
				t.Fatal(err)
			}
			tp, err := svc.TokenPrincipal(ctx, tok, "")
			if err != nil || svc.RecentlyAuthenticated(tp, time.Hour) || svc.RequireRecentAuth(tp) == nil {
				t.Fatalf("token principal counts as recently authenticated: %+v, %v", tp, err)
			}
			if svc.RecentlyAuthenticated(nil, time.Hour) {
				t.Fatal("nil principal")
			}
		})
	}
}

// TestMFA runs TOTP MFA on every engine: enrollment with a sealed secret, the second
// login step, no code reuse, recovery codes, lockout by wrong codes, expiry of the
// pending step, the "required" setting with its enrollment-only sessions, removal, and
// key rotation of the sealed secrets.
func TestMFA(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, e)
			clk := &testClock{t: time.Date(2026, 11, 23, 8, 0, 7, 0, time.UTC)}
			v, err := vault.Load(t.TempDir(), "")
			if err != nil {
				t.Fatal(err)
			}
			if err := keys.Load(ctx, db, v, clk.Now()); err != nil {
				t.Fatal(err)
			}
			cfg := auth.DefaultConfig()
			svc := auth.New(db, clk, cfg).WithVault(v)
			sys := access.System("test")
			const pw = "Correct-Horse-9"
			newUser := func(name, role string) auth.User {
				u, err := svc.CreateUser(ctx, sys, auth.UserInput{Username: ptr(name), Role: ptr(role), Password: ptr(pw)})
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
			login := func(name, ip string) (auth.LoginResult, *access.Principal) {
				t.Helper()
				lr, err := svc.Login(ctx, name, pw, ip)
				if err != nil {
					t.Fatalf("login %s: %v", name, err)
				}
				if lr.NeedCode {
					return lr, nil
				}
				p, err := svc.Session(ctx, lr.Secret, ip)
				if err != nil {
					t.Fatal(err)
				}
				return lr, p
			}
			root := newUser("root", "admin")
			newUser("bob", "hr")
			lr, p := login("root", "10.2.0.1")
			other, _ := login("root", "10.2.0.9") // another session of the same account

			// Enrollment: a sealed secret, confirmed by a first code.
			enr, err := svc.BeginMFA(ctx, p)
			if err != nil || len(enr.Secret) != 32 || enr.Digits != 6 || enr.Period != 30 {
				t.Fatalf("begin = %+v, %v", enr, err)
			}
			var sealed []byte
			var keyID int
			if err := db.Read.QueryRowContext(ctx, `SELECT secret, key_id FROM mfa_totp WHERE id = $1`, root.ID).Scan(&sealed, &keyID); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(sealed, []byte(enr.Secret)) || keyID != 1 || vault.KeyID(sealed) != 1 {
				t.Fatalf("secret not sealed at rest (key %d)", keyID)
			}
			if pend, err := svc.PendingMFA(ctx, p); err != nil || pend.Secret != enr.Secret {
				t.Fatalf("pending = %+v, %v", pend, err)
			}
			if u, _ := svc.GetUser(ctx, p, root.ID); u.MFAEnabled {
				t.Fatal("MFA enabled before confirmation")
			}
			code := func(at time.Time) string {
				c, err := auth.TOTPCode(enr.Secret, at)
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			wrong := code(clk.Now().Add(10 * time.Minute))
			if _, err := svc.ConfirmMFA(ctx, p, lr.Secret, wrong); !errs.Is(err, errs.Invalid) {
				t.Fatalf("wrong confirmation code: %v", err)
			}
			if auditCount(t, db, "mfa.enroll", "failed") != 1 {
				t.Error("wrong enrollment code not audited")
			}
			first := code(clk.Now())
			rc, err := svc.ConfirmMFA(ctx, p, lr.Secret, first)
			if err != nil || len(rc.Codes) != 10 {
				t.Fatalf("confirm = %+v, %v", rc, err)
			}
			if auditCount(t, db, "mfa.enroll", "ok") != 1 || auditCount(t, db, "mfa.enroll.begin", "ok") != 1 {
				t.Error("enrollment not audited")
			}
			if _, err := svc.Session(ctx, other.Secret, ""); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("another password-only session survived the enrollment: %v", err)
			}
			if _, err := svc.Session(ctx, lr.Secret, ""); err != nil {
				t.Errorf("the enrolling session ended: %v", err)
			}
			if u, _ := svc.GetUser(ctx, p, root.ID); !u.MFAEnabled {
				t.Fatal("MFA not enabled after confirmation")
			}
			if _, err := svc.BeginMFA(ctx, p); !errs.Is(err, errs.Conflict) {
				t.Fatalf("second enrollment: %v", err)
			}
			var stored string
			_ = db.Read.QueryRowContext(ctx, `SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1 LIMIT 1`, root.ID).Scan(&stored)
			for _, c := range rc.Codes {
				if stored == c || len(stored) != 64 {
					t.Fatalf("recovery codes not stored hashed: %q", stored)
				}
			}

			// The second login step.
			pend, _ := svc.Login(ctx, "root", pw, "10.2.0.2")
			if !pend.NeedCode {
				t.Fatal("login with MFA did not ask for a code")
			}
			if _, err := svc.Session(ctx, pend.Secret, ""); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("a pending login is a session: %v", err)
			}
			if _, err := svc.LoginCode(ctx, pend.Secret, first, "10.2.0.2"); !errs.Is(err, errs.Invalid) {
				t.Fatalf("a code was accepted twice: %v", err)
			}
			clk.Advance(30 * time.Second)
			full, err := svc.LoginCode(ctx, pend.Secret, code(clk.Now()), "10.2.0.2")
			if err != nil || full.Secret == pend.Secret {
				t.Fatalf("login code = %+v, %v", full, err)
			}
			if _, err := svc.Session(ctx, pend.Secret, ""); !errs.Is(err, errs.Unauthorized) {
				t.Fatal("the pending secret still works after the second step")
			}
			if p2, err := svc.Session(ctx, full.Secret, ""); err != nil || !svc.RecentlyAuthenticated(p2, auth.ReauthWindow) {
				t.Fatalf("session after the code: %+v, %v", p2, err)
			}

			// Recovery codes work once, for login and re-authentication.
			pend, _ = svc.Login(ctx, "root", pw, "10.2.0.3")
			if _, err := svc.LoginCode(ctx, pend.Secret, " "+rc.Codes[0]+" ", "10.2.0.3"); err != nil {
				t.Fatalf("recovery code refused: %v", err)
			}
			pend, _ = svc.Login(ctx, "root", pw, "10.2.0.3")
			if _, err := svc.LoginCode(ctx, pend.Secret, rc.Codes[0], "10.2.0.3"); !errs.Is(err, errs.Invalid) {
				t.Fatalf("recovery code used twice: %v", err)
			}
			if auditCount(t, db, "mfa.recovery_code.use", "ok") != 1 || auditCount(t, db, "login", "failed") != 2 {
				t.Errorf("recovery use or failed codes not audited")
			}
			if _, err := svc.Reauth(ctx, full.Secret, pw, "", "10.2.0.3"); !errs.Is(err, errs.Invalid) {
				t.Fatalf("re-authentication without the code: %v", err)
			}
			if _, err := svc.Reauth(ctx, full.Secret, pw, rc.Codes[1], "10.2.0.3"); err != nil {
				t.Fatalf("re-authentication with a recovery code: %v", err)
			}
			if st, _ := svc.MFAStatus(ctx, p, root.ID); !st.Enabled || st.RecoveryCodesLeft != 8 || st.Required {
				t.Fatalf("status = %+v", st)
			}

			// Wrong codes count towards the lockout.
			pend, _ = svc.Login(ctx, "root", pw, "10.2.0.4")
			for i := range cfg.MaxFailures {
				_, err := svc.LoginCode(ctx, pend.Secret, wrong, "10.2.0.4")
				if i < cfg.MaxFailures-1 && !errs.Is(err, errs.Invalid) || i == cfg.MaxFailures-1 && !errs.Is(err, errs.RateLimited) {
					t.Fatalf("wrong code %d: %v", i, err)
				}
			}
			if _, err := svc.Login(ctx, "root", pw, "10.2.0.4"); !errs.Is(err, errs.RateLimited) {
				t.Fatalf("locked by wrong codes, yet the password logs in: %v", err)
			}
			clk.Advance(cfg.Lockout + time.Second)

			// A pending login expires.
			pend, _ = svc.Login(ctx, "root", pw, "10.2.0.5")
			clk.Advance(6 * time.Minute)
			if _, err := svc.LoginCode(ctx, pend.Secret, code(clk.Now()), "10.2.0.5"); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("expired pending login: %v", err)
			}

			// Key rotation re-encrypts the sealed secret, which keeps working.
			if _, err := keys.Rotate(ctx, db.Write, v, clk.Now()); err != nil {
				t.Fatal(err)
			}
			if err := keys.Refresh(ctx, db, v); err != nil {
				t.Fatal(err)
			}
			for {
				n, err := keys.Reencrypt(ctx, db, v, 100)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			_ = db.Read.QueryRowContext(ctx, `SELECT key_id FROM mfa_totp WHERE id = $1`, root.ID).Scan(&keyID)
			if keyID != 2 {
				t.Fatalf("the TOTP secret is still on key %d", keyID)
			}
			pend, _ = svc.Login(ctx, "root", pw, "10.2.0.6")
			full, err = svc.LoginCode(ctx, pend.Secret, code(clk.Now()), "10.2.0.6")
			if err != nil {
				t.Fatalf("code after rotation: %v", err)
			}
			p, _ = svc.Session(ctx, full.Secret, "10.2.0.6")

			// The setting: off by default; only an admin with MFA turns it on.
			if st, err := svc.SecuritySettings(ctx, p); err != nil || st.RequireMFA || st.UpdatedAt != nil {
				t.Fatalf("default settings = %+v, %v", st, err)
			}
			_, bp := login("bob", "10.2.0.7")
			if _, err := svc.SecuritySettings(ctx, bp); !errs.Is(err, errs.Forbidden) {
				t.Fatalf("hr reads the settings: %v", err)
			}
			on := true
			if _, err := svc.UpdateSecuritySettings(ctx, bp, auth.SecuritySettingsInput{RequireMFA: &on}); !errs.Is(err, errs.Forbidden) {
				t.Fatalf("hr changes the settings: %v", err)
			}
			newUser("admin2", "admin")
			_, a2 := login("admin2", "10.2.0.7")
			if a2.MFAEnrollOnly {
				t.Fatal("enrollment-only while MFA is not required")
			}
			if _, err := svc.UpdateSecuritySettings(ctx, a2, auth.SecuritySettingsInput{RequireMFA: &on}); !errs.Is(err, errs.Conflict) {
				t.Fatalf("an admin without MFA required it: %v", err)
			}
			st, err := svc.UpdateSecuritySettings(ctx, p, auth.SecuritySettingsInput{RequireMFA: &on})
			if err != nil || !st.RequireMFA || st.UpdatedBy != "root" || auditCount(t, db, "settings.update", "ok") != 1 {
				t.Fatalf("require MFA = %+v, %v", st, err)
			}
			_, a2 = login("admin2", "10.2.0.7")
			_, bp = login("bob", "10.2.0.7")
			if !a2.MFAEnrollOnly || bp.MFAEnrollOnly {
				t.Fatalf("enrollment-only: admin2 %v, hr %v", a2.MFAEnrollOnly, bp.MFAEnrollOnly)
			}
			if st, _ := svc.MFAStatus(ctx, a2, a2.UserID); !st.Required || st.Enabled {
				t.Fatalf("admin2 status = %+v", st)
			}

			// Removal: not one's own while required; an admin resets another's.
			if err := svc.RemoveMFA(ctx, p, root.ID); !errs.Is(err, errs.Conflict) {
				t.Fatalf("removed own MFA while required: %v", err)
			}
			if err := svc.RemoveMFA(ctx, bp, root.ID); !errs.Is(err, errs.NotFound) {
				t.Fatalf("hr removed an admin's MFA: %v", err)
			}
			if err := svc.RemoveMFA(ctx, a2, root.ID); err != nil {
				t.Fatalf("admin reset: %v", err)
			}
			if _, err := svc.Session(ctx, full.Secret, ""); !errs.Is(err, errs.Unauthorized) {
				t.Fatal("sessions survived an MFA reset")
			}
			if auditCount(t, db, "mfa.remove", "ok") != 1 {
				t.Error("MFA removal not audited")
			}
			var left int
			_ = db.Read.QueryRowContext(ctx, `SELECT count(*) FROM mfa_recovery_codes WHERE user_id = $1`, root.ID).Scan(&left)
			if left != 0 {
				t.Errorf("%d recovery codes left after the reset", left)
			}
			lr, p = login("root", "10.2.0.8")
			if lr.NeedCode || !p.MFAEnrollOnly {
				t.Fatalf("after the reset: need code %v, enroll-only %v", lr.NeedCode, p.MFAEnrollOnly)
			}
		})
	}
}
