// Package providertest builds and checks what the providers exchange with us, signed
// and encrypted as their documentation describes, for tests: the pushes of WeCom,
// DingTalk and Feishu, and the request signatures of Aliyun (ACS3) and Tencent Cloud
// (TC3). It is written separately from the providers' own code (package channel), so
// that a test built on it checks that code against the documented algorithms rather
// than against itself.
package providertest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
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

// pad adds PKCS#7 padding to a multiple of block bytes.
func pad(b []byte, block int) []byte {
	n := block - len(b)%block
	return append(b, bytes.Repeat([]byte{byte(n)}, n)...)
}

// cbc encrypts AES-CBC.
func cbc(key, iv, plain []byte) []byte {
	c, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(c, iv).CryptBlocks(out, plain)
	return out
}

// WeComEncrypt encrypts msg for a WeCom callback: 16 random bytes, the length of msg
// (4 bytes, network order), msg and the receiveid, PKCS#7-padded to 32 bytes, AES-256-
// CBC with the EncodingAESKey (base64 of 43 characters plus "=") and its first 16 bytes
// as the IV, in base64.
func WeComEncrypt(encodingAESKey, receiveID string, msg []byte) string {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		panic("providertest: bad EncodingAESKey")
	}
	var plain []byte
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		panic(err)
	}
	plain = append(plain, random...)
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, receiveID...)
	return base64.StdEncoding.EncodeToString(cbc(key, key[:16], pad(plain, 32)))
}

// WeComSign is msg_signature: sha1 of token, timestamp, nonce and the encrypted text,
// sorted as strings and joined, in hex.
func WeComSign(token, timestamp, nonce, encrypt string) string {
	s := []string{token, timestamp, nonce, encrypt}
	sort.Strings(s)
	h := sha1.New()
	for _, p := range s {
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// WeComEcho is the query of WeCom's URL verification (GET) for a plaintext echo.
func WeComEcho(token, encodingAESKey, corpID, echo string, at time.Time) url.Values {
	enc := WeComEncrypt(encodingAESKey, corpID, []byte(echo))
	ts, nonce := strconv.FormatInt(at.Unix(), 10), "1372623149"
	return url.Values{"msg_signature": {WeComSign(token, ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {enc}}
}

// WeComText is a member's text message to an app, pushed as WeCom does: the signed
// query and the XML body with the encrypted message.
func WeComText(token, encodingAESKey, corpID string, agentID int64, from, content string, at time.Time) (url.Values, []byte) {
	inner := fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime>`+
		`<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId><AgentID>%d</AgentID></xml>`,
		corpID, from, at.Unix(), content, at.UnixNano(), agentID)
	enc := WeComEncrypt(encodingAESKey, corpID, []byte(inner))
	ts, nonce := strconv.FormatInt(at.Unix(), 10), "263014780"
	body := fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><AgentID><![CDATA[%d]]></AgentID><Encrypt><![CDATA[%s]]></Encrypt></xml>`,
		corpID, agentID, enc)
	return url.Values{"msg_signature": {WeComSign(token, ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}, []byte(body)
}

// DingTalkHeaders are the headers of a robot push: timestamp in milliseconds and
// sign = base64(HMAC-SHA256(key = AppSecret, timestamp + "\n" + AppSecret)).
func DingTalkHeaders(appSecret string, at time.Time) http.Header {
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(ts + "\n" + appSecret))
	return http.Header{"Timestamp": {ts}, "Sign": {base64.StdEncoding.EncodeToString(m.Sum(nil))}}
}

// DingTalkText is a robot push of a text from a member (their userid as senderStaffId).
func DingTalkText(staffID, content string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"conversationId": "cidtest==", "atUsers": []any{}, "chatbotCorpId": "dingcorp", "chatbotUserId": "$:LWCP_v1:$robot",
		"msgId": "msg" + strconv.FormatInt(at.UnixNano(), 36), "senderNick": "张三", "isAdmin": false, "senderStaffId": staffID,
		"sessionWebhookExpiredTime": at.Add(90 * time.Minute).UnixMilli(), "createAt": at.UnixMilli(), "senderCorpId": "dingcorp",
		"conversationType": "1", "senderId": "$:LWCP_v1:$sender", "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=x",
		"robotCode": "dingrobot", "msgtype": "text", "text": map[string]string{"content": content},
	})
	return b
}

// FeishuEncrypt encrypts an event push: AES-256-CBC with the key sha256(Encrypt Key),
// a random IV put in front of the ciphertext, PKCS#7, in base64.
func FeishuEncrypt(encryptKey string, plain []byte) string {
	key := sha256.Sum256([]byte(encryptKey))
	iv := make([]byte, 16)
	if _, err := rand.Read(iv); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(append(iv, cbc(key[:], iv, pad(append([]byte(nil), plain...), 16))...))
}

// FeishuSign is X-Lark-Signature: sha256 of timestamp, nonce, Encrypt Key and body, in hex.
func FeishuSign(timestamp, nonce, encryptKey string, body []byte) string {
	sum := sha256.Sum256(append([]byte(timestamp+nonce+encryptKey), body...))
	return hex.EncodeToString(sum[:])
}

// FeishuText is the plaintext of an im.message.receive_v1 event (schema 2.0): a user's
// text to the app's bot in a single chat.
func FeishuText(appID, token, openID, userID, text string, at time.Time) []byte {
	content, _ := json.Marshal(map[string]string{"text": text})
	b, _ := json.Marshal(map[string]any{
		"schema": "2.0",
		"header": map[string]any{"event_id": "5e3702a84e847582be8db7fb73283c02", "event_type": "im.message.receive_v1",
			"create_time": strconv.FormatInt(at.UnixMilli(), 10), "token": token, "app_id": appID, "tenant_key": "2ca1d211f64f6438"},
		"event": map[string]any{
			"sender": map[string]any{"sender_id": map[string]string{"union_id": "on_8ed6aa67826108097d9ee143816345", "user_id": userID, "open_id": openID},
				"sender_type": "user", "tenant_key": "2ca1d211f64f6438"},
			"message": map[string]any{"message_id": "om_5ce6d572455d361153b7cb51da133945", "create_time": strconv.FormatInt(at.UnixMilli(), 10),
				"chat_id": "oc_5ce6d572455d361153b7xx51da133945", "chat_type": "p2p", "message_type": "text", "content": string(content)},
		},
	})
	return b
}

// FeishuChallenge is the plaintext of the url_verification request.
func FeishuChallenge(token, challenge string) []byte {
	b, _ := json.Marshal(map[string]string{"challenge": challenge, "token": token, "type": "url_verification"})
	return b
}

// FeishuPush is a push as Feishu sends it with an Encrypt Key: {"encrypt": …} signed
// with the X-Lark-Request-Timestamp, -Nonce and -Signature headers.
func FeishuPush(encryptKey string, plain []byte, at time.Time) ([]byte, http.Header) {
	body, _ := json.Marshal(map[string]string{"encrypt": FeishuEncrypt(encryptKey, plain)})
	ts, nonce := strconv.FormatInt(at.Unix(), 10), "d2f1cc1c-0d2c-4bcf-a0b2-"+strings.Repeat("9", 12)
	return body, http.Header{"X-Lark-Request-Timestamp": {ts}, "X-Lark-Request-Nonce": {nonce},
		"X-Lark-Signature": {FeishuSign(ts, nonce, encryptKey, body)}}
}
