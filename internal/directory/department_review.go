package directory

import (
	"context"
	"fmt"
	"strings"

	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// checkReviewFrequency validates a department's review frequency when it is given.
func checkReviewFrequency(f *string, v *errs.Validation) {
	if f == nil {
		return
	}
	switch strings.TrimSpace(*f) {
	case "", "monthly", "quarterly", "semiannual":
	default:
		v.Add("review_frequency", "monthly, quarterly, semiannual or empty (no periodic review)")
	}
}

// setReviewFrequency stores a checked review frequency when it is given and changed, and
// returns the change for the department's history.
func setReviewFrequency(ctx context.Context, tx store.Querier, d *Department, f *string) (*Change, error) {
	if f == nil || strings.TrimSpace(*f) == d.ReviewFrequency {
		return nil, nil
	}
	c := Change{Field: "review_frequency", Before: d.ReviewFrequency, After: strings.TrimSpace(*f)}
	if _, err := tx.ExecContext(ctx, `UPDATE departments SET review_frequency = $1 WHERE id = $2`, c.After, d.ID); err != nil {
		return nil, fmt.Errorf("set department review frequency: %w", err)
	}
	d.ReviewFrequency = c.After
	return &c, nil
}
