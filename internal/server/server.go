// Package server is Lifeline's HTTP transport: the JSON API under /api/v1, the web UI,
// health, readiness and metrics. Every route is listed in routes.go.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"lifeline/internal/auth"
	"lifeline/internal/clock"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/export"
	"lifeline/internal/hrsync"
	"lifeline/internal/incident"
	"lifeline/internal/notify"
	"lifeline/internal/quality"
	"lifeline/internal/review"
	"lifeline/internal/roster"
	"lifeline/internal/store"
	"lifeline/internal/vault"
	"lifeline/internal/web"
)

// Config holds transport settings.
type Config struct {
	MaxBodyBytes int64 // JSON request bodies larger than this are refused with 413
	TrustProxy   bool  // take the client address from X-Forwarded-For
	SecureCookie bool  // set Secure on cookies even without TLS at this hop (behind a TLS proxy)
	Version      string
}

// Server handles HTTP requests.
type Server struct {
	cfg       Config
	log       *slog.Logger
	db        *store.DB
	auth      *auth.Service
	dir       *directory.Service
	incidents *incident.Service
	exports   *export.Service
	quality   *quality.Service
	hr        *hrsync.Service
	rosters   *roster.Service
	notify    *notify.Service
	reviews   *review.Service
	web       *web.Renderer
	vault     *vault.Vault
	clock     clock.Clock
	metrics   metrics
	ready     func(context.Context) error
	handler   http.Handler
}

type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() metrics {
	reg := prometheus.NewRegistry()
	m := metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lifeline_http_requests_total", Help: "HTTP requests by method, route and status."},
			[]string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "lifeline_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Deps are the services the server exposes.
type Deps struct {
	Log       *slog.Logger
	DB        *store.DB
	Auth      *auth.Service
	Directory *directory.Service
	Incidents *incident.Service
	Exports   *export.Service
	Quality   *quality.Service
	HR        *hrsync.Service
	Rosters   *roster.Service
	Notify    *notify.Service
	Web       *web.Renderer
	Vault     *vault.Vault
	Clock     clock.Clock
	Ready     func(context.Context) error // extra readiness check (e.g. the job queue); may be nil
}

// New builds the server and its routes.
func New(cfg Config, d Deps) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	s := &Server{cfg: cfg, log: d.Log, db: d.DB, auth: d.Auth, dir: d.Directory, incidents: d.Incidents, exports: d.Exports, quality: d.Quality, hr: d.HR, rosters: d.Rosters, notify: d.Notify, web: d.Web, vault: d.Vault, clock: d.Clock, ready: d.Ready, metrics: newMetrics()}
	s.reviews = review.New(d.DB, d.Clock)
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, rt.Handler)
	}
	mux.Handle("/api/", s.api(func(w http.ResponseWriter, r *http.Request) error { return errNoRoute }))
	pattern := func(r *http.Request) string {
		if r.Pattern != "" {
			return r.Pattern
		}
		return "unmatched"
	}
	protect := http.NewCrossOriginProtection()
	protect.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeProblem(w, r, errs.E(errs.Forbidden, "cross-origin request refused"))
	}))
	s.handler = s.observe(pattern, s.secureHeaders(protect.Handler(mux)))
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// MetricsHandler serves Prometheus metrics.
func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	err := s.db.Ping(ctx)
	if err == nil && s.ready != nil {
		err = s.ready(ctx)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err != nil {
		s.log.WarnContext(ctx, "not ready", slog.String("error", err.Error()))
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
