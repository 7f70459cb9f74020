package channel

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DingTalkBaseURL is the DingTalk (钉钉) open API endpoint.
const DingTalkBaseURL = "https://oapi.dingtalk.com"

// dingtalkMaxBody is the documented limit of a robot request body, in bytes.
const dingtalkMaxBody = 20000

// dingtalkBlocked is how long DingTalk blocks a robot that exceeded 20 messages a minute.
const dingtalkBlocked = 10 * time.Minute

// DingTalkRobot posts to a DingTalk group's custom robot, signed ("加签"). Exceeding 20
// messages a minute blocks the robot for 10 minutes, so the limit must hold.
var DingTalkRobot = register(Kind{
	Name: "dingtalk_robot", Media: MediaDingTalk, Concurrency: 8, Group: true,
	Account: []Limit{{N: 20, Per: time.Minute}},
	New:     newDingTalkRobot,
})

// DingTalkWorkNotice sends a work notice (工作通知) to one user through a self-built app.
var DingTalkWorkNotice = register(Kind{
	Name: "dingtalk_work_notice", Media: MediaDingTalk, Concurrency: 16,
	// DingTalk accepts at most 500 work notices per app per user and day (and drops an
	// identical content sent to the same user twice in one day).
	PerAddress: []Limit{{N: 500, Per: 24 * time.Hour}},
	New:        newDingTalkWorkNotice,
	// The app's robot (HTTP 模式) pushes what users write to it: replies acknowledge.
	Callback: dingtalkRobotCallback,
})

// DingTalkRobotConfig configures a dingtalk_robot provider.
type DingTalkRobotConfig struct {
	BaseURL     string `json:"base_url,omitempty"` // default DingTalkBaseURL
	AccessToken string `json:"access_token"`       // from the webhook URL
	Secret      string `json:"secret"`             // the signing secret, "SEC…"
}

// DingTalkWorkNoticeConfig configures a dingtalk_work_notice provider.
type DingTalkWorkNoticeConfig struct {
	BaseURL   string `json:"base_url,omitempty"` // default DingTalkBaseURL
	AppKey    string `json:"app_key"`
	AppSecret string `json:"app_secret"`
	AgentID   int64  `json:"agent_id"`
}

// dingtalkAnswer is the union of the answers of robot/send, gettoken and asyncsend_v2.
type dingtalkAnswer struct {
	ErrCode     *int        `json:"errcode"`
	ErrMsg      string      `json:"errmsg"`
	SubCode     string      `json:"sub_code"`
	SubMsg      string      `json:"sub_msg"`
	AccessToken string      `json:"access_token"`
	ExpiresIn   int         `json:"expires_in"`
	TaskID      json.Number `json:"task_id"`
}

// dingtalkText is a text payload.
type dingtalkText struct {
	Content string `json:"content"`
}

// dingtalkAt lists who a robot message mentions.
type dingtalkAt struct {
	AtMobiles []string `json:"atMobiles,omitempty"`
	AtUserIDs []string `json:"atUserIds,omitempty"`
	IsAtAll   bool     `json:"isAtAll"`
}

// dingtalkRobotBody is the robot/send body.
type dingtalkRobotBody struct {
	MsgType string       `json:"msgtype"`
	Text    dingtalkText `json:"text"`
	At      dingtalkAt   `json:"at"`
}

// dingtalkNoticeMsg is the work notice's message.
type dingtalkNoticeMsg struct {
	MsgType string       `json:"msgtype"`
	Text    dingtalkText `json:"text"`
}

// dingtalkNoticeBody is the asyncsend_v2 body.
type dingtalkNoticeBody struct {
	AgentID    int64             `json:"agent_id"`
	UserIDList string            `json:"userid_list"`
	Msg        dingtalkNoticeMsg `json:"msg"`
}

type dingtalkRobot struct {
	base   string
	token  string
	secret string
	http   *http.Client
	now    func() time.Time
}

type dingtalkNotice struct {
	base   string
	key    string
	secret string
	agent  int64
	http   *http.Client
	token  *imToken
}

func newDingTalkRobot(cfg json.RawMessage, d Deps) (Sender, error) {
	var c DingTalkRobotConfig
	if err := decodeConfig(cfg, &c); err != nil {
		return nil, err
	}
	base, err := imBaseURL(c.BaseURL, DingTalkBaseURL)
	if err != nil {
		return nil, err
	}
	if !wecomPlain(c.AccessToken) {
		return nil, fmt.Errorf("access_token: the robot's access_token (from its webhook URL) is required")
	}
	// Unsigned robots are refused: anyone holding the webhook URL could post alerts.
	if !wecomPlain(c.Secret) || !strings.HasPrefix(c.Secret, "SEC") {
		return nil, fmt.Errorf("secret: the robot's signing secret (starting with SEC) is required")
	}
	client, now := imDeps(d)
	return &dingtalkRobot{base: base, token: c.AccessToken, secret: c.Secret, http: client, now: now}, nil
}

func newDingTalkWorkNotice(cfg json.RawMessage, d Deps) (Sender, error) {
	var c DingTalkWorkNoticeConfig
	if err := decodeConfig(cfg, &c); err != nil {
		return nil, err
	}
	base, err := imBaseURL(c.BaseURL, DingTalkBaseURL)
	if err != nil {
		return nil, err
	}
	if !wecomPlain(c.AppKey) {
		return nil, fmt.Errorf("app_key: the app's AppKey is required")
	}
	if !wecomPlain(c.AppSecret) {
		return nil, fmt.Errorf("app_secret: the app's AppSecret is required")
	}
	if c.AgentID <= 0 {
		return nil, fmt.Errorf("agent_id: the app's AgentId (a positive number) is required")
	}
	client, now := imDeps(d)
	return &dingtalkNotice{base: base, key: c.AppKey, secret: c.AppSecret, agent: c.AgentID, http: client, token: newIMToken(now)}, nil
}

// DingTalkSign returns the robot signature of a millisecond timestamp:
// base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)), before URL
// encoding.
func DingTalkSign(secret string, timestampMS int64) string {
	return dingtalkSign(secret, strconv.FormatInt(timestampMS, 10))
}

// dingtalkSign signs a timestamp as given: robot pushes are verified over the header's
// exact text.
func dingtalkSign(secret, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// dingtalkDecode parses a DingTalk answer; an answer without errcode is a protocol failure.
func dingtalkDecode(status int, b []byte, secrets ...string) (dingtalkAnswer, *Error) {
	var a dingtalkAnswer
	if err := json.Unmarshal(b, &a); err != nil || a.ErrCode == nil {
		if status/100 != 2 {
			return a, HTTPStatus(status, imScrub(string(b), secrets...))
		}
		return a, Temporary("protocol", "unexpected answer from DingTalk", 0)
	}
	return a, nil
}

// dingtalkTokenExpired reports an answer that rejects the access token as invalid or
// expired, either directly or as errcode 88 with the code in sub_code.
func dingtalkTokenExpired(a dingtalkAnswer) bool {
	switch *a.ErrCode {
	case 40014, 42001:
		return true
	case 88:
		return a.SubCode == "40014" || a.SubCode == "42001"
	}
	return false
}

// dingtalkClassify turns a DingTalk errcode into an *Error.
func dingtalkClassify(a dingtalkAnswer, secrets ...string) *Error {
	code := *a.ErrCode
	c := strconv.Itoa(code)
	msg := a.ErrMsg
	if a.SubMsg != "" {
		c += "/" + a.SubCode
		msg = a.SubMsg
	}
	msg = imScrub(msg, secrets...)
	if dingtalkTokenExpired(a) { // still rejected after a refresh
		return Temporary(c, msg, 0)
	}
	switch code {
	case 130101: // too fast: the robot is now blocked for 10 minutes
		return Temporary(c, msg, dingtalkBlocked)
	case -1, 410100, 90002, 90018, 90019: // busy, throttled
		return Temporary(c, msg, 0)
	case 60020:
		return Permanent(ScopeProvider, c, "the server's IP address is not on the DingTalk app's IP allowlist")
	case 310000, 300001, 300005, 400102, 40001, 40089, 33001, 60011, 88:
		// security check (keyword, sign, IP), unknown or disabled robot, bad app
		// credentials, no permission
		return Permanent(ScopeProvider, c, msg)
	default:
		return Permanent(ScopeMessage, c, msg)
	}
}

// Send posts a signed text to the group. A recipient (E.164 mobile or DingTalk userid) is
// mentioned: DingTalk notifies the member only when the mobile or userid is both in the
// "at" list and written as @… in the text.
func (r *dingtalkRobot) Send(ctx context.Context, m Message) (Result, error) {
	at := dingtalkAt{}
	tail := imTail(m.AckURL)
	mobile := ""
	if to := strings.TrimSpace(m.To); to != "" {
		var ok bool
		if mobile, ok = imMobile(to); ok {
			at.AtMobiles = []string{mobile}
			tail = " @" + mobile + tail
		} else if wecomPlain(to) && len(to) <= 64 && !strings.Contains(to, ",") {
			at.AtUserIDs = []string{to} // a DingTalk userid, mentioned the same way
			tail = " @" + to + tail
		} else {
			return Result{}, Permanent(ScopeMessage, "recipient", "a mobile number in E.164 or a DingTalk userid is required")
		}
	}
	body, err := imFitBody(m.Text, tail, dingtalkMaxBody, func(content string) any {
		return dingtalkRobotBody{MsgType: "text", Text: dingtalkText{Content: content}, At: at}
	})
	if err != nil {
		return Result{}, Permanent(ScopeMessage, "encode", "cannot encode the message")
	}
	ts := r.now().UnixMilli()
	q := url.Values{
		"access_token": {r.token},
		"timestamp":    {strconv.FormatInt(ts, 10)},
		"sign":         {DingTalkSign(r.secret, ts)}, // Encode URL-encodes it, as documented
	}
	status, b, err := imRequest(ctx, r.http, http.MethodPost, r.base+"/robot/send?"+q.Encode(), body, nil)
	if err != nil {
		return Result{}, err
	}
	ans, e := dingtalkDecode(status, b, r.token, r.secret, m.To, mobile)
	if e != nil {
		return Result{}, e
	}
	if *ans.ErrCode != 0 {
		return Result{}, dingtalkClassify(ans, r.token, r.secret, m.To, mobile)
	}
	return Result{}, nil
}

// fetchToken calls gettoken with the app's key and secret.
func (n *dingtalkNotice) fetchToken(ctx context.Context) (string, time.Duration, error) {
	q := url.Values{"appkey": {n.key}, "appsecret": {n.secret}}
	status, b, err := imRequest(ctx, n.http, http.MethodGet, n.base+"/gettoken?"+q.Encode(), nil, nil)
	if err != nil {
		return "", 0, err
	}
	ans, e := dingtalkDecode(status, b, n.secret)
	if e != nil {
		return "", 0, e
	}
	if *ans.ErrCode != 0 {
		return "", 0, dingtalkClassify(ans, n.secret)
	}
	return ans.AccessToken, time.Duration(ans.ExpiresIn) * time.Second, nil
}

// Send sends a text work notice to one user. The task_id DingTalk returns is the
// provider's message id (the notice is delivered asynchronously); a rejected token is
// refreshed and the send retried once.
func (n *dingtalkNotice) Send(ctx context.Context, m Message) (Result, error) {
	to := strings.TrimSpace(m.To)
	if !wecomPlain(to) || len(to) > 64 || strings.Contains(to, ",") {
		return Result{}, Permanent(ScopeMessage, "recipient", "one DingTalk userid is required")
	}
	body, err := imJSON(dingtalkNoticeBody{
		AgentID: n.agent, UserIDList: to,
		Msg: dingtalkNoticeMsg{MsgType: "text", Text: dingtalkText{Content: m.Text + imTail(m.AckURL)}},
	})
	if err != nil {
		return Result{}, Permanent(ScopeMessage, "encode", "cannot encode the message")
	}
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := n.token.get(ctx, stale, n.fetchToken)
		if err != nil {
			return Result{}, err
		}
		q := url.Values{"access_token": {tok}}
		status, b, err := imRequest(ctx, n.http, http.MethodPost, n.base+"/topapi/message/corpconversation/asyncsend_v2?"+q.Encode(), body, nil)
		if err != nil {
			return Result{}, err
		}
		ans, e := dingtalkDecode(status, b, tok, to)
		if e != nil {
			return Result{}, e
		}
		if dingtalkTokenExpired(ans) && attempt == 0 {
			stale = tok
			continue
		}
		if *ans.ErrCode != 0 {
			return Result{}, dingtalkClassify(ans, tok, to)
		}
		return Result{ProviderMessageID: ans.TaskID.String()}, nil
	}
}
