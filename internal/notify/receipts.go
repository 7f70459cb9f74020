package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"lifeline/internal/channel"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// callbackSecret is the unguessable path segment of a provider's callback URL: Aliyun
// and Tencent do not sign their pushes, so knowing the URL is the credential.
func (s *Service) callbackSecret(providerID string) string {
	m := hmac.New(sha256.New, s.ackKey)
	m.Write([]byte("callback:" + providerID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// CallbackURL is where a provider pushes receipts and replies.
func (s *Service) CallbackURL(providerID string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/hooks/providers/" + providerID + "/" + s.callbackSecret(providerID)
}

// HandleCallback parses a provider's push and applies its events idempotently: a
// receipt moves a delivery to delivered or failed once; a reply ("1", "2", "收到" …)
// acknowledges the latest notification sent to that number.
func (s *Service) HandleCallback(ctx context.Context, providerID, secret string, r *http.Request, body []byte) (channel.Answer, error) {
	if !hmac.Equal([]byte(secret), []byte(s.callbackSecret(providerID))) {
		return channel.Answer{}, errs.E(errs.NotFound, "not found")
	}
	var kind string
	var sealed []byte
	err := s.db.Read.QueryRowContext(ctx, `SELECT kind, sealed FROM providers WHERE id = $1`, providerID).Scan(&kind, &sealed)
	if err == sql.ErrNoRows {
		return channel.Answer{}, errs.E(errs.NotFound, "not found")
	}
	if err != nil {
		return channel.Answer{}, fmt.Errorf("load provider: %w", err)
	}
	k, ok := channel.Lookup(kind)
	if !ok || k.Callback == nil {
		return channel.Answer{}, errs.E(errs.NotFound, "this provider sends no callbacks")
	}
	cfg, err := s.vault.Open(sealed, "provider:"+providerID)
	if err != nil {
		return channel.Answer{}, fmt.Errorf("open provider: %w", err)
	}
	events, ans, err := k.Callback(cfg, r, body)
	if err != nil {
		return channel.Answer{}, errs.Wrap(errs.Invalid, err, "the callback could not be read")
	}
	if err := s.ApplyEvents(ctx, providerID, events); err != nil {
		return channel.Answer{}, err
	}
	if ans.Status == 0 {
		ans.Status = http.StatusOK
	}
	return ans, nil
}

// ApplyEvents records receipts and replies. Applying the same events again changes
// nothing: a delivered delivery stays delivered, an answer is the same answer.
func (s *Service) ApplyEvents(ctx context.Context, providerID string, events []channel.Event) error {
	now := s.clock.Now()
	for _, ev := range events {
		at := ev.At
		if at.IsZero() || at.After(now) {
			at = now
		}
		switch ev.Status {
		case channel.EventDelivered, channel.EventFailed:
			if err := s.applyReceipt(ctx, providerID, ev, store.TS(at)); err != nil {
				return err
			}
		case channel.EventReply:
			status := ParseReply(ev.Text)
			if status == "" || ev.From == "" {
				continue
			}
			did, err := s.latestDeliveryTo(ctx, ev.From)
			if err != nil {
				if errs.KindOf(err) == errs.NotFound {
					continue // a reply to nothing we sent recently
				}
				return err
			}
			if err := s.acks.submit(ctx, ackReq{deliveryID: did, status: status, via: "sms"}); err != nil && errs.KindOf(err) != errs.Gone {
				return err
			}
		}
	}
	return nil
}

func (s *Service) applyReceipt(ctx context.Context, providerID string, ev channel.Event, at string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		match := `(id = $2 OR (provider_message_id = $3 AND provider_id = $4))`
		if ev.Key == "" {
			match = `(provider_message_id = $3 AND provider_id = $4 AND $2 = '')`
		}
		if ev.ProviderMessageID == "" {
			match = `(id = $2 AND $3 = '' AND $4 <> '')`
		}
		var err error
		if ev.Status == channel.EventDelivered {
			_, err = tx.ExecContext(ctx, `UPDATE deliveries SET state = 'delivered', delivered_at = $1, sent_at = COALESCE(sent_at, $1), lease_until = NULL
				WHERE `+match+` AND state IN ('sending', 'sent')`, at, ev.Key, ev.ProviderMessageID, providerID)
		} else {
			var rid sql.NullString
			err = tx.QueryRowContext(ctx, `UPDATE deliveries SET state = 'failed', failed_at = $1, error = $5, lease_until = NULL
				WHERE `+match+` AND state IN ('sending', 'sent') RETURNING recipient_id`, at, ev.Key, ev.ProviderMessageID, providerID,
				truncate("receipt: "+ev.Error, 300)).Scan(&rid)
			if err == sql.ErrNoRows {
				return nil
			}
			if err == nil && rid.Valid {
				_, err = tx.ExecContext(ctx, `UPDATE recipients SET next_step_at = $1 WHERE id = $2 AND acked_at IS NULL`, at, rid.String)
			}
		}
		if err != nil {
			return fmt.Errorf("apply receipt: %w", err)
		}
		return nil
	})
}

// latestDeliveryTo finds the delivery most recently sent to a number whose link is
// still open.
func (s *Service) latestDeliveryTo(ctx context.Context, e164 string) (string, error) {
	var id string
	err := s.db.Read.QueryRowContext(ctx, `SELECT d.id FROM deliveries d JOIN notifications n ON n.id = d.notification_id
		WHERE d.address_index = $1 AND d.sent_at IS NOT NULL AND n.ack_until > $2 AND n.require_ack
		ORDER BY d.sent_at DESC LIMIT 1`, directory.PhoneLookup(s.vault, e164), store.TS(s.clock.Now())).Scan(&id)
	if err == sql.ErrNoRows {
		return "", errs.E(errs.NotFound, "no recent notification to this number")
	}
	if err != nil {
		return "", fmt.Errorf("find delivery: %w", err)
	}
	return id, nil
}

// ParseReply reads an SMS or IM reply: "1" or 平安 is safe, "2" or 求助 needs help, 收到 or
// OK is received; anything else is not an answer.
func ParseReply(text string) string {
	t := strings.ToLower(strings.TrimFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }))
	t = strings.Map(func(r rune) rune { // full-width digits
		if r >= '０' && r <= '９' {
			return '0' + (r - '０')
		}
		return r
	}, t)
	switch {
	case t == "1" || strings.HasPrefix(t, "平安") || strings.HasPrefix(t, "安全") || t == "safe":
		return AckSafe
	case t == "2" || strings.Contains(t, "求助") || strings.Contains(t, "需要帮助") || strings.Contains(t, "救命") || t == "help":
		return AckNeedHelp
	case strings.HasPrefix(t, "收到") || t == "ok" || t == "好的" || t == "已收到":
		return AckReceived
	}
	return ""
}
