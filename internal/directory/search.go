package directory

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/phone"
)

// PersonQuery filters a list of people.
type PersonQuery struct {
	Q            string // name, pinyin (full or initials), employee number, phone number or email
	DepartmentID string // the department's whole subtree
	Status       string
	Page
}

// PersonSummary is one row of a people list: masked primary channels only.
type PersonSummary struct {
	ID           string `json:"id"`
	EmployeeNo   string `json:"employee_no"`
	Name         string `json:"name"`
	DepartmentID string `json:"department_id"`
	Department   string `json:"department"`
	Title        string `json:"title"`
	Status       string `json:"status"`
	Mobile       string `json:"mobile"`
	Email        string `json:"email"`
}

// ListPeople lists the people in the principal's scope that match the query, ordered by
// pinyin, one page at a time.
func (s *Service) ListPeople(ctx context.Context, pr *access.Principal, pq PersonQuery) ([]PersonSummary, string, error) {
	if !pr.Can(access.DirectoryRead) {
		return nil, "", errs.E(errs.Forbidden, "you may not list people")
	}
	where := []string{"d.path LIKE $1"}
	args := []any{pr.ScopePath + "%"}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if pr.SelfOnly() {
		where = append(where, "p.id = "+arg(pr.PersonID))
	}
	if pq.DepartmentID != "" {
		d, err := s.visibleDepartment(ctx, s.db.Read, pr, pq.DepartmentID)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "d.path LIKE "+arg(d.Path+"%"))
	}
	if pq.Status != "" {
		if pq.Status != StatusActive && pq.Status != StatusProbation && pq.Status != StatusDeparted {
			return nil, "", &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "status", Message: "one of active, probation, departed"}}}
		}
		where = append(where, "p.status = "+arg(pq.Status))
	}
	if q := strings.TrimSpace(norm.NFKC.String(pq.Q)); q != "" {
		where = append(where, s.searchCondition(q, arg))
	}
	if pq.Cursor != "" {
		c, err := decodeCursor(pq.Cursor)
		if err != nil || len(c) != 2 {
			return nil, "", errs.E(errs.Invalid, "invalid cursor")
		}
		a, b := arg(c[0]), arg(c[1])
		where = append(where, fmt.Sprintf("(p.name_pinyin > %s OR (p.name_pinyin = %s AND p.id > %s))", a, a, b))
	}
	limit := pq.limit()
	query := `SELECT p.id, p.employee_no, p.name, p.department_id, d.name_path, p.title, p.status, p.name_pinyin,
			COALESCE((SELECT c.masked FROM channels c WHERE c.person_id = p.id AND c.kind = 'mobile' ORDER BY c.position LIMIT 1), ''),
			COALESCE((SELECT c.masked FROM channels c WHERE c.person_id = p.id AND c.kind = 'email' ORDER BY c.position LIMIT 1), '')
		FROM people p JOIN departments d ON d.id = p.department_id
		WHERE ` + strings.Join(where, " AND ") + `
		ORDER BY p.name_pinyin, p.id LIMIT ` + arg(limit+1)
	rows, err := s.db.Read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list people: %w", err)
	}
	defer rows.Close()
	items := []PersonSummary{}
	var keys []string
	for rows.Next() {
		var p PersonSummary
		var key string
		if err := rows.Scan(&p.ID, &p.EmployeeNo, &p.Name, &p.DepartmentID, &p.Department, &p.Title, &p.Status, &key, &p.Mobile, &p.Email); err != nil {
			return nil, "", err
		}
		items = append(items, p)
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = encodeCursor(keys[limit-1], items[limit-1].ID)
	}
	return items, next, nil
}

// searchCondition turns a free-text query into a SQL condition: numbers and emails are
// matched exactly through the blind index, everything else by name, pinyin or employee number.
func (s *Service) searchCondition(q string, arg func(any) string) string {
	if strings.Contains(q, "@") {
		if e, err := phone.NormalizeEmail(q); err == nil {
			x := arg(s.vault.Index("email", e))
			return "p.id IN (SELECT person_id FROM channels WHERE lookup = " + x + " AND person_id IS NOT NULL)"
		}
	}
	eno := "lower(p.employee_no) = " + arg(strings.ToLower(q))
	if looksLikePhone(q) {
		if n, err := phone.Parse(q, "CN"); err == nil && n.E164 != "" {
			x := arg(s.vault.Index("phone", n.E164))
			return "(" + eno + " OR p.id IN (SELECT person_id FROM channels WHERE lookup = " + x + " AND person_id IS NOT NULL" +
				" UNION SELECT person_id FROM emergency_contacts WHERE lookup = " + x + "))"
		}
		return eno
	}
	like := arg("%" + escapeLike(q) + "%")
	latin := strings.ToLower(strings.Join(strings.Fields(q), ""))
	prefix := arg(escapeLike(latin) + "%")
	return "(" + eno + " OR p.name LIKE " + like + " ESCAPE '\\' OR p.name_pinyin LIKE " + prefix + " ESCAPE '\\' OR p.name_initials LIKE " + prefix + " ESCAPE '\\')"
}

// looksLikePhone reports whether a query is mostly digits (at least 7), as numbers are typed.
func looksLikePhone(q string) bool {
	digits := 0
	for _, r := range q {
		switch {
		case unicode.IsDigit(r):
			digits++
		case strings.ContainsRune("+-() #转分机ext.", r), unicode.IsSpace(r):
		default:
			return false
		}
	}
	return digits >= 7
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
