// Package app is Lifeline's composition root: it reads the configuration, opens the
// store, builds the services and the HTTP server, and runs the command-line commands.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"lifeline/internal/auth"
	"lifeline/internal/clock"
	"lifeline/internal/directory"
	"lifeline/internal/incident"
	"lifeline/internal/keys"
	"lifeline/internal/notify"
	"lifeline/internal/quality"
	"lifeline/internal/roster"
	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// App holds the wired services of one process.
type App struct {
	Config    Config
	Log       *slog.Logger
	Clock     clock.Clock
	DB        *store.DB
	Vault     *vault.Vault
	Auth      *auth.Service
	Directory *directory.Service
	Incidents *incident.Service
	Quality   *quality.Service
	Rosters   *roster.Service
	Notify    *notify.Service // built by Build: only a serving process sends
}

// Open wires the services on the configured database and applies pending migrations.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	db, err := store.Open(ctx, store.Options{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	v, err := vault.Load(cfg.DataDir, cfg.MasterKey)
	if err != nil {
		db.Close()
		return nil, err
	}
	c := clock.System{}
	if err := keys.Load(ctx, db, v, c.Now()); err != nil {
		db.Close()
		return nil, err
	}
	dir := directory.New(db, v, c)
	rosters := roster.New(db, c)
	return &App{
		Config: cfg, Log: log, Clock: c, DB: db, Vault: v,
		Auth:      auth.New(db, c, auth.DefaultConfig()).WithVault(v),
		Directory: dir,
		Incidents: incident.New(db, dir, rosters, c),
		Quality:   quality.New(db, c, quality.DefaultConfig()),
		Rosters:   rosters,
	}, nil
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// newLogger returns a JSON logger at the configured level.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level: %v", err)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// printf writes to a command's output; a failed write to stdout is not worth an error.
func printf(w io.Writer, format string, args ...any) { fmt.Fprintf(w, format, args...) }
