package channel

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	feishuTestHook   = "5e3d587e-d78e-4a07-bd07-265f269f86fd"
	feishuTestSecret = "feishu-secret-xyz"
	feishuTestAppID  = "cli_a1b2c3d4e5f6"
	feishuTestAppSec = "feishu-app-secret-0001"
)

// feishuTestNow is 2026-11-03 09:00:00 UTC; the signature below was computed outside Go
// (Python: base64(hmac.new((ts+"\n"+secret).encode(), b"", sha256))).
var feishuTestNow = time.Unix(1793696400, 0)

const feishuTestSign = "sTV0EV0V8x1s18uGozMAY15ON1sCnmQ/zlFrcc6M0QA="

// feishuFake is a Feishu server: a custom bot that verifies signatures on its own, and
// the tenant token, message and urgent APIs of an app.
type feishuFake struct {
	t         *testing.T
	mu        sync.Mutex
	now       time.Time
	bot       []map[string]any
	botLen    []int
	onBot     func(n int) (int, map[string]any)
	issued    int
	valid     map[string]bool
	expire    func(tok string) bool // reject this valid token with 99991663
	messages  []map[string]any
	onMessage func(n int) (int, map[string]any)
	urgent    []string // "mode message_id user1,user2"
	srv       *httptest.Server
}

func newFeishuFake(t *testing.T) *feishuFake {
	f := &feishuFake{t: t, now: feishuTestNow, valid: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// feishuVerify is the fake's own check of a bot request: timestamp in seconds within an
// hour, sign = base64(HMAC-SHA256(key = timestamp+"\n"+secret, message = "")).
func feishuVerify(timestamp, sign, secret string, now time.Time) bool {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > time.Hour || d < -time.Hour {
		return false
	}
	mac := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	mac.Write(nil)
	return hmac.Equal([]byte(base64.StdEncoding.EncodeToString(mac.Sum(nil))), []byte(sign))
}

func (f *feishuFake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := func(status int, v map[string]any) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	body, _ := io.ReadAll(r.Body)
	switch {
	case strings.HasPrefix(r.URL.Path, "/open-apis/bot/v2/hook/"):
		if r.Method != http.MethodPost || strings.TrimPrefix(r.URL.Path, "/open-apis/bot/v2/hook/") != feishuTestHook {
			answer(http.StatusOK, map[string]any{"code": 19001, "msg": "param invalid: incoming webhook access token invalid", "data": map[string]any{}})
			return
		}
		if len(body) > 20000 {
			answer(http.StatusBadRequest, map[string]any{"code": 9499, "msg": "Bad Request", "data": map[string]any{}})
			return
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			f.t.Errorf("bot body is not JSON: %v", err)
		}
		ts, _ := m["timestamp"].(string) // a string, per the documentation
		sign, _ := m["sign"].(string)
		if !feishuVerify(ts, sign, feishuTestSecret, f.now) {
			answer(http.StatusOK, map[string]any{"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time", "data": map[string]any{}})
			return
		}
		f.bot = append(f.bot, m)
		f.botLen = append(f.botLen, len(body))
		if f.onBot != nil {
			answer(f.onBot(len(f.bot)))
			return
		}
		answer(http.StatusOK, map[string]any{"code": 0, "msg": "success", "data": map[string]any{}})
	case r.URL.Path == "/open-apis/auth/v3/tenant_access_token/internal":
		var c map[string]string
		json.Unmarshal(body, &c)
		if r.Method != http.MethodPost || c["app_id"] != feishuTestAppID || c["app_secret"] != feishuTestAppSec {
			answer(http.StatusBadRequest, map[string]any{"code": 10014, "msg": "app secret invalid"})
			return
		}
		f.issued++
		tok := fmt.Sprintf("t-%d", f.issued)
		f.valid[tok] = true
		answer(http.StatusOK, map[string]any{"code": 0, "msg": "ok", "tenant_access_token": tok, "expire": 7200})
	case strings.HasPrefix(r.URL.Path, "/open-apis/im/v1/messages"):
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !f.valid[tok] || (f.expire != nil && f.expire(tok)) {
			delete(f.valid, tok)
			answer(http.StatusBadRequest, map[string]any{"code": 99991663, "msg": "Invalid access token for authorization. Please make a request with token attached."})
			return
		}
		if r.URL.Path == "/open-apis/im/v1/messages" {
			if r.Method != http.MethodPost || r.URL.Query().Get("receive_id_type") != "open_id" {
				f.t.Errorf("send: %s %s", r.Method, r.URL)
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				f.t.Errorf("send body is not JSON: %v", err)
			}
			f.messages = append(f.messages, m)
			if f.onMessage != nil {
				answer(f.onMessage(len(f.messages)))
				return
			}
			answer(http.StatusOK, map[string]any{"code": 0, "msg": "success", "data": map[string]any{"message_id": fmt.Sprintf("om_%d", len(f.messages))}})
			return
		}
		// PATCH /open-apis/im/v1/messages/:message_id/urgent_*
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/open-apis/im/v1/messages/"), "/")
		if r.Method != http.MethodPatch || len(parts) != 2 || r.URL.Query().Get("user_id_type") != "open_id" {
			f.t.Errorf("urgent: %s %s", r.Method, r.URL)
			answer(http.StatusBadRequest, map[string]any{"code": 230001, "msg": "invalid"})
			return
		}
		var u struct {
			UserIDList []string `json:"user_id_list"`
		}
		json.Unmarshal(body, &u)
		f.urgent = append(f.urgent, parts[1]+" "+parts[0]+" "+strings.Join(u.UserIDList, ","))
		invalid := []string{}
		for _, id := range u.UserIDList {
			if !strings.HasPrefix(id, "ou_") {
				invalid = append(invalid, id)
			}
		}
		answer(http.StatusOK, map[string]any{"code": 0, "msg": "success", "data": map[string]any{"invalid_user_id_list": invalid}})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func feishuNewBot(t *testing.T, f *feishuFake, secret string, now time.Time) Sender {
	t.Helper()
	cfg := fmt.Sprintf(`{"base_url":%q,"token":%q,"secret":%q}`, f.srv.URL, feishuTestHook, secret)
	s, err := FeishuBot.New(json.RawMessage(cfg), Deps{HTTP: f.srv.Client(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFeishuSignKnownVector(t *testing.T) {
	if got := FeishuSign(feishuTestSecret, feishuTestNow.Unix()); got != feishuTestSign {
		t.Fatalf("FeishuSign = %q, want %q", got, feishuTestSign)
	}
	// The DingTalk construction (key = secret) and a millisecond timestamp must fail.
	if feishuVerify("1793696400", DingTalkSign(feishuTestSecret, 1793696400), feishuTestSecret, feishuTestNow) {
		t.Fatal("the fake accepts the DingTalk signer")
	}
	if feishuVerify("1793696400000", FeishuSign(feishuTestSecret, 1793696400000), feishuTestSecret, feishuTestNow) {
		t.Fatal("the fake accepts a millisecond timestamp")
	}
}

func TestFeishuBotSignedSend(t *testing.T) {
	f := newFeishuFake(t)
	s := feishuNewBot(t, f, feishuTestSecret, feishuTestNow)
	ack := "https://ll.example/a/q?x=1&y=<2>"
	if _, err := s.Send(context.Background(), Message{Key: "d1", Text: "[P2] 队列积压", AckURL: ack}); err != nil {
		t.Fatal(err)
	}
	b := f.bot[0]
	if b["timestamp"] != "1793696400" || b["sign"] != feishuTestSign || b["msg_type"] != "text" {
		t.Errorf("body = %v", b)
	}
	if c := b["content"].(map[string]any)["text"]; c != "[P2] 队列积压\n"+ack {
		t.Errorf("text = %q", c)
	}
	if _, err := s.Send(context.Background(), Message{To: "ou_7d8a6e6df7621556ce0d21922b676706ccs", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if c := f.bot[1]["content"].(map[string]any)["text"]; c != `x <at user_id="ou_7d8a6e6df7621556ce0d21922b676706ccs"></at>` {
		t.Errorf("mention = %q", c)
	}
	_, err := s.Send(context.Background(), Message{To: "+8613800138000", Text: "x"})
	if e := wecomErr(t, err); e.Scope != ScopeMessage || e.Temporary {
		t.Errorf("phone mention: %+v", e)
	}
}

func TestFeishuBotWrongSignerFails(t *testing.T) {
	f := newFeishuFake(t)
	for _, s := range []Sender{
		feishuNewBot(t, f, "another-secret", feishuTestNow),
		feishuNewBot(t, f, feishuTestSecret, feishuTestNow.Add(-61*time.Minute)),
	} {
		_, err := s.Send(context.Background(), Message{Text: "x"})
		e := wecomErr(t, err)
		if e.Temporary || e.Scope != ScopeProvider || e.Code != "19021" {
			t.Errorf("got %+v", e)
		}
	}
	if len(f.bot) != 0 {
		t.Error("the fake accepted a bad signature")
	}
}

func TestFeishuBotErrors(t *testing.T) {
	cases := []struct {
		status    int
		code      int
		temporary bool
		scope     Scope
	}{
		{200, 19022, false, ScopeProvider},
		{200, 19024, false, ScopeProvider},
		{200, 11232, true, 0},
		{400, 9499, false, ScopeMessage},
	}
	for _, c := range cases {
		f := newFeishuFake(t)
		f.onBot = func(int) (int, map[string]any) {
			return c.status, map[string]any{"code": c.code, "msg": "error", "data": map[string]any{}}
		}
		s := feishuNewBot(t, f, feishuTestSecret, feishuTestNow)
		_, err := s.Send(context.Background(), Message{Text: "x"})
		e := wecomErr(t, err)
		if e.Temporary != c.temporary || (!c.temporary && e.Scope != c.scope) || e.Code != strconv.Itoa(c.code) {
			t.Errorf("%d: %+v", c.code, e)
		}
	}
	// A wrong webhook token; the token must not appear in the error.
	f := newFeishuFake(t)
	s, _ := FeishuBot.New(json.RawMessage(fmt.Sprintf(`{"base_url":%q,"token":"not-the-hook","secret":%q}`, f.srv.URL, feishuTestSecret)), Deps{HTTP: f.srv.Client(), Now: func() time.Time { return feishuTestNow }})
	_, err := s.Send(context.Background(), Message{Text: "x"})
	if e := wecomErr(t, err); e.Scope != ScopeProvider || e.Temporary {
		t.Errorf("bad hook: %+v", e)
	}
	// HTTP 503 without JSON: temporary.
	f.onBot = func(int) (int, map[string]any) { return 503, nil }
	s = feishuNewBot(t, f, feishuTestSecret, feishuTestNow)
	_, err = s.Send(context.Background(), Message{Text: "x"})
	if e := wecomErr(t, err); !e.Temporary {
		t.Errorf("503: %+v", e)
	}
}

func TestFeishuBotTruncatesBody(t *testing.T) {
	f := newFeishuFake(t)
	s := feishuNewBot(t, f, feishuTestSecret, feishuTestNow)
	ack := "https://ll.example/a/long"
	if _, err := s.Send(context.Background(), Message{Text: strings.Repeat("数据库\"挂了\"\n", 3000), AckURL: ack}); err != nil {
		t.Fatal(err)
	}
	c := f.bot[0]["content"].(map[string]any)["text"].(string)
	if f.botLen[0] > 20000 || !utf8.ValidString(c) || !strings.HasSuffix(c, "…\n"+ack) {
		t.Errorf("body %d bytes, ends %q", f.botLen[0], c[len(c)-40:])
	}
}

func feishuNewApp(t *testing.T, f *feishuFake, secret string) *FeishuAppSender {
	t.Helper()
	cfg := fmt.Sprintf(`{"base_url":%q,"app_id":%q,"app_secret":%q}`, f.srv.URL, feishuTestAppID, secret)
	s, err := FeishuApp.New(json.RawMessage(cfg), Deps{HTTP: f.srv.Client(), Now: func() time.Time { return feishuTestNow }})
	if err != nil {
		t.Fatal(err)
	}
	return s.(*FeishuAppSender)
}

func TestFeishuAppSend(t *testing.T) {
	f := newFeishuFake(t)
	s := feishuNewApp(t, f, feishuTestAppSec)
	m := Message{Key: "del_01JBX4", To: "ou_7d8a6e6df7621556ce0d21922b676706ccs", Text: "磁盘 \"/data\" 满", AckURL: "https://ll.example/a/1"}
	res, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if res.ProviderMessageID != "om_1" {
		t.Errorf("message_id = %q", res.ProviderMessageID)
	}
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if f.issued != 1 {
		t.Errorf("token fetched %d times, want 1", f.issued)
	}
	b := f.messages[0]
	if b["receive_id"] != m.To || b["msg_type"] != "text" || b["uuid"] != m.Key {
		t.Errorf("body = %v", b)
	}
	content, ok := b["content"].(string)
	if !ok {
		t.Fatalf("content must be a JSON string, got %T", b["content"])
	}
	var inner map[string]string
	if err := json.Unmarshal([]byte(content), &inner); err != nil || inner["text"] != m.Text+"\n"+m.AckURL {
		t.Errorf("content = %q (%v)", content, err)
	}
	// A long key still gives a stable uuid within Feishu's 50 characters.
	long := strings.Repeat("k", 80)
	s.Send(context.Background(), Message{Key: long, To: m.To, Text: "x"})
	s.Send(context.Background(), Message{Key: long, To: m.To, Text: "x"})
	u1, u2 := f.messages[2]["uuid"].(string), f.messages[3]["uuid"].(string)
	if len(u1) > 50 || u1 != u2 || u1 == feishuUUID(long+"x") {
		t.Errorf("uuid %q %q", u1, u2)
	}
}

func TestFeishuAppTokenExpiry(t *testing.T) {
	f := newFeishuFake(t)
	s := feishuNewApp(t, f, feishuTestAppSec)
	f.expire = func(tok string) bool { return tok == "t-1" }
	res, err := s.Send(context.Background(), Message{Key: "k", To: "ou_1", Text: "x"})
	if err != nil || res.ProviderMessageID != "om_1" || f.issued != 2 {
		t.Fatalf("err %v, res %+v, issued %d", err, res, f.issued)
	}
	// Rejected again after the refresh: one retry, then temporary.
	f.expire = func(string) bool { return true }
	_, err = s.Send(context.Background(), Message{Key: "k2", To: "ou_1", Text: "x"})
	if e := wecomErr(t, err); !e.Temporary || e.Code != "99991663" || f.issued != 3 {
		t.Errorf("err %+v, issued %d", e, f.issued)
	}
}

func TestFeishuAppErrors(t *testing.T) {
	f := newFeishuFake(t)
	bad := feishuNewApp(t, f, "wrong-secret-123")
	_, err := bad.Send(context.Background(), Message{Key: "k", To: "ou_1", Text: "x"})
	if e := wecomErr(t, err); e.Temporary || e.Scope != ScopeProvider || strings.Contains(e.Error(), "wrong-secret-123") {
		t.Errorf("bad secret: %+v", e)
	}
	for _, c := range []struct {
		status, code int
		temporary    bool
		scope        Scope
	}{
		{400, 230013, false, ScopeMessage}, // user outside the app's availability
		{400, 230001, false, ScopeMessage},
		{400, 230006, false, ScopeProvider},
		{429, 99991400, true, 0},
		{400, 230020, true, 0},
		{500, 1500, true, 0},
	} {
		f := newFeishuFake(t)
		f.onMessage = func(int) (int, map[string]any) {
			return c.status, map[string]any{"code": c.code, "msg": "error for ou_secretuser"}
		}
		s := feishuNewApp(t, f, feishuTestAppSec)
		_, err := s.Send(context.Background(), Message{Key: "k", To: "ou_secretuser", Text: "x"})
		e := wecomErr(t, err)
		if e.Temporary != c.temporary || (!c.temporary && e.Scope != c.scope) || strings.Contains(e.Error(), "ou_secretuser") {
			t.Errorf("%d: %+v", c.code, e)
		}
	}
}

func TestFeishuAppUrgent(t *testing.T) {
	f := newFeishuFake(t)
	s := feishuNewApp(t, f, feishuTestAppSec)
	invalid, err := s.Urgent(context.Background(), "om_dc13264520392913993dd051dba21dcf", []string{"ou_a", "bad"}, FeishuUrgentPhone)
	if err != nil {
		t.Fatal(err)
	}
	if len(invalid) != 1 || invalid[0] != "bad" {
		t.Errorf("invalid = %v", invalid)
	}
	for _, mode := range []string{FeishuUrgentApp, FeishuUrgentSMS} {
		if _, err := s.Urgent(context.Background(), "om_1", []string{"ou_a"}, mode); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"urgent_phone om_dc13264520392913993dd051dba21dcf ou_a,bad", "urgent_app om_1 ou_a", "urgent_sms om_1 ou_a"}
	if strings.Join(f.urgent, "|") != strings.Join(want, "|") {
		t.Errorf("urgent calls = %v", f.urgent)
	}
	if _, err := s.Urgent(context.Background(), "om_1", []string{"ou_a"}, "urgent_fax"); err == nil {
		t.Error("unknown mode accepted")
	}
	// Urgent shares the token refresh.
	f.expire = func(tok string) bool { return tok == "t-1" }
	if _, err := s.Urgent(context.Background(), "om_1", []string{"ou_a"}, FeishuUrgentApp); err != nil || f.issued != 2 {
		t.Errorf("urgent after expiry: %v, issued %d", err, f.issued)
	}
}

func TestFeishuConfigValidation(t *testing.T) {
	for _, cfg := range []string{`{"token":"t"}`, `{"token":"a/b","secret":"s"}`, `{"token":"t","secret":"s","x":1}`} {
		if _, err := FeishuBot.New(json.RawMessage(cfg), Deps{}); err == nil {
			t.Errorf("bot accepted %s", cfg)
		}
	}
	for _, cfg := range []string{`{"app_id":"cli_1"}`, `{"app_secret":"s"}`, `{"app_id":"cli_1","app_secret":"s","base_url":"http://open.feishu.cn"}`} {
		if _, err := FeishuApp.New(json.RawMessage(cfg), Deps{}); err == nil {
			t.Errorf("app accepted %s", cfg)
		}
	}
	if _, err := FeishuApp.New(json.RawMessage(`{"app_id":"cli_1","app_secret":"s","base_url":"https://open.larksuite.com/"}`), Deps{}); err != nil {
		t.Errorf("lark base URL: %v", err)
	}
	if k, _ := Lookup("feishu_bot"); !k.Group || len(k.Account) != 2 || k.Account[1].N != 5 || k.Account[1].Per != time.Second {
		t.Errorf("kind %+v", k)
	}
}
