package channel

// Helpers shared by the IM callbacks (WeCom, DingTalk, Feishu): AES-CBC with PKCS#7
// padding as the platforms encrypt their pushes, and the cleaning of a reply's text.

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"regexp"
	"strings"
)

// imMaxCallback bounds the decrypted size of a push: replies are short texts.
const imMaxCallback = 1 << 20

// errIMDecrypt is the one answer to every malformed ciphertext, so that the callback
// does not tell a prober which check failed.
var errIMDecrypt = errors.New("the encrypted payload does not decrypt")

// imDecryptCBC decrypts AES-CBC (the key's length picks AES-128/192/256) and removes
// PKCS#7 padding of at most block bytes (WeCom pads to 32, Feishu to 16).
func imDecryptCBC(key, iv, ct []byte, block int) ([]byte, error) {
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 || len(ct) > imMaxCallback || len(iv) != aes.BlockSize {
		return nil, errIMDecrypt
	}
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, errIMDecrypt
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(c, iv).CryptBlocks(out, ct)
	n := int(out[len(out)-1])
	if n == 0 || n > block || n > len(out) {
		return nil, errIMDecrypt
	}
	for _, b := range out[len(out)-n:] {
		if int(b) != n {
			return nil, errIMDecrypt
		}
	}
	return out[:len(out)-n], nil
}

// imMention matches the mention placeholders a platform puts into a group message's
// text (Feishu "@_user_1", DingTalk and WeCom "@name"), so that "@机器人 1" reads as "1".
var imMention = regexp.MustCompile(`@_user_\d+|@_all`)

// imReplyText cleans a reply's text: mention placeholders removed, spaces trimmed.
func imReplyText(s string) string {
	return strings.TrimSpace(imMention.ReplaceAllString(s, " "))
}
