package channel

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// TencentSMS sends SMS through Tencent Cloud SMS SendSms (API 2021-01-11), signed with
// TC3-HMAC-SHA256. Like Aliyun it carries only approved templates: a message is its
// Template mapped to a TemplateId plus an ordered TemplateParamSet. The delivery key goes
// into SessionContext; receipts are keyed by sid (the SerialNo we return).
var TencentSMS = register(Kind{
	Name: "tencent_sms", Media: MediaSMS, Concurrency: 32,
	New:      newTencentSMS,
	Callback: tencentSMSCallback,
})

// Tencent endpoint and API constants.
const (
	TencentSMSURL     = "https://sms.tencentcloudapi.com"
	tencentSMSVersion = "2021-01-11"
	tencentService    = "sms"
	tc3Algorithm      = "TC3-HMAC-SHA256"
	tencentJSON       = "application/json; charset=utf-8"
)

// TencentConfig configures tencent_sms.
type TencentConfig struct {
	BaseURL     string `json:"base_url,omitempty"`
	SecretID    string `json:"secret_id"`
	SecretKey   string `json:"secret_key"`
	Region      string `json:"region,omitempty"` // X-TC-Region (default ap-guangzhou)
	SmsSdkAppID string `json:"sms_sdk_app_id"`
	SignName    string `json:"sign_name"`
	// Templates maps our template names (incident, drill, verify) to Tencent templates.
	Templates map[string]TencentTemplate `json:"templates"`
}

// TencentTemplate is one of our templates as a Tencent TemplateId; Params lists our
// parameter keys in the order of the template's {1}, {2} … placeholders.
type TencentTemplate struct {
	ID     string   `json:"id"`
	Params []string `json:"params,omitempty"`
}

type tencent struct {
	base *url.URL
	cfg  TencentConfig
	http *http.Client
	now  func() time.Time
}

func newTencentSMS(raw json.RawMessage, d Deps) (Sender, error) {
	var c TencentConfig
	if err := decodeConfig(raw, &c); err != nil {
		return nil, err
	}
	base, err := ValidateTencent(&c)
	if err != nil {
		return nil, err
	}
	return &tencent{base: base, cfg: c, http: httpClient(d), now: nowFunc(d)}, nil
}

// ValidateTencent checks a Tencent configuration, fills in its defaults and returns its
// base URL.
func ValidateTencent(c *TencentConfig) (*url.URL, error) {
	base, err := parseBaseURL("base_url", c.BaseURL, TencentSMSURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.SecretID) == "" || strings.TrimSpace(c.SecretKey) == "" {
		return nil, fmt.Errorf("secret_id and secret_key are required")
	}
	if strings.TrimSpace(c.SmsSdkAppID) == "" {
		return nil, fmt.Errorf("sms_sdk_app_id is required")
	}
	if strings.TrimSpace(c.SignName) == "" {
		return nil, fmt.Errorf("sign_name: the approved SMS signature is required")
	}
	if c.Region == "" {
		c.Region = "ap-guangzhou"
	}
	if len(c.Templates) == 0 {
		return nil, fmt.Errorf("templates: at least one template mapping is required")
	}
	for name, t := range c.Templates {
		if strings.TrimSpace(t.ID) == "" {
			return nil, fmt.Errorf("templates.%s: id is required", name)
		}
		if err := checkTemplateKeys(name, t.Params); err != nil {
			return nil, err
		}
	}
	return base, nil
}

// tencentBody is the SendSms request body.
type tencentBody struct {
	PhoneNumberSet   []string `json:"PhoneNumberSet"`
	SmsSdkAppID      string   `json:"SmsSdkAppId"`
	SignName         string   `json:"SignName"`
	TemplateID       string   `json:"TemplateId"`
	TemplateParamSet []string `json:"TemplateParamSet"`
	SessionContext   string   `json:"SessionContext,omitempty"`
}

// tencentResponse is the SendSms answer: an Error, or one status per number.
type tencentResponse struct {
	Response struct {
		Error *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		SendStatusSet []struct {
			SerialNo       string `json:"SerialNo"`
			Code           string `json:"Code"`
			Message        string `json:"Message"`
			SessionContext string `json:"SessionContext"`
		} `json:"SendStatusSet"`
		RequestID string `json:"RequestId"`
	} `json:"Response"`
}

// Send implements Sender.
func (t *tencent) Send(ctx context.Context, m Message) (Result, error) {
	tpl, ok := t.cfg.Templates[m.Template]
	if !ok {
		return Result{}, Permanent(ScopeProvider, "template", fmt.Sprintf("template %s has no code for this provider", m.Template))
	}
	if !strings.HasPrefix(m.To, "+") || len(m.To) < 8 {
		return Result{}, Permanent(ScopeMessage, "invalid_address", "the recipient is not an E.164 number")
	}
	params := make([]string, 0, len(tpl.Params))
	for _, key := range tpl.Params {
		v, err := templateParam(m, key)
		if err != nil {
			return Result{}, err
		}
		params = append(params, v)
	}
	body, err := json.Marshal(tencentBody{
		PhoneNumberSet: []string{m.To}, SmsSdkAppID: t.cfg.SmsSdkAppID, SignName: t.cfg.SignName,
		TemplateID: tpl.ID, TemplateParamSet: params, SessionContext: m.Key,
	})
	if err != nil {
		return Result{}, Permanent(ScopeMessage, "encode", err.Error())
	}
	status, hdr, rb, err := t.request(ctx, "SendSms", body)
	if err != nil {
		return Result{}, err
	}
	var r tencentResponse
	if jerr := json.Unmarshal(rb, &r); jerr != nil || status/100 != 2 {
		e := HTTPStatus(status, scrub(string(rb)))
		if status/100 == 2 {
			// A 200 we cannot read: the message may have gone; the retry is the
			// pipeline's call, as for a timeout.
			e = Temporary("bad_response", "unreadable SendSms answer", 0)
		}
		e.RetryAfter = retryAfter(hdr)
		return Result{}, e
	}
	if r.Response.Error != nil {
		return Result{}, TencentError(r.Response.Error.Code, r.Response.Error.Message)
	}
	if len(r.Response.SendStatusSet) == 0 {
		return Result{}, Temporary("bad_response", "SendSms answered without a SendStatusSet", 0)
	}
	st := r.Response.SendStatusSet[0]
	if st.Code != "Ok" {
		return Result{}, TencentError(st.Code, st.Message)
	}
	return Result{ProviderMessageID: st.SerialNo}, nil
}

// request signs (TC3-HMAC-SHA256) and sends one API call with a JSON body and returns
// the answer.
func (t *tencent) request(ctx context.Context, action string, body []byte) (int, http.Header, []byte, error) {
	u := *t.base
	u.Path += "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, Permanent(ScopeProvider, "config", scrub(err.Error()))
	}
	ts := t.now().Unix()
	req.Header.Set("Content-Type", tencentJSON)
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", tencentSMSVersion)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-TC-Region", t.cfg.Region)
	req.Header.Set("Authorization", tc3Authorization(t.cfg.SecretID, t.cfg.SecretKey, tencentService, ts,
		map[string]string{"content-type": tencentJSON, "host": u.Host, "x-tc-action": action}, body))
	return do(t.http, req)
}

// TencentError classifies a Tencent Cloud error code (Response.Error.Code or a
// SendStatusSet Code).
func TencentError(code, msg string) *Error {
	msg = scrub(msg)
	switch {
	case strings.HasPrefix(code, "LimitExceeded."),
		code == "LimitExceeded",
		strings.HasPrefix(code, "RequestLimitExceeded"),
		strings.HasPrefix(code, "InternalError"):
		return Temporary(code, msg, 0)
	case code == "FailedOperation.PhoneNumberInBlacklist",
		code == "FailedOperation.PhoneNumberParseFail",
		code == "FailedOperation.ContainSensitiveWord", // a parameter's text, not the template
		code == "InvalidParameterValue.IncorrectPhoneNumber",
		code == "InvalidParameterValue.TemplateParameterLengthLimit",
		code == "InvalidParameterValue.TemplateParameterFormatError",
		code == "UnsupportedOperation.UnsupportedRegion":
		return Permanent(ScopeMessage, code, msg)
	case strings.HasPrefix(code, "AuthFailure"),
		strings.HasPrefix(code, "UnauthorizedOperation"),
		code == "FailedOperation.TemplateIncorrectOrUnapproved",
		code == "FailedOperation.SignatureIncorrectOrUnapproved",
		code == "FailedOperation.InsufficientBalanceInSmsPackage",
		code == "InvalidParameterValue.SdkAppIdNotExist",
		code == "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
		code == "MissingParameter",
		strings.HasPrefix(code, "InvalidParameter.") && code != "InvalidParameter":
		return Permanent(ScopeProvider, code, msg)
	}
	return Permanent(ScopeMessage, code, msg)
}

// tc3CanonicalRequest is TC3's CanonicalRequest of a POST to "/": headers are signed
// header names (lower case) to values, both lower-cased as TC3 requires.
func tc3CanonicalRequest(headers map[string]string, payload []byte) (string, string) {
	names := make([]string, 0, len(headers))
	lower := make(map[string]string, len(headers))
	for k, v := range headers {
		n := strings.ToLower(k)
		names = append(names, n)
		lower[n] = strings.ToLower(strings.TrimSpace(v))
	}
	sort.Strings(names)
	var ch strings.Builder
	for _, n := range names {
		ch.WriteString(n + ":" + lower[n] + "\n")
	}
	signed := strings.Join(names, ";")
	return "POST\n/\n\n" + ch.String() + "\n" + signed + "\n" + hexSHA256(payload), signed
}

// tc3Authorization returns the Authorization header value of a TC3-HMAC-SHA256 POST.
func tc3Authorization(secretID, secretKey, service string, ts int64, headers map[string]string, payload []byte) string {
	canonical, signed := tc3CanonicalRequest(headers, payload)
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	scope := date + "/" + service + "/tc3_request"
	toSign := tc3Algorithm + "\n" + strconv.FormatInt(ts, 10) + "\n" + scope + "\n" + hexSHA256([]byte(canonical))
	kDate := hmacSHA256([]byte("TC3"+secretKey), date)
	kService := hmacSHA256(kDate, service)
	kSign := hmacSHA256(kService, "tc3_request")
	sig := hex.EncodeToString(hmacSHA256(kSign, toSign))
	return tc3Algorithm + " Credential=" + secretID + "/" + scope + ", SignedHeaders=" + signed + ", Signature=" + sig
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// tencentAnswer is the answer Tencent expects from both callbacks.
var tencentAnswer = jsonAnswer(`{"result":0,"errmsg":"OK"}`)

// tencentStatus is one item of a status push.
type tencentStatus struct {
	UserReceiveTime string `json:"user_receive_time"`
	NationCode      string `json:"nationcode"`
	Mobile          string `json:"mobile"`
	ReportStatus    string `json:"report_status"`
	ErrMsg          string `json:"errmsg"`
	Description     string `json:"description"`
	SID             string `json:"sid"`
	Ext             string `json:"ext"`
}

// tencentReply is a reply push.
type tencentReply struct {
	Extend     string `json:"extend"`
	Mobile     string `json:"mobile"`
	NationCode string `json:"nationcode"`
	Sign       string `json:"sign"`
	Text       string `json:"text"`
	Time       int64  `json:"time"`
}

// tencentSMSCallback parses a status push (a JSON array, up to 100 receipts keyed by
// sid = SerialNo, ext when Tencent echoes one) or a reply push (a JSON object). Tencent
// does not sign them: the route must carry a secret path segment.
func tencentSMSCallback(_ json.RawMessage, _ *http.Request, body []byte) ([]Event, Answer, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, Answer{}, fmt.Errorf("tencent sms push: empty body")
	}
	if body[0] == '{' {
		var r tencentReply
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, Answer{}, fmt.Errorf("tencent sms reply push: %w", err)
		}
		if r.Mobile == "" {
			return nil, Answer{}, fmt.Errorf("tencent sms reply push: no mobile")
		}
		from := normalizeCN(r.Mobile)
		if r.NationCode != "" && !strings.HasPrefix(r.Mobile, "+") {
			from = "+" + strings.TrimPrefix(r.NationCode, "+") + r.Mobile
		}
		var at time.Time
		if r.Time > 0 {
			at = time.Unix(r.Time, 0).UTC()
		}
		return []Event{{Status: EventReply, From: from, Text: r.Text, At: at}}, tencentAnswer, nil
	}
	var items []tencentStatus
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, Answer{}, fmt.Errorf("tencent sms status push: %w", err)
	}
	events := make([]Event, 0, len(items))
	for _, it := range items {
		if it.SID == "" && it.Ext == "" {
			return nil, Answer{}, fmt.Errorf("tencent sms status push: an item has neither sid nor ext")
		}
		ev := Event{Key: it.Ext, ProviderMessageID: it.SID, At: parseChinaTime(it.UserReceiveTime)}
		switch it.ReportStatus {
		case "SUCCESS":
			ev.Status = EventDelivered
		case "FAIL":
			ev.Status = EventFailed
			ev.Error = scrub(strings.TrimSpace(it.ErrMsg + " " + it.Description))
		default:
			return nil, Answer{}, fmt.Errorf("tencent sms status push: unknown report_status %q", it.ReportStatus)
		}
		events = append(events, ev)
	}
	return events, tencentAnswer, nil
}
