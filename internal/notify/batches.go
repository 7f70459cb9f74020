package notify

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"lifeline/internal/store"
)

// writePlans records a notification's planned recipients in the creating transaction:
// as recipient and delivery rows when the audience is small (Config.Inline), else as
// batches of planned recipients (see migration 0018): the transaction that creates a
// 100,000-recipient broadcast then writes 200 rows, not 200,000, and the first messages
// go out while the rest are still being expanded.
func (s *Service) writePlans(ctx context.Context, tx *sql.Tx, n Notification, plans []planned) error {
	notBefore := n.SendAt
	if n.Status == "pending_approval" {
		notBefore = farFuture
	}
	// In owner order, so that recipients_owner grows only at its end (contacts first:
	// their person is empty, as SQLite puts NULL first).
	slices.SortStableFunc(plans, func(a, b planned) int {
		return cmp.Or(cmp.Compare(a.personID, b.personID), cmp.Compare(a.contactID, b.contactID))
	})
	if len(plans) <= s.cfg.Inline {
		_, err := s.insertRecipients(ctx, tx, n, plans, rowsAs{notBefore: notBefore, state: "queued"})
		return err
	}
	size := max(s.cfg.Batch, 1)
	rows := make([][]any, 0, 50)
	for seq, start := 0, 0; start < len(plans); seq, start = seq+1, start+size {
		chunk := plans[start:min(start+size, len(plans))]
		unreachable := 0
		for _, pl := range chunk {
			if pl.first == nil {
				unreachable++
			}
		}
		rows = append(rows, []any{store.NewID(), n.ID, seq, len(chunk), unreachable, encodePlan(chunk), "queued",
			store.TS(notBefore), store.TS(n.CreatedAt)})
		if len(rows) == cap(rows) || start+size >= len(plans) {
			if err := s.db.BulkInsert(ctx, tx, "notification_batches",
				[]string{"id", "notification_id", "seq", "size", "unreachable", "plan", "state", "not_before", "created_at"}, rows); err != nil {
				return err
			}
			rows = rows[:0]
		}
	}
	return nil
}

// A planned recipient in a batch: ids only, positional to keep 500 of them small.
// [person, contact, roster, department, backup, channel, media, lookup]; the channel
// fields are empty when the recipient has no channel to send to (its first rung is
// always its own channel).
func encodePlan(plans []planned) []byte {
	rows := make([][8]string, len(plans))
	for i, pl := range plans {
		rows[i] = [8]string{pl.personID, pl.contactID, pl.rosterID, pl.deptID, pl.backupID}
		if f := pl.first; f != nil {
			rows[i][5], rows[i][6], rows[i][7] = f.channelID, f.media, f.lookup
		}
	}
	b, _ := json.Marshal(rows) // strings only: cannot fail
	return b
}

func decodePlan(b []byte) ([]planned, error) {
	var rows [][8]string
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("decode notification batch: %w", err)
	}
	out := make([]planned, len(rows))
	for i, r := range rows {
		out[i].target = target{personID: r[0], contactID: r[1], rosterID: r[2], deptID: r[3], backupID: r[4]}
		if r[5] != "" {
			out[i].first = &rung{target: "self", personID: r[0], contactID: r[1], channelID: r[5], media: r[6], lookup: r[7]}
		}
	}
	return out, nil
}

// sendInfo is what every delivery of one notification shares.
type sendInfo struct {
	n            Notification
	title, level string
	cancelled    bool
}

// loadSendInfo reads a notification and its incident's title and level.
func loadSendInfo(ctx context.Context, q store.Querier, id string) (sendInfo, error) {
	var si sendInfo
	var pol string
	err := q.QueryRowContext(ctx, `SELECT n.id, n.text, n.require_ack, n.drill, n.status, n.policy, COALESCE(i.title, ''), COALESCE(i.level, '')
		FROM notifications n LEFT JOIN incidents i ON i.id = n.incident_id WHERE n.id = $1`, id).
		Scan(&si.n.ID, &si.n.Text, &si.n.RequireAck, &si.n.Drill, &si.n.Status, &pol, &si.title, &si.level)
	if err != nil {
		return si, fmt.Errorf("load notification %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(pol), &si.n.Policy); err != nil {
		return si, fmt.Errorf("decode policy: %w", err)
	}
	si.cancelled = si.n.Status == "cancelled"
	return si, nil
}

// expand turns ready batches holding up to about want recipients into recipient rows
// and first deliveries leased to this process, and returns those deliveries for sending
// (without their sealed channels: see attachSealed).
// The batch is marked expanded in the same transaction, so it is expanded once: after a
// crash its deliveries are claimed again like any other whose lease lapsed.
func (s *Service) expand(ctx context.Context, tx *sql.Tx, want int) ([]claimed, error) {
	now := s.clock.Now()
	lock := ""
	if s.db.Engine == store.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	limit := max(1, want/max(s.cfg.Batch, 1))
	batches, err := queryBatches(ctx, tx, `SELECT id, notification_id, plan FROM notification_batches
		WHERE state = 'queued' AND not_before <= $1 ORDER BY not_before, seq LIMIT $2`+lock, store.TS(now), limit)
	if err != nil {
		return nil, err
	}
	infos := map[string]sendInfo{}
	var jobs []claimed
	for _, b := range batches {
		si, written, err := s.expandBatch(ctx, tx, b, infos, now, false)
		if err != nil {
			return nil, err
		}
		if si.cancelled {
			continue
		}
		for _, f := range written {
			jobs = append(jobs, claimed{id: f.id, recipientID: f.recipientID, notificationID: si.n.ID, channelID: f.rung.channelID,
				media: f.rung.media, target: f.rung.target, attempts: 1, text: si.n.Text, title: si.title, level: si.level,
				drill: si.n.Drill, requireAck: si.n.RequireAck})
		}
	}
	return jobs, nil
}

// attachSealed loads the sealed channel values of jobs (opened only in the send).
func (s *Service) attachSealed(ctx context.Context, q store.Querier, jobs []claimed) error {
	if len(jobs) == 0 {
		return nil
	}
	ids := make([]string, 0, len(jobs))
	for _, j := range jobs {
		ids = append(ids, j.channelID)
	}
	sealed := make(map[string][]byte, len(ids))
	for start := 0; start < len(ids); start += 500 {
		pred, args := inPred(s.db.Engine == store.Postgres, "id", ids[start:min(start+500, len(ids))], 0)
		rows, err := q.QueryContext(ctx, `SELECT id, sealed FROM channels WHERE `+pred, args...)
		if err != nil {
			return fmt.Errorf("load channels to send to: %w", err)
		}
		for rows.Next() {
			var id string
			var b []byte
			if err := rows.Scan(&id, &b); err != nil {
				rows.Close()
				return err
			}
			sealed[id] = b
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i := range jobs {
		jobs[i].sealed = sealed[jobs[i].channelID] // nil: removed since planned, recorded as failed
	}
	return nil
}

// expandRemaining expands every batch not yet expanded of the notifications that cond
// selects ("n.id = $1" or "n.incident_id = $1"), with their deliveries cancelled: a
// cancelled notification or closed incident sends nothing more, and its report still
// counts every recipient.
func (s *Service) expandRemaining(ctx context.Context, tx *sql.Tx, cond, arg string) error {
	batches, err := queryBatches(ctx, tx, `SELECT b.id, b.notification_id, b.plan FROM notification_batches b
		JOIN notifications n ON n.id = b.notification_id WHERE b.state = 'queued' AND `+cond+` ORDER BY b.notification_id, b.seq`, arg)
	if err != nil {
		return err
	}
	infos := map[string]sendInfo{}
	for _, b := range batches {
		if _, _, err := s.expandBatch(ctx, tx, b, infos, s.clock.Now(), true); err != nil {
			return err
		}
	}
	return nil
}

// batch is a notification batch not yet expanded.
type batch struct {
	id, notificationID string
	plan               []byte
}

func queryBatches(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]batch, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("notification batches: %w", err)
	}
	defer rows.Close()
	var out []batch
	for rows.Next() {
		var b batch
		if err := rows.Scan(&b.id, &b.notificationID, &b.plan); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// expandBatch writes one batch's recipients and first deliveries — leased for sending
// now, or cancelled when the notification was cancelled (or cancel is set) — and marks
// it expanded. infos caches the notifications already read.
func (s *Service) expandBatch(ctx context.Context, tx *sql.Tx, b batch, infos map[string]sendInfo, now time.Time, cancel bool) (sendInfo, []firstDelivery, error) {
	si, ok := infos[b.notificationID]
	if !ok {
		var err error
		if si, err = loadSendInfo(ctx, tx, b.notificationID); err != nil {
			return si, nil, err
		}
		infos[b.notificationID] = si
	}
	plans, err := decodePlan(b.plan)
	if err != nil {
		return si, nil, err
	}
	as := rowsAs{notBefore: now, state: "sending", leaseUntil: now.Add(s.cfg.Lease)}
	if si.cancelled || cancel {
		as = rowsAs{notBefore: now, state: "cancelled"}
	}
	written, err := s.insertRecipients(ctx, tx, si.n, plans, as)
	if err != nil {
		return si, nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notification_batches SET state = 'expanded' WHERE id = $1`, b.id); err != nil {
		return si, nil, fmt.Errorf("mark batch expanded: %w", err)
	}
	return si, written, nil
}

// releaseBatches lets the batches of an approved notification go now.
func releaseBatches(ctx context.Context, tx *sql.Tx, notificationID string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE notification_batches SET not_before = $1 WHERE notification_id = $2 AND state = 'queued'`,
		store.TS(now), notificationID); err != nil {
		return fmt.Errorf("release batches: %w", err)
	}
	return nil
}

// pendingBatches counts the recipients of a notification not yet expanded into rows, and
// how many of them have no channel.
func pendingBatches(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, notificationID string) (size, unreachable int, err error) {
	err = q.QueryRowContext(ctx, `SELECT COALESCE(SUM(size), 0), COALESCE(SUM(unreachable), 0) FROM notification_batches
		WHERE notification_id = $1 AND state = 'queued'`, notificationID).Scan(&size, &unreachable)
	if err != nil {
		return 0, 0, fmt.Errorf("count pending batches: %w", err)
	}
	return size, unreachable, nil
}
