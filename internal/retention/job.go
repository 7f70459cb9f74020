package retention

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"lifeline/internal/store"
)

// Args is the daily retention job.
type Args struct{}

// Kind names the job in the queue.
func (Args) Kind() string { return "retention.run" }

// Worker runs the retention policy.
type Worker struct {
	river.WorkerDefaults[Args]
	DB     *store.DB
	Policy Policy
}

// Work purges what has expired.
func (w *Worker) Work(ctx context.Context, _ *river.Job[Args]) error {
	_, err := Run(ctx, w.DB, time.Now(), w.Policy)
	return err
}

// Timeout allows a large first purge.
func (w *Worker) Timeout(*river.Job[Args]) time.Duration { return 15 * time.Minute }
