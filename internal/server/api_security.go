package server

import (
	"net/http"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/auth"
	"lifeline/internal/errs"
)

// Account security over the API: MFA enrollment and removal, recovery codes,
// re-authentication and the security settings.
//
// MFA guards web logins. API tokens are unaffected by it (tokens are for scripts: they
// are issued per user, revocable and audited), and they never count as recently
// authenticated, so sensitive actions (role, scope, disabling, passwords, MFA, security
// settings, unmasked exports) need a web session that re-authenticated within 5 minutes.

// problemMFAEnroll is the problem type of a request from a session that must set up MFA first.
const problemMFAEnroll = "urn:lifeline:problem:mfa-enrollment-required"

// typedProblem is a domain error that names its RFC 9457 problem type.
type typedProblem struct {
	typ string
	err *errs.Error
}

func (e *typedProblem) Error() string       { return e.err.Error() }
func (e *typedProblem) Unwrap() error       { return e.err }
func (e *typedProblem) ProblemType() string { return e.typ }

// enrollOnlyRoutes are what a session that must set up MFA may still use.
var enrollOnlyRoutes = map[string]bool{
	"GET /api/v1/me":              true,
	"GET /api/v1/me/mfa":          true,
	"POST /api/v1/me/mfa":         true,
	"POST /api/v1/me/mfa/confirm": true,
	"POST /api/v1/session/reauth": true,
	"GET /account/mfa":            true,
	"POST /account/mfa":           true,
	"POST /account/mfa/confirm":   true,
	"GET /account/reauth":         true,
	"POST /account/reauth":        true,
}

// mfaGate refuses every route but enrollment to a session whose role requires MFA while
// the user has not set it up.
func mfaGate(r *http.Request, p *access.Principal) error {
	if p == nil || !p.MFAEnrollOnly || enrollOnlyRoutes[r.Pattern] {
		return nil
	}
	return &typedProblem{typ: problemMFAEnroll, err: errs.E(errs.Forbidden,
		"set up MFA first: it is required for your role; POST /api/v1/me/mfa, then POST /api/v1/me/mfa/confirm with a code (web: /account/mfa)")}
}

// sessionSecret returns the session cookie of a request that authenticates with it (not
// with a bearer token).
func sessionSecret(r *http.Request) (string, bool) {
	if r.Header.Get("Authorization") != "" {
		return "", false
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}

// needSession returns the session cookie, or refuses a request made with an API token.
func needSession(r *http.Request) (string, error) {
	secret, ok := sessionSecret(r)
	if !ok {
		return "", errs.E(errs.Forbidden, "MFA and re-authentication belong to web sessions: log in with your password and use the session cookie; API tokens cannot do this")
	}
	return secret, nil
}

// noIdempotencyKey drops the Idempotency-Key of a request whose body holds a password,
// so that no digest of it is ever stored; repeating such a request is harmless.
func noIdempotencyKey(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Idempotency-Key")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) getMyMFA(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	st, err := s.auth.MFAStatus(r.Context(), p, p.UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

func (s *Server) beginMFA(w http.ResponseWriter, r *http.Request) error {
	if _, err := needSession(r); err != nil {
		return err
	}
	p := me(r)
	if err := s.auth.RequireRecentAuth(p); err != nil {
		return err
	}
	e, err := s.auth.BeginMFA(r.Context(), p)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, e)
}

// codeInput carries an MFA code.
type codeInput struct {
	Code string `json:"code"`
}

func (s *Server) confirmMFA(w http.ResponseWriter, r *http.Request) error {
	secret, err := needSession(r)
	if err != nil {
		return err
	}
	var in codeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	codes, err := s.auth.ConfirmMFA(r.Context(), me(r), secret, in.Code)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, codes)
}

func (s *Server) removeMyMFA(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	if err := s.auth.RequireRecentAuth(p); err != nil {
		return err
	}
	if err := s.auth.RemoveMFA(r.Context(), p, p.UserID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) regenerateRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	if err := s.auth.RequireRecentAuth(p); err != nil {
		return err
	}
	codes, err := s.auth.RegenerateRecoveryCodes(r.Context(), p)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, codes)
}

func (s *Server) resetUserMFA(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	id := r.PathValue("id")
	if id != p.UserID && !p.Can(access.UsersManage) {
		return errs.E(errs.NotFound, "user not found")
	}
	if err := s.auth.RequireRecentAuth(p); err != nil {
		return err
	}
	if err := s.auth.RemoveMFA(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reauthInput is a re-authentication: the password, and with MFA a code or recovery code.
type reauthInput struct {
	Password string `json:"password"`
	Code     string `json:"code"`
}

// reauthResult tells until when sensitive actions are allowed.
type reauthResult struct {
	AuthenticatedAt time.Time `json:"authenticated_at"`
	ValidUntil      time.Time `json:"valid_until"`
}

func (s *Server) reauth(w http.ResponseWriter, r *http.Request) error {
	secret, err := needSession(r)
	if err != nil {
		return err
	}
	var in reauthInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	at, err := s.auth.Reauth(r.Context(), secret, in.Password, in.Code, s.clientIP(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, reauthResult{AuthenticatedAt: at, ValidUntil: at.Add(auth.ReauthWindow)})
}

func (s *Server) getSecuritySettings(w http.ResponseWriter, r *http.Request) error {
	set, err := s.auth.SecuritySettings(r.Context(), me(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, set)
}

func (s *Server) updateSecuritySettings(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	var in auth.SecuritySettingsInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if !p.Can(access.UsersManage) {
		return errs.E(errs.Forbidden, "only an administrator may change the security settings")
	}
	if err := s.auth.RequireRecentAuth(p); err != nil {
		return err
	}
	set, err := s.auth.UpdateSecuritySettings(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, set)
}

// sensitiveUserChange reports whether a user patch needs a recent re-authentication:
// changes of role, scope, disabled state or password.
func sensitiveUserChange(in auth.UserInput) bool {
	return in.Role != nil || in.DepartmentID != nil || in.Disabled != nil || in.Password != nil
}
