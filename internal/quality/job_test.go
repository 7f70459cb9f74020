package quality

import (
	"context"
	"testing"
	"time"

	"lifeline/internal/clock"
	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
)

// TestRecheckWaitsForSending: while a notification is going out the periodic recheck
// does nothing (the database is the broadcast's), and it runs once the sending is done.
func TestRecheckWaitsForSending(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, e)
			now := time.Now().UTC()
			ts := store.TS(now)
			for _, q := range []string{
				`INSERT INTO notifications (id, text, require_ack, drill, audience, policy, status, recipients, creator, send_at, ack_until, created_at)
					VALUES ('n1', 'x', true, false, '{}', '{}', 'sending', 1, 'test', $1, $1, $1)`,
				`INSERT INTO recipients (id, notification_id, step, created_at) VALUES ('r1', 'n1', 0, $1)`,
				`INSERT INTO deliveries (id, notification_id, recipient_id, step, target, media, state, not_before, queued_at)
					VALUES ('d1', 'n1', 'r1', 0, 'self', 'sms', 'queued', $1, $1)`,
			} {
				if _, err := db.Write.ExecContext(ctx, q, ts); err != nil {
					t.Fatal(err)
				}
			}
			w := &RecheckWorker{Quality: New(db, clock.System{}, DefaultConfig())}
			if err := w.Work(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if w.version != "" {
				t.Fatal("the recheck ran while a delivery was waiting to be sent")
			}
			if _, err := db.Write.ExecContext(ctx, `UPDATE deliveries SET state = 'sent', sent_at = $1`, ts); err != nil {
				t.Fatal(err)
			}
			if err := w.Work(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if w.version == "" {
				t.Fatal("the recheck did not run once the sending was done")
			}
		})
	}
}
