// Package notify sends an incident's notifications: it resolves the audience, plans each
// recipient's escalation ladder over their channels, queues deliveries durably, sends
// them through the configured providers with rate limits and failover, records receipts,
// replies and acknowledgements, and escalates until someone answers.
package notify

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"lifeline/internal/clock"
	"lifeline/internal/roster"
	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// Config tunes the pipeline. Zero values take the defaults.
type Config struct {
	PublicURL string        // the base of acknowledgement links, e.g. https://lifeline.example.com
	Lease     time.Duration // how long a claimed delivery is reserved for its sender (default 10 s)
	Batch     int           // deliveries claimed per query (default 500)
	Inline    int           // largest audience written as rows at creation; larger ones as batches (default 1000)
	AckTTL    time.Duration // how long acknowledgement links work (default 7 days)
	// RequireSecondForAll makes an organization-wide send wait for a second responder.
	RequireSecondForAll bool
}

// Service is the notification service.
type Service struct {
	db      *store.DB
	vault   *vault.Vault
	clock   clock.Clock
	rosters *roster.Service
	log     *slog.Logger
	cfg     Config
	http    *http.Client
	ackMAC  *vault.MAC // of acknowledgement links and callback URLs
	sleep   func(time.Duration)
	wakeup  chan struct{}
	acks    *ackBatcher
	// boardAudits throttles the audit of repeated board reads.
	boardAudits *auditThrottle
	provMu      sync.Mutex
	provSeen    time.Time
	provs       map[string]*provider // by id, enabled providers
}

// Deps are the service's collaborators.
type Deps struct {
	DB      *store.DB
	Vault   *vault.Vault
	Clock   clock.Clock
	Rosters *roster.Service
	Log     *slog.Logger
	HTTP    *http.Client        // nil: a client tuned for many concurrent sends
	Sleep   func(time.Duration) // nil: time.Sleep (tests pass a virtual clock's)
}

// New returns the notification service.
func New(d Deps, cfg Config) *Service {
	if cfg.Lease <= 0 {
		cfg.Lease = 10 * time.Second
	}
	if cfg.Inline <= 0 {
		cfg.Inline = 1000
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	cfg.Batch = min(cfg.Batch, 10000) // a batch numbers its rows' ids 1 … 2·size in 16 bits
	if cfg.AckTTL <= 0 {
		cfg.AckTTL = 7 * 24 * time.Hour
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://127.0.0.1:8080"
	}
	hc := d.HTTP
	if hc == nil {
		// Many sends to one gateway at once: keep a connection per sender in flight
		// instead of Go's default of two idle connections per host.
		hc = &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConns: 1024, MaxIdleConnsPerHost: 256,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second, ForceAttemptHTTP2: true,
		}}
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: d.DB, vault: d.Vault, clock: d.Clock, rosters: d.Rosters, log: log, cfg: cfg, http: hc,
		ackMAC: vault.NewMAC(d.Vault.SubKey("ack-links")), wakeup: make(chan struct{}, 1), provs: map[string]*provider{}}
	s.sleep = d.Sleep
	if s.sleep == nil {
		s.sleep = time.Sleep
	}
	s.acks = newAckBatcher(s)
	s.boardAudits = &auditThrottle{seen: map[string]auditMark{}}
	return s
}

// wake tells this process's dispatcher that deliveries are ready now.
func (s *Service) wake() {
	select {
	case s.wakeup <- struct{}{}:
	default:
	}
}

// Close stops the acknowledgement writer after the requests in flight.
func (s *Service) Close() { s.acks.close() }

// stopCtx is a context for work that must finish even when the caller's is cancelled
// (recording what was sent).
func stopCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}
