package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lifeline/internal/channel"
	"lifeline/internal/notify"
	"lifeline/internal/store/storetest"
)

// TestAnswerBeforeTheBatchIsWritten: a batch's rows are written when its last send
// returns, and its messages go out before that. An answer, the one-tap page and a
// delivery receipt for one of them that come back sooner wait for the rows and are
// served and recorded, instead of finding no such link or delivery.
func TestAnswerBeforeTheBatchIsWritten(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			en := newEnv(t, e, notify.Config{Inline: 1, Batch: 10})
			sk := newSink(t, "gateway-secret-0123456789")
			release := make(chan struct{})
			sk.hold = map[string]chan struct{}{"+8613900000002": release}
			gw := en.gateway(sk, "gw", 0)
			en.person("E001", "王一", "", "mobile", "13900000001")
			en.person("E002", "王二", "", "mobile", "13900000002")
			n, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{Departments: []string{en.deptID}},
				Text: "集合点变更", RequireAck: true})
			if err != nil {
				t.Fatal(err)
			}
			dctx, stop := context.WithCancel(ctx)
			stopped := make(chan struct{})
			go func() { en.svc.RunDispatcher(dctx); close(stopped) }()
			defer func() { stop(); <-stopped }()
			var link, id string
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if ms := sk.messages("+8613900000001"); len(ms) == 1 && len(sk.messages("+8613900000002")) == 1 {
					link, id = ms[0].AckURL, ms[0].ID
					break
				}
			}
			if link == "" {
				t.Fatal("the batch's messages were not sent")
			}
			// The second send is held: nothing of the batch is written yet.
			if c := en.counts(n.ID); c.Sent != 0 || c.Queued != 2 {
				t.Fatalf("counts while the batch is in flight: %+v", c)
			}
			token := link[strings.LastIndex(link, "/")+1:]
			answered, paged, receipted := make(chan error, 1), make(chan error, 1), make(chan error, 1)
			go func() {
				answered <- en.svc.Acknowledge(ctx, token, notify.AckInput{Status: notify.AckSafe}, "link")
			}()
			go func() {
				pg, err := en.svc.AckInfo(ctx, token)
				if err == nil && pg.Text != "集合点变更" {
					t.Errorf("one-tap page %+v", pg)
				}
				paged <- err
			}()
			go func() {
				receipted <- en.svc.ApplyEvents(ctx, gw.ID, []channel.Event{{Key: id, Status: channel.EventDelivered}})
			}()
			time.Sleep(200 * time.Millisecond) // let them find no rows first (not asserted)
			close(release)
			if err := <-answered; err != nil {
				t.Fatalf("an answer while its batch was in flight: %v", err)
			}
			if err := <-paged; err != nil {
				t.Fatalf("the one-tap page while its batch was in flight: %v", err)
			}
			if err := <-receipted; err != nil {
				t.Fatalf("a receipt while its batch was in flight: %v", err)
			}
			if c := en.counts(n.ID); c.Sent != 2 || c.Delivered != 1 || c.Acknowledged != 1 || c.Safe != 1 {
				t.Fatalf("counts after the answer and the receipt: %+v", c)
			}
		})
	}
}

// TestErasedWhileTheirBatchIsInFlight erases a person whose message has gone out while
// the rest of their batch is still being sent: when the batch is written, nothing of
// them is kept (no recipient or delivery row with their id, their channel or its blind
// index); the others' rows are written as sent.
func TestErasedWhileTheirBatchIsInFlight(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			en := newEnv(t, e, notify.Config{Inline: 1, Batch: 10})
			sk := newSink(t, "gateway-secret-0123456789")
			release := make(chan struct{})
			sk.hold = map[string]chan struct{}{"+8613900000002": release}
			en.gateway(sk, "gw", 0)
			gone := en.person("E001", "王一", "", "mobile", "13900000001")
			en.person("E002", "王二", "", "mobile", "13900000002")
			en.person("E003", "王三", "", "mobile", "13900000003")
			n, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{Departments: []string{en.deptID}},
				Text: "集合点变更", RequireAck: true})
			if err != nil {
				t.Fatal(err)
			}
			dctx, stop := context.WithCancel(ctx)
			stopped := make(chan struct{})
			go func() { en.svc.RunDispatcher(dctx); close(stopped) }()
			defer func() { stop(); <-stopped }()
			for deadline := time.Now().Add(30 * time.Second); sk.total() < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			}
			if sk.total() != 3 {
				t.Fatal("the batch's messages were not sent")
			}
			if err := en.dir.DeletePerson(ctx, en.sys, gone, "本人要求删除"); err != nil {
				t.Fatal(err)
			}
			close(release)
			for deadline := time.Now().Add(30 * time.Second); en.counts(n.ID).Sent < 2 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			}
			if c := en.counts(n.ID); c.Recipients != 3 || c.Sent != 2 {
				t.Fatalf("counts = %+v", c)
			}
			var kept int
			if err := en.db.Read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM recipients WHERE person_id = $1)
				+ (SELECT COUNT(*) FROM deliveries WHERE person_id = $1 OR address_index IN (SELECT address_index FROM deliveries d
					JOIN recipients r ON r.id = d.recipient_id WHERE r.person_id IS NULL AND d.address_index <> ''))`, gone).Scan(&kept); err != nil || kept != 0 {
				t.Fatalf("rows keeping the erased person: %d, %v", kept, err)
			}
		})
	}
}
