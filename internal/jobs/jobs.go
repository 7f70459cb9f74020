// Package jobs wires River, the durable job queue, on SQLite or PostgreSQL. Jobs are
// enqueued in the caller's transaction (*sql.Tx on both engines) and carry ids only,
// never personal data.
package jobs

import (
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"lifeline/internal/store"
)

// Client is River's client over database/sql transactions.
type Client = river.Client[*sql.Tx]

// Options configure the client.
type Options struct {
	Workers  *river.Workers       // nil for an insert-only client (CLI commands)
	Periodic []*river.PeriodicJob // scheduled maintenance
	Logger   *slog.Logger
}

// New returns a River client on the database's engine. A job that runs longer than a
// minute is cancelled, and a job whose worker died is rescued after two minutes, not
// River's default hour: an emergency product cannot wait an hour for a stuck send.
func New(db *store.DB, o Options) (*Client, error) {
	cfg := &river.Config{
		JobTimeout:           time.Minute,
		RescueStuckJobsAfter: 2 * time.Minute,
		Logger:               o.Logger,
		PeriodicJobs:         o.Periodic,
	}
	if o.Workers != nil {
		cfg.Workers = o.Workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}}
		cfg.FetchPollInterval = 200 * time.Millisecond
	}
	var c *Client
	var err error
	switch db.Engine {
	case store.SQLite:
		c, err = river.NewClient(riversqlite.New(db.Write), cfg)
	default:
		c, err = river.NewClient(riverdatabasesql.New(db.Write), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}
