package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP parameters (RFC 6238 defaults, which every authenticator app supports): HMAC-SHA-1,
// 6 digits, 30-second steps; a code is accepted one step early or late for clock drift.
const (
	totpDigits = 6
	totpPeriod = 30
	totpSkew   = 1
	totpIssuer = "Lifeline"
)

// b32 is the encoding of TOTP secrets in otpauth:// URIs: RFC 4648 base32 without padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// hotp is RFC 4226: HMAC-SHA-1 of the big-endian counter, dynamically truncated.
func hotp(secret []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// totpStep is the RFC 6238 time step of t.
func totpStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// newTOTPSecret returns a random 160-bit secret (the RFC 4226 recommended length).
func newTOTPSecret() []byte {
	b := make([]byte, 20)
	rand.Read(b)
	return b
}

// TOTPCode returns the 6-digit code of a base32 secret at time t, as an authenticator app
// shows it (tests and tools use it).
func TOTPCode(secretBase32 string, t time.Time) (string, error) {
	secret, err := b32.DecodeString(strings.ToUpper(strings.ReplaceAll(secretBase32, " ", "")))
	if err != nil {
		return "", fmt.Errorf("totp secret: %w", err)
	}
	return hotp(secret, uint64(totpStep(t)), totpDigits), nil
}

// matchTOTP returns the step whose code equals code, among the steps around now that are
// later than lastStep (so that a code is never accepted twice), or false. All candidates
// are compared, in constant time.
func matchTOTP(secret []byte, code string, now time.Time, lastStep int64) (int64, bool) {
	code = normalizeCode(code)
	if len(code) != totpDigits {
		return 0, false
	}
	cur := totpStep(now)
	var found int64
	ok := false
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := cur + d
		if step < 0 {
			continue
		}
		eq := subtle.ConstantTimeCompare([]byte(hotp(secret, uint64(step), totpDigits)), []byte(code)) == 1
		if eq && step > lastStep && !ok {
			found, ok = step, true
		}
	}
	return found, ok
}

// normalizeCode drops the spaces and dashes people type into codes.
func normalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(code))
}

// otpauthURI is the Key URI an authenticator app reads (as text or from a QR code).
func otpauthURI(username string, secret []byte) string {
	label := url.PathEscape(totpIssuer + ":" + username)
	q := url.Values{}
	q.Set("secret", b32.EncodeToString(secret))
	q.Set("issuer", totpIssuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(totpDigits))
	q.Set("period", fmt.Sprint(totpPeriod))
	return "otpauth://totp/" + label + "?" + q.Encode()
}
