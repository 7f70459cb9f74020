// Package auth keeps user accounts, passwords, sessions and API tokens, and turns a
// session cookie or bearer token into the access.Principal a request runs as.
package auth

import (
	"sync"
	"time"

	"lifeline/internal/clock"
	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// Config holds the session and lockout policy.
type Config struct {
	SessionIdle     time.Duration // a session ends after this long without use
	SessionAbsolute time.Duration // and in any case this long after login
	MaxFailures     int           // failed logins in a row before the account locks
	Lockout         time.Duration // how long a locked account stays locked
	LoginsPerMinute int           // login attempts per client address per minute
}

// DefaultConfig is the policy unless configured otherwise.
func DefaultConfig() Config {
	return Config{SessionIdle: 30 * time.Minute, SessionAbsolute: 12 * time.Hour, MaxFailures: 5, Lockout: 15 * time.Minute, LoginsPerMinute: 20}
}

// Service is the authentication service.
type Service struct {
	db    *store.DB
	clock clock.Clock
	cfg   Config
	vault *vault.Vault // seals TOTP secrets; MFA is unavailable without it

	mu       sync.Mutex
	attempts map[string][]time.Time // login attempts per client address in the last minute
}

// New returns an authentication service.
func New(db *store.DB, c clock.Clock, cfg Config) *Service {
	return &Service{db: db, clock: c, cfg: cfg, attempts: map[string][]time.Time{}}
}

// WithVault gives the service the vault that seals TOTP secrets at rest, and returns it.
func (s *Service) WithVault(v *vault.Vault) *Service {
	s.vault = v
	return s
}

// allowAttempt reports whether a client address may try to log in now (a sliding window).
func (s *Service) allowAttempt(ip string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	recent := s.attempts[ip][:0]
	for _, t := range s.attempts[ip] {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= s.cfg.LoginsPerMinute {
		s.attempts[ip] = recent
		return false
	}
	s.attempts[ip] = append(recent, now)
	if len(s.attempts) > 10000 { // forget idle addresses so the map stays small
		for k, v := range s.attempts {
			if len(v) == 0 || now.Sub(v[len(v)-1]) >= time.Minute {
				delete(s.attempts, k)
			}
		}
	}
	return true
}
