package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"lifeline/internal/store"
)

// Report is the outcome of verifying the chain.
type Report struct {
	Records     int64  `json:"records"`
	Checkpoints int    `json:"checkpoints"`
	OK          bool   `json:"ok"`
	BrokenAt    int64  `json:"broken_at,omitempty"` // the sequence number of the first broken link
	Problem     string `json:"problem,omitempty"`
}

func (r *Report) fail(seq int64, format string, args ...any) {
	if r.OK {
		r.OK, r.BrokenAt, r.Problem = false, seq, fmt.Sprintf(format, args...)
	}
}

// sign is a checkpoint's signature over its sequence number and hash.
func sign(key []byte, seq int64, hash string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strconv.FormatInt(seq, 10) + ":" + hash))
	return hex.EncodeToString(m.Sum(nil))
}

// Checkpoint signs the current head of the chain with key (derived from the master key),
// unless it is already signed. A periodic job calls it.
func Checkpoint(ctx context.Context, db *store.DB, key []byte, now time.Time) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		var seq int64
		var hash string
		if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		if seq == 0 {
			return nil
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_checkpoints WHERE seq = $1`, seq).Scan(&n); err != nil || n > 0 {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, hash, signature, created_at) VALUES ($1, $2, $3, $4)`,
			seq, hash, sign(key, seq, hash), store.TS(now))
		return err
	})
}

// Verify walks the whole chain: sequence numbers without gaps, each record linked to the
// previous hash and hashing to its stored hash, every checkpoint signed with key and
// matching its record, and no checkpoint beyond the last record (a cut-off tail).
func Verify(ctx context.Context, q store.Querier, key []byte) (Report, error) {
	rep := Report{OK: true}
	expectSeq, expectPrev := int64(1), ""
	err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_anchor WHERE id = 1`).Scan(&expectSeq, &expectPrev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		expectSeq, expectPrev = 1, ""
	case err != nil:
		return rep, fmt.Errorf("audit anchor: %w", err)
	default:
		expectSeq++
	}
	hashes := map[int64]string{}
	rows, err := q.QueryContext(ctx, `SELECT seq, id, at, COALESCE(actor_id, ''), actor_name, action, object_type, object_id, outcome, ip, reason, detail, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return rep, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var last int64
	for rows.Next() {
		var r record
		var at time.Time
		var stored string
		var seq sql.NullInt64
		if err := rows.Scan(&seq, &r.ID, &at, &r.ActorID, &r.ActorName, &r.Action, &r.ObjectType, &r.ObjectID, &r.Outcome, &r.IP, &r.Reason, &r.Detail, &r.PrevHash, &stored); err != nil {
			return rep, err
		}
		r.Seq, r.At = seq.Int64, store.TS(at)
		rep.Records++
		switch {
		case !seq.Valid:
			rep.fail(0, "record %s has no sequence number", r.ID)
		case r.Seq != expectSeq:
			rep.fail(expectSeq, "record %d is missing (next present is %d)", expectSeq, r.Seq)
		case r.PrevHash != expectPrev:
			rep.fail(r.Seq, "record %d does not link to the record before it", r.Seq)
		case r.hash() != stored:
			rep.fail(r.Seq, "record %d was altered (its content does not match its hash)", r.Seq)
		}
		hashes[r.Seq] = stored
		expectSeq, expectPrev, last = r.Seq+1, stored, r.Seq
	}
	if err := rows.Err(); err != nil {
		return rep, err
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return rep, fmt.Errorf("audit head: %w", err)
	}
	if rep.Records > 0 && (headSeq != last || headHash != hashes[last]) {
		rep.fail(last+1, "records after %d were deleted (the chain head is at %d)", last, headSeq)
	}
	cps, err := q.QueryContext(ctx, `SELECT seq, hash, signature FROM audit_checkpoints ORDER BY seq`)
	if err != nil {
		return rep, fmt.Errorf("read checkpoints: %w", err)
	}
	defer cps.Close()
	for cps.Next() {
		var seq int64
		var hash, sig string
		if err := cps.Scan(&seq, &hash, &sig); err != nil {
			return rep, err
		}
		rep.Checkpoints++
		if !hmac.Equal([]byte(sig), []byte(sign(key, seq, hash))) {
			rep.fail(seq, "checkpoint at %d has an invalid signature", seq)
		} else if seq > last {
			rep.fail(last+1, "records after %d were deleted (a signed checkpoint covers %d)", last, seq)
		} else if h, ok := hashes[seq]; ok && h != hash {
			rep.fail(seq, "record %d differs from its signed checkpoint", seq)
		}
	}
	return rep, cps.Err()
}
