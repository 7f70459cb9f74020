package notify

import (
	"context"
	"database/sql"
	"fmt"

	"lifeline/internal/store"
)

// writeOutcomes records a batch of outcomes in the caller's transaction. Until a
// "sent" is written the delivery stays "sending" under its lease, so a crash before the
// commit means the delivery is sent again with the same idempotency key, never lost.
func (s *Service) writeOutcomes(ctx context.Context, tx *sql.Tx, outs []outcome) error {
	if len(outs) == 0 {
		return nil
	}
	now := store.TS(s.clock.Now())
	sent := map[string][]string{} // provider → delivery ids without a provider message id
	failed := map[[2]string][]string{}
	var cancelled, escalateNow, reached []string
	var individual []outcome
	for _, o := range outs {
		switch o.kind {
		case outSent:
			reached = append(reached, o.recipientID)
			if o.providerMsgID == "" {
				sent[o.providerID] = append(sent[o.providerID], o.id)
			} else {
				individual = append(individual, o)
			}
		case outFailed:
			k := [2]string{o.providerID, o.err}
			failed[k] = append(failed[k], o.id)
			escalateNow = append(escalateNow, o.recipientID)
		case outCancelled:
			cancelled = append(cancelled, o.id)
		default:
			individual = append(individual, o)
		}
	}
	exec := func(tx *sql.Tx, q string, fixed []any, ids []string) error {
		for start := 0; start < len(ids); start += 500 {
			pred, args := inPred(s.db.Engine == store.Postgres, "id", ids[start:min(start+500, len(ids))], len(fixed))
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(q, pred), append(append([]any{}, fixed...), args...)...); err != nil {
				return fmt.Errorf("record outcomes: %w", err)
			}
		}
		return nil
	}
	{
		for prov, ids := range sent {
			if err := exec(tx, `UPDATE deliveries SET state = 'sent', sent_at = $1, lease_until = NULL, provider_id = $2, error = ''
				WHERE state = 'sending' AND %s`, []any{now, nullIf(prov)}, ids); err != nil {
				return err
			}
		}
		for k, ids := range failed {
			if err := exec(tx, `UPDATE deliveries SET state = 'failed', failed_at = $1, lease_until = NULL, provider_id = $2, error = $3
				WHERE state IN ('queued', 'sending') AND %s`, []any{now, nullIf(k[0]), k[1]}, ids); err != nil {
				return err
			}
		}
		if err := exec(tx, `UPDATE deliveries SET state = 'cancelled', lease_until = NULL WHERE state IN ('queued', 'sending') AND %s`,
			nil, cancelled); err != nil {
			return err
		}
		// The first accepted message reaches the recipient (what the counts read).
		if err := exec(tx, `UPDATE recipients SET reached_at = $1 WHERE reached_at IS NULL AND %s`, []any{now}, reached); err != nil {
			return err
		}
		// A failed rung moves the recipient to the next one at once.
		if err := exec(tx, `UPDATE recipients SET next_step_at = $1 WHERE acked_at IS NULL AND %s`, []any{now}, escalateNow); err != nil {
			return err
		}
		for _, o := range individual {
			var err error
			switch o.kind {
			case outSent:
				_, err = tx.ExecContext(ctx, `UPDATE deliveries SET state = 'sent', sent_at = $1, lease_until = NULL, provider_id = $2,
					provider_message_id = $3, error = '' WHERE id = $4 AND state = 'sending'`, now, nullIf(o.providerID), o.providerMsgID, o.id)
			case outRetry:
				_, err = tx.ExecContext(ctx, `UPDATE deliveries SET state = 'queued', lease_until = NULL, not_before = $1, provider_id = $2, error = $3
					WHERE id = $4 AND state = 'sending'`, store.TS(o.notBefore), nullIf(o.providerID), o.err, o.id)
			case outDeferred:
				_, err = tx.ExecContext(ctx, `UPDATE deliveries SET state = 'queued', lease_until = NULL, not_before = $1, attempts = attempts - 1
					WHERE id = $2 AND state = 'sending'`, store.TS(o.notBefore), o.id)
			}
			if err != nil {
				return fmt.Errorf("record outcome: %w", err)
			}
		}
		return nil
	}
}
