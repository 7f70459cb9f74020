package quality

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// rosterData is what the checks know of one roster.
type rosterData struct {
	id, name string
	owners   []string // person ids, primary first
	members  []rosterMember
}

// rosterMember is one active (not removed) membership of a person.
type rosterMember struct {
	personID, duty     string
	validFrom, validTo time.Time
	backups            []string
}

func loadRosters(ctx context.Context, tx *sql.Tx, s *snapshot) error {
	byID := map[string]*rosterData{}
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM rosters WHERE deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return fmt.Errorf("load rosters: %w", err)
	}
	for rows.Next() {
		r := &rosterData{}
		if err := rows.Scan(&r.id, &r.name); err != nil {
			rows.Close()
			return err
		}
		byID[r.id] = r
		s.rosters = append(s.rosters, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT roster_id, person_id FROM roster_owners ORDER BY roster_id, position`)
	if err != nil {
		return fmt.Errorf("load roster owners: %w", err)
	}
	for rows.Next() {
		var rid, pid string
		if err := rows.Scan(&rid, &pid); err != nil {
			rows.Close()
			return err
		}
		if r := byID[rid]; r != nil {
			r.owners = append(r.owners, pid)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	members := map[string]*rosterMember{}
	type ref struct{ roster, member string }
	var refs []ref
	rows, err = tx.QueryContext(ctx, `SELECT roster_id, id, person_id, duty, valid_from, valid_to FROM roster_members
		WHERE active AND person_id IS NOT NULL ORDER BY roster_id, position, id`)
	if err != nil {
		return fmt.Errorf("load roster members: %w", err)
	}
	for rows.Next() {
		var rid, mid string
		var m rosterMember
		var from, to sql.NullTime
		if err := rows.Scan(&rid, &mid, &m.personID, &m.duty, &from, &to); err != nil {
			rows.Close()
			return err
		}
		m.validFrom, m.validTo = nullTime(from), nullTime(to)
		if byID[rid] != nil {
			members[mid] = &m
			refs = append(refs, ref{rid, mid})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT b.member_id, b.backup_person_id FROM member_backups b JOIN roster_members m ON m.id = b.member_id
		WHERE m.active ORDER BY b.member_id, b.position`)
	if err != nil {
		return fmt.Errorf("load member backups: %w", err)
	}
	for rows.Next() {
		var mid, pid string
		if err := rows.Scan(&mid, &pid); err != nil {
			rows.Close()
			return err
		}
		if m := members[mid]; m != nil {
			m.backups = append(m.backups, pid)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range refs {
		byID[r.roster].members = append(byID[r.roster].members, *members[r.member])
	}
	return nil
}

// rosterFindings reports the roster codes of SPEC §6 on the people concerned, with the
// subject "roster:<id>" (one roster's findings apart from another's):
//   - missing_backup: a member in force without an active backup (on the member), or a
//     roster with fewer than two active owners (on each owner);
//   - departed_in_roster: a departed person still an active member (on them);
//   - expired_membership: a membership past its valid_to still listed as active;
//   - owner_departed: a roster owner who has departed (on the owner).
func rosterFindings(s *snapshot, now time.Time) []Finding {
	var out []Finding
	seen := map[string]bool{}
	add := func(pid, subject, code, detail string) {
		p := s.all[pid]
		if p == nil || seen[pid+"\x00"+subject+"\x00"+code] {
			return
		}
		seen[pid+"\x00"+subject+"\x00"+code] = true
		out = append(out, Finding{PersonID: p.id, EmployeeNo: p.employeeNo, Name: p.name, Subject: subject, Code: code, Severity: Severity(code), Detail: detail})
	}
	departed := func(pid string) bool { return s.status[pid] == "departed" }
	for _, r := range s.rosters {
		subj := "roster:" + r.id
		active := 0
		for _, o := range r.owners {
			if !departed(o) {
				active++
			}
		}
		for i, o := range r.owners {
			role := "deputy"
			if i == 0 {
				role = "primary"
			}
			if departed(o) {
				add(o, subj, OwnerDeparted, fmt.Sprintf("roster %s: the %s owner has departed", r.name, role))
			}
			if active < 2 {
				add(o, subj, MissingBackup, fmt.Sprintf("roster %s has %d active owners; it needs at least 2 (primary and deputy)", r.name, active))
			}
		}
		for _, m := range r.members {
			if departed(m.personID) {
				add(m.personID, subj, DepartedInRoster, fmt.Sprintf("roster %s: departed, still listed for duty %q", r.name, m.duty))
				continue
			}
			if !m.validTo.IsZero() && !m.validTo.After(now) {
				add(m.personID, subj, ExpiredMembership, fmt.Sprintf("roster %s: membership ended %s, still listed", r.name, m.validTo.Format(time.DateOnly)))
				continue
			}
			if !m.validFrom.IsZero() && m.validFrom.After(now) {
				continue // not in force yet
			}
			backups := 0
			for _, b := range m.backups {
				if !departed(b) {
					backups++
				}
			}
			if backups == 0 {
				add(m.personID, subj, MissingBackup, fmt.Sprintf("roster %s: no backup for duty %q", r.name, m.duty))
			}
		}
	}
	return out
}
