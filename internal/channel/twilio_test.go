package channel

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
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
)

// TestTwilioSignaturePublishedExample reproduces the example of Twilio's webhook security
// guide (auth token 12345, https://mycompany.com/myapp.php?foo=1&bar=2), and the variant
// with +14158675309 used by Twilio's SDK test suites.
func TestTwilioSignaturePublishedExample(t *testing.T) {
	const token, u = "12345", "https://mycompany.com/myapp.php?foo=1&bar=2"
	params := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675310"}, "Digits": {"1234"}, "From": {"+14158675310"}, "To": {"+18005551212"}}
	if got := TwilioSignature(token, u, params); got != "GvWf1cFY/Q7PnoempGyD5oXAezc=" {
		t.Errorf("docs example: %s", got)
	}
	params = url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"}, "From": {"+14158675309"}, "To": {"+18005551212"}}
	if got := TwilioSignature(token, u, params); got != "RSOYDt4T1cUTdK1PDd93/VVr8B8=" {
		t.Errorf("SDK example: %s", got)
	}
}

const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef"
	twilioToken = "f00dfeedf00dfeedf00dfeedf00dfeed"
)

// twilioFake is the Messages API: Basic auth checked against the account's token, the
// form decoded, then reply decides.
type twilioFake struct {
	reply func(f url.Values) (int, string)

	mu    sync.Mutex
	forms []url.Values
	paths []string
}

func (f *twilioFake) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	user, pass, ok := r.BasicAuth()
	if !ok || user != twilioSID || pass != twilioToken {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}`)
		return
	}
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	f.forms = append(f.forms, form)
	f.paths = append(f.paths, r.URL.Path)
	f.mu.Unlock()
	if f.reply != nil {
		status, b := f.reply(form)
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(status)
		io.WriteString(w, b)
		return
	}
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"account_sid": %q, "sid": "SM1f0e8ae6ade43cb3c0ce4525424e404f", "status": "queued", "to": %q, "body": %q, "error_code": null}`,
		twilioSID, form.Get("To"), form.Get("Body"))
}

func newTwilioFake(t *testing.T) (*twilioFake, *httptest.Server) {
	f := &twilioFake{}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func twilioConfig(t *testing.T, base, token string, extra map[string]any) []byte {
	c := map[string]any{"base_url": base, "account_sid": twilioSID, "auth_token": token, "from": "+15017122661",
		"callback_url": "https://hooks.example.com/cb/twilio/s3cret"}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return mustJSON(t, c)
}

func TestTwilioSend(t *testing.T) {
	fake, srv := newTwilioFake(t)
	s, err := TwilioSMS.New(twilioConfig(t, srv.URL, twilioToken, nil), testDeps())
	if err != nil {
		t.Fatal(err)
	}
	m := Message{Key: "dlv_1", To: "+14155550100", Text: "[P1] Database down", AckURL: "https://ll.example.com/a/xyz"}
	res, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if res.ProviderMessageID != "SM1f0e8ae6ade43cb3c0ce4525424e404f" {
		t.Errorf("ProviderMessageID = %q", res.ProviderMessageID)
	}
	if fake.paths[0] != "/2010-04-01/Accounts/"+twilioSID+"/Messages.json" {
		t.Errorf("path %s", fake.paths[0])
	}
	f := fake.forms[0]
	for k, want := range map[string]string{
		"To": "+14155550100", "From": "+15017122661", "Body": "[P1] Database down https://ll.example.com/a/xyz",
		"StatusCallback": "https://hooks.example.com/cb/twilio/s3cret",
	} {
		if f.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, f.Get(k), want)
		}
	}
	if f.Has("MessagingServiceSid") {
		t.Error("both From and MessagingServiceSid sent")
	}

	// With a messaging service instead of a number.
	s, err = TwilioSMS.New(twilioConfig(t, srv.URL, twilioToken, map[string]any{"from": nil, "messaging_service_sid": "MG0123456789abcdef0123456789abcdef"}), testDeps())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if f := fake.forms[1]; f.Get("MessagingServiceSid") != "MG0123456789abcdef0123456789abcdef" || f.Has("From") {
		t.Errorf("form %v", f)
	}
}

func TestTwilioWrongTokenIsProviderError(t *testing.T) {
	_, srv := newTwilioFake(t)
	s, _ := TwilioSMS.New(twilioConfig(t, srv.URL, "0000000000000000wrongwrongwrong0", nil), testDeps())
	_, err := s.Send(context.Background(), Message{To: "+14155550100", Text: "x"})
	if e := Classify(err); e.Temporary || e.Scope != ScopeProvider || e.Code != "20003" {
		t.Fatalf("err = %#v", e)
	}
}

func TestTwilioErrorClassification(t *testing.T) {
	cases := []struct {
		status int
		body   string
		temp   bool
		scope  Scope
		code   string
	}{
		{429, `{"code": 20429, "message": "Too Many Requests", "status": 429}`, true, 0, "20429"},
		{429, `{}`, true, 0, "http_429"},
		{503, `{"code": 20500, "message": "Internal Server Error", "status": 503}`, true, 0, "20500"},
		{400, `{"code": 21211, "message": "The 'To' number +14155550100 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}`, false, ScopeMessage, "21211"},
		{400, `{"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}`, false, ScopeMessage, "21610"},
		{400, `{"code": 21606, "message": "The From phone number +15017122661 is not a valid, SMS-capable inbound phone number", "status": 400}`, false, ScopeProvider, "21606"},
		{401, `{"code": 20003, "message": "Authenticate", "status": 401}`, false, ScopeProvider, "20003"},
		{400, `{"code": 21999, "message": "something new", "status": 400}`, false, ScopeMessage, "21999"},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			fake, srv := newTwilioFake(t)
			fake.reply = func(url.Values) (int, string) { return c.status, c.body }
			s, _ := TwilioSMS.New(twilioConfig(t, srv.URL, twilioToken, nil), testDeps())
			_, err := s.Send(context.Background(), Message{To: "+14155550100", Text: "x"})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v", err)
			}
			if e.Temporary != c.temp || (!c.temp && e.Scope != c.scope) || e.Code != c.code {
				t.Fatalf("got %#v", e)
			}
			if c.status == 429 && e.RetryAfter.Seconds() != 7 {
				t.Errorf("RetryAfter = %v", e.RetryAfter)
			}
			if strings.Contains(e.Error(), "4155550100") || strings.Contains(e.Error(), "5017122661") {
				t.Fatalf("number leaked: %s", e.Error())
			}
		})
	}
}

func TestTwilioConfigValidation(t *testing.T) {
	for name, extra := range map[string]map[string]any{
		"bad sid":          {"account_sid": "XX0123456789abcdef0123456789abcdef"},
		"short token":      {"auth_token": "abc"},
		"no sender":        {"from": nil},
		"both senders":     {"messaging_service_sid": "MG0123456789abcdef0123456789abcdef"},
		"bad service":      {"from": nil, "messaging_service_sid": "MGxyz"},
		"bad callback_url": {"callback_url": "hooks.example.com/cb"},
		"bad base_url":     {"base_url": "://"},
		"unknown field":    {"status_callback": "https://x"},
	} {
		if _, err := TwilioSMS.New(twilioConfig(t, "", twilioToken, extra), testDeps()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// twilioSign is the test's own signer, written from Twilio's description, so that the
// callback is checked against an independent implementation.
func twilioSign(token, u string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := u
	for _, k := range keys {
		s += k + form.Get(k)
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// twilioPush builds a callback request as Twilio sends it. The request's own URL is the
// internal one behind the proxy; the signature is over the public URL.
func twilioPush(form url.Values, sig string) (*http.Request, []byte) {
	body := []byte(form.Encode())
	r := httptest.NewRequest(http.MethodPost, "http://10.0.0.5:8080/cb/twilio/s3cret", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		r.Header.Set("X-Twilio-Signature", sig)
	}
	return r, body
}

func TestTwilioStatusCallback(t *testing.T) {
	cfg := twilioConfig(t, "", twilioToken, nil)
	public := "https://hooks.example.com/cb/twilio/s3cret"
	cases := []struct {
		form   url.Values
		status string
		errTxt string
	}{
		{url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}, "AccountSid": {twilioSID}, "To": {"+14155550100"}, "ApiVersion": {"2010-04-01"}, "SmsStatus": {"delivered"}}, EventDelivered, ""},
		{url.Values{"MessageSid": {"SM2"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}, "To": {"+14155550100"}}, EventFailed, "30003"},
		{url.Values{"MessageSid": {"SM3"}, "MessageStatus": {"failed"}, "ErrorCode": {"30008"}}, EventFailed, "30008"},
		{url.Values{"MessageSid": {"SM4"}, "MessageStatus": {"sent"}}, "", ""},
	}
	for _, c := range cases {
		r, body := twilioPush(c.form, twilioSign(twilioToken, public, c.form))
		events, ans, err := TwilioSMS.Callback(cfg, r, body)
		if err != nil {
			t.Fatalf("%v: %v", c.form, err)
		}
		if ans.Status != 200 || !strings.HasPrefix(ans.ContentType, "text/xml") || !strings.Contains(string(ans.Body), "<Response/>") {
			t.Fatalf("answer %+v", ans)
		}
		if c.status == "" {
			if len(events) != 0 {
				t.Errorf("intermediate status gave %v", events)
			}
			continue
		}
		if len(events) != 1 || events[0].Status != c.status || events[0].ProviderMessageID != c.form.Get("MessageSid") || events[0].Error != c.errTxt {
			t.Errorf("%v: events %+v", c.form, events)
		}
	}
}

func TestTwilioInboundCallback(t *testing.T) {
	cfg := twilioConfig(t, "", twilioToken, nil)
	form := url.Values{"MessageSid": {"SM9"}, "SmsStatus": {"received"}, "From": {"+14155550100"}, "To": {"+15017122661"},
		"Body": {"ACK 1 & ok"}, "NumMedia": {"0"}, "AccountSid": {twilioSID}}
	r, body := twilioPush(form, twilioSign(twilioToken, "https://hooks.example.com/cb/twilio/s3cret", form))
	events, _, err := TwilioSMS.Callback(cfg, r, body)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Status != EventReply || events[0].From != "+14155550100" || events[0].Text != "ACK 1 & ok" {
		t.Fatalf("events %+v", events)
	}
}

func TestTwilioCallbackRejectsBadSignatures(t *testing.T) {
	cfg := twilioConfig(t, "", twilioToken, nil)
	form := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}}
	for name, sig := range map[string]string{
		"missing":       "",
		"wrong token":   twilioSign("ffffffffffffffffffffffffffffffff", "https://hooks.example.com/cb/twilio/s3cret", form),
		"request's URL": twilioSign(twilioToken, "http://10.0.0.5:8080/cb/twilio/s3cret", form),
		"other params":  twilioSign(twilioToken, "https://hooks.example.com/cb/twilio/s3cret", url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"failed"}}),
	} {
		r, body := twilioPush(form, sig)
		if _, _, err := TwilioSMS.Callback(cfg, r, body); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// Without a configured callback_url nothing can be verified.
	r, body := twilioPush(form, "x")
	if _, _, err := TwilioSMS.Callback(twilioConfig(t, "", twilioToken, map[string]any{"callback_url": nil}), r, body); err == nil {
		t.Error("callback without callback_url accepted")
	}
}
