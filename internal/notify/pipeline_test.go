package notify_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"lifeline/internal/errs"
	"lifeline/internal/notify"
	"lifeline/internal/store/storetest"
)

// TestSendAndAcknowledge sends to 60 people through the generic gateway: each number
// gets exactly one signed message with its own acknowledgement link; the links record
// safe and need-help answers, the counts follow, and an unknown or forged link is refused.
// It runs with the recipients written as rows at creation and written as batches of 8
// that the dispatcher expands (what a large broadcast does).
func TestSendAndAcknowledge(t *testing.T) {
	modes := map[string]notify.Config{
		"rows":    {PublicURL: "https://ll.example.com"},
		"batches": {PublicURL: "https://ll.example.com", Inline: 10, Batch: 8},
	}
	for _, e := range storetest.Engines() {
		for mode, cfg := range modes {
			t.Run(e.Name+"/"+mode, func(t *testing.T) { testSendAndAcknowledge(t, e, cfg) })
		}
	}
}

func testSendAndAcknowledge(t *testing.T, e storetest.Engine, cfg notify.Config) {
	ctx := context.Background()
	en := newEnv(t, e, cfg)
	sk := newSink(t, "gateway-secret-0123456789")
	en.gateway(sk, "gw", 0)
	const n = 60
	for i := range n {
		en.person(fmt.Sprintf("E%03d", i), fmt.Sprintf("员工%d", i), "", "mobile", fmt.Sprintf("1390000%04d", i))
	}
	en.person("E999", "无联系方式", "")
	nt, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{Departments: []string{en.deptID}},
		Text: "请立即撤离到集合点", RequireAck: true})
	if err != nil {
		t.Fatal(err)
	}
	if nt.Recipients != n+1 {
		t.Fatalf("recipients = %d, want %d", nt.Recipients, n+1)
	}
	if c := en.counts(nt.ID); c.Recipients != n+1 || c.Queued != n || c.Unreachable != 1 || c.Sent != 0 {
		t.Fatalf("counts before sending = %+v", c)
	}
	en.dispatch(func() bool { return en.counts(nt.ID).Sent == n })
	c := en.counts(nt.ID)
	if c.Recipients != n+1 || c.Sent != n || c.Unreachable != 1 || c.Failed != 1 || c.Acknowledged != 0 {
		t.Fatalf("counts = %+v", c)
	}
	if sk.badSig != 0 || sk.total() != n {
		t.Fatalf("sink: %d messages, %d bad signatures", sk.total(), sk.badSig)
	}
	links := map[string]bool{}
	var first []string
	for i := range n {
		msgs := sk.messages(fmt.Sprintf("+861390000%04d", i))
		if len(msgs) != 1 {
			t.Fatalf("number %d got %d messages", i, len(msgs))
		}
		m := msgs[0]
		if !strings.HasPrefix(m.AckURL, "https://ll.example.com/a/") || links[m.AckURL] || !strings.Contains(m.Text, "请立即撤离") {
			t.Fatalf("message %+v", m)
		}
		if strings.Contains(m.AckURL, "1390000") {
			t.Fatal("the link carries the number")
		}
		links[m.AckURL] = true
		u, _ := url.Parse(m.AckURL)
		first = append(first, strings.TrimPrefix(u.Path, "/a/"))
	}
	if err := en.svc.Acknowledge(ctx, first[0], notify.AckInput{Status: "safe"}, "link"); err != nil {
		t.Fatal(err)
	}
	if err := en.svc.Acknowledge(ctx, first[1], notify.AckInput{Status: "need_help", Note: "三楼被困"}, "link"); err != nil {
		t.Fatal(err)
	}
	// The same answer twice, and a change of mind, stay one recipient.
	if err := en.svc.Acknowledge(ctx, first[0], notify.AckInput{Status: "safe"}, "link"); err != nil {
		t.Fatal(err)
	}
	c = en.counts(nt.ID)
	if c.Acknowledged != 2 || c.Safe != 1 || c.NeedHelp != 1 {
		t.Fatalf("after acks: %+v", c)
	}
	board, err := en.svc.BoardOf(ctx, en.sys, en.incident, nt.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(board.NeedHelp) != 1 || board.NeedHelp[0].Note != "三楼被困" || board.NeedHelp[0].Name != "员工1" {
		t.Fatalf("need help list: %+v", board.NeedHelp)
	}
	if len(board.Unreachable) != 1 || board.Unreachable[0].Name != "无联系方式" {
		t.Fatalf("unreachable list: %+v", board.Unreachable)
	}
	forged := first[2][:len(first[2])-2] + "xx"
	if err := en.svc.Acknowledge(ctx, forged, notify.AckInput{Status: "safe"}, "link"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("forged link: %v", err)
	}
	if err := en.svc.Acknowledge(ctx, first[2], notify.AckInput{Status: "fine"}, "link"); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("bad status: %v", err)
	}
	page, err := en.svc.AckInfo(ctx, first[1])
	if err != nil || page.Status != "need_help" || page.Title != "化工区泄漏" {
		t.Fatalf("page %+v %v", page, err)
	}
}
