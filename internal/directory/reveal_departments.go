package directory

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/errs"
)

// MaxBreakGlassPeople bounds one break-glass contact sheet.
const MaxBreakGlassPeople = 5000

// RevealDepartments returns the active and probation staff of the departments' subtrees
// with full values, ordered by department and name. It serves break-glass (紧急查询):
// the caller must have checked an active grant and audits the access; the principal's
// scope still applies.
func (s *Service) RevealDepartments(ctx context.Context, p *access.Principal, deptIDs []string) ([]Person, error) {
	var out []Person
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var conds []string
		var args []any
		for _, id := range deptIDs {
			d, err := s.visibleDepartment(ctx, tx, p, id)
			if err != nil {
				return err
			}
			args = append(args, d.Path+"%")
			conds = append(conds, fmt.Sprintf("d.path LIKE $%d", len(args)))
		}
		if len(conds) == 0 {
			return nil
		}
		args = append(args, MaxBreakGlassPeople)
		rows, err := tx.QueryContext(ctx, `SELECT `+personCols+` FROM people p JOIN departments d ON d.id = p.department_id
			WHERE p.status <> 'departed' AND (`+strings.Join(conds, " OR ")+`)
			ORDER BY d.name_path, p.name_pinyin, p.id LIMIT $`+fmt.Sprint(len(args)), args...)
		if err != nil {
			return fmt.Errorf("break-glass people: %w", err)
		}
		for rows.Next() {
			pe, err := scanPerson(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, pe)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if err := s.loadDetails(ctx, tx, &out[i], true); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// RevealPeople returns the given people with full values, skipping anyone outside the
// principal's scope or departed. Like RevealDepartments it serves break-glass: the caller
// has checked an active grant and audits the access.
func (s *Service) RevealPeople(ctx context.Context, p *access.Principal, ids []string) ([]Person, error) {
	var out []Person
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			pe, err := s.visiblePerson(ctx, tx, p, id)
			if errs.Is(err, errs.NotFound) || (err == nil && pe.Status == StatusDeparted) {
				continue
			}
			if err != nil {
				return err
			}
			if err := s.loadDetails(ctx, tx, &pe, true); err != nil {
				return err
			}
			out = append(out, pe)
		}
		return nil
	})
	return out, err
}
