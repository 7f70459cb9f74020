package review

import (
	"context"

	"github.com/riverqueue/river"
)

// Args is the periodic job of the review cycle: open due tasks, remind, escalate.
type Args struct{}

// Kind names the job in the queue.
func (Args) Kind() string { return "review.cycle" }

// Worker runs Args jobs.
type Worker struct {
	river.WorkerDefaults[Args]
	Reviews *Service
}

// Work runs the cycle once (idempotent).
func (w *Worker) Work(ctx context.Context, _ *river.Job[Args]) error {
	_, err := w.Reviews.Run(ctx)
	return err
}
