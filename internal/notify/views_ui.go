package notify

import (
	"context"
	"fmt"

	"lifeline/internal/access"
)

// TaskView is a remediation task with what the web page shows beside it: the drill it
// came from, where the record belongs and who owns it.
type TaskView struct {
	Task
	IncidentTitle string // the drill's title
	Department    string // the person's department path, or the contact's organization
	OwnerName     string // the owner's name ("" when the task has no owner)
}

// TaskViews lists remediation tasks as Tasks does (same filter, same access rules),
// each with its drill's title, the record's department or organization and the
// owner's name.
func (s *Service) TaskViews(ctx context.Context, p *access.Principal, status string) ([]TaskView, error) {
	tasks, err := s.Tasks(ctx, p, status)
	if err != nil {
		return nil, err
	}
	out := make([]TaskView, len(tasks))
	if len(tasks) == 0 {
		return out, nil
	}
	all := p.Can(access.IncidentWrite) || p.Can(access.DirectoryWrite)
	rows, err := s.db.Read.QueryContext(ctx, `SELECT t.id, COALESCE(i.title, ''), COALESCE(d.name_path, o.name, ''), COALESCE(w.name, '')
		FROM remediation_tasks t JOIN incidents i ON i.id = t.incident_id
		LEFT JOIN people pp ON pp.id = t.person_id LEFT JOIN departments d ON d.id = pp.department_id
		LEFT JOIN org_contacts c ON c.id = t.contact_id LEFT JOIN organizations o ON o.id = c.organization_id
		LEFT JOIN people w ON w.id = t.owner_id
		WHERE ($1 = '' OR t.status = $1) AND ($2 OR t.owner_id = $3)`, status, all, p.PersonID)
	if err != nil {
		return nil, fmt.Errorf("remediation task details: %w", err)
	}
	defer rows.Close()
	type detail struct{ title, dept, owner string }
	details := map[string]detail{}
	for rows.Next() {
		var id string
		var d detail
		if err := rows.Scan(&id, &d.title, &d.dept, &d.owner); err != nil {
			return nil, err
		}
		details[id] = d
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, t := range tasks {
		d := details[t.ID]
		out[i] = TaskView{Task: t, IncidentTitle: d.title, Department: d.dept, OwnerName: d.owner}
	}
	return out, nil
}
