package channel

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTC3PublishedExample reproduces the worked example of Tencent Cloud's "Signature v3"
// document (CVM DescribeInstances, timestamp 1551113065, the EXAMPLE key pair).
func TestTC3PublishedExample(t *testing.T) {
	payload := []byte(`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`)
	if got := hexSHA256(payload); got != "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064" {
		t.Fatalf("hashed payload %s", got)
	}
	headers := map[string]string{"content-type": "application/json; charset=utf-8", "host": "cvm.tencentcloudapi.com"}
	canonical, signed := tc3CanonicalRequest(headers, payload)
	wantCanonical := "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
	if canonical != wantCanonical || signed != "content-type;host" {
		t.Fatalf("canonical request\n%s", canonical)
	}
	if got := hexSHA256([]byte(canonical)); got != "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031" {
		t.Fatalf("hashed canonical request %s", got)
	}
	want := "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
	got := tc3Authorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm", 1551113065, headers, payload)
	if got != want {
		t.Fatalf("authorization\n got %s\nwant %s", got, want)
	}
}

// tencentFake is a Tencent Cloud API endpoint that recomputes the TC3 signature from the
// raw request (its own implementation) and answers AuthFailure.SignatureFailure, as
// Tencent does, when it does not verify.
type tencentFake struct {
	secretID  string
	secretKey string
	region    string
	reply     func(b tencentBody) string
	pull      func(raw []byte) string // answers PullSmsSendStatus (nil: that action is refused)
	status    int

	mu       sync.Mutex
	bodies   []tencentBody
	pulls    int
	rejected []string
}

func (f *tencentFake) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	if f.status != 0 {
		w.WriteHeader(f.status)
		io.WriteString(w, "upstream error")
		return
	}
	if reason := f.verify(r, raw); reason != "" {
		f.mu.Lock()
		f.rejected = append(f.rejected, reason)
		f.mu.Unlock()
		fmt.Fprintf(w, `{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated (%s)."},"RequestId":"r1"}}`, reason)
		return
	}
	if r.Header.Get("X-TC-Action") == "PullSmsSendStatus" {
		f.mu.Lock()
		f.pulls++
		f.mu.Unlock()
		io.WriteString(w, f.pull(raw))
		return
	}
	var b tencentBody
	if err := json.Unmarshal(raw, &b); err != nil {
		io.WriteString(w, `{"Response":{"Error":{"Code":"FailedOperation.JsonParseFail","Message":"bad json"},"RequestId":"r1"}}`)
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, b)
	f.mu.Unlock()
	if f.reply != nil {
		io.WriteString(w, f.reply(b))
		return
	}
	fmt.Fprintf(w, `{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619","PhoneNumber":%q,"Fee":1,"SessionContext":%q,"Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6"}}`,
		b.PhoneNumberSet[0], b.SessionContext)
}

func (f *tencentFake) verify(r *http.Request, payload []byte) string {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return "method or path"
	}
	action := r.Header.Get("X-TC-Action")
	if (action != "SendSms" && (action != "PullSmsSendStatus" || f.pull == nil)) || r.Header.Get("X-TC-Version") != "2021-01-11" || r.Header.Get("X-TC-Region") != f.region {
		return "action, version or region"
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || time.Unix(ts, 0).Sub(fixedNow).Abs() > 5*time.Minute {
		return "timestamp"
	}
	rest, ok := strings.CutPrefix(r.Header.Get("Authorization"), "TC3-HMAC-SHA256 ")
	if !ok {
		return "algorithm"
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(part, "=")
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	if len(cred) != 4 || cred[0] != f.secretID || cred[1] != date || cred[2] != "sms" || cred[3] != "tc3_request" {
		return "credential"
	}
	if fields["SignedHeaders"] != "content-type;host;x-tc-action" {
		return "signed headers " + fields["SignedHeaders"]
	}
	if r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		return "content type"
	}
	var ch strings.Builder
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		ch.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	ph := sha256.Sum256(payload)
	canonical := "POST\n/\n\n" + ch.String() + "\n" + fields["SignedHeaders"] + "\n" + hex.EncodeToString(ph[:])
	ch2 := sha256.Sum256([]byte(canonical))
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + date + "/sms/tc3_request\n" + hex.EncodeToString(ch2[:])
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	k := mac(mac(mac([]byte("TC3"+f.secretKey), date), "sms"), "tc3_request")
	if !hmac.Equal([]byte(fields["Signature"]), []byte(hex.EncodeToString(mac(k, toSign)))) {
		return "signature"
	}
	return ""
}

func newTencentFake(t *testing.T) (*tencentFake, *httptest.Server) {
	f := &tencentFake{secretID: "AKIDtest", secretKey: "tencent-secret", region: "ap-guangzhou"}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func tencentConfig(t *testing.T, base, key string, extra map[string]any) json.RawMessage {
	c := map[string]any{
		"base_url": base, "secret_id": "AKIDtest", "secret_key": key, "sms_sdk_app_id": "1400006666", "sign_name": "生命线",
		"templates": map[string]any{
			"incident": map[string]any{"id": "449739", "params": []string{"title", "level", "url"}},
			"verify":   map[string]any{"id": "449740", "params": []string{"code"}},
		},
	}
	for k, v := range extra {
		c[k] = v
	}
	return mustJSON(t, c)
}

func TestTencentSend(t *testing.T) {
	fake, srv := newTencentFake(t)
	s, err := TencentSMS.New(tencentConfig(t, srv.URL, fake.secretKey, nil), testDeps())
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Send(context.Background(), incidentMessage())
	if err != nil {
		t.Fatalf("send: %v (rejected %v)", err, fake.rejected)
	}
	if res.ProviderMessageID != "5000:1045710669157053657849499619" {
		t.Errorf("ProviderMessageID = %q, want the SerialNo", res.ProviderMessageID)
	}
	b := fake.bodies[0]
	if fmt.Sprint(b.PhoneNumberSet) != "[+8613800138000]" || b.SmsSdkAppID != "1400006666" || b.SignName != "生命线" ||
		b.TemplateID != "449739" || b.SessionContext != "dlv_01JC8W3Q6V7Y" {
		t.Errorf("body %+v", b)
	}
	if want := []string{"数据库主库宕机", "P1", "https://ll.example.cn/a/Xy7*q 1"}; fmt.Sprint(b.TemplateParamSet) != fmt.Sprint(want) {
		t.Errorf("TemplateParamSet = %q, want %q in the registry's order", b.TemplateParamSet, want)
	}
}

func TestTencentRegion(t *testing.T) {
	fake, srv := newTencentFake(t)
	fake.region = "ap-beijing"
	s, _ := TencentSMS.New(tencentConfig(t, srv.URL, fake.secretKey, map[string]any{"region": "ap-beijing"}), testDeps())
	if _, err := s.Send(context.Background(), incidentMessage()); err != nil {
		t.Fatalf("send: %v (rejected %v)", err, fake.rejected)
	}
}

// TestTencentWrongKeyIsRejected proves the fake verifies signatures.
func TestTencentWrongKeyIsRejected(t *testing.T) {
	fake, srv := newTencentFake(t)
	s, _ := TencentSMS.New(tencentConfig(t, srv.URL, "wrong-key", nil), testDeps())
	_, err := s.Send(context.Background(), incidentMessage())
	e := Classify(err)
	if e.Temporary || e.Scope != ScopeProvider || e.Code != "AuthFailure.SignatureFailure" {
		t.Fatalf("err = %#v", e)
	}
	if len(fake.rejected) != 1 || fake.rejected[0] != "signature" {
		t.Fatalf("rejected %v", fake.rejected)
	}
}

func TestTencentTemplateWithoutCode(t *testing.T) {
	fake, srv := newTencentFake(t)
	s, _ := TencentSMS.New(tencentConfig(t, srv.URL, fake.secretKey, nil), testDeps())
	m := incidentMessage()
	m.Template = "drill"
	_, err := s.Send(context.Background(), m)
	if e := Classify(err); e.Scope != ScopeProvider || e.Message != "template drill has no code for this provider" {
		t.Fatalf("err = %#v", e)
	}
	if len(fake.bodies)+len(fake.rejected) != 0 {
		t.Fatal("a request was made")
	}
}

func TestTencentErrorClassification(t *testing.T) {
	apiError := func(code string) string {
		return fmt.Sprintf(`{"Response":{"Error":{"Code":%q,"Message":"failed for +8613800138000"},"RequestId":"r"}}`, code)
	}
	statusError := func(code string) string {
		return fmt.Sprintf(`{"Response":{"SendStatusSet":[{"SerialNo":"","PhoneNumber":"+8613800138000","Fee":0,"SessionContext":"","Code":%q,"Message":"failed 13800138000","IsoCode":"CN"}],"RequestId":"r"}}`, code)
	}
	cases := []struct {
		body  string
		temp  bool
		scope Scope
		code  string
	}{
		{apiError("LimitExceeded.PhoneNumberDailyLimit"), true, 0, "LimitExceeded.PhoneNumberDailyLimit"},
		{apiError("InternalError.Timeout"), true, 0, "InternalError.Timeout"},
		{apiError("RequestLimitExceeded"), true, 0, "RequestLimitExceeded"},
		{apiError("FailedOperation.PhoneNumberInBlacklist"), false, ScopeMessage, "FailedOperation.PhoneNumberInBlacklist"},
		{apiError("InvalidParameterValue.IncorrectPhoneNumber"), false, ScopeMessage, "InvalidParameterValue.IncorrectPhoneNumber"},
		{apiError("AuthFailure.SecretIdNotFound"), false, ScopeProvider, "AuthFailure.SecretIdNotFound"},
		{apiError("FailedOperation.TemplateIncorrectOrUnapproved"), false, ScopeProvider, "FailedOperation.TemplateIncorrectOrUnapproved"},
		{apiError("FailedOperation.SignatureIncorrectOrUnapproved"), false, ScopeProvider, "FailedOperation.SignatureIncorrectOrUnapproved"},
		{apiError("FailedOperation.InsufficientBalanceInSmsPackage"), false, ScopeProvider, "FailedOperation.InsufficientBalanceInSmsPackage"},
		{statusError("LimitExceeded.PhoneNumberThirtySecondLimit"), true, 0, "LimitExceeded.PhoneNumberThirtySecondLimit"},
		{statusError("InvalidParameterValue.IncorrectPhoneNumber"), false, ScopeMessage, "InvalidParameterValue.IncorrectPhoneNumber"},
		{statusError("FailedOperation.PhoneNumberInBlacklist"), false, ScopeMessage, "FailedOperation.PhoneNumberInBlacklist"},
		{`{"Response":{"SendStatusSet":[],"RequestId":"r"}}`, true, 0, "bad_response"},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			fake, srv := newTencentFake(t)
			fake.reply = func(tencentBody) string { return c.body }
			s, _ := TencentSMS.New(tencentConfig(t, srv.URL, fake.secretKey, nil), testDeps())
			_, err := s.Send(context.Background(), incidentMessage())
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v", err)
			}
			if e.Temporary != c.temp || (!c.temp && e.Scope != c.scope) || e.Code != c.code {
				t.Fatalf("got %#v", e)
			}
			if strings.Contains(e.Error(), "13800138000") {
				t.Fatalf("number leaked: %s", e.Error())
			}
		})
	}
}

func TestTencentHTTPFailure(t *testing.T) {
	fake, srv := newTencentFake(t)
	fake.status = http.StatusBadGateway
	s, _ := TencentSMS.New(tencentConfig(t, srv.URL, fake.secretKey, nil), testDeps())
	_, err := s.Send(context.Background(), incidentMessage())
	if e := Classify(err); !e.Temporary || e.Code != "http_502" {
		t.Fatalf("err = %#v", e)
	}
}

func TestTencentConfigValidation(t *testing.T) {
	good := map[string]any{"secret_id": "id", "secret_key": "k", "sms_sdk_app_id": "1400", "sign_name": "s",
		"templates": map[string]any{"incident": map[string]any{"id": "1", "params": []string{"title"}}}}
	if _, err := TencentSMS.New(mustJSON(t, good), testDeps()); err != nil {
		t.Fatalf("good: %v", err)
	}
	for name, mutate := range map[string]func(map[string]any){
		"no secret": func(c map[string]any) { delete(c, "secret_key") },
		"no app":    func(c map[string]any) { delete(c, "sms_sdk_app_id") },
		"no sign":   func(c map[string]any) { c["sign_name"] = "" },
		"bad url":   func(c map[string]any) { c["base_url"] = "sms.tencentcloudapi.com" },
		"no id":     func(c map[string]any) { c["templates"] = map[string]any{"incident": map[string]any{"id": ""}} },
		"unknown param": func(c map[string]any) {
			c["templates"] = map[string]any{"verify": map[string]any{"id": "1", "params": []string{"title"}}}
		},
		"unknown field": func(c map[string]any) { c["appid"] = "1" },
	} {
		c := map[string]any{}
		for k, v := range good {
			c[k] = v
		}
		mutate(c)
		if _, err := TencentSMS.New(mustJSON(t, c), testDeps()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestTencentStatusCallback parses the status push sample of Tencent's documentation, a
// failure, and an item that echoes ext.
func TestTencentStatusCallback(t *testing.T) {
	body := `[
  {"user_receive_time":"2015-10-17 08:03:04","nationcode":"86","mobile":"13xxxxxxxxx","report_status":"SUCCESS",
   "errmsg":"DELIVRD","description":"用户短信送达成功","sid":"xxxxxxx"},
  {"user_receive_time":"2015-10-17 08:04:00","nationcode":"86","mobile":"13800138000","report_status":"FAIL",
   "errmsg":"MK:0005","description":"号码 13800138000 空号","sid":"yyyyyyy","ext":"dlv_3"}
]`
	events, ans, err := TencentSMS.Callback(nil, httptest.NewRequest("POST", "/cb", nil), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != 200 || string(ans.Body) != `{"result":0,"errmsg":"OK"}` || len(events) != 2 {
		t.Fatalf("answer %s, %d events", ans.Body, len(events))
	}
	if e := events[0]; e.ProviderMessageID != "xxxxxxx" || e.Status != EventDelivered || e.Key != "" ||
		!e.At.Equal(time.Date(2015, 10, 17, 0, 3, 4, 0, time.UTC)) {
		t.Errorf("event 0 = %+v", e)
	}
	if e := events[1]; e.ProviderMessageID != "yyyyyyy" || e.Key != "dlv_3" || e.Status != EventFailed ||
		!strings.HasPrefix(e.Error, "MK:0005") || strings.Contains(e.Error, "13800138000") {
		t.Errorf("event 1 = %+v", e)
	}
}

// TestTencentReplyCallback parses the reply push sample (a JSON object).
func TestTencentReplyCallback(t *testing.T) {
	body := `{"extend":"","mobile":"13800138000","nationcode":"86","sign":"短信签名","text":"用户回复的内容","time":1457336869}`
	events, ans, err := TencentSMS.Callback(nil, httptest.NewRequest("POST", "/cb", nil), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if string(ans.Body) != `{"result":0,"errmsg":"OK"}` || len(events) != 1 {
		t.Fatalf("answer %s %v", ans.Body, events)
	}
	if e := events[0]; e.Status != EventReply || e.From != "+8613800138000" || e.Text != "用户回复的内容" || e.At.Unix() != 1457336869 {
		t.Errorf("event = %+v", e)
	}
}

func TestTencentCallbackRejectsGarbage(t *testing.T) {
	for _, body := range []string{``, `[{"report_status":"SUCCESS"}]`, `[{"sid":"1","report_status":"MAYBE"}]`, `{"text":"x"}`, `nope`} {
		if _, _, err := TencentSMS.Callback(nil, httptest.NewRequest("POST", "/cb", nil), []byte(body)); err == nil {
			t.Errorf("%q accepted", body)
		}
	}
}
