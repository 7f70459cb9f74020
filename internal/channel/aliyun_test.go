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
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixedNow is the clock every provider test runs at.
var fixedNow = time.Date(2026, 11, 3, 8, 30, 0, 0, time.UTC)

func testDeps() Deps {
	return Deps{HTTP: &http.Client{Timeout: 5 * time.Second}, Now: func() time.Time { return fixedNow }}
}

// TestACS3PublishedExample reproduces the fixed-parameter example of Aliyun's "V3 request
// body & signature" document (RunInstances on ecs.cn-shanghai, 2023-10-26T10:22:32Z).
func TestACS3PublishedExample(t *testing.T) {
	headers := map[string]string{
		"host":                  "ecs.cn-shanghai.aliyuncs.com",
		"x-acs-action":          "RunInstances",
		"x-acs-content-sha256":  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"x-acs-date":            "2023-10-26T10:22:32Z",
		"x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
		"x-acs-version":         "2014-05-26",
	}
	query := acs3Query(map[string]string{"RegionId": "cn-shanghai", "ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"})
	if query != "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai" {
		t.Fatalf("canonical query %q", query)
	}
	if got := hexSHA256(nil); got != headers["x-acs-content-sha256"] {
		t.Fatalf("empty payload hash %s", got)
	}
	canonical, _ := acs3CanonicalRequest("POST", "/", query, headers, hexSHA256(nil))
	if got := hexSHA256([]byte(canonical)); got != "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259" {
		t.Fatalf("hashed canonical request %s", got)
	}
	want := "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
	if got := acs3Authorization("POST", "/", query, headers, hexSHA256(nil), "YourAccessKeyId", "YourAccessKeySecret"); got != want {
		t.Fatalf("authorization\n got %s\nwant %s", got, want)
	}
}

func TestACS3Escape(t *testing.T) {
	for in, want := range map[string]string{
		"a b":       "a%20b",
		"*":         "%2A",
		"~-_.":      "~-_.",
		"中":         "%E4%B8%AD",
		`{"k":"v"}`: "%7B%22k%22%3A%22v%22%7D",
		"a+b/c=d&e": "a%2Bb%2Fc%3Dd%26e",
	} {
		if got := acs3Escape(in); got != want {
			t.Errorf("acs3Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// rfc3986 is the fake's own percent-encoder, written from the spec rather than reusing
// the provider's, so that an encoding mistake in the provider shows up as a signature
// mismatch.
func rfc3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// aliyunFake is an Aliyun RPC endpoint: it checks the ACS3 signature of each request
// from the raw request and answers like the gateway (SignatureDoesNotMatch) when it does
// not verify; otherwise reply decides the answer.
type aliyunFake struct {
	t       *testing.T
	keyID   string
	secret  string
	action  string
	version string
	reply   func(q url.Values) (int, string)

	mu       sync.Mutex
	requests []url.Values
	rejected []string
}

func (f *aliyunFake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if reason := f.verify(r, body); reason != "" {
		f.mu.Lock()
		f.rejected = append(f.rejected, reason)
		f.mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"RequestId":"R1","Code":"SignatureDoesNotMatch","Message":"Specified signature does not match our calculation. (%s)"}`, reason)
		return
	}
	q := r.URL.Query()
	f.mu.Lock()
	f.requests = append(f.requests, q)
	f.mu.Unlock()
	status, answer := http.StatusOK, `{"Code":"OK","Message":"OK","BizId":"900619746936498440^0","CallId":"116012354148^1047","RequestId":"F655A8D5"}`
	if f.reply != nil {
		status, answer = f.reply(q)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, answer)
}

func (f *aliyunFake) verify(r *http.Request, body []byte) string {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return "method or path"
	}
	if r.Header.Get("x-acs-action") != f.action || r.Header.Get("x-acs-version") != f.version {
		return "action or version"
	}
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "ACS3-HMAC-SHA256 ")
	if !ok {
		return "algorithm"
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(part, "=")
		fields[strings.TrimSpace(k)] = v
	}
	if fields["Credential"] != f.keyID {
		return "credential"
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	for _, need := range []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"} {
		found := false
		for _, s := range signed {
			found = found || s == need
		}
		if !found {
			return "unsigned " + need
		}
	}
	sum := sha256.Sum256(body)
	if r.Header.Get("x-acs-content-sha256") != hex.EncodeToString(sum[:]) {
		return "content hash"
	}
	d, err := time.Parse("2006-01-02T15:04:05Z", r.Header.Get("x-acs-date"))
	if err != nil || d.Sub(fixedNow).Abs() > 15*time.Minute {
		return "date"
	}
	if len(r.Header.Get("x-acs-signature-nonce")) < 16 {
		return "nonce"
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "query"
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	var pairs []string
	for _, k := range names {
		pairs = append(pairs, rfc3986(k)+"="+rfc3986(q.Get(k)))
	}
	var ch strings.Builder
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		ch.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	canonical := strings.Join([]string{"POST", "/", strings.Join(pairs, "&"), ch.String(), fields["SignedHeaders"], hex.EncodeToString(sum[:])}, "\n")
	h := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(f.secret))
	mac.Write([]byte("ACS3-HMAC-SHA256\n" + hex.EncodeToString(h[:])))
	if !hmac.Equal([]byte(fields["Signature"]), []byte(hex.EncodeToString(mac.Sum(nil)))) {
		return "signature"
	}
	return ""
}

func newAliyunFake(t *testing.T, action string) (*aliyunFake, *httptest.Server) {
	f := &aliyunFake{t: t, keyID: "LTAI-test-key", secret: "test-secret-value", action: action, version: "2017-05-25"}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func aliyunConfig(t *testing.T, base, secret string, extra map[string]any) json.RawMessage {
	c := map[string]any{
		"base_url": base, "access_key_id": "LTAI-test-key", "access_key_secret": secret,
		"templates": map[string]any{
			"incident": map[string]any{"code": "SMS_123", "params": map[string]string{"name": "title", "lvl": "level", "link": "url"}},
			"verify":   map[string]any{"code": "SMS_456", "params": map[string]string{"code": "code"}},
		},
	}
	for k, v := range extra {
		c[k] = v
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func incidentMessage() Message {
	return Message{
		Key: "dlv_01JC8W3Q6V7Y", To: "+8613800138000", Template: "incident",
		Params: map[string]string{"title": "数据库主库宕机", "level": "P1"},
		AckURL: "https://ll.example.cn/a/Xy7*q 1",
	}
}

func TestAliyunSMSSend(t *testing.T) {
	fake, srv := newAliyunFake(t, "SendSms")
	s, err := AliyunSMS.New(aliyunConfig(t, srv.URL, fake.secret, map[string]any{"sign_name": "生命线"}), testDeps())
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Send(context.Background(), incidentMessage())
	if err != nil {
		t.Fatalf("send: %v (fake rejected: %v)", err, fake.rejected)
	}
	if res.ProviderMessageID != "900619746936498440^0" {
		t.Errorf("ProviderMessageID = %q, want the BizId", res.ProviderMessageID)
	}
	if len(fake.requests) != 1 {
		t.Fatalf("%d requests", len(fake.requests))
	}
	q := fake.requests[0]
	for k, want := range map[string]string{
		"PhoneNumbers": "13800138000", "SignName": "生命线", "TemplateCode": "SMS_123", "OutId": "dlv_01JC8W3Q6V7Y",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	var vars map[string]string
	if err := json.Unmarshal([]byte(q.Get("TemplateParam")), &vars); err != nil {
		t.Fatalf("TemplateParam %q: %v", q.Get("TemplateParam"), err)
	}
	want := map[string]string{"name": "数据库主库宕机", "lvl": "P1", "link": "https://ll.example.cn/a/Xy7*q 1"}
	if fmt.Sprint(vars) != fmt.Sprint(want) {
		t.Errorf("TemplateParam = %v, want %v (url falls back to AckURL)", vars, want)
	}
}

// TestAliyunWrongSecretIsRejected proves the fake checks signatures: a sender holding the
// wrong secret is refused, and that refusal condemns the account.
func TestAliyunWrongSecretIsRejected(t *testing.T) {
	fake, srv := newAliyunFake(t, "SendSms")
	s, err := AliyunSMS.New(aliyunConfig(t, srv.URL, "not-the-secret", map[string]any{"sign_name": "生命线"}), testDeps())
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), incidentMessage())
	e := Classify(err)
	if e == nil || e.Temporary || e.Scope != ScopeProvider || e.Code != "SignatureDoesNotMatch" {
		t.Fatalf("err = %#v", e)
	}
	if len(fake.rejected) != 1 || fake.rejected[0] != "signature" {
		t.Fatalf("fake rejected %v", fake.rejected)
	}
}

func TestAliyunTemplateWithoutCode(t *testing.T) {
	fake, srv := newAliyunFake(t, "SendSms")
	s, _ := AliyunSMS.New(aliyunConfig(t, srv.URL, fake.secret, map[string]any{"sign_name": "生命线"}), testDeps())
	m := incidentMessage()
	m.Template = "drill"
	_, err := s.Send(context.Background(), m)
	e := Classify(err)
	if e.Temporary || e.Scope != ScopeProvider || !strings.Contains(e.Message, "template drill has no code for this provider") {
		t.Fatalf("err = %#v", e)
	}
	if len(fake.requests)+len(fake.rejected) != 0 {
		t.Fatal("a request was made")
	}
}

func TestAliyunMissingParameter(t *testing.T) {
	fake, srv := newAliyunFake(t, "SendSms")
	s, _ := AliyunSMS.New(aliyunConfig(t, srv.URL, fake.secret, map[string]any{"sign_name": "生命线"}), testDeps())
	m := incidentMessage()
	delete(m.Params, "level")
	_, err := s.Send(context.Background(), m)
	if e := Classify(err); e.Temporary || e.Scope != ScopeMessage || e.Code != "missing_param" {
		t.Fatalf("err = %#v", e)
	}
}

func TestAliyunErrorClassification(t *testing.T) {
	cases := []struct {
		status int
		body   string
		temp   bool
		scope  Scope
		code   string
		after  time.Duration
	}{
		{200, `{"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"触发号码天级流控Permits:10"}`, true, 0, "isv.BUSINESS_LIMIT_CONTROL", 0},
		{400, `{"Code":"Throttling.User","Message":"Request was denied due to user flow control."}`, true, 0, "Throttling.User", 0},
		{503, `{"Code":"ServiceUnavailable","Message":"The request has failed due to a temporary failure of the server."}`, true, 0, "ServiceUnavailable", 0},
		{502, `<html>bad gateway</html>`, true, 0, "http_502", 0},
		{200, `<html>maintenance</html>`, true, 0, "bad_response", 0},
		{200, `{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"非法手机号 13800138000"}`, false, ScopeMessage, "isv.MOBILE_NUMBER_ILLEGAL", 0},
		{200, `{"Code":"isv.BLACK_KEY_CONTROL_LIMIT","Message":"黑名单管控"}`, false, ScopeMessage, "isv.BLACK_KEY_CONTROL_LIMIT", 0},
		{404, `{"Code":"InvalidAccessKeyId.NotFound","Message":"Specified access key is not found."}`, false, ScopeProvider, "InvalidAccessKeyId.NotFound", 0},
		{400, `{"Code":"SignatureDoesNotMatch","Message":"Specified signature does not match our calculation."}`, false, ScopeProvider, "SignatureDoesNotMatch", 0},
		{200, `{"Code":"isv.SMS_TEMPLATE_ILLEGAL","Message":"模板不合法"}`, false, ScopeProvider, "isv.SMS_TEMPLATE_ILLEGAL", 0},
		{200, `{"Code":"isv.SMS_SIGNATURE_ILLEGAL","Message":"签名不合法"}`, false, ScopeProvider, "isv.SMS_SIGNATURE_ILLEGAL", 0},
		{200, `{"Code":"isv.AMOUNT_NOT_ENOUGH","Message":"账户余额不足"}`, false, ScopeProvider, "isv.AMOUNT_NOT_ENOUGH", 0},
		{200, `{"Code":"isv.SOMETHING_NEW","Message":"?"}`, false, ScopeMessage, "isv.SOMETHING_NEW", 0},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			fake, srv := newAliyunFake(t, "SendSms")
			fake.reply = func(url.Values) (int, string) { return c.status, c.body }
			s, _ := AliyunSMS.New(aliyunConfig(t, srv.URL, fake.secret, map[string]any{"sign_name": "生命线"}), testDeps())
			_, err := s.Send(context.Background(), incidentMessage())
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Temporary != c.temp || (!c.temp && e.Scope != c.scope) || e.Code != c.code {
				t.Fatalf("got %#v", e)
			}
			if strings.Contains(e.Error(), "13800138000") {
				t.Fatalf("the number leaked into the error: %s", e.Error())
			}
		})
	}
}

func TestAliyunVoiceSend(t *testing.T) {
	fake, srv := newAliyunFake(t, "SingleCallByTts")
	s, err := AliyunVoice.New(aliyunConfig(t, srv.URL, fake.secret, map[string]any{"called_show_number": "057100000000", "play_times": 3}), testDeps())
	if err != nil {
		t.Fatal(err)
	}
	m := incidentMessage()
	m.Key = "k123"
	res, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("send: %v (rejected %v)", err, fake.rejected)
	}
	if res.ProviderMessageID != "116012354148^1047" {
		t.Errorf("ProviderMessageID = %q, want the CallId", res.ProviderMessageID)
	}
	q := fake.requests[0]
	for k, want := range map[string]string{
		"CalledNumber": "13800138000", "CalledShowNumber": "057100000000", "TtsCode": "SMS_123", "PlayTimes": "3", "OutId": "k123",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	if !strings.Contains(q.Get("TtsParam"), `"name":"数据库主库宕机"`) {
		t.Errorf("TtsParam = %s", q.Get("TtsParam"))
	}

	// A key longer than OutId's 15 bytes goes as its documented derivation.
	m.Key = "dlv_01JC8W3Q6V7YH2K9"
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := fake.requests[1].Get("OutId"); got != AliyunVoiceOutID(m.Key) || len(got) != 15 {
		t.Errorf("OutId = %q", got)
	}

	// Aliyun voice reaches mainland numbers only.
	m.To = "+85291234567"
	_, err = s.Send(context.Background(), m)
	if e := Classify(err); e.Temporary || e.Scope != ScopeMessage {
		t.Fatalf("err = %#v", e)
	}
}

func TestAliyunVoiceErrors(t *testing.T) {
	fake, srv := newAliyunFake(t, "SingleCallByTts")
	fake.reply = func(url.Values) (int, string) {
		return 200, `{"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"触发流控"}`
	}
	s, _ := AliyunVoice.New(aliyunConfig(t, srv.URL, fake.secret, nil), testDeps())
	_, err := s.Send(context.Background(), incidentMessage())
	if e := Classify(err); !e.Temporary {
		t.Fatalf("err = %#v", e)
	}
	if fake.requests[0].Get("PlayTimes") != "2" {
		t.Errorf("default PlayTimes = %q", fake.requests[0].Get("PlayTimes"))
	}
}

// TestAliyunContextAndTransport checks that a cancelled send is temporary and that the
// transport error does not quote the request URL (whose query holds the number).
func TestAliyunContextAndTransport(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	s, _ := AliyunSMS.New(aliyunConfig(t, srv.URL, "x", map[string]any{"sign_name": "生命线"}), testDeps())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := s.Send(ctx, incidentMessage())
	e := Classify(err)
	if !e.Temporary || e.Code != "transport" {
		t.Fatalf("err = %#v", e)
	}
	if strings.Contains(e.Error(), "13800138000") || strings.Contains(e.Error(), "PhoneNumbers") {
		t.Fatalf("the request URL leaked: %s", e.Error())
	}
}

func TestAliyunConfigValidation(t *testing.T) {
	good := map[string]any{
		"access_key_id": "id", "access_key_secret": "secret", "sign_name": "生命线",
		"templates": map[string]any{"incident": map[string]any{"code": "SMS_1", "params": map[string]string{"t": "title"}}},
	}
	if _, err := AliyunSMS.New(mustJSON(t, good), testDeps()); err != nil {
		t.Fatalf("good config: %v", err)
	}
	cases := map[string]func(c map[string]any){
		"bad base_url":     func(c map[string]any) { c["base_url"] = "ftp://x" },
		"no key":           func(c map[string]any) { delete(c, "access_key_id") },
		"no secret":        func(c map[string]any) { c["access_key_secret"] = " " },
		"no sign_name":     func(c map[string]any) { delete(c, "sign_name") },
		"no templates":     func(c map[string]any) { delete(c, "templates") },
		"unknown template": func(c map[string]any) { c["templates"] = map[string]any{"incidnet": map[string]any{"code": "SMS_1"}} },
		"unknown param": func(c map[string]any) {
			c["templates"] = map[string]any{"verify": map[string]any{"code": "SMS_1", "params": map[string]string{"c": "title"}}}
		},
		"empty code":    func(c map[string]any) { c["templates"] = map[string]any{"verify": map[string]any{"code": ""}} },
		"unknown field": func(c map[string]any) { c["secret"] = "x" },
	}
	for name, mutate := range cases {
		c := map[string]any{}
		for k, v := range good {
			c[k] = v
		}
		mutate(c)
		if _, err := AliyunSMS.New(mustJSON(t, c), testDeps()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	voice := map[string]any{"access_key_id": "id", "access_key_secret": "s", "play_times": 4,
		"templates": map[string]any{"incident": map[string]any{"code": "TTS_1"}}}
	if _, err := AliyunVoice.New(mustJSON(t, voice), testDeps()); err == nil {
		t.Error("play_times 4 accepted")
	}
	voice["play_times"] = 1
	if _, err := AliyunVoice.New(mustJSON(t, voice), testDeps()); err != nil {
		t.Errorf("voice without sign_name: %v", err)
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAliyunKinds(t *testing.T) {
	k, ok := Lookup("aliyun_sms")
	if !ok || k.Media != MediaSMS || k.Callback == nil || len(k.PerAddress) != 1 || k.PerAddress[0] != (Limit{N: 50, Per: 24 * time.Hour}) {
		t.Fatalf("aliyun_sms = %+v", k)
	}
	v, ok := Lookup("aliyun_voice")
	want := []Limit{{1, time.Minute}, {5, time.Hour}, {20, 24 * time.Hour}}
	if !ok || v.Media != MediaVoice || fmt.Sprint(v.PerAddress) != fmt.Sprint(want) {
		t.Fatalf("aliyun_voice = %+v", v)
	}
}

// TestAliyunSmsReport parses the SmsReport sample of Aliyun's documentation (masked
// digits filled in) plus a failed receipt.
func TestAliyunSmsReport(t *testing.T) {
	body := `[
  {
    "phone_number" : "13811112222",
    "send_time" : "2017-01-01 00:00:00",
    "report_time" : "2017-01-01 00:00:05",
    "success" : true,
    "err_code" : "DELIVERED",
    "err_msg" : "用户接收成功",
    "sms_size" : "1",
    "biz_id" : "12345",
    "out_id" : "67890"
  },
  {"phone_number":"13811113333","send_time":"2017-01-01 00:00:00","report_time":"2017-01-01 00:01:00",
   "success":false,"err_code":"MK:0001","err_msg":"用户 13811113333 停机","sms_size":"1","biz_id":"12346","out_id":"dlv_2"}
]`
	events, ans, err := AliyunSMS.Callback(nil, httptest.NewRequest("POST", "/cb", nil), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != 200 || string(ans.Body) != `{"code":0,"msg":"接收成功"}` || !strings.HasPrefix(ans.ContentType, "application/json") {
		t.Fatalf("answer %+v %s", ans, ans.Body)
	}
	if len(events) != 2 {
		t.Fatalf("%d events", len(events))
	}
	e0 := events[0]
	if e0.Key != "67890" || e0.ProviderMessageID != "12345" || e0.Status != EventDelivered || e0.Error != "" ||
		!e0.At.Equal(time.Date(2016, 12, 31, 16, 0, 5, 0, time.UTC)) {
		t.Errorf("event 0 = %+v", e0)
	}
	e1 := events[1]
	if e1.Key != "dlv_2" || e1.Status != EventFailed || !strings.HasPrefix(e1.Error, "MK:0001") || strings.Contains(e1.Error, "13811113333") {
		t.Errorf("event 1 = %+v", e1)
	}
}

// TestAliyunSmsUp parses the SmsUp sample (sequence_id as the documented string and as
// the older documented number).
func TestAliyunSmsUp(t *testing.T) {
	body := `[
  {"phone_number":"13811112222","content":"1","send_time":"2017-09-01 00:00:00","dest_code":"1234","sequence_id":"1234567890"},
  {"phone_number":"8613811113333","send_time":"2017-09-01 00:00:00","content":"收到","sign_name":"签名","dest_code":"1234","sequence_id":1234567890}
]`
	events, ans, err := AliyunSMS.Callback(nil, httptest.NewRequest("POST", "/cb", nil), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if string(ans.Body) != `{"code":0,"msg":"接收成功"}` || len(events) != 2 {
		t.Fatalf("answer %s, %d events", ans.Body, len(events))
	}
	if e := events[0]; e.Status != EventReply || e.From != "+8613811112222" || e.Text != "1" || e.Key != "" ||
		!e.At.Equal(time.Date(2017, 8, 31, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("event 0 = %+v", e)
	}
	if e := events[1]; e.From != "+8613811113333" || e.Text != "收到" {
		t.Errorf("event 1 = %+v", e)
	}
}

func TestAliyunSMSCallbackRejectsGarbage(t *testing.T) {
	for _, body := range []string{`{"a":1}`, `not json`, `[{"phone_number":"1"}]`} {
		if _, _, err := AliyunSMS.Callback(nil, httptest.NewRequest("POST", "/cb", nil), []byte(body)); err == nil {
			t.Errorf("%s accepted", body)
		}
	}
	events, ans, err := AliyunSMS.Callback(nil, httptest.NewRequest("POST", "/cb", nil), []byte(`[]`))
	if err != nil || len(events) != 0 || ans.Status != 200 {
		t.Errorf("empty push: %v %v %+v", events, err, ans)
	}
}

// TestAliyunVoiceReport parses the VoiceReport sample of the documentation (an answered
// call), an unanswered one, and skips a VoiceCallReport intermediate state.
func TestAliyunVoiceReport(t *testing.T) {
	body := `[
  {"status_code":"200000","smart_status_code":"ANSWERED","hangup_direction":"机器","callee":"1390000****",
   "ring_time":"2023-03-13 14:42:17","duration":"49","voice_type":"voice","b_duration":49,
   "originate_time":"2023-03-13 14:42:16","end_time":"2023-03-13 14:43:11",
   "call_id":"116012354148^1047","caller":"0571****5678","status_msg":"执行完成","out_id":"k123"},
  {"status_code":"200005","callee":"13900001111","duration":"0","originate_time":"2023-03-13 14:42:16",
   "call_id":"116012354148^1048","status_msg":"被叫用户无法接通","out_id":"k124"},
  {"status_code":"200101","smart_status_code":"ANSWERED","status_time":"2023-03-06 16:21:12","out_id":"k125","call_id":"1^2"}
]`
	events, ans, err := AliyunVoice.Callback(nil, httptest.NewRequest("POST", "/cb", nil), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if string(ans.Body) != `{"code":0,"msg":"接收成功"}` || len(events) != 2 {
		t.Fatalf("answer %s, events %+v", ans.Body, events)
	}
	if e := events[0]; e.Key != "k123" || e.ProviderMessageID != "116012354148^1047" || e.Status != EventDelivered ||
		!e.At.Equal(time.Date(2023, 3, 13, 6, 43, 11, 0, time.UTC)) {
		t.Errorf("event 0 = %+v", e)
	}
	if e := events[1]; e.Key != "k124" || e.Status != EventFailed || e.Error != "200005 被叫用户无法接通" ||
		!e.At.Equal(time.Date(2023, 3, 13, 6, 42, 16, 0, time.UTC)) {
		t.Errorf("event 1 = %+v", e)
	}
}

func TestAliyunVoiceOutID(t *testing.T) {
	if AliyunVoiceOutID("short") != "short" {
		t.Error("short key changed")
	}
	a, b := AliyunVoiceOutID("dlv_0123456789abcdef"), AliyunVoiceOutID("dlv_0123456789abcdeg")
	if len(a) != 15 || a == b || a != AliyunVoiceOutID("dlv_0123456789abcdef") {
		t.Errorf("derived ids %q %q", a, b)
	}
}
