package channel

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"lifeline/internal/vault"
)

// HTTPGateway is the generic SMS gateway of SPEC §9: each message is POSTed as JSON
// {"id", "to", "text", "ack_url"} with X-Lifeline-Signature: sha256=<hex HMAC-SHA256 of
// the body>; any 2xx means accepted. The id is the delivery's idempotency key, so a
// gateway can drop a message it has already accepted.
var HTTPGateway = register(Kind{
	Name: "http_gateway", Media: MediaSMS, Concurrency: 64,
	New: newGateway,
})

// GatewayConfig configures an http_gateway provider.
type GatewayConfig struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
	// Concurrency overrides the requests in flight (default 64).
	Concurrency int `json:"concurrency,omitempty"`
	// RatePerSecond caps sends per second when the gateway has a quota (0: none).
	RatePerSecond int `json:"rate_per_second,omitempty"`
}

type gateway struct {
	url    string
	mac    *vault.MAC // of the secret
	http   *http.Client
	direct *gatewayConns // plain HTTP without a proxy: see gatewayConns
}

// GatewayBody is the JSON body the gateway receives.
type GatewayBody struct {
	ID     string `json:"id"`
	To     string `json:"to"`
	Text   string `json:"text"`
	AckURL string `json:"ack_url,omitempty"`
}

func newGateway(cfg json.RawMessage, d Deps) (Sender, error) {
	var c GatewayConfig
	if err := decodeConfig(cfg, &c); err != nil {
		return nil, err
	}
	if err := ValidateGateway(c); err != nil {
		return nil, err
	}
	u, _ := url.Parse(c.URL) // checked by ValidateGateway
	return &gateway{url: c.URL, mac: vault.NewMAC([]byte(c.Secret)), http: d.HTTP, direct: newGatewayConns(u)}, nil
}

// ValidateGateway checks a gateway configuration.
func ValidateGateway(c GatewayConfig) error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url: an http or https URL is required")
	}
	if len(c.Secret) < 16 {
		return fmt.Errorf("secret: at least 16 characters")
	}
	if c.Concurrency < 0 || c.Concurrency > 1024 || c.RatePerSecond < 0 {
		return fmt.Errorf("concurrency: 0 to 1024; rate_per_second: not negative")
	}
	return nil
}

// Sign returns the X-Lifeline-Signature value of a body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return signature(m.Sum(nil))
}

func signature(mac []byte) string { return "sha256=" + hex.EncodeToString(mac) }

// VerifySignature reports whether header is the signature of body under secret.
func VerifySignature(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

func (g *gateway) Send(ctx context.Context, m Message) (Result, error) {
	text := m.Text
	if m.AckURL != "" {
		text += " " + m.AckURL
	}
	body, err := json.Marshal(GatewayBody{ID: m.Key, To: m.To, Text: text, AckURL: m.AckURL})
	if err != nil {
		return Result{}, err
	}
	var buf [sha256.Size]byte
	sig := signature(g.mac.Sum(buf[:0], body))
	var a gatewayAnswer
	if g.direct != nil {
		a, err = g.direct.post(ctx, body, sig)
	} else {
		a, err = g.viaClient(ctx, body, sig)
	}
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			return Result{}, ce
		}
		return Result{}, Temporary("transport", scrub(err.Error()), 0)
	}
	if a.status/100 != 2 {
		e := HTTPStatus(a.status, string(a.body))
		if s := a.retryAfter; s != "" {
			var secs int
			if _, err := fmt.Sscan(s, &secs); err == nil && secs > 0 {
				e.RetryAfter = time.Duration(secs) * time.Second
			}
		}
		return Result{}, e
	}
	return Result{}, nil
}

// viaClient posts through the http.Client (HTTPS, or a proxy in the environment).
func (g *gateway) viaClient(ctx context.Context, body []byte, sig string) (gatewayAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return gatewayAnswer{}, Permanent(ScopeProvider, "config", err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Lifeline-Signature", sig)
	resp, err := g.http.Do(req)
	if err != nil {
		return gatewayAnswer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return gatewayAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: b}, nil
}
