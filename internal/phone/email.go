package phone

import (
	"errors"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// ErrInvalidEmail is returned by NormalizeEmail for anything that is not a single plain address.
var ErrInvalidEmail = errors.New("phone: invalid e-mail address")

// chineseDots maps the ideographic full stop a Chinese IME types in place
// of '.' ("zhangsan@qq。com"). NFKC folds '．' and turns '｡' into '。', but
// leaves '。' itself alone, so it is mapped explicitly after NFKC.
var chineseDots = strings.NewReplacer("。", ".")

const (
	maxEmailLen = 254 // RFC 5321 path limit minus the angle brackets
	maxLocalLen = 64  // RFC 5321 local-part limit
)

// NormalizeEmail trims, applies NFKC and lowercases the whole address, then validates it with net/mail.
func NormalizeEmail(raw string) (string, error) {
	s := strings.TrimSpace(chineseDots.Replace(normalizeText(raw)))
	// The whole address is lowercased, not just the domain: the local part
	// is case-sensitive on paper, but QQ, 163, Gmail and every provider our
	// users have treat it case-insensitively, and the address is an identity
	// key where "ZhangSan@qq.com" and "zhangsan@qq.com" must not become two
	// accounts.
	s = strings.ToLower(s)
	if s == "" || len(s) > maxEmailLen {
		return "", ErrInvalidEmail
	}
	// Display-name forms ("张三 <zs@qq.com>") are refused so that the stored
	// value is exactly the address.
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", ErrInvalidEmail
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	// net/mail accepts single-label domains ("root@localhost"), which are
	// never what a person means in a form.
	if len(local) > maxLocalLen || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", ErrInvalidEmail
	}
	return s, nil
}

// MaskEmail masks the local part: "zhangsan@example.com" -> "z***n@example.com", 1-2 characters -> "*@example.com".
func MaskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		// Not an address; reveal nothing.
		return "***"
	}
	local, domain := email[:at], email[at:]
	if utf8.RuneCountInString(local) <= 2 {
		return "*" + domain
	}
	first, _ := utf8.DecodeRuneInString(local)
	last, _ := utf8.DecodeLastRuneInString(local)
	// A fixed "***" hides the length of the local part.
	return string(first) + "***" + string(last) + domain
}
