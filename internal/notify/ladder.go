package notify

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"lifeline/internal/channel"
	"lifeline/internal/directory"
	"lifeline/internal/store"
)

// Policy is a notification's escalation policy: when a recipient does not acknowledge
// within AfterMinutes, the next rung of their ladder is tried — their next channel
// (e.g. SMS → voice → email), then their roster backup, then their manager.
type Policy struct {
	AfterMinutes int      `json:"after_minutes"`       // minutes to wait for an acknowledgement (default 5)
	Media        []string `json:"media,omitempty"`     // the media to use, in order (default: the channels' own order)
	Backup       *bool    `json:"backup,omitempty"`    // escalate to the roster backup (default true)
	Manager      *bool    `json:"manager,omitempty"`   // then to the manager (default true)
	MaxSteps     int      `json:"max_steps,omitempty"` // rungs tried in all (default 6)
}

func (p Policy) withDefaults() Policy {
	if p.AfterMinutes <= 0 {
		p.AfterMinutes = 5
	}
	if p.MaxSteps <= 0 {
		p.MaxSteps = 6
	}
	t := true
	if p.Backup == nil {
		p.Backup = &t
	}
	if p.Manager == nil {
		p.Manager = &t
	}
	return p
}

// mediaFor lists what a channel kind can carry, in the order tried: a mobile gets an
// SMS first and a call when that goes unanswered; a Feishu or DingTalk account gets a
// plain message first, then the same escalated (Feishu 加急, a DingTalk DING).
func mediaFor(kind string) []string {
	switch kind {
	case directory.KindMobile:
		return []string{channel.MediaSMS, channel.MediaVoice}
	case directory.KindLandline:
		return []string{channel.MediaVoice}
	case directory.KindEmail:
		return []string{channel.MediaEmail}
	case directory.KindWeCom:
		return []string{channel.MediaWeCom}
	case directory.KindDingTalk:
		return []string{channel.MediaDingTalk, channel.MediaDingTalkDing}
	case directory.KindFeishu:
		return []string{channel.MediaFeishu, channel.MediaFeishuUrgent}
	}
	return nil
}

// escalatedMedia are the media that escalate a plain message on the same account: a
// policy that lists the plain medium gets them right after it, unless it lists them
// itself.
var escalatedMedia = map[string]string{
	channel.MediaFeishu:   channel.MediaFeishuUrgent,
	channel.MediaDingTalk: channel.MediaDingTalkDing,
}

// chanRow is a channel as the ladder needs it (no value: that is opened at send time).
type chanRow struct {
	id, kind, lookup string
	position         int // the owner's order of preference (only read to sort them)
}

// rung is one attempt to reach a recipient.
type rung struct {
	target              string // self, backup, manager
	personID, contactID string
	channelID, media    string
	lookup              string
}

// selfRungs orders one owner's channels into rungs over the media that have a provider.
func selfRungs(chans []chanRow, available map[string]bool, pol Policy) []chanRung {
	var out []chanRung
	for _, c := range chans {
		for _, m := range mediaFor(c.kind) {
			if available[m] {
				out = append(out, chanRung{c, m})
			}
		}
	}
	if len(pol.Media) > 0 {
		listed := map[string]bool{}
		for _, m := range pol.Media {
			listed[m] = true
		}
		var ordered []chanRung
		for _, m := range pol.Media {
			for _, r := range out {
				if r.media == m {
					ordered = append(ordered, r)
				}
			}
			if e := escalatedMedia[m]; e != "" && !listed[e] {
				for _, r := range out {
					if r.media == e {
						ordered = append(ordered, r)
					}
				}
			}
		}
		out = ordered
	}
	return out
}

type chanRung struct {
	chanRow
	media string
}

// ladder is a recipient's full escalation ladder.
func ladder(self []chanRung, personID, contactID string, backup, manager []chanRung, backupID, managerID string, requireAck bool, pol Policy) []rung {
	var out []rung
	for _, c := range self {
		out = append(out, rung{target: "self", personID: personID, contactID: contactID, channelID: c.id, media: c.media, lookup: c.lookup})
	}
	if !requireAck {
		return out // without acknowledgements, further rungs only replace failed channels
	}
	if len(out) > pol.MaxSteps {
		out = out[:pol.MaxSteps]
	}
	if *pol.Backup && len(backup) > 0 && backupID != personID {
		c := backup[0]
		out = append(out, rung{target: "backup", personID: backupID, channelID: c.id, media: c.media, lookup: c.lookup})
	}
	if *pol.Manager && len(manager) > 0 && managerID != "" && managerID != personID {
		c := manager[0]
		out = append(out, rung{target: "manager", personID: managerID, channelID: c.id, media: c.media, lookup: c.lookup})
	}
	return out
}

// wholeScan is the number of owners from which channelsOf reads every owner's channels
// in one ordered pass over the channels_person_plan index (migration 0022) instead of
// hundreds of queries of 500 owners each: at 100,000 people that was over half of the
// time it takes to create an organization-wide notification.
var wholeScan = 5000

// allChannels adds the channels of every owner in ids to out, in their preferred order,
// from one pass over all owners' channels. SQLite reads them in order from the index;
// PostgreSQL scans the table (its index-only scan needs a vacuumed table, and the
// alternative is a sort spilling to disk), and the few channels of each owner are put in
// order here.
func allChannels(ctx context.Context, q store.Querier, pg bool, col, prefix string, ids []string, out map[string][]chanRow) error {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	order := ` ORDER BY ` + col + `, position, id`
	if pg {
		order = ""
	}
	rows, err := q.QueryContext(ctx, `SELECT `+col+`, id, kind, lookup, position FROM channels WHERE `+col+` IS NOT NULL`+order)
	if err != nil {
		return fmt.Errorf("load channels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var owner string
		var c chanRow
		if err := rows.Scan(&owner, &c.id, &c.kind, &c.lookup, &c.position); err != nil {
			return err
		}
		if want[owner] {
			out[prefix+owner] = append(out[prefix+owner], c)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if pg {
		for _, id := range ids {
			slices.SortFunc(out[prefix+id], func(a, b chanRow) int { return cmp.Or(cmp.Compare(a.position, b.position), cmp.Compare(a.id, b.id)) })
		}
	}
	return nil
}

// channelsOf loads the channels of people and contacts (keys "p:ID" and "c:ID") in
// their preferred order, in chunks.
func channelsOf(ctx context.Context, q store.Querier, pg bool, personIDs, contactIDs []string) (map[string][]chanRow, error) {
	out := map[string][]chanRow{}
	load := func(col, prefix string, ids []string) error {
		if len(ids) > wholeScan {
			return allChannels(ctx, q, pg, col, prefix, ids, out)
		}
		for start := 0; start < len(ids); start += 500 {
			chunk := ids[start:min(start+500, len(ids))]
			pred, args := inPred(pg, col, chunk, 0)
			if !pg {
				// The only parameters: anonymous "?" spare SQLite its $N lookups.
				pred = col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",") + ")"
			}
			rows, err := q.QueryContext(ctx, `SELECT `+col+`, id, kind, lookup FROM channels WHERE `+pred+`
				ORDER BY `+col+`, position, id`, args...)
			if err != nil {
				return fmt.Errorf("load channels: %w", err)
			}
			for rows.Next() {
				var owner string
				var c chanRow
				if err := rows.Scan(&owner, &c.id, &c.kind, &c.lookup); err != nil {
					rows.Close()
					return err
				}
				out[prefix+owner] = append(out[prefix+owner], c)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	if err := load("person_id", "p:", personIDs); err != nil {
		return nil, err
	}
	if err := load("contact_id", "c:", contactIDs); err != nil {
		return nil, err
	}
	return out, nil
}
