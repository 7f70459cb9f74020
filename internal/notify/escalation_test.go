package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lifeline/internal/channel"
	"lifeline/internal/notify"
	"lifeline/internal/roster"
	"lifeline/internal/store/storetest"
)

// ladderState lists a recipient's deliveries as "target/media/state", in order.
func (en *env) ladderState(nid string) []string {
	en.t.Helper()
	// A delivery answered through is acknowledged (its recipient's ack_delivery_id).
	rows, err := en.db.Read.QueryContext(context.Background(), `SELECT d.target, d.media,
			CASE WHEN r.ack_delivery_id = d.id AND d.state IN ('sent', 'delivered') THEN 'acknowledged' ELSE d.state END
		FROM deliveries d JOIN recipients r ON r.id = d.recipient_id WHERE d.notification_id = $1 ORDER BY d.step, d.queued_at`, nid)
	if err != nil {
		en.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, b, c string
		if err := rows.Scan(&a, &b, &c); err != nil {
			en.t.Fatal(err)
		}
		out = append(out, a+"/"+b+"/"+c)
	}
	return out
}

func (en *env) escalate(want int) {
	en.t.Helper()
	n, err := en.svc.Escalate(context.Background())
	if err != nil {
		en.t.Fatal(err)
	}
	if n != want {
		en.t.Fatalf("escalation queued %d deliveries, want %d (ladder %v)", n, want, en.ladderState(""))
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestEscalation walks a recipient's ladder with a hand-moved clock: no answer in 5
// minutes → a call to the same mobile → the roster backup → the manager → nothing more;
// and an acknowledgement stops the ladder at once, cancelling a queued rung.
func TestEscalation(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			en := newEnv(t, e, notify.Config{})
			sk := newSink(t, "gateway-secret-0123456789")
			gw := en.gateway(sk, "gw", 0)
			en.logProvider("voice")
			mgr := en.person("M1", "经理", "", "mobile", "13900000001")
			a := en.person("A1", "值班员", mgr, "mobile", "13900000002")
			b := en.person("B1", "备岗", "", "mobile", "13900000003")
			o2 := en.person("O2", "副组长", "", "mobile", "13900000004")
			r, err := en.rosters.Create(ctx, en.sys, roster.Input{Name: ptr("抢险救援组"), Kind: ptr("rescue"), OwnerIDs: &[]string{mgr, o2}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := en.rosters.AddMember(ctx, en.sys, r.ID, roster.MemberInput{PersonID: a, Duty: ptr("现场处置"), BackupPersonID: b}); err != nil {
				t.Fatal(err)
			}
			nt, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{Rosters: []string{r.ID}},
				Text: "泄漏，请确认", RequireAck: true, Escalation: &notify.Policy{AfterMinutes: 5}})
			if err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { return en.counts(nt.ID).Sent == 1 })
			step := func(advance time.Duration, queued int, want ...string) {
				t.Helper()
				en.clk.Add(advance)
				en.escalate(queued)
				if queued > 0 {
					en.dispatch(func() bool { l := en.ladderState(nt.ID); return l[len(l)-1] != "queued" && !hasPending(l) })
				}
				if got := en.ladderState(nt.ID); !equal(got, want) {
					t.Fatalf("after %v: ladder %v, want %v", advance, got, want)
				}
			}
			step(4*time.Minute, 0, "self/sms/sent")
			step(time.Minute, 1, "self/sms/sent", "self/voice/sent")
			step(5*time.Minute, 1, "self/sms/sent", "self/voice/sent", "backup/sms/sent")
			if m := sk.messages("+8613900000003"); len(m) != 1 || !strings.Contains(m[0].Text, "值班员") || !strings.Contains(m[0].Text, "备岗人") {
				t.Fatalf("backup message: %+v", m)
			}
			step(5*time.Minute, 1, "self/sms/sent", "self/voice/sent", "backup/sms/sent", "manager/sms/sent")
			if m := sk.messages("+8613900000001"); len(m) != 1 || !strings.Contains(m[0].Text, "上级") {
				t.Fatalf("manager message: %+v", m)
			}
			step(5*time.Minute, 0, "self/sms/sent", "self/voice/sent", "backup/sms/sent", "manager/sms/sent")
			step(time.Hour, 0, "self/sms/sent", "self/voice/sent", "backup/sms/sent", "manager/sms/sent")
			// The backup answers the escalation by SMS: the recipient is acknowledged, by the backup.
			if err := en.svc.ApplyEvents(ctx, gw.ID, []channel.Event{{Status: channel.EventReply, From: "+8613900000003", Text: "收到"}}); err != nil {
				t.Fatal(err)
			}
			var by string
			if err := en.db.Read.QueryRow(`SELECT acked_by FROM recipients WHERE notification_id = $1`, nt.ID).Scan(&by); err != nil || by != "backup" {
				t.Fatalf("acknowledged by %q (%v), want the backup", by, err)
			}

			// A second notification: the answer arrives while the call is queued.
			nt2, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{People: []string{a}},
				Text: "复查", RequireAck: true, Escalation: &notify.Policy{AfterMinutes: 5}})
			if err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { return en.counts(nt2.ID).Sent == 1 })
			en.clk.Add(5 * time.Minute)
			en.escalate(1)
			msgs := sk.messages("+8613900000002")
			token := msgs[len(msgs)-1].AckURL[len("http://127.0.0.1:8080/a/"):]
			if err := en.svc.Acknowledge(ctx, token, notify.AckInput{Status: "safe"}, "link"); err != nil {
				t.Fatal(err)
			}
			if got := en.ladderState(nt2.ID); !equal(got, []string{"self/sms/acknowledged", "self/voice/cancelled"}) {
				t.Fatalf("after the answer: %v", got)
			}
			en.clk.Add(time.Hour)
			en.escalate(0)
			en.dispatch(func() bool { return true })
			if got := en.ladderState(nt2.ID); !equal(got, []string{"self/sms/acknowledged", "self/voice/cancelled"}) {
				t.Fatalf("an hour after the answer: %v", got)
			}
			if n := len(sk.messages("+8613900000002")); n != 2 {
				t.Fatalf("the member got %d messages, want 2 (one per notification)", n)
			}
		})
	}
}

func hasPending(l []string) bool {
	for _, s := range l {
		if strings.HasSuffix(s, "/queued") || strings.HasSuffix(s, "/sending") {
			return true
		}
	}
	return false
}
