package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
	"lifeline/internal/workdays"
)

// RemediationDays is how many working days the owner of a record has to fix a contact
// a drill could not reach.
const RemediationDays = 5

// Task is a remediation task (整改任务) from a drill.
type Task struct {
	ID         string     `json:"id"`
	IncidentID string     `json:"incident_id"`
	PersonID   string     `json:"person_id,omitempty"`
	ContactID  string     `json:"contact_id,omitempty"`
	Name       string     `json:"name"`
	OwnerID    string     `json:"owner_id,omitempty"`
	Reason     string     `json:"reason"`
	DueOn      string     `json:"due_on"`
	Status     string     `json:"status"` // open, done
	CreatedAt  time.Time  `json:"created_at"`
	DoneAt     *time.Time `json:"done_at"`
}

// createRemediation makes a task for each recipient of a drill who was never reached.
// The owner is the person's record owner, else their department's data maintainer,
// else its head.
func (s *Service) createRemediation(ctx context.Context, tx *sql.Tx, incidentID string, now time.Time) error {
	cal, err := workdays.Load(ctx, tx)
	if err != nil {
		return err
	}
	due := cal.AddWorkdays(workdays.DateOf(now), RemediationDays).String()
	_, err = tx.ExecContext(ctx, `INSERT INTO remediation_tasks (id, incident_id, recipient_id, person_id, contact_id, owner_id, reason, due_on, status, created_at)
		SELECT r.id, n.incident_id, r.id, r.person_id, r.contact_id,
			COALESCE(p.owner_id, d.maintainer_person_id, d.head_person_id),
			CASE WHEN EXISTS (SELECT 1 FROM deliveries x WHERE x.recipient_id = r.id) THEN 'failed' ELSE 'unreachable' END,
			$2, 'open', $3
		FROM recipients r JOIN notifications n ON n.id = r.notification_id
		LEFT JOIN people p ON p.id = r.person_id LEFT JOIN departments d ON d.id = p.department_id
		WHERE n.incident_id = $1 AND n.status <> 'cancelled' AND r.acked_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.recipient_id = r.id AND x.sent_at IS NOT NULL)
			AND NOT EXISTS (SELECT 1 FROM remediation_tasks t WHERE t.recipient_id = r.id)`, incidentID, due, store.TS(now))
	if err != nil {
		return fmt.Errorf("create remediation tasks: %w", err)
	}
	return nil
}

// Tasks lists remediation tasks: an owner sees theirs; admins, HR and responders all.
func (s *Service) Tasks(ctx context.Context, p *access.Principal, status string) ([]Task, error) {
	if status != "" && status != "open" && status != "done" {
		return nil, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "status", Message: "open or done"}}}
	}
	all := p.Can(access.IncidentWrite) || p.Can(access.DirectoryWrite)
	if !all && p.PersonID == "" {
		return nil, errs.E(errs.Forbidden, "you may not see remediation tasks")
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT t.id, t.incident_id, COALESCE(t.person_id, ''), COALESCE(t.contact_id, ''), COALESCE(p.name, c.name, ''),
			COALESCE(t.owner_id, ''), t.reason, t.due_on, t.status, t.created_at, t.done_at
		FROM remediation_tasks t LEFT JOIN people p ON p.id = t.person_id LEFT JOIN org_contacts c ON c.id = t.contact_id
			LEFT JOIN departments d ON d.id = p.department_id
		WHERE ($1 = '' OR t.status = $1) AND (t.owner_id = $3 OR ($2 AND ($4 = '' OR t.contact_id IS NOT NULL OR d.path LIKE $4)))
		ORDER BY t.due_on, t.id LIMIT 1000`, status, all, p.PersonID, taskScope(p))
	if err != nil {
		return nil, fmt.Errorf("list remediation tasks: %w", err)
	}
	defer rows.Close()
	out := []Task{}
	for rows.Next() {
		var t Task
		var done sql.NullTime
		if err := rows.Scan(&t.ID, &t.IncidentID, &t.PersonID, &t.ContactID, &t.Name, &t.OwnerID, &t.Reason, &t.DueOn, &t.Status, &t.CreatedAt, &done); err != nil {
			return nil, err
		}
		t.CreatedAt = t.CreatedAt.UTC()
		if done.Valid {
			d := done.Time.UTC()
			t.DoneAt = &d
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// taskScope is the department path pattern a scoped user's tasks lie under ("" for an
// organization-wide user): those about people in their subtree, and external contacts
// (which belong to no department).
func taskScope(p *access.Principal) string {
	if p.OrgWide() {
		return ""
	}
	return p.ScopePath + "%"
}

// CompleteTask marks a remediation task done (its owner, or anyone who sees all tasks).
func (s *Service) CompleteTask(ctx context.Context, p *access.Principal, id string) error {
	all := p.Can(access.IncidentWrite) || p.Can(access.DirectoryWrite)
	res, err := s.db.Write.ExecContext(ctx, `UPDATE remediation_tasks SET status = 'done', done_at = $1
		WHERE id = $2 AND status = 'open' AND (owner_id = $4 OR ($3 AND ($5 = '' OR contact_id IS NOT NULL
			OR person_id IN (SELECT p.id FROM people p JOIN departments d ON d.id = p.department_id WHERE d.path LIKE $5))))`,
		store.TS(s.clock.Now()), id, all, p.PersonID, taskScope(p))
	if err != nil {
		return fmt.Errorf("complete remediation task: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "no open task with this id of yours")
	}
	return nil
}

// DrillTrend is one drill's headline numbers, for the trend across drills.
type DrillTrend struct {
	IncidentID string     `json:"incident_id"`
	Title      string     `json:"title"`
	OccurredAt time.Time  `json:"occurred_at"`
	ClosedAt   *time.Time `json:"closed_at"`
	Recipients int        `json:"recipients"`
	ReachRate  float64    `json:"reach_rate"`
	AckP50Sec  *float64   `json:"ack_p50_seconds"`
	AckP90Sec  *float64   `json:"ack_p90_seconds"`
	Failed     int        `json:"failed"`
}

// Drills lists closed drills, oldest first, from their stored reports.
func (s *Service) Drills(ctx context.Context, p *access.Principal) ([]DrillTrend, error) {
	if !p.Can(access.IncidentRead) {
		return nil, errs.E(errs.Forbidden, "you may not see drills")
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT report FROM incidents WHERE drill AND status = 'closed' AND report <> '' ORDER BY occurred_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list drills: %w", err)
	}
	defer rows.Close()
	out := []DrillTrend{}
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var r Report
		if err := json.Unmarshal([]byte(b), &r); err != nil {
			continue
		}
		out = append(out, DrillTrend{IncidentID: r.IncidentID, Title: r.Title, OccurredAt: r.OccurredAt, ClosedAt: r.ClosedAt,
			Recipients: r.Recipients, ReachRate: r.ReachRate, AckP50Sec: r.AckP50Sec, AckP90Sec: r.AckP90Sec, Failed: r.Failed})
	}
	return out, rows.Err()
}
