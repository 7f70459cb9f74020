package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lifeline/internal/notify"
	"lifeline/internal/store/storetest"
)

// TestAnswerBeforeTheBatchIsWritten: a batch's rows are written when its last send
// returns, and its messages go out before that. An answer to one of them that comes back
// sooner waits for the rows and is recorded, instead of finding no such link.
func TestAnswerBeforeTheBatchIsWritten(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			en := newEnv(t, e, notify.Config{Inline: 1, Batch: 10})
			sk := newSink(t, "gateway-secret-0123456789")
			release := make(chan struct{})
			sk.hold = map[string]chan struct{}{"+8613900000002": release}
			en.gateway(sk, "gw", 0)
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
			var link string
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if ms := sk.messages("+8613900000001"); len(ms) == 1 && len(sk.messages("+8613900000002")) == 1 {
					link = ms[0].AckURL
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
			answered := make(chan error, 1)
			go func() {
				answered <- en.svc.Acknowledge(ctx, link[strings.LastIndex(link, "/")+1:], notify.AckInput{Status: notify.AckSafe}, "link")
			}()
			time.Sleep(200 * time.Millisecond) // let the answer find no rows first (not asserted)
			close(release)
			if err := <-answered; err != nil {
				t.Fatalf("an answer while its batch was in flight: %v", err)
			}
			if c := en.counts(n.ID); c.Sent != 2 || c.Acknowledged != 1 || c.Safe != 1 {
				t.Fatalf("counts after the answer: %+v", c)
			}
		})
	}
}
