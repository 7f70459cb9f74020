package channel

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// feishuMessageEvent is the event type of a message sent to the app's bot.
const feishuMessageEvent = "im.message.receive_v1"

// feishuCallbackAnswer acknowledges an event push: Feishu wants a 200 within 3 seconds
// and pushes again otherwise.
var feishuCallbackAnswer = jsonAnswer(`{}`)

// FeishuSignature returns the X-Lark-Signature of an event push: the hex SHA-256 of
// timestamp + nonce + Encrypt Key + the raw body.
func FeishuSignature(timestamp, nonce, encryptKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(timestamp + nonce + encryptKey))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// feishuDecrypt opens an encrypted push ({"encrypt": "…"}): AES-256-CBC with the key
// sha256(Encrypt Key); the base64-decoded data starts with the 16-byte IV; PKCS#7.
func feishuDecrypt(encryptKey, encrypt string) ([]byte, error) {
	data, err := base64.StdEncoding.DecodeString(encrypt)
	if err != nil || len(data) < 32 {
		return nil, errIMDecrypt
	}
	key := sha256.Sum256([]byte(encryptKey))
	return imDecryptCBC(key[:], data[:16], data[16:], 16)
}

// feishuPush is an event push, in either schema: url_verification and 1.0 events carry
// type and token at the top, 2.0 events a header.
type feishuPush struct {
	Encrypt   string `json:"encrypt"`
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	Token     string `json:"token"`
	Schema    string `json:"schema"`
	Header    struct {
		EventID    string `json:"event_id"`
		EventType  string `json:"event_type"`
		Token      string `json:"token"`
		AppID      string `json:"app_id"`
		CreateTime string `json:"create_time"`
	} `json:"header"`
	Event json.RawMessage `json:"event"`
}

// feishuInbound is the event of im.message.receive_v1.
type feishuInbound struct {
	Sender struct {
		SenderID struct {
			OpenID  string `json:"open_id"`
			UserID  string `json:"user_id"`
			UnionID string `json:"union_id"`
		} `json:"sender_id"`
		SenderType string `json:"sender_type"`
	} `json:"sender"`
	Message struct {
		MessageID   string `json:"message_id"`
		CreateTime  string `json:"create_time"`
		ChatType    string `json:"chat_type"`
		MessageType string `json:"message_type"`
		Content     string `json:"content"`
	} `json:"message"`
}

// feishuEventCallback answers the event subscription's url_verification (the
// challenge) and reads im.message.receive_v1: a user's text to the bot becomes a reply
// event from their open_id (user_id and union_id as alternatives). With an Encrypt Key
// every push must be encrypted with it and, except the challenge, signed
// (X-Lark-Signature); with a Verification Token the push must carry it. Anything else is
// refused with ErrSignature.
func feishuEventCallback(raw json.RawMessage, r *http.Request, body []byte) ([]Event, Answer, error) {
	var c FeishuAppConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, Answer{}, fmt.Errorf("feishu callback: configuration: %w", err)
	}
	if c.EncryptKey == "" && c.VerificationToken == "" {
		return nil, Answer{}, fmt.Errorf("feishu callback: encrypt_key or verification_token is not configured")
	}
	var p feishuPush
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, Answer{}, fmt.Errorf("feishu callback: not JSON: %w", err)
	}
	switch {
	case p.Encrypt != "" && c.EncryptKey != "":
		plain, err := feishuDecrypt(c.EncryptKey, p.Encrypt)
		if err != nil {
			return nil, Answer{}, fmt.Errorf("feishu callback: %w: %w", err, ErrSignature)
		}
		p = feishuPush{}
		if err := json.Unmarshal(plain, &p); err != nil {
			// What another key decrypts to may pass the padding check by chance.
			return nil, Answer{}, fmt.Errorf("feishu callback: the decrypted push is not JSON: %w", ErrSignature)
		}
	case p.Encrypt != "":
		return nil, Answer{}, fmt.Errorf("feishu callback: an encrypted push, but no encrypt_key is configured")
	case c.EncryptKey != "":
		// Once an Encrypt Key is set, Feishu encrypts every push.
		return nil, Answer{}, fmt.Errorf("feishu callback: a plain push to an encrypted subscription: %w", ErrSignature)
	}
	if c.VerificationToken != "" {
		token := p.Token
		if token == "" {
			token = p.Header.Token
		}
		if !hmac.Equal([]byte(token), []byte(c.VerificationToken)) {
			return nil, Answer{}, fmt.Errorf("feishu callback: verification token: %w", ErrSignature)
		}
	}
	sig := r.Header.Get("X-Lark-Signature")
	if c.EncryptKey != "" && (sig != "" || p.Type != "url_verification") {
		// Feishu does not sign the challenge; decrypting it proves the key.
		want := FeishuSignature(r.Header.Get("X-Lark-Request-Timestamp"), r.Header.Get("X-Lark-Request-Nonce"), c.EncryptKey, body)
		if !hmac.Equal([]byte(strings.ToLower(sig)), []byte(want)) {
			return nil, Answer{}, fmt.Errorf("feishu callback: %w", ErrSignature)
		}
	}
	if p.Type == "url_verification" {
		b, err := json.Marshal(map[string]string{"challenge": p.Challenge})
		if err != nil {
			return nil, Answer{}, fmt.Errorf("feishu callback: %w", err)
		}
		return nil, jsonAnswer(string(b)), nil
	}
	if p.Header.EventType != feishuMessageEvent || (c.AppID != "" && p.Header.AppID != "" && p.Header.AppID != c.AppID) {
		return nil, feishuCallbackAnswer, nil // another event, or another app's
	}
	var in feishuInbound
	if err := json.Unmarshal(p.Event, &in); err != nil {
		return nil, Answer{}, fmt.Errorf("feishu callback: the message event is not readable: %w", err)
	}
	id := in.Sender.SenderID
	if in.Sender.SenderType != "user" || in.Message.MessageType != "text" || (id.OpenID == "" && id.UserID == "") {
		return nil, feishuCallbackAnswer, nil
	}
	var content struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(in.Message.Content), &content); err != nil {
		return nil, Answer{}, fmt.Errorf("feishu callback: the message content is not readable: %w", err)
	}
	ev := Event{Status: EventReply, FromKind: MediaFeishu, Text: imReplyText(content.Text)}
	for _, v := range []string{id.OpenID, id.UserID, id.UnionID} {
		if v == "" {
			continue
		}
		if ev.From == "" {
			ev.From = v
		} else {
			ev.FromAlt = append(ev.FromAlt, v)
		}
	}
	if ms, err := strconv.ParseInt(in.Message.CreateTime, 10, 64); err == nil && ms > 0 {
		ev.At = time.UnixMilli(ms).UTC()
	}
	return []Event{ev}, feishuCallbackAnswer, nil
}
