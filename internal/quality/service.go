package quality

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/clock"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Service computes, stores and lists data-quality findings and scores.
type Service struct {
	db    *store.DB
	clock clock.Clock
	cfg   Config
}

// New returns a quality service.
func New(db *store.DB, c clock.Clock, cfg Config) *Service {
	if cfg.SharedThreshold == 0 {
		cfg = DefaultConfig()
	}
	return &Service{db: db, clock: c, cfg: cfg}
}

// Stats summarizes a recheck.
type Stats struct {
	People   int `json:"people"`
	Findings int `json:"findings"`
	Contacts int `json:"contacts"`
	Alerts   int `json:"alerts"`
}

// Recheck recomputes every finding and score from the current data and stores what
// changed, alerting owners and HR about contacts whose score fell below the threshold.
// Everything is computed from a read snapshot first; the write transaction then touches
// only the differences, so a periodic recheck of an unchanged directory holds SQLite's
// single writer for milliseconds, not seconds.
func (s *Service) Recheck(ctx context.Context) (Stats, error) {
	now := s.clock.Now()
	snap, err := load(ctx, s.db, now)
	if err != nil {
		return Stats{}, err
	}
	findings := check(snap, now, s.cfg)
	sc := scores(snap, findings, now, s.cfg)
	st := Stats{People: len(snap.people), Findings: len(findings), Contacts: len(sc)}
	oldFindings, err := loadStoredFindings(ctx, s.db.Read)
	if err != nil {
		return st, err
	}
	oldScores, err := loadStoredScores(ctx, s.db.Read)
	if err != nil {
		return st, err
	}
	var upsertF, upsertS [][]any
	keep := map[string]bool{}
	for _, f := range findings {
		k := f.PersonID + "\x00" + f.Subject + "\x00" + f.Code
		keep[k] = true
		if old, ok := oldFindings[k]; !ok || old != f.Severity+"\x00"+f.Detail {
			upsertF = append(upsertF, []any{f.PersonID, f.Subject, f.Code, f.Severity, f.Detail, store.TS(now)})
		}
	}
	var fell []Score
	keepS := map[string]bool{}
	for _, c := range sc {
		k := c.PersonID + "\x00" + c.Subject
		keepS[k] = true
		b, _ := json.Marshal(c.Factors)
		old, ok := oldScores[k]
		if !ok || old.score != c.Score || old.factors != string(b) {
			upsertS = append(upsertS, []any{c.PersonID, c.Subject, c.Score, string(b), store.TS(now)})
		}
		if ok && old.score >= s.cfg.ScoreThreshold && c.Score < s.cfg.ScoreThreshold {
			fell = append(fell, c)
		}
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		for k := range oldFindings {
			if !keep[k] {
				p := strings.SplitN(k, "\x00", 3)
				if _, err := tx.ExecContext(ctx, `DELETE FROM findings WHERE person_id = $1 AND subject = $2 AND code = $3`, p[0], p[1], p[2]); err != nil {
					return fmt.Errorf("clear finding: %w", err)
				}
			}
		}
		// first_seen stays as it was for a finding that was already there.
		if err := s.db.BulkUpsert(ctx, tx, "findings", []string{"person_id", "subject", "code", "severity", "detail", "first_seen"}, upsertF,
			"ON CONFLICT (person_id, subject, code) DO UPDATE SET severity = excluded.severity, detail = excluded.detail"); err != nil {
			return err
		}
		for k := range oldScores {
			if !keepS[k] {
				p := strings.SplitN(k, "\x00", 2)
				if _, err := tx.ExecContext(ctx, `DELETE FROM contact_scores WHERE person_id = $1 AND subject = $2`, p[0], p[1]); err != nil {
					return fmt.Errorf("clear score: %w", err)
				}
			}
		}
		if err := s.db.BulkUpsert(ctx, tx, "contact_scores", []string{"person_id", "subject", "score", "factors", "computed_at"}, upsertS,
			"ON CONFLICT (person_id, subject) DO UPDATE SET score = excluded.score, factors = excluded.factors, computed_at = excluded.computed_at"); err != nil {
			return err
		}
		var err error
		st.Alerts, err = s.alert(ctx, tx, snap, fell, now)
		return err
	})
	return st, err
}

// loadStoredFindings maps each stored finding's key to its severity and detail.
func loadStoredFindings(ctx context.Context, q store.Querier) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT person_id, subject, code, severity, detail FROM findings`)
	if err != nil {
		return nil, fmt.Errorf("load findings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var p, subj, code, sev, detail string
		if err := rows.Scan(&p, &subj, &code, &sev, &detail); err != nil {
			return nil, err
		}
		out[p+"\x00"+subj+"\x00"+code] = sev + "\x00" + detail
	}
	return out, rows.Err()
}

type storedScore struct {
	score   float64
	factors string
}

func loadStoredScores(ctx context.Context, q store.Querier) (map[string]storedScore, error) {
	rows, err := q.QueryContext(ctx, `SELECT person_id, subject, score, factors FROM contact_scores`)
	if err != nil {
		return nil, fmt.Errorf("load scores: %w", err)
	}
	defer rows.Close()
	out := map[string]storedScore{}
	for rows.Next() {
		var p, subj string
		var sc storedScore
		if err := rows.Scan(&p, &subj, &sc.score, &sc.factors); err != nil {
			return nil, err
		}
		out[p+"\x00"+subj] = sc
	}
	return out, rows.Err()
}

// alert tells the record's owner (their account) and the HR accounts whose scope covers
// the person that a contact's score fell below the threshold.
func (s *Service) alert(ctx context.Context, tx *sql.Tx, snap *snapshot, fell []Score, now time.Time) (int, error) {
	if len(fell) == 0 {
		return 0, nil
	}
	type account struct{ id, role, scope, personID string }
	rows, err := tx.QueryContext(ctx, `SELECT u.id, u.role, COALESCE(d.path, ''), COALESCE(u.person_id, '') FROM users u
		LEFT JOIN departments d ON d.id = u.department_id WHERE NOT u.disabled AND (u.role = 'hr' OR u.person_id IS NOT NULL)`)
	if err != nil {
		return 0, fmt.Errorf("load alert recipients: %w", err)
	}
	var accounts []account
	for rows.Next() {
		var a account
		if err := rows.Scan(&a.id, &a.role, &a.scope, &a.personID); err != nil {
			rows.Close()
			return 0, err
		}
		accounts = append(accounts, a)
	}
	rows.Close()
	n := 0
	for _, sc := range fell {
		p := snap.byID[sc.PersonID]
		msg := fmt.Sprintf("%s (%s) %s: validity score %.1f, below %.0f", p.name, p.employeeNo, sc.Subject, sc.Score, s.cfg.ScoreThreshold)
		for _, a := range accounts {
			owner := p.ownerID != "" && a.personID == p.ownerID
			hr := a.role == "hr" && strings.HasPrefix(p.deptPath, a.scope)
			if !owner && !hr {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO alerts (id, user_id, kind, person_id, subject, message, created_at) VALUES ($1, $2, 'score_below_threshold', $3, $4, $5, $6)`,
				store.NewID(), a.id, p.id, sc.Subject, msg, store.TS(now)); err != nil {
				return n, fmt.Errorf("insert alert: %w", err)
			}
			n++
		}
	}
	return n, nil
}

// Query filters findings.
type Query struct {
	Code, Severity, Subject string
	DepartmentPath          string // a subtree, already checked against the principal's scope
}

// Findings lists the stored findings of people in the principal's scope.
func (s *Service) Findings(ctx context.Context, p *access.Principal, q Query) ([]Finding, error) {
	where, args, err := findingsWhere(p, q)
	if err != nil {
		return nil, err
	}
	return s.listFindings(ctx, where, args, `ORDER BY p.employee_no, f.subject, f.code`)
}

// findingsFrom joins a finding to its person and department, for the scope.
const findingsFrom = `FROM findings f JOIN people p ON p.id = f.person_id JOIN departments d ON d.id = p.department_id`

// findingsWhere is the condition of a query over findingsFrom: the principal's scope and
// the filters.
func findingsWhere(p *access.Principal, q Query) (string, []any, error) {
	if !p.Can(access.DirectoryRead) || p.SelfOnly() {
		return "", nil, errs.E(errs.Forbidden, "you may not see data-quality findings")
	}
	where := []string{"d.path LIKE $1"}
	args := []any{p.ScopePath + "%"}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.DepartmentPath != "" {
		add("d.path LIKE $%d", q.DepartmentPath+"%")
	}
	if q.Code != "" {
		add("f.code = $%d", q.Code)
	}
	if q.Severity != "" {
		add("f.severity = $%d", q.Severity)
	}
	if q.Subject != "" {
		add("f.subject = $%d", q.Subject)
	}
	return strings.Join(where, " AND "), args, nil
}

// listFindings runs a findings query with its order (and limit).
func (s *Service) listFindings(ctx context.Context, where string, args []any, order string) ([]Finding, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT f.person_id, p.employee_no, p.name, f.subject, f.code, f.severity, f.detail
		`+findingsFrom+` WHERE `+where+` `+order, args...)
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	defer rows.Close()
	out := []Finding{}
	for rows.Next() {
		var f Finding
		if err := rows.Scan(&f.PersonID, &f.EmployeeNo, &f.Name, &f.Subject, &f.Code, &f.Severity, &f.Detail); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
