package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"lifeline/internal/channel"
	"lifeline/internal/channel/providertest"
	"lifeline/internal/notify"
	"lifeline/internal/store/storetest"
)

// smsPullFake is Aliyun (SendSms, QuerySendDetails) and Tencent Cloud (SendSms,
// PullSmsSendStatus) SMS in one local server, checking every request's signature.
type smsPullFake struct {
	mu       sync.Mutex
	now      func() time.Time
	status   map[string]int // Aliyun BizId → SendStatus (1 waiting, 2 failed, 3 delivered)
	queries  int
	pulls    int
	tencent  []string // SessionContexts sent through Tencent
	rejected []string
	srv      *httptest.Server
}

func newSMSPullFake(t *testing.T, now func() time.Time) *smsPullFake {
	f := &smsPullFake{now: now, status: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if action := r.Header.Get("X-TC-Action"); action != "" {
			if err := providertest.VerifyTC3(r, body, "AKIDpull", "tencent-pull-key", "sms", f.now()); err != nil {
				f.rejected = append(f.rejected, "tc3 "+err.Error())
				io.WriteString(w, `{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"bad signature"},"RequestId":"r"}}`)
				return
			}
			var b map[string]any
			_ = json.Unmarshal(body, &b)
			switch action {
			case "SendSms":
				key := fmt.Sprint(b["SessionContext"])
				f.tencent = append(f.tencent, key)
				fmt.Fprintf(w, `{"Response":{"SendStatusSet":[{"SerialNo":"sn-%s","PhoneNumber":"+8613900000041","Fee":1,"SessionContext":%q,"Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"r"}}`, key, key)
			case "PullSmsSendStatus":
				f.pulls++
				if f.pulls > 1 {
					io.WriteString(w, `{"Response":{"PullSmsSendStatusSet":[],"RequestId":"r"}}`)
					return
				}
				// Each status once: the one of our message, and one of a message not ours.
				fmt.Fprintf(w, `{"Response":{"PullSmsSendStatusSet":[
					{"UserReceiveTime":%d,"CountryCode":"86","SubscriberNumber":"13900000041","PhoneNumber":"+8613900000041","SerialNo":"sn-%s","ReportStatus":"SUCCESS","Description":"DELIVRD","SessionContext":%q},
					{"UserReceiveTime":%d,"CountryCode":"86","SubscriberNumber":"13900000049","PhoneNumber":"+8613900000049","SerialNo":"sn-other","ReportStatus":"FAIL","Description":"UNDELIV","SessionContext":"other"}],"RequestId":"r"}}`,
					f.now().Add(-time.Minute).Unix(), f.tencent[0], f.tencent[0], f.now().Unix())
			}
			return
		}
		if err := providertest.VerifyACS3(r, body, "LTAIpull", "aliyun-pull-secret", f.now()); err != nil {
			f.rejected = append(f.rejected, "acs3 "+err.Error())
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"Code":"SignatureDoesNotMatch","Message":"bad signature","RequestId":"r"}`)
			return
		}
		q := r.URL.Query()
		switch r.Header.Get("x-acs-action") {
		case "SendSms":
			biz := "biz-" + q.Get("OutId")
			f.status[biz] = 1
			fmt.Fprintf(w, `{"Code":"OK","Message":"OK","BizId":%q,"RequestId":"r"}`, biz)
		case "QuerySendDetails":
			f.queries++
			biz := q.Get("BizId")
			st, ok := f.status[biz]
			if !ok || q.Get("SendDate") != f.now().In(time.FixedZone("CST", 8*3600)).Format("20060102") {
				io.WriteString(w, `{"Code":"OK","Message":"OK","TotalCount":0,"SmsSendDetailDTOs":{"SmsSendDetailDTO":[]},"RequestId":"r"}`)
				return
			}
			recv := ""
			if st != 1 {
				recv = f.now().Add(-time.Minute).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(w, `{"Code":"OK","Message":"OK","TotalCount":1,"SmsSendDetailDTOs":{"SmsSendDetailDTO":[{"PhoneNum":%q,"SendStatus":%d,"ErrCode":"%s","SendDate":"","ReceiveDate":%q,"OutId":""}]},"RequestId":"r"}`,
				q.Get("PhoneNumber"), st, map[int]string{1: "", 2: "MK:0001", 3: "DELIVRD"}[st], recv)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *smsPullFake) set(biz string, status int) {
	f.mu.Lock()
	f.status[biz] = status
	f.mu.Unlock()
}

// states lists a notification's deliveries' states by person.
func (en *env) states(nid string) map[string]string {
	en.t.Helper()
	rows, err := en.db.Read.Query(`SELECT person_id, state FROM deliveries WHERE notification_id = $1`, nid)
	if err != nil {
		en.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var p, s string
		if err := rows.Scan(&p, &s); err != nil {
			en.t.Fatal(err)
		}
		out[p] = s
	}
	return out
}

// TestPullReceipts sends through Aliyun and Tencent fakes that push nothing: the sweep
// asks QuerySendDetails about deliveries 2 minutes after they were sent (not before),
// then more rarely, and pulls Tencent's statuses; the answers mark deliveries delivered
// or failed, once, through the same path as a push.
func TestPullReceipts(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			en := newEnv(t, e, notify.Config{})
			f := newSMSPullFake(t, en.clk.Now)
			cfg := fmt.Sprintf(`{"base_url":%q,"access_key_id":"LTAIpull","access_key_secret":"aliyun-pull-secret","sign_name":"应急联络",
				"templates":{"incident":{"code":"SMS_100","params":{"title":"title"}}}}`, f.srv.URL)
			ali, err := en.svc.CreateProvider(ctx, en.sys, notify.ProviderInput{Kind: "aliyun_sms", Name: "aliyun", Config: json.RawMessage(cfg)})
			if err != nil {
				t.Fatal(err)
			}
			p1 := en.person("P1", "甲", "", "mobile", "13900000041")
			p2 := en.person("P2", "乙", "", "mobile", "13900000042")
			p3 := en.person("P3", "丙", "", "mobile", "13900000043")
			nt, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{People: []string{p1, p2, p3}}, Text: "停电通知"})
			if err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { return en.counts(nt.ID).Sent == 3 })
			ids := map[string]string{}
			rows, _ := en.db.Read.Query(`SELECT person_id, id FROM deliveries WHERE notification_id = $1`, nt.ID)
			for rows.Next() {
				var p, id string
				rows.Scan(&p, &id)
				ids[p] = id
			}
			rows.Close()
			sweep := func(want int) {
				t.Helper()
				n, err := en.svc.PullReceipts(ctx)
				if err != nil || n != want {
					t.Fatalf("sweep applied %d receipts (%v), want %d", n, err, want)
				}
			}
			en.clk.Add(time.Minute)
			sweep(0)
			if f.queries != 0 {
				t.Fatalf("asked about deliveries a minute old: %d queries", f.queries)
			}
			f.set("biz-"+ids[p1], 3)
			f.set("biz-"+ids[p2], 2)
			en.clk.Add(time.Minute)
			sweep(2)
			if f.queries != 3 {
				t.Fatalf("%d queries at 2 minutes, want 3", f.queries)
			}
			if s := en.states(nt.ID); s[p1] != "delivered" || s[p2] != "failed" || s[p3] != "sent" {
				t.Fatalf("after the pull: %v", s)
			}
			// A second sweep at the same time asks only about the one still waiting.
			sweep(0)
			if s := en.states(nt.ID); s[p1] != "delivered" || s[p2] != "failed" || s[p3] != "sent" || f.queries != 4 {
				t.Fatalf("after a second pull: %v, %d queries", s, f.queries)
			}
			// A later receipt that contradicts the pulled one (a late push) changes nothing.
			if err := en.svc.ApplyEvents(ctx, ali.ID, []channel.Event{{Key: ids[p2], ProviderMessageID: "biz-" + ids[p2], Status: channel.EventDelivered}}); err != nil {
				t.Fatal(err)
			}
			if s := en.states(nt.ID); s[p2] != "failed" {
				t.Fatalf("a second receipt changed a failed delivery: %v", s)
			}
			// Between checkpoints nobody is asked; at 5 minutes the one still waiting is.
			q := f.queries
			en.clk.Add(time.Minute)
			sweep(0)
			if f.queries != q {
				t.Fatalf("asked between checkpoints")
			}
			f.set("biz-"+ids[p3], 3)
			en.clk.Add(2 * time.Minute)
			sweep(1)
			if f.queries != q+1 {
				t.Fatalf("%d queries at 5 minutes, want 1", f.queries-q)
			}
			if s := en.states(nt.ID); s[p3] != "delivered" {
				t.Fatalf("after the 5-minute pull: %v", s)
			}
			var failedErr string
			if err := en.db.Read.QueryRow(`SELECT error FROM deliveries WHERE id = $1`, ids[p2]).Scan(&failedErr); err != nil || failedErr != "receipt: QuerySendDetails MK:0001" {
				t.Fatalf("failed delivery's error %q %v", failedErr, err)
			}

			// Tencent: the same through PullSmsSendStatus.
			if err := en.svc.SetProviderEnabled(ctx, en.sys, ali.ID, false); err != nil {
				t.Fatal(err)
			}
			tcfg := fmt.Sprintf(`{"base_url":%q,"secret_id":"AKIDpull","secret_key":"tencent-pull-key","sms_sdk_app_id":"1400006666","sign_name":"应急联络",
				"templates":{"incident":{"id":"449739","params":["title"]}}}`, f.srv.URL)
			if _, err := en.svc.CreateProvider(ctx, en.sys, notify.ProviderInput{Kind: "tencent_sms", Name: "tencent", Config: json.RawMessage(tcfg)}); err != nil {
				t.Fatal(err)
			}
			nt2, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{People: []string{p1}}, Text: "恢复供电"})
			if err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { return en.counts(nt2.ID).Sent == 1 })
			en.clk.Add(2 * time.Minute)
			sweep(2) // ours and one of another message, which matches nothing
			if s := en.states(nt2.ID); s[p1] != "delivered" || f.pulls != 1 {
				t.Fatalf("after the Tencent pull: %v (%d pulls)", s, f.pulls)
			}
			if len(f.rejected) != 0 {
				t.Fatalf("signatures refused: %v", f.rejected)
			}
		})
	}
}
