package review

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Reviewer is one account that took review decisions in the quarter, with how many and
// the first and last day (Asia/Shanghai).
type Reviewer struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
	First string `json:"first"`
	Last  string `json:"last"`
}

// ReportRow is one department of the quarterly review report (联络信息审核报告).
type ReportRow struct {
	DepartmentID string     `json:"department_id"`
	Department   string     `json:"department"`
	People       int        `json:"people"`        // active people now
	Reviewed     int        `json:"reviewed"`      // people with a decision in the quarter
	Valid        int        `json:"valid"`         // decisions "still valid"
	Changed      int        `json:"changed"`       // decisions "changed"
	Removed      int        `json:"removed"`       // decisions "remove" (roster) or flagged for HR (department)
	OpenFindings int        `json:"open_findings"` // data-quality findings open now on its active people
	AvgScore     *float64   `json:"avg_score"`     // mean validity score of its active people's contacts, nil without scores
	OverdueTasks int        `json:"overdue_tasks"` // its review tasks of the quarter that went overdue
	Reviewers    []Reviewer `json:"reviewers"`
}

// Report is the quarterly review report: one row per department in the reader's scope.
type Report struct {
	Quarter     string      `json:"quarter"` // 2026Q4
	From        string      `json:"from"`    // first day, YYYY-MM-DD
	To          string      `json:"to"`      // last day
	Rows        []ReportRow `json:"rows"`
	GeneratedAt time.Time   `json:"generated_at"`
}

var quarterRE = regexp.MustCompile(`^(\d{4})-?Q([1-4])$`)

// ParseQuarter reads "2026Q4" (or "2026-Q4") into the quarter's bounds in Asia/Shanghai.
func ParseQuarter(q string) (label string, from, to time.Time, ok bool) {
	m := quarterRE.FindStringSubmatch(q)
	if m == nil {
		return "", time.Time{}, time.Time{}, false
	}
	y, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	if y < 2000 || y > 2100 {
		return "", time.Time{}, time.Time{}, false
	}
	from = time.Date(y, time.Month(3*(n-1)+1), 1, 0, 0, 0, 0, shanghai)
	return fmt.Sprintf("%dQ%d", y, n), from, from.AddDate(0, 3, 0), true
}

// CurrentQuarter is the label of the quarter containing t (Asia/Shanghai).
func CurrentQuarter(t time.Time) string {
	t = t.In(shanghai)
	return fmt.Sprintf("%dQ%d", t.Year(), (int(t.Month())-1)/3+1)
}

// decisionsInQuarter: every decision on a person taken in [from, to) — in department
// reviews, roster reviews and follow-ups — as (person, decision, by, at).
const decisionsInQuarter = `SELECT i.person_id, i.decision, i.decided_by, i.decided_at FROM department_review_items i
	WHERE i.decided_at >= $1 AND i.decided_at < $2
UNION ALL SELECT m.person_id, i.decision, i.decided_by, i.decided_at FROM review_items i JOIN roster_members m ON m.id = i.member_id
	WHERE m.person_id IS NOT NULL AND i.decided_at >= $1 AND i.decided_at < $2
UNION ALL SELECT m.person_id, f.decision, f.completed_by, f.completed_at FROM review_followups f JOIN roster_members m ON m.id = f.member_id
	WHERE m.person_id IS NOT NULL AND f.status = 'done' AND f.completed_at >= $1 AND f.completed_at < $2`

// QuarterReport builds the review report of a quarter for the departments in the
// principal's scope (admin, hr, security officer, department managers: not employees).
func (s *Service) QuarterReport(ctx context.Context, p *access.Principal, quarter string) (Report, error) {
	if !p.Can(access.DirectoryRead) || p.SelfOnly() {
		return Report{}, errs.E(errs.Forbidden, "you may not see the review report")
	}
	label, from, to, ok := ParseQuarter(quarter)
	if !ok {
		return Report{}, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "quarter", Message: "a quarter such as 2026Q4"}}}
	}
	rep := Report{Quarter: label, From: from.Format(time.DateOnly), To: to.AddDate(0, 0, -1).Format(time.DateOnly), Rows: []ReportRow{}, GeneratedAt: s.clock.Now().UTC()}
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows := map[string]*ReportRow{}
		var order []string
		if err := scanRows(ctx, tx, `SELECT id, name_path, path FROM departments ORDER BY name_path`, nil, func(sc scanner) error {
			var r ReportRow
			var path string
			if err := sc.Scan(&r.DepartmentID, &r.Department, &path); err != nil {
				return err
			}
			if p.InScope(path) {
				r.Reviewers = []Reviewer{}
				rows[r.DepartmentID] = &r
				order = append(order, r.DepartmentID)
			}
			return nil
		}); err != nil {
			return err
		}
		count := func(q string, args []any, set func(*ReportRow, int)) error {
			return scanRows(ctx, tx, q, args, func(sc scanner) error {
				var id string
				var n int
				if err := sc.Scan(&id, &n); err != nil {
					return err
				}
				if r := rows[id]; r != nil {
					set(r, n)
				}
				return nil
			})
		}
		if err := count(`SELECT department_id, COUNT(*) FROM people WHERE status <> 'departed' GROUP BY department_id`, nil,
			func(r *ReportRow, n int) { r.People = n }); err != nil {
			return err
		}
		if err := count(`SELECT p.department_id, COUNT(*) FROM findings f JOIN people p ON p.id = f.person_id WHERE p.status <> 'departed' GROUP BY p.department_id`, nil,
			func(r *ReportRow, n int) { r.OpenFindings = n }); err != nil {
			return err
		}
		if err := count(`SELECT department_id, COUNT(*) FROM department_review_tasks WHERE escalated_at IS NOT NULL AND created_at >= $1 AND created_at < $2 GROUP BY department_id`,
			[]any{store.TS(from), store.TS(to)}, func(r *ReportRow, n int) { r.OverdueTasks = n }); err != nil {
			return err
		}
		if err := scanRows(ctx, tx, `SELECT p.department_id, AVG(s.score) FROM contact_scores s JOIN people p ON p.id = s.person_id WHERE p.status <> 'departed' GROUP BY p.department_id`, nil,
			func(sc scanner) error {
				var id string
				var avg sql.NullFloat64
				if err := sc.Scan(&id, &avg); err != nil {
					return err
				}
				if r := rows[id]; r != nil && avg.Valid {
					v := float64(int(avg.Float64*10+0.5)) / 10
					r.AvgScore = &v
				}
				return nil
			}); err != nil {
			return err
		}
		if err := addDecisions(ctx, tx, rows, from, to); err != nil {
			return err
		}
		for _, id := range order {
			rep.Rows = append(rep.Rows, *rows[id])
		}
		return nil
	})
	return rep, err
}

// addDecisions counts the quarter's decisions into the rows of the people's departments.
func addDecisions(ctx context.Context, tx store.Querier, rows map[string]*ReportRow, from, to time.Time) error {
	deptOf := map[string]string{}
	if err := scanRows(ctx, tx, `SELECT id, department_id FROM people`, nil, func(sc scanner) error {
		var id, dept string
		if err := sc.Scan(&id, &dept); err != nil {
			return err
		}
		deptOf[id] = dept
		return nil
	}); err != nil {
		return err
	}
	reviewed := map[string]map[string]bool{}
	reviewers := map[string]map[string]*Reviewer{}
	if err := scanRows(ctx, tx, decisionsInQuarter, []any{store.TS(from), store.TS(to)}, func(sc scanner) error {
		var pid, decision, by string
		var at anyTime
		if err := sc.Scan(&pid, &decision, &by, &at); err != nil {
			return err
		}
		r := rows[deptOf[pid]]
		if r == nil {
			return nil
		}
		switch decision {
		case Valid:
			r.Valid++
		case Changed:
			r.Changed++
		case Removed:
			r.Removed++
		}
		if reviewed[r.DepartmentID] == nil {
			reviewed[r.DepartmentID], reviewers[r.DepartmentID] = map[string]bool{}, map[string]*Reviewer{}
		}
		reviewed[r.DepartmentID][pid] = true
		day := at.T.In(shanghai).Format(time.DateOnly)
		rv := reviewers[r.DepartmentID][by]
		if rv == nil {
			rv = &Reviewer{Name: by, First: day, Last: day}
			reviewers[r.DepartmentID][by] = rv
		}
		rv.Count++
		if day < rv.First {
			rv.First = day
		}
		if day > rv.Last {
			rv.Last = day
		}
		return nil
	}); err != nil {
		return err
	}
	for id, r := range rows {
		r.Reviewed = len(reviewed[id])
		for _, rv := range reviewers[id] {
			r.Reviewers = append(r.Reviewers, *rv)
		}
		sort.Slice(r.Reviewers, func(i, j int) bool { return r.Reviewers[i].Name < r.Reviewers[j].Name })
	}
	return nil
}

type scanner interface{ Scan(...any) error }

// scanRows runs a query and hands each row to fn.
func scanRows(ctx context.Context, q store.Querier, query string, args []any, fn func(scanner) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("review report: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
