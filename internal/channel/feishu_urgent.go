package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// FeishuUrgent sends a Feishu message as the app's bot and escalates it at once with 加急
// (urgent_app, urgent_sms or urgent_phone on its message_id): the rung after a Feishu
// message that went unanswered. It takes the feishu_app configuration (the same app)
// plus the urgent mode; SMS and phone use the tenant's paid quota. A retry sends with
// the same uuid, which Feishu deduplicates for an hour, and buzzes again.
var FeishuUrgent = register(Kind{
	Name: "feishu_urgent", Media: MediaFeishuUrgent, Concurrency: 8,
	// The urgent APIs allow 1000 a minute and 50 a second per app.
	Account:    []Limit{{N: 1000, Per: time.Minute}, {N: 50, Per: time.Second}},
	PerAddress: []Limit{{N: 5, Per: time.Second}},
	New:        newFeishuUrgent,
	Callback:   feishuEventCallback,
})

// FeishuUrgentConfig configures a feishu_urgent provider: a feishu_app configuration
// and the urgent mode.
type FeishuUrgentConfig struct {
	FeishuAppConfig
	Urgent string `json:"urgent,omitempty"` // FeishuUrgentApp (default), FeishuUrgentSMS or FeishuUrgentPhone
}

type feishuUrgent struct {
	app  *FeishuAppSender
	mode string
}

func newFeishuUrgent(cfg json.RawMessage, d Deps) (Sender, error) {
	var c FeishuUrgentConfig
	if err := decodeConfig(cfg, &c); err != nil {
		return nil, err
	}
	switch c.Urgent {
	case "":
		c.Urgent = FeishuUrgentApp
	case FeishuUrgentApp, FeishuUrgentSMS, FeishuUrgentPhone:
	default:
		return nil, fmt.Errorf("urgent: urgent_app, urgent_sms or urgent_phone")
	}
	app, err := newFeishuAppSender(c.FeishuAppConfig, d)
	if err != nil {
		return nil, err
	}
	return &feishuUrgent{app: app, mode: c.Urgent}, nil
}

// Send sends the message to one user (open_id), then buzzes them on it. A user Feishu
// could not buzz fails the message: the rung did not reach them.
func (u *feishuUrgent) Send(ctx context.Context, m Message) (Result, error) {
	res, err := u.app.Send(ctx, m)
	if err != nil {
		return Result{}, err
	}
	if res.ProviderMessageID == "" {
		return Result{}, Temporary("protocol", "Feishu returned no message_id to escalate", 0)
	}
	invalid, err := u.app.Urgent(ctx, res.ProviderMessageID, []string{strings.TrimSpace(m.To)}, u.mode)
	if err != nil {
		return Result{}, err
	}
	if len(invalid) > 0 {
		return Result{}, Permanent(ScopeMessage, "urgent_invalid_user", "Feishu could not escalate to this user (outside the app's range, or no urgent quota)")
	}
	return res, nil
}
