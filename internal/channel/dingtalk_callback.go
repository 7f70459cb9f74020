package channel

import (
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// dingtalkMaxSkew is how far a robot push's timestamp may be from our clock: DingTalk
// documents a request more than an hour off as illegal.
const dingtalkMaxSkew = time.Hour

// dingtalkCallbackAnswer acknowledges a robot push without replying in the conversation.
var dingtalkCallbackAnswer = Answer{Status: http.StatusOK}

// dingtalkInbound is the part of a robot push (机器人接收消息, HTTP mode) that we read.
type dingtalkInbound struct {
	MsgType string `json:"msgtype"`
	Text    struct {
		Content string `json:"content"`
	} `json:"text"`
	SenderStaffID    string `json:"senderStaffId"`
	ConversationType string `json:"conversationType"`
	CreateAt         int64  `json:"createAt"`
	MsgID            string `json:"msgId"`
}

// dingtalkRobotCallback reads what a user writes to the app's robot (a single chat, or
// @robot in a group): headers timestamp (ms) and sign = base64(HMAC-SHA256(key =
// AppSecret, timestamp + "\n" + AppSecret)); a timestamp more than an hour from our
// clock or a sign that does not match is refused with ErrSignature. A text from a member
// of the organization (senderStaffId, their userid) becomes a reply event.
func dingtalkRobotCallback(raw json.RawMessage, r *http.Request, body []byte) ([]Event, Answer, error) {
	var c struct {
		AppSecret string `json:"app_secret"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.AppSecret == "" {
		return nil, Answer{}, fmt.Errorf("dingtalk callback: the provider has no app_secret")
	}
	ts, sign := strings.TrimSpace(r.Header.Get("timestamp")), r.Header.Get("sign")
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sign == "" {
		return nil, Answer{}, fmt.Errorf("dingtalk callback: no timestamp or sign: %w", ErrSignature)
	}
	if d := time.Since(time.UnixMilli(ms)); d > dingtalkMaxSkew || d < -dingtalkMaxSkew {
		return nil, Answer{}, fmt.Errorf("dingtalk callback: timestamp more than an hour off: %w", ErrSignature)
	}
	if !hmac.Equal([]byte(sign), []byte(dingtalkSign(c.AppSecret, ts))) {
		return nil, Answer{}, fmt.Errorf("dingtalk callback: %w", ErrSignature)
	}
	var in dingtalkInbound
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, Answer{}, fmt.Errorf("dingtalk callback: not JSON: %w", err)
	}
	// Pictures, files and people outside the organization (no staff id) are not answers.
	if in.MsgType != "text" || in.SenderStaffID == "" {
		return nil, dingtalkCallbackAnswer, nil
	}
	ev := Event{Status: EventReply, From: in.SenderStaffID, FromKind: MediaDingTalk, Text: imReplyText(in.Text.Content)}
	if in.CreateAt > 0 {
		ev.At = time.UnixMilli(in.CreateAt).UTC()
	}
	return []Event{ev}, dingtalkCallbackAnswer, nil
}
