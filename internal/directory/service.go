// Package directory keeps the organization's departments, people, their channels and
// emergency contacts, and external organizations with their contacts. Personal values are
// sealed by the vault; readers get masked values unless they reveal with a reason.
package directory

import (
	"time"

	"lifeline/internal/clock"
	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// Service is the directory's domain service.
type Service struct {
	db    *store.DB
	vault *vault.Vault
	clock clock.Clock
}

// New returns a directory service.
func New(db *store.DB, v *vault.Vault, c clock.Clock) *Service {
	return &Service{db: db, vault: v, clock: c}
}

// Now is the service clock's time, for callers that record what it did.
func (s *Service) Now() time.Time { return s.clock.Now() }
