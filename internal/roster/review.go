package roster

import (
	"context"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/store"
)

// CheckEditable reports, in the caller's transaction, whether the principal may change the
// roster (its owners, admin and hr); a missing or deleted roster is a not-found error.
func CheckEditable(ctx context.Context, q store.Querier, p *access.Principal, rosterID string) error {
	_, err := editable(ctx, q, p, rosterID)
	return err
}

// EndMemberTx ends an active membership in the caller's transaction, as RemoveMember does,
// recording the change under action (e.g. "review.remove").
func EndMemberTx(ctx context.Context, tx store.Querier, p *access.Principal, rosterID, memberID, action string, now time.Time) error {
	if _, err := editable(ctx, tx, p, rosterID); err != nil {
		return err
	}
	if _, _, err := activeMember(ctx, tx, rosterID, memberID); err != nil {
		return err
	}
	if err := touch(ctx, tx, rosterID, now); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE roster_members SET active = $1, ended_at = $2 WHERE id = $3`, false, store.TS(now), memberID); err != nil {
		return fmt.Errorf("end member: %w", err)
	}
	return record(ctx, tx, p, rosterID, action, "member "+memberID, now)
}
