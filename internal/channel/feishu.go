package channel

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// FeishuBaseURL is the Feishu (飞书) open API endpoint; Lark uses https://open.larksuite.com.
const FeishuBaseURL = "https://open.feishu.cn"

// feishuMaxBody is the documented limit of a custom bot request body.
const feishuMaxBody = 20000

// feishuMaxUUID is the longest dedupe key Feishu accepts in a message's uuid field.
const feishuMaxUUID = 50

// Urgent (加急) modes for FeishuAppSender.Urgent. SMS and phone consume the tenant's paid
// quota.
const (
	FeishuUrgentApp   = "urgent_app"   // a buzz inside the Feishu client
	FeishuUrgentSMS   = "urgent_sms"   // the client and an SMS
	FeishuUrgentPhone = "urgent_phone" // the client and a phone call
)

// FeishuBot posts to a Feishu group's custom bot, signed (签名校验): 100 messages a
// minute and 5 a second per bot.
var FeishuBot = register(Kind{
	Name: "feishu_bot", Media: MediaFeishu, Concurrency: 8, Group: true,
	Account: []Limit{{N: 100, Per: time.Minute}, {N: 5, Per: time.Second}},
	New:     newFeishuBot,
})

// FeishuApp sends messages to a user (open_id) as a self-built app's bot. Its New
// returns a *FeishuAppSender, which can also escalate a sent message (Urgent).
var FeishuApp = register(Kind{
	Name: "feishu_app", Media: MediaFeishu, Concurrency: 16,
	// The send API allows 1000 a minute and 50 a second per app, 5 a second per user.
	Account:    []Limit{{N: 1000, Per: time.Minute}, {N: 50, Per: time.Second}},
	PerAddress: []Limit{{N: 5, Per: time.Second}},
	New:        newFeishuApp,
	Callback:   feishuEventCallback,
})

// FeishuBotConfig configures a feishu_bot provider.
type FeishuBotConfig struct {
	BaseURL string `json:"base_url,omitempty"` // default FeishuBaseURL
	Token   string `json:"token"`              // the webhook's last path segment
	Secret  string `json:"secret"`             // the signing secret
}

// FeishuAppConfig configures a feishu_app provider.
type FeishuAppConfig struct {
	BaseURL   string `json:"base_url,omitempty"` // default FeishuBaseURL
	AppID     string `json:"app_id"`
	AppSecret string `json:"app_secret"`
	// EncryptKey and VerificationToken are the app's event subscription (事件订阅)
	// settings. With them, a user's reply to the bot ("1", "2", "收到", event
	// im.message.receive_v1) acknowledges like an SMS reply. The Encrypt Key encrypts
	// and signs the pushes and is recommended; the token alone only identifies them.
	EncryptKey        string `json:"encrypt_key,omitempty"`
	VerificationToken string `json:"verification_token,omitempty"`
}

// feishuAnswer is the union of Feishu's answers.
type feishuAnswer struct {
	Code              *int   `json:"code"`
	Msg               string `json:"msg"`
	TenantAccessToken string `json:"tenant_access_token"`
	Expire            int    `json:"expire"`
	Data              struct {
		MessageID         string   `json:"message_id"`
		InvalidUserIDList []string `json:"invalid_user_id_list"`
	} `json:"data"`
}

// feishuText is a text message's content.
type feishuText struct {
	Text string `json:"text"`
}

// feishuBotBody is the custom bot's body.
type feishuBotBody struct {
	Timestamp string     `json:"timestamp"`
	Sign      string     `json:"sign"`
	MsgType   string     `json:"msg_type"`
	Content   feishuText `json:"content"`
}

// feishuMessageBody is the im/v1/messages body; content is a JSON document in a string.
type feishuMessageBody struct {
	ReceiveID string `json:"receive_id"`
	MsgType   string `json:"msg_type"`
	Content   string `json:"content"`
	UUID      string `json:"uuid,omitempty"`
}

type feishuBot struct {
	base   string
	token  string
	secret string
	http   *http.Client
	now    func() time.Time
}

// FeishuAppSender is the feishu_app sender.
type FeishuAppSender struct {
	base   string
	appID  string
	secret string
	http   *http.Client
	token  *imToken
}

func newFeishuBot(cfg json.RawMessage, d Deps) (Sender, error) {
	var c FeishuBotConfig
	if err := decodeConfig(cfg, &c); err != nil {
		return nil, err
	}
	base, err := imBaseURL(c.BaseURL, FeishuBaseURL)
	if err != nil {
		return nil, err
	}
	if !wecomPlain(c.Token) || strings.ContainsAny(c.Token, "/?#%") {
		return nil, fmt.Errorf("token: the bot's webhook token (the last part of its URL) is required")
	}
	// Unsigned bots are refused: anyone holding the webhook URL could post alerts.
	if !wecomPlain(c.Secret) {
		return nil, fmt.Errorf("secret: the bot's signing secret is required (enable 签名校验)")
	}
	client, now := imDeps(d)
	return &feishuBot{base: base, token: c.Token, secret: c.Secret, http: client, now: now}, nil
}

func newFeishuApp(cfg json.RawMessage, d Deps) (Sender, error) {
	var c FeishuAppConfig
	if err := decodeConfig(cfg, &c); err != nil {
		return nil, err
	}
	return newFeishuAppSender(c, d)
}

// newFeishuAppSender validates an app configuration and returns its sender.
func newFeishuAppSender(c FeishuAppConfig, d Deps) (*FeishuAppSender, error) {
	base, err := imBaseURL(c.BaseURL, FeishuBaseURL)
	if err != nil {
		return nil, err
	}
	if !wecomPlain(c.AppID) {
		return nil, fmt.Errorf("app_id: the app's App ID (cli_…) is required")
	}
	if !wecomPlain(c.AppSecret) {
		return nil, fmt.Errorf("app_secret: the app's App Secret is required")
	}
	if c.EncryptKey != "" && !wecomPlain(c.EncryptKey) {
		return nil, fmt.Errorf("encrypt_key: the event subscription's Encrypt Key, without spaces")
	}
	if c.VerificationToken != "" && !wecomPlain(c.VerificationToken) {
		return nil, fmt.Errorf("verification_token: the event subscription's Verification Token, without spaces")
	}
	client, now := imDeps(d)
	return &FeishuAppSender{base: base, appID: c.AppID, secret: c.AppSecret, http: client, token: newIMToken(now)}, nil
}

// FeishuSign returns the custom bot signature of a timestamp in seconds:
// base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty)) — key and message
// the reverse of DingTalk's.
func FeishuSign(secret string, timestamp int64) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(timestamp, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// feishuDecode parses a Feishu answer. Feishu reports business errors with a JSON code,
// often under HTTP 400; only an answer without a code is classified by its HTTP status.
func feishuDecode(status int, b []byte, secrets ...string) (feishuAnswer, *Error) {
	var a feishuAnswer
	if err := json.Unmarshal(b, &a); err != nil || a.Code == nil {
		if status/100 != 2 {
			return a, HTTPStatus(status, imScrub(string(b), secrets...))
		}
		return a, Temporary("protocol", "unexpected answer from Feishu", 0)
	}
	return a, nil
}

// feishuTokenExpired reports a code that rejects the tenant_access_token.
func feishuTokenExpired(code int) bool {
	return code == 99991663 || code == 99991661 || code == 99991668
}

// feishuClassify turns a Feishu code into an *Error.
func feishuClassify(status, code int, msg string, secrets ...string) *Error {
	c := strconv.Itoa(code)
	msg = imScrub(msg, secrets...)
	switch {
	case code == 11232 || code == 99991400 || code == 230020 || status == http.StatusTooManyRequests:
		return Temporary(c, msg, 0) // rate limited
	case status >= 500 || feishuTokenExpired(code):
		return Temporary(c, msg, 0)
	}
	switch code {
	case 19021, 19022, 19024, 19001, 230006, 99991401, 99991672, 99991679, 10003, 10014:
		// bad signature or timestamp, IP not allowed, keyword missing, bad webhook,
		// bot ability off, app IP allowlist, permission not granted, bad app credentials
		return Permanent(ScopeProvider, c, msg)
	default: // 9499 bad request, 230001 invalid receive_id, 230013 user outside the app's range …
		return Permanent(ScopeMessage, c, msg)
	}
}

// Send posts a signed text to the group. A recipient given as an open_id (ou_…) is
// mentioned; a bot cannot mention by phone number.
func (b *feishuBot) Send(ctx context.Context, m Message) (Result, error) {
	tail := imTail(m.AckURL)
	if to := strings.TrimSpace(m.To); to != "" {
		if !strings.HasPrefix(to, "ou_") || !wecomPlain(to) || strings.ContainsAny(to, `"<>`) {
			return Result{}, Permanent(ScopeMessage, "recipient", "a Feishu open_id (ou_…) is required to mention someone")
		}
		tail = ` <at user_id="` + to + `"></at>` + tail
	}
	ts := b.now().Unix()
	sign := FeishuSign(b.secret, ts)
	body, err := imFitBody(m.Text, tail, feishuMaxBody, func(content string) any {
		return feishuBotBody{Timestamp: strconv.FormatInt(ts, 10), Sign: sign, MsgType: "text", Content: feishuText{Text: content}}
	})
	if err != nil {
		return Result{}, Permanent(ScopeMessage, "encode", "cannot encode the message")
	}
	status, rb, err := imRequest(ctx, b.http, http.MethodPost, b.base+"/open-apis/bot/v2/hook/"+url.PathEscape(b.token), body, nil)
	if err != nil {
		return Result{}, err
	}
	ans, e := feishuDecode(status, rb, b.token, b.secret, m.To)
	if e != nil {
		return Result{}, e
	}
	if *ans.Code != 0 {
		return Result{}, feishuClassify(status, *ans.Code, ans.Msg, b.token, b.secret, m.To)
	}
	return Result{}, nil
}

// fetchToken gets a tenant_access_token for the self-built app.
func (a *FeishuAppSender) fetchToken(ctx context.Context) (string, time.Duration, error) {
	body, err := imJSON(map[string]string{"app_id": a.appID, "app_secret": a.secret})
	if err != nil {
		return "", 0, err
	}
	status, b, err := imRequest(ctx, a.http, http.MethodPost, a.base+"/open-apis/auth/v3/tenant_access_token/internal", body, nil)
	if err != nil {
		return "", 0, err
	}
	ans, e := feishuDecode(status, b, a.secret)
	if e != nil {
		return "", 0, e
	}
	if *ans.Code != 0 {
		e := feishuClassify(status, *ans.Code, ans.Msg, a.secret)
		if !e.Temporary {
			e.Scope = ScopeProvider // no token: nothing can be sent through this app
		}
		return "", 0, e
	}
	return ans.TenantAccessToken, time.Duration(ans.Expire) * time.Second, nil
}

// call makes one authorized API call, refreshing a rejected token and retrying once.
func (a *FeishuAppSender) call(ctx context.Context, method, pathQuery string, body []byte, secrets ...string) (feishuAnswer, error) {
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := a.token.get(ctx, stale, a.fetchToken)
		if err != nil {
			return feishuAnswer{}, err
		}
		h := http.Header{"Authorization": {"Bearer " + tok}}
		status, b, err := imRequest(ctx, a.http, method, a.base+pathQuery, body, h)
		if err != nil {
			return feishuAnswer{}, err
		}
		scrub := append([]string{tok}, secrets...)
		ans, e := feishuDecode(status, b, scrub...)
		if e != nil {
			return ans, e
		}
		if feishuTokenExpired(*ans.Code) && attempt == 0 {
			stale = tok
			continue
		}
		if *ans.Code != 0 {
			return ans, feishuClassify(status, *ans.Code, ans.Msg, scrub...)
		}
		return ans, nil
	}
}

// feishuUUID maps a delivery key onto Feishu's dedupe field (at most 50 characters),
// deterministically, so that a retry within the hour is not delivered twice.
func feishuUUID(key string) string {
	if len(key) <= feishuMaxUUID {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "ll-" + hex.EncodeToString(sum[:])[:feishuMaxUUID-3]
}

// Send sends a text message to one user (open_id) and returns Feishu's message_id,
// which Urgent needs.
func (a *FeishuAppSender) Send(ctx context.Context, m Message) (Result, error) {
	to := strings.TrimSpace(m.To)
	if !wecomPlain(to) || len(to) > 128 {
		return Result{}, Permanent(ScopeMessage, "recipient", "a Feishu open_id is required")
	}
	content, err := imJSON(feishuText{Text: m.Text + imTail(m.AckURL)})
	if err != nil {
		return Result{}, Permanent(ScopeMessage, "encode", "cannot encode the message")
	}
	body, err := imJSON(feishuMessageBody{ReceiveID: to, MsgType: "text", Content: string(content), UUID: feishuUUID(m.Key)})
	if err != nil {
		return Result{}, Permanent(ScopeMessage, "encode", "cannot encode the message")
	}
	ans, err := a.call(ctx, http.MethodPost, "/open-apis/im/v1/messages?receive_id_type=open_id", body, to)
	if err != nil {
		return Result{}, err
	}
	return Result{ProviderMessageID: ans.Data.MessageID}, nil
}

// Urgent escalates a message the app sent (messageID from Send) to the given open_ids
// in the client (FeishuUrgentApp), by SMS or by phone. It returns the open_ids Feishu
// could not buzz.
func (a *FeishuAppSender) Urgent(ctx context.Context, messageID string, openIDs []string, mode string) ([]string, error) {
	switch mode {
	case FeishuUrgentApp, FeishuUrgentSMS, FeishuUrgentPhone:
	default:
		return nil, Permanent(ScopeMessage, "urgent_mode", "the urgent mode must be urgent_app, urgent_sms or urgent_phone")
	}
	if messageID == "" || len(openIDs) == 0 {
		return nil, Permanent(ScopeMessage, "urgent", "a message_id and at least one open_id are required")
	}
	body, err := imJSON(map[string][]string{"user_id_list": openIDs})
	if err != nil {
		return nil, Permanent(ScopeMessage, "encode", "cannot encode the request")
	}
	path := "/open-apis/im/v1/messages/" + url.PathEscape(messageID) + "/" + mode + "?user_id_type=open_id"
	ans, err := a.call(ctx, http.MethodPatch, path, body, openIDs...)
	if err != nil {
		return nil, err
	}
	return ans.Data.InvalidUserIDList, nil
}
