package channel

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// TwilioSMS sends free-text SMS through Twilio's Messages API, for overseas contacts only
// (sending a mainland person's number abroad is a cross-border transfer under PIPL). The
// message is the text followed by the acknowledgement link; Twilio has no correlation
// field, so receipts are matched by MessageSid (Result.ProviderMessageID).
var TwilioSMS = register(Kind{
	Name: "twilio_sms", Media: MediaSMS, Concurrency: 16,
	New:      newTwilioSMS,
	Callback: twilioCallback,
})

// TwilioURL is Twilio's REST API.
const TwilioURL = "https://api.twilio.com"

// TwilioConfig configures twilio_sms.
type TwilioConfig struct {
	BaseURL    string `json:"base_url,omitempty"`
	AccountSID string `json:"account_sid"`
	AuthToken  string `json:"auth_token"`
	// From is the sending number (E.164) or alphanumeric sender; or give
	// MessagingServiceSID instead, never both.
	From                string `json:"from,omitempty"`
	MessagingServiceSID string `json:"messaging_service_sid,omitempty"`
	// CallbackURL is our callback endpoint's public URL exactly as Twilio calls it. It is
	// sent as each message's StatusCallback and must also be the number's inbound
	// webhook; signatures are verified against it, not the request's own URL, which a
	// proxy rewrites.
	CallbackURL string `json:"callback_url,omitempty"`
}

type twilio struct {
	endpoint string
	cfg      TwilioConfig
	http     *http.Client
}

func newTwilioSMS(raw json.RawMessage, d Deps) (Sender, error) {
	var c TwilioConfig
	if err := decodeConfig(raw, &c); err != nil {
		return nil, err
	}
	base, err := ValidateTwilio(c)
	if err != nil {
		return nil, err
	}
	u := *base
	u.Path += "/2010-04-01/Accounts/" + url.PathEscape(c.AccountSID) + "/Messages.json"
	return &twilio{endpoint: u.String(), cfg: c, http: httpClient(d)}, nil
}

// ValidateTwilio checks a Twilio configuration and returns its base URL.
func ValidateTwilio(c TwilioConfig) (*url.URL, error) {
	base, err := parseBaseURL("base_url", c.BaseURL, TwilioURL)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(c.AccountSID, "AC") || len(c.AccountSID) != 34 {
		return nil, fmt.Errorf("account_sid: AC followed by 32 characters")
	}
	if len(c.AuthToken) < 16 {
		return nil, fmt.Errorf("auth_token is required")
	}
	if (c.From == "") == (c.MessagingServiceSID == "") {
		return nil, fmt.Errorf("give either from or messaging_service_sid")
	}
	if c.MessagingServiceSID != "" && (!strings.HasPrefix(c.MessagingServiceSID, "MG") || len(c.MessagingServiceSID) != 34) {
		return nil, fmt.Errorf("messaging_service_sid: MG followed by 32 characters")
	}
	if c.CallbackURL != "" {
		u, err := url.Parse(c.CallbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("callback_url: an http or https URL is required")
		}
	}
	return base, nil
}

// twilioAnswer is the Messages API answer, success or error.
type twilioAnswer struct {
	SID     string `json:"sid"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Send implements Sender.
func (t *twilio) Send(ctx context.Context, m Message) (Result, error) {
	if !strings.HasPrefix(m.To, "+") || len(m.To) < 8 {
		return Result{}, Permanent(ScopeMessage, "invalid_address", "the recipient is not an E.164 number")
	}
	body := m.Text
	if m.AckURL != "" {
		body = strings.TrimSpace(body + " " + m.AckURL)
	}
	if body == "" {
		return Result{}, Permanent(ScopeMessage, "empty", "the message has no text")
	}
	form := url.Values{"To": {m.To}, "Body": {body}}
	if t.cfg.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", t.cfg.MessagingServiceSID)
	} else {
		form.Set("From", t.cfg.From)
	}
	if t.cfg.CallbackURL != "" {
		form.Set("StatusCallback", t.cfg.CallbackURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return Result{}, Permanent(ScopeProvider, "config", scrub(err.Error()))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(t.cfg.AccountSID, t.cfg.AuthToken)
	status, hdr, rb, err := do(t.http, req)
	if err != nil {
		return Result{}, err
	}
	var a twilioAnswer
	_ = json.Unmarshal(rb, &a)
	if status/100 == 2 {
		if a.SID == "" {
			return Result{}, Temporary("bad_response", "Twilio accepted without a sid", 0)
		}
		return Result{ProviderMessageID: a.SID}, nil
	}
	e := TwilioError(status, a.Code, a.Message)
	if e.Temporary {
		e.RetryAfter = retryAfter(hdr)
	}
	return Result{}, e
}

// TwilioError classifies a Twilio error answer by its error code, falling back to the
// HTTP status.
func TwilioError(status, code int, msg string) *Error {
	msg = scrub(msg)
	c := strconv.Itoa(code)
	switch code {
	case 20429, 14107, 21611: // too many requests, rate limit, sender queue full
		return Temporary(c, msg, 0)
	case 20003, 20005, 20404, 10001, 21212, 21606, 21408:
		// Auth failure, inactive or unknown account, bad or non-SMS-capable From,
		// destination region not enabled for the account.
		return Permanent(ScopeProvider, c, msg)
	case 21211, 21214, 21217, 21401, 21407, 21608, 21610, 21612, 21614, 21617, 21635:
		// Invalid, unverified (trial), unsubscribed, unroutable or non-mobile To; body
		// too long.
		return Permanent(ScopeMessage, c, msg)
	}
	e := HTTPStatus(status, msg)
	if code != 0 {
		e.Code = c
	}
	return e
}

// TwilioSignature computes X-Twilio-Signature: base64 HMAC-SHA1, keyed with the auth
// token, of the full URL followed by every POST parameter's name and value, sorted by
// name (and values of a repeated name sorted).
func TwilioSignature(authToken, fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		vs := append([]string(nil), params[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// twilioTwiML is the empty TwiML answer: acknowledge, reply nothing.
var twilioTwiML = Answer{Status: http.StatusOK, ContentType: "text/xml; charset=utf-8",
	Body: []byte(`<?xml version="1.0" encoding="UTF-8"?><Response/>`)}

// twilioCallback verifies and parses a status callback (MessageSid, MessageStatus,
// ErrorCode) or an inbound message (From, Body). Intermediate statuses (queued, sending,
// sent …) are acknowledged without an event: only delivered, undelivered and failed are
// outcomes.
func twilioCallback(raw json.RawMessage, r *http.Request, body []byte) ([]Event, Answer, error) {
	var c TwilioConfig
	if err := decodeConfig(raw, &c); err != nil {
		return nil, Answer{}, err
	}
	if c.CallbackURL == "" || len(c.AuthToken) == 0 {
		return nil, Answer{}, fmt.Errorf("twilio callback: callback_url and auth_token must be configured")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, Answer{}, fmt.Errorf("twilio callback: not a form body: %w", err)
	}
	got := r.Header.Get("X-Twilio-Signature")
	want := TwilioSignature(c.AuthToken, c.CallbackURL, form)
	if got == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return nil, Answer{}, fmt.Errorf("twilio callback: %w", ErrSignature)
	}
	sid := form.Get("MessageSid")
	status := form.Get("MessageStatus")
	if status == "" {
		status = form.Get("SmsStatus")
	}
	switch status {
	case "received":
		return []Event{{ProviderMessageID: sid, Status: EventReply, From: form.Get("From"), Text: form.Get("Body")}}, twilioTwiML, nil
	case "delivered", "read":
		return []Event{{ProviderMessageID: sid, Status: EventDelivered}}, twilioTwiML, nil
	case "undelivered", "failed":
		e := strings.TrimSpace(form.Get("ErrorCode") + " " + form.Get("ErrorMessage"))
		if e == "" {
			e = status
		}
		return []Event{{ProviderMessageID: sid, Status: EventFailed, Error: scrub(e)}}, twilioTwiML, nil
	case "":
		if form.Has("Body") && form.Get("From") != "" {
			return []Event{{ProviderMessageID: sid, Status: EventReply, From: form.Get("From"), Text: form.Get("Body")}}, twilioTwiML, nil
		}
		return nil, Answer{}, fmt.Errorf("twilio callback: neither a status callback nor an inbound message")
	}
	return nil, twilioTwiML, nil
}
