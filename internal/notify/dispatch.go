package notify

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"lifeline/internal/store"
)

// claimed is one delivery claimed for sending, with what the send needs. It holds ids
// and the sealed channel value; the address is opened only in the send itself.
type claimed struct {
	id, recipientID, notificationID string
	channelID, media, target        string
	attempts                        int
	acked, cancelled                bool
	text, title, level, aboutName   string
	drill, requireAck               bool
	sealed                          []byte
}

// RunDispatcher claims ready deliveries and sends them until ctx ends, then lets the
// sends in flight finish and records them. It also runs the escalation sweep.
func (s *Service) RunDispatcher(ctx context.Context) error {
	d := &dispatcher{s: s, inflight: map[string]bool{}, results: make(chan outcome, 4*s.cfg.Batch), freed: make(chan struct{}, 1)}
	recorded := make(chan struct{})
	go func() { d.record(); close(recorded) }()
	poll := time.NewTicker(200 * time.Millisecond)
	defer poll.Stop()
	renew := time.NewTicker(s.cfg.Lease / 3)
	defer renew.Stop()
	lastSweep := time.Time{}
	for ctx.Err() == nil {
		if time.Since(lastSweep) >= time.Second {
			lastSweep = time.Now()
			if _, err := s.Escalate(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("escalation sweep", "error", err.Error())
			}
		}
		full := false
		if d.count() < 2*s.cfg.Batch {
			n, err := d.claim(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Error("claim deliveries", "error", err.Error())
			}
			full = n == s.cfg.Batch
		}
		if full && d.count() < 2*s.cfg.Batch {
			continue
		}
		select {
		case <-ctx.Done():
		case <-s.wakeup:
		case <-d.freed:
		case <-poll.C:
		case <-renew.C:
			if err := d.renew(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("renew delivery leases", "error", err.Error())
			}
		}
	}
	d.sends.Wait()
	close(d.results)
	<-recorded
	return nil
}

// dispatcher is the state of one RunDispatcher.
type dispatcher struct {
	s        *Service
	mu       sync.Mutex
	inflight map[string]bool
	sends    sync.WaitGroup
	results  chan outcome
	freed    chan struct{}
}

func (d *dispatcher) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.inflight)
}

// claim reserves up to a batch of ready deliveries with a lease and starts their sends.
func (d *dispatcher) claim(ctx context.Context) (int, error) {
	s := d.s
	provs, err := s.providers(ctx)
	if err != nil {
		return 0, err
	}
	now := s.clock.Now()
	var jobs []claimed
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		lock := ""
		if s.db.Engine == store.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET state = 'sending', sending_at = COALESCE(sending_at, $1), lease_until = $2,
				attempts = attempts + 1
			WHERE id IN (SELECT id FROM deliveries WHERE state IN ('queued', 'sending') AND not_before <= $1
				AND (lease_until IS NULL OR lease_until < $1) ORDER BY not_before LIMIT $3`+lock+`)
			RETURNING id`, store.TS(now), store.TS(now.Add(s.cfg.Lease)), s.cfg.Batch)
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		jobs, err = loadClaimed(ctx, tx, ids)
		return err
	})
	if err != nil {
		return 0, err
	}
	d.mu.Lock()
	for _, j := range jobs {
		d.inflight[j.id] = true
	}
	d.mu.Unlock()
	for _, j := range jobs {
		d.sends.Add(1)
		go func(j claimed) {
			defer d.sends.Done()
			d.results <- s.send(ctx, j, provs[j.media])
		}(j)
	}
	return len(jobs), nil
}

// loadClaimed reads what the sends of the claimed deliveries need.
func loadClaimed(ctx context.Context, tx *sql.Tx, ids []string) ([]claimed, error) {
	var out []claimed
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		marks, args := inList(chunk, 0)
		rows, err := tx.QueryContext(ctx, `SELECT d.id, d.recipient_id, d.notification_id, COALESCE(d.channel_id, ''), d.media, d.target, d.attempts,
				CASE WHEN r.acked_at IS NULL THEN 0 ELSE 1 END, n.status, n.text, n.drill, n.require_ack, i.title, i.level, c.sealed,
				COALESCE(rp.name, '')
			FROM deliveries d JOIN recipients r ON r.id = d.recipient_id JOIN notifications n ON n.id = d.notification_id
			JOIN incidents i ON i.id = n.incident_id LEFT JOIN channels c ON c.id = d.channel_id
			LEFT JOIN people rp ON rp.id = r.person_id AND d.target <> 'self'
			WHERE d.id IN (`+marks+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("load claimed deliveries: %w", err)
		}
		for rows.Next() {
			var j claimed
			var acked int
			var status string
			if err := rows.Scan(&j.id, &j.recipientID, &j.notificationID, &j.channelID, &j.media, &j.target, &j.attempts, &acked, &status,
				&j.text, &j.drill, &j.requireAck, &j.title, &j.level, &j.sealed, &j.aboutName); err != nil {
				rows.Close()
				return nil, err
			}
			j.acked, j.cancelled = acked == 1, status == "cancelled"
			out = append(out, j)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// inList returns "$k+1, $k+2, …" and the ids as arguments.
func inList(ids []string, k int) (string, []any) {
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i] = fmt.Sprintf("$%d", k+i+1)
		args[i] = id
	}
	return strings.Join(marks, ", "), args
}

// renew extends the leases of the deliveries this process is still sending, so that
// only a dead process's deliveries are claimed again.
func (d *dispatcher) renew(ctx context.Context) error {
	d.mu.Lock()
	ids := make([]string, 0, len(d.inflight))
	for id := range d.inflight {
		ids = append(ids, id)
	}
	d.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	until := store.TS(d.s.clock.Now().Add(d.s.cfg.Lease))
	return d.s.db.InTx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(ids); start += 500 {
			marks, args := inList(ids[start:min(start+500, len(ids))], 1)
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET lease_until = $1 WHERE state = 'sending' AND id IN (`+marks+`)`,
				append([]any{until}, args...)...); err != nil {
				return fmt.Errorf("renew leases: %w", err)
			}
		}
		return nil
	})
}
