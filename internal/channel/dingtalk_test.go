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
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	dingtalkTestToken  = "c0ffee0123456789robot"
	dingtalkTestSecret = "SECb6f5b6b2c1d0e9f8a7"
	dingtalkTestKey    = "dingappkey0001"
	dingtalkTestAppSec = "ding-app-secret-xyz"
)

// dingtalkTestNow is 2026-11-03 09:00:08 UTC; its signature below was computed outside
// Go (Python hmac) and contains '+' and '/', which must be URL-encoded.
var dingtalkTestNow = time.UnixMilli(1793696400008)

const dingtalkTestSign = "D5Ms2T47jORztoY6CB+V/tgKPegi/XRklAZ4i+OUjiY="

// dingtalkFake is a DingTalk server. Its robot verifies the signature on its own, as
// DingTalk does: timestamp within an hour of its clock, sign = base64(HMAC-SHA256(secret,
// timestamp+"\n"+secret)), and answers 310000 otherwise.
type dingtalkFake struct {
	t        *testing.T
	mu       sync.Mutex
	now      time.Time
	robot    []map[string]any
	rawQuery []string
	bodyLen  []int
	onRobot  func(n int) map[string]any
	issued   int
	valid    map[string]bool
	expireOn func(tok string) int // errcode answering a valid token (0: accept)
	notices  []map[string]any
	onNotice func(n int) map[string]any
	dings    []map[string]any
	dingHdr  []string                          // the x-acs-dingtalk-access-token of each DING
	onDing   func(n int) (int, map[string]any) // nil: {"openDingId": …}
	srv      *httptest.Server
}

func newDingTalkFake(t *testing.T) *dingtalkFake {
	f := &dingtalkFake{t: t, now: dingtalkTestNow, valid: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// dingtalkVerify is the fake's own verification of a robot request.
func dingtalkVerify(q url.Values, secret string, now time.Time) bool {
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.UnixMilli(ts)); d > time.Hour || d < -time.Hour {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, q.Get("timestamp")+"\n"+secret)
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(q.Get("sign")))
}

func (f *dingtalkFake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := func(v map[string]any) { json.NewEncoder(w).Encode(v) }
	q := r.URL.Query()
	body, _ := io.ReadAll(r.Body)
	switch r.URL.Path {
	case "/robot/send":
		if q.Get("access_token") != dingtalkTestToken {
			answer(map[string]any{"errcode": 300001, "errmsg": "token is not exist"})
			return
		}
		if !dingtalkVerify(q, dingtalkTestSecret, f.now) {
			answer(map[string]any{"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"})
			return
		}
		if len(body) > 20000 {
			answer(map[string]any{"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"})
			return
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			f.t.Errorf("robot body is not JSON: %v", err)
		}
		f.robot = append(f.robot, m)
		f.rawQuery = append(f.rawQuery, r.URL.RawQuery)
		f.bodyLen = append(f.bodyLen, len(body))
		if f.onRobot != nil {
			answer(f.onRobot(len(f.robot)))
			return
		}
		answer(map[string]any{"errcode": 0, "errmsg": "ok"})
	case "/gettoken":
		if q.Get("appkey") != dingtalkTestKey || q.Get("appsecret") != dingtalkTestAppSec {
			answer(map[string]any{"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"})
			return
		}
		f.issued++
		tok := fmt.Sprintf("dtok-%d", f.issued)
		f.valid[tok] = true
		answer(map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": 7200})
	case "/topapi/message/corpconversation/asyncsend_v2":
		tok := q.Get("access_token")
		if !f.valid[tok] {
			answer(map[string]any{"errcode": 40014, "errmsg": "不合法的access_token"})
			return
		}
		if f.expireOn != nil {
			if code := f.expireOn(tok); code != 0 {
				delete(f.valid, tok)
				answer(map[string]any{"errcode": code, "errmsg": "access_token expired"})
				return
			}
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			f.t.Errorf("notice body is not JSON: %v", err)
		}
		f.notices = append(f.notices, m)
		if f.onNotice != nil {
			answer(f.onNotice(len(f.notices)))
			return
		}
		answer(map[string]any{"errcode": 0, "task_id": 256271667526, "request_id": "4jzllmte0wau"})
	case "/v1.0/oauth2/accessToken":
		var c map[string]string
		json.Unmarshal(body, &c)
		if r.Method != http.MethodPost || c["appKey"] != dingtalkTestKey || c["appSecret"] != dingtalkTestAppSec {
			w.WriteHeader(http.StatusBadRequest)
			answer(map[string]any{"code": "invalidClientSecret", "message": "应用凭证不合法", "requestid": "r1"})
			return
		}
		f.issued++
		tok := fmt.Sprintf("v1tok-%d", f.issued)
		f.valid[tok] = true
		answer(map[string]any{"accessToken": tok, "expireIn": 7200})
	case "/v1.0/robot/ding/send":
		tok := r.Header.Get("X-Acs-Dingtalk-Access-Token")
		if !f.valid[tok] || (f.expireOn != nil && f.expireOn(tok) != 0) {
			delete(f.valid, tok)
			w.WriteHeader(http.StatusUnauthorized)
			answer(map[string]any{"code": "InvalidAuthentication", "message": "不合法的access_token", "requestid": "r2"})
			return
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			f.t.Errorf("ding body is not JSON: %v", err)
		}
		f.dings = append(f.dings, m)
		f.dingHdr = append(f.dingHdr, tok)
		if f.onDing != nil {
			status, v := f.onDing(len(f.dings))
			w.WriteHeader(status)
			answer(v)
			return
		}
		answer(map[string]any{"openDingId": fmt.Sprintf("ding-%d", len(f.dings))})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func dingtalkNewRobot(t *testing.T, f *dingtalkFake, secret string, now time.Time) Sender {
	t.Helper()
	cfg := fmt.Sprintf(`{"base_url":%q,"access_token":%q,"secret":%q}`, f.srv.URL, dingtalkTestToken, secret)
	s, err := DingTalkRobot.New(json.RawMessage(cfg), Deps{HTTP: f.srv.Client(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDingTalkSignKnownVector(t *testing.T) {
	if got := DingTalkSign(dingtalkTestSecret, dingtalkTestNow.UnixMilli()); got != dingtalkTestSign {
		t.Fatalf("DingTalkSign = %q, want %q", got, dingtalkTestSign)
	}
	// The Feishu construction (key and message swapped) must not pass for DingTalk.
	mac := hmac.New(sha256.New, []byte("1793696400008\n"+dingtalkTestSecret))
	wrong := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	q := url.Values{"timestamp": {"1793696400008"}, "sign": {wrong}}
	if dingtalkVerify(q, dingtalkTestSecret, dingtalkTestNow) {
		t.Fatal("the fake accepts a wrong signer")
	}
}

func TestDingTalkRobotSignedSend(t *testing.T) {
	f := newDingTalkFake(t)
	s := dingtalkNewRobot(t, f, dingtalkTestSecret, dingtalkTestNow)
	ack := "https://ll.example/a/k?x=1&y=2"
	if _, err := s.Send(context.Background(), Message{Key: "d1", To: "+8613800138000", Text: "[P1] 支付超时", AckURL: ack}); err != nil {
		t.Fatal(err)
	}
	raw := f.rawQuery[0]
	if !strings.Contains(raw, "timestamp=1793696400008") {
		t.Errorf("timestamp not the fixed clock in ms: %s", raw)
	}
	if !strings.Contains(raw, "sign="+url.QueryEscape(dingtalkTestSign)) || strings.Contains(raw, "+") {
		t.Errorf("sign not URL-encoded as documented: %s", raw)
	}
	b := f.robot[0]
	content := b["text"].(map[string]any)["content"].(string)
	if b["msgtype"] != "text" || content != "[P1] 支付超时 @13800138000\n"+ack {
		t.Errorf("content = %q", content)
	}
	at := b["at"].(map[string]any)
	if m, _ := at["atMobiles"].([]any); len(m) != 1 || m[0] != "13800138000" || at["isAtAll"] != false {
		t.Errorf("at = %v", at)
	}
	// A userid is mentioned through atUserIds and @userid in the text.
	if _, err := s.Send(context.Background(), Message{To: "manager4220", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	c2 := f.robot[1]["text"].(map[string]any)["content"]
	if ids, _ := f.robot[1]["at"].(map[string]any)["atUserIds"].([]any); len(ids) != 1 || ids[0] != "manager4220" || c2 != "x @manager4220" {
		t.Errorf("userid mention: %v", f.robot[1])
	}
	// No recipient: no mention.
	if _, err := s.Send(context.Background(), Message{Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	if at := f.robot[2]["at"].(map[string]any); at["atMobiles"] != nil || at["atUserIds"] != nil {
		t.Errorf("unexpected mention: %v", at)
	}
}

func TestDingTalkRobotWrongSignerFails(t *testing.T) {
	f := newDingTalkFake(t)
	// A different secret, and the right secret with a timestamp two hours off.
	for _, s := range []Sender{
		dingtalkNewRobot(t, f, "SECwrongwrongwrong", dingtalkTestNow),
		dingtalkNewRobot(t, f, dingtalkTestSecret, dingtalkTestNow.Add(-2*time.Hour)),
	} {
		_, err := s.Send(context.Background(), Message{Text: "x"})
		e := wecomErr(t, err)
		if e.Temporary || e.Scope != ScopeProvider || e.Code != "310000" {
			t.Errorf("got %+v", e)
		}
	}
	if len(f.robot) != 0 {
		t.Errorf("fake accepted a badly signed request")
	}
}

func TestDingTalkRobotErrors(t *testing.T) {
	cases := []struct {
		code       int
		temporary  bool
		retryAfter time.Duration
		scope      Scope
	}{
		{130101, true, 10 * time.Minute, 0},
		{-1, true, 0, 0},
		{310000, false, 0, ScopeProvider},
		{400102, false, 0, ScopeProvider},
	}
	for _, c := range cases {
		f := newDingTalkFake(t)
		f.onRobot = func(int) map[string]any {
			return map[string]any{"errcode": c.code, "errmsg": "send too fast for 13800138000"}
		}
		s := dingtalkNewRobot(t, f, dingtalkTestSecret, dingtalkTestNow)
		_, err := s.Send(context.Background(), Message{To: "+8613800138000", Text: "x"})
		e := wecomErr(t, err)
		if e.Temporary != c.temporary || e.RetryAfter != c.retryAfter || (!c.temporary && e.Scope != c.scope) || e.Code != strconv.Itoa(c.code) {
			t.Errorf("%d: %+v", c.code, e)
		}
		if strings.Contains(e.Error(), "13800138000") {
			t.Errorf("%d: the address leaked: %q", c.code, e.Error())
		}
	}
	// Bad access token.
	f := newDingTalkFake(t)
	s, _ := DingTalkRobot.New(json.RawMessage(fmt.Sprintf(`{"base_url":%q,"access_token":"nope-token","secret":%q}`, f.srv.URL, dingtalkTestSecret)), Deps{HTTP: f.srv.Client(), Now: func() time.Time { return dingtalkTestNow }})
	_, err := s.Send(context.Background(), Message{Text: "x"})
	if e := wecomErr(t, err); e.Scope != ScopeProvider || e.Temporary {
		t.Errorf("bad token: %+v", e)
	}
	// A recipient that is neither a mobile number nor a userid cannot be mentioned.
	s = dingtalkNewRobot(t, f, dingtalkTestSecret, dingtalkTestNow)
	_, err = s.Send(context.Background(), Message{To: "a,b", Text: "x"})
	if e := wecomErr(t, err); e.Scope != ScopeMessage || e.Temporary {
		t.Errorf("bad recipient: %+v", e)
	}
}

func TestDingTalkRobotTruncatesBody(t *testing.T) {
	f := newDingTalkFake(t)
	s := dingtalkNewRobot(t, f, dingtalkTestSecret, dingtalkTestNow)
	ack := "https://ll.example/a/zzz"
	// Quotes and newlines double in JSON: the body, not the text, must fit.
	text := strings.Repeat("\"警\n", 6000)
	if _, err := s.Send(context.Background(), Message{To: "+8613900139000", Text: text, AckURL: ack}); err != nil {
		t.Fatal(err)
	}
	if f.bodyLen[0] > 20000 || f.bodyLen[0] < 19000 {
		t.Errorf("body %d bytes", f.bodyLen[0])
	}
	c := f.robot[0]["text"].(map[string]any)["content"].(string)
	if !utf8.ValidString(c) || !strings.HasSuffix(c, "… @13900139000\n"+ack) {
		t.Errorf("truncated content ends %q", c[len(c)-60:])
	}
}

func dingtalkNewNotice(t *testing.T, f *dingtalkFake, secret string) Sender {
	t.Helper()
	cfg := fmt.Sprintf(`{"base_url":%q,"app_key":%q,"app_secret":%q,"agent_id":2001}`, f.srv.URL, dingtalkTestKey, secret)
	s, err := DingTalkWorkNotice.New(json.RawMessage(cfg), Deps{HTTP: f.srv.Client(), Now: func() time.Time { return dingtalkTestNow }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDingTalkWorkNoticeSend(t *testing.T) {
	f := newDingTalkFake(t)
	s := dingtalkNewNotice(t, f, dingtalkTestAppSec)
	res, err := s.Send(context.Background(), Message{Key: "d1", To: "manager4220", Text: "机房温度过高", AckURL: "https://ll.example/a/1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ProviderMessageID != "256271667526" {
		t.Errorf("task_id = %q", res.ProviderMessageID)
	}
	if _, err := s.Send(context.Background(), Message{Key: "d2", To: "manager4220", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if f.issued != 1 {
		t.Errorf("token fetched %d times, want 1 (cached)", f.issued)
	}
	n := f.notices[0]
	msg := n["msg"].(map[string]any)
	if n["agent_id"] != float64(2001) || n["userid_list"] != "manager4220" || msg["msgtype"] != "text" ||
		msg["text"].(map[string]any)["content"] != "机房温度过高\nhttps://ll.example/a/1" {
		t.Errorf("body = %v", n)
	}
}

func TestDingTalkWorkNoticeTokenExpiry(t *testing.T) {
	for _, code := range []int{42001, 40014} {
		f := newDingTalkFake(t)
		s := dingtalkNewNotice(t, f, dingtalkTestAppSec)
		f.expireOn = func(tok string) int {
			if tok == "dtok-1" {
				return code
			}
			return 0
		}
		res, err := s.Send(context.Background(), Message{To: "u1", Text: "x"})
		if err != nil || res.ProviderMessageID == "" || f.issued != 2 || len(f.notices) != 1 {
			t.Errorf("%d: err %v, issued %d, accepted %d", code, err, f.issued, len(f.notices))
		}
	}
	// Rejected again after the refresh: one retry only.
	f := newDingTalkFake(t)
	s := dingtalkNewNotice(t, f, dingtalkTestAppSec)
	f.expireOn = func(string) int { return 42001 }
	_, err := s.Send(context.Background(), Message{To: "u1", Text: "x"})
	if e := wecomErr(t, err); !e.Temporary || f.issued != 2 {
		t.Errorf("err %+v issued %d", e, f.issued)
	}
}

func TestDingTalkWorkNoticeErrors(t *testing.T) {
	f := newDingTalkFake(t)
	s := dingtalkNewNotice(t, f, "wrong-app-secret")
	_, err := s.Send(context.Background(), Message{To: "u1", Text: "x"})
	if e := wecomErr(t, err); e.Temporary || e.Scope != ScopeProvider || strings.Contains(e.Error(), "wrong-app-secret") {
		t.Errorf("bad secret: %+v", e)
	}
	for _, c := range []struct {
		answer    map[string]any
		temporary bool
		scope     Scope
	}{
		{map[string]any{"errcode": 88, "sub_code": "60011", "sub_msg": "没有调用该接口的权限", "errmsg": "ding talk error"}, false, ScopeProvider},
		{map[string]any{"errcode": -1, "errmsg": "系统繁忙"}, true, 0},
		{map[string]any{"errcode": 60020, "errmsg": "访问ip不在白名单之中"}, false, ScopeProvider},
		{map[string]any{"errcode": 33012, "errmsg": "无效的USERID"}, false, ScopeMessage},
	} {
		f := newDingTalkFake(t)
		f.onNotice = func(int) map[string]any { return c.answer }
		s := dingtalkNewNotice(t, f, dingtalkTestAppSec)
		_, err := s.Send(context.Background(), Message{To: "u1", Text: "x"})
		if e := wecomErr(t, err); e.Temporary != c.temporary || (!c.temporary && e.Scope != c.scope) {
			t.Errorf("%v: %+v", c.answer, e)
		}
	}
	for _, to := range []string{"", "a,b", "a b"} {
		_, err := s.Send(context.Background(), Message{To: to, Text: "x"})
		if e := wecomErr(t, err); e.Scope != ScopeMessage || e.Temporary {
			t.Errorf("%q: %+v", to, e)
		}
	}
}

func TestDingTalkConfigValidation(t *testing.T) {
	for _, cfg := range []string{
		`{"access_token":"t"}`,
		`{"access_token":"t","secret":"nosecprefix"}`,
		`{"access_token":"","secret":"SECx"}`,
		`{"access_token":"t","secret":"SECx","keyword":"x"}`,
	} {
		if _, err := DingTalkRobot.New(json.RawMessage(cfg), Deps{}); err == nil {
			t.Errorf("robot accepted %s", cfg)
		}
	}
	for _, cfg := range []string{
		`{"app_key":"k","app_secret":"s"}`,
		`{"app_key":"","app_secret":"s","agent_id":1}`,
		`{"app_key":"k","app_secret":"s","agent_id":1,"base_url":"http://example.com"}`,
	} {
		if _, err := DingTalkWorkNotice.New(json.RawMessage(cfg), Deps{}); err == nil {
			t.Errorf("notice accepted %s", cfg)
		}
	}
	if k, _ := Lookup("dingtalk_robot"); !k.Group || k.Account[0].N != 20 || k.Account[0].Per != time.Minute {
		t.Errorf("kind %+v", k)
	}
}
