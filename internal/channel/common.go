package channel

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrSignature is returned by a Callback when the request's signature does not verify:
// the caller answers 403 and records nothing.
var ErrSignature = errors.New("callback signature does not verify")

// templateKeys are our template names and the Message.Params keys each carries. Provider
// configurations map these to the provider's template codes and variable names; New
// rejects a mapping that names anything else, so a typo fails when the channel is saved
// rather than when an incident is paged.
var templateKeys = map[string][]string{
	"incident": {"title", "level", "text", "url"},
	"drill":    {"title", "level", "text", "url"},
	"verify":   {"code", "url"},
	"reminder": {"text"},
}

// checkTemplateKeys reports an error when name is not one of our templates or key is not
// one of its parameters.
func checkTemplateKeys(name string, keys []string) error {
	known, ok := templateKeys[name]
	if !ok {
		names := make([]string, 0, len(templateKeys))
		for n := range templateKeys {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("templates: unknown template %q (known: %s)", name, strings.Join(names, ", "))
	}
	for _, k := range keys {
		found := false
		for _, want := range known {
			if k == want {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("templates.%s: unknown parameter %q (known: %s)", name, k, strings.Join(known, ", "))
		}
	}
	return nil
}

// templateParam returns the value of one of our template parameters. The url parameter
// falls back to the message's acknowledgement link, which is where the pipeline puts it.
func templateParam(m Message, key string) (string, error) {
	v := m.Params[key]
	if v == "" && key == "url" {
		v = m.AckURL
	}
	if v == "" {
		return "", Permanent(ScopeMessage, "missing_param", fmt.Sprintf("template %s: parameter %s is empty", m.Template, key))
	}
	return v, nil
}

// numberRun matches anything that looks like a phone number (7 or more digits, possibly
// with a leading + and separators): providers echo the recipient in their error texts
// (Twilio: "The 'To' number … is not a valid phone number"), and error texts are stored.
var numberRun = regexp.MustCompile(`\+?\d(?:[\d\- ]?\d){6,}`)

// scrub makes a provider's text safe to store: numbers masked, length bounded.
func scrub(s string) string {
	s = numberRun.ReplaceAllString(s, "<number>")
	if len(s) > 300 {
		s = s[:300]
	}
	return strings.TrimSpace(s)
}

// httpClient returns the client a provider uses; a missing one gets a bounded timeout
// rather than http.DefaultClient's none.
func httpClient(d Deps) *http.Client {
	if d.HTTP != nil {
		return d.HTTP
	}
	return &http.Client{Timeout: 20 * time.Second}
}

// nowFunc returns the clock a provider uses for timestamps.
func nowFunc(d Deps) func() time.Time {
	if d.Now != nil {
		return d.Now
	}
	return time.Now
}

// parseBaseURL validates a configured base URL, defaulting to def when empty. The path
// is kept without its trailing slash so that API paths can be appended.
func parseBaseURL(field, raw, def string) (*url.URL, error) {
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s: an http or https URL without query is required", field)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// maxResponse bounds what we read of a provider's answer.
const maxResponse = 1 << 20

// do sends req and reads the answer. A transport failure is temporary; its text is the
// inner error only, because *url.Error quotes the request URL and Aliyun's carries the
// phone number in its query.
func do(client *http.Client, req *http.Request) (int, http.Header, []byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, nil, Temporary("transport", scrub(err.Error()), 0)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, nil, nil, Temporary("transport", scrub(err.Error()), 0)
	}
	return resp.StatusCode, resp.Header, b, nil
}

// retryAfter parses a Retry-After header given in seconds (the form the providers use).
func retryAfter(h http.Header) time.Duration {
	s := strings.TrimSpace(h.Get("Retry-After"))
	if s == "" {
		return 0
	}
	secs, err := strconv.Atoi(s)
	if err != nil || secs <= 0 {
		return 0
	}
	return time.Duration(secs) * time.Second
}

// chinaTime is the zone of the timestamps Aliyun and Tencent put in their receipts
// ("2017-01-01 00:00:00", Beijing time, no zone given).
var chinaTime = time.FixedZone("CST", 8*3600)

// parseChinaTime parses a receipt timestamp; zero when absent or malformed, which the
// pipeline reads as "now".
func parseChinaTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05", "20060102150405"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), chinaTime); err == nil {
			return t
		}
	}
	return time.Time{}
}

// normalizeCN turns a number as the mainland providers report it (13800138000,
// 8613800138000, 008613800138000, +8613800138000) into E.164. Anything else is returned
// with only a + added to a bare digit string, since its country cannot be guessed.
func normalizeCN(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	switch {
	case s == "":
		return ""
	case strings.HasPrefix(s, "+"):
		return s
	case strings.HasPrefix(s, "0086"):
		return "+86" + s[4:]
	case len(s) == 13 && strings.HasPrefix(s, "861"):
		return "+" + s
	case len(s) == 11 && s[0] == '1':
		return "+86" + s
	default:
		return "+" + s
	}
}

// jsonAnswer is a 200 JSON answer to a provider's push.
func jsonAnswer(body string) Answer {
	return Answer{Status: http.StatusOK, ContentType: "application/json; charset=utf-8", Body: []byte(body)}
}
