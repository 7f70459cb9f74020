package notify

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Audience is whom a notification is for. Everything resolves to people (each once)
// and external contacts.
type Audience struct {
	People        []string `json:"people,omitempty"`
	Departments   []string `json:"departments,omitempty"`   // each with its subtree
	Rosters       []string `json:"rosters,omitempty"`       // members in force
	OnDuty        []string `json:"on_duty,omitempty"`       // rosters: only who is on duty now
	Organizations []string `json:"organizations,omitempty"` // external organizations: their contacts
	All           bool     `json:"all,omitempty"`           // everyone active in the sender's scope
}

func (a Audience) empty() bool {
	return !a.All && len(a.People)+len(a.Departments)+len(a.Rosters)+len(a.OnDuty)+len(a.Organizations) == 0
}

// target is one resolved recipient.
type target struct {
	personID, contactID string
	rosterID, deptID    string
	backupID            string // from the roster membership
}

// resolver collects targets, each person or contact once (the first reason wins, but a
// roster membership adds its backup).
type resolver struct {
	out  []target
	seen map[string]int
}

func (r *resolver) add(t target) {
	key := "p:" + t.personID
	if t.contactID != "" {
		key = "c:" + t.contactID
	}
	if i, ok := r.seen[key]; ok {
		if r.out[i].backupID == "" && t.backupID != "" {
			r.out[i].backupID, r.out[i].rosterID = t.backupID, t.rosterID
		}
		return
	}
	r.seen[key] = len(r.out)
	r.out = append(r.out, t)
}

// resolve turns an audience into targets inside tx. onDuty holds the on-duty people of
// the rosters in a.OnDuty, looked up beforehand. Parts that reach people outside a
// scoped sender's subtree are refused (403, each named; see scope.go) before unknown
// ids, which are validation errors.
func resolve(ctx context.Context, tx *sql.Tx, p *access.Principal, a Audience, onDuty map[string][]string, now time.Time) ([]target, error) {
	r := &resolver{seen: map[string]int{}}
	var v errs.Validation
	rc := reachOf(p)
	scope := p.ScopePath + "%"
	people := func(query string, args ...any) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("resolve audience: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t target
			if err := rows.Scan(&t.personID, &t.deptID); err != nil {
				return err
			}
			r.add(t)
		}
		return rows.Err()
	}
	// In no particular order: writePlans puts the recipients in owner order anyway, and
	// sorting 100,000 people here was a tenth of the time to create a broadcast.
	const active = `FROM people p JOIN departments d ON d.id = p.department_id WHERE p.status <> 'departed' AND d.path LIKE $1`
	if a.All { // everyone active in the sender's scope: inside it by construction
		if err := people(`SELECT p.id, p.department_id `+active, scope); err != nil {
			return nil, err
		}
	}
	for i, id := range a.Departments {
		field := fmt.Sprintf("audience.departments[%d]", i)
		var path string
		err := tx.QueryRowContext(ctx, `SELECT path FROM departments WHERE id = $1`, id).Scan(&path)
		if err == sql.ErrNoRows {
			v.Add(field, "no such department")
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("resolve department: %w", err)
		}
		if !rc.allows(path) {
			rc.refuse(field, fmt.Sprintf("department %s is outside your scope", id))
			continue
		}
		if err := people(`SELECT p.id, p.department_id `+active+` AND d.path LIKE $2`, scope, path+"%"); err != nil {
			return nil, err
		}
	}
	for i, id := range a.People {
		field := fmt.Sprintf("audience.people[%d]", i)
		var t target
		var path, status string
		err := tx.QueryRowContext(ctx, `SELECT p.id, p.department_id, d.path, p.status FROM people p JOIN departments d ON d.id = p.department_id
			WHERE p.id = $1`, id).Scan(&t.personID, &t.deptID, &path, &status)
		if err == sql.ErrNoRows {
			v.Add(field, "no such active person")
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("resolve person: %w", err)
		}
		if !rc.allows(path) {
			rc.refuse(field, fmt.Sprintf("person %s is outside your scope", id))
			continue
		}
		if status == "departed" {
			v.Add(field, "no such active person")
			continue
		}
		r.add(t)
	}
	for i, id := range a.Rosters {
		field := fmt.Sprintf("audience.rosters[%d]", i)
		sub := &resolver{seen: map[string]int{}}
		if err := rosterMembers(ctx, tx, id, now, sub); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				v.Add(field, "no such roster")
				continue
			}
			return nil, err
		}
		var ids []string
		for _, t := range sub.out {
			ids = append(ids, t.personID, t.backupID)
		}
		n, err := rc.peopleOutside(ctx, tx, ids)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			rc.refuse(field, fmt.Sprintf("roster %s: %d of the people it reaches (members in force and their backups) are outside your scope", id, n))
			continue
		}
		for _, t := range sub.out {
			r.add(t)
		}
	}
	for i, id := range a.OnDuty {
		n, err := rc.peopleOutside(ctx, tx, onDuty[id])
		if err != nil {
			return nil, err
		}
		if n > 0 {
			rc.refuse(fmt.Sprintf("audience.on_duty[%d]", i), fmt.Sprintf("roster %s: %d of the people on duty now are outside your scope", id, n))
			continue
		}
		for _, pid := range onDuty[id] {
			r.add(target{personID: pid, rosterID: id})
		}
	}
	for i, id := range a.Organizations { // external contacts: in no department, open to every sender
		rows, err := tx.QueryContext(ctx, `SELECT c.id FROM org_contacts c JOIN organizations o ON o.id = c.organization_id
			WHERE o.id = $1 ORDER BY c.id`, id)
		if err != nil {
			return nil, fmt.Errorf("resolve organization: %w", err)
		}
		n := 0
		for rows.Next() {
			var t target
			if err := rows.Scan(&t.contactID); err != nil {
				rows.Close()
				return nil, err
			}
			r.add(t)
			n++
		}
		rows.Close()
		if n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM organizations WHERE id = $1`, id).Scan(&one); err != nil {
				v.Add(fmt.Sprintf("audience.organizations[%d]", i), "no such organization")
			}
		}
	}
	if err := rc.err(); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.out, nil
}

// rosterMembers adds the members in force of a roster with their first backup.
func rosterMembers(ctx context.Context, tx *sql.Tx, rosterID string, now time.Time, r *resolver) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM rosters WHERE id = $1 AND deleted_at IS NULL`, rosterID).Scan(&one)
	if err == sql.ErrNoRows {
		return errs.E(errs.NotFound, "roster not found")
	}
	if err != nil {
		return fmt.Errorf("load roster: %w", err)
	}
	ts := store.TS(now)
	rows, err := tx.QueryContext(ctx, `SELECT m.person_id, m.contact_id, COALESCE(p.department_id, ''),
			COALESCE((SELECT b.backup_person_id FROM member_backups b JOIN people bp ON bp.id = b.backup_person_id
				WHERE b.member_id = m.id AND bp.status <> 'departed' ORDER BY b.position LIMIT 1), '')
		FROM roster_members m LEFT JOIN people p ON p.id = m.person_id
		WHERE m.roster_id = $1 AND m.active AND (m.valid_from IS NULL OR m.valid_from <= $2) AND (m.valid_to IS NULL OR m.valid_to > $2)
			AND (p.id IS NULL OR p.status <> 'departed')
		ORDER BY m.position, m.id`, rosterID, ts)
	if err != nil {
		return fmt.Errorf("roster members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid, cid sql.NullString
		t := target{rosterID: rosterID}
		if err := rows.Scan(&pid, &cid, &t.deptID, &t.backupID); err != nil {
			return err
		}
		t.personID, t.contactID = pid.String, cid.String
		r.add(t)
	}
	return rows.Err()
}
