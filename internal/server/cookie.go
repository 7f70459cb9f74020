package server

import (
	"net/http"
	"time"
)

// sessionCookie names the session cookie. The __Host- prefix is used only under TLS,
// where browsers enforce it.
const sessionCookie = "lifeline_session"

// setSessionCookie stores a session secret in an HttpOnly, SameSite=Lax cookie,
// Secure under TLS (or when configured behind a TLS proxy).
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || s.cfg.SecureCookie})
}

// clearSessionCookie removes the session cookie.
func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || s.cfg.SecureCookie, MaxAge: -1, Expires: time.Unix(0, 0)})
}
