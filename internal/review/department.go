package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/store"
	"lifeline/internal/workdays"
)

// Accounts told about a department's review: the head's and the data maintainer's (hr
// when the department has neither), and for escalation those people's managers.
const (
	deptReviewerAccounts = `SELECT DISTINCT u.id FROM users u, departments d WHERE d.id = $1 AND NOT u.disabled
		AND (u.person_id IN (d.head_person_id, d.maintainer_person_id)
			OR (d.head_person_id IS NULL AND d.maintainer_person_id IS NULL AND u.role = 'hr')) ORDER BY u.id`
	deptManagerAccounts = `SELECT DISTINCT u.id FROM users u JOIN people p ON p.manager_id = u.person_id, departments d
		WHERE d.id = $1 AND p.id IN (d.head_person_id, d.maintainer_person_id) AND NOT u.disabled ORDER BY u.id`
	hrAccounts = `SELECT u.id FROM users u WHERE u.role = 'hr' AND NOT u.disabled AND $1 <> '' ORDER BY u.id`
)

// runDepartments opens the department tasks of the current period, reminds on the due
// day and escalates overdue ones, like Run does for rosters.
func runDepartments(ctx context.Context, tx store.Querier, cal *workdays.Calendar, now time.Time, res *RunResult) error {
	type dept struct{ id, name, period string }
	var due []dept
	rows, err := tx.QueryContext(ctx, `SELECT id, name_path, review_frequency FROM departments WHERE review_frequency <> '' ORDER BY id`)
	if err != nil {
		return fmt.Errorf("list departments to review: %w", err)
	}
	for rows.Next() {
		var d dept
		var freq string
		if err := rows.Scan(&d.id, &d.name, &freq); err != nil {
			rows.Close()
			return err
		}
		if d.period = Period(freq, now); d.period != "" {
			due = append(due, d)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	today := workdays.DateOf(now)
	for _, d := range due {
		dueDate := cal.AddWorkdays(today, DueWorkdays)
		msg := fmt.Sprintf("请在 %s 前审核部门 %s 人员的联络信息（%s）/ Review the contact data of the people of %s (%s) by %s", dueDate, d.name, d.period, d.name, d.period, dueDate)
		opened, err := openPeriodTask(ctx, tx, departmentTasks, d.id, d.period, dueDate, msg, now)
		if err != nil {
			return err
		}
		if opened {
			res.Created++
		}
	}
	type open struct {
		id, deptID, dept, period, due string
		reminded, escalated           bool
	}
	var tasks []open
	rows, err = tx.QueryContext(ctx, `SELECT t.id, t.department_id, d.name_path, t.period, t.due_date, t.reminded_at IS NOT NULL, t.escalated_at IS NOT NULL
		FROM department_review_tasks t JOIN departments d ON d.id = t.department_id WHERE t.status <> $1 ORDER BY t.id`, StatusDone)
	if err != nil {
		return fmt.Errorf("list open department review tasks: %w", err)
	}
	for rows.Next() {
		var t open
		if err := rows.Scan(&t.id, &t.deptID, &t.dept, &t.period, &t.due, &t.reminded, &t.escalated); err != nil {
			rows.Close()
			return err
		}
		tasks = append(tasks, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tasks {
		d, err := workdays.ParseDate(t.due)
		if err != nil {
			return fmt.Errorf("department review task %s: %w", t.id, err)
		}
		switch {
		case today.After(d) && !t.escalated:
			if _, err := tx.ExecContext(ctx, `UPDATE department_review_tasks SET status = $1, escalated_at = $2 WHERE id = $3`, StatusOverdue, store.TS(now), t.id); err != nil {
				return fmt.Errorf("escalate department review task: %w", err)
			}
			msg := fmt.Sprintf("部门 %s 的联络信息审核（%s）已逾期，截止 %s / The review of %s (%s) is overdue since %s", t.dept, t.period, t.due, t.dept, t.period, t.due)
			if err := alertUsers(ctx, tx, deptManagerAccounts, t.deptID, "review_overdue", t.id, msg, now); err != nil {
				return err
			}
			res.Escalated++
		case today == d && !t.reminded:
			if _, err := tx.ExecContext(ctx, `UPDATE department_review_tasks SET reminded_at = $1 WHERE id = $2`, store.TS(now), t.id); err != nil {
				return fmt.Errorf("remind department review task: %w", err)
			}
			msg := fmt.Sprintf("今天是部门 %s 联络信息审核（%s）的截止日 / Today is the deadline of the review of %s (%s)", t.dept, t.period, t.dept, t.period)
			if err := alertUsers(ctx, tx, deptReviewerAccounts, t.deptID, "review_reminder", t.id, msg, now); err != nil {
				return err
			}
			res.Reminded++
		}
	}
	return nil
}

const deptTaskCols = `t.id, t.department_id, d.name_path, t.period, t.due_date, t.status, t.created_at, t.completed_at, t.completed_by, t.escalated_at`

// loadDepartmentTask reads a department task; ok is false when there is none with that id.
func loadDepartmentTask(ctx context.Context, q store.Querier, id string) (Task, bool, error) {
	var t Task
	var completed, escalated sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT `+deptTaskCols+` FROM department_review_tasks t JOIN departments d ON d.id = t.department_id WHERE t.id = $1`, id).
		Scan(&t.ID, &t.DepartmentID, &t.DepartmentName, &t.Period, &t.DueDate, &t.Status, &t.CreatedAt, &completed, &t.CompletedBy, &escalated)
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("load department review task: %w", err)
	}
	t.Kind, t.CreatedAt = KindDepartment, t.CreatedAt.UTC()
	t.CompletedAt, t.EscalatedAt = nullTime(completed), nullTime(escalated)
	return t, true, nil
}

// mayReviewDepartment: admin and hr, and the department's head and data maintainer.
func mayReviewDepartment(ctx context.Context, q store.Querier, p *access.Principal, deptID string) error {
	if p.Role == access.Admin || p.Role == access.HR {
		return nil
	}
	var head, maintainer string
	err := q.QueryRowContext(ctx, `SELECT COALESCE(head_person_id, ''), COALESCE(maintainer_person_id, '') FROM departments WHERE id = $1`, deptID).Scan(&head, &maintainer)
	if err != nil {
		return fmt.Errorf("load department reviewers: %w", err)
	}
	if p.IsSelf(head) || p.IsSelf(maintainer) {
		return nil
	}
	if p.Can(access.DirectoryRead) {
		return errs.E(errs.Forbidden, "only the department's head or data maintainer (and admin or hr) review its people")
	}
	return notFound()
}

// departmentItems lists the department's people under review: those not departed, and
// those decided in this task, with the decisions.
func departmentItems(ctx context.Context, q store.Querier, t Task) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, COALESCE(i.decision, ''), COALESCE(i.note, ''), COALESCE(i.decided_by, ''), i.decided_at
		FROM people p LEFT JOIN department_review_items i ON i.person_id = p.id AND i.task_id = $1
		WHERE (p.department_id = $2 AND p.status <> 'departed') OR i.task_id IS NOT NULL ORDER BY p.employee_no, p.id`, t.ID, t.DepartmentID)
	if err != nil {
		return nil, fmt.Errorf("list department review items: %w", err)
	}
	out := []Item{}
	var ids []string
	for rows.Next() {
		var it Item
		var at sql.NullTime
		if err := rows.Scan(&it.PersonID, &it.Decision, &it.Note, &it.DecidedBy, &at); err != nil {
			rows.Close()
			return nil, err
		}
		it.DecidedAt = nullTime(at)
		ids = append(ids, it.PersonID)
		out = append(out, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	people, err := directory.PersonSummariesByID(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		ps := people[out[i].PersonID]
		out[i].Name, out[i].Mobile, out[i].Duty = ps.Name, ps.Mobile, ps.Title
	}
	return out, nil
}

// confirmDepartment records decisions on people of a department task. Valid and changed
// stamp the person confirmed; removed flags the person for HR (an alert to the hr
// accounts; the record stays). When every person has a decision the task is done.
func confirmDepartment(ctx context.Context, tx store.Querier, p *access.Principal, t Task, in ConfirmInput, now time.Time) error {
	if err := mayReviewDepartment(ctx, tx, p, t.DepartmentID); err != nil {
		return err
	}
	if t.Status == StatusDone {
		return errs.E(errs.Conflict, "this review is already done")
	}
	current, err := departmentItems(ctx, tx, t)
	if err != nil {
		return err
	}
	byID := map[string]Item{}
	for _, it := range current {
		byID[it.PersonID] = it
	}
	if err := checkDecisions(in, byID, decisionKey{field: "person_id", other: "member_id", notOurs: "not a person of this department",
		otherOnly: "only in a roster review", of: func(d Decision) (string, string) { return d.PersonID, d.MemberID }}); err != nil {
		return err
	}
	for _, d := range in.Decisions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO department_review_items (task_id, person_id, decision, note, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.ID, d.PersonID, d.Decision, strings.TrimSpace(d.Note), p.Username, store.TS(now)); err != nil {
			return fmt.Errorf("insert department review item: %w", err)
		}
		if d.Decision != Removed {
			if err := directory.MarkConfirmed(ctx, tx, d.PersonID, now); err != nil {
				return err
			}
			continue
		}
		it := byID[d.PersonID]
		msg := fmt.Sprintf("部门 %s 审核中标记 %s 已不在本部门，请人事核实 / The review of %s flags %s as no longer in the department: HR, please check",
			t.DepartmentName, it.Name, t.DepartmentName, it.Name)
		if err := alertUsers(ctx, tx, hrAccounts, t.ID, "review_flagged", t.ID, msg, now); err != nil {
			return err
		}
	}
	var left int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM people p WHERE p.department_id = $1 AND p.status <> 'departed'
		AND NOT EXISTS (SELECT 1 FROM department_review_items i WHERE i.task_id = $2 AND i.person_id = p.id)`, t.DepartmentID, t.ID).Scan(&left); err != nil {
		return fmt.Errorf("count people left to review: %w", err)
	}
	if left == 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE department_review_tasks SET status = $1, completed_at = $2, completed_by = $3 WHERE id = $4`,
			StatusDone, store.TS(now), p.Username, t.ID); err != nil {
			return fmt.Errorf("complete department review task: %w", err)
		}
	}
	return nil
}
