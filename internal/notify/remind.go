package notify

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"lifeline/internal/store"
)

// remindKinds are the in-app alerts that also go out over the person's channels: a
// review that is due today or overdue must reach its owner, not wait for a login.
var remindKinds = []string{"review_reminder", "review_overdue"}

// RemindAlerts sends the new reminder alerts over the recipients' own channels. The
// alerts table is the outbox: the review job writes alerts in its transaction, and this
// sweep turns each not yet notified one into a one-recipient notification (no incident,
// no acknowledgement) in one transaction with stamping it, so each alert is sent once.
func (s *Service) RemindAlerts(ctx context.Context) (int, error) {
	now := s.clock.Now()
	available, err := s.availableMedia(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		lock := ""
		if s.db.Engine == store.Postgres {
			lock = " FOR UPDATE OF a SKIP LOCKED"
		}
		rows, err := tx.QueryContext(ctx, `SELECT a.id, a.message, COALESCE(u.person_id, '') FROM alerts a JOIN users u ON u.id = a.user_id
			WHERE a.notified_at IS NULL AND a.kind IN ($1, $2) ORDER BY a.created_at LIMIT 200`+lock, remindKinds[0], remindKinds[1])
		if err != nil {
			return fmt.Errorf("load reminder alerts: %w", err)
		}
		type alert struct{ id, msg, personID string }
		var list []alert
		for rows.Next() {
			var a alert
			if err := rows.Scan(&a.id, &a.msg, &a.personID); err != nil {
				rows.Close()
				return err
			}
			list = append(list, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, a := range list {
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET notified_at = $1 WHERE id = $2`, store.TS(now), a.id); err != nil {
				return fmt.Errorf("stamp alert: %w", err)
			}
			if a.personID == "" {
				continue // an account without a directory person: in-app only
			}
			if err := s.remind(ctx, tx, a.personID, a.msg, now, available); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	if sent > 0 {
		s.wake()
	}
	return sent, err
}

// remind queues one reminder to a person over their first reachable channel.
func (s *Service) remind(ctx context.Context, tx *sql.Tx, personID, text string, now time.Time, available map[string]bool) error {
	chans, err := channelsOf(ctx, tx, s.db.Engine == store.Postgres, []string{personID}, nil)
	if err != nil {
		return err
	}
	pol := Policy{}.withDefaults()
	rungs := selfRungs(chans["p:"+personID], available, pol)
	n := Notification{ID: store.NewID(), Text: text, Policy: pol, Audience: Audience{People: []string{personID}}, Status: "sending",
		Creator: "system", SendAt: now, AckUntil: now.Add(s.cfg.AckTTL), CreatedAt: now, Recipients: 1}
	if err := s.insertNotification(ctx, tx, nil, n); err != nil {
		return err
	}
	pl := planned{target: target{personID: personID}}
	if len(rungs) > 0 {
		c := rungs[0]
		pl.first = &rung{target: "self", personID: personID, channelID: c.id, media: c.media, lookup: c.lookup}
	}
	_, err = s.insertRecipients(ctx, tx, n, []planned{pl}, rowsAs{notBefore: now, state: "queued"})
	return err
}
