package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"lifeline/internal/store"
)

// due is a recipient whose escalation time has come.
type due struct {
	id, notificationID          string
	personID, contactID, backup string
	step                        int
	requireAck                  bool
	policy                      Policy
}

// Escalate moves every unacknowledged recipient whose time has come to the next rung of
// their ladder (next channel → backup → manager), and starts scheduled notifications.
// It is safe to run in several processes at once: a recipient moves only from the step
// it was read at. It returns how many deliveries it queued.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	now := s.clock.Now()
	available, err := s.availableMedia(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if s.db.Engine == store.Postgres {
			// Every statement of the sweep has an index to walk. Before a table's first
			// statistics (a first large broadcast, for up to a minute) PostgreSQL guessed a
			// third of the recipients due and scanned them all, 30–40 ms a sweep at
			// 100,000, every second, in the middle of the broadcast.
			if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
				return fmt.Errorf("escalation sweep: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'sending' WHERE status = 'scheduled' AND send_at <= $1`, store.TS(now)); err != nil {
			return fmt.Errorf("start scheduled notifications: %w", err)
		}
		// Answers leave the escalation time in place (see migration 0018): clear it, in
		// bulk, for those answered whose time has passed and for cancelled notifications.
		// Both statements walk the escalation index in time order: with statistics taken
		// before a broadcast, PostgreSQL otherwise scanned every recipient of the
		// notification once a second (~100 ms each at 100,000) while acknowledgements came in.
		if _, err := tx.ExecContext(ctx, `UPDATE recipients SET next_step_at = NULL WHERE id IN (SELECT r.id FROM recipients r
			WHERE r.next_step_at IS NOT NULL AND r.next_step_at <= $1 AND (r.acked_at IS NOT NULL
				OR EXISTS (SELECT 1 FROM notifications n WHERE n.id = r.notification_id AND n.status = 'cancelled'))
			ORDER BY r.next_step_at LIMIT 20000)`, store.TS(now)); err != nil {
			return fmt.Errorf("clear answered escalations: %w", err)
		}
		lock := ""
		if s.db.Engine == store.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.QueryContext(ctx, `SELECT r.id, r.notification_id, COALESCE(r.person_id, ''), COALESCE(r.contact_id, ''),
				COALESCE(r.backup_person_id, ''), r.step
			FROM recipients r WHERE r.next_step_at IS NOT NULL AND r.next_step_at <= $1 AND r.acked_at IS NULL
			ORDER BY r.next_step_at LIMIT 500`+lock, store.TS(now))
		if err != nil {
			return fmt.Errorf("due escalations: %w", err)
		}
		var list []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.notificationID, &d.personID, &d.contactID, &d.backup, &d.step); err != nil {
				rows.Close()
				return err
			}
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Each notification's policy once; only those sending escalate (a cancelled one's
		// recipients were cleared above; pending and scheduled ones are not due yet).
		type policyOf struct {
			sending, requireAck bool
			policy              Policy
		}
		policies := map[string]policyOf{}
		kept := list[:0]
		for _, d := range list {
			p, ok := policies[d.notificationID]
			if !ok {
				var status, pol string
				if err := tx.QueryRowContext(ctx, `SELECT status, require_ack, policy FROM notifications WHERE id = $1`, d.notificationID).
					Scan(&status, &p.requireAck, &pol); err != nil {
					return fmt.Errorf("load escalation policy: %w", err)
				}
				if err := json.Unmarshal([]byte(pol), &p.policy); err != nil {
					return fmt.Errorf("decode policy: %w", err)
				}
				p.sending, p.policy = status == "sending", p.policy.withDefaults()
				policies[d.notificationID] = p
			}
			if p.sending {
				d.requireAck, d.policy = p.requireAck, p.policy
				kept = append(kept, d)
			}
		}
		list = kept
		for _, d := range list {
			n, err := s.escalateOne(ctx, tx, d, available, now)
			if err != nil {
				return err
			}
			queued += n
		}
		return nil
	})
	if err != nil {
		return queued, err
	}
	reminded, err := s.RemindAlerts(ctx)
	if queued > 0 {
		s.wake()
	}
	return queued + reminded, err
}

// escalateOne queues the next rung of one recipient, or ends their escalation.
func (s *Service) escalateOne(ctx context.Context, tx *sql.Tx, d due, available map[string]bool, now time.Time) (int, error) {
	rungs, err := s.ladderOf(ctx, tx, d, available)
	if err != nil {
		return 0, err
	}
	// A recipient with no deliveries yet (nothing reachable at first) starts at rung 0.
	var sentBefore int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE recipient_id = $1`, d.id).Scan(&sentBefore); err != nil {
		return 0, fmt.Errorf("count deliveries: %w", err)
	}
	next := d.step + 1
	if sentBefore == 0 {
		next = 0
	}
	for next < len(rungs) && rungs[next].channelID == "" {
		next++
	}
	if next >= len(rungs) {
		_, err := tx.ExecContext(ctx, `UPDATE recipients SET next_step_at = NULL WHERE id = $1 AND step = $2`, d.id, d.step)
		if err != nil {
			return 0, fmt.Errorf("end escalation: %w", err)
		}
		return 0, nil
	}
	var nextAt any
	if d.requireAck {
		nextAt = store.TS(now.Add(time.Duration(d.policy.AfterMinutes) * time.Minute))
	}
	res, err := tx.ExecContext(ctx, `UPDATE recipients SET step = $1, next_step_at = $2 WHERE id = $3 AND step = $4 AND acked_at IS NULL`,
		next, nextAt, d.id, d.step)
	if err != nil {
		return 0, fmt.Errorf("advance escalation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, nil // another process moved it, or an acknowledgement arrived
	}
	r := rungs[next]
	ts := store.TS(now)
	if err := store.InsertRows(ctx, tx, "deliveries", deliveryCols, [][]any{{store.NewID(), d.notificationID, d.id, next, r.target,
		nullIf(r.personID), nullIf(r.contactID), r.channelID, r.media, r.lookup, "queued", ts, ts}}); err != nil {
		return 0, err
	}
	return 1, nil
}

// ladderOf computes a recipient's ladder from the channels as they are now.
func (s *Service) ladderOf(ctx context.Context, tx *sql.Tx, d due, available map[string]bool) ([]rung, error) {
	var manager string
	if d.personID != "" {
		var m sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT m.id FROM people p JOIN people m ON m.id = p.manager_id WHERE p.id = $1 AND m.status <> 'departed'`,
			d.personID).Scan(&m)
		if err != nil && err != sql.ErrNoRows {
			return nil, fmt.Errorf("load manager: %w", err)
		}
		manager = m.String
	}
	var pids, cids []string
	for _, id := range []string{d.personID, d.backup, manager} {
		if id != "" {
			pids = append(pids, id)
		}
	}
	if d.contactID != "" {
		cids = append(cids, d.contactID)
	}
	chans, err := channelsOf(ctx, tx, s.db.Engine == store.Postgres, pids, cids)
	if err != nil {
		return nil, err
	}
	selfKey := "p:" + d.personID
	if d.contactID != "" {
		selfKey = "c:" + d.contactID
	}
	self := selfRungs(chans[selfKey], available, d.policy)
	backup := selfRungs(chans["p:"+d.backup], available, d.policy)
	mgr := selfRungs(chans["p:"+manager], available, d.policy)
	return ladder(self, d.personID, d.contactID, backup, mgr, d.backup, manager, d.requireAck, d.policy), nil
}
