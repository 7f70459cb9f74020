package roster

import (
	"context"
	"fmt"

	"lifeline/internal/store"
)

// PeopleOf returns the people a set of rosters reaches now: owners, members in force and
// their backups, each once (break-glass opens their contacts).
func PeopleOf(ctx context.Context, q store.Querier, rosterIDs []string, now string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, id := range rosterIDs {
		rows, err := q.QueryContext(ctx, `SELECT person_id FROM roster_owners WHERE roster_id = $1
			UNION ALL SELECT m.person_id FROM roster_members m WHERE m.roster_id = $1 AND m.active AND m.person_id IS NOT NULL
				AND (m.valid_from IS NULL OR m.valid_from <= $2) AND (m.valid_to IS NULL OR m.valid_to > $2)
			UNION ALL SELECT b.backup_person_id FROM member_backups b JOIN roster_members m ON m.id = b.member_id
				WHERE m.roster_id = $1 AND m.active`, id, now)
		if err != nil {
			return nil, fmt.Errorf("people of roster: %w", err)
		}
		for rows.Next() {
			var pid string
			if err := rows.Scan(&pid); err != nil {
				rows.Close()
				return nil, err
			}
			if !seen[pid] {
				seen[pid] = true
				out = append(out, pid)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RostersOf returns the rosters a person belongs to now, as owner, member or backup.
func RostersOf(ctx context.Context, q store.Querier, personID string) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT roster_id FROM roster_owners WHERE person_id = $1
		UNION SELECT roster_id FROM roster_members WHERE person_id = $1 AND active
		UNION SELECT m.roster_id FROM member_backups b JOIN roster_members m ON m.id = b.member_id WHERE b.backup_person_id = $1 AND m.active`, personID)
	if err != nil {
		return nil, fmt.Errorf("rosters of person: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
