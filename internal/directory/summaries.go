package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"lifeline/internal/store"
)

// PersonSummariesByID returns the summaries (name, department, status, masked mobile and
// email) of the given people, keyed by id; unknown ids are left out. It checks no scope:
// callers (rosters) decide who may see the people they reference.
func PersonSummariesByID(ctx context.Context, q store.Querier, ids []string) (map[string]PersonSummary, error) {
	out := map[string]PersonSummary{}
	seen := map[string]bool{}
	var args []any
	var marks []string
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		args = append(args, id)
		marks = append(marks, fmt.Sprintf("$%d", len(args)))
	}
	if len(args) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.employee_no, p.name, p.department_id, d.name_path, p.title, p.status,
			COALESCE((SELECT c.masked FROM channels c WHERE c.person_id = p.id AND c.kind = 'mobile' ORDER BY c.position LIMIT 1), ''),
			COALESCE((SELECT c.masked FROM channels c WHERE c.person_id = p.id AND c.kind = 'email' ORDER BY c.position LIMIT 1), '')
		FROM people p JOIN departments d ON d.id = p.department_id WHERE p.id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("load people: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p PersonSummary
		if err := rows.Scan(&p.ID, &p.EmployeeNo, &p.Name, &p.DepartmentID, &p.Department, &p.Title, &p.Status, &p.Mobile, &p.Email); err != nil {
			return nil, err
		}
		out[p.ID] = p
	}
	return out, rows.Err()
}

// ContactSummary is an external organization's contact as a roster shows it.
type ContactSummary struct {
	ID           string
	Name         string
	Organization string
	Role         string
	Mobile       string // masked
}

// ContactSummariesByID returns the summaries of the given external contacts, keyed by id.
func ContactSummariesByID(ctx context.Context, q store.Querier, ids []string) (map[string]ContactSummary, error) {
	out := map[string]ContactSummary{}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, ok := out[id]; ok {
			continue
		}
		var c ContactSummary
		err := q.QueryRowContext(ctx, `SELECT c.id, c.name, o.name, c.role,
				COALESCE((SELECT ch.masked FROM channels ch WHERE ch.contact_id = c.id AND ch.kind IN ('mobile', 'landline') ORDER BY ch.position LIMIT 1), '')
			FROM org_contacts c JOIN organizations o ON o.id = c.organization_id WHERE c.id = $1`, id).
			Scan(&c.ID, &c.Name, &c.Organization, &c.Role, &c.Mobile)
		if errors.Is(err, sql.ErrNoRows) {
			continue // a contact deleted since: shown by id only
		}
		if err != nil {
			return nil, fmt.Errorf("load contact: %w", err)
		}
		out[id] = c
	}
	return out, nil
}
