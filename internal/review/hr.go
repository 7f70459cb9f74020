package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/roster"
	"lifeline/internal/store"
)

// PersonState is what of a person the rosters follow: status and department.
type PersonState struct {
	Status       string
	DepartmentID string
}

// StateOf reads a person's state in the caller's transaction (zero when there is none).
func StateOf(ctx context.Context, q store.Querier, personID string) (PersonState, error) {
	var s PersonState
	err := q.QueryRowContext(ctx, `SELECT status, department_id FROM people WHERE id = $1`, personID).Scan(&s.Status, &s.DepartmentID)
	if errors.Is(err, sql.ErrNoRows) {
		return PersonState{}, nil
	}
	if err != nil {
		return s, fmt.Errorf("load person state: %w", err)
	}
	return s, nil
}

// PersonChanged applies a person's change (PATCH, import) to the rosters, in the caller's
// transaction, comparing with the state before it: a departure ends the memberships and
// tells the owners (as the HR offboard event does); a move to another department opens
// a follow-up on each membership for the owners (the membership stays), due within the
// HR change SLA. It returns the memberships ended and flagged.
func PersonChanged(ctx context.Context, tx store.Querier, p *access.Principal, personID string, before PersonState, now time.Time) (ended, flagged int, err error) {
	after, err := StateOf(ctx, tx, personID)
	if err != nil || after.Status == "" {
		return 0, 0, err
	}
	switch {
	case after.Status == directory.StatusDeparted && before.Status != directory.StatusDeparted:
		ended, err = roster.PersonDeparted(ctx, tx, p, personID, now)
	case after.Status != directory.StatusDeparted && before.DepartmentID != "" && after.DepartmentID != before.DepartmentID:
		flagged, err = FlagMemberships(ctx, tx, OriginHR, ReasonTransfer, personID, "", now)
	}
	return ended, flagged, err
}

// ContactFingerprint is the blind indexes of an external contact's channels in order:
// equal before and after a save when no number or address changed.
func ContactFingerprint(ctx context.Context, q store.Querier, contactID string) (string, error) {
	if contactID == "" {
		return "", nil
	}
	rows, err := q.QueryContext(ctx, `SELECT kind, lookup, extension FROM channels WHERE contact_id = $1 ORDER BY position, id`, contactID)
	if err != nil {
		return "", fmt.Errorf("load contact channels: %w", err)
	}
	defer rows.Close()
	var fp string
	for rows.Next() {
		var kind, lookup, ext string
		if err := rows.Scan(&kind, &lookup, &ext); err != nil {
			return "", err
		}
		fp += kind + ":" + lookup + ":" + ext + ";"
	}
	return fp, rows.Err()
}
