package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"lifeline/internal/jobs"
	"lifeline/internal/store/storetest"
)

type pingArgs struct {
	ID string `json:"id"`
}

func (pingArgs) Kind() string { return "test.ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	done chan string
}

func (w *pingWorker) Work(ctx context.Context, j *river.Job[pingArgs]) error {
	w.done <- j.Args.ID
	return nil
}

// TestTransactionalEnqueue shows River working on every engine: a job inserted in a
// committed transaction runs; one inserted in a rolled-back transaction never does.
func TestTransactionalEnqueue(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			db := storetest.Open(t, e)
			w := &pingWorker{done: make(chan string, 10)}
			workers := river.NewWorkers()
			river.AddWorker(workers, w)
			c, err := jobs.New(db, jobs.Options{Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer c.Stop(context.Background())
			rollback := errors.New("rollback")
			err = db.InTx(ctx, func(tx *sql.Tx) error {
				if _, err := c.InsertTx(ctx, tx, pingArgs{ID: "rolled-back"}, nil); err != nil {
					return err
				}
				return rollback
			})
			if !errors.Is(err, rollback) {
				t.Fatal(err)
			}
			err = db.InTx(ctx, func(tx *sql.Tx) error {
				_, err := c.InsertTx(ctx, tx, pingArgs{ID: "committed"}, nil)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			select {
			case id := <-w.done:
				if id != "committed" {
					t.Fatalf("ran %q", id)
				}
			case <-ctx.Done():
				t.Fatal("the committed job never ran")
			}
			var n int
			if err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE kind = 'test.ping'`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("river_job rows = %d, %v (the rolled-back insert must not exist)", n, err)
			}
		})
	}
}
