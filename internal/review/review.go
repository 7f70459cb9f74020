// Package review runs the review cycle (SPEC §3.4) of rosters and departments, and the
// follow-ups of changes. For departments (department.go) the head or data maintainer
// confirms each person; after an HR or external change a follow-up (followup.go) asks
// the owners to confirm one membership within the change SLA; report.go is the quarterly
// review report. The roster cycle: for each roster with a
// review_frequency (monthly, quarterly, semiannual) a periodic job opens one review task
// per period — labelled 2026-10, 2026-Q4 or 2026-H2, periods in Asia/Shanghai — and tells
// the roster's owners in-app. The owners confirm every active member on one page: still
// valid, changed (the data was updated) or removed (the membership ends through the roster
// service). Confirming a person as valid or changed stamps people.last_confirmed_at.
//
// Deadlines are in Chinese working days (internal/workdays): a task is due DueWorkdays (5)
// working days after the day it was opened; on its due day the owners are reminded once;
// after it, the task turns overdue and is escalated once to the owners' managers (the
// accounts linked to people.manager_id). The change SLAs of the seed template — an HR
// change is applied within HRChangeWorkdays (1), an external contact's within
// ExternalChangeWorkdays (2) — are the deadlines of the follow-ups (ChangeDeadline,
// FlagMemberships).
package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/clock"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/roster"
	"lifeline/internal/store"
	"lifeline/internal/workdays"
)

// Deadlines in working days.
const (
	DueWorkdays            = 5 // a review task is due 5 working days after it is opened
	HRChangeWorkdays       = 1 // an HR change (departure, transfer) is applied within 1 working day
	ExternalChangeWorkdays = 2 // an external contact's change within 2 working days
)

// Statuses of a task.
const (
	StatusOpen    = "open"
	StatusDone    = "done"
	StatusOverdue = "overdue"
)

// Decisions on a member.
const (
	Valid   = "valid"
	Changed = "changed"
	Removed = "removed"
)

var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// Period returns the label of the review period containing t for a frequency, and ""
// for no (or an unknown) frequency.
func Period(freq string, t time.Time) string {
	t = t.In(shanghai)
	switch freq {
	case "monthly":
		return fmt.Sprintf("%04d-%02d", t.Year(), int(t.Month()))
	case "quarterly":
		return fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
	case "semiannual":
		return fmt.Sprintf("%04d-H%d", t.Year(), (int(t.Month())-1)/6+1)
	}
	return ""
}

// ChangeDeadline is the date by which a change of that origin ("hr" or "external")
// noticed at t must be applied.
func ChangeDeadline(cal *workdays.Calendar, origin string, t time.Time) workdays.Date {
	n := ExternalChangeWorkdays
	if origin == "hr" {
		n = HRChangeWorkdays
	}
	return cal.AddWorkdays(workdays.DateOf(t), n)
}

// Item is a member of the roster (or a person of the department) under review, with the
// decision taken if any.
type Item struct {
	MemberID  string     `json:"member_id,omitempty"`
	PersonID  string     `json:"person_id,omitempty"`
	ContactID string     `json:"contact_id,omitempty"`
	Name      string     `json:"name"`
	Duty      string     `json:"duty"`
	Mobile    string     `json:"mobile"`
	Decision  string     `json:"decision"`
	Note      string     `json:"note"`
	DecidedBy string     `json:"decided_by"`
	DecidedAt *time.Time `json:"decided_at"`
}

// Kinds of task.
const (
	KindRoster     = "roster"     // the periodic review of a roster
	KindDepartment = "department" // the periodic review of a department's people
	KindFollowup   = "followup"   // one membership to confirm after an HR or external change
)

// Task is a review of one roster or department for one period, or a follow-up of one
// roster membership after a change (Origin hr or external, Reason what happened).
type Task struct {
	ID             string     `json:"id"`
	Kind           string     `json:"kind"`
	RosterID       string     `json:"roster_id,omitempty"`
	RosterName     string     `json:"roster_name,omitempty"`
	DepartmentID   string     `json:"department_id,omitempty"`
	DepartmentName string     `json:"department_name,omitempty"`
	Origin         string     `json:"origin,omitempty"`
	Reason         string     `json:"reason,omitempty"`
	Period         string     `json:"period"`
	DueDate        string     `json:"due_date"`
	Status         string     `json:"status"`
	CreatedAt      time.Time  `json:"created_at"`
	CompletedAt    *time.Time `json:"completed_at"`
	CompletedBy    string     `json:"completed_by"`
	EscalatedAt    *time.Time `json:"escalated_at"`
	Items          []Item     `json:"items,omitempty"`
}

// Decision is the owner's confirmation of one member (member_id) or, in a department
// review, of one person (person_id).
type Decision struct {
	MemberID string `json:"member_id,omitempty"`
	PersonID string `json:"person_id,omitempty"`
	Decision string `json:"decision"`
	Note     string `json:"note,omitempty"`
}

// ConfirmInput confirms members of a task (all at once from the review page).
type ConfirmInput struct {
	Decisions []Decision `json:"decisions"`
}

// RunResult counts what a run of the cycle did.
type RunResult struct {
	Created   int `json:"created"`
	Reminded  int `json:"reminded"`
	Escalated int `json:"escalated"`
}

// Service is the review service.
type Service struct {
	db    *store.DB
	clock clock.Clock
}

// New returns a review service.
func New(db *store.DB, c clock.Clock) *Service { return &Service{db: db, clock: c} }

func notFound() error { return errs.E(errs.NotFound, "review task not found") }

// Run opens the tasks due for the current period, reminds owners on the due day and
// escalates overdue tasks; it is idempotent (the periodic job calls it often).
func (s *Service) Run(ctx context.Context) (RunResult, error) {
	var res RunResult
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		cal, err := workdays.Load(ctx, tx)
		if err != nil {
			return err
		}
		today := workdays.DateOf(now)
		// 1. Open the tasks of the current period.
		type ros struct{ id, name, period string }
		var due []ros
		rows, err := tx.QueryContext(ctx, `SELECT id, name, review_frequency FROM rosters WHERE deleted_at IS NULL AND review_frequency <> '' ORDER BY id`)
		if err != nil {
			return fmt.Errorf("list rosters to review: %w", err)
		}
		for rows.Next() {
			var r ros
			var freq string
			if err := rows.Scan(&r.id, &r.name, &freq); err != nil {
				rows.Close()
				return err
			}
			if r.period = Period(freq, now); r.period != "" {
				due = append(due, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range due {
			dueDate := cal.AddWorkdays(today, DueWorkdays)
			msg := fmt.Sprintf("请在 %s 前审核应急名单 %s（%s）/ Review roster %s (%s) by %s", dueDate, r.name, r.period, r.name, r.period, dueDate)
			opened, err := openPeriodTask(ctx, tx, rosterTasks, r.id, r.period, dueDate, msg, now)
			if err != nil {
				return err
			}
			if opened {
				res.Created++
			}
		}
		// Departments and follow-ups: open, remind, escalate in the same way.
		if err := runDepartments(ctx, tx, cal, now, &res); err != nil {
			return err
		}
		if err := runFollowups(ctx, tx, now, &res); err != nil {
			return err
		}
		// 2. Remind on the due day, once.
		open, err := openTasks(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range open {
			d, err := workdays.ParseDate(t.due)
			if err != nil {
				return fmt.Errorf("review task %s: %w", t.id, err)
			}
			switch {
			case today.After(d) && !t.escalated:
				if _, err := tx.ExecContext(ctx, `UPDATE review_tasks SET status = $1, escalated_at = $2 WHERE id = $3`, StatusOverdue, store.TS(now), t.id); err != nil {
					return fmt.Errorf("escalate review task: %w", err)
				}
				msg := fmt.Sprintf("应急名单 %s 的审核（%s）已逾期，截止 %s / The review of roster %s (%s) is overdue since %s",
					t.roster, t.period, t.due, t.roster, t.period, t.due)
				if err := alertUsers(ctx, tx, managerAccounts, t.rosterID, "review_overdue", t.id, msg, now); err != nil {
					return err
				}
				res.Escalated++
			case today == d && !t.reminded:
				if _, err := tx.ExecContext(ctx, `UPDATE review_tasks SET reminded_at = $1 WHERE id = $2`, store.TS(now), t.id); err != nil {
					return fmt.Errorf("remind review task: %w", err)
				}
				msg := fmt.Sprintf("今天是应急名单 %s 审核（%s）的截止日 / Today is the deadline of the review of roster %s (%s)", t.roster, t.period, t.roster, t.period)
				if err := alertUsers(ctx, tx, ownerAccounts, t.rosterID, "review_reminder", t.id, msg, now); err != nil {
					return err
				}
				res.Reminded++
			}
		}
		return nil
	})
	return res, err
}

type openTask struct {
	id, rosterID, roster, period, due string
	reminded, escalated               bool
}

func openTasks(ctx context.Context, tx store.Querier) ([]openTask, error) {
	rows, err := tx.QueryContext(ctx, `SELECT t.id, t.roster_id, r.name, t.period, t.due_date, t.reminded_at IS NOT NULL, t.escalated_at IS NOT NULL
		FROM review_tasks t JOIN rosters r ON r.id = t.roster_id WHERE t.status <> $1 AND r.deleted_at IS NULL ORDER BY t.id`, StatusDone)
	if err != nil {
		return nil, fmt.Errorf("list open review tasks: %w", err)
	}
	defer rows.Close()
	var out []openTask
	for rows.Next() {
		var t openTask
		if err := rows.Scan(&t.id, &t.rosterID, &t.roster, &t.period, &t.due, &t.reminded, &t.escalated); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const (
	ownerAccounts = `SELECT DISTINCT u.id FROM users u JOIN roster_owners o ON o.person_id = u.person_id
		WHERE o.roster_id = $1 AND NOT u.disabled ORDER BY u.id`
	managerAccounts = `SELECT DISTINCT u.id FROM users u JOIN people p ON p.manager_id = u.person_id JOIN roster_owners o ON o.person_id = p.id
		WHERE o.roster_id = $1 AND NOT u.disabled ORDER BY u.id`
)

// alertUsers writes an in-app alert to each account the query (by roster id) returns.
func alertUsers(ctx context.Context, tx store.Querier, query, rosterID, kind, taskID, msg string, now time.Time) error {
	rows, err := tx.QueryContext(ctx, query, rosterID)
	if err != nil {
		return fmt.Errorf("load accounts to alert: %w", err)
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO alerts (id, user_id, kind, subject, message, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			store.NewID(), u, kind, "review:"+taskID, msg, store.TS(now)); err != nil {
			return fmt.Errorf("insert alert: %w", err)
		}
	}
	return nil
}

const taskCols = `t.id, t.roster_id, r.name, t.period, t.due_date, t.status, t.created_at, t.completed_at, t.completed_by, t.escalated_at`

func scanTask(sc interface{ Scan(...any) error }) (Task, error) {
	var t Task
	var completed, escalated sql.NullTime
	if err := sc.Scan(&t.ID, &t.RosterID, &t.RosterName, &t.Period, &t.DueDate, &t.Status, &t.CreatedAt, &completed, &t.CompletedBy, &escalated); err != nil {
		return t, err
	}
	t.Kind = KindRoster
	t.CreatedAt = t.CreatedAt.UTC()
	t.CompletedAt, t.EscalatedAt = nullTime(completed), nullTime(escalated)
	return t, nil
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func loadTask(ctx context.Context, q store.Querier, id string) (Task, error) {
	t, err := scanTask(q.QueryRowContext(ctx, `SELECT `+taskCols+` FROM review_tasks t JOIN rosters r ON r.id = t.roster_id
		WHERE t.id = $1 AND r.deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound()
	}
	if err != nil {
		return t, fmt.Errorf("load review task: %w", err)
	}
	return t, nil
}

// items lists the members under review: the roster's active members, then those decided
// in this task that are no longer active (removed), with the decisions.
func items(ctx context.Context, q store.Querier, t Task) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.id, COALESCE(m.person_id, ''), COALESCE(m.contact_id, ''), m.duty,
			COALESCE(i.decision, ''), COALESCE(i.note, ''), COALESCE(i.decided_by, ''), i.decided_at
		FROM roster_members m LEFT JOIN review_items i ON i.member_id = m.id AND i.task_id = $1
		WHERE m.roster_id = $2 AND (m.active OR i.task_id IS NOT NULL) ORDER BY m.position, m.id`, t.ID, t.RosterID)
	if err != nil {
		return nil, fmt.Errorf("list review items: %w", err)
	}
	out := []Item{}
	var pids, cids []string
	for rows.Next() {
		var it Item
		var at sql.NullTime
		if err := rows.Scan(&it.MemberID, &it.PersonID, &it.ContactID, &it.Duty, &it.Decision, &it.Note, &it.DecidedBy, &at); err != nil {
			rows.Close()
			return nil, err
		}
		it.DecidedAt = nullTime(at)
		pids, cids = append(pids, it.PersonID), append(cids, it.ContactID)
		out = append(out, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	people, err := directory.PersonSummariesByID(ctx, q, pids)
	if err != nil {
		return nil, err
	}
	contacts, err := directory.ContactSummariesByID(ctx, q, cids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].PersonID != "" {
			ps := people[out[i].PersonID]
			out[i].Name, out[i].Mobile = ps.Name, ps.Mobile
		} else {
			c := contacts[out[i].ContactID]
			out[i].Name, out[i].Mobile = c.Name, c.Mobile
		}
	}
	return out, nil
}

// getRoster returns a roster task with its members; the roster's owners and admin and hr only.
func getRoster(ctx context.Context, tx store.Querier, p *access.Principal, t Task) (Task, error) {
	if err := roster.CheckEditable(ctx, tx, p, t.RosterID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return t, notFound()
		}
		return t, err
	}
	var err error
	t.Items, err = items(ctx, tx, t)
	return t, err
}

// confirmRoster records the owner's decisions on members of a roster task. A removed
// member's membership ends; a person confirmed valid or changed is stamped last confirmed
// now. When every active member has a decision the task is done.
func confirmRoster(ctx context.Context, tx store.Querier, p *access.Principal, t Task, in ConfirmInput, now time.Time) error {
	id := t.ID
	if err := roster.CheckEditable(ctx, tx, p, t.RosterID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return notFound()
		}
		return err
	}
	if t.Status == StatusDone {
		return errs.E(errs.Conflict, "this review is already done")
	}
	current, err := items(ctx, tx, t)
	if err != nil {
		return err
	}
	byID := map[string]Item{}
	for _, it := range current {
		byID[it.MemberID] = it
	}
	if err := checkDecisions(in, byID, decisionKey{field: "member_id", other: "person_id", notOurs: "not a member of this roster",
		otherOnly: "only in a department review", of: func(d Decision) (string, string) { return d.MemberID, d.PersonID }}); err != nil {
		return err
	}
	for _, d := range in.Decisions {
		it := byID[d.MemberID]
		if _, err := tx.ExecContext(ctx, `INSERT INTO review_items (task_id, member_id, decision, note, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, d.MemberID, d.Decision, strings.TrimSpace(d.Note), p.Username, store.TS(now)); err != nil {
			return fmt.Errorf("insert review item: %w", err)
		}
		switch {
		case d.Decision == Removed:
			if err := roster.EndMemberTx(ctx, tx, p, t.RosterID, d.MemberID, "review.remove", now); err != nil {
				return err
			}
		case it.PersonID != "":
			if err := directory.MarkConfirmed(ctx, tx, it.PersonID, now); err != nil {
				return err
			}
		}
	}
	var left int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM roster_members m WHERE m.roster_id = $1 AND m.active
		AND NOT EXISTS (SELECT 1 FROM review_items i WHERE i.task_id = $2 AND i.member_id = m.id)`, t.RosterID, id).Scan(&left); err != nil {
		return fmt.Errorf("count members left to review: %w", err)
	}
	if left == 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE review_tasks SET status = $1, completed_at = $2, completed_by = $3 WHERE id = $4`,
			StatusDone, store.TS(now), p.Username, id); err != nil {
			return fmt.Errorf("complete review task: %w", err)
		}
	}
	return nil
}

// taskTable names where one kind of periodic review task lives and who is told of it.
type taskTable struct {
	table, ownerCol string // e.g. review_tasks, roster_id
	reviewers       string // the query of the accounts told of a new task (alertUsers)
}

var (
	rosterTasks     = taskTable{table: "review_tasks", ownerCol: "roster_id", reviewers: ownerAccounts}
	departmentTasks = taskTable{table: "department_review_tasks", ownerCol: "department_id", reviewers: deptReviewerAccounts}
)

// openPeriodTask opens the review task of one roster or department for a period unless
// it exists, and tells its reviewers; it reports whether it opened one.
func openPeriodTask(ctx context.Context, tx store.Querier, tt taskTable, ownerID, period string, due workdays.Date, msg string, now time.Time) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+tt.table+` WHERE `+tt.ownerCol+` = $1 AND period = $2`, ownerID, period).Scan(&n); err != nil {
		return false, fmt.Errorf("find %s: %w", tt.table, err)
	}
	if n > 0 {
		return false, nil
	}
	id := store.NewID()
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+tt.table+` (id, `+tt.ownerCol+`, period, due_date, status, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, ownerID, period, due.String(), StatusOpen, store.TS(now)); err != nil {
		return false, fmt.Errorf("insert into %s: %w", tt.table, err)
	}
	return true, alertUsers(ctx, tx, tt.reviewers, ownerID, "review_due", id, msg, now)
}
