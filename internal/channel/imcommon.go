package channel

// Helpers shared by the IM providers (WeCom, DingTalk, Feishu): HTTP with JSON,
// access-token caching, size limits and scrubbing of secrets from error text. Every
// name here starts with "im" so that it does not clash with other provider files.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// imMaxResponse bounds what we read from a provider: their answers are small JSON.
const imMaxResponse = 64 << 10

// imDeps fills in the defaults of Deps so that a provider never dereferences nil.
func imDeps(d Deps) (*http.Client, func() time.Time) {
	client, now := d.HTTP, d.Now
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return client, now
}

// imBaseURL validates a configurable base URL. Plain http is accepted only for a
// loopback host, because the requests carry secrets (keys, tokens) in the URL.
func imBaseURL(raw, def string) (string, error) {
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("base_url: an https URL without query is required")
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", fmt.Errorf("base_url: https is required (plain http only for a loopback test server)")
		}
	default:
		return "", fmt.Errorf("base_url: an https URL is required")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// imJSON encodes v without HTML escaping: the providers count bytes, and escaping the
// ack link's '&' as \u0026 would waste them.
func imJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// imCut returns the longest prefix of s of at most n bytes that ends on a UTF-8
// boundary, so that a truncated message never carries a broken character.
func imCut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// imEllipsis marks a text that was cut to fit a provider's limit.
const imEllipsis = "…"

// imTail is what follows the text in an IM message: the acknowledgement link on its
// own line, when one is wanted.
func imTail(ackURL string) string {
	if ackURL == "" {
		return ""
	}
	return "\n" + ackURL
}

// imContent joins the text and its tail (mention, ack link), cutting the text (never the
// tail) so that the whole fits in max bytes: a truncated alert must stay acknowledgeable.
func imContent(text, tail string, max int) string {
	if len(text)+len(tail) <= max {
		return text + tail
	}
	room := max - len(tail) - len(imEllipsis)
	if room < 0 {
		// The tail alone does not fit: keep what we can of it, the link matters most.
		return imCut(strings.TrimLeft(tail, "\n "), max)
	}
	return imCut(text, room) + imEllipsis + tail
}

// imFitBody cuts the text so that build(content) encodes to at most max bytes. JSON
// escaping grows a text unevenly (quotes, newlines), so the largest fitting content
// length is found by bisection.
func imFitBody(text, tail string, max int, build func(content string) any) ([]byte, error) {
	encode := func(limit int) ([]byte, error) { return imJSON(build(imContent(text, tail, limit))) }
	full := len(text) + len(tail)
	body, err := encode(full)
	if err != nil || len(body) <= max {
		return body, err
	}
	lo, hi := 0, full // the answer is in [lo, hi): encode(hi) does not fit
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		b, err := encode(mid)
		if err != nil {
			return nil, err
		}
		if len(b) <= max {
			lo = mid
		} else {
			hi = mid
		}
	}
	return encode(lo)
}

// imScrub makes a provider's message safe to store: secrets and the recipient's address
// are replaced, and the length is bounded.
func imScrub(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 3 {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	msg = strings.ToValidUTF8(msg, "")
	if len(msg) > 300 {
		msg = imCut(msg, 300)
	}
	return msg
}

// imTransport classifies a failure to reach the provider. The *url.Error is unwrapped
// because its text holds the request URL, which carries keys and access tokens.
func imTransport(err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return Temporary("transport", ue.Op+": "+ue.Err.Error(), 0)
	}
	return Temporary("transport", err.Error(), 0)
}

// imRequest sends one request with an optional JSON body and returns the HTTP status
// and the (bounded) answer. Transport failures come back as temporary *Error.
func imRequest(ctx context.Context, client *http.Client, method, rawURL string, body []byte, header http.Header) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return 0, nil, Permanent(ScopeProvider, "config", "cannot build the request")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, imTransport(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, imMaxResponse))
	if err != nil {
		return resp.StatusCode, nil, imTransport(err)
	}
	return resp.StatusCode, b, nil
}

// imToken caches an access token (WeCom, DingTalk, Feishu all issue 2-hour tokens and
// throttle the token endpoint), fetching it once for all concurrent senders.
type imToken struct {
	lock    chan struct{} // a mutex that a waiting sender can abandon when its ctx ends
	now     func() time.Time
	token   string
	expires time.Time // when we stop using it: a little before the provider's expiry
}

func newIMToken(now func() time.Time) *imToken {
	return &imToken{lock: make(chan struct{}, 1), now: now}
}

// imTokenEarly is how long before its expiry a token is replaced, so that a send never
// races the expiry (Feishu also hands out a new token only in its last 30 minutes).
func imTokenEarly(ttl time.Duration) time.Duration {
	if ttl > 10*time.Minute {
		return 5 * time.Minute
	}
	return ttl / 2
}

// get returns the cached token or fetches a new one; fetch returns the token and its
// lifetime. stale names a token the provider has just rejected as expired: it is
// replaced unless a concurrent sender has already replaced it.
func (t *imToken) get(ctx context.Context, stale string, fetch func(ctx context.Context) (string, time.Duration, error)) (string, error) {
	select {
	case t.lock <- struct{}{}:
	case <-ctx.Done():
		return "", Temporary("transport", ctx.Err().Error(), 0)
	}
	defer func() { <-t.lock }()
	if t.token != "" && t.token != stale && t.now().Before(t.expires) {
		return t.token, nil
	}
	t.token = ""
	tok, ttl, err := fetch(ctx)
	if err != nil {
		return "", err
	}
	if tok == "" {
		return "", Temporary("token", "the provider returned an empty access token", 0)
	}
	if ttl <= 0 {
		ttl = 7200 * time.Second
	}
	t.token, t.expires = tok, t.now().Add(ttl-imTokenEarly(ttl))
	return tok, nil
}

// imE164 matches an E.164 number: the robots mention a person by mobile number.
var imE164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// imMobile returns the number a robot mentions for an E.164 address: mainland numbers
// without +86 (the form WeCom and DingTalk list members under), others unchanged.
func imMobile(to string) (string, bool) {
	if !imE164.MatchString(to) {
		return "", false
	}
	if strings.HasPrefix(to, "+86") {
		return strings.TrimPrefix(to, "+86"), true
	}
	return to, true
}
