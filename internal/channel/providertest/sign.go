package providertest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// rfc3986 percent-encodes everything but unreserved characters.
func rfc3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// VerifyACS3 checks an Aliyun RPC request signed with ACS3-HMAC-SHA256 (the canonical
// request over method, path, sorted query, the signed headers and the body's hash) and
// its x-acs-date within 15 minutes of now. It returns why it does not verify.
func VerifyACS3(r *http.Request, body []byte, keyID, secret string, now time.Time) error {
	rest, ok := strings.CutPrefix(r.Header.Get("Authorization"), "ACS3-HMAC-SHA256 ")
	if !ok {
		return errors.New("algorithm")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(part, "=")
		fields[strings.TrimSpace(k)] = v
	}
	if fields["Credential"] != keyID {
		return errors.New("credential")
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	for _, need := range []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"} {
		found := false
		for _, s := range signed {
			found = found || s == need
		}
		if !found {
			return errors.New("unsigned " + need)
		}
	}
	if r.Header.Get("x-acs-content-sha256") != hexSHA256(body) {
		return errors.New("content hash")
	}
	d, err := time.Parse("2006-01-02T15:04:05Z", r.Header.Get("x-acs-date"))
	if err != nil || d.Sub(now).Abs() > 15*time.Minute {
		return errors.New("date")
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return errors.New("query")
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	pairs := make([]string, 0, len(names))
	for _, k := range names {
		pairs = append(pairs, rfc3986(k)+"="+rfc3986(q.Get(k)))
	}
	var ch strings.Builder
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		ch.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	canonical := strings.Join([]string{r.Method, r.URL.Path, strings.Join(pairs, "&"), ch.String(), fields["SignedHeaders"], hexSHA256(body)}, "\n")
	want := hex.EncodeToString(hmacSHA256([]byte(secret), "ACS3-HMAC-SHA256\n"+hexSHA256([]byte(canonical))))
	if !hmac.Equal([]byte(fields["Signature"]), []byte(want)) {
		return errors.New("signature")
	}
	return nil
}

// VerifyTC3 checks a Tencent Cloud request signed with TC3-HMAC-SHA256 for the service
// (kDate = HMAC("TC3"+key, date), kService, kSigning = HMAC(kService, "tc3_request"))
// and its X-TC-Timestamp within 5 minutes of now. It returns why it does not verify.
func VerifyTC3(r *http.Request, body []byte, secretID, secretKey, service string, now time.Time) error {
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || time.Unix(ts, 0).Sub(now).Abs() > 5*time.Minute {
		return errors.New("timestamp")
	}
	rest, ok := strings.CutPrefix(r.Header.Get("Authorization"), "TC3-HMAC-SHA256 ")
	if !ok {
		return errors.New("algorithm")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(part, "=")
		fields[k] = v
	}
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	if fields["Credential"] != secretID+"/"+date+"/"+service+"/tc3_request" {
		return errors.New("credential")
	}
	var ch strings.Builder
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		ch.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	canonical := r.Method + "\n" + r.URL.Path + "\n" + r.URL.RawQuery + "\n" + ch.String() + "\n" + fields["SignedHeaders"] + "\n" + hexSHA256(body)
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + date + "/" + service + "/tc3_request\n" + hexSHA256([]byte(canonical))
	k := hmacSHA256(hmacSHA256(hmacSHA256([]byte("TC3"+secretKey), date), service), "tc3_request")
	if !hmac.Equal([]byte(fields["Signature"]), []byte(hex.EncodeToString(hmacSHA256(k, toSign)))) {
		return errors.New("signature")
	}
	return nil
}
