package channel

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// wecomAESKeyLen is the length of an EncodingAESKey: 32 bytes in base64 without its "=".
const wecomAESKeyLen = 43

// wecomCallbackAnswer is what WeCom expects from a message push: 200 with an empty body
// (anything else would be read as a passive reply, which must then be encrypted).
var wecomCallbackAnswer = Answer{Status: http.StatusOK}

// validateWeComCallback checks the callback settings of a wecom_app configuration.
func validateWeComCallback(c WeComAppConfig) error {
	if c.CallbackToken == "" && c.EncodingAESKey == "" {
		return nil
	}
	if !wecomPlain(c.CallbackToken) || len(c.CallbackToken) > 32 {
		return fmt.Errorf("callback_token: the app's 接收消息 Token (at most 32 characters) is required with encoding_aes_key")
	}
	if _, err := wecomAESKey(c.EncodingAESKey); err != nil {
		return fmt.Errorf("encoding_aes_key: %w", err)
	}
	return nil
}

// wecomAESKey decodes an EncodingAESKey into the 32-byte AES key.
func wecomAESKey(s string) ([]byte, error) {
	if len(s) != wecomAESKeyLen {
		return nil, fmt.Errorf("the 43-character EncodingAESKey is required with callback_token")
	}
	key, err := base64.StdEncoding.DecodeString(s + "=")
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("the EncodingAESKey is not valid base64 of 32 bytes")
	}
	return key, nil
}

// WeComSignature returns a WeCom callback's msg_signature: the hex SHA-1 of the token,
// timestamp, nonce and encrypted message, sorted and concatenated.
func WeComSignature(token, timestamp, nonce, encrypt string) string {
	parts := []string{token, timestamp, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// wecomDecrypt opens an encrypted WeCom message: AES-256-CBC with the key and its first
// 16 bytes as the IV, PKCS#7 padded to 32 bytes. The plaintext is 16 random bytes, the
// message's length (4 bytes, big-endian), the message, and the receiveid, which for a
// self-built app is the CorpID.
func wecomDecrypt(key []byte, encrypt, corpID string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(encrypt)
	if err != nil {
		return nil, errIMDecrypt
	}
	plain, err := imDecryptCBC(key, key[:16], ct, 32)
	if err != nil {
		return nil, err
	}
	if len(plain) < 20 {
		return nil, errIMDecrypt
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, errIMDecrypt
	}
	msg, receiveID := plain[20:20+n], string(plain[20+n:])
	if !hmac.Equal([]byte(receiveID), []byte(corpID)) {
		return nil, fmt.Errorf("the message is for another corporation (receiveid)")
	}
	return msg, nil
}

// wecomEnvelope is the body of a message push: the encrypted message.
type wecomEnvelope struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	AgentID    string   `xml:"AgentID"`
	Encrypt    string   `xml:"Encrypt"`
}

// wecomInbound is a decrypted message from a member to the app.
type wecomInbound struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content"`
	MsgID        string   `xml:"MsgId"`
	AgentID      int64    `xml:"AgentID"`
}

// wecomAppCallback answers the URL verification of the app's 接收消息 setting (a GET
// with an encrypted echostr, answered with its plaintext) and reads the messages
// members send to the app (a POST of encrypted XML): a text becomes a reply event from
// the member's userid. Both are signed (msg_signature); a request that does not verify
// is refused with ErrSignature.
func wecomAppCallback(raw json.RawMessage, r *http.Request, body []byte) ([]Event, Answer, error) {
	var c WeComAppConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, Answer{}, fmt.Errorf("wecom callback: configuration: %w", err)
	}
	if c.CallbackToken == "" || c.EncodingAESKey == "" {
		return nil, Answer{}, fmt.Errorf("wecom callback: callback_token and encoding_aes_key are not configured")
	}
	key, err := wecomAESKey(c.EncodingAESKey)
	if err != nil {
		return nil, Answer{}, fmt.Errorf("wecom callback: %w", err)
	}
	q := r.URL.Query()
	sig, ts, nonce := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
	verify := func(encrypt string) error {
		want := WeComSignature(c.CallbackToken, ts, nonce, encrypt)
		if sig == "" || !hmac.Equal([]byte(strings.ToLower(sig)), []byte(want)) {
			return fmt.Errorf("wecom callback: %w", ErrSignature)
		}
		return nil
	}
	if r.Method == http.MethodGet {
		// A '+' of the base64 arrives as a space when WeCom did not escape it.
		echo := strings.ReplaceAll(q.Get("echostr"), " ", "+")
		if err := verify(echo); err != nil {
			return nil, Answer{}, err
		}
		msg, err := wecomDecrypt(key, echo, c.CorpID)
		if err != nil {
			return nil, Answer{}, fmt.Errorf("wecom url verification: %w", err)
		}
		return nil, Answer{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: msg}, nil
	}
	var env wecomEnvelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		return nil, Answer{}, fmt.Errorf("wecom callback: not an encrypted message push")
	}
	if err := verify(env.Encrypt); err != nil {
		return nil, Answer{}, err
	}
	plain, err := wecomDecrypt(key, env.Encrypt, c.CorpID)
	if err != nil {
		return nil, Answer{}, fmt.Errorf("wecom callback: %w", err)
	}
	var in wecomInbound
	if err := xml.Unmarshal(plain, &in); err != nil {
		return nil, Answer{}, fmt.Errorf("wecom callback: the decrypted message is not XML: %w", err)
	}
	// Events (entering the app, menu clicks …) and other apps' messages are acknowledged
	// and skipped: only a member's text can be an answer.
	if in.MsgType != "text" || in.FromUserName == "" || (in.AgentID != 0 && in.AgentID != c.AgentID) {
		return nil, wecomCallbackAnswer, nil
	}
	ev := Event{Status: EventReply, From: in.FromUserName, FromKind: MediaWeCom, Text: imReplyText(in.Content)}
	if in.CreateTime > 0 {
		ev.At = time.Unix(in.CreateTime, 0).UTC()
	}
	return []Event{ev}, wecomCallbackAnswer, nil
}
