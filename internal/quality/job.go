package quality

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"lifeline/internal/store"
)

// RecheckArgs is the periodic job that keeps findings current: it rechecks when the
// directory changed since the last recheck, and in any case once a day.
type RecheckArgs struct{}

// Kind names the job in the queue.
func (RecheckArgs) Kind() string { return "quality.recheck" }

// RecheckWorker runs RecheckArgs jobs.
type RecheckWorker struct {
	river.WorkerDefaults[RecheckArgs]
	Quality *Service

	mu      sync.Mutex
	version string
	at      time.Time
}

// Work rechecks if the data changed.
func (w *RecheckWorker) Work(ctx context.Context, _ *river.Job[RecheckArgs]) error {
	v, err := dataVersion(ctx, w.Quality.db)
	if err != nil {
		return err
	}
	w.mu.Lock()
	fresh := v == w.version && time.Since(w.at) < 24*time.Hour
	w.mu.Unlock()
	if fresh {
		return nil
	}
	// A broadcast going out has the database (on SQLite, its one writer) first: a full
	// recheck of a large directory would hold it for seconds while messages wait. The
	// findings catch up at the first round after the sending is done (failed
	// deliveries, which change the version, are then counted once).
	if busy, err := sending(ctx, w.Quality.db, time.Now()); err != nil || busy {
		return err
	}
	if _, err := w.Quality.Recheck(ctx); err != nil {
		return err
	}
	w.mu.Lock()
	w.version, w.at = v, time.Now()
	w.mu.Unlock()
	return nil
}

// Timeout allows a recheck of a large directory.
func (w *RecheckWorker) Timeout(*river.Job[RecheckArgs]) time.Duration { return 10 * time.Minute }

// dataVersion changes whenever people, channels or emergency contacts change (every
// write records history, and deletions change the counts) and when a delivery fails.
func dataVersion(ctx context.Context, db *store.DB) (string, error) {
	var last sql.NullString
	var people, channels, contacts, failed int64
	err := db.Read.QueryRowContext(ctx, `SELECT (SELECT CAST(max(id) AS TEXT) FROM history), (SELECT count(*) FROM people),
		(SELECT count(*) FROM channels), (SELECT count(*) FROM emergency_contacts), (SELECT count(*) FROM deliveries WHERE state = 'failed')`).
		Scan(&last, &people, &channels, &contacts, &failed)
	if err != nil {
		return "", fmt.Errorf("data version: %w", err)
	}
	return fmt.Sprintf("%s/%d/%d/%d/%d", last.String, people, channels, contacts, failed), nil
}

// sending reports whether notifications are being sent: deliveries ready or in flight,
// or batches of a large notification not yet expanded (the queue's own indexes answer).
func sending(ctx context.Context, db *store.DB, now time.Time) (bool, error) {
	var n int
	err := db.Read.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE state IN ('queued', 'sending') AND (state = 'sending' OR not_before <= $1) LIMIT 1) d) +
			(SELECT COUNT(*) FROM (SELECT 1 FROM notification_batches WHERE state = 'queued' AND not_before <= $1 LIMIT 1) b)`,
		store.TS(now.Add(time.Minute))).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("notifications being sent: %w", err)
	}
	return n > 0, nil
}
