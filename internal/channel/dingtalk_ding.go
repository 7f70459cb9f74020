package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// DingTalkAPIURL is the endpoint of DingTalk's v1.0 APIs (DING, app tokens).
const DingTalkAPIURL = "https://api.dingtalk.com"

// DING kinds (remindType): in the app, by SMS, by phone. SMS and phone DINGs use the
// organization's paid DING quota; without it only in-app DINGs are sent.
const (
	DingTalkDingApp   = 1
	DingTalkDingSMS   = 2
	DingTalkDingPhone = 3
)

// DingTalkDing sends a DING (robot/ding/send, a DingTalk 专业版/专属版 API) to one user
// through the app's robot: the rung after a DingTalk message that went unanswered.
// DingTalk re-DINGs an unconfirmed recipient no sooner than 5 minutes, hence the
// per-address limit.
var DingTalkDing = register(Kind{
	Name: "dingtalk_ding", Media: MediaDingTalkDing, Concurrency: 8,
	Account:    []Limit{{N: 6000, Per: time.Minute}},
	PerAddress: []Limit{{N: 1, Per: 5 * time.Minute}},
	New:        newDingTalkDing,
	Callback:   dingtalkRobotCallback,
})

// DingTalkDingConfig configures a dingtalk_ding provider.
type DingTalkDingConfig struct {
	BaseURL    string `json:"base_url,omitempty"` // default DingTalkAPIURL
	AppKey     string `json:"app_key"`
	AppSecret  string `json:"app_secret"`
	RobotCode  string `json:"robot_code"`            // the app robot's RobotCode
	RemindType int    `json:"remind_type,omitempty"` // DingTalkDingApp (default), DingTalkDingSMS, DingTalkDingPhone
	CallVoice  string `json:"call_voice,omitempty"`  // phone DING voice, e.g. Standard_Female_Voice
}

// dingtalkDingBody is the robot/ding/send body.
type dingtalkDingBody struct {
	RobotCode          string   `json:"robotCode"`
	RemindType         int      `json:"remindType"`
	ReceiverUserIDList []string `json:"receiverUserIdList"`
	Content            string   `json:"content"`
	CallVoice          string   `json:"callVoice,omitempty"`
}

// dingtalkV1Answer is the union of the v1.0 answers: accessToken, robot/ding/send and
// the error body ({code, message}).
type dingtalkV1Answer struct {
	AccessToken string              `json:"accessToken"`
	ExpireIn    int                 `json:"expireIn"`
	OpenDingID  string              `json:"openDingId"`
	FailedList  map[string][]string `json:"failedList"`
	Code        string              `json:"code"`
	Message     string              `json:"message"`
}

type dingtalkDing struct {
	base   string
	key    string
	secret string
	robot  string
	remind int
	voice  string
	http   *http.Client
	token  *imToken
}

func newDingTalkDing(cfg json.RawMessage, d Deps) (Sender, error) {
	var c DingTalkDingConfig
	if err := decodeConfig(cfg, &c); err != nil {
		return nil, err
	}
	base, err := imBaseURL(c.BaseURL, DingTalkAPIURL)
	if err != nil {
		return nil, err
	}
	if !wecomPlain(c.AppKey) {
		return nil, fmt.Errorf("app_key: the app's AppKey is required")
	}
	if !wecomPlain(c.AppSecret) {
		return nil, fmt.Errorf("app_secret: the app's AppSecret is required")
	}
	if !wecomPlain(c.RobotCode) {
		return nil, fmt.Errorf("robot_code: the app robot's RobotCode is required")
	}
	if c.RemindType == 0 {
		c.RemindType = DingTalkDingApp
	}
	if c.RemindType < DingTalkDingApp || c.RemindType > DingTalkDingPhone {
		return nil, fmt.Errorf("remind_type: 1 (in the app), 2 (SMS) or 3 (phone)")
	}
	if c.CallVoice != "" && !wecomPlain(c.CallVoice) {
		return nil, fmt.Errorf("call_voice: a voice name such as Standard_Female_Voice")
	}
	client, now := imDeps(d)
	return &dingtalkDing{base: base, key: c.AppKey, secret: c.AppSecret, robot: c.RobotCode, remind: c.RemindType,
		voice: c.CallVoice, http: client, token: newIMToken(now)}, nil
}

// dingtalkV1Decode parses a v1.0 answer; on an error status without a JSON code the
// HTTP status classifies it.
func dingtalkV1Decode(status int, b []byte, secrets ...string) (dingtalkV1Answer, *Error) {
	var a dingtalkV1Answer
	if err := json.Unmarshal(b, &a); err != nil {
		if status/100 != 2 {
			return a, HTTPStatus(status, imScrub(string(b), secrets...))
		}
		return a, Temporary("protocol", "unexpected answer from DingTalk", 0)
	}
	if status/100 != 2 && a.Code == "" {
		return a, HTTPStatus(status, imScrub(a.Message, secrets...))
	}
	return a, nil
}

// dingtalkV1TokenRejected reports an answer that rejects the access token.
func dingtalkV1TokenRejected(status int, a dingtalkV1Answer) bool {
	return status == http.StatusUnauthorized || a.Code == "InvalidAuthentication"
}

// dingtalkV1Classify turns a v1.0 error answer into an *Error.
func dingtalkV1Classify(status int, a dingtalkV1Answer, secrets ...string) *Error {
	code, msg := a.Code, imScrub(a.Message, secrets...)
	switch {
	case code == "toomuch.msg":
		return Temporary(code, msg, time.Minute)
	case status == http.StatusTooManyRequests || status >= 500 || code == "system.error" ||
		strings.HasPrefix(code, "Throttling") || dingtalkV1TokenRejected(status, a):
		return Temporary(code, msg, 0)
	case code == "ding.serverquota.insufficient", code == "invalid.chatbotId",
		strings.HasPrefix(code, "Forbidden"), strings.HasPrefix(code, "invalidClient"),
		status == http.StatusForbidden:
		// no DING quota left, unknown robot, no permission, bad app credentials
		return Permanent(ScopeProvider, code, msg)
	default: // miss.staffId, ding.receivercount.limit, invalidParameter.* …
		return Permanent(ScopeMessage, code, msg)
	}
}

// fetchToken gets an app access token from /v1.0/oauth2/accessToken.
func (d *dingtalkDing) fetchToken(ctx context.Context) (string, time.Duration, error) {
	body, err := imJSON(map[string]string{"appKey": d.key, "appSecret": d.secret})
	if err != nil {
		return "", 0, Permanent(ScopeProvider, "encode", "cannot encode the token request")
	}
	status, b, err := imRequest(ctx, d.http, http.MethodPost, d.base+"/v1.0/oauth2/accessToken", body, nil)
	if err != nil {
		return "", 0, err
	}
	ans, e := dingtalkV1Decode(status, b, d.secret)
	if e != nil {
		return "", 0, e
	}
	if status/100 != 2 || ans.AccessToken == "" {
		e := dingtalkV1Classify(status, ans, d.secret)
		if !e.Temporary {
			e.Scope = ScopeProvider // no token: nothing can be sent through this app
		}
		return "", 0, e
	}
	return ans.AccessToken, time.Duration(ans.ExpireIn) * time.Second, nil
}

// Send DINGs one user (userid) with the message's text and acknowledgement link. The
// openDingId DingTalk returns is the provider's message id; a user DingTalk lists in
// failedList fails the message.
func (d *dingtalkDing) Send(ctx context.Context, m Message) (Result, error) {
	to := strings.TrimSpace(m.To)
	if !wecomPlain(to) || len(to) > 64 || strings.Contains(to, ",") {
		return Result{}, Permanent(ScopeMessage, "recipient", "one DingTalk userid is required")
	}
	body, err := imJSON(dingtalkDingBody{RobotCode: d.robot, RemindType: d.remind, ReceiverUserIDList: []string{to},
		Content: m.Text + imTail(m.AckURL), CallVoice: d.voice})
	if err != nil {
		return Result{}, Permanent(ScopeMessage, "encode", "cannot encode the message")
	}
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := d.token.get(ctx, stale, d.fetchToken)
		if err != nil {
			return Result{}, err
		}
		h := http.Header{"x-acs-dingtalk-access-token": {tok}}
		status, b, err := imRequest(ctx, d.http, http.MethodPost, d.base+"/v1.0/robot/ding/send", body, h)
		if err != nil {
			return Result{}, err
		}
		ans, e := dingtalkV1Decode(status, b, tok, to)
		if e != nil && !(status == http.StatusUnauthorized && attempt == 0) {
			return Result{}, e
		}
		if status/100 != 2 && dingtalkV1TokenRejected(status, ans) && attempt == 0 {
			stale = tok
			continue
		}
		if status/100 != 2 {
			return Result{}, dingtalkV1Classify(status, ans, tok, to)
		}
		if reasons := dingtalkFailedFor(ans.FailedList, to); reasons != "" {
			return Result{}, Permanent(ScopeMessage, "ding_failed", imScrub(reasons, tok, to))
		}
		return Result{ProviderMessageID: ans.OpenDingID}, nil
	}
}

// dingtalkFailedFor returns the reasons failedList ({"reason": [userids]}) gives for
// the user, or "" when they are not listed.
func dingtalkFailedFor(failed map[string][]string, user string) string {
	var reasons []string
	for reason, users := range failed {
		for _, u := range users {
			if u == user {
				reasons = append(reasons, reason)
			}
		}
	}
	sort.Strings(reasons)
	return strings.Join(reasons, "; ")
}
