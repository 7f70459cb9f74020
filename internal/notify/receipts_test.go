package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"lifeline/internal/errs"
	"lifeline/internal/notify"
	"lifeline/internal/store/storetest"
)

// TestReceiptsAndReplies sends through Aliyun SMS (a local fake answering SendSms),
// then pushes Aliyun's SmsReport and SmsUp callbacks to the provider's secret callback
// URL: the receipt marks the delivery delivered (twice, once), a failure receipt marks
// it failed and escalates at once, and the reply "1" from the number acknowledges the
// recipient as safe. A wrong secret is refused.
func TestReceiptsAndReplies(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			en := newEnv(t, e, notify.Config{PublicURL: "https://ll.example.com"})
			var mu sync.Mutex
			outIDs := map[string]string{} // number → OutId
			fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				if r.Header.Get("x-acs-action") != "SendSms" || q.Get("TemplateCode") != "SMS_100" {
					http.Error(w, `{"Code":"isv.SMS_TEMPLATE_ILLEGAL"}`, http.StatusBadRequest)
					return
				}
				mu.Lock()
				outIDs[q.Get("PhoneNumbers")] = q.Get("OutId")
				mu.Unlock()
				fmt.Fprintf(w, `{"Code":"OK","Message":"OK","BizId":"biz-%s","RequestId":"r"}`, q.Get("OutId"))
			}))
			defer fake.Close()
			cfg := fmt.Sprintf(`{"base_url":%q,"access_key_id":"AKID","access_key_secret":"secret","sign_name":"应急联络",
				"templates":{"incident":{"code":"SMS_100","params":{"title":"title","url":"url"}}}}`, fake.URL)
			prov, err := en.svc.CreateProvider(ctx, en.sys, notify.ProviderInput{Kind: "aliyun_sms", Name: "aliyun", Config: json.RawMessage(cfg)})
			if err != nil {
				t.Fatal(err)
			}
			a := en.person("R1", "甲", "", "mobile", "13900000021")
			b := en.person("R2", "乙", "", "mobile", "13900000022")
			nt, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{People: []string{a, b}}, Text: "收到请回复1", RequireAck: true})
			if err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { return en.counts(nt.ID).Sent == 2 })
			mu.Lock()
			outA, outB := outIDs["13900000021"], outIDs["13900000022"]
			mu.Unlock()
			if outA == "" || outB == "" {
				t.Fatalf("OutIds %v", outIDs)
			}
			push := func(secret string, body string) (int, string) {
				url := en.svc.CallbackURL(prov.ID)
				parts := strings.Split(url, "/")
				if secret == "" {
					secret = parts[len(parts)-1]
				}
				r := httptest.NewRequest(http.MethodPost, url, strings.NewReader(body))
				ans, err := en.svc.HandleCallback(ctx, prov.ID, secret, r, []byte(body))
				if err != nil {
					return 404, err.Error()
				}
				return ans.Status, string(ans.Body)
			}
			report := fmt.Sprintf(`[{"phone_number":"13900000021","send_time":"2026-11-23 10:00:00","report_time":"2026-11-23 10:00:05","success":true,"err_code":"DELIVERED","err_msg":"用户接收成功","sms_size":"1","biz_id":"biz-%s","out_id":%q}]`, outA, outA)
			for range 2 {
				if st, body := push("", report); st != 200 || !strings.Contains(body, `"code":0`) {
					t.Fatalf("report answer %d %s", st, body)
				}
			}
			fail := fmt.Sprintf(`[{"phone_number":"13900000022","send_time":"2026-11-23 10:00:00","report_time":"2026-11-23 10:00:05","success":false,"err_code":"MK:0001","err_msg":"空号","sms_size":"1","biz_id":"biz-%s","out_id":%q}]`, outB, outB)
			if st, _ := push("", fail); st != 200 {
				t.Fatalf("failure receipt %d", st)
			}
			if st, _ := push("not-the-secret", report); st != 404 {
				t.Fatalf("wrong secret answered %d", st)
			}
			c := en.counts(nt.ID)
			if c.Delivered != 1 || c.Sent != 1 {
				t.Fatalf("after receipts: %+v", c)
			}
			var next any
			if err := en.db.Read.QueryRow(`SELECT next_step_at FROM recipients WHERE person_id = $1`, b).Scan(&next); err != nil || next == nil {
				t.Fatalf("a failed receipt did not bring the escalation forward: %v %v", next, err)
			}
			up := `[{"phone_number":"13900000021","send_time":"2026-11-23 10:01:00","content":"1","sign_name":"应急联络","dest_code":"1234","sequence_id":1}]`
			if st, _ := push("", up); st != 200 {
				t.Fatalf("reply %d", st)
			}
			c = en.counts(nt.ID)
			if c.Acknowledged != 1 || c.Safe != 1 {
				t.Fatalf("after the reply: %+v", c)
			}
			if _, err := en.svc.HandleCallback(ctx, prov.ID, "", httptest.NewRequest("POST", "/", bytes.NewReader(nil)), []byte("not json")); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("empty secret: %v", err)
			}
		})
	}
}

// TestParseReply reads the answers people text back.
func TestParseReply(t *testing.T) {
	for in, want := range map[string]string{"1": "safe", " １ ": "safe", "平安": "safe", "2": "need_help", "需要帮助！": "need_help", "收到": "received",
		"OK": "received", "3": "", "你好": "", "": ""} {
		if got := notify.ParseReply(in); got != want {
			t.Errorf("ParseReply(%q) = %q, want %q", in, got, want)
		}
	}
}
