package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/incident"
	"lifeline/internal/notify"
	"lifeline/internal/quality"
	"lifeline/internal/store/storetest"
)

// TestDrill runs a scheduled drill: nothing goes out before its time, every message is
// prefixed [演练], the report counts reach and acknowledgement per department, and each
// contact the drill could not reach becomes one remediation task for the record's
// owner, due in five working days; the trend lists the drill.
func TestDrill(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			en := newEnv(t, e, notify.Config{})
			sk := newSink(t, "gateway-secret-0123456789")
			sk.reject = map[string]bool{"+8613900000012": true}
			en.gateway(sk, "gw", 0)
			maint := en.person("M0", "数据维护员", "", "mobile", "13900000010")
			if _, err := en.dir.UpdateDepartment(ctx, en.sys, en.deptID, directory.DepartmentInput{MaintainerPersonID: ptr(maint)}); err != nil {
				t.Fatal(err)
			}
			a := en.person("D1", "甲", "", "mobile", "13900000011")
			b := en.person("D2", "乙", "", "mobile", "13900000012")
			c := en.person("D3", "丙", "", "email", "c@example.com") // no email provider: unreachable
			drill, err := en.inc.Report(ctx, en.sys, incident.Input{Title: "消防疏散演练", Type: "production_safety", Level: "IV", Drill: true})
			if err != nil {
				t.Fatal(err)
			}
			at := en.clk.Now().Add(2 * time.Hour)
			nt, err := en.svc.Create(ctx, en.sys, drill.ID, notify.Input{Audience: notify.Audience{People: []string{a, b, c}}, Text: "请到东门集合",
				RequireAck: true, SendAt: &at, Escalation: &notify.Policy{AfterMinutes: 5, Backup: ptr(false), Manager: ptr(false)}})
			if err != nil {
				t.Fatal(err)
			}
			if nt.Status != "scheduled" || !strings.HasPrefix(nt.Text, "[演练] ") {
				t.Fatalf("notification %+v", nt)
			}
			en.escalate(0)
			en.dispatch(func() bool { return true })
			if sk.total() != 0 || sk.requests != 0 {
				t.Fatal("a scheduled drill was sent early")
			}
			en.clk.Add(2 * time.Hour)
			en.escalate(0)
			en.dispatch(func() bool {
				n, _ := en.svc.Get(ctx, en.sys, drill.ID, nt.ID)
				return n.Counts.Sent == 1 && n.Counts.Failed == 2
			})
			m := sk.messages("+8613900000011")
			if len(m) != 1 || !strings.HasPrefix(m[0].Text, "[演练] 请到东门集合") {
				t.Fatalf("drill message %+v", m)
			}
			token := m[0].AckURL[strings.Index(m[0].AckURL, "/a/")+3:]
			en.clk.Add(90 * time.Second)
			if err := en.svc.Acknowledge(ctx, token, notify.AckInput{Status: "safe"}, "link"); err != nil {
				t.Fatal(err)
			}
			if _, err := en.inc.Close(ctx, en.sys, drill.ID); err != nil {
				t.Fatal(err)
			}
			rep, err := en.svc.FinishIncident(ctx, en.sys, drill.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Drill || rep.Recipients != 3 || rep.Reached != 1 || rep.Acknowledged != 1 || rep.Failed != 2 || len(rep.Unreachable) != 2 {
				t.Fatalf("report %+v", rep)
			}
			if rep.FirstDeliverySec == nil || rep.AckP50Sec == nil || *rep.AckP50Sec != 90 || len(rep.ByDepartment) != 1 || rep.ByDepartment[0].Recipients != 3 {
				t.Fatalf("report timings/groups %+v", rep)
			}
			if _, err := en.svc.FinishIncident(ctx, en.sys, drill.ID); err != nil {
				t.Fatal(err)
			}
			// Closing stamped the reached channel for the data-quality score.
			person, err := en.dir.GetPerson(ctx, en.sys, a)
			if err != nil {
				t.Fatal(err)
			}
			if ch := person.Channels[0]; ch.LastDeliveryAt == nil || ch.LastAckAt == nil {
				t.Fatalf("channel not stamped: %+v", ch)
			}
			tasks, err := en.svc.Tasks(ctx, en.sys, "open")
			if err != nil {
				t.Fatal(err)
			}
			if len(tasks) != 2 {
				t.Fatalf("tasks %+v", tasks)
			}
			// A responder scoped to another department sees none of them and completes none.
			other := &access.Principal{UserID: "u9", Username: "scoped", Role: access.Responder, ScopePath: "/elsewhere/"}
			if mine, err := en.svc.Tasks(ctx, other, "open"); err != nil || len(mine) != 0 {
				t.Fatalf("scoped responder sees %d tasks (%v)", len(mine), err)
			}
			if err := en.svc.CompleteTask(ctx, other, tasks[0].ID); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("scoped responder completed a task outside their scope: %v", err)
			}
			// 2026-11-23 is a Monday: five working days later is Monday 2026-11-30.
			for _, tk := range tasks {
				if tk.OwnerID != maint || tk.DueOn != "2026-11-30" || (tk.PersonID != b && tk.PersonID != c) {
					t.Fatalf("task %+v", tk)
				}
			}
			if err := en.svc.CompleteTask(ctx, en.sys, tasks[0].ID); err != nil {
				t.Fatal(err)
			}
			if open, _ := en.svc.Tasks(ctx, en.sys, "open"); len(open) != 1 {
				t.Fatalf("open tasks after one done: %d", len(open))
			}
			// The refused number is now an undeliverable finding.
			q := quality.New(en.db, en.clk, quality.DefaultConfig())
			if _, err := q.Recheck(ctx); err != nil {
				t.Fatal(err)
			}
			found, err := q.Findings(ctx, en.sys, quality.Query{})
			if err != nil {
				t.Fatal(err)
			}
			undeliverable := map[string]bool{}
			for _, f := range found {
				if f.Code == quality.Undeliverable {
					undeliverable[f.PersonID] = true
				}
			}
			if len(undeliverable) != 1 || !undeliverable[b] {
				t.Fatalf("undeliverable findings for %v, want only %s", undeliverable, b)
			}
			// The number works again: a later answer through it clears the finding (the
			// answer is stored on the recipient; the delivery's own state stays "sent").
			sk.mu.Lock()
			delete(sk.reject, "+8613900000012")
			sk.mu.Unlock()
			en.clk.Add(time.Minute)
			nt2, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{People: []string{b}}, Text: "请回复", RequireAck: true})
			if err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { return en.counts(nt2.ID).Sent == 1 })
			mb := sk.messages("+8613900000012")
			if err := en.svc.Acknowledge(ctx, mb[len(mb)-1].AckURL[strings.Index(mb[len(mb)-1].AckURL, "/a/")+3:], notify.AckInput{Status: "safe"}, "link"); err != nil {
				t.Fatal(err)
			}
			if _, err := q.Recheck(ctx); err != nil {
				t.Fatal(err)
			}
			if found, err = q.Findings(ctx, en.sys, quality.Query{}); err != nil {
				t.Fatal(err)
			}
			for _, f := range found {
				if f.Code == quality.Undeliverable {
					t.Fatalf("undeliverable finding after an answer through the channel: %+v", f)
				}
			}
			trend, err := en.svc.Drills(ctx, en.sys)
			if err != nil || len(trend) != 1 || trend[0].ReachRate < 0.33 || trend[0].ReachRate > 0.34 {
				t.Fatalf("trend %+v %v", trend, err)
			}
		})
	}
}
