package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/channel"
	"lifeline/internal/errs"
	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// Provider is a configured provider account as an administrator sees it: never the
// configuration, which holds secrets.
type Provider struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	Media     string    `json:"media"`
	Priority  int       `json:"priority"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
}

// ProviderInput creates a provider. For the generic gateway the SPEC §9 fields url and
// secret are given at the top level; other kinds take their settings in config.
type ProviderInput struct {
	Kind     string          `json:"kind"`
	Name     string          `json:"name"`
	URL      string          `json:"url,omitempty"`
	Secret   string          `json:"secret,omitempty"`
	Priority int             `json:"priority,omitempty"`
	Config   json.RawMessage `json:"config,omitempty"`
}

// provider is an enabled provider ready to send, with its pacing.
type provider struct {
	Provider
	sender  channel.Sender
	kind    channel.Kind
	limiter *Limiter
	slots   chan struct{} // requests in flight
	config  json.RawMessage
}

// CreateProvider validates and stores a provider account, its configuration sealed.
func (s *Service) CreateProvider(ctx context.Context, p *access.Principal, in ProviderInput) (Provider, error) {
	if !p.Can(access.ProvidersManage) {
		return Provider{}, errs.E(errs.Forbidden, "you may not configure providers")
	}
	in.Name = strings.TrimSpace(in.Name)
	var v errs.Validation
	kind, ok := channel.Lookup(in.Kind)
	v.Check(ok, "kind", "one of "+strings.Join(kindNames(), ", "))
	v.Check(in.Name != "" && len([]rune(in.Name)) <= 100, "name", "required, at most 100 characters")
	v.Check(in.Priority >= 0 && in.Priority <= 100, "priority", "0 to 100")
	if err := v.Err(); err != nil {
		return Provider{}, err
	}
	cfg := in.Config
	if in.Kind == channel.HTTPGateway.Name && len(cfg) == 0 {
		cfg, _ = json.Marshal(channel.GatewayConfig{URL: in.URL, Secret: in.Secret})
	} else if in.URL != "" || in.Secret != "" {
		return Provider{}, errs.E(errs.Invalid, "url and secret are top-level only for http_gateway; put this kind's settings in config")
	}
	if len(cfg) == 0 {
		cfg = json.RawMessage("{}")
	}
	if _, err := kind.New(cfg, channel.Deps{HTTP: s.http, Now: s.clock.Now, Log: s.log}); err != nil {
		return Provider{}, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "config", Message: err.Error()}}}
	}
	now := s.clock.Now()
	pr := Provider{ID: store.NewID(), Kind: kind.Name, Name: in.Name, Media: mediaOf(kind, cfg), Priority: in.Priority, Enabled: true, CreatedAt: now}
	sealed := s.vault.Seal(cfg, "provider:"+pr.ID)
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO providers (id, kind, name, media, priority, sealed, key_id, enabled, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $8)`, pr.ID, pr.Kind, pr.Name, pr.Media, pr.Priority, sealed, vault.KeyID(sealed), store.TS(now))
		if store.UniqueViolation(err) {
			return &errs.Error{Kind: errs.Conflict, Message: "a provider with this name exists", Fields: []errs.FieldError{{Field: "name", Message: "already used"}}}
		}
		if err != nil {
			return fmt.Errorf("insert provider: %w", err)
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "provider.create", ObjectType: "provider", ObjectID: pr.ID, Detail: "kind=" + pr.Kind})
	})
	if err != nil {
		return Provider{}, err
	}
	s.invalidateProviders()
	return pr, nil
}

// ListProviders lists the provider accounts.
func (s *Service) ListProviders(ctx context.Context, p *access.Principal) ([]Provider, error) {
	if !p.Can(access.ProvidersManage) && !p.Can(access.IncidentWrite) {
		return nil, errs.E(errs.Forbidden, "you may not see providers")
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, kind, name, media, priority, enabled, created_at FROM providers ORDER BY media, priority, name`)
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}
	defer rows.Close()
	out := []Provider{}
	for rows.Next() {
		var pr Provider
		if err := rows.Scan(&pr.ID, &pr.Kind, &pr.Name, &pr.Media, &pr.Priority, &pr.Enabled, &pr.CreatedAt); err != nil {
			return nil, err
		}
		pr.CreatedAt = pr.CreatedAt.UTC()
		out = append(out, pr)
	}
	return out, rows.Err()
}

// SetProviderEnabled switches a provider account on or off.
func (s *Service) SetProviderEnabled(ctx context.Context, p *access.Principal, id string, enabled bool) error {
	if !p.Can(access.ProvidersManage) {
		return errs.E(errs.Forbidden, "you may not configure providers")
	}
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE providers SET enabled = $1, updated_at = $2 WHERE id = $3`, enabled, store.TS(now), id)
		if err != nil {
			return fmt.Errorf("update provider: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "provider not found")
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "provider.enable", ObjectType: "provider", ObjectID: id, Detail: fmt.Sprintf("enabled=%v", enabled)})
	})
	if err == nil {
		s.invalidateProviders()
	}
	return err
}

// mediaOf is what a provider carries; the log provider can stand in for any medium.
func mediaOf(k channel.Kind, cfg json.RawMessage) string {
	if k.Name == channel.LogProvider.Name {
		var c struct {
			Media string `json:"media"`
		}
		if json.Unmarshal(cfg, &c) == nil && c.Media != "" {
			return c.Media
		}
	}
	return k.Media
}

func kindNames() []string {
	var out []string
	for _, k := range channel.Kinds() {
		out = append(out, k.Name)
	}
	return out
}

func (s *Service) invalidateProviders() {
	s.provMu.Lock()
	s.provSeen = time.Time{}
	s.provMu.Unlock()
}

// providers returns the enabled providers by medium in failover order. It reloads
// at most every 10 seconds (another process may have changed them), keeping the
// limiters and in-flight slots of providers that did not change.
func (s *Service) providers(ctx context.Context) (map[string][]*provider, error) {
	s.provMu.Lock()
	defer s.provMu.Unlock()
	if time.Since(s.provSeen) > 10*time.Second {
		if err := s.reloadProviders(ctx); err != nil {
			return nil, err
		}
		s.provSeen = time.Now()
	}
	byMedia := map[string][]*provider{}
	for _, p := range s.provs {
		byMedia[p.Media] = append(byMedia[p.Media], p)
	}
	for _, ps := range byMedia {
		sort.Slice(ps, func(i, j int) bool {
			if ps[i].Priority != ps[j].Priority {
				return ps[i].Priority < ps[j].Priority
			}
			return ps[i].ID < ps[j].ID
		})
	}
	return byMedia, nil
}

func (s *Service) reloadProviders(ctx context.Context) error {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, kind, name, media, priority, sealed FROM providers WHERE enabled`)
	if err != nil {
		return fmt.Errorf("load providers: %w", err)
	}
	defer rows.Close()
	next := map[string]*provider{}
	for rows.Next() {
		var pr Provider
		var sealed []byte
		if err := rows.Scan(&pr.ID, &pr.Kind, &pr.Name, &pr.Media, &pr.Priority, &sealed); err != nil {
			return err
		}
		pr.Enabled = true
		cfg, err := s.vault.Open(sealed, "provider:"+pr.ID)
		if err != nil {
			return fmt.Errorf("open provider %s: %w", pr.ID, err)
		}
		if old := s.provs[pr.ID]; old != nil && string(old.config) == string(cfg) {
			old.Provider = pr
			next[pr.ID] = old
			continue
		}
		kind, ok := channel.Lookup(pr.Kind)
		if !ok {
			s.log.Warn("provider of an unknown kind skipped", "provider", pr.ID, "kind", pr.Kind)
			continue
		}
		sender, err := kind.New(cfg, channel.Deps{HTTP: s.http, Now: s.clock.Now, Log: s.log})
		if err != nil {
			s.log.Warn("provider configuration invalid, skipped", "provider", pr.ID, "error", err.Error())
			continue
		}
		conc, account := kind.Concurrency, kind.Account
		if kind.Name == channel.HTTPGateway.Name {
			var gc channel.GatewayConfig
			if json.Unmarshal(cfg, &gc) == nil {
				if gc.Concurrency > 0 {
					conc = gc.Concurrency
				}
				if gc.RatePerSecond > 0 {
					account = append(account, channel.Limit{N: gc.RatePerSecond, Per: time.Second})
				}
			}
		}
		if conc <= 0 {
			conc = 8
		}
		next[pr.ID] = &provider{Provider: pr, sender: sender, kind: kind, config: cfg,
			limiter: NewLimiter(account, kind.PerAddress), slots: make(chan struct{}, conc)}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.provs = next
	return nil
}

// availableMedia is the set of media some enabled provider carries.
func (s *Service) availableMedia(ctx context.Context) (map[string]bool, error) {
	provs, err := s.providers(ctx)
	if err != nil {
		return nil, err
	}
	available := make(map[string]bool, len(provs))
	for m := range provs {
		available[m] = true
	}
	return available, nil
}
