package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// wecomFake is a WeCom server: it issues tokens for one corpid/secret pair, rejects
// expired or unknown tokens with 42001/40014 as WeCom does, and lets a test script the
// answer to message/send and webhook/send.
type wecomFake struct {
	t          *testing.T
	mu         sync.Mutex
	corpID     string
	secret     string
	robotKey   string
	issued     int             // tokens issued
	valid      map[string]bool // tokens the fake accepts
	sends      []map[string]any
	robotSends []map[string]any
	tokenErr   int                         // errcode gettoken answers, when set
	onSend     func(n int) map[string]any  // answer to the n-th (1-based) accepted send
	onRobot    func(n int) map[string]any  // answer to the n-th robot send
	rejectTok  func(tok string, n int) int // errcode for a valid token on the n-th send (0: accept)
	srv        *httptest.Server
	status     int // when set, every answer has this HTTP status and no JSON
}

func newWeComFake(t *testing.T) *wecomFake {
	f := &wecomFake{t: t, corpID: "ww0123456789", secret: "s3cr3t-app-secret", robotKey: "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", valid: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *wecomFake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.status != 0 {
		w.WriteHeader(f.status)
		io.WriteString(w, "<html>bad gateway</html>")
		return
	}
	answer := func(v map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	q := r.URL.Query()
	switch r.URL.Path {
	case "/cgi-bin/gettoken":
		if r.Method != http.MethodGet {
			f.t.Errorf("gettoken: method %s", r.Method)
		}
		if f.tokenErr != 0 {
			answer(map[string]any{"errcode": f.tokenErr, "errmsg": "token error"})
			return
		}
		if q.Get("corpid") != f.corpID {
			answer(map[string]any{"errcode": 40013, "errmsg": "invalid corpid"})
			return
		}
		if q.Get("corpsecret") != f.secret {
			answer(map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
			return
		}
		f.issued++
		tok := fmt.Sprintf("tok-%d", f.issued)
		f.valid[tok] = true
		answer(map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": 7200})
	case "/cgi-bin/message/send":
		if r.Method != http.MethodPost {
			f.t.Errorf("message/send: method %s", r.Method)
		}
		tok := q.Get("access_token")
		if !f.valid[tok] {
			answer(map[string]any{"errcode": 40014, "errmsg": "invalid access_token"})
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			f.t.Errorf("message/send: body is not JSON: %v", err)
		}
		if f.rejectTok != nil {
			if code := f.rejectTok(tok, len(f.sends)+1); code != 0 {
				delete(f.valid, tok)
				answer(map[string]any{"errcode": code, "errmsg": "access_token expired, hint: [" + tok + "]"})
				return
			}
		}
		f.sends = append(f.sends, body)
		if f.onSend != nil {
			answer(f.onSend(len(f.sends)))
			return
		}
		answer(map[string]any{"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": fmt.Sprintf("msg-%d", len(f.sends))})
	case "/cgi-bin/webhook/send":
		if r.Method != http.MethodPost {
			f.t.Errorf("webhook/send: method %s", r.Method)
		}
		if q.Get("key") != f.robotKey {
			answer(map[string]any{"errcode": 93000, "errmsg": "invalid webhook url, hint: [key " + q.Get("key") + "]"})
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			f.t.Errorf("webhook/send: body is not JSON: %v", err)
		}
		f.robotSends = append(f.robotSends, body)
		if f.onRobot != nil {
			answer(f.onRobot(len(f.robotSends)))
			return
		}
		answer(map[string]any{"errcode": 0, "errmsg": "ok"})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// wecomClock is a settable clock for the token cache.
type wecomClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *wecomClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *wecomClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func wecomNewApp(t *testing.T, f *wecomFake, clock *wecomClock) Sender {
	t.Helper()
	cfg := fmt.Sprintf(`{"base_url":%q,"corp_id":%q,"corp_secret":%q,"agent_id":1000002}`, f.srv.URL, f.corpID, f.secret)
	s, err := WeComApp.New(json.RawMessage(cfg), Deps{HTTP: f.srv.Client(), Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wecomErr(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *Error, got %T %v", err, err)
	}
	return e
}

func TestWeComAppSendBodyAndTokenCache(t *testing.T) {
	f := newWeComFake(t)
	clock := &wecomClock{t: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)}
	s := wecomNewApp(t, f, clock)
	m := Message{Key: "d-1", To: "ZhangSan", Text: "[P1] 数据库主库不可用", AckURL: "https://ll.example/a/x?t=1&u=2"}
	res, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if res.ProviderMessageID != "msg-1" {
		t.Errorf("ProviderMessageID = %q", res.ProviderMessageID)
	}
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if f.issued != 1 {
		t.Errorf("gettoken called %d times for two sends, want 1 (cached)", f.issued)
	}
	b := f.sends[0]
	if b["touser"] != "ZhangSan" || b["msgtype"] != "text" || b["agentid"] != float64(1000002) {
		t.Errorf("body = %v", b)
	}
	if b["enable_duplicate_check"] != float64(1) || b["duplicate_check_interval"] != float64(1800) {
		t.Errorf("duplicate check not requested: %v", b)
	}
	text := b["text"].(map[string]any)["content"]
	if text != m.Text+"\n"+m.AckURL {
		t.Errorf("content = %q", text)
	}
}

func TestWeComAppTokenRefreshedBeforeExpiry(t *testing.T) {
	f := newWeComFake(t)
	clock := &wecomClock{t: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)}
	s := wecomNewApp(t, f, clock)
	m := Message{Key: "d-1", To: "zhangsan", Text: "x"}
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	clock.add(7200*time.Second - 6*time.Minute) // still comfortably valid
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if f.issued != 1 {
		t.Fatalf("token refetched too early: %d", f.issued)
	}
	clock.add(2 * time.Minute) // within the last five minutes: refresh early
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if f.issued != 2 {
		t.Fatalf("token not refreshed before its expiry: issued %d", f.issued)
	}
}

func TestWeComAppToken42001RefreshAndRetryOnce(t *testing.T) {
	for _, code := range []int{42001, 40014} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			f := newWeComFake(t)
			clock := &wecomClock{t: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)}
			s := wecomNewApp(t, f, clock)
			// WeCom expires tok-1 early (e.g. the secret was used elsewhere).
			f.rejectTok = func(tok string, n int) int {
				if tok == "tok-1" {
					return code
				}
				return 0
			}
			res, err := s.Send(context.Background(), Message{Key: "d-1", To: "zhangsan", Text: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if f.issued != 2 || len(f.sends) != 1 || res.ProviderMessageID != "msg-1" {
				t.Fatalf("issued %d, accepted sends %d, id %q", f.issued, len(f.sends), res.ProviderMessageID)
			}
		})
	}
	// A fresh token rejected again: one retry only, then a temporary error.
	f := newWeComFake(t)
	s := wecomNewApp(t, f, &wecomClock{t: time.Unix(1e9, 0)})
	f.rejectTok = func(string, int) int { return 42001 }
	_, err := s.Send(context.Background(), Message{Key: "d-1", To: "zhangsan", Text: "x"})
	e := wecomErr(t, err)
	if !e.Temporary || e.Code != "42001" || f.issued != 2 {
		t.Fatalf("err %+v, issued %d", e, f.issued)
	}
	if strings.Contains(e.Message, "tok-2") {
		t.Errorf("the access token leaked into the error: %q", e.Message)
	}
}

func TestWeComAppErrors(t *testing.T) {
	cases := []struct {
		name       string
		answer     map[string]any
		temporary  bool
		scope      Scope
		code       string
		retryAfter time.Duration
		message    string
	}{
		{"all recipients invalid", map[string]any{"errcode": 81013, "errmsg": "user & party & tag all invalid"}, false, ScopeMessage, "81013", 0, ""},
		{"invaliduser with errcode 0", map[string]any{"errcode": 0, "errmsg": "ok", "invaliduser": "lisi"}, false, ScopeMessage, "invaliduser", 0, ""},
		{"ip not allowlisted", map[string]any{"errcode": 60020, "errmsg": "not allow to access from your ip, from ip: 1.2.3.4"}, false, ScopeProvider, "60020", 0, wecomIPMessage},
		{"rate limited", map[string]any{"errcode": 45009, "errmsg": "api freq out of limit"}, true, 0, "45009", 60 * time.Second, ""},
		{"system busy", map[string]any{"errcode": -1, "errmsg": "system busy"}, true, 0, "-1", 0, ""},
		{"bad agentid", map[string]any{"errcode": 40056, "errmsg": "invalid agentid"}, false, ScopeProvider, "40056", 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newWeComFake(t)
			f.onSend = func(int) map[string]any { return c.answer }
			s := wecomNewApp(t, f, &wecomClock{t: time.Unix(1e9, 0)})
			_, err := s.Send(context.Background(), Message{Key: "d-1", To: "lisi", Text: "secret text"})
			e := wecomErr(t, err)
			if e.Temporary != c.temporary || (!c.temporary && e.Scope != c.scope) || e.Code != c.code || e.RetryAfter != c.retryAfter {
				t.Errorf("got %+v", e)
			}
			if c.message != "" && e.Message != c.message {
				t.Errorf("message = %q, want %q", e.Message, c.message)
			}
			if strings.Contains(e.Error(), "lisi") || strings.Contains(e.Error(), "secret text") {
				t.Errorf("address or text in the error: %q", e.Error())
			}
		})
	}
}

func TestWeComAppTokenErrors(t *testing.T) {
	f := newWeComFake(t)
	cfg := fmt.Sprintf(`{"base_url":%q,"corp_id":%q,"corp_secret":"wrong-secret","agent_id":1}`, f.srv.URL, f.corpID)
	s, err := WeComApp.New(json.RawMessage(cfg), Deps{HTTP: f.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	e := wecomErr(t, func() error { _, err := s.Send(context.Background(), Message{To: "u1", Text: "x"}); return err }())
	if e.Temporary || e.Scope != ScopeProvider || e.Code != "40001" {
		t.Errorf("bad secret: %+v", e)
	}
	if strings.Contains(e.Error(), "wrong-secret") {
		t.Errorf("secret leaked: %q", e.Error())
	}
	cfg = fmt.Sprintf(`{"base_url":%q,"corp_id":"ww-other","corp_secret":%q,"agent_id":1}`, f.srv.URL, f.secret)
	s, _ = WeComApp.New(json.RawMessage(cfg), Deps{HTTP: f.srv.Client()})
	e = wecomErr(t, func() error { _, err := s.Send(context.Background(), Message{To: "u1", Text: "x"}); return err }())
	if e.Temporary || e.Scope != ScopeProvider || e.Code != "40013" {
		t.Errorf("bad corpid: %+v", e)
	}
	f.tokenErr = 60020
	s = wecomNewApp(t, f, &wecomClock{t: time.Unix(1e9, 0)})
	e = wecomErr(t, func() error { _, err := s.Send(context.Background(), Message{To: "u1", Text: "x"}); return err }())
	if e.Scope != ScopeProvider || e.Message != wecomIPMessage {
		t.Errorf("ip on gettoken: %+v", e)
	}
	f.tokenErr = 0
	f.status = http.StatusBadGateway
	e = wecomErr(t, func() error { _, err := s.Send(context.Background(), Message{To: "u1", Text: "x"}); return err }())
	if !e.Temporary || e.Code != "http_502" {
		t.Errorf("502: %+v", e)
	}
}

func TestWeComAppRecipientChecks(t *testing.T) {
	f := newWeComFake(t)
	s := wecomNewApp(t, f, &wecomClock{t: time.Unix(1e9, 0)})
	for _, to := range []string{"", "@all", "a|b", "a b", strings.Repeat("x", 65)} {
		_, err := s.Send(context.Background(), Message{To: to, Text: "x"})
		if e := wecomErr(t, err); e.Temporary || e.Scope != ScopeMessage {
			t.Errorf("%q: %+v", to, e)
		}
	}
	if f.issued != 0 || len(f.sends) != 0 {
		t.Errorf("invalid recipients reached WeCom")
	}
}

func TestWeComAppTruncatesKeepingAckLink(t *testing.T) {
	f := newWeComFake(t)
	s := wecomNewApp(t, f, &wecomClock{t: time.Unix(1e9, 0)})
	ack := "https://ll.example/a/0123456789"
	if _, err := s.Send(context.Background(), Message{To: "u1", Text: strings.Repeat("告警", 1000), AckURL: ack}); err != nil {
		t.Fatal(err)
	}
	c := f.sends[0]["text"].(map[string]any)["content"].(string)
	if len(c) > 2048 || !utf8.ValidString(c) || !strings.HasSuffix(c, "…\n"+ack) {
		t.Errorf("len %d valid %v suffix %q", len(c), utf8.ValidString(c), c[len(c)-40:])
	}
}

func TestWeComConfigValidation(t *testing.T) {
	bad := []string{
		`{"corp_id":"ww1","corp_secret":"s","agent_id":0}`,
		`{"corp_id":"","corp_secret":"s","agent_id":1}`,
		`{"corp_id":"ww1","corp_secret":"","agent_id":1}`,
		`{"corp_id":"ww1","corp_secret":"s","agent_id":1,"extra":1}`,
		`{"corp_id":"ww1","corp_secret":"s","agent_id":1,"base_url":"http://qyapi.example.com"}`,
		`{"corp_id":"ww1","corp_secret":"s\n","agent_id":1}`,
	}
	for _, cfg := range bad {
		if _, err := WeComApp.New(json.RawMessage(cfg), Deps{}); err == nil {
			t.Errorf("accepted %s", cfg)
		}
	}
	if _, err := WeComApp.New(json.RawMessage(`{"corp_id":"ww1","corp_secret":"s","agent_id":1}`), Deps{}); err != nil {
		t.Errorf("default base URL: %v", err)
	}
	for _, cfg := range []string{`{}`, `{"key":""}`, `{"key":"k","url":"x"}`, `{"key":"k","base_url":"ftp://x"}`} {
		if _, err := WeComRobot.New(json.RawMessage(cfg), Deps{}); err == nil {
			t.Errorf("robot accepted %s", cfg)
		}
	}
	if k, _ := Lookup("wecom_robot"); !k.Group || k.Media != MediaWeCom || len(k.Account) == 0 || k.Account[0].N != 20 {
		t.Errorf("wecom_robot kind: %+v", k)
	}
	if k, _ := Lookup("wecom_app"); k.Group || len(k.PerAddress) != 2 || k.PerAddress[0].N != 30 || k.PerAddress[1].N != 1000 {
		t.Errorf("wecom_app kind: %+v", k)
	}
}

func wecomNewRobot(t *testing.T, f *wecomFake, key string) Sender {
	t.Helper()
	s, err := WeComRobot.New(json.RawMessage(fmt.Sprintf(`{"base_url":%q,"key":%q}`, f.srv.URL, key)), Deps{HTTP: f.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWeComRobotSend(t *testing.T) {
	f := newWeComFake(t)
	s := wecomNewRobot(t, f, f.robotKey)
	ack := "https://ll.example/a/k?x=1&y=2"
	if _, err := s.Send(context.Background(), Message{Key: "d", To: "+8613800138000", Text: "磁盘满", AckURL: ack}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), Message{Key: "d", To: "wangwu", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), Message{Key: "d", Text: strings.Repeat("é", 3000), AckURL: ack}); err != nil {
		t.Fatal(err)
	}
	b := f.robotSends[0]
	text := b["text"].(map[string]any)
	if b["msgtype"] != "text" || text["content"] != "磁盘满\n"+ack {
		t.Errorf("body %v", b)
	}
	if ml, _ := text["mentioned_mobile_list"].([]any); len(ml) != 1 || ml[0] != "13800138000" {
		t.Errorf("mentioned_mobile_list = %v", text["mentioned_mobile_list"])
	}
	if ml, _ := f.robotSends[1]["text"].(map[string]any)["mentioned_list"].([]any); len(ml) != 1 || ml[0] != "wangwu" {
		t.Errorf("mentioned_list = %v", f.robotSends[1])
	}
	third := f.robotSends[2]["text"].(map[string]any)
	c := third["content"].(string)
	if len(c) > 2048 || !utf8.ValidString(c) || !strings.HasSuffix(c, "\n"+ack) {
		t.Errorf("truncated content: len %d", len(c))
	}
	if _, ok := third["mentioned_mobile_list"]; ok {
		t.Errorf("no recipient, but a mention: %v", third)
	}
}

func TestWeComRobotErrors(t *testing.T) {
	f := newWeComFake(t)
	bad := wecomNewRobot(t, f, "wrong-key-123")
	_, err := bad.Send(context.Background(), Message{Text: "x"})
	e := wecomErr(t, err)
	if e.Temporary || e.Scope != ScopeProvider || e.Code != "93000" || strings.Contains(e.Message, "wrong-key-123") {
		t.Errorf("bad key: %+v", e)
	}
	s := wecomNewRobot(t, f, f.robotKey)
	f.onRobot = func(int) map[string]any { return map[string]any{"errcode": 45009, "errmsg": "api freq out of limit"} }
	_, err = s.Send(context.Background(), Message{Text: "x"})
	if e := wecomErr(t, err); !e.Temporary || e.RetryAfter != 60*time.Second {
		t.Errorf("45009: %+v", e)
	}
	// Unreachable server: temporary, and the key in the URL must not be in the error.
	f.srv.Close()
	_, err = s.Send(context.Background(), Message{Text: "x"})
	if e := wecomErr(t, err); !e.Temporary || strings.Contains(e.Error(), f.robotKey) {
		t.Errorf("transport: %+v", e)
	}
}

func TestWeComAppRespectsContext(t *testing.T) {
	f := newWeComFake(t)
	s := wecomNewApp(t, f, &wecomClock{t: time.Unix(1e9, 0)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Send(ctx, Message{To: "u1", Text: "x"})
	if e := wecomErr(t, err); !e.Temporary {
		t.Errorf("cancelled: %+v", e)
	}
	if len(f.sends) != 0 {
		t.Errorf("sent despite a cancelled context")
	}
}

func TestWeComAppConcurrentSendsShareOneToken(t *testing.T) {
	f := newWeComFake(t)
	s := wecomNewApp(t, f, &wecomClock{t: time.Unix(1e9, 0)})
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Send(context.Background(), Message{To: "u1", Text: "x"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if f.issued != 1 || len(f.sends) != 16 {
		t.Errorf("issued %d tokens for %d sends", f.issued, len(f.sends))
	}
}
