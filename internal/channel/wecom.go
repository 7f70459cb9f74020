package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// WeComBaseURL is the WeCom (企业微信) API endpoint.
const WeComBaseURL = "https://qyapi.weixin.qq.com"

// wecomMaxText is the documented limit of a text message's content, in bytes: beyond it
// WeCom cuts the text itself, which would lose the ack link at the end.
const wecomMaxText = 2048

// wecomIPMessage is what an administrator must be told on error 60020: the fix is in
// the WeCom admin console, not in our configuration.
const wecomIPMessage = "the server's IP address is not on the WeCom app's trusted IP list"

// WeComApp sends app messages to a WeCom member (userid) through a self-built app. WeCom
// drops silently what exceeds 30 messages per member per minute and 1000 per hour.
var WeComApp = register(Kind{
	Name: "wecom_app", Media: MediaWeCom, Concurrency: 16,
	PerAddress: []Limit{{N: 30, Per: time.Minute}, {N: 1000, Per: time.Hour}},
	New:        newWeComApp,
	Callback:   wecomAppCallback,
})

// WeComRobot posts to a WeCom group robot (webhook key); at most 20 messages a minute.
var WeComRobot = register(Kind{
	Name: "wecom_robot", Media: MediaWeCom, Concurrency: 8, Group: true,
	Account: []Limit{{N: 20, Per: time.Minute}},
	New:     newWeComRobot,
})

// WeComAppConfig configures a wecom_app provider.
type WeComAppConfig struct {
	BaseURL    string `json:"base_url,omitempty"` // default WeComBaseURL
	CorpID     string `json:"corp_id"`
	CorpSecret string `json:"corp_secret"` // the app's Secret
	AgentID    int64  `json:"agent_id"`
	// CallbackToken and EncodingAESKey are the app's 接收消息 (API 接收) settings: the
	// Token that signs WeCom's pushes and the 43-character key that encrypts them. With
	// them, a member's reply to the app ("1", "2", "收到") acknowledges like an SMS reply.
	CallbackToken  string `json:"callback_token,omitempty"`
	EncodingAESKey string `json:"encoding_aes_key,omitempty"`
}

// WeComRobotConfig configures a wecom_robot provider.
type WeComRobotConfig struct {
	BaseURL string `json:"base_url,omitempty"` // default WeComBaseURL
	Key     string `json:"key"`                // the webhook's key: the robot's only secret
}

// wecomAnswer is the union of the answers of gettoken, message/send and webhook/send.
type wecomAnswer struct {
	ErrCode        *int   `json:"errcode"`
	ErrMsg         string `json:"errmsg"`
	AccessToken    string `json:"access_token"`
	ExpiresIn      int    `json:"expires_in"`
	InvalidUser    string `json:"invaliduser"`
	UnlicensedUser string `json:"unlicenseduser"`
	MsgID          string `json:"msgid"`
}

// wecomText is a text payload.
type wecomText struct {
	Content             string   `json:"content"`
	MentionedList       []string `json:"mentioned_list,omitempty"`
	MentionedMobileList []string `json:"mentioned_mobile_list,omitempty"`
}

// wecomAppBody is the message/send body.
type wecomAppBody struct {
	ToUser                 string    `json:"touser"`
	MsgType                string    `json:"msgtype"`
	AgentID                int64     `json:"agentid"`
	Text                   wecomText `json:"text"`
	EnableDuplicateCheck   int       `json:"enable_duplicate_check"`
	DuplicateCheckInterval int       `json:"duplicate_check_interval"`
}

// wecomRobotBody is the webhook/send body.
type wecomRobotBody struct {
	MsgType string    `json:"msgtype"`
	Text    wecomText `json:"text"`
}

type wecomApp struct {
	base   string
	corpID string
	secret string
	agent  int64
	http   *http.Client
	token  *imToken
}

type wecomRobot struct {
	base string
	key  string
	http *http.Client
}

func newWeComApp(cfg json.RawMessage, d Deps) (Sender, error) {
	var c WeComAppConfig
	if err := decodeConfig(cfg, &c); err != nil {
		return nil, err
	}
	base, err := imBaseURL(c.BaseURL, WeComBaseURL)
	if err != nil {
		return nil, err
	}
	if !wecomPlain(c.CorpID) {
		return nil, fmt.Errorf("corp_id: the WeCom CorpID is required")
	}
	if !wecomPlain(c.CorpSecret) {
		return nil, fmt.Errorf("corp_secret: the app's Secret is required")
	}
	if c.AgentID <= 0 {
		return nil, fmt.Errorf("agent_id: the app's AgentId (a positive number) is required")
	}
	if err := validateWeComCallback(c); err != nil {
		return nil, err
	}
	client, now := imDeps(d)
	return &wecomApp{base: base, corpID: c.CorpID, secret: c.CorpSecret, agent: c.AgentID, http: client, token: newIMToken(now)}, nil
}

func newWeComRobot(cfg json.RawMessage, d Deps) (Sender, error) {
	var c WeComRobotConfig
	if err := decodeConfig(cfg, &c); err != nil {
		return nil, err
	}
	base, err := imBaseURL(c.BaseURL, WeComBaseURL)
	if err != nil {
		return nil, err
	}
	if !wecomPlain(c.Key) {
		return nil, fmt.Errorf("key: the robot's webhook key is required (the part after key=)")
	}
	client, _ := imDeps(d)
	return &wecomRobot{base: base, key: c.Key, http: client}, nil
}

// wecomPlain reports whether a credential is present and free of spaces and controls
// (a pasted value with a newline would otherwise fail only at the first alert).
func wecomPlain(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// wecomUserID reports whether to is one WeCom userid. '|' would address several
// members and "@all" the whole company: one delivery is one person.
func wecomUserID(to string) bool {
	return wecomPlain(to) && len(to) <= 64 && !strings.ContainsAny(to, "|,") && to != "@all"
}

// wecomDecode parses a WeCom answer; an answer without errcode is a protocol failure.
func wecomDecode(status int, b []byte, secrets ...string) (wecomAnswer, *Error) {
	var a wecomAnswer
	if err := json.Unmarshal(b, &a); err != nil || a.ErrCode == nil {
		if status/100 != 2 {
			return a, HTTPStatus(status, imScrub(string(b), secrets...))
		}
		return a, Temporary("protocol", "unexpected answer from WeCom", 0)
	}
	return a, nil
}

// wecomClassify turns a WeCom errcode into an *Error.
func wecomClassify(code int, msg string, secrets ...string) *Error {
	c := fmt.Sprint(code)
	msg = imScrub(msg, secrets...)
	switch code {
	case -1: // system busy
		return Temporary(c, msg, 0)
	case 45009: // API frequency limit
		return Temporary(c, msg, 60*time.Second)
	case 40014, 42001: // token invalid or expired even after a refresh
		return Temporary(c, msg, 0)
	case 60020:
		return Permanent(ScopeProvider, c, wecomIPMessage)
	case 40001, 40013, 40056, 48002, 60011, 93000:
		// bad secret, bad corpid, bad agentid, API forbidden, no privilege, bad robot key
		return Permanent(ScopeProvider, c, msg)
	default: // 81013 (recipient invalid), 40003, 40031 … : this message
		return Permanent(ScopeMessage, c, msg)
	}
}

// fetchToken calls gettoken.
func (a *wecomApp) fetchToken(ctx context.Context) (string, time.Duration, error) {
	q := url.Values{"corpid": {a.corpID}, "corpsecret": {a.secret}}
	status, b, err := imRequest(ctx, a.http, http.MethodGet, a.base+"/cgi-bin/gettoken?"+q.Encode(), nil, nil)
	if err != nil {
		return "", 0, err
	}
	ans, e := wecomDecode(status, b, a.secret)
	if e != nil {
		return "", 0, e
	}
	if *ans.ErrCode != 0 {
		return "", 0, wecomClassify(*ans.ErrCode, ans.ErrMsg, a.secret)
	}
	return ans.AccessToken, time.Duration(ans.ExpiresIn) * time.Second, nil
}

// Send sends a text app message to one member; a token WeCom reports as invalid or
// expired (40014, 42001) is refreshed and the send retried once.
func (a *wecomApp) Send(ctx context.Context, m Message) (Result, error) {
	to := strings.TrimSpace(m.To)
	if !wecomUserID(to) {
		return Result{}, Permanent(ScopeMessage, "recipient", "one WeCom userid is required")
	}
	body, err := imJSON(wecomAppBody{
		ToUser: to, MsgType: "text", AgentID: a.agent,
		Text: wecomText{Content: imContent(m.Text, imTail(m.AckURL), wecomMaxText)},
		// WeCom drops an identical request body within the interval: a retry after a
		// lost answer does not reach the member twice.
		EnableDuplicateCheck: 1, DuplicateCheckInterval: 1800,
	})
	if err != nil {
		return Result{}, Permanent(ScopeMessage, "encode", "cannot encode the message")
	}
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := a.token.get(ctx, stale, a.fetchToken)
		if err != nil {
			return Result{}, err
		}
		q := url.Values{"access_token": {tok}}
		status, b, err := imRequest(ctx, a.http, http.MethodPost, a.base+"/cgi-bin/message/send?"+q.Encode(), body, nil)
		if err != nil {
			return Result{}, err
		}
		ans, e := wecomDecode(status, b, tok, to)
		if e != nil {
			return Result{}, e
		}
		code := *ans.ErrCode
		if (code == 40014 || code == 42001) && attempt == 0 {
			stale = tok
			continue
		}
		if code != 0 {
			return Result{}, wecomClassify(code, ans.ErrMsg, tok, to)
		}
		// With one recipient, a partial failure is a failure: WeCom still answers 0.
		if ans.InvalidUser != "" {
			return Result{}, Permanent(ScopeMessage, "invaliduser", "the member does not exist or is outside the app's visible range")
		}
		if ans.UnlicensedUser != "" {
			return Result{}, Permanent(ScopeMessage, "unlicenseduser", "the member has no WeCom interoperability license")
		}
		return Result{ProviderMessageID: ans.MsgID}, nil
	}
}

// Send posts a text to the group. A recipient given as E.164 is mentioned by mobile
// (mainland numbers without +86), any other as a WeCom userid.
func (r *wecomRobot) Send(ctx context.Context, m Message) (Result, error) {
	text := wecomText{Content: imContent(m.Text, imTail(m.AckURL), wecomMaxText)}
	mobile := ""
	if to := strings.TrimSpace(m.To); to != "" {
		var ok bool
		if mobile, ok = imMobile(to); ok {
			text.MentionedMobileList = []string{mobile}
		} else if wecomPlain(to) {
			text.MentionedList = []string{to}
		} else {
			return Result{}, Permanent(ScopeMessage, "recipient", "a mobile number or WeCom userid is required")
		}
	}
	body, err := imJSON(wecomRobotBody{MsgType: "text", Text: text})
	if err != nil {
		return Result{}, Permanent(ScopeMessage, "encode", "cannot encode the message")
	}
	q := url.Values{"key": {r.key}}
	status, b, err := imRequest(ctx, r.http, http.MethodPost, r.base+"/cgi-bin/webhook/send?"+q.Encode(), body, nil)
	if err != nil {
		return Result{}, err
	}
	ans, e := wecomDecode(status, b, r.key, m.To, mobile)
	if e != nil {
		return Result{}, e
	}
	if code := *ans.ErrCode; code != 0 {
		return Result{}, wecomClassify(code, ans.ErrMsg, r.key, m.To, mobile)
	}
	return Result{}, nil
}
