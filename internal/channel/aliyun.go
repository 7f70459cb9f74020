package channel

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// AliyunSMS sends mainland SMS through Aliyun dysmsapi 2017-05-25 SendSms, signed with
// ACS3-HMAC-SHA256. Mainland SMS carries only an approved signature and template, so a
// message is its Template mapped to a TemplateCode plus its Params; the delivery key goes
// into OutId and comes back in the SmsReport receipt. The per-number limit is Aliyun's
// flow control for notifications (50 a day per number, signature and template; we count
// per number, which is stricter).
var AliyunSMS = register(Kind{
	Name: "aliyun_sms", Media: MediaSMS, Concurrency: 32,
	Account:    []Limit{{N: 5000, Per: time.Second}},
	PerAddress: []Limit{{N: 50, Per: 24 * time.Hour}},
	New:        newAliyunSMS,
	Callback:   aliyunSMSCallback,
})

// AliyunVoice places text-to-speech calls through Aliyun dyvmsapi 2017-05-25
// SingleCallByTts. The per-callee limits are Aliyun's (1/min, 5/h, 20/24 h); whether the
// call was answered is known only from the VoiceReport push.
var AliyunVoice = register(Kind{
	Name: "aliyun_voice", Media: MediaVoice, Concurrency: 32,
	Account:    []Limit{{N: 1000, Per: time.Second}},
	PerAddress: []Limit{{N: 1, Per: time.Minute}, {N: 5, Per: time.Hour}, {N: 20, Per: 24 * time.Hour}},
	New:        newAliyunVoice,
	Callback:   aliyunVoiceCallback,
})

// Aliyun endpoints and API versions.
const (
	AliyunSMSURL     = "https://dysmsapi.aliyuncs.com"
	AliyunVoiceURL   = "https://dyvmsapi.aliyuncs.com"
	aliyunSMSVersion = "2017-05-25"
	aliyunVMSVersion = "2017-05-25"
	acs3Algorithm    = "ACS3-HMAC-SHA256"
	aliyunDateLayout = "2006-01-02T15:04:05Z"
	aliyunVoiceOutID = 15 // SingleCallByTts documents OutId as 1 to 15 bytes
)

// AliyunConfig configures aliyun_sms and aliyun_voice.
type AliyunConfig struct {
	BaseURL         string `json:"base_url,omitempty"`
	AccessKeyID     string `json:"access_key_id"`
	AccessKeySecret string `json:"access_key_secret"`
	// SignName is the approved SMS signature (aliyun_sms only, required there).
	SignName string `json:"sign_name,omitempty"`
	// CalledShowNumber is the caller id of voice calls (aliyun_voice; empty: Aliyun's
	// public number pool, which needs public-mode TTS templates).
	CalledShowNumber string `json:"called_show_number,omitempty"`
	// PlayTimes is how often a call repeats its text, 1 to 3 (aliyun_voice; 0: 2).
	PlayTimes int `json:"play_times,omitempty"`
	// Templates maps our template names (incident, drill, verify) to the provider's.
	Templates map[string]AliyunTemplate `json:"templates"`
}

// AliyunTemplate is one of our templates as an Aliyun TemplateCode (SMS) or TtsCode
// (voice), with Params mapping the provider template's variable names to our parameter
// keys, e.g. {"name": "title"}.
type AliyunTemplate struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
}

type aliyun struct {
	base     *url.URL
	keyID    string
	secret   string
	cfg      AliyunConfig
	voice    bool
	http     *http.Client
	now      func() time.Time
	action   string
	version  string
	idField  string // the response field holding the provider's id
	numField string // the request parameter holding the recipient
}

func newAliyunSMS(raw json.RawMessage, d Deps) (Sender, error) {
	s, err := newAliyun(raw, d, false)
	if err != nil {
		return nil, err
	}
	return &aliyunSMS{s}, nil
}

func newAliyunVoice(raw json.RawMessage, d Deps) (Sender, error) {
	s, err := newAliyun(raw, d, true)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func newAliyun(raw json.RawMessage, d Deps, voice bool) (*aliyun, error) {
	var c AliyunConfig
	if err := decodeConfig(raw, &c); err != nil {
		return nil, err
	}
	def := AliyunSMSURL
	if voice {
		def = AliyunVoiceURL
	}
	base, err := ValidateAliyun(c, voice, def)
	if err != nil {
		return nil, err
	}
	a := &aliyun{base: base, keyID: c.AccessKeyID, secret: c.AccessKeySecret, cfg: c, voice: voice,
		http: httpClient(d), now: nowFunc(d)}
	if voice {
		a.action, a.version, a.idField, a.numField = "SingleCallByTts", aliyunVMSVersion, "CallId", "CalledNumber"
	} else {
		a.action, a.version, a.idField, a.numField = "SendSms", aliyunSMSVersion, "BizId", "PhoneNumbers"
	}
	return a, nil
}

// ValidateAliyun checks an Aliyun configuration and returns its base URL.
func ValidateAliyun(c AliyunConfig, voice bool, defaultURL string) (*url.URL, error) {
	base, err := parseBaseURL("base_url", c.BaseURL, defaultURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.AccessKeyID) == "" || strings.TrimSpace(c.AccessKeySecret) == "" {
		return nil, fmt.Errorf("access_key_id and access_key_secret are required")
	}
	if !voice && strings.TrimSpace(c.SignName) == "" {
		return nil, fmt.Errorf("sign_name: the approved SMS signature is required")
	}
	if voice && (c.PlayTimes < 0 || c.PlayTimes > 3) {
		return nil, fmt.Errorf("play_times: 1 to 3")
	}
	if len(c.Templates) == 0 {
		return nil, fmt.Errorf("templates: at least one template mapping is required")
	}
	for name, t := range c.Templates {
		if strings.TrimSpace(t.Code) == "" {
			return nil, fmt.Errorf("templates.%s: code is required", name)
		}
		keys := make([]string, 0, len(t.Params))
		for variable, key := range t.Params {
			if variable == "" {
				return nil, fmt.Errorf("templates.%s: empty variable name", name)
			}
			keys = append(keys, key)
		}
		if err := checkTemplateKeys(name, keys); err != nil {
			return nil, err
		}
	}
	return base, nil
}

// AliyunVoiceOutID is the OutId a voice call carries for a delivery key: the key itself
// when it fits SingleCallByTts's 15 bytes, else the first 15 hex digits of its SHA-256.
// VoiceReport echoes this value, so a receipt for a long key is matched by CallId or by
// recomputing this function.
func AliyunVoiceOutID(key string) string {
	if len(key) <= aliyunVoiceOutID {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:aliyunVoiceOutID]
}

// aliyunNumber is the recipient as Aliyun wants it: mainland numbers without +86 (the
// documented form), others as country code + number without the +.
func aliyunNumber(e164 string, voice bool) (string, error) {
	if !strings.HasPrefix(e164, "+") || len(e164) < 8 {
		return "", Permanent(ScopeMessage, "invalid_address", "the recipient is not an E.164 number")
	}
	if strings.HasPrefix(e164, "+86") {
		return e164[3:], nil
	}
	if voice {
		return "", Permanent(ScopeMessage, "invalid_address", "aliyun voice calls reach mainland China numbers only")
	}
	return e164[1:], nil
}

// Send implements Sender.
func (a *aliyun) Send(ctx context.Context, m Message) (Result, error) {
	t, ok := a.cfg.Templates[m.Template]
	if !ok {
		return Result{}, Permanent(ScopeProvider, "template", fmt.Sprintf("template %s has no code for this provider", m.Template))
	}
	number, err := aliyunNumber(m.To, a.voice)
	if err != nil {
		return Result{}, err
	}
	vars := make(map[string]string, len(t.Params))
	for variable, key := range t.Params {
		v, err := templateParam(m, key)
		if err != nil {
			return Result{}, err
		}
		vars[variable] = v
	}
	params := map[string]string{a.numField: number}
	if len(vars) > 0 {
		b, err := json.Marshal(vars)
		if err != nil {
			return Result{}, Permanent(ScopeMessage, "encode", err.Error())
		}
		if a.voice {
			params["TtsParam"] = string(b)
		} else {
			params["TemplateParam"] = string(b)
		}
	}
	if a.voice {
		params["TtsCode"] = t.Code
		if a.cfg.CalledShowNumber != "" {
			params["CalledShowNumber"] = a.cfg.CalledShowNumber
		}
		play := a.cfg.PlayTimes
		if play == 0 {
			play = 2
		}
		params["PlayTimes"] = fmt.Sprint(play)
		if m.Key != "" {
			params["OutId"] = AliyunVoiceOutID(m.Key)
		}
	} else {
		params["SignName"] = a.cfg.SignName
		params["TemplateCode"] = t.Code
		if m.Key != "" {
			params["OutId"] = m.Key
		}
	}

	status, hdr, body, err := a.request(ctx, a.action, a.version, params)
	if err != nil {
		return Result{}, err
	}
	var r map[string]any
	_ = json.Unmarshal(body, &r)
	code, _ := r["Code"].(string)
	msg, _ := r["Message"].(string)
	if status/100 == 2 && code == "OK" {
		id, _ := r[a.idField].(string)
		return Result{ProviderMessageID: id}, nil
	}
	if code == "" && status/100 == 2 {
		// A 200 we cannot read: the message may have gone (SendSms is not idempotent),
		// so the retry is the pipeline's call, as for a timeout.
		return Result{}, Temporary("bad_response", "unreadable "+a.action+" answer", 0)
	}
	if code == "" {
		e := HTTPStatus(status, scrub(string(body)))
		e.RetryAfter = retryAfter(hdr)
		return Result{}, e
	}
	e := AliyunError(status, code, msg)
	if e.Temporary {
		e.RetryAfter = retryAfter(hdr)
	}
	return Result{}, e
}

// request signs (ACS3-HMAC-SHA256) and sends one RPC call and returns the answer.
// RPC-style APIs take their parameters in the query ("in": "query" in the OpenAPI
// metadata); the body stays empty and is hashed as such.
func (a *aliyun) request(ctx context.Context, action, version string, params map[string]string) (int, http.Header, []byte, error) {
	query := acs3Query(params)
	u := *a.base
	u.Path += "/"
	u.RawQuery = query
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), nil)
	if err != nil {
		return 0, nil, nil, Permanent(ScopeProvider, "config", scrub(err.Error()))
	}
	nonce, err := aliyunNonce()
	if err != nil {
		return 0, nil, nil, Temporary("nonce", err.Error(), 0)
	}
	headers := map[string]string{
		"host":                  u.Host,
		"x-acs-action":          action,
		"x-acs-version":         version,
		"x-acs-date":            a.now().UTC().Format(aliyunDateLayout),
		"x-acs-signature-nonce": nonce,
		"x-acs-content-sha256":  hexSHA256(nil),
	}
	for k, v := range headers {
		if k != "host" {
			req.Header.Set(k, v)
		}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", acs3Authorization(http.MethodPost, "/", query, headers, hexSHA256(nil), a.keyID, a.secret))
	return do(a.http, req)
}

// AliyunError classifies an Aliyun error code. Business errors (isv.*) come with HTTP
// 200, gateway errors (signature, key, throttling) with 4xx/5xx; the code decides, and
// an unknown code falls back to the HTTP status, or to the message for a 200.
func AliyunError(status int, code, msg string) *Error {
	msg = scrub(msg)
	switch {
	case code == "isv.BUSINESS_LIMIT_CONTROL",
		strings.HasPrefix(code, "Throttling"),
		code == "ServiceUnavailable",
		code == "InternalError",
		code == "isp.SYSTEM_ERROR",
		code == "SignatureNonceUsed": // a fresh nonce on retry fixes it
		return Temporary(code, msg, 0)
	case strings.HasPrefix(code, "InvalidAccessKeyId"),
		code == "SignatureDoesNotMatch",
		code == "IncompleteSignature",
		strings.HasPrefix(code, "InvalidTimeStamp"), // our clock: retrying will not fix it
		strings.HasPrefix(code, "Forbidden"),
		code == "isp.RAM_PERMISSION_DENY",
		code == "isv.SMS_TEMPLATE_ILLEGAL",
		code == "isv.SMS_SIGNATURE_ILLEGAL",
		code == "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
		code == "isv.TEMPLATE_MISSING_PARAMETERS",
		code == "isv.AMOUNT_NOT_ENOUGH",
		code == "isv.OUT_OF_SERVICE",
		code == "isv.ACCOUNT_NOT_EXISTS",
		code == "isv.ACCOUNT_ABNORMAL",
		code == "isv.PRODUCT_UN_SUBSCRIPT",
		code == "isv.PRODUCT_UNSUBSCRIBE",
		code == "isv.DAY_LIMIT_CONTROL": // the account's own daily cap: fail over

		return Permanent(ScopeProvider, code, msg)
	case code == "isv.MOBILE_NUMBER_ILLEGAL",
		code == "isv.BLACK_KEY_CONTROL_LIMIT",
		code == "isv.MOBILE_COUNT_OVER_LIMIT",
		code == "isv.PARAM_LENGTH_LIMIT",
		code == "isv.PARAM_NOT_SUPPORT_URL",
		code == "isv.INVALID_PARAMETERS",
		code == "isv.INVALID_JSON_PARAM":
		return Permanent(ScopeMessage, code, msg)
	}
	if status/100 == 2 {
		return Permanent(ScopeMessage, code, msg)
	}
	e := HTTPStatus(status, msg)
	e.Code = code
	return e
}

// acs3Query builds the canonical query string: names sorted, names and values
// percent-encoded per RFC 3986 (space as %20, * as %2A, ~ kept).
func acs3Query(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(acs3Escape(k))
		b.WriteByte('=')
		b.WriteString(acs3Escape(params[k]))
	}
	return b.String()
}

// acs3Escape percent-encodes per RFC 3986 as ACS3 wants it. url.QueryEscape already
// keeps -_.~ and escapes *; only its + for space differs.
func acs3Escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// acs3CanonicalRequest is ACS3's CanonicalRequest; headers are lower-case names (host,
// x-acs-*, content-type) to values, all of them signed.
func acs3CanonicalRequest(method, uri, query string, headers map[string]string, payloadHash string) (string, string) {
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, strings.ToLower(k))
	}
	sort.Strings(names)
	lower := make(map[string]string, len(headers))
	for k, v := range headers {
		lower[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	var ch strings.Builder
	for _, n := range names {
		ch.WriteString(n + ":" + lower[n] + "\n")
	}
	signed := strings.Join(names, ";")
	return method + "\n" + uri + "\n" + query + "\n" + ch.String() + "\n" + signed + "\n" + payloadHash, signed
}

// acs3Authorization returns the Authorization header value of an ACS3-HMAC-SHA256 request.
func acs3Authorization(method, uri, query string, headers map[string]string, payloadHash, keyID, secret string) string {
	canonical, signed := acs3CanonicalRequest(method, uri, query, headers, payloadHash)
	toSign := acs3Algorithm + "\n" + hexSHA256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(toSign))
	return acs3Algorithm + " Credential=" + keyID + ",SignedHeaders=" + signed + ",Signature=" + hex.EncodeToString(mac.Sum(nil))
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func aliyunNonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// aliyunAnswer is the answer every Aliyun HTTP batch push expects; a non-200 or a
// timeout makes Aliyun push again after 1, 5 and 10 minutes.
var aliyunAnswer = jsonAnswer(`{"code":0,"msg":"接收成功"}`)

// aliyunSMSItem holds the fields of both SmsReport and SmsUp pushes.
type aliyunSMSItem struct {
	PhoneNumber string  `json:"phone_number"`
	SendTime    string  `json:"send_time"`
	ReportTime  string  `json:"report_time"`
	Success     *bool   `json:"success"`
	ErrCode     string  `json:"err_code"`
	ErrMsg      string  `json:"err_msg"`
	BizID       string  `json:"biz_id"`
	OutID       string  `json:"out_id"`
	Content     *string `json:"content"`
}

// aliyunSMSCallback parses an SmsReport (receipts: success/biz_id/out_id) or SmsUp
// (replies: content) push. Both are JSON arrays, told apart per item by their fields so
// one URL can receive both. Aliyun does not sign these pushes: the route must carry a
// secret path segment.
func aliyunSMSCallback(_ json.RawMessage, _ *http.Request, body []byte) ([]Event, Answer, error) {
	var items []aliyunSMSItem
	if err := json.Unmarshal(bytes.TrimSpace(body), &items); err != nil {
		return nil, Answer{}, fmt.Errorf("aliyun sms push: not a JSON array: %w", err)
	}
	events := make([]Event, 0, len(items))
	for _, it := range items {
		switch {
		case it.Success != nil || it.BizID != "":
			ev := Event{Key: it.OutID, ProviderMessageID: it.BizID, Status: EventDelivered, At: parseChinaTime(it.ReportTime)}
			if it.Success == nil || !*it.Success {
				ev.Status = EventFailed
				ev.Error = scrub(strings.TrimSpace(it.ErrCode + " " + it.ErrMsg))
			}
			events = append(events, ev)
		case it.Content != nil:
			// SmsUp has no BizId: the reply is matched to a delivery by number and time.
			events = append(events, Event{Status: EventReply, From: normalizeCN(it.PhoneNumber), Text: *it.Content, At: parseChinaTime(it.SendTime)})
		default:
			return nil, Answer{}, fmt.Errorf("aliyun sms push: an item is neither a receipt nor a reply")
		}
	}
	return events, aliyunAnswer, nil
}

// aliyunVoiceItem holds the VoiceReport fields we use.
type aliyunVoiceItem struct {
	CallID        string `json:"call_id"`
	StatusCode    string `json:"status_code"`
	StatusMsg     string `json:"status_msg"`
	OutID         string `json:"out_id"`
	EndTime       string `json:"end_time"`
	OriginateTime string `json:"originate_time"`
	StatusTime    string `json:"status_time"`
}

// aliyunAnswered are the VoiceReport status codes of a call the callee picked up:
// listened to the end, hung up early, or did not press a key in time.
var aliyunAnswered = map[string]bool{"200000": true, "200001": true, "200008": true}

// aliyunVoiceCallback parses a VoiceReport push (one record per finished call).
// VoiceCallReport records (intermediate states, with status_time and no call record
// fields) are acknowledged and skipped: only the final record says answered or not.
func aliyunVoiceCallback(_ json.RawMessage, _ *http.Request, body []byte) ([]Event, Answer, error) {
	var items []aliyunVoiceItem
	if err := json.Unmarshal(bytes.TrimSpace(body), &items); err != nil {
		return nil, Answer{}, fmt.Errorf("aliyun voice push: not a JSON array: %w", err)
	}
	events := make([]Event, 0, len(items))
	for _, it := range items {
		if it.CallID == "" && it.OutID == "" {
			return nil, Answer{}, fmt.Errorf("aliyun voice push: an item has neither call_id nor out_id")
		}
		if it.StatusTime != "" && it.EndTime == "" && it.OriginateTime == "" {
			continue
		}
		at := parseChinaTime(it.EndTime)
		if at.IsZero() {
			at = parseChinaTime(it.OriginateTime)
		}
		ev := Event{Key: it.OutID, ProviderMessageID: it.CallID, Status: EventDelivered, At: at}
		if !aliyunAnswered[it.StatusCode] {
			ev.Status = EventFailed
			ev.Error = scrub(strings.TrimSpace(it.StatusCode + " " + it.StatusMsg))
		}
		events = append(events, ev)
	}
	return events, aliyunAnswer, nil
}
