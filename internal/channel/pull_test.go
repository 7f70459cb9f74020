package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestAliyunPull asks the fake's QuerySendDetails (signature checked) about three
// messages: one delivered, one failed, one still waiting; a refused number is skipped.
func TestAliyunPull(t *testing.T) {
	fake, srv := newAliyunFake(t, "QuerySendDetails")
	details := map[string]string{ // BizId → detail
		"biz-ok":   `{"PhoneNum":"13800138000","SendStatus":3,"ErrCode":"DELIVRD","SendDate":"2026-11-03 16:29:50","ReceiveDate":"2026-11-03 16:29:55","OutId":"k-ok"}`,
		"biz-fail": `{"PhoneNum":"13800138001","SendStatus":2,"ErrCode":"MK:0001","SendDate":"2026-11-03 16:29:50","ReceiveDate":"2026-11-03 16:29:57","OutId":"k-fail"}`,
		"biz-wait": `{"PhoneNum":"13800138002","SendStatus":1,"ErrCode":"","SendDate":"2026-11-03 16:29:50","ReceiveDate":"","OutId":"k-wait"}`,
	}
	fake.reply = func(q url.Values) (int, string) {
		if q.Get("PhoneNumber") == "13800000000" {
			return 200, `{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"非法手机号 13800000000","RequestId":"r"}`
		}
		if q.Get("PageSize") == "" || q.Get("CurrentPage") != "1" || q.Get("SendDate") != "20261104" {
			return 400, `{"Code":"MissingParameter","Message":"bad query","RequestId":"r"}`
		}
		d, ok := details[q.Get("BizId")]
		if !ok {
			return 200, `{"Code":"OK","Message":"OK","TotalCount":0,"SmsSendDetailDTOs":{"SmsSendDetailDTO":[]},"RequestId":"r"}`
		}
		return 200, `{"Code":"OK","Message":"OK","TotalCount":1,"SmsSendDetailDTOs":{"SmsSendDetailDTO":[` + d + `]},"RequestId":"r"}`
	}
	s, err := AliyunSMS.New(aliyunConfig(t, srv.URL, fake.secret, map[string]any{"sign_name": "生命线"}), testDeps())
	if err != nil {
		t.Fatal(err)
	}
	p, ok := s.(Puller)
	if !ok {
		t.Fatal("aliyun_sms does not pull receipts")
	}
	// Sent at 16:29:50 UTC on 3 November: the 4th in Beijing, Aliyun's send date.
	at := time.Date(2026, 11, 3, 16, 29, 50, 0, time.UTC)
	events, err := p.Pull(context.Background(), []Sent{
		{Key: "k-ok", ProviderMessageID: "biz-ok", To: "+8613800138000", At: at},
		{Key: "k-fail", ProviderMessageID: "biz-fail", To: "+8613800138001", At: at},
		{Key: "k-wait", ProviderMessageID: "biz-wait", To: "+8613800138002", At: at},
		{Key: "k-bad", ProviderMessageID: "biz-bad", To: "+8613800000000", At: at},
	})
	if err != nil {
		t.Fatalf("pull: %v (rejected %v)", err, fake.rejected)
	}
	sort.Slice(events, func(i, j int) bool { return events[i].Key > events[j].Key })
	if len(events) != 2 {
		t.Fatalf("events %+v", events)
	}
	ok0 := events[0]
	if ok0.Key != "k-ok" || ok0.ProviderMessageID != "biz-ok" || ok0.Status != EventDelivered || !ok0.At.Equal(time.Date(2026, 11, 3, 8, 29, 55, 0, time.UTC)) {
		t.Errorf("delivered %+v", ok0)
	}
	if f := events[1]; f.Key != "k-fail" || f.Status != EventFailed || !strings.Contains(f.Error, "MK:0001") {
		t.Errorf("failed %+v", f)
	}
	if len(fake.requests) != 4 {
		t.Errorf("%d queries, want 4", len(fake.requests))
	}
	for _, q := range fake.requests {
		if strings.HasPrefix(q.Get("PhoneNumber"), "+") || strings.HasPrefix(q.Get("PhoneNumber"), "86") {
			t.Errorf("PhoneNumber %q: mainland numbers without +86", q.Get("PhoneNumber"))
		}
	}
	// A wrong secret stops the pull with a provider error.
	bad, _ := AliyunSMS.New(aliyunConfig(t, srv.URL, "wrong-secret", map[string]any{"sign_name": "生命线"}), testDeps())
	_, err = bad.(Puller).Pull(context.Background(), []Sent{{Key: "k-ok", ProviderMessageID: "biz-ok", To: "+8613800138000", At: at}})
	if e := Classify(err); e == nil || e.Temporary || e.Scope != ScopeProvider || e.Code != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: %v", err)
	}
	// Voice calls have no pull here.
	v, _ := AliyunVoice.New(aliyunConfig(t, srv.URL, fake.secret, nil), testDeps())
	if _, ok := v.(Puller); ok {
		t.Error("aliyun_voice claims to pull SMS receipts")
	}
}

// TestTencentPull pulls statuses from the fake's PullSmsSendStatus (signature checked)
// until it has none left.
func TestTencentPull(t *testing.T) {
	fake, srv := newTencentFake(t)
	var pages []string
	for i := range 2 {
		var items []string
		n := 100
		if i == 1 {
			n = 1
		}
		for j := range n {
			status, desc := "SUCCESS", "DELIVRD"
			if j%2 == 1 {
				status, desc = "FAIL", "UNDELIV"
			}
			items = append(items, fmt.Sprintf(`{"UserReceiveTime":1793698200,"CountryCode":"86","SubscriberNumber":"13800138000","PhoneNumber":"+8613800138000","SerialNo":"sn-%d-%d","ReportStatus":%q,"Description":%q,"SessionContext":"key-%d-%d"}`,
				i, j, status, desc, i, j))
		}
		pages = append(pages, `{"Response":{"PullSmsSendStatusSet":[`+strings.Join(items, ",")+`],"RequestId":"r"}}`)
	}
	pages = append(pages, `{"Response":{"PullSmsSendStatusSet":[],"RequestId":"r"}}`)
	call := 0
	fake.pull = func(raw []byte) string {
		var b map[string]any
		if json.Unmarshal(raw, &b) != nil || b["Limit"] != float64(100) || b["SmsSdkAppId"] != "1400006666" {
			return `{"Response":{"Error":{"Code":"InvalidParameter","Message":"bad body"},"RequestId":"r"}}`
		}
		call++
		return pages[call-1]
	}
	s, err := TencentSMS.New(tencentConfig(t, srv.URL, fake.secretKey, nil), testDeps())
	if err != nil {
		t.Fatal(err)
	}
	p := s.(Puller)
	if events, err := p.Pull(context.Background(), nil); err != nil || len(events) != 0 || fake.pulls != 0 {
		t.Fatalf("nothing waiting: %v %d events, %d pulls", err, len(events), fake.pulls)
	}
	events, err := p.Pull(context.Background(), []Sent{{Key: "key-0-0", ProviderMessageID: "sn-0-0"}})
	if err != nil {
		t.Fatalf("pull: %v (rejected %v)", err, fake.rejected)
	}
	if len(events) != 101 || fake.pulls != 2 {
		t.Fatalf("%d events in %d pulls, want 101 in 2", len(events), fake.pulls)
	}
	e0, e1 := events[0], events[1]
	if e0.Key != "key-0-0" || e0.ProviderMessageID != "sn-0-0" || e0.Status != EventDelivered || !e0.At.Equal(time.Unix(1793698200, 0)) {
		t.Errorf("first %+v", e0)
	}
	if e1.Status != EventFailed || !strings.Contains(e1.Error, "UNDELIV") {
		t.Errorf("second %+v", e1)
	}
	// A wrong key: the fake refuses the signature.
	bad, _ := TencentSMS.New(tencentConfig(t, srv.URL, "wrong-key", nil), testDeps())
	_, err = bad.(Puller).Pull(context.Background(), []Sent{{Key: "k"}})
	if e := Classify(err); e == nil || e.Temporary || e.Scope != ScopeProvider {
		t.Errorf("wrong key: %v", err)
	}
}
