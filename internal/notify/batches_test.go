package notify_test

import (
	"context"
	"fmt"
	"testing"

	"lifeline/internal/access"
	"lifeline/internal/notify"
	"lifeline/internal/store/storetest"
)

// TestBatchesLifecycle follows a notification written as batches (more recipients than
// Config.Inline) through approval, cancellation and the incident's close: nothing is
// sent before approval or after a cancel, and the recipients of batches never expanded
// still appear in the counts and the report.
func TestBatchesLifecycle(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			en := newEnv(t, e, notify.Config{Inline: 2, Batch: 3, RequireSecondForAll: true})
			sk := newSink(t, "gateway-secret-0123456789")
			en.gateway(sk, "gw", 0)
			const n = 10
			for i := range n {
				en.person(fmt.Sprintf("E%03d", i), fmt.Sprintf("员工%d", i), "", "mobile", fmt.Sprintf("1390000%04d", i))
			}
			second := &access.Principal{UserID: "u2", Username: "second", Role: access.Admin}

			// Organization-wide: written as 4 batches, held until a second responder approves.
			all, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{All: true}, Text: "全员撤离", RequireAck: true})
			if err != nil {
				t.Fatal(err)
			}
			if all.Status != "pending_approval" {
				t.Fatalf("status %s", all.Status)
			}
			en.dispatch(func() bool { return true })
			if sk.total() != 0 {
				t.Fatalf("%d messages sent before approval", sk.total())
			}
			if c := en.counts(all.ID); c.Recipients != n || c.Queued != n {
				t.Fatalf("counts before approval: %+v", c)
			}
			if _, err := en.svc.Approve(ctx, second, en.incident, all.ID); err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { return en.counts(all.ID).Sent == n })
			if sk.total() != n {
				t.Fatalf("%d messages after approval, want %d", sk.total(), n)
			}

			// Cancelled before the dispatcher ran: nothing goes out, every recipient is counted.
			dept, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{Departments: []string{en.deptID}}, Text: "第二次通知"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := en.svc.Cancel(ctx, en.sys, en.incident, dept.ID); err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { return true })
			if sk.total() != n {
				t.Fatalf("%d messages, want %d: the cancelled notification sent", sk.total(), n)
			}
			if c := en.counts(dept.ID); c.Recipients != n || c.Queued != 0 || c.Sent != 0 {
				t.Fatalf("counts after cancel: %+v", c)
			}

			// Closing the incident with a notification not yet expanded: it is never sent
			// and the report counts its recipients.
			last, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{Departments: []string{en.deptID}}, Text: "第三次通知"})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := en.svc.FinishIncident(ctx, en.sys, en.incident)
			if err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { return true })
			if sk.total() != n {
				t.Fatalf("%d messages, want %d: a notification of a closed incident sent", sk.total(), n)
			}
			if c := en.counts(last.ID); c.Recipients != n || c.Queued != 0 {
				t.Fatalf("counts after close: %+v", c)
			}
			if rep.Recipients != 2*n {
				t.Fatalf("report recipients = %d, want %d (the cancelled notification is not counted)", rep.Recipients, 2*n)
			}
		})
	}
}

// TestErasedBeforeTheirBatch erases a person (their right to deletion) after a large
// notification planned them and before their batch is written: everyone else is sent
// to and recorded, the erased person's planned message is not sent (their channels are
// gone with them), and no row of the notification keeps their id.
func TestErasedBeforeTheirBatch(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			en := newEnv(t, e, notify.Config{Inline: 2, Batch: 3})
			sk := newSink(t, "gateway-secret-0123456789")
			en.gateway(sk, "gw", 0)
			const n = 10
			ids := make([]string, n)
			for i := range n {
				ids[i] = en.person(fmt.Sprintf("E%03d", i), fmt.Sprintf("员工%d", i), "", "mobile", fmt.Sprintf("1390000%04d", i))
			}
			nt, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{Departments: []string{en.deptID}},
				Text: "请立即撤离", RequireAck: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := en.dir.DeletePerson(ctx, en.sys, ids[4], "本人要求删除"); err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { c := en.counts(nt.ID); return c.Sent+c.Failed == n })
			if c := en.counts(nt.ID); c.Recipients != n || c.Sent != n-1 || c.Failed != 1 {
				t.Fatalf("counts = %+v", en.counts(nt.ID))
			}
			if got := len(sk.messages("+8613900000004")); got != 0 {
				t.Fatalf("the erased person was sent %d messages", got)
			}
			for _, q := range []string{`SELECT COUNT(*) FROM recipients WHERE person_id = $1`, `SELECT COUNT(*) FROM deliveries WHERE person_id = $1`} {
				var left int
				if err := en.db.Read.QueryRowContext(ctx, q, ids[4]).Scan(&left); err != nil || left != 0 {
					t.Fatalf("%s: %d, %v", q, left, err)
				}
			}
		})
	}
}
