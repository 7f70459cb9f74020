package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func dingtalkNewDing(t *testing.T, f *dingtalkFake, secret string, extra string) Sender {
	t.Helper()
	cfg := fmt.Sprintf(`{"base_url":%q,"app_key":%q,"app_secret":%q,"robot_code":"dingrobot01"%s}`, f.srv.URL, dingtalkTestKey, secret, extra)
	s, err := DingTalkDing.New(json.RawMessage(cfg), Deps{HTTP: f.srv.Client(), Now: func() time.Time { return dingtalkTestNow }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDingTalkDingSend DINGs one user through the fake's robot/ding/send: the body, the
// token header, the openDingId as message id, the token cached and refreshed once.
func TestDingTalkDingSend(t *testing.T) {
	f := newDingTalkFake(t)
	s := dingtalkNewDing(t, f, dingtalkTestAppSec, `,"remind_type":3,"call_voice":"Standard_Female_Voice"`)
	res, err := s.Send(context.Background(), Message{Key: "d1", To: "manager4220", Text: "机房温度过高", AckURL: "https://ll.example/a/1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ProviderMessageID != "ding-1" {
		t.Errorf("openDingId = %q", res.ProviderMessageID)
	}
	d := f.dings[0]
	if d["robotCode"] != "dingrobot01" || d["remindType"] != float64(3) || fmt.Sprint(d["receiverUserIdList"]) != "[manager4220]" ||
		d["content"] != "机房温度过高\nhttps://ll.example/a/1" || d["callVoice"] != "Standard_Female_Voice" || f.dingHdr[0] != "v1tok-1" {
		t.Errorf("ding body %v, token %v", d, f.dingHdr)
	}
	if _, err := s.Send(context.Background(), Message{Key: "d2", To: "manager4220", Text: "x"}); err != nil || f.issued != 1 {
		t.Fatalf("second DING: %v, issued %d", err, f.issued)
	}
	f.expireOn = func(tok string) int {
		if tok == "v1tok-1" {
			return 1
		}
		return 0
	}
	if _, err := s.Send(context.Background(), Message{Key: "d3", To: "manager4220", Text: "x"}); err != nil || f.issued != 2 {
		t.Fatalf("after the token was rejected: %v, issued %d", err, f.issued)
	}
}

func TestDingTalkDingErrors(t *testing.T) {
	f := newDingTalkFake(t)
	bad := dingtalkNewDing(t, f, "wrong-app-secret", "")
	_, err := bad.Send(context.Background(), Message{Key: "k", To: "u1", Text: "x"})
	if e := wecomErr(t, err); e.Temporary || e.Scope != ScopeProvider || strings.Contains(e.Error(), "wrong-app-secret") {
		t.Errorf("bad secret: %+v", e)
	}
	for _, c := range []struct {
		status    int
		body      map[string]any
		temporary bool
		scope     Scope
	}{
		{200, map[string]any{"openDingId": "x", "failedList": map[string][]string{"user not found": {"secretuser"}}}, false, ScopeMessage},
		{400, map[string]any{"code": "miss.staffId", "message": "miss.staffId secretuser"}, false, ScopeMessage},
		{400, map[string]any{"code": "ding.serverquota.insufficient", "message": "ding server quota insufficient"}, false, ScopeProvider},
		{400, map[string]any{"code": "invalid.chatbotId", "message": "invalid.chatbotId"}, false, ScopeProvider},
		{400, map[string]any{"code": "toomuch.msg", "message": "send too fast"}, true, 0},
		{500, map[string]any{"code": "system.error", "message": "system.error"}, true, 0},
	} {
		f := newDingTalkFake(t)
		f.onDing = func(int) (int, map[string]any) { return c.status, c.body }
		s := dingtalkNewDing(t, f, dingtalkTestAppSec, "")
		_, err := s.Send(context.Background(), Message{Key: "k", To: "secretuser", Text: "x"})
		e := wecomErr(t, err)
		if e.Temporary != c.temporary || (!c.temporary && e.Scope != c.scope) || strings.Contains(e.Error(), "secretuser") {
			t.Errorf("%v: %+v", c.body, e)
		}
	}
	// A failedList naming someone else does not fail this DING.
	f = newDingTalkFake(t)
	f.onDing = func(int) (int, map[string]any) {
		return 200, map[string]any{"openDingId": "ok-1", "failedList": map[string][]string{"x": {"someone-else"}}}
	}
	if res, err := dingtalkNewDing(t, f, dingtalkTestAppSec, "").Send(context.Background(), Message{Key: "k", To: "u1", Text: "x"}); err != nil || res.ProviderMessageID != "ok-1" {
		t.Errorf("other failures: %v %+v", err, res)
	}
}

func TestDingTalkDingConfigValidation(t *testing.T) {
	for _, cfg := range []string{
		`{"app_key":"k","app_secret":"s"}`,
		`{"app_key":"k","app_secret":"s","robot_code":"r","remind_type":4}`,
		`{"app_key":"k","robot_code":"r"}`,
		`{"app_key":"k","app_secret":"s","robot_code":"r","base_url":"http://api.dingtalk.com"}`,
	} {
		if _, err := DingTalkDing.New(json.RawMessage(cfg), Deps{}); err == nil {
			t.Errorf("accepted %s", cfg)
		}
	}
	if k, _ := Lookup("dingtalk_ding"); k.Media != MediaDingTalkDing || k.Callback == nil || len(k.PerAddress) != 1 {
		t.Errorf("kind %+v", k)
	}
}

// TestFeishuUrgentSend sends the message, then escalates it on its message_id; a user
// Feishu cannot buzz fails the rung.
func TestFeishuUrgentSend(t *testing.T) {
	f := newFeishuFake(t)
	cfg := fmt.Sprintf(`{"base_url":%q,"app_id":%q,"app_secret":%q,"urgent":"urgent_phone"}`, f.srv.URL, feishuTestAppID, feishuTestAppSec)
	s, err := FeishuUrgent.New(json.RawMessage(cfg), Deps{HTTP: f.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Send(context.Background(), Message{Key: "k1", To: "ou_a1", Text: "请确认", AckURL: "https://ll.example/a/1"})
	if err != nil || res.ProviderMessageID != "om_1" {
		t.Fatalf("%v %+v", err, res)
	}
	if len(f.messages) != 1 || f.messages[0]["uuid"] != "k1" || strings.Join(f.urgent, "|") != "urgent_phone om_1 ou_a1" {
		t.Fatalf("messages %v, urgent %v", f.messages, f.urgent)
	}
	_, err = s.Send(context.Background(), Message{Key: "k2", To: "bad-user", Text: "x"})
	if e := wecomErr(t, err); e.Temporary || e.Scope != ScopeMessage || e.Code != "urgent_invalid_user" {
		t.Errorf("user not buzzed: %+v", e)
	}
	for _, bad := range []string{`"urgent":"urgent_fax"`, `"x":1`} {
		cfg := fmt.Sprintf(`{"app_id":"cli_1","app_secret":"s",%s}`, bad)
		if _, err := FeishuUrgent.New(json.RawMessage(cfg), Deps{}); err == nil {
			t.Errorf("accepted %s", cfg)
		}
	}
	if k, _ := Lookup("feishu_urgent"); k.Media != MediaFeishuUrgent || k.Callback == nil {
		t.Errorf("kind %+v", k)
	}
}
