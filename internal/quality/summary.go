package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"lifeline/internal/access"
	"lifeline/internal/errs"
)

// DepartmentAccuracy is the share of a department's people (with its subtree) whose
// contact data has no high-severity finding.
type DepartmentAccuracy struct {
	DepartmentID string  `json:"department_id"`
	Department   string  `json:"department"`
	People       int     `json:"people"`
	Accurate     int     `json:"accurate"`
	Accuracy     float64 `json:"accuracy"`
}

// WorstContact is a contact among the lowest scores.
type WorstContact struct {
	PersonID   string  `json:"person_id"`
	EmployeeNo string  `json:"employee_no"`
	Name       string  `json:"name"`
	Subject    string  `json:"subject"`
	Score      float64 `json:"score"`
}

// Summary is the quality dashboard of the principal's scope.
type Summary struct {
	People      int                  `json:"people"`
	ByCode      map[string]int       `json:"by_code"`
	BySeverity  map[string]int       `json:"by_severity"`
	Scores      [11]int              `json:"scores"` // contacts per score band 0–1, 1–2 … 9–10, 10
	Departments []DepartmentAccuracy `json:"departments"`
	Worst       []WorstContact       `json:"worst"`
	Threshold   float64              `json:"threshold"`
}

// Summarize computes the dashboard from the stored findings and scores.
func (s *Service) Summarize(ctx context.Context, p *access.Principal) (Summary, error) {
	sum := Summary{ByCode: map[string]int{}, BySeverity: map[string]int{}, Departments: []DepartmentAccuracy{}, Worst: []WorstContact{}, Threshold: s.cfg.ScoreThreshold}
	if !p.Can(access.DirectoryRead) || p.SelfOnly() {
		return sum, errs.E(errs.Forbidden, "you may not see data quality")
	}
	scope := p.ScopePath + "%"
	rows, err := s.db.Read.QueryContext(ctx, `SELECT f.code, f.severity, count(*) FROM findings f JOIN people p ON p.id = f.person_id
		JOIN departments d ON d.id = p.department_id WHERE d.path LIKE $1 GROUP BY f.code, f.severity`, scope)
	if err != nil {
		return sum, fmt.Errorf("summarize findings: %w", err)
	}
	for rows.Next() {
		var code, sev string
		var n int
		if err := rows.Scan(&code, &sev, &n); err != nil {
			rows.Close()
			return sum, err
		}
		sum.ByCode[code] += n
		sum.BySeverity[sev] += n
	}
	rows.Close()
	// Per department: people, and people without a high-severity finding.
	type dept struct{ id, namePath, path string }
	var depts []dept
	rows, err = s.db.Read.QueryContext(ctx, `SELECT id, name_path, path FROM departments WHERE path LIKE $1 ORDER BY name_path`, scope)
	if err != nil {
		return sum, fmt.Errorf("summarize departments: %w", err)
	}
	for rows.Next() {
		var d dept
		if err := rows.Scan(&d.id, &d.namePath, &d.path); err != nil {
			rows.Close()
			return sum, err
		}
		depts = append(depts, d)
	}
	rows.Close()
	type tally struct{ people, bad int }
	byPath := map[string]*tally{}
	rows, err = s.db.Read.QueryContext(ctx, `SELECT d.path, EXISTS (SELECT 1 FROM findings f WHERE f.person_id = p.id AND f.severity = 'high')
		FROM people p JOIN departments d ON d.id = p.department_id WHERE p.status <> 'departed' AND d.path LIKE $1`, scope)
	if err != nil {
		return sum, fmt.Errorf("summarize people: %w", err)
	}
	for rows.Next() {
		var path string
		var bad bool
		if err := rows.Scan(&path, &bad); err != nil {
			rows.Close()
			return sum, err
		}
		sum.People++
		t := byPath[path]
		if t == nil {
			t = &tally{}
			byPath[path] = t
		}
		t.people++
		if bad {
			t.bad++
		}
	}
	rows.Close()
	for _, d := range depts {
		var acc DepartmentAccuracy
		acc.DepartmentID, acc.Department = d.id, d.namePath
		for path, t := range byPath {
			if len(path) >= len(d.path) && path[:len(d.path)] == d.path {
				acc.People += t.people
				acc.Accurate += t.people - t.bad
			}
		}
		if acc.People > 0 {
			acc.Accuracy = float64(acc.Accurate) / float64(acc.People)
			sum.Departments = append(sum.Departments, acc)
		}
	}
	rows, err = s.db.Read.QueryContext(ctx, `SELECT s.person_id, p.employee_no, p.name, s.subject, s.score FROM contact_scores s
		JOIN people p ON p.id = s.person_id JOIN departments d ON d.id = p.department_id WHERE d.path LIKE $1`, scope)
	if err != nil {
		return sum, fmt.Errorf("summarize scores: %w", err)
	}
	var all []WorstContact
	for rows.Next() {
		var w WorstContact
		if err := rows.Scan(&w.PersonID, &w.EmployeeNo, &w.Name, &w.Subject, &w.Score); err != nil {
			rows.Close()
			return sum, err
		}
		sum.Scores[min(int(w.Score), 10)]++
		all = append(all, w)
	}
	rows.Close()
	sort.Slice(all, func(i, j int) bool {
		if all[i].Score != all[j].Score {
			return all[i].Score < all[j].Score
		}
		return all[i].EmployeeNo < all[j].EmployeeNo
	})
	if len(all) > 50 {
		all = all[:50]
	}
	sum.Worst = append(sum.Worst, all...)
	return sum, rows.Err()
}

// PersonScores returns the stored scores of one person's contacts (the caller checks
// that the principal may see the person).
func (s *Service) PersonScores(ctx context.Context, personID string) ([]Score, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT person_id, subject, score, factors FROM contact_scores WHERE person_id = $1 ORDER BY subject DESC`, personID)
	if err != nil {
		return nil, fmt.Errorf("person scores: %w", err)
	}
	defer rows.Close()
	out := []Score{}
	for rows.Next() {
		var sc Score
		var factors string
		if err := rows.Scan(&sc.PersonID, &sc.Subject, &sc.Score, &factors); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(factors), &sc.Factors); err != nil {
			return nil, fmt.Errorf("decode factors: %w", err)
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}
