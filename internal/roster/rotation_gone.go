package roster

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"lifeline/internal/store"
)

// goneFromRoster returns, for each person who has left a roster, the time they left:
// the latest end of their memberships (ended_at of an ended one, valid_to of one that
// expires). A person with an open-ended active membership is absent from the map.
// Rotations are saved with the members of the day; this is how they notice a member
// leaving afterwards (the next person of the rotation covers).
func goneFromRoster(ctx context.Context, q store.Querier, rosterID string) (map[string]time.Time, error) {
	rows, err := q.QueryContext(ctx, `SELECT person_id, active, ended_at, valid_to FROM roster_members
		WHERE roster_id = $1 AND person_id IS NOT NULL`, rosterID)
	if err != nil {
		return nil, fmt.Errorf("load roster memberships: %w", err)
	}
	defer rows.Close()
	stays := map[string]bool{}
	gone := map[string]time.Time{}
	for rows.Next() {
		var pid string
		var active bool
		var ended, validTo sql.NullTime
		if err := rows.Scan(&pid, &active, &ended, &validTo); err != nil {
			return nil, err
		}
		var end time.Time
		switch {
		case active && !validTo.Valid:
			stays[pid] = true
			continue
		case active:
			end = validTo.Time
		case ended.Valid:
			end = ended.Time
			if validTo.Valid && validTo.Time.Before(end) {
				end = validTo.Time
			}
		default:
			continue
		}
		if g, ok := gone[pid]; !ok || end.After(g) {
			gone[pid] = end.UTC()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for pid := range stays {
		delete(gone, pid)
	}
	return gone, nil
}
