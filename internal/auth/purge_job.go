package auth

import (
	"context"

	"github.com/riverqueue/river"
)

// PurgeArgs is the periodic job that deletes expired sessions and idempotency records.
type PurgeArgs struct{}

// Kind names the job in the queue.
func (PurgeArgs) Kind() string { return "auth.purge_expired" }

// PurgeWorker runs PurgeArgs jobs.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	Auth *Service
}

// Work deletes what has expired.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	_, err := w.Auth.PurgeExpired(ctx)
	return err
}
