package roster

import (
	"context"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/store"
)

// PersonDeparted applies a departure to the rosters, in the caller's transaction (the HR
// event's): the person's active memberships end, they stop being anyone's backup, and the
// other owners of every roster concerned (member, backup or owner) get an in-app alert.
// It returns the number of memberships ended. Owners stay owners until someone replaces
// them; the data-quality findings (owner_departed, missing_backup) say so meanwhile.
func PersonDeparted(ctx context.Context, tx store.Querier, p *access.Principal, personID string, now time.Time) (int, error) {
	type hit struct{ member, backup, owner bool }
	rosters := map[string]*hit{}
	var order []string
	get := func(id string) *hit {
		if rosters[id] == nil {
			rosters[id] = &hit{}
			order = append(order, id)
		}
		return rosters[id]
	}
	rows, err := tx.QueryContext(ctx, `SELECT m.roster_id, 'member' FROM roster_members m JOIN rosters r ON r.id = m.roster_id
			WHERE m.person_id = $1 AND m.active AND r.deleted_at IS NULL
		UNION ALL SELECT m.roster_id, 'backup' FROM member_backups b JOIN roster_members m ON m.id = b.member_id JOIN rosters r ON r.id = m.roster_id
			WHERE b.backup_person_id = $1 AND m.active AND r.deleted_at IS NULL
		UNION ALL SELECT o.roster_id, 'owner' FROM roster_owners o JOIN rosters r ON r.id = o.roster_id
			WHERE o.person_id = $1 AND r.deleted_at IS NULL`, personID)
	if err != nil {
		return 0, fmt.Errorf("find rosters of person: %w", err)
	}
	for rows.Next() {
		var id, what string
		if err := rows.Scan(&id, &what); err != nil {
			rows.Close()
			return 0, err
		}
		h := get(id)
		switch what {
		case "member":
			h.member = true
		case "backup":
			h.backup = true
		default:
			h.owner = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(order) == 0 {
		return 0, nil
	}
	var name, employeeNo string
	if err := tx.QueryRowContext(ctx, `SELECT name, employee_no FROM people WHERE id = $1`, personID).Scan(&name, &employeeNo); err != nil {
		return 0, fmt.Errorf("load person: %w", err)
	}
	ended := 0
	for _, id := range order {
		h := rosters[id]
		if h.member || h.backup {
			if err := touch(ctx, tx, id, now); err != nil {
				return ended, err
			}
			res, err := tx.ExecContext(ctx, `UPDATE roster_members SET active = $1, ended_at = $2 WHERE roster_id = $3 AND person_id = $4 AND active`,
				false, store.TS(now), id, personID)
			if err != nil {
				return ended, fmt.Errorf("end memberships: %w", err)
			}
			n, _ := res.RowsAffected()
			ended += int(n)
			if _, err := tx.ExecContext(ctx, `DELETE FROM member_backups WHERE backup_person_id = $1
				AND member_id IN (SELECT id FROM roster_members WHERE roster_id = $2)`, personID, id); err != nil {
				return ended, fmt.Errorf("remove backup: %w", err)
			}
			if err := record(ctx, tx, p, id, "person.departed", "person "+personID, now); err != nil {
				return ended, err
			}
		}
		var rosterName string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM rosters WHERE id = $1`, id).Scan(&rosterName); err != nil {
			return ended, fmt.Errorf("load roster: %w", err)
		}
		msg := fmt.Sprintf("%s (%s) 已离职 / has departed: ", name, employeeNo)
		switch {
		case h.member:
			msg += fmt.Sprintf("removed from roster %s", rosterName)
		case h.backup:
			msg += fmt.Sprintf("no longer a backup on roster %s", rosterName)
		default:
			msg += fmt.Sprintf("roster %s needs a new owner", rosterName)
		}
		if err := alertOwners(ctx, tx, id, personID, msg, now); err != nil {
			return ended, err
		}
	}
	return ended, nil
}

// alertOwners tells the accounts of a roster's owners (but the person concerned).
func alertOwners(ctx context.Context, tx store.Querier, rosterID, personID, msg string, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT u.id FROM users u JOIN roster_owners o ON o.person_id = u.person_id
		WHERE o.roster_id = $1 AND o.person_id <> $2 AND NOT u.disabled ORDER BY o.position, u.id`, rosterID, personID)
	if err != nil {
		return fmt.Errorf("load roster owners' accounts: %w", err)
	}
	var users []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return err
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, u := range users {
		if _, err := tx.ExecContext(ctx, `INSERT INTO alerts (id, user_id, kind, person_id, subject, message, created_at) VALUES ($1, $2, 'roster_person_departed', $3, $4, $5, $6)`,
			store.NewID(), u, personID, "roster:"+rosterID, msg, store.TS(now)); err != nil {
			return fmt.Errorf("alert roster owner: %w", err)
		}
	}
	return nil
}
