package server

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/web"
)

// pageFunc is a web UI handler for a logged-in user. Its error becomes an HTML error
// page (or, for htmx, an error message in the page's flash area).
type pageFunc func(w http.ResponseWriter, r *http.Request, p *access.Principal) error

// page wraps an authenticated web handler: it resolves the session, sends anyone else to
// the login page, limits the body and renders errors as HTML.
func (s *Server) page(fn pageFunc) http.Handler { return s.pageLimit(0, fn) }

// pageLimit is page with its own body limit, for uploads; 0 means the server's limit.
func (s *Server) pageLimit(limit int64, fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			if !errs.Is(err, errs.Unauthorized) {
				s.renderError(w, r, nil, err)
				return
			}
			login := "/login?next=" + url.QueryEscape(returnPath(r))
			if isHTMX(r) {
				w.Header().Set("HX-Redirect", login)
				w.WriteHeader(http.StatusOK)
				return
			}
			http.Redirect(w, r, login, http.StatusSeeOther)
			return
		}
		if mfaGate(r, p) != nil { // MFA is required for the role: enroll first
			if isHTMX(r) {
				w.Header().Set("HX-Redirect", "/account/mfa")
				w.WriteHeader(http.StatusOK)
				return
			}
			http.Redirect(w, r, "/account/mfa", http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), keyPrincipal, p))
		r.Body = http.MaxBytesReader(w, r.Body, cmp.Or(limit, s.cfg.MaxBodyBytes))
		if err := fn(w, r, p); err != nil {
			s.renderError(w, r, p, err)
		}
	})
}

// returnPath is where to come back to after logging in: the page itself for a GET, the
// page the form was on (when local) for anything else.
func returnPath(r *http.Request) string {
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && web.LocalPath(ref.RequestURI()) {
		return ref.RequestURI()
	}
	return "/people"
}

// isHTMX reports whether htmx sent the request to swap in a fragment (a history restore
// asks for the whole page).
func isHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

// langOf picks the language of a request: the lang cookie, the user's locale, Accept-Language.
func langOf(r *http.Request, p *access.Principal) web.Lang {
	cookie, locale := "", ""
	if c, err := r.Cookie(web.LangCookie); err == nil {
		cookie = c.Value
	}
	if p != nil {
		locale = p.Locale
	}
	return web.Negotiate(cookie, locale, r.Header.Get("Accept-Language"))
}

// view starts the template data of a page; titleKey is the message key of its title.
func (s *Server) view(r *http.Request, p *access.Principal, titleKey, nav string, data any) web.View {
	path := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		path = returnPath(r)
	}
	lang := langOf(r, p)
	return web.View{Lang: lang, Title: lang.T(titleKey), Nav: nav, User: p, Path: path, Data: data, ActiveGrants: s.grantBanners(r, p)}
}

// renderError shows an error as an HTML page, or for htmx as a message in the flash area.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, p *access.Principal, err error) {
	pr := s.describe(r, err)
	data := web.ErrorData{Status: pr.Status, Detail: pr.Detail, Fields: pr.Errors, RequestID: pr.RequestID}
	v := s.view(r, p, "error.title", "", data)
	v.Title = v.Lang.StatusText(pr.Status)
	var rerr error
	if isHTMX(r) {
		w.Header().Set("HX-Retarget", "#flash")
		w.Header().Set("HX-Reswap", "innerHTML")
		rerr = s.web.Fragment(w, pr.Status, "error-alert", v)
	} else {
		rerr = s.web.Render(w, pr.Status, "error", v)
	}
	if rerr != nil {
		s.log.ErrorContext(r.Context(), "render error page", "error", rerr.Error())
		http.Error(w, http.StatusText(pr.Status), pr.Status)
	}
}

// render writes a full page, turning a template failure into a plain 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v web.View) {
	if err := s.web.Render(w, status, page, v); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", page, "error", err.Error())
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}

// home sends a logged-in user to the directory and anyone else to the login page.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authenticate(r); err == nil {
		http.Redirect(w, r, "/people", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// nextOf returns a safe local redirect target, or fallback.
func nextOf(next, fallback string) string {
	if web.LocalPath(next) && !strings.HasPrefix(next, "/login") {
		return next
	}
	return fallback
}

// pageLogin shows the login form; a user who is already logged in goes on at once.
func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	next := nextOf(r.URL.Query().Get("next"), "")
	if _, err := s.authenticate(r); err == nil {
		http.Redirect(w, r, nextOf(next, "/people"), http.StatusSeeOther)
		return
	}
	data := web.LoginData{Next: next}
	if r.URL.Query().Get("notice") == "password" {
		data.Notice = langOf(r, nil).T("login.notice.password")
	}
	s.render(w, r, http.StatusOK, "login", s.view(r, nil, "login.title", "", data))
}

// doLogin checks the password and opens a session.
func (s *Server) doLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, nil, errs.Wrap(errs.BadRequest, err, "the form could not be read"))
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	next := nextOf(r.PostForm.Get("next"), "")
	lang := langOf(r, nil)
	res, err := s.auth.Login(r.Context(), username, r.PostForm.Get("password"), s.clientIP(r))
	if err != nil {
		data := web.LoginData{Username: username, Next: next}
		status := http.StatusUnauthorized
		switch {
		case errs.Is(err, errs.Unauthorized):
			data.Error = lang.T("login.invalid")
		case errs.Is(err, errs.RateLimited):
			status = http.StatusTooManyRequests
			data.Error = lang.T("login.ratelimited")
			data.Detail = s.describe(r, err).Detail
		default:
			pr := s.describe(r, err)
			status = pr.Status
			data.Error = lang.T("login.failed")
			data.Detail = pr.Detail
		}
		s.render(w, r, status, "login", s.view(r, nil, "login.title", "", data))
		return
	}
	s.setSessionCookie(w, r, res.Secret)
	if res.NeedCode { // the second step: the code from the authenticator app
		http.Redirect(w, r, loginCodePath(next), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, nextOf(next, "/people"), http.StatusSeeOther)
}

// doLogout ends the session and returns to the login page.
func (s *Server) doLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.auth.Logout(r.Context(), c.Value); err != nil {
			s.log.WarnContext(r.Context(), "logout", "error", err.Error())
		}
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLanguage stores the chosen language in a cookie for a year and goes back.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, nil, errs.Wrap(errs.BadRequest, err, "the form could not be read"))
		return
	}
	if lang, ok := web.ParseLang(r.PostForm.Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: web.LangCookie, Value: string(lang), Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || s.cfg.SecureCookie})
	}
	next := r.PostForm.Get("next")
	if !web.LocalPath(next) {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
