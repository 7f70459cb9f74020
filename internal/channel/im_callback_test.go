package channel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifeline/internal/channel/providertest"
)

// The WeCom sample configuration of WXBizMsgCrypt (the vendor's published example).
const (
	wecomSampleToken = "QDG6eK"
	wecomSampleKey   = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	wecomSampleCorp  = "wx5823bf96d3bd56c7"
)

func wecomCallbackConfig(t *testing.T, token, key string) json.RawMessage {
	return mustJSON(t, map[string]any{"corp_id": wecomSampleCorp, "corp_secret": "s3cr3t", "agent_id": 218,
		"callback_token": token, "encoding_aes_key": key})
}

func callbackRequest(method string, q url.Values, h http.Header, body []byte) *http.Request {
	r := httptest.NewRequest(method, "/hooks/providers/p/s?"+q.Encode(), bytes.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	return r
}

// TestWeComPublishedVectors runs WeCom's published WXBizMsgCrypt examples (URL
// verification and a message push) through the wecom_app callback.
func TestWeComPublishedVectors(t *testing.T) {
	cfg := wecomCallbackConfig(t, wecomSampleToken, wecomSampleKey)
	q := url.Values{"msg_signature": {"5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"}, "timestamp": {"1409659589"}, "nonce": {"263014780"},
		"echostr": {"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="}}
	events, ans, err := WeComApp.Callback(cfg, callbackRequest(http.MethodGet, q, nil, nil), nil)
	if err != nil || len(events) != 0 || ans.Status != 200 || string(ans.Body) != "1616140317555161061" {
		t.Fatalf("url verification: %v %+v %q", err, events, ans.Body)
	}
	// An unescaped '+' arrives as a space.
	raw := "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=" +
		"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	if _, ans, err := WeComApp.Callback(cfg, httptest.NewRequest(http.MethodGet, "/h?"+raw, nil), nil); err != nil || string(ans.Body) != "1616140317555161061" {
		t.Fatalf("unescaped echostr: %v %q", err, ans.Body)
	}
	body := `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>`
	q = url.Values{"msg_signature": {"477715d11cdb4164915debcba66cb864d751f3e6"}, "timestamp": {"1409659813"}, "nonce": {"1372623149"}}
	events, ans, err = WeComApp.Callback(cfg, callbackRequest(http.MethodPost, q, nil, []byte(body)), []byte(body))
	if err != nil || ans.Status != 200 || len(ans.Body) != 0 {
		t.Fatalf("message push: %v %+v", err, ans)
	}
	want := Event{Status: EventReply, From: "mycreate", FromKind: MediaWeCom, Text: "hello", At: time.Unix(1409659813, 0).UTC()}
	if len(events) != 1 || fmt.Sprint(events[0]) != fmt.Sprint(want) {
		t.Fatalf("events %+v", events)
	}
	// The same push with its signature altered is refused.
	q.Set("msg_signature", "577715d11cdb4164915debcba66cb864d751f3e6")
	if _, _, err := WeComApp.Callback(cfg, callbackRequest(http.MethodPost, q, nil, []byte(body)), []byte(body)); !errors.Is(err, ErrSignature) {
		t.Fatalf("altered signature: %v", err)
	}
}

// TestWeComReplyCallback pushes messages built by imtest (the documented algorithm,
// implemented apart from the provider): a member's text is a reply, a wrong token or a
// tampered ciphertext is refused, another corporation's message is refused, and other
// message types are acknowledged without events.
func TestWeComReplyCallback(t *testing.T) {
	const token, key = "lifelineTok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	cfg := wecomCallbackConfig(t, token, key)
	now := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	q, body := providertest.WeComText(token, key, wecomSampleCorp, 218, "ZhangSan", " 1 ", now)
	events, ans, err := WeComApp.Callback(cfg, callbackRequest(http.MethodPost, q, nil, body), body)
	if err != nil || ans.Status != 200 || len(events) != 1 {
		t.Fatalf("reply: %v %+v", err, events)
	}
	if e := events[0]; e.Status != EventReply || e.From != "ZhangSan" || e.FromKind != MediaWeCom || e.Text != "1" || !e.At.Equal(now) {
		t.Fatalf("event %+v", e)
	}
	if _, ans, err := WeComApp.Callback(cfg, callbackRequest(http.MethodGet, providertest.WeComEcho(token, key, wecomSampleCorp, "echo-42", now), nil, nil), nil); err != nil || string(ans.Body) != "echo-42" {
		t.Fatalf("echo: %v %q", err, ans.Body)
	}
	// Signed with another token.
	q2, body2 := providertest.WeComText("otherToken", key, wecomSampleCorp, 218, "ZhangSan", "1", now)
	if _, _, err := WeComApp.Callback(cfg, callbackRequest(http.MethodPost, q2, nil, body2), body2); !errors.Is(err, ErrSignature) {
		t.Fatalf("wrong token: %v", err)
	}
	if _, _, err := WeComApp.Callback(cfg, callbackRequest(http.MethodGet, providertest.WeComEcho("otherToken", key, wecomSampleCorp, "e", now), nil, nil), nil); !errors.Is(err, ErrSignature) {
		t.Fatalf("wrong token on verification: %v", err)
	}
	// The ciphertext replaced by another one (the signature no longer covers it).
	_, other := providertest.WeComText(token, key, wecomSampleCorp, 218, "LiSi", "2", now)
	if _, _, err := WeComApp.Callback(cfg, callbackRequest(http.MethodPost, q, nil, other), other); !errors.Is(err, ErrSignature) {
		t.Fatalf("swapped ciphertext: %v", err)
	}
	// Encrypted for another corporation (receiveid).
	q3, body3 := providertest.WeComText(token, key, "wwOtherCorp", 218, "ZhangSan", "1", now)
	if _, _, err := WeComApp.Callback(cfg, callbackRequest(http.MethodPost, q3, nil, body3), body3); err == nil || errors.Is(err, ErrSignature) {
		t.Fatalf("other corporation: %v", err)
	}
	// Another app of the corporation: acknowledged, no events.
	q4, body4 := providertest.WeComText(token, key, wecomSampleCorp, 1000002, "ZhangSan", "1", now)
	if events, _, err := WeComApp.Callback(cfg, callbackRequest(http.MethodPost, q4, nil, body4), body4); err != nil || len(events) != 0 {
		t.Fatalf("other app: %v %+v", err, events)
	}
	// No callback settings: refused.
	plain := mustJSON(t, map[string]any{"corp_id": wecomSampleCorp, "corp_secret": "s", "agent_id": 218})
	if _, _, err := WeComApp.Callback(plain, callbackRequest(http.MethodPost, q, nil, body), body); err == nil {
		t.Fatal("a provider without callback settings accepted a push")
	}
}

func TestWeComCallbackConfigValidation(t *testing.T) {
	base := map[string]any{"corp_id": "ww1", "corp_secret": "s", "agent_id": 1}
	for _, extra := range []map[string]any{
		{"callback_token": "t"},
		{"encoding_aes_key": wecomSampleKey},
		{"callback_token": "t", "encoding_aes_key": "short"},
		{"callback_token": "t", "encoding_aes_key": strings.Repeat("!", 43)},
	} {
		c := map[string]any{}
		for k, v := range base {
			c[k] = v
		}
		for k, v := range extra {
			c[k] = v
		}
		if _, err := WeComApp.New(mustJSON(t, c), Deps{}); err == nil {
			t.Errorf("accepted %v", extra)
		}
	}
	base["callback_token"], base["encoding_aes_key"] = wecomSampleToken, wecomSampleKey
	if _, err := WeComApp.New(mustJSON(t, base), Deps{}); err != nil {
		t.Errorf("valid callback settings: %v", err)
	}
}

// TestDingTalkRobotCallback verifies the robot push's timestamp and sign headers: a
// member's text is a reply from their userid; a wrong secret, an hour-old timestamp or
// no headers are refused; other messages and outsiders are acknowledged without events.
func TestDingTalkRobotCallback(t *testing.T) {
	cfg := mustJSON(t, map[string]any{"app_key": dingtalkTestKey, "app_secret": dingtalkTestAppSec, "agent_id": 2001})
	now := time.Now()
	body := providertest.DingTalkText("manager4220", " 收到", now)
	for _, k := range []Kind{DingTalkWorkNotice, DingTalkDing} {
		events, ans, err := k.Callback(cfg, callbackRequest(http.MethodPost, nil, providertest.DingTalkHeaders(dingtalkTestAppSec, now), body), body)
		if err != nil || ans.Status != 200 || len(events) != 1 {
			t.Fatalf("%s: %v %+v", k.Name, err, events)
		}
		if e := events[0]; e.From != "manager4220" || e.FromKind != MediaDingTalk || e.Text != "收到" || e.At.UnixMilli() != now.UnixMilli() {
			t.Fatalf("event %+v", e)
		}
	}
	for name, h := range map[string]http.Header{
		"wrong secret": providertest.DingTalkHeaders("another-secret", now),
		"old":          providertest.DingTalkHeaders(dingtalkTestAppSec, now.Add(-61*time.Minute)),
		"future":       providertest.DingTalkHeaders(dingtalkTestAppSec, now.Add(61*time.Minute)),
		"none":         {},
	} {
		if _, _, err := DingTalkWorkNotice.Callback(cfg, callbackRequest(http.MethodPost, nil, h, body), body); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, b := range [][]byte{
		[]byte(strings.Replace(string(body), `"msgtype":"text"`, `"msgtype":"picture"`, 1)),
		providertest.DingTalkText("", "1", now),
	} {
		if events, _, err := DingTalkWorkNotice.Callback(cfg, callbackRequest(http.MethodPost, nil, providertest.DingTalkHeaders(dingtalkTestAppSec, now), b), b); err != nil || len(events) != 0 {
			t.Errorf("not an answer: %v %+v", err, events)
		}
	}
}

const (
	feishuTestEncryptKey = "kudryavtsev-encrypt-key-0001"
	feishuTestVerify     = "v3r1fication-token-0001"
)

func feishuCallbackConfig(t *testing.T, encryptKey, token string) json.RawMessage {
	c := map[string]any{"app_id": feishuTestAppID, "app_secret": feishuTestAppSec}
	if encryptKey != "" {
		c["encrypt_key"] = encryptKey
	}
	if token != "" {
		c["verification_token"] = token
	}
	return mustJSON(t, c)
}

// TestFeishuDecryptPublishedExample decrypts the example of Feishu's event encryption
// document (Encrypt Key "test key").
func TestFeishuDecryptPublishedExample(t *testing.T) {
	got, err := feishuDecrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=")
	if err != nil || string(got) != "hello world" {
		t.Fatalf("%q %v", got, err)
	}
}

// TestFeishuEventCallback answers the encrypted url_verification and reads an
// encrypted, signed im.message.receive_v1; pushes that do not verify are refused.
func TestFeishuEventCallback(t *testing.T) {
	cfg := feishuCallbackConfig(t, feishuTestEncryptKey, feishuTestVerify)
	now := time.Now()
	body, h := providertest.FeishuPush(feishuTestEncryptKey, providertest.FeishuChallenge(feishuTestVerify, "ch-7d8a6e"), now)
	delete(h, "X-Lark-Signature") // Feishu does not sign the challenge
	events, ans, err := FeishuApp.Callback(cfg, callbackRequest(http.MethodPost, nil, h, body), body)
	if err != nil || len(events) != 0 || ans.Status != 200 || string(ans.Body) != `{"challenge":"ch-7d8a6e"}` {
		t.Fatalf("challenge: %v %q", err, ans.Body)
	}
	plain := providertest.FeishuText(feishuTestAppID, feishuTestVerify, "ou_7d8a6e6df7621556ce0d21922b676706ccs", "e33ggbyz", "@_user_1 2", now)
	body, h = providertest.FeishuPush(feishuTestEncryptKey, plain, now)
	for _, k := range []Kind{FeishuApp, FeishuUrgent} {
		events, ans, err = k.Callback(cfg, callbackRequest(http.MethodPost, nil, h, body), body)
		if err != nil || ans.Status != 200 || len(events) != 1 {
			t.Fatalf("%s: %v %+v", k.Name, err, events)
		}
		e := events[0]
		if e.From != "ou_7d8a6e6df7621556ce0d21922b676706ccs" || e.FromKind != MediaFeishu || e.Text != "2" ||
			fmt.Sprint(e.FromAlt) != "[e33ggbyz on_8ed6aa67826108097d9ee143816345]" || e.At.UnixMilli() != now.UnixMilli() {
			t.Fatalf("event %+v", e)
		}
	}
	// A bad signature, a plain push, another key, another token: refused.
	bad := h.Clone()
	bad.Set("X-Lark-Signature", strings.Repeat("0", 64))
	other, oh := providertest.FeishuPush("another-key", plain, now)
	wrongToken, wh := providertest.FeishuPush(feishuTestEncryptKey, providertest.FeishuText(feishuTestAppID, "other-token", "ou_1", "u1", "1", now), now)
	for name, c := range map[string]struct {
		body []byte
		h    http.Header
	}{
		"bad signature": {body, bad},
		"unsigned":      {body, http.Header{}},
		"plain":         {plain, http.Header{}},
		"another key":   {other, oh},
		"wrong token":   {wrongToken, wh},
	} {
		if _, _, err := FeishuApp.Callback(cfg, callbackRequest(http.MethodPost, nil, c.h, c.body), c.body); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// With only a Verification Token, plain pushes carrying it are read.
	tokenOnly := feishuCallbackConfig(t, "", feishuTestVerify)
	if events, _, err := FeishuApp.Callback(tokenOnly, callbackRequest(http.MethodPost, nil, nil, plain), plain); err != nil || len(events) != 1 || events[0].Text != "2" {
		t.Fatalf("token only: %v %+v", err, events)
	}
	if _, _, err := FeishuApp.Callback(tokenOnly, callbackRequest(http.MethodPost, nil, nil, wrongToken), wrongToken); err == nil {
		t.Fatal("token only: an encrypted push without a key was accepted")
	}
	// Other events are acknowledged without events; no settings at all: refused.
	read := []byte(strings.Replace(string(plain), "im.message.receive_v1", "im.message.message_read_v1", 1))
	body, h = providertest.FeishuPush(feishuTestEncryptKey, read, now)
	if events, _, err := FeishuApp.Callback(cfg, callbackRequest(http.MethodPost, nil, h, body), body); err != nil || len(events) != 0 {
		t.Fatalf("other event: %v %+v", err, events)
	}
	if _, _, err := FeishuApp.Callback(feishuCallbackConfig(t, "", ""), callbackRequest(http.MethodPost, nil, nil, plain), plain); err == nil {
		t.Fatal("no event settings: accepted")
	}
}

func TestIMReplyText(t *testing.T) {
	for in, want := range map[string]string{"@_user_1 1": "1", " 收到 ": "收到", "@_all 2": "2", "平安": "平安"} {
		if got := imReplyText(in); got != want {
			t.Errorf("imReplyText(%q) = %q, want %q", in, got, want)
		}
	}
}
