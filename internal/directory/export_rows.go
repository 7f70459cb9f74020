package directory

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// ExportQuery selects the people of an export: the principal's scope, optionally narrowed
// to one department's subtree and one status.
type ExportQuery struct {
	DepartmentID string
	Status       string
	Limit        int // more people than this is an error; 0 means no limit
}

// exportBatch is how many people's channels and emergency contacts load in one query.
const exportBatch = 400

// ExportPeople calls fn for every person of the query in the principal's scope, ordered by
// department and name, with channels and emergency contacts: masked, or full when full is
// set. Full values serve approved exports only: the caller checks the approval and audits.
func (s *Service) ExportPeople(ctx context.Context, pr *access.Principal, q ExportQuery, full bool, fn func(Person) error) error {
	if !pr.Can(access.DirectoryRead) || pr.SelfOnly() {
		return errs.E(errs.Forbidden, "you may not export people")
	}
	return s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		where := []string{"d.path LIKE $1"}
		args := []any{pr.ScopePath + "%"}
		if q.DepartmentID != "" {
			d, err := s.visibleDepartment(ctx, tx, pr, q.DepartmentID)
			if err != nil {
				return err
			}
			args = append(args, d.Path+"%")
			where = append(where, fmt.Sprintf("d.path LIKE $%d", len(args)))
		}
		if q.Status != "" {
			if q.Status != StatusActive && q.Status != StatusProbation && q.Status != StatusDeparted {
				return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "person_status", Message: "one of active, probation, departed"}}}
			}
			args = append(args, q.Status)
			where = append(where, fmt.Sprintf("p.status = $%d", len(args)))
		}
		query := `SELECT ` + personCols + ` FROM people p JOIN departments d ON d.id = p.department_id
			WHERE ` + strings.Join(where, " AND ") + ` ORDER BY d.name_path, p.name_pinyin, p.id`
		if q.Limit > 0 {
			args = append(args, q.Limit+1)
			query += fmt.Sprintf(" LIMIT $%d", len(args))
		}
		people, err := scanPeople(tx.QueryContext(ctx, query, args...))
		if err != nil {
			return fmt.Errorf("export people: %w", err)
		}
		if q.Limit > 0 && len(people) > q.Limit {
			return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "department_id",
				Message: fmt.Sprintf("more than %d people: export one department at a time", q.Limit)}}}
		}
		for start := 0; start < len(people); start += exportBatch {
			batch := people[start:min(start+exportBatch, len(people))]
			if err := s.loadDetailsBatch(ctx, tx, batch, full); err != nil {
				return err
			}
			for i := range batch {
				if err := fn(batch[i]); err != nil {
					return err
				}
				batch[i] = Person{} // let the values go as soon as they are written
			}
		}
		return nil
	})
}

func scanPeople(rows *sql.Rows, err error) ([]Person, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// loadDetailsBatch fills the channels and emergency contacts of several people with two
// queries, masked unless full is set.
func (s *Service) loadDetailsBatch(ctx context.Context, q store.Querier, people []Person, full bool) error {
	if len(people) == 0 {
		return nil
	}
	index := make(map[string]int, len(people))
	marks := make([]string, len(people))
	args := make([]any, len(people))
	for i, p := range people {
		index[p.ID] = i
		marks[i] = fmt.Sprintf("$%d", i+1)
		args[i] = p.ID
		people[i].Channels, people[i].EmergencyContacts, people[i].Masked = []Channel{}, []EmergencyContact{}, !full
	}
	in := "(" + strings.Join(marks, ", ") + ")"
	rows, err := q.QueryContext(ctx, `SELECT person_id, id, kind, sealed, lookup, masked, masked_e164, phone_type, carrier, region, country, extension,
			position, verified_at, last_delivery_at, last_ack_at
		FROM channels WHERE person_id IN `+in+` ORDER BY person_id, position, id`, args...)
	if err != nil {
		return fmt.Errorf("export channels: %w", err)
	}
	for rows.Next() {
		var c Channel
		var owner string
		var ver, del, ack sqlNullTime
		if err := rows.Scan(&owner, &c.ID, &c.Kind, &c.sealed, &c.lookup, &c.Value, &c.E164, &c.Type, &c.Carrier, &c.Region, &c.Country,
			&c.Extension, &c.Position, &ver, &del, &ack); err != nil {
			rows.Close()
			return err
		}
		c.VerifiedAt, c.LastDeliveryAt, c.LastAckAt = ver.ptr(), del.ptr(), ack.ptr()
		if full {
			if err := c.reveal(s.vault); err != nil {
				rows.Close()
				return err
			}
		}
		p := &people[index[owner]]
		p.Channels = append(p.Channels, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT person_id, `+emergencyCols+` FROM emergency_contacts WHERE person_id IN `+in+` ORDER BY person_id, priority, id`, args...)
	if err != nil {
		return fmt.Errorf("export emergency contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e EmergencyContact
		var owner string
		var ver sqlNullTime
		if err := rows.Scan(&owner, &e.ID, &e.Priority, &e.sealed, &e.lookup, &e.Name, &e.Phone, &e.E164, &e.Type, &e.Carrier, &e.Region,
			&e.Extension, &e.VerificationStatus, &ver, &e.ConsentBasis, &e.NoticeVersion); err != nil {
			return err
		}
		e.VerifiedAt = ver.ptr()
		if full {
			err = e.reveal(s.vault)
		} else {
			err = e.showRelation(s.vault)
		}
		if err != nil {
			return err
		}
		p := &people[index[owner]]
		p.EmergencyContacts = append(p.EmergencyContacts, e)
	}
	return rows.Err()
}

// DepartmentRow is a department as an export lists it.
type DepartmentRow struct {
	Department
	Head       string // the head's name, "" when none
	Maintainer string // the data maintainer's name, "" when none
	People     int    // staff of the department itself who have not departed
}

// ExportDepartments lists the departments in the principal's scope (or one subtree of it),
// parents before children, with their heads, maintainers and headcounts.
func (s *Service) ExportDepartments(ctx context.Context, pr *access.Principal, departmentID string) ([]DepartmentRow, error) {
	if !pr.Can(access.DirectoryRead) || pr.SelfOnly() {
		return nil, errs.E(errs.Forbidden, "you may not export departments")
	}
	var out []DepartmentRow
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		prefix := pr.ScopePath
		if departmentID != "" {
			d, err := s.visibleDepartment(ctx, tx, pr, departmentID)
			if err != nil {
				return err
			}
			prefix = d.Path
		}
		rows, err := tx.QueryContext(ctx, `SELECT d.id, COALESCE(d.parent_id, ''), d.name, d.name_path, d.path, COALESCE(d.head_person_id, ''),
				COALESCE(d.maintainer_person_id, ''), d.created_at, d.updated_at, COALESCE(h.name, ''), COALESCE(m.name, ''),
				(SELECT count(*) FROM people x WHERE x.department_id = d.id AND x.status <> 'departed')
			FROM departments d LEFT JOIN people h ON h.id = d.head_person_id LEFT JOIN people m ON m.id = d.maintainer_person_id
			WHERE d.path LIKE $1 ORDER BY d.name_path`, prefix+"%")
		if err != nil {
			return fmt.Errorf("export departments: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r DepartmentRow
			if err := rows.Scan(&r.ID, &r.ParentID, &r.Name, &r.NamePath, &r.Path, &r.HeadPersonID, &r.MaintainerPersonID, &r.CreatedAt,
				&r.UpdatedAt, &r.Head, &r.Maintainer, &r.People); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}
