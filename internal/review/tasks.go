package review

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// findTask loads a task of any kind by id.
func findTask(ctx context.Context, q store.Querier, id string) (Task, error) {
	if t, ok, err := loadDepartmentTask(ctx, q, id); err != nil || ok {
		return t, err
	}
	if t, ok, err := loadFollowup(ctx, q, id); err != nil || ok {
		return t, err
	}
	return loadTask(ctx, q, id)
}

// getTx returns a task with its items, for those who may act on it.
func getTx(ctx context.Context, q store.Querier, p *access.Principal, id string) (Task, error) {
	if !p.Can(access.RosterRead) {
		return Task{}, notFound()
	}
	t, err := findTask(ctx, q, id)
	if err != nil {
		return t, err
	}
	switch t.Kind {
	case KindDepartment:
		if err := mayReviewDepartment(ctx, q, p, t.DepartmentID); err != nil {
			return t, err
		}
		t.Items, err = departmentItems(ctx, q, t)
		return t, err
	case KindFollowup:
		if _, err := getRoster(ctx, q, p, Task{RosterID: t.RosterID}); err != nil {
			return t, err
		}
		t.Items, _, err = followupItems(ctx, q, t)
		return t, err
	}
	return getRoster(ctx, q, p, t)
}

// Get returns a task with its members (or people): for a roster task or follow-up the
// roster's owners, for a department task its head and data maintainer; admin and hr all.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (Task, error) {
	var t Task
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = getTx(ctx, tx, p, id)
		return err
	})
	return t, err
}

// Confirm records decisions on a task, all at once (the one-page review): on members of
// a roster task (member_id), on people of a department task (person_id), or the one
// decision of a follow-up. A task whose every member or person is decided is done.
func (s *Service) Confirm(ctx context.Context, p *access.Principal, id string, in ConfirmInput) (Task, error) {
	if !p.Can(access.RosterRead) {
		return Task{}, notFound()
	}
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		t, err := findTask(ctx, tx, id)
		if err != nil {
			return err
		}
		switch t.Kind {
		case KindDepartment:
			return confirmDepartment(ctx, tx, p, t, in, now)
		case KindFollowup:
			return confirmFollowup(ctx, tx, p, t, in, now)
		}
		return confirmRoster(ctx, tx, p, t, in, now)
	})
	if err != nil {
		return Task{}, err
	}
	return s.Get(ctx, p, id)
}

// allTasks is every task of every kind in the columns of a list, newest first.
const allTasks = `SELECT t.id, 'roster' AS kind, t.roster_id AS roster_id, r.name AS roster_name, '' AS department_id, '' AS department_name,
		'' AS origin, '' AS reason, t.period, t.due_date, t.status, t.created_at, t.completed_at, t.completed_by, t.escalated_at
	FROM review_tasks t JOIN rosters r ON r.id = t.roster_id WHERE r.deleted_at IS NULL
	AND ($1 OR EXISTS (SELECT 1 FROM roster_owners o WHERE o.roster_id = t.roster_id AND o.person_id = $2))
UNION ALL SELECT t.id, 'department', '', '', t.department_id, d.name_path, '', '', t.period, t.due_date, t.status, t.created_at, t.completed_at, t.completed_by, t.escalated_at
	FROM department_review_tasks t JOIN departments d ON d.id = t.department_id
	WHERE $1 OR d.head_person_id = $2 OR d.maintainer_person_id = $2
UNION ALL SELECT f.id, 'followup', f.roster_id, r.name, '', '', f.origin, f.reason, '', f.due_date, f.status, f.created_at, f.completed_at, f.completed_by, f.escalated_at
	FROM review_followups f JOIN rosters r ON r.id = f.roster_id WHERE r.deleted_at IS NULL
	AND ($1 OR EXISTS (SELECT 1 FROM roster_owners o WHERE o.roster_id = f.roster_id AND o.person_id = $2))`

// listCursor is the opaque position after a task: its created_at and id.
func listCursor(t Task) string {
	return base64.RawURLEncoding.EncodeToString([]byte(t.CreatedAt.UTC().Format(time.RFC3339Nano) + "|" + t.ID))
}

func readListCursor(c string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	at, id, ok := strings.Cut(string(b), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	return t, id, ok && err == nil && id != ""
}

// List returns a page of review tasks of every kind (kind filters: roster, department,
// followup), newest first: those the principal must act on, or every one for admin and
// hr. status filters (open, done, overdue). The second result is the next page's cursor.
func (s *Service) List(ctx context.Context, p *access.Principal, kind, status, cursor string, limit int) ([]Task, string, error) {
	if !p.Can(access.RosterRead) {
		return nil, "", errs.E(errs.Forbidden, "you may not see reviews")
	}
	var v errs.Validation
	v.Check(status == "" || status == StatusOpen || status == StatusDone || status == StatusOverdue, "status", "open, done or overdue")
	v.Check(kind == "" || kind == KindRoster || kind == KindDepartment || kind == KindFollowup, "kind", "roster, department or followup")
	afterAt, afterID, ok := readListCursor(cursor)
	v.Check(cursor == "" || ok, "cursor", "not a cursor of this list")
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	all := p.Role == access.Admin || p.Role == access.HR
	out := []Task{}
	next := ""
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT * FROM (`+allTasks+`) x
			WHERE ($3 = '' OR x.status = $3) AND ($4 = '' OR x.kind = $4)
			AND ($5 = '' OR x.created_at < $6 OR (x.created_at = $6 AND x.id > $7))
			ORDER BY x.created_at DESC, x.id LIMIT $8`, all, p.PersonID, status, kind, cursor, store.TS(afterAt), afterID, limit+1)
		if err != nil {
			return fmt.Errorf("list review tasks: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t Task
			var created, completed, escalated anyTime
			if err := rows.Scan(&t.ID, &t.Kind, &t.RosterID, &t.RosterName, &t.DepartmentID, &t.DepartmentName, &t.Origin, &t.Reason,
				&t.Period, &t.DueDate, &t.Status, &created, &completed, &t.CompletedBy, &escalated); err != nil {
				return err
			}
			t.CreatedAt, t.CompletedAt, t.EscalatedAt = created.T, completed.ptr(), escalated.ptr()
			out = append(out, t)
		}
		return rows.Err()
	})
	if len(out) > limit {
		out = out[:limit]
		next = listCursor(out[limit-1])
	}
	return out, next, err
}
