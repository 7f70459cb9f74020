package notify_test

import (
	"strings"
	"testing"

	"lifeline/internal/notify"
	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
)

// TestReviewRemindersOverChannels: a review reminder alert for an account linked to a
// person reaches that person's phone once, through the notification pipeline; an
// account without a person keeps the in-app alert only.
func TestReviewRemindersOverChannels(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			en := newEnv(t, e, notify.Config{})
			sk := newSink(t, "gateway-secret-0123456789")
			en.gateway(sk, "gw", 0)
			owner := en.person("O1", "名单负责人", "", "mobile", "13900000031")
			ts := store.TS(en.clk.Now())
			for _, u := range []struct{ id, name, person string }{{"u1", "owner", owner}, {"u2", "robot", ""}} {
				var pid any
				if u.person != "" {
					pid = u.person
				}
				if _, err := en.db.Write.Exec(`INSERT INTO users (id, username, display_name, password_hash, role, person_id, created_at, updated_at)
					VALUES ($1, $2, $2, 'x', 'roster_owner', $3, $4, $4)`, u.id, u.name, pid, ts); err != nil {
					t.Fatal(err)
				}
				if _, err := en.db.Write.Exec(`INSERT INTO alerts (id, user_id, kind, subject, message, created_at) VALUES ($1, $2, 'review_reminder', 'review:t1', $3, $4)`,
					store.NewID(), u.id, "今天是应急名单 抢险救援组 审核（2026Q4）的截止日", ts); err != nil {
					t.Fatal(err)
				}
			}
			en.escalate(1)
			en.dispatch(func() bool { return sk.total() == 1 })
			m := sk.messages("+8613900000031")
			if len(m) != 1 || !strings.Contains(m[0].Text, "抢险救援组") || m[0].AckURL != "" {
				t.Fatalf("reminder %+v", m)
			}
			en.escalate(0)
			en.dispatch(func() bool { return true })
			if sk.total() != 1 {
				t.Fatalf("%d messages; a reminder went twice", sk.total())
			}
			var pending int
			if err := en.db.Read.QueryRow(`SELECT COUNT(*) FROM alerts WHERE notified_at IS NULL`).Scan(&pending); err != nil || pending != 0 {
				t.Fatalf("%d alerts not stamped (%v)", pending, err)
			}
		})
	}
}
