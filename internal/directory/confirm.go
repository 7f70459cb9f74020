package directory

import (
	"context"
	"fmt"
	"time"

	"lifeline/internal/store"
)

// MarkConfirmed stamps people.last_confirmed_at: someone responsible (a roster owner in a
// review) confirmed the person's contact data at that time. It clears the stale finding
// at the next recheck. In the caller's transaction; the person's version does not change.
func MarkConfirmed(ctx context.Context, tx store.Querier, personID string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE people SET last_confirmed_at = $1 WHERE id = $2`, store.TS(at), personID); err != nil {
		return fmt.Errorf("mark person confirmed: %w", err)
	}
	return nil
}
