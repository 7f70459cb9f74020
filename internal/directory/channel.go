package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"lifeline/internal/phone"
	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// Channel kinds.
const (
	KindMobile   = "mobile"
	KindLandline = "landline"
	KindEmail    = "email"
	KindWeCom    = "wecom"
	KindDingTalk = "dingtalk"
	KindFeishu   = "feishu"
	KindWebhook  = "webhook"
)

// ChannelKinds lists the kinds a channel may have.
func ChannelKinds() []string {
	return []string{KindMobile, KindLandline, KindEmail, KindWeCom, KindDingTalk, KindFeishu, KindWebhook}
}

// ChannelInput is a channel as a client sends it.
type ChannelInput struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// Channel is a channel as a reader sees it: Value and E164 are masked unless revealed.
type Channel struct {
	ID             string     `json:"id"`
	Kind           string     `json:"kind"`
	Value          string     `json:"value"`
	E164           string     `json:"e164,omitempty"`
	Type           string     `json:"type,omitempty"`
	Carrier        string     `json:"carrier,omitempty"`
	Region         string     `json:"region,omitempty"`
	Country        string     `json:"country,omitempty"`
	Extension      string     `json:"extension,omitempty"`
	Raw            string     `json:"raw,omitempty"`
	Position       int        `json:"position"`
	VerifiedAt     *time.Time `json:"verified_at"`
	LastDeliveryAt *time.Time `json:"last_delivery_at"`
	LastAckAt      *time.Time `json:"last_ack_at"`
	lookup         string
	sealed         []byte
}

// secretValue is what a sealed channel or emergency-contact phone holds.
type secretValue struct {
	Value    string `json:"value"`
	E164     string `json:"e164,omitempty"`
	Raw      string `json:"raw,omitempty"`
	Name     string `json:"name,omitempty"`
	Relation string `json:"relation,omitempty"`
}

// normalized is a channel value after validation: what is sealed, indexed and shown.
type normalized struct {
	kind                              string
	secret                            secretValue
	lookup                            string
	masked, maskedE164                string
	phoneType, carrier, region, cntry string
	extension                         string
	problem                           string // "placeholder" or "invalid": what data quality reports, known at write time
}

// errResidentID is the user-facing refusal of a resident ID number; it never holds the value.
var errResidentID = errors.New("looks like a resident ID number (身份证号), which Lifeline does not store")

// normalizeChannel validates and normalizes one channel value. The message of a returned
// error is safe to show and never contains the value.
func normalizeChannel(v *vault.Vault, kind, value string) (normalized, error) {
	kind = strings.TrimSpace(strings.ToLower(kind))
	value = strings.TrimSpace(value)
	if value == "" {
		return normalized{}, errors.New("required")
	}
	if phone.LooksLikeResidentID(value) {
		return normalized{}, errResidentID
	}
	switch kind {
	case KindMobile, KindLandline:
		n, err := normalizePhone(v, value)
		if err != nil {
			return n, err
		}
		// The kind follows the number: a landline typed into the mobile field is a landline.
		if n.phoneType == string(phone.Mobile) {
			n.kind = KindMobile
		} else if n.phoneType == string(phone.FixedLine) {
			n.kind = KindLandline
		} else {
			n.kind = kind
		}
		return n, nil
	case KindEmail:
		e, err := phone.NormalizeEmail(value)
		if err != nil {
			return normalized{}, errors.New("not a valid email address")
		}
		m := phone.MaskEmail(e)
		return normalized{kind: kind, secret: secretValue{Value: e, Raw: value}, lookup: v.Index("email", e), masked: m}, nil
	case KindWeCom, KindDingTalk, KindFeishu:
		if len(value) > 128 || strings.ContainsAny(value, " \t\r\n") {
			return normalized{}, errors.New("not a valid account id")
		}
		return normalized{kind: kind, secret: secretValue{Value: value}, lookup: v.Index(kind, value), masked: maskID(value)}, nil
	case KindWebhook:
		u, err := url.Parse(value)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return normalized{}, errors.New("not an http(s) URL")
		}
		return normalized{kind: kind, secret: secretValue{Value: value}, lookup: v.Index(kind, value), masked: u.Scheme + "://" + u.Host + "/…"}, nil
	}
	return normalized{}, fmt.Errorf("unknown kind; use one of %s", strings.Join(ChannelKinds(), ", "))
}

// normalizePhone parses a personal phone number; service and invalid numbers are refused.
func normalizePhone(v *vault.Vault, value string) (normalized, error) {
	n, err := phone.Parse(value, "CN")
	if errors.Is(err, phone.ErrResidentID) {
		return normalized{}, errResidentID
	}
	if err != nil {
		return normalized{}, errors.New("not a valid phone number")
	}
	switch n.Type {
	case phone.Invalid:
		return normalized{}, fmt.Errorf("not a valid phone number (%s)", n.Problem)
	case phone.Service, phone.TollFree:
		return normalized{}, errors.New("a service or hotline number, not a personal contact")
	}
	return phoneNormalized(v, n), nil
}

// phoneNormalized turns a parsed number into what is stored.
func phoneNormalized(v *vault.Vault, n phone.Number) normalized {
	key := n.E164
	if key == "" {
		key = digitsOnly(n.Raw)
	}
	problem := ""
	if phone.IsPlaceholder(n) {
		problem = "placeholder"
	}
	return normalized{
		kind: string(n.Type), problem: problem,
		secret: secretValue{Value: n.National, E164: n.E164, Raw: n.Raw},
		lookup: v.Index("phone", key), masked: phone.Mask(n), maskedE164: phone.MaskE164(n.E164),
		phoneType: string(n.Type), carrier: n.Carrier, region: n.Region, cntry: n.Country, extension: n.Extension,
	}
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func maskID(s string) string {
	r := []rune(s)
	if len(r) <= 2 {
		return "**"
	}
	return string(r[:2]) + "***"
}

// insertChannel stores a normalized channel of a person or of an external contact.
func insertChannel(ctx context.Context, tx store.Querier, v *vault.Vault, now time.Time, personID, contactID string, n normalized, position int) error {
	return store.InsertRows(ctx, tx, "channels", channelCols(), [][]any{channelRow(v, now, personID, contactID, n, position)})
}

// channelCols and channelRow describe a new channel row, for single and batched inserts.
func channelCols() []string {
	return []string{"id", "person_id", "contact_id", "kind", "sealed", "key_id", "lookup", "masked", "masked_e164", "phone_type", "carrier",
		"region", "country", "extension", "position", "created_at", "updated_at", "problem"}
}

func channelRow(v *vault.Vault, now time.Time, personID, contactID string, n normalized, position int) []any {
	id := store.NewID()
	b, _ := json.Marshal(n.secret)
	sealed := v.Seal(b, id)
	ts := store.TS(now)
	return []any{id, nullIfEmpty(personID), nullIfEmpty(contactID), n.kind, sealed, vault.KeyID(sealed), n.lookup, n.masked, n.maskedE164,
		n.phoneType, n.carrier, n.region, n.cntry, n.extension, position, ts, ts, n.problem}
}

// channelsOf loads the channels of a person (ownerCol "person_id") or contact ("contact_id").
func channelsOf(ctx context.Context, q store.Querier, ownerCol, ownerID string) ([]Channel, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, sealed, lookup, masked, masked_e164, phone_type, carrier, region, country, extension,
			position, verified_at, last_delivery_at, last_ack_at
		FROM channels WHERE `+ownerCol+` = $1 ORDER BY position, id`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("load channels: %w", err)
	}
	defer rows.Close()
	out := []Channel{}
	for rows.Next() {
		var c Channel
		var ver, del, ack sqlNullTime
		if err := rows.Scan(&c.ID, &c.Kind, &c.sealed, &c.lookup, &c.Value, &c.E164, &c.Type, &c.Carrier, &c.Region, &c.Country,
			&c.Extension, &c.Position, &ver, &del, &ack); err != nil {
			return nil, err
		}
		c.VerifiedAt, c.LastDeliveryAt, c.LastAckAt = ver.ptr(), del.ptr(), ack.ptr()
		out = append(out, c)
	}
	return out, rows.Err()
}

// reveal replaces a channel's masked values with the sealed ones.
func (c *Channel) reveal(v *vault.Vault) error {
	b, err := v.Open(c.sealed, c.ID)
	if err != nil {
		return fmt.Errorf("open channel %s: %w", c.ID, err)
	}
	var s secretValue
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("decode channel %s: %w", c.ID, err)
	}
	c.Value, c.E164, c.Raw = s.Value, s.E164, s.Raw
	return nil
}

// syncChannels makes the stored channels of an owner equal the input list, keeping rows
// whose value is unchanged (and so their verification and delivery history).
func syncChannels(ctx context.Context, tx store.Querier, v *vault.Vault, now time.Time, ownerCol, ownerID string, want []normalized) ([]Change, error) {
	have, err := channelsOf(ctx, tx, ownerCol, ownerID)
	if err != nil {
		return nil, err
	}
	var changes []Change
	kept := map[string]bool{}
	for pos, n := range want {
		found := false
		for _, h := range have {
			if !kept[h.ID] && h.lookup == n.lookup && h.Kind == n.kind {
				kept[h.ID], found = true, true
				if h.Position != pos+1 {
					if _, err := tx.ExecContext(ctx, `UPDATE channels SET position = $1, updated_at = $2 WHERE id = $3`, pos+1, store.TS(now), h.ID); err != nil {
						return nil, fmt.Errorf("reorder channel: %w", err)
					}
				}
				break
			}
		}
		if found {
			continue
		}
		personID, contactID := ownerID, ""
		if ownerCol == "contact_id" {
			personID, contactID = "", ownerID
		}
		if err := insertChannel(ctx, tx, v, now, personID, contactID, n, pos+1); err != nil {
			return nil, err
		}
		changes = append(changes, Change{Field: "channel." + n.kind, After: n.masked})
	}
	for _, h := range have {
		if kept[h.ID] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM channels WHERE id = $1`, h.ID); err != nil {
			return nil, fmt.Errorf("delete channel: %w", err)
		}
		changes = append(changes, Change{Field: "channel." + h.Kind, Before: h.Value})
	}
	return changes, nil
}
