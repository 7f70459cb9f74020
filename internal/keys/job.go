package keys

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// ReencryptArgs is the job that moves sealed values to the current key after a rotation.
type ReencryptArgs struct{}

// Kind names the job in the queue.
func (ReencryptArgs) Kind() string { return "keys.reencrypt" }

// Grace is how long a replaced key stays unretired, so that every serving process has
// loaded its successor (they refresh every minute) before nothing may seal with it.
const Grace = 5 * time.Minute

// ReencryptWorker runs ReencryptArgs jobs in batches, so serving goes on meanwhile.
type ReencryptWorker struct {
	river.WorkerDefaults[ReencryptArgs]
	DB    *store.DB
	Vault *vault.Vault
}

// Work re-seals a batch at a time until no value uses an older key, retires the keys
// nothing uses, and comes back later while a replaced key is still in its grace period.
func (w *ReencryptWorker) Work(ctx context.Context, _ *river.Job[ReencryptArgs]) error {
	if err := Refresh(ctx, w.DB, w.Vault); err != nil {
		return err
	}
	for {
		n, err := Reencrypt(ctx, w.DB, w.Vault, 500)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	now := time.Now()
	if _, err := RetireUnused(ctx, w.DB, w.Vault, now.Add(-Grace), now); err != nil {
		return err
	}
	st, err := Status(ctx, w.DB.Read)
	if err != nil {
		return err
	}
	for _, k := range st {
		if !k.Current && k.RetiredAt == nil {
			return river.JobSnooze(time.Minute) // a replaced key is still in its grace period
		}
	}
	return nil
}

// Timeout lets a re-encryption of a large directory run past the default job timeout;
// it works in short transactions, so serving goes on meanwhile.
func (w *ReencryptWorker) Timeout(*river.Job[ReencryptArgs]) time.Duration { return 30 * time.Minute }
