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
	batch                           *inflightBatch // a delivery of a batch not yet written
	idx                             int            // with batch: the plan index
}

// RunDispatcher sends ready deliveries until ctx ends, then lets the sends in flight
// finish and records them. Each cycle is one transaction that records the outcomes
// gathered since the last cycle and claims the next deliveries, so one commit (one
// fsync) serves hundreds of messages both ways. It also runs the escalation sweep.
// On PostgreSQL two loops run side by side (claims skip each other's rows, as those of
// several processes do): one waits for the database while the other sends. SQLite has
// one writer, so a second loop would only wait for it.
func (s *Service) RunDispatcher(ctx context.Context) error {
	loops := 1
	if s.db.Engine == store.Postgres {
		loops = 2
	}
	var wg sync.WaitGroup
	for range loops {
		wg.Go(func() { s.dispatchLoop(ctx) })
	}
	wg.Wait()
	return nil
}

// dispatchLoop is one dispatcher: it claims, sends and records until ctx ends.
func (s *Service) dispatchLoop(ctx context.Context) {
	d := &dispatcher{s: s, inflight: map[string]bool{}, batches: map[string]*inflightBatch{}, results: make(chan outcome, 8*s.cfg.Batch)}
	// The statements that write a batch's rows, prepared once (see store.PrepareBulk).
	for _, t := range []struct {
		table string
		cols  []string
	}{{"recipients", recipientCols}, {"deliveries", sentDeliveryCols}} {
		if err := s.db.PrepareBulk(ctx, t.table, t.cols); err != nil && ctx.Err() == nil {
			s.log.Warn("prepare bulk insert", "table", t.table, "error", err.Error())
		}
	}
	poll := time.NewTicker(200 * time.Millisecond)
	defer poll.Stop()
	var buf []outcome
	lastSweep, lastCycle, lastRenew := time.Time{}, time.Time{}, time.Now()
	more := true // there may be ready deliveries to claim
	capacity := 4 * s.cfg.Batch
	for ctx.Err() == nil {
		// Renew on time even while busy: a lease that lapsed on a delivery still in
		// flight would let it be claimed and sent a second time (same id, but still).
		if time.Since(lastRenew) >= s.cfg.Lease/3 {
			lastRenew = time.Now()
			if err := d.renew(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("renew delivery leases", "error", err.Error())
			}
		}
		if time.Since(lastSweep) >= time.Second {
			lastSweep = time.Now()
			if n, err := s.Escalate(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("escalation sweep", "error", err.Error())
			} else if n > 0 {
				more = true
			}
		}
		buf = d.drain(buf)
		room := capacity - d.count() + len(buf)
		due := len(buf) >= 128 || (time.Since(lastCycle) >= 5*time.Millisecond && (len(buf) > 0 || (more && room >= s.cfg.Batch/4)))
		if due {
			lastCycle = time.Now()
			want := 0
			if more && room > 0 {
				want = min(room, s.cfg.Batch)
			}
			n, err := d.cycle(ctx, buf, want)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("delivery cycle", "error", err.Error())
				}
				// The outcomes stay unrecorded; their leases lapse and they are sent again
				// with the same key rather than recorded wrongly.
				d.forget(buf)
				n = 0
			}
			buf = buf[:0]
			if want > 0 {
				// Ready deliveries may remain when the claim got all it asked for (an
				// expanded batch may bring more). A cycle that claimed nothing for want of
				// room leaves this as it was: without room it learned nothing, and
				// forgetting it starved the senders until the next poll.
				more = n >= want
			}
			if more || len(d.results) > 0 {
				continue
			}
		}
		select {
		case <-ctx.Done():
		case <-s.wakeup:
			more = true
		case o := <-d.results:
			buf = append(buf, o)
		case <-poll.C:
			more = true
		}
	}
	// Let the sends in flight finish and record them.
	go func() { d.stopSenders(); close(d.results) }()
	for o := range d.results {
		buf = append(buf, o)
	}
	sctx, cancel := stopCtx(ctx)
	defer cancel()
	if _, err := d.cycle(sctx, buf, 0); err != nil {
		s.log.Error("record deliveries at shutdown", "error", err.Error())
	}
}

// dispatcher is the state of one RunDispatcher.
type dispatcher struct {
	s        *Service
	mu       sync.Mutex
	inflight map[string]bool // delivery id → whether it has a row (not of a batch in flight)
	sends    sync.WaitGroup  // deliveries claimed and not yet reported, and channel loads
	results  chan outcome
	senders  senders
	// batches are the batches this dispatcher leased and has not written yet (owned by
	// its loop: only the loop reads or changes them).
	batches map[string]*inflightBatch
}

func (d *dispatcher) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.inflight)
}

// drain adds the outcomes waiting in the channel to buf without blocking.
func (d *dispatcher) drain(buf []outcome) []outcome {
	for {
		select {
		case o := <-d.results:
			buf = append(buf, o)
		default:
			return buf
		}
	}
}

func (d *dispatcher) forget(outs []outcome) {
	d.mu.Lock()
	for _, o := range outs {
		delete(d.inflight, o.id)
	}
	d.mu.Unlock()
}

// cycle records outcomes and claims up to want ready deliveries in one transaction,
// then starts their sends. It returns how many it claimed.
func (d *dispatcher) cycle(ctx context.Context, outs []outcome, want int) (int, error) {
	s := d.s
	var provs map[string][]*provider
	if want > 0 {
		var err error
		if provs, err = s.providers(ctx); err != nil {
			return 0, err
		}
	}
	// Outcomes of a leased batch wait for the rest of the batch, which is then written
	// in one go.
	var done []*inflightBatch
	rows := make([]outcome, 0, len(outs))
	for _, o := range outs {
		if o.batch == nil {
			rows = append(rows, o)
			continue
		}
		o.batch.outcomes[o.idx] = o
		if o.batch.pending--; o.batch.pending == 0 {
			done = append(done, o.batch)
		}
	}
	if len(rows) == 0 && len(done) == 0 && want == 0 {
		// Only outcomes of batches still in flight: nothing to write yet, and a write
		// transaction would hold SQLite's one writer for nothing.
		d.forget(outs)
		return 0, nil
	}
	var jobs, expanded []claimed
	var leased []*inflightBatch
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.writeOutcomes(ctx, tx, rows); err != nil {
			return err
		}
		for _, ib := range done {
			if _, err := s.writeBatch(ctx, tx, ib); err != nil {
				return err
			}
		}
		if want == 0 {
			return nil
		}
		var err error
		if jobs, err = s.claim(ctx, tx, want); err != nil || len(jobs) == want {
			return err
		}
		// Then the recipients of large notifications not yet written as rows.
		expanded, leased, err = s.expand(ctx, tx, want-len(jobs))
		return err
	})
	for _, ib := range done {
		// Written, or (on error) left to lapse and be sent again under the same ids.
		delete(d.batches, ib.id)
	}
	if err != nil {
		return 0, err
	}
	for _, ib := range leased {
		d.batches[ib.id] = ib
	}
	d.forget(outs)
	d.mu.Lock()
	for _, j := range append(jobs, expanded...) {
		d.inflight[j.id] = j.batch == nil // a delivery of a batch has no row to renew
	}
	d.mu.Unlock()
	d.start(ctx, jobs, provs)
	if len(expanded) > 0 {
		// The channels of expanded deliveries are read from a reader, not in the writer's
		// transaction: the one SQLite writer is what limits a broadcast.
		d.sends.Add(1)
		go func() {
			defer d.sends.Done()
			if err := s.attachSealed(ctx, s.db.Read, expanded); err != nil {
				s.log.Error("load channels to send to", "error", err.Error())
				for _, j := range expanded {
					// Back to the queue at once, to be claimed again with its channel.
					d.results <- outcome{id: j.id, recipientID: j.recipientID, channelID: j.channelID, kind: outRetry, notBefore: s.clock.Now(),
						batch: j.batch, idx: j.idx}
				}
				return
			}
			d.start(ctx, expanded, provs)
		}()
	}
	return len(jobs) + len(expanded), nil
}

// claim reserves up to n ready deliveries with a lease and loads what their sends need.
func (s *Service) claim(ctx context.Context, tx *sql.Tx, n int) ([]claimed, error) {
	now := s.clock.Now()
	lock := ""
	if s.db.Engine == store.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	// A leased delivery's not_before moves to the end of its lease: the claim's range over
	// the ready index then stops at the deliveries actually claimable instead of stepping
	// over every one in flight (thousands during a broadcast, each cycle).
	rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET state = 'sending', sending_at = COALESCE(sending_at, $1), lease_until = $2,
			not_before = $2, attempts = attempts + 1
		WHERE id IN (SELECT id FROM deliveries WHERE state IN ('queued', 'sending') AND not_before <= $1
			AND (lease_until IS NULL OR lease_until < $1) ORDER BY not_before LIMIT $3`+lock+`)
		RETURNING id`, store.TS(now), store.TS(now.Add(s.cfg.Lease)), n)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return loadClaimed(ctx, tx, s.db.Engine == store.Postgres, ids)
}

// loadClaimed reads what the sends of the claimed deliveries need.
func loadClaimed(ctx context.Context, tx *sql.Tx, pg bool, ids []string) ([]claimed, error) {
	var out []claimed
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		pred, args := inPred(pg, "d.id", chunk, 0)
		rows, err := tx.QueryContext(ctx, `SELECT d.id, d.recipient_id, d.notification_id, COALESCE(d.channel_id, ''), d.media, d.target, d.attempts,
				CASE WHEN r.acked_at IS NULL THEN 0 ELSE 1 END, n.status, n.text, n.drill, n.require_ack, COALESCE(i.title, ''), COALESCE(i.level, ''), c.sealed,
				COALESCE(rp.name, '')
			FROM deliveries d JOIN recipients r ON r.id = d.recipient_id JOIN notifications n ON n.id = d.notification_id
			LEFT JOIN incidents i ON i.id = n.incident_id LEFT JOIN channels c ON c.id = d.channel_id
			LEFT JOIN people rp ON rp.id = r.person_id AND d.target <> 'self'
			WHERE `+pred, args...)
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

// inPred is the predicate "col is one of ids" with parameters numbered after k: on
// PostgreSQL "col = ANY($k+1)" with one array parameter (one short statement whatever
// the count, and index scans), on SQLite "col IN ($k+1, $k+2, …)".
func inPred(pg bool, col string, ids []string, k int) (string, []any) {
	if pg {
		return fmt.Sprintf("%s = ANY($%d::text[])", col, k+1), []any{ids}
	}
	marks, args := inList(ids, k)
	return col + " IN (" + marks + ")", args
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

// renew extends the leases of the deliveries and batches this process is still
// sending, so that only a dead process's are claimed again.
func (d *dispatcher) renew(ctx context.Context) error {
	d.mu.Lock()
	ids := make([]string, 0, len(d.inflight))
	for id, row := range d.inflight {
		if row {
			ids = append(ids, id)
		}
	}
	d.mu.Unlock()
	claims := make([]string, 0, len(d.batches))
	for _, ib := range d.batches {
		claims = append(claims, ib.claim)
	}
	if len(ids) == 0 && len(claims) == 0 {
		return nil
	}
	until := store.TS(d.s.clock.Now().Add(d.s.cfg.Lease))
	pg := d.s.db.Engine == store.Postgres
	return d.s.db.InTx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(ids); start += 500 {
			pred, args := inPred(pg, "id", ids[start:min(start+500, len(ids))], 1)
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET lease_until = $1, not_before = $1 WHERE state = 'sending' AND `+pred,
				append([]any{until}, args...)...); err != nil {
				return fmt.Errorf("renew leases: %w", err)
			}
		}
		if len(claims) > 0 {
			pred, args := inPred(pg, "claim", claims, 1)
			if _, err := tx.ExecContext(ctx, `UPDATE notification_batches SET not_before = $1 WHERE state = 'queued' AND `+pred,
				append([]any{until}, args...)...); err != nil {
				return fmt.Errorf("renew batch leases: %w", err)
			}
		}
		return nil
	})
}
