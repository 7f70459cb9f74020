package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Acknowledgement statuses.
const (
	AckSafe     = "safe"      // 我平安
	AckNeedHelp = "need_help" // 需要帮助
	AckReceived = "received"  // 收到 (an SMS reply, or a backup or manager taking it on)
)

// AckToken is the path segment of a delivery's acknowledgement link: the delivery id and
// a MAC over it. It holds no personal data; it cannot be guessed or forged, and it is
// the same each time the delivery is sent, so a re-sent message carries the same link.
func (s *Service) AckToken(deliveryID string) string {
	var buf [sha256.Size]byte
	sum := s.ackMAC.Sum(buf[:0], []byte(deliveryID))
	return deliveryID + "." + base64.RawURLEncoding.EncodeToString(sum[:16])
}

// AckURL is a delivery's acknowledgement link.
func (s *Service) AckURL(deliveryID string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/a/" + s.AckToken(deliveryID)
}

// deliveryOf checks a token and returns its delivery id.
func (s *Service) deliveryOf(token string) (string, error) {
	id, _, ok := strings.Cut(token, ".")
	if !ok || len(token) > 100 || !hmac.Equal([]byte(s.AckToken(id)), []byte(token)) {
		return "", errs.E(errs.NotFound, "this link is not valid")
	}
	return id, nil
}

// AckPage is what the one-tap page shows.
type AckPage struct {
	Title     string
	Level     string
	Text      string
	Drill     bool
	Status    string // the current acknowledgement, if any
	AckedAt   *time.Time
	Expired   bool
	Escalated bool // the link was sent to a backup or manager
}

// AckInfo loads the one-tap page of a link.
func (s *Service) AckInfo(ctx context.Context, token string) (AckPage, error) {
	id, err := s.deliveryOf(token)
	if err != nil {
		return AckPage{}, err
	}
	var pg AckPage
	var status, target string
	var acked sql.NullTime
	var until time.Time
	load := func() error {
		return s.db.Read.QueryRowContext(ctx, `SELECT i.title, i.level, n.text, n.drill, COALESCE(r.ack_status, ''), r.acked_at, n.ack_until, d.target
			FROM deliveries d JOIN recipients r ON r.id = d.recipient_id JOIN notifications n ON n.id = d.notification_id
			JOIN incidents i ON i.id = n.incident_id WHERE d.id = $1`, id).Scan(&pg.Title, &pg.Level, &pg.Text, &pg.Drill, &status, &acked, &until, &target)
	}
	err = load()
	if err == sql.ErrNoRows && s.awaitBatch(ctx, id) {
		err = load() // the message came back before its batch's rows were written
	}
	if err == sql.ErrNoRows {
		return AckPage{}, errs.E(errs.NotFound, "this link is not valid")
	}
	if err != nil {
		return AckPage{}, fmt.Errorf("load acknowledgement page: %w", err)
	}
	pg.Status, pg.Expired, pg.Escalated = status, !s.clock.Now().Before(until), target != "self"
	if acked.Valid {
		t := acked.Time.UTC()
		pg.AckedAt = &t
	}
	return pg, nil
}

// AckInput is an acknowledgement as the page or a client posts it.
type AckInput struct {
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
}

// Acknowledge records an answer to a link. It returns once the answer is durable; the
// latest answer wins (safe, then need help, is need help) and the first time is kept.
func (s *Service) Acknowledge(ctx context.Context, token string, in AckInput, via string) error {
	id, err := s.deliveryOf(token)
	if err != nil {
		return err
	}
	in.Note = strings.TrimSpace(in.Note)
	var v errs.Validation
	v.Check(in.Status == AckSafe || in.Status == AckNeedHelp || in.Status == AckReceived, "status", "safe, need_help or received")
	v.Check(len([]rune(in.Note)) <= 500, "note", "at most 500 characters")
	if err := v.Err(); err != nil {
		return err
	}
	req := ackReq{deliveryID: id, status: in.Status, note: in.Note, via: via}
	err = s.acks.submit(ctx, req)
	if errs.KindOf(err) == errs.Gone && s.awaitBatch(ctx, id) {
		err = s.acks.submit(ctx, req) // answered before its batch's rows were written
	}
	return err
}

// ackReq is one acknowledgement waiting for the group commit.
type ackReq struct {
	deliveryID, status, note, via string
	done                          chan error
}

// ackBatcher commits acknowledgements in groups: one transaction (one fsync) for all
// that arrived while the previous one committed. Each caller still waits for its own
// commit, so an acknowledged answer is durable, and a burst of 100,000 safety
// check-ins costs a few thousand commits, not 100,000.
type ackBatcher struct {
	s    *Service
	in   chan ackReq
	quit chan struct{}
	done chan struct{}
}

func newAckBatcher(s *Service) *ackBatcher {
	b := &ackBatcher{s: s, in: make(chan ackReq, 4096), quit: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	return b
}

func (b *ackBatcher) submit(ctx context.Context, r ackReq) error {
	r.done = make(chan error, 1)
	select {
	case b.in <- r:
	case <-b.quit:
		return errs.E(errs.Internal, "shutting down")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *ackBatcher) close() {
	select {
	case <-b.quit:
	default:
		close(b.quit)
	}
	<-b.done
}

func (b *ackBatcher) run() {
	defer close(b.done)
	for {
		var batch []ackReq
		select {
		case r := <-b.in:
			batch = append(batch, r)
		case <-b.quit:
			return
		}
	drain:
		for len(batch) < 512 {
			select {
			case r := <-b.in:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		results := b.s.writeAcks(batch)
		for i, r := range batch {
			r.done <- results[i]
		}
	}
}

// ackTarget is the recipient a delivery's answer is for, and who the delivery went to.
type ackTarget struct{ recipient, who string }

const ackTargetQuery = `SELECT d.id, d.recipient_id, d.target FROM deliveries d JOIN notifications n ON n.id = d.notification_id
	WHERE n.ack_until > $1 AND `

// ackStmts are the statements of a group of answers on SQLite, prepared once.
type ackStmts struct{ target, update, cancelQueued *sql.Stmt }

// prepareAcks prepares the statements of writeAcks on SQLite (nil on PostgreSQL, where
// a group is a few statements over arrays).
func (s *Service) prepareAcks(ctx context.Context) (*ackStmts, error) {
	if s.db.Engine == store.Postgres {
		return nil, nil
	}
	var st ackStmts
	var err error
	if st.target, err = s.db.Prepared(ctx, ackTargetQuery+`d.id = $2`); err != nil {
		return nil, err
	}
	if st.update, err = s.db.Prepared(ctx, `UPDATE recipients SET ack_status = $1, ack_note = $2, ack_via = $3, ack_delivery_id = $4,
		acked_by = $5, acked_at = COALESCE(acked_at, $6), need_help_at = CASE WHEN $1 = 'need_help' THEN COALESCE(need_help_at, $6) END
		WHERE id = $7`); err != nil {
		return nil, err
	}
	st.cancelQueued, err = s.db.Prepared(ctx, `UPDATE deliveries SET state = 'cancelled', lease_until = NULL WHERE recipient_id = $1 AND state = 'queued'`)
	return &st, err
}

// ackTargets finds the deliveries of a group of answers whose links are still open.
func (s *Service) ackTargets(ctx context.Context, tx *sql.Tx, st *ackStmts, batch []ackReq, ts string) (map[string]ackTarget, error) {
	found := make(map[string]ackTarget, len(batch))
	if st != nil {
		// One prepared point query per answer: no statement to parse per group.
		stmt := tx.StmtContext(ctx, st.target)
		for _, r := range batch {
			var id string
			var t ackTarget
			err := stmt.QueryRowContext(ctx, ts, r.deliveryID).Scan(&id, &t.recipient, &t.who)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("load acknowledged delivery: %w", err)
			}
			found[id] = t
		}
		return found, nil
	}
	ids := make([]string, 0, len(batch))
	for _, r := range batch {
		ids = append(ids, r.deliveryID)
	}
	rows, err := tx.QueryContext(ctx, ackTargetQuery+`d.id = ANY($2::text[])`, ts, ids)
	if err != nil {
		return nil, fmt.Errorf("load acknowledged deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var t ackTarget
		if err := rows.Scan(&id, &t.recipient, &t.who); err != nil {
			return nil, err
		}
		found[id] = t
	}
	return found, rows.Err()
}

// writeAcks commits a group of acknowledgements and returns each one's result.
func (s *Service) writeAcks(batch []ackReq) []error {
	ctx, cancel := stopCtx(context.Background())
	defer cancel()
	now := s.clock.Now()
	ts := store.TS(now)
	results := make([]error, len(batch))
	pg := s.db.Engine == store.Postgres
	st, err := s.prepareAcks(ctx)
	if err == nil {
		err = s.db.InTx(ctx, func(tx *sql.Tx) error {
			found, err := s.ackTargets(ctx, tx, st, batch, ts)
			if err != nil {
				return err
			}
			// The latest answer of each recipient in the group wins, as it would one by one.
			type answer struct {
				recipient, status, via, deliveryID, who string
				note                                    []byte
			}
			var answers []answer
			index := map[string]int{}
			for i, r := range batch {
				t, ok := found[r.deliveryID]
				if !ok {
					results[i] = errs.E(errs.Gone, "this link has expired")
					continue
				}
				a := answer{recipient: t.recipient, status: r.status, via: r.via, deliveryID: r.deliveryID, who: t.who}
				if r.note != "" {
					a.note = s.vault.Seal([]byte(r.note), "ack:"+r.deliveryID)
				}
				if k, seen := index[t.recipient]; seen {
					answers[k] = a
					continue
				}
				index[t.recipient] = len(answers)
				answers = append(answers, a)
			}
			if len(answers) == 0 {
				return nil
			}
			recips := make([]string, len(answers))
			for i, a := range answers {
				recips[i] = a.recipient
			}
			if pg {
				// One statement for the group: a round trip per answer would cost more than the update.
				statuses, vias, dels, whos := make([]string, len(answers)), make([]string, len(answers)), make([]string, len(answers)), make([]string, len(answers))
				notes := make([][]byte, len(answers))
				for i, a := range answers {
					statuses[i], vias[i], dels[i], whos[i], notes[i] = a.status, a.via, a.deliveryID, a.who, a.note
				}
				if _, err := tx.ExecContext(ctx, `UPDATE recipients r SET ack_status = v.status, ack_note = v.note, ack_via = v.via,
					ack_delivery_id = v.delivery, acked_by = v.who, acked_at = COALESCE(r.acked_at, $1),
					need_help_at = CASE WHEN v.status = 'need_help' THEN COALESCE(r.need_help_at, $1) END
				FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[]) AS v(id, status, note, via, delivery, who)
				WHERE r.id = v.id`, ts, recips, statuses, notes, vias, dels, whos); err != nil {
					return fmt.Errorf("record acknowledgements: %w", err)
				}
			} else {
				// Statements prepared once for every group: parsing SQL is a large share of a
				// single-row update's cost on SQLite.
				update, cancelQueued := tx.StmtContext(ctx, st.update), tx.StmtContext(ctx, st.cancelQueued)
				for _, a := range answers {
					var note any
					if a.note != nil {
						note = a.note
					}
					if _, err := update.ExecContext(ctx, a.status, note, a.via, a.deliveryID, a.who, ts, a.recipient); err != nil {
						return fmt.Errorf("record acknowledgement: %w", err)
					}
					// Nothing more is sent to someone who answered; what was sent stays as
					// recorded (see the group statement below).
					if _, err := cancelQueued.ExecContext(ctx, a.recipient); err != nil {
						return fmt.Errorf("cancel deliveries of the acknowledged: %w", err)
					}
				}
				return nil
			}
			for start := 0; start < len(recips); start += 500 {
				// Nothing more is sent to someone who answered. What was sent stays as it was
				// recorded: a delivery is acknowledged through its recipient's answer
				// (ack_delivery_id, acked_at), stored once — rewriting every sent delivery of
				// the recipient doubled the scattered page writes of each answer.
				pred, args := inPred(pg, "recipient_id", recips[start:min(start+500, len(recips))], 0)
				if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'cancelled', lease_until = NULL
				WHERE state = 'queued' AND `+pred, args...); err != nil {
					return fmt.Errorf("cancel deliveries of the acknowledged: %w", err)
				}
			}
			return nil
		})
	}
	if err != nil {
		s.log.Error("record acknowledgements", "error", err.Error(), "count", len(batch))
		for i := range results {
			results[i] = err
		}
	}
	return results
}
