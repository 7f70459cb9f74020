package notify

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"lifeline/internal/channel"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// callbackSecret is the unguessable path segment of a provider's callback URL: Aliyun
// and Tencent do not sign their pushes, so knowing the URL is the credential.
func (s *Service) callbackSecret(providerID string) string {
	return base64.RawURLEncoding.EncodeToString(s.ackMAC.Sum(nil, []byte("callback:"+providerID))[:18])
}

// CallbackURL is where a provider pushes receipts and replies.
func (s *Service) CallbackURL(providerID string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/hooks/providers/" + providerID + "/" + s.callbackSecret(providerID)
}

// HandleCallback parses a provider's push and applies its events idempotently: a
// receipt moves a delivery to delivered or failed once; a reply ("1", "2", "收到" …)
// acknowledges the latest notification sent to that number, or over IM (WeCom,
// DingTalk, Feishu) to that account's owner. A push whose signature does not verify is
// refused (Forbidden) and changes nothing.
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
	if errors.Is(err, channel.ErrSignature) {
		return channel.Answer{}, errs.Wrap(errs.Forbidden, err, "the callback signature does not verify")
	}
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
			matched, err := s.applyReceipt(ctx, providerID, ev, store.TS(at))
			if err == nil && !matched && s.awaitSentIn(ctx, ev.Key) {
				// The receipt came back before the rows of its message's batch were written.
				_, err = s.applyReceipt(ctx, providerID, ev, store.TS(at))
			}
			if err != nil {
				return err
			}
		case channel.EventReply:
			status := ParseReply(ev.Text)
			if status == "" || ev.From == "" {
				continue
			}
			var did string
			var err error
			via := "sms"
			find := s.latestDeliveryTo
			if ev.FromKind != "" {
				find, via = func(ctx context.Context, _ string) (string, error) { return s.imReplyDelivery(ctx, ev) }, "im"
			}
			did, err = find(ctx, ev.From)
			if errs.KindOf(err) == errs.NotFound && s.awaitAnyBatch(ctx) {
				did, err = find(ctx, ev.From) // a reply to a message whose batch was not written yet
			}
			if err != nil {
				if errs.KindOf(err) == errs.NotFound {
					continue // a reply to nothing we sent recently
				}
				return err
			}
			if err := s.acks.submit(ctx, ackReq{deliveryID: did, status: status, via: via}); err != nil && errs.KindOf(err) != errs.Gone {
				return err
			}
		}
	}
	return nil
}

// awaitSentIn waits for the batch of the delivery key names, or for every batch being
// sent when the receipt names no key, and reports whether it waited.
func (s *Service) awaitSentIn(ctx context.Context, key string) bool {
	if key != "" {
		return s.awaitBatch(ctx, key)
	}
	return s.awaitAnyBatch(ctx)
}

// applyReceipt records a delivery receipt and reports whether it matched a delivery
// that could take it.
func (s *Service) applyReceipt(ctx context.Context, providerID string, ev channel.Event, at string) (bool, error) {
	matched := false
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		match := `(id = $2 OR (provider_message_id = $3 AND provider_id = $4))`
		if ev.Key == "" {
			match = `(provider_message_id = $3 AND provider_id = $4 AND $2 = '')`
		}
		if ev.ProviderMessageID == "" {
			match = `(id = $2 AND $3 = '' AND $4 <> '')`
		}
		var err error
		if ev.Status == channel.EventDelivered {
			var res sql.Result
			res, err = tx.ExecContext(ctx, `UPDATE deliveries SET state = 'delivered', delivered_at = $1, sent_at = COALESCE(sent_at, $1), lease_until = NULL
				WHERE `+match+` AND state IN ('sending', 'sent')`, at, ev.Key, ev.ProviderMessageID, providerID)
			if err == nil {
				var n int64
				n, err = res.RowsAffected()
				matched = n > 0
			}
		} else {
			var rid sql.NullString
			// A message its recipient answered is not failed, whatever comes later.
			err = tx.QueryRowContext(ctx, `UPDATE deliveries SET state = 'failed', failed_at = $1, error = $5, lease_until = NULL
				WHERE `+match+` AND state IN ('sending', 'sent')
					AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.id = deliveries.recipient_id AND r.acked_at IS NOT NULL)
				RETURNING recipient_id`, at, ev.Key, ev.ProviderMessageID, providerID,
				truncate("receipt: "+ev.Error, 300)).Scan(&rid)
			if err == sql.ErrNoRows {
				return nil
			}
			matched = err == nil
			if err == nil && rid.Valid {
				// Not reached after all, unless another message of theirs was accepted.
				_, err = tx.ExecContext(ctx, `UPDATE recipients SET next_step_at = CASE WHEN acked_at IS NULL THEN $1 ELSE next_step_at END,
					reached_at = CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.recipient_id = recipients.id
						AND d.state IN ('sent', 'delivered', 'acknowledged')) THEN reached_at END
					WHERE id = $2`, at, rid.String)
			}
		}
		if err != nil {
			return fmt.Errorf("apply receipt: %w", err)
		}
		return nil
	})
	return matched, err
}

// latestDeliveryTo finds the delivery most recently sent to a number whose link is
// still open.
func (s *Service) latestDeliveryTo(ctx context.Context, e164 string) (string, error) {
	idx := []string{directory.PhoneLookup(s.vault, e164)}
	owners, err := s.ownersOf(ctx, "", idx)
	if err != nil {
		return "", err
	}
	id, err := s.latestAckable(ctx, owners, idx, false)
	if errs.KindOf(err) == errs.NotFound {
		return "", errs.E(errs.NotFound, "no recent notification to this number")
	}
	return id, err
}

// owner is a person or an external contact.
type owner struct{ personID, contactID string }

// ownersOf finds who has a channel (of kind, or of any kind when "") with one of the
// blind indexes.
func (s *Service) ownersOf(ctx context.Context, kind string, idx []string) ([]owner, error) {
	pred, args := inPred(s.db.Engine == store.Postgres, "lookup", idx, 1)
	rows, err := s.db.Read.QueryContext(ctx, `SELECT DISTINCT COALESCE(person_id, ''), COALESCE(contact_id, '') FROM channels
		WHERE ($1 = '' OR kind = $1) AND `+pred, append([]any{kind}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("find the account's owner: %w", err)
	}
	defer rows.Close()
	var out []owner
	for rows.Next() {
		var o owner
		if err := rows.Scan(&o.personID, &o.contactID); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// latestAckable finds the delivery most recently sent to one of owners, of a
// notification whose link is still open and that asks for an acknowledgement: as a
// recipient themselves, or as someone's backup or manager. It counts deliveries to a
// channel whose blind index is in idx, or, with anyOwnChannel, to any channel of theirs.
func (s *Service) latestAckable(ctx context.Context, owners []owner, idx []string, anyOwnChannel bool) (string, error) {
	pg := s.db.Engine == store.Postgres
	now := store.TS(s.clock.Now())
	var best string
	var bestAt time.Time
	consider := func(q string, args ...any) error {
		var id string
		var at time.Time
		err := s.db.Read.QueryRowContext(ctx, q, args...).Scan(&id, &at)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find delivery: %w", err)
		}
		if best == "" || at.After(bestAt) {
			best, bestAt = id, at
		}
		return nil
	}
	for _, o := range owners {
		col, who, self := "r.person_id = $2", o.personID, "person_id = $2"
		if o.personID == "" {
			col, who, self = "r.person_id IS NULL AND r.contact_id = $2", o.contactID, "contact_id = $2"
		}
		addr, addrArgs := "d.address_index IN (SELECT lookup FROM channels WHERE "+self+")", []any(nil)
		if !anyOwnChannel {
			addr, addrArgs = inPred(pg, "d.address_index", idx, 2)
		}
		args := append([]any{now, who}, addrArgs...)
		// As a recipient: through the recipients of open notifications (by owner).
		if err := consider(`SELECT d.id, d.sent_at FROM notifications n JOIN recipients r ON r.notification_id = n.id
			JOIN deliveries d ON d.recipient_id = r.id
			WHERE n.require_ack AND n.ack_until > $1 AND `+col+` AND d.target = 'self' AND d.sent_at IS NOT NULL AND `+addr+`
			ORDER BY d.sent_at DESC LIMIT 1`, args...); err != nil {
			return "", err
		}
		if o.personID == "" {
			continue // backups and managers are people
		}
		// As a backup or manager: the deliveries escalated to them.
		if err := consider(`SELECT d.id, d.sent_at FROM deliveries d JOIN notifications n ON n.id = d.notification_id
			WHERE d.person_id = $2 AND d.target <> 'self' AND n.require_ack AND n.ack_until > $1 AND d.sent_at IS NOT NULL AND `+addr+`
			ORDER BY d.sent_at DESC LIMIT 1`, args...); err != nil {
			return "", err
		}
	}
	if best == "" {
		return "", errs.E(errs.NotFound, "no recent notification to this account")
	}
	return best, nil
}

// imChannelKinds maps the IM a reply came over to the kind of channel that stores such
// accounts (the domain of its blind index).
var imChannelKinds = map[string]string{
	channel.MediaWeCom:    directory.KindWeCom,
	channel.MediaDingTalk: directory.KindDingTalk,
	channel.MediaFeishu:   directory.KindFeishu,
}

// imReplyDelivery finds the delivery an IM reply answers: the latest that required an
// acknowledgement and was sent to the person (or external contact) whose channel this
// account is, over any of their channels — they may answer in the app a notification
// that reached them by SMS. When the account is no one's channel, or several people's,
// only deliveries to the account itself count. Accounts are matched by the channels'
// blind index, never by their value.
func (s *Service) imReplyDelivery(ctx context.Context, ev channel.Event) (string, error) {
	kind, ok := imChannelKinds[ev.FromKind]
	if !ok {
		return "", errs.E(errs.NotFound, "a reply over an unknown medium")
	}
	var idx []string
	seen := map[string]bool{}
	for _, id := range append([]string{ev.From}, ev.FromAlt...) {
		id = strings.TrimSpace(id)
		variants := []string{id}
		if kind == directory.KindWeCom {
			// WeCom userids are case-insensitive; a channel typed in lower case still matches.
			variants = append(variants, strings.ToLower(id))
		}
		for _, v := range variants {
			if x := s.vault.Index(kind, v); v != "" && !seen[x] {
				seen[x] = true
				idx = append(idx, x)
			}
		}
	}
	if len(idx) == 0 {
		return "", errs.E(errs.NotFound, "no account in the reply")
	}
	owners, err := s.ownersOf(ctx, kind, idx)
	if err != nil {
		return "", err
	}
	// One owner: any of their channels (they may answer in the app what reached them by
	// SMS). Several: only deliveries to the account itself.
	return s.latestAckable(ctx, owners, idx, len(owners) == 1)
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
