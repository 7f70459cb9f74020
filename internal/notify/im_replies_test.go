package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/internal/channel/providertest"
	"lifeline/internal/errs"
	"lifeline/internal/notify"
	"lifeline/internal/store/storetest"
)

// imFake is WeCom, DingTalk and Feishu in one local server: tokens, app messages, work
// notices, Feishu urgent and DingTalk DING. It records who got what.
type imFake struct {
	mu     sync.Mutex
	sent   []string // "medium to", in order
	urgent []string // "mode message_id open_id"
	srv    *httptest.Server
	n      int
}

func newIMFake(t *testing.T) *imFake {
	f := &imFake{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		f.mu.Lock()
		defer f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		switch p := r.URL.Path; {
		case p == "/cgi-bin/gettoken" && q.Get("corpsecret") == "wecom-secret":
			io.WriteString(w, `{"errcode":0,"errmsg":"ok","access_token":"wtok","expires_in":7200}`)
		case p == "/cgi-bin/message/send" && q.Get("access_token") == "wtok":
			f.sent = append(f.sent, fmt.Sprint("wecom ", m["touser"]))
			io.WriteString(w, `{"errcode":0,"errmsg":"ok","msgid":"wm1"}`)
		case p == "/gettoken" && q.Get("appsecret") == "ding-secret":
			io.WriteString(w, `{"errcode":0,"errmsg":"ok","access_token":"dtok","expires_in":7200}`)
		case p == "/topapi/message/corpconversation/asyncsend_v2" && q.Get("access_token") == "dtok":
			f.sent = append(f.sent, fmt.Sprint("dingtalk ", m["userid_list"]))
			io.WriteString(w, `{"errcode":0,"task_id":2561}`)
		case p == "/v1.0/oauth2/accessToken" && m["appSecret"] == "ding-secret":
			io.WriteString(w, `{"accessToken":"dtok1","expireIn":7200}`)
		case p == "/v1.0/robot/ding/send" && r.Header.Get("X-Acs-Dingtalk-Access-Token") == "dtok1":
			f.sent = append(f.sent, fmt.Sprint("dingtalk_ding ", m["receiverUserIdList"]))
			io.WriteString(w, `{"openDingId":"ding1"}`)
		case p == "/open-apis/auth/v3/tenant_access_token/internal" && m["app_secret"] == "feishu-secret":
			io.WriteString(w, `{"code":0,"msg":"ok","tenant_access_token":"ftok","expire":7200}`)
		case p == "/open-apis/im/v1/messages" && r.Header.Get("Authorization") == "Bearer ftok":
			f.n++
			f.sent = append(f.sent, fmt.Sprint("feishu ", m["receive_id"]))
			fmt.Fprintf(w, `{"code":0,"msg":"success","data":{"message_id":"om_%d"}}`, f.n)
		case strings.HasPrefix(p, "/open-apis/im/v1/messages/") && r.Method == http.MethodPatch && r.Header.Get("Authorization") == "Bearer ftok":
			parts := strings.Split(strings.TrimPrefix(p, "/open-apis/im/v1/messages/"), "/")
			f.urgent = append(f.urgent, fmt.Sprint(parts[1], " ", parts[0], " ", m["user_id_list"]))
			io.WriteString(w, `{"code":0,"msg":"success","data":{"invalid_user_id_list":[]}}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"errcode":40001,"code":99991663,"errmsg":"unexpected request","msg":"unexpected request"}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *imFake) got() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.sent, "|")
}

const (
	wecomToken  = "lifelineTok3n"
	wecomAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	wecomCorp   = "ww5823bf96d3bd56c7"
	dingSecret  = "ding-secret"
	feishuKey   = "feishu-encrypt-key"
	feishuToken = "feishu-verification-token"
	feishuApp   = "cli_a1b2c3d4e5f6"
)

// imProviders registers WeCom, DingTalk and Feishu app providers (with their callback
// settings) against the fake, and the escalated kinds when escalate is set.
func (en *env) imProviders(f *imFake, escalate bool) map[string]string {
	en.t.Helper()
	ids := map[string]string{}
	add := func(kind string, cfg map[string]any) {
		cfg["base_url"] = f.srv.URL
		b, _ := json.Marshal(cfg)
		p, err := en.svc.CreateProvider(context.Background(), en.sys, notify.ProviderInput{Kind: kind, Name: kind, Config: b})
		if err != nil {
			en.t.Fatalf("provider %s: %v", kind, err)
		}
		ids[kind] = p.ID
	}
	add("wecom_app", map[string]any{"corp_id": wecomCorp, "corp_secret": "wecom-secret", "agent_id": 1000002,
		"callback_token": wecomToken, "encoding_aes_key": wecomAESKey})
	add("dingtalk_work_notice", map[string]any{"app_key": "dingkey", "app_secret": dingSecret, "agent_id": 2001})
	feishu := func() map[string]any {
		return map[string]any{"app_id": feishuApp, "app_secret": "feishu-secret", "encrypt_key": feishuKey, "verification_token": feishuToken}
	}
	add("feishu_app", feishu())
	if escalate {
		add("dingtalk_ding", map[string]any{"app_key": "dingkey", "app_secret": dingSecret, "robot_code": "dingrobot"})
		add("feishu_urgent", feishu())
	}
	return ids
}

// push delivers a provider push to HandleCallback on the provider's secret URL.
func (en *env) push(providerID, method string, q url.Values, h http.Header, body []byte) (int, string, error) {
	u := en.svc.CallbackURL(providerID)
	secret := u[strings.LastIndex(u, "/")+1:]
	r := httptest.NewRequest(method, u+"?"+q.Encode(), bytes.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	ans, err := en.svc.HandleCallback(context.Background(), providerID, secret, r, body)
	return ans.Status, string(ans.Body), err
}

// TestIMReplies sends a notification over WeCom, DingTalk and Feishu and answers it in
// each app through the providers' callbacks, signed and encrypted per the vendors'
// documentation: each reply acknowledges its sender, a reply in WeCom acknowledges a
// person who was reached by SMS, and pushes with a bad signature are refused (403) and
// change nothing.
func TestIMReplies(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			en := newEnv(t, e, notify.Config{PublicURL: "https://ll.example.com"})
			f := newIMFake(t)
			ids := en.imProviders(f, false)
			en.logProvider("sms")
			a := en.person("W1", "企微甲", "", "wecom", "ZhangSan")
			b := en.person("D1", "钉钉乙", "", "dingtalk", "manager4220")
			c := en.person("F1", "飞书丙", "", "feishu", "ou_7d8a6e6df7621556ce0d21922b676706ccs")
			d := en.person("S1", "短信丁", "", "mobile", "13900000031", "wecom", "LiSi")
			nt, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{People: []string{a, b, c, d}},
				Text: "请回复 1 平安 / 2 求助", RequireAck: true})
			if err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { return en.counts(nt.ID).Sent == 4 })
			if got := f.got(); !strings.Contains(got, "wecom ZhangSan") || !strings.Contains(got, "dingtalk manager4220") ||
				!strings.Contains(got, "feishu ou_7d8a6e6df7621556ce0d21922b676706ccs") || strings.Contains(got, "LiSi") {
				t.Fatalf("sent %s", got)
			}
			now := time.Now()
			forbidden := func(name string, st int, err error) {
				t.Helper()
				if errs.KindOf(err) != errs.Forbidden {
					t.Errorf("%s: status %d, err %v; want forbidden", name, st, err)
				}
			}
			// Bad signatures first: nothing changes.
			q, body := providertest.WeComText("anotherToken", wecomAESKey, wecomCorp, 1000002, "ZhangSan", "1", now)
			st, _, err := en.push(ids["wecom_app"], http.MethodPost, q, nil, body)
			forbidden("wecom", st, err)
			body = providertest.DingTalkText("manager4220", "2", now)
			st, _, err = en.push(ids["dingtalk_work_notice"], http.MethodPost, nil, providertest.DingTalkHeaders("not-the-secret", now), body)
			forbidden("dingtalk", st, err)
			st, _, err = en.push(ids["dingtalk_work_notice"], http.MethodPost, nil, providertest.DingTalkHeaders(dingSecret, now.Add(-2*time.Hour)), body)
			forbidden("dingtalk, two hours old", st, err)
			fbody, fh := providertest.FeishuPush(feishuKey, providertest.FeishuText(feishuApp, feishuToken, "ou_7d8a6e6df7621556ce0d21922b676706ccs", "u1", "收到", now), now)
			bad := fh.Clone()
			bad.Set("X-Lark-Signature", strings.Repeat("a", 64))
			st, _, err = en.push(ids["feishu_app"], http.MethodPost, nil, bad, fbody)
			forbidden("feishu", st, err)
			if c := en.counts(nt.ID); c.Acknowledged != 0 {
				t.Fatalf("after refused pushes: %+v", c)
			}

			// The URL verifications of the consoles.
			if st, echo, err := en.push(ids["wecom_app"], http.MethodGet, providertest.WeComEcho(wecomToken, wecomAESKey, wecomCorp, "5927782489", now), nil, nil); err != nil || st != 200 || echo != "5927782489" {
				t.Fatalf("wecom verification: %d %q %v", st, echo, err)
			}
			cbody, ch := providertest.FeishuPush(feishuKey, providertest.FeishuChallenge(feishuToken, "ch-1"), now)
			ch.Del("X-Lark-Signature")
			if st, ans, err := en.push(ids["feishu_app"], http.MethodPost, nil, ch, cbody); err != nil || st != 200 || ans != `{"challenge":"ch-1"}` {
				t.Fatalf("feishu challenge: %d %q %v", st, ans, err)
			}

			// The replies.
			q, body = providertest.WeComText(wecomToken, wecomAESKey, wecomCorp, 1000002, "ZhangSan", "1", now)
			if st, _, err := en.push(ids["wecom_app"], http.MethodPost, q, nil, body); err != nil || st != 200 {
				t.Fatalf("wecom reply: %d %v", st, err)
			}
			body = providertest.DingTalkText("manager4220", " 2", now)
			if st, _, err := en.push(ids["dingtalk_work_notice"], http.MethodPost, nil, providertest.DingTalkHeaders(dingSecret, now), body); err != nil || st != 200 {
				t.Fatalf("dingtalk reply: %d %v", st, err)
			}
			if st, _, err := en.push(ids["feishu_app"], http.MethodPost, nil, fh, fbody); err != nil || st != 200 {
				t.Fatalf("feishu reply: %d %v", st, err)
			}
			// LiSi was reached by SMS; the answer in WeCom still counts.
			q, body = providertest.WeComText(wecomToken, wecomAESKey, wecomCorp, 1000002, "LiSi", "平安", now)
			if st, _, err := en.push(ids["wecom_app"], http.MethodPost, q, nil, body); err != nil || st != 200 {
				t.Fatalf("wecom reply for an SMS: %d %v", st, err)
			}
			// Someone who was not notified: acknowledged, nothing changes.
			q, body = providertest.WeComText(wecomToken, wecomAESKey, wecomCorp, 1000002, "WangWu", "1", now)
			if st, _, err := en.push(ids["wecom_app"], http.MethodPost, q, nil, body); err != nil || st != 200 {
				t.Fatalf("stranger: %d %v", st, err)
			}
			c2 := en.counts(nt.ID)
			if c2.Acknowledged != 4 || c2.Safe != 2 || c2.NeedHelp != 1 {
				t.Fatalf("after the replies: %+v", c2)
			}
			for person, want := range map[string]string{a: "safe", b: "need_help", c: "received", d: "safe"} {
				var status, via string
				if err := en.db.Read.QueryRow(`SELECT ack_status, ack_via FROM recipients WHERE person_id = $1`, person).Scan(&status, &via); err != nil {
					t.Fatal(err)
				}
				if status != want || via != "im" {
					t.Errorf("recipient %s: %s via %s, want %s via im", person, status, via, want)
				}
			}
		})
	}
}

// TestIMEscalationLadder walks the ladders of a Feishu and a DingTalk account: the
// plain message first, and when it goes unanswered the same account escalated — Feishu
// 加急 on a new message, a DingTalk DING — before anything else.
func TestIMEscalationLadder(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			en := newEnv(t, e, notify.Config{})
			f := newIMFake(t)
			en.imProviders(f, true)
			fs := en.person("F2", "飞书", "", "feishu", "ou_f2")
			dt := en.person("D2", "钉钉", "", "dingtalk", "staff42")
			run := func(person, plain, escalated string) {
				nt, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{People: []string{person}},
					Text: "请确认", RequireAck: true, Escalation: &notify.Policy{AfterMinutes: 5}})
				if err != nil {
					t.Fatal(err)
				}
				en.dispatch(func() bool { return en.counts(nt.ID).Sent == 1 })
				if got := en.ladderState(nt.ID); !equal(got, []string{"self/" + plain + "/sent"}) {
					t.Fatalf("first rung %v", got)
				}
				en.clk.Add(5 * time.Minute)
				en.escalate(1)
				en.dispatch(func() bool { return !hasPending(en.ladderState(nt.ID)) })
				if got := en.ladderState(nt.ID); !equal(got, []string{"self/" + plain + "/sent", "self/" + escalated + "/sent"}) {
					t.Fatalf("ladder %v", got)
				}
				en.clk.Add(5 * time.Minute)
				en.escalate(0)
			}
			run(fs, "feishu", "feishu_urgent")
			if got := f.got(); got != "feishu ou_f2|feishu ou_f2" || strings.Join(f.urgent, "|") != "urgent_app om_2 [ou_f2]" {
				t.Fatalf("feishu: sent %s, urgent %v", got, f.urgent)
			}
			run(dt, "dingtalk", "dingtalk_ding")
			if got := f.got(); !strings.HasSuffix(got, "|dingtalk staff42|dingtalk_ding [staff42]") {
				t.Fatalf("dingtalk: sent %s", got)
			}
		})
	}
}
