package store_test

import (
	"context"
	"testing"
	"time"

	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
)

// TestUpgradeKeepsNotificationRows writes a notification's rows and a drill's
// remediation task as version 22 had them, upgrades through 0023 (which rebuilds the
// recipients and deliveries tables on SQLite, without their foreign keys): every row
// is kept, the task still refers to its recipient, and erasing the person clears their
// id from the recipient row, as the dropped key's ON DELETE SET NULL did.
func TestUpgradeKeepsNotificationRows(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, e.Options(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := store.MigrateTo(db, ctx, 22); err != nil {
				t.Fatal(err)
			}
			ts := store.TS(time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC))
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO departments (id, name, path, name_path, created_at, updated_at) VALUES ('d1', '总部', '/d1/', '总部', $1, $1)`, []any{ts}},
				{`INSERT INTO people (id, employee_no, name, name_pinyin, name_initials, department_id, status, created_at, updated_at)
					VALUES ('p1', 'E1', '王一', 'wangyi', 'wy', 'd1', 'active', $1, $1)`, []any{ts}},
				{`INSERT INTO incidents (id, title, type, level, status, reporter, occurred_at, created_at, updated_at)
					VALUES ('i1', '演练', 'drill', 'IV', 'active', 'sys', $1, $1, $1)`, []any{ts}},
				{`INSERT INTO notifications (id, incident_id, text, require_ack, drill, audience, policy, status, recipients, creator, send_at, ack_until, created_at)
					VALUES ('n1', 'i1', '演练', $2, $2, '{}', '{}', 'sending', 1, 'sys', $1, $1, $1)`, []any{ts, true}},
				{`INSERT INTO recipients (id, notification_id, person_id, next_step_at, acked_at, created_at, reached_at) VALUES ('r1', 'n1', 'p1', $1, $1, $1, $1)`, []any{ts}},
				{`INSERT INTO deliveries (id, notification_id, recipient_id, step, target, person_id, media, address_index, state, not_before, queued_at, sent_at, provider_message_id)
					VALUES ('d1', 'n1', 'r1', 0, 'self', 'p1', 'sms', 'lk', 'sent', $1, $1, $1, 'm1')`, []any{ts}},
				{`INSERT INTO remediation_tasks (id, incident_id, recipient_id, person_id, reason, due_on, status, created_at)
					VALUES ('t1', 'i1', 'r1', 'p1', 'unreachable', '2026-11-30', 'open', $1)`, []any{ts}},
			} {
				if _, err := db.Write.ExecContext(ctx, q.sql, q.args...); err != nil {
					t.Fatalf("%s: %v", q.sql, err)
				}
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var got string
			err = db.Read.QueryRowContext(ctx, `SELECT r.person_id || d.address_index || d.provider_message_id || t.recipient_id || r.notification_id
				FROM recipients r JOIN deliveries d ON d.recipient_id = r.id JOIN remediation_tasks t ON t.recipient_id = r.id`).Scan(&got)
			if err != nil || got != "p1lkm1r1n1" {
				t.Fatalf("rows after the upgrade: %q, %v", got, err)
			}
			if _, err := db.Write.ExecContext(ctx, `DELETE FROM people WHERE id = 'p1'`); err != nil {
				t.Fatal(err)
			}
			var left int
			if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM recipients WHERE person_id IS NOT NULL`).Scan(&left); err != nil || left != 0 {
				t.Fatalf("recipients still naming the erased person: %d, %v", left, err)
			}
		})
	}
}
