// Package channel holds the providers that carry a message to a person: SMS gateways,
// voice, email and the IM platforms. Each provider speaks its vendor's documented
// protocol over a configurable base URL, so tests run it against a local fake server.
package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"time"
)

// Media are what a provider carries: the kind of address it sends to.
const (
	MediaSMS      = "sms"      // an E.164 mobile number, template-only in mainland China
	MediaVoice    = "voice"    // an E.164 number called with text-to-speech
	MediaEmail    = "email"    // an email address
	MediaWeCom    = "wecom"    // a WeCom userid (app message) or a group robot
	MediaDingTalk = "dingtalk" // a DingTalk userid (work notice) or a group robot
	MediaFeishu   = "feishu"   // a Feishu open_id (app bot) or a group bot
	MediaWebhook  = "webhook"  // an organization's own HTTPS endpoint

	// MediaFeishuUrgent is a Feishu message escalated with 加急 (a buzz in the client, or
	// by SMS or phone): the rung after a plain Feishu message that went unanswered.
	MediaFeishuUrgent = "feishu_urgent"
	// MediaDingTalkDing is a DingTalk DING (in the app, by SMS or by phone): the rung
	// after a plain DingTalk message that went unanswered.
	MediaDingTalkDing = "dingtalk_ding"
)

// Message is one delivery as a provider sends it. It lives only in memory while it is
// sent; it is never logged and never stored in a job.
type Message struct {
	Key      string            // the delivery's idempotency key: the provider's correlation field
	To       string            // the address: E.164, email, platform user id; empty for group robots
	Subject  string            // email subject, IM title
	Text     string            // the free text (IM, email, the generic gateway)
	Template string            // our template name, mapped per provider to its template code
	Params   map[string]string // template parameters (mainland SMS and voice)
	AckURL   string            // the recipient's acknowledgement link, when one is wanted
	Drill    bool              // a drill: the text is already prefixed [演练]
}

// Result is what a provider answered when it accepted a message.
type Result struct {
	ProviderMessageID string // the provider's own id (Aliyun BizId, Twilio MessageSid …), when it gives one
}

// Sender sends messages through one configured provider account.
type Sender interface {
	// Send hands one message to the provider. It returns *Error for every provider
	// failure so that the pipeline can decide between retry, failover and giving up.
	Send(ctx context.Context, m Message) (Result, error)
}

// Scope says what a permanent error condemns.
type Scope int

// Error scopes.
const (
	ScopeMessage  Scope = iota // this message or recipient (invalid number, blocked user): give up on it
	ScopeProvider              // the provider account (bad key, bad signature, bad template): fail over
)

// Error is a provider failure, classified.
type Error struct {
	Temporary  bool          // rate limit, 5xx, timeout: retry later (with backoff or after RetryAfter)
	Scope      Scope         // for permanent errors: what is broken
	RetryAfter time.Duration // when the provider said how long to wait (0: use backoff)
	Code       string        // the provider's error code, e.g. "45009", "isv.MOBILE_NUMBER_ILLEGAL"
	Message    string        // the provider's message, safe to store (never holds the address)
}

// Error implements error.
func (e *Error) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	return fmt.Sprintf("%s provider error %s: %s", kind, e.Code, e.Message)
}

// Temporary returns a retryable error.
func Temporary(code, msg string, retryAfter time.Duration) *Error {
	return &Error{Temporary: true, Code: code, Message: msg, RetryAfter: retryAfter}
}

// Permanent returns an error that retrying will not fix.
func Permanent(scope Scope, code, msg string) *Error {
	return &Error{Scope: scope, Code: code, Message: msg}
}

// Classify turns any error from a send into *Error: transport failures and context
// deadlines are temporary (the provider may or may not have the message; the
// idempotency key makes a retry safe where the provider honours it).
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Temporary("transport", err.Error(), 0)
}

// HTTPStatus classifies an HTTP answer that is not a success: 429 and 5xx are
// temporary, 401/403 condemn the account, other 4xx the message. The body is kept
// (shortened, digit runs masked) as the error's message.
func HTTPStatus(status int, body string) *Error {
	body = scrub(body) // a gateway may echo the number it refused: never keep it
	code := fmt.Sprintf("http_%d", status)
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return Temporary(code, body, 0)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Permanent(ScopeProvider, code, body)
	default:
		return Permanent(ScopeMessage, code, body)
	}
}

// Limit is a documented quota: at most N sends in any window of Per.
type Limit struct {
	N   int           `json:"n"`
	Per time.Duration `json:"per"`
}

// Kind describes one provider kind.
type Kind struct {
	Name        string // e.g. "aliyun_sms"
	Media       string // what it carries (MediaSMS …)
	Concurrency int    // requests in flight per account
	Account     []Limit
	PerAddress  []Limit // per recipient (number, user) of one account
	Group       bool    // a group robot: one message to a group, no per-person address
	// New builds a sender from the kind's JSON configuration (secrets included; the
	// caller stores it sealed). It validates the configuration.
	New func(cfg json.RawMessage, d Deps) (Sender, error)
	// Callback parses a push from the provider (delivery receipts, replies) and returns
	// the events and the exact answer the provider expects. Nil when it pushes nothing.
	// It verifies the request's signature where the provider signs (Twilio, WeCom,
	// DingTalk, Feishu) and returns an error wrapping ErrSignature when it does not verify.
	Callback func(cfg json.RawMessage, r *http.Request, body []byte) ([]Event, Answer, error)
}

// Event is what a provider's callback reports about a delivery or a reply.
type Event struct {
	Key               string    // our idempotency key where the provider echoes it (OutId, ext)
	ProviderMessageID string    // the provider's id (BizId, MessageSid, sid)
	Status            string    // EventDelivered, EventFailed or EventReply
	From              string    // replies: the sender's address: E.164, or a platform user id (FromKind)
	FromKind          string    // replies over IM: MediaWeCom, MediaDingTalk or MediaFeishu; empty for a phone number
	FromAlt           []string  // replies over IM: other ids of the same sender (Feishu user_id, union_id)
	Text              string    // replies: what they wrote
	Error             string    // failures: the provider's code and message
	At                time.Time // when it happened, per the provider (zero: now)
}

// Event statuses.
const (
	EventDelivered = "delivered"
	EventFailed    = "failed"
	EventReply     = "reply"
)

// Answer is the HTTP answer a provider expects from a callback.
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
}

// Deps are what a provider may use.
type Deps struct {
	HTTP *http.Client
	Now  func() time.Time
	Log  *slog.Logger
}

var registry = map[string]Kind{}

// register adds a kind; called from each provider file's init-free constructor list.
func register(k Kind) Kind {
	registry[k.Name] = k
	return k
}

// Lookup returns a provider kind by name.
func Lookup(name string) (Kind, bool) {
	k, ok := registry[name]
	return k, ok
}

// Kinds lists the registered provider kinds by name.
func Kinds() []Kind {
	out := make([]Kind, 0, len(registry))
	for _, k := range registry {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// decodeConfig decodes a provider's JSON configuration strictly.
func decodeConfig(cfg json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(cfg))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid provider configuration: %w", err)
	}
	return nil
}
