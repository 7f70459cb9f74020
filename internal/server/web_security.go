package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/auth"
	"lifeline/internal/errs"
	"lifeline/internal/web"
)

// Web pages of account security: the login's second step (the MFA code), the account
// security page (MFA, password, security settings), MFA enrollment with recovery codes
// shown once, and re-authentication before sensitive actions.

// loginCodePath is the login's second step, keeping where to go afterwards.
func loginCodePath(next string) string {
	if next == "" {
		return "/login/mfa"
	}
	return "/login/mfa?next=" + url.QueryEscape(next)
}

// reauthPath is the re-authentication page, coming back to next afterwards.
func reauthPath(next string) string {
	return "/account/reauth?next=" + url.QueryEscape(next)
}

// pageLoginCode shows the form for the MFA code of a login waiting for it.
func (s *Server) pageLoginCode(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err != nil || c.Value == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	next := nextOf(r.URL.Query().Get("next"), "")
	if _, err := s.authenticate(r); err == nil { // already fully logged in
		http.Redirect(w, r, nextOf(next, "/people"), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login-code", s.view(r, nil, "login.code.title", "", web.LoginCodeData{Next: next}))
}

// doLoginCode checks the code and turns the pending login into a session.
func (s *Server) doLoginCode(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, nil, errs.Wrap(errs.BadRequest, err, "the form could not be read"))
		return
	}
	next := nextOf(r.PostForm.Get("next"), "")
	lang := langOf(r, nil)
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	res, err := s.auth.LoginCode(r.Context(), c.Value, r.PostForm.Get("code"), s.clientIP(r))
	if err != nil {
		switch {
		case errs.Is(err, errs.Invalid): // a wrong code: try again
			data := web.LoginCodeData{Next: next, Error: lang.T("login.code.wrong")}
			s.render(w, r, http.StatusUnauthorized, "login-code", s.view(r, nil, "login.code.title", "", data))
		case errs.Is(err, errs.Unauthorized): // expired: from the start
			s.clearSessionCookie(w, r)
			data := web.LoginData{Next: next, Error: lang.T("login.code.expired")}
			s.render(w, r, http.StatusUnauthorized, "login", s.view(r, nil, "login.title", "", data))
		case errs.Is(err, errs.RateLimited):
			data := web.LoginCodeData{Next: next, Error: lang.T("login.ratelimited"), Detail: s.describe(r, err).Detail}
			s.render(w, r, http.StatusTooManyRequests, "login-code", s.view(r, nil, "login.code.title", "", data))
		default:
			pr := s.describe(r, err)
			data := web.LoginCodeData{Next: next, Error: lang.T("login.failed"), Detail: pr.Detail}
			s.render(w, r, pr.Status, "login-code", s.view(r, nil, "login.code.title", "", data))
		}
		return
	}
	s.setSessionCookie(w, r, res.Secret)
	http.Redirect(w, r, nextOf(next, "/people"), http.StatusSeeOther)
}

// accountData gathers the account page: the user's MFA and, for administrators and the
// security officer, the security settings.
func (s *Server) accountData(r *http.Request, p *access.Principal) (web.AccountData, error) {
	st, err := s.auth.MFAStatus(r.Context(), p, p.UserID)
	if err != nil {
		return web.AccountData{}, err
	}
	data := web.AccountData{MFA: st, CanEdit: p.Can(access.UsersManage)}
	if p.Can(access.UsersManage) || p.Can(access.AuditRead) {
		set, err := s.auth.SecuritySettings(r.Context(), p)
		if err != nil {
			return data, err
		}
		data.Settings = &set
	}
	return data, nil
}

func (s *Server) pageAccount(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	data, err := s.accountData(r, p)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "account", s.view(r, p, "account.title", "", data))
	return nil
}

// renderAccount shows the account page again with a refusal.
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, fill func(*web.AccountData)) error {
	data, err := s.accountData(r, p)
	if err != nil {
		return err
	}
	fill(&data)
	s.render(w, r, status, "account", s.view(r, p, "account.title", "", data))
	return nil
}

// recentOrReauth reports whether the principal re-authenticated recently; if not, it
// sends the browser to the re-authentication page, which comes back to next.
func (s *Server) recentOrReauth(w http.ResponseWriter, r *http.Request, p *access.Principal, next string) bool {
	if s.auth.RecentlyAuthenticated(p, auth.ReauthWindow) {
		return true
	}
	http.Redirect(w, r, reauthPath(next), http.StatusSeeOther)
	return false
}

// pageMFA shows the MFA enrollment: the start button, or the enrollment in progress.
func (s *Server) pageMFA(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	st, err := s.auth.MFAStatus(r.Context(), p, p.UserID)
	if err != nil {
		return err
	}
	if st.Enabled {
		http.Redirect(w, r, "/account/security", http.StatusSeeOther)
		return nil
	}
	data := web.MFASetupData{Required: p.MFAEnrollOnly}
	if st.Pending {
		e, err := s.auth.PendingMFA(r.Context(), p)
		if err != nil {
			return err
		}
		data.Enrollment = &e
	}
	s.render(w, r, http.StatusOK, "mfa-setup", s.view(r, p, "mfa.title", "", data))
	return nil
}

// doBeginMFA starts an enrollment (after a recent re-authentication).
func (s *Server) doBeginMFA(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !s.recentOrReauth(w, r, p, "/account/mfa") {
		return nil
	}
	e, err := s.auth.BeginMFA(r.Context(), p)
	if errs.Is(err, errs.Conflict) {
		http.Redirect(w, r, "/account/security", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "mfa-setup", s.view(r, p, "mfa.title", "", web.MFASetupData{Required: p.MFAEnrollOnly, Enrollment: &e}))
	return nil
}

// doConfirmMFA completes the enrollment and shows the recovery codes, once.
func (s *Server) doConfirmMFA(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	secret, _ := sessionSecret(r)
	codes, err := s.auth.ConfirmMFA(r.Context(), p, secret, r.PostForm.Get("code"))
	if errs.Is(err, errs.Invalid) {
		e, perr := s.auth.PendingMFA(r.Context(), p)
		if perr != nil {
			return perr
		}
		data := web.MFASetupData{Required: p.MFAEnrollOnly, Enrollment: &e, CodeError: langOf(r, p).T("login.code.wrong")}
		s.render(w, r, http.StatusUnprocessableEntity, "mfa-setup", s.view(r, p, "mfa.title", "", data))
		return nil
	}
	if err != nil {
		return err
	}
	p.MFAEnrollOnly = false // enrolled: the page may show the whole navigation
	s.render(w, r, http.StatusOK, "mfa-setup", s.view(r, p, "mfa.codes.title", "", web.MFASetupData{Codes: codes.Codes}))
	return nil
}

// doRemoveMFA turns MFA off (after a recent re-authentication).
func (s *Server) doRemoveMFA(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !s.recentOrReauth(w, r, p, "/account/security") {
		return nil
	}
	if err := s.auth.RemoveMFA(r.Context(), p, p.UserID); err != nil {
		if errs.Is(err, errs.Conflict) {
			return s.renderAccount(w, r, p, http.StatusConflict, func(d *web.AccountData) {
				d.Error, d.Detail = langOf(r, p).T("account.failed"), s.describe(r, err).Detail
			})
		}
		return err
	}
	http.Redirect(w, r, "/account/security", http.StatusSeeOther)
	return nil
}

// doRecoveryCodes replaces the recovery codes and shows the new ones, once.
func (s *Server) doRecoveryCodes(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !s.recentOrReauth(w, r, p, "/account/security") {
		return nil
	}
	codes, err := s.auth.RegenerateRecoveryCodes(r.Context(), p)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "mfa-setup", s.view(r, p, "mfa.codes.title", "", web.MFASetupData{Codes: codes.Codes}))
	return nil
}

// reauthNext is where the re-authentication page returns to: a local page, by default
// the account page.
func reauthNext(next string) string {
	if web.LocalPath(next) && !strings.HasPrefix(next, "/login") && !strings.HasPrefix(next, "/account/reauth") {
		return next
	}
	return "/account/security"
}

func (s *Server) pageReauth(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	u, err := s.auth.GetUser(r.Context(), p, p.UserID)
	if err != nil {
		return err
	}
	data := web.ReauthData{Next: reauthNext(r.URL.Query().Get("next")), NeedCode: u.MFAEnabled}
	s.render(w, r, http.StatusOK, "reauth", s.view(r, p, "reauth.title", "", data))
	return nil
}

func (s *Server) doReauth(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	next := reauthNext(r.PostForm.Get("next"))
	secret, _ := sessionSecret(r)
	_, err := s.auth.Reauth(r.Context(), secret, r.PostForm.Get("password"), r.PostForm.Get("code"), s.clientIP(r))
	if err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	u, uerr := s.auth.GetUser(r.Context(), p, p.UserID)
	if uerr != nil { // a failure that locked the account ended the session
		s.clearSessionCookie(w, r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	lang := langOf(r, p)
	data := web.ReauthData{Next: next, NeedCode: u.MFAEnabled}
	status := http.StatusUnauthorized
	switch {
	case errs.Is(err, errs.Unauthorized), errs.Is(err, errs.Invalid):
		data.Error = lang.T("reauth.wrong")
	case errs.Is(err, errs.RateLimited):
		status = http.StatusTooManyRequests
		data.Error, data.Detail = lang.T("login.ratelimited"), s.describe(r, err).Detail
	default:
		return err
	}
	s.render(w, r, status, "reauth", s.view(r, p, "reauth.title", "", data))
	return nil
}

// doChangePassword sets a new password (after a recent re-authentication). Every session
// of the account ends, this one included: the user logs in again with the new password.
func (s *Server) doChangePassword(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	if !s.recentOrReauth(w, r, p, "/account/security") {
		return nil
	}
	lang := langOf(r, p)
	password := r.PostForm.Get("password")
	refuse := func(msg string) error {
		return s.renderAccount(w, r, p, http.StatusUnprocessableEntity, func(d *web.AccountData) { d.PasswordError = msg })
	}
	if password != r.PostForm.Get("confirm") {
		return refuse(lang.T("account.password.mismatch"))
	}
	var pe *auth.PolicyError
	if err := auth.ValidatePassword(password, p.Username); errors.As(err, &pe) {
		return refuse(lang.T("pwd." + pe.Code))
	}
	if _, err := s.auth.UpdateUser(r.Context(), p, p.UserID, auth.UserInput{Password: &password}); err != nil {
		return err
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login?notice=password", http.StatusSeeOther)
	return nil
}

// doSecuritySettings changes the security settings (administrators, after a recent
// re-authentication).
func (s *Server) doSecuritySettings(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	if !p.Can(access.UsersManage) {
		return errs.E(errs.Forbidden, "only an administrator may change the security settings")
	}
	if !s.recentOrReauth(w, r, p, "/account/security") {
		return nil
	}
	require := r.PostForm.Get("require_mfa") == "true"
	if _, err := s.auth.UpdateSecuritySettings(r.Context(), p, auth.SecuritySettingsInput{RequireMFA: &require}); err != nil {
		if errs.Is(err, errs.Conflict) {
			return s.renderAccount(w, r, p, http.StatusConflict, func(d *web.AccountData) {
				d.Error, d.Detail = langOf(r, p).T("account.settings.failed"), s.describe(r, err).Detail
			})
		}
		return err
	}
	http.Redirect(w, r, "/account/security", http.StatusSeeOther)
	return nil
}
