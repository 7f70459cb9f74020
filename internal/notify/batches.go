package notify

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
		// A base id: the ids of the batch's rows derive from it (rowsAs.rowIDs).
		rows = append(rows, []any{store.NewBaseID(), n.ID, seq, len(chunk), unreachable, encodePlan(chunk), "queued",
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

// expand leases ready batches holding up to about want recipients and returns their
// first deliveries for sending (without their sealed channels: see attachSealed). The
// deliveries have no rows yet: their ids derive from the batch id, and writeBatch writes
// every row of the batch once, in its final state, when the last send has an outcome —
// one insert per row instead of a leased insert, an update of the delivery and one of
// the recipient per message. A batch whose dispatcher dies is leased again when its
// lease lapses and re-sent under the same ids (the providers' idempotency keys).
// A batch of a cancelled notification is written as cancelled at once.
func (s *Service) expand(ctx context.Context, tx *sql.Tx, want int) ([]claimed, []*inflightBatch, error) {
	now := s.clock.Now()
	lock := ""
	if s.db.Engine == store.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	limit := max(1, want/max(s.cfg.Batch, 1))
	batches, err := queryBatches(ctx, tx, `SELECT id, notification_id, plan FROM notification_batches
		WHERE state = 'queued' AND not_before <= $1 ORDER BY not_before, seq LIMIT $2`+lock, store.TS(now), limit)
	if err != nil {
		return nil, nil, err
	}
	infos := map[string]sendInfo{}
	var jobs []claimed
	var leased []*inflightBatch
	for _, b := range batches {
		si, err := cachedSendInfo(ctx, tx, infos, b.notificationID)
		if err != nil {
			return nil, nil, err
		}
		if si.cancelled {
			if err := s.expandBatch(ctx, tx, b, infos, now); err != nil {
				return nil, nil, err
			}
			continue
		}
		plans, err := decodePlan(b.plan)
		if err != nil {
			return nil, nil, err
		}
		ib := &inflightBatch{id: b.id, claim: store.NewID(), si: si, plans: plans, outcomes: make([]outcome, len(plans)), leasedAt: now}
		if _, err := tx.ExecContext(ctx, `UPDATE notification_batches SET claim = $1, not_before = $2 WHERE id = $3`,
			ib.claim, store.TS(now.Add(s.cfg.Lease)), b.id); err != nil {
			return nil, nil, fmt.Errorf("lease notification batch: %w", err)
		}
		for i, pl := range plans {
			f := pl.first
			if f == nil {
				continue
			}
			rid, did, err := (rowsAs{batchID: b.id}).rowIDs(i)
			if err != nil {
				return nil, nil, err
			}
			ib.pending++
			jobs = append(jobs, claimed{id: did, recipientID: rid, notificationID: si.n.ID, channelID: f.channelID, media: f.media,
				target: f.target, attempts: 1, text: si.n.Text, title: si.title, level: si.level, drill: si.n.Drill,
				requireAck: si.n.RequireAck, batch: ib, idx: i})
		}
		if ib.pending == 0 { // nobody in it has a channel: nothing to send, write it now
			if _, err := s.writeBatch(ctx, tx, ib); err != nil {
				return nil, nil, err
			}
			continue
		}
		leased = append(leased, ib)
	}
	return jobs, leased, nil
}

// inflightBatch is a leased batch whose messages are being sent before its rows exist.
type inflightBatch struct {
	id, claim string
	si        sendInfo
	plans     []planned
	outcomes  []outcome // by plan index, as the sends finish
	pending   int       // sends without an outcome yet
	leasedAt  time.Time
}

// writeBatch writes a batch's recipient and delivery rows with its sends' outcomes and
// marks it expanded, if this dispatcher's lease on it still holds; false when it did
// not (the lease lapsed and another dispatcher took the batch over: it writes the rows).
// The rows follow the plan as it is now, not as it was leased: a person, contact or
// channel erased meanwhile has been blanked in it (migration 0023's triggers).
func (s *Service) writeBatch(ctx context.Context, tx *sql.Tx, ib *inflightBatch) (bool, error) {
	lock := ""
	if s.db.Engine == store.Postgres {
		lock = " FOR UPDATE" // an erasure rewriting the plan waits for this write, or this for it
	}
	var b []byte
	err := tx.QueryRowContext(ctx, `SELECT plan FROM notification_batches WHERE id = $1 AND claim = $2 AND state = 'queued'`+lock,
		ib.id, ib.claim).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read batch plan: %w", err)
	}
	plans, err := decodePlan(b)
	if err != nil {
		return false, err
	}
	if len(plans) != len(ib.outcomes) {
		return false, fmt.Errorf("notification batch %s: plan of %d recipients, %d sent", ib.id, len(plans), len(ib.outcomes))
	}
	if err := markExpanded(ctx, tx, ib.id); err != nil {
		return false, err
	}
	_, err = s.insertRecipients(ctx, tx, ib.si.n, plans, rowsAs{notBefore: ib.leasedAt, batchID: ib.id, outcomes: ib.outcomes})
	return err == nil, err
}

// markExpanded marks a batch written. Its plan is emptied: the rows hold everything it
// said, and ids and blind indexes are not kept twice.
func markExpanded(ctx context.Context, tx *sql.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE notification_batches SET state = 'expanded', claim = NULL, plan = $1 WHERE id = $2`,
		[]byte{}, id); err != nil {
		return fmt.Errorf("mark batch expanded: %w", err)
	}
	return nil
}

// cachedSendInfo reads a notification's sendInfo once per transaction.
func cachedSendInfo(ctx context.Context, tx *sql.Tx, infos map[string]sendInfo, id string) (sendInfo, error) {
	if si, ok := infos[id]; ok {
		return si, nil
	}
	si, err := loadSendInfo(ctx, tx, id)
	if err == nil {
		infos[id] = si
	}
	return si, err
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

// expandRemaining writes every batch not yet expanded of the notifications that cond
// selects ("n.id = $1" or "n.incident_id = $1") as cancelled, except batches being sent
// under a live lease: their dispatcher writes them with what was sent.
func (s *Service) expandRemaining(ctx context.Context, tx *sql.Tx, cond, arg string) error {
	now := s.clock.Now()
	batches, err := queryBatches(ctx, tx, `SELECT b.id, b.notification_id, b.plan FROM notification_batches b
		JOIN notifications n ON n.id = b.notification_id WHERE b.state = 'queued' AND (b.claim IS NULL OR b.not_before <= $2)
			AND `+cond+` ORDER BY b.notification_id, b.seq`, arg, store.TS(now))
	if err != nil {
		return err
	}
	infos := map[string]sendInfo{}
	for _, b := range batches {
		if err := s.expandBatch(ctx, tx, b, infos, now); err != nil {
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

// expandBatch writes one batch's recipients and first deliveries as cancelled and marks
// it expanded (a cancelled notification or closed incident sends nothing more, and its
// report still counts every recipient). infos caches the notifications already read.
func (s *Service) expandBatch(ctx context.Context, tx *sql.Tx, b batch, infos map[string]sendInfo, now time.Time) error {
	si, err := cachedSendInfo(ctx, tx, infos, b.notificationID)
	if err != nil {
		return err
	}
	plans, err := decodePlan(b.plan)
	if err != nil {
		return err
	}
	if _, err := s.insertRecipients(ctx, tx, si.n, plans, rowsAs{notBefore: now, state: "cancelled", batchID: b.id}); err != nil {
		return err
	}
	return markExpanded(ctx, tx, b.id)
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

// batchWait bounds how long an answer or a receipt waits for the rows of the batch its
// message was sent in: the batch is written when its slowest send returns (a send times
// out after 20 s, a quota wait is at most maxWait).
const batchWait = 30 * time.Second

// awaitBatch waits while the batch that deliveryID belongs to is being sent (its rows
// are written when its last send finishes; an answer can come back sooner) and reports
// whether it waited, so the caller looks again.
func (s *Service) awaitBatch(ctx context.Context, deliveryID string) bool {
	base := store.BaseOf(deliveryID)
	if base == "" || base == deliveryID {
		return false
	}
	return s.awaitClaims(ctx, `id = $1`, base)
}

// awaitAnyBatch waits until the batches being sent now are written, for a receipt or
// reply that names no delivery, and reports whether there were any.
func (s *Service) awaitAnyBatch(ctx context.Context) bool {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT claim FROM notification_batches WHERE state = 'queued' AND claim IS NOT NULL`)
	if err != nil {
		return false
	}
	var claims []string
	for rows.Next() {
		var c string
		if rows.Scan(&c) == nil {
			claims = append(claims, c)
		}
	}
	rows.Close()
	if len(claims) == 0 {
		return false
	}
	pred, args := inPred(s.db.Engine == store.Postgres, "claim", claims, 0)
	return s.awaitClaims(ctx, pred, args...)
}

// awaitClaims polls until no unwritten batch that pred selects is leased, or batchWait.
func (s *Service) awaitClaims(ctx context.Context, pred string, args ...any) bool {
	deadline := time.Now().Add(batchWait)
	for waited := false; ; waited = true {
		var n int
		err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notification_batches WHERE state = 'queued' AND claim IS NOT NULL AND `+pred, args...).Scan(&n)
		if err != nil || n == 0 || time.Now().After(deadline) {
			return waited
		}
		select {
		case <-ctx.Done():
			return waited
		case <-time.After(50 * time.Millisecond):
		}
	}
}
