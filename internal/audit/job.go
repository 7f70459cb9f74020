package audit

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"lifeline/internal/store"
)

// CheckpointArgs is the periodic job that signs the head of the audit chain.
type CheckpointArgs struct{}

// Kind names the job in the queue.
func (CheckpointArgs) Kind() string { return "audit.checkpoint" }

// CheckpointWorker runs CheckpointArgs jobs.
type CheckpointWorker struct {
	river.WorkerDefaults[CheckpointArgs]
	DB  *store.DB
	Key []byte
}

// Work signs the current head.
func (w *CheckpointWorker) Work(ctx context.Context, _ *river.Job[CheckpointArgs]) error {
	return Checkpoint(ctx, w.DB, w.Key, time.Now())
}

// KeyPurpose is the purpose under which the checkpoint key is derived from the master key.
const KeyPurpose = "audit checkpoint"
