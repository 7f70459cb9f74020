package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Department is a node of the department tree.
type Department struct {
	ID                 string    `json:"id"`
	ParentID           string    `json:"parent_id,omitempty"`
	Name               string    `json:"name"`
	NamePath           string    `json:"path"`
	Path               string    `json:"-"`
	HeadPersonID       string    `json:"head_person_id,omitempty"`
	MaintainerPersonID string    `json:"maintainer_person_id,omitempty"`
	ReviewFrequency    string    `json:"review_frequency"` // monthly, quarterly, semiannual or "" (no periodic review)
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// DepartmentInput creates a department or, as a patch, changes one (nil fields stay).
type DepartmentInput struct {
	Name               *string `json:"name"`
	ParentID           *string `json:"parent_id"`
	HeadPersonID       *string `json:"head_person_id"`
	MaintainerPersonID *string `json:"maintainer_person_id"`
	ReviewFrequency    *string `json:"review_frequency"`
}

const departmentCols = `id, COALESCE(parent_id, ''), name, name_path, path, COALESCE(head_person_id, ''), COALESCE(maintainer_person_id, ''), review_frequency, created_at, updated_at`

func scanDepartment(row interface{ Scan(...any) error }) (Department, error) {
	var d Department
	err := row.Scan(&d.ID, &d.ParentID, &d.Name, &d.NamePath, &d.Path, &d.HeadPersonID, &d.MaintainerPersonID, &d.ReviewFrequency, &d.CreatedAt, &d.UpdatedAt)
	return d, err
}

// departmentByID loads a department; not found is an error.
func departmentByID(ctx context.Context, q store.Querier, id string) (Department, error) {
	d, err := scanDepartment(q.QueryRowContext(ctx, `SELECT `+departmentCols+` FROM departments WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, errs.E(errs.NotFound, "department not found")
	}
	if err != nil {
		return d, fmt.Errorf("load department: %w", err)
	}
	return d, nil
}

// DepartmentByNamePath finds a department by its name path ("集团/生产部/一车间").
func DepartmentByNamePath(ctx context.Context, q store.Querier, namePath string) (Department, error) {
	d, err := scanDepartment(q.QueryRowContext(ctx, `SELECT `+departmentCols+` FROM departments WHERE name_path = $1`, cleanNamePath(namePath)))
	if errors.Is(err, sql.ErrNoRows) {
		return d, errs.E(errs.NotFound, "department %q not found", namePath)
	}
	if err != nil {
		return d, fmt.Errorf("load department: %w", err)
	}
	return d, nil
}

func cleanNamePath(p string) string {
	parts := strings.Split(p, "/")
	out := parts[:0]
	for _, s := range parts {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "/")
}

// visibleDepartment loads a department the principal may see, or NotFound.
func (s *Service) visibleDepartment(ctx context.Context, q store.Querier, p *access.Principal, id string) (Department, error) {
	d, err := departmentByID(ctx, q, id)
	if err != nil {
		return d, err
	}
	if !p.Can(access.DirectoryRead) || p.SelfOnly() || !p.InScope(d.Path) {
		return Department{}, errs.E(errs.NotFound, "department not found")
	}
	return d, nil
}

// GetDepartment returns one department in the principal's scope.
func (s *Service) GetDepartment(ctx context.Context, p *access.Principal, id string) (Department, error) {
	return s.visibleDepartment(ctx, s.db.Read, p, id)
}

// ListDepartments returns every department in the principal's scope, parents before children.
func (s *Service) ListDepartments(ctx context.Context, p *access.Principal) ([]Department, error) {
	if !p.Can(access.DirectoryRead) || p.SelfOnly() {
		return nil, nil
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+departmentCols+` FROM departments WHERE path LIKE $1 ORDER BY name_path`, p.ScopePath+"%")
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	defer rows.Close()
	var out []Department
	for rows.Next() {
		d, err := scanDepartment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// CreateDepartment adds a department under parent (a root when the parent is empty).
func (s *Service) CreateDepartment(ctx context.Context, p *access.Principal, in DepartmentInput) (Department, error) {
	var v errs.Validation
	name := ""
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
	}
	v.Check(name != "", "name", "required")
	v.Check(len([]rune(name)) <= 100, "name", "at most 100 characters")
	v.Check(!strings.Contains(name, "/"), "name", "must not contain '/'")
	checkReviewFrequency(in.ReviewFrequency, &v)
	if err := v.Err(); err != nil {
		return Department{}, err
	}
	if !p.Can(access.DirectoryWrite) {
		return Department{}, errs.E(errs.Forbidden, "you may not change departments")
	}
	var d Department
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		parentID := ""
		if in.ParentID != nil {
			parentID = *in.ParentID
		}
		if parentID == "" && p.ScopePath != "" {
			return errs.E(errs.Forbidden, "only an organization-wide user may create a top-level department")
		}
		var err error
		d, err = insertDepartment(ctx, tx, s.clock.Now(), name, parentID, p)
		if err != nil {
			return err
		}
		if _, err := setReviewFrequency(ctx, tx, &d, in.ReviewFrequency); err != nil {
			return err
		}
		if in.HeadPersonID != nil || in.MaintainerPersonID != nil {
			return s.setDepartmentPeople(ctx, tx, p, &d, in)
		}
		return recordHistory(ctx, tx, p, s.clock.Now(), historyEntry{Entity: "department", EntityID: d.ID, Action: "create",
			Changes: []Change{{Field: "name", After: d.Name}, {Field: "parent", After: d.ParentID}}})
	})
	return d, err
}

// insertDepartment creates one department; the parent must be in p's scope.
func insertDepartment(ctx context.Context, tx store.Querier, now time.Time, name, parentID string, p *access.Principal) (Department, error) {
	d := Department{ID: store.NewID(), Name: name, CreatedAt: now, UpdatedAt: now}
	if parentID != "" {
		parent, err := departmentByID(ctx, tx, parentID)
		if err != nil || !p.InScope(parent.Path) {
			return d, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "parent_id", Message: "no such department"}}}
		}
		d.ParentID, d.Path, d.NamePath = parent.ID, parent.Path+d.ID+"/", parent.NamePath+"/"+name
	} else {
		d.Path, d.NamePath = "/"+d.ID+"/", name
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO departments (id, parent_id, name, path, name_path, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, d.ID, nullIfEmpty(d.ParentID), d.Name, d.Path, d.NamePath, store.TS(now))
	if store.UniqueViolation(err) {
		return d, errs.E(errs.Conflict, "a department %q already exists there", name)
	}
	if err != nil {
		return d, fmt.Errorf("insert department: %w", err)
	}
	return d, nil
}

// EnsureDepartmentPath returns the department at a name path, creating missing levels.
func EnsureDepartmentPath(ctx context.Context, tx store.Querier, now time.Time, namePath string) (Department, error) {
	namePath = cleanNamePath(namePath)
	if namePath == "" {
		return Department{}, errs.E(errs.Invalid, "empty department path")
	}
	if d, err := DepartmentByNamePath(ctx, tx, namePath); err == nil || !errs.Is(err, errs.NotFound) {
		return d, err
	}
	parts := strings.Split(namePath, "/")
	parentID := ""
	if len(parts) > 1 {
		parent, err := EnsureDepartmentPath(ctx, tx, now, strings.Join(parts[:len(parts)-1], "/"))
		if err != nil {
			return parent, err
		}
		parentID = parent.ID
	}
	return insertDepartment(ctx, tx, now, parts[len(parts)-1], parentID, access.System("system"))
}

// UpdateDepartment renames, moves or sets the head and maintainer of a department.
func (s *Service) UpdateDepartment(ctx context.Context, p *access.Principal, id string, in DepartmentInput) (Department, error) {
	var d Department
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = s.visibleDepartment(ctx, tx, p, id); err != nil {
			return err
		}
		if !p.Can(access.DirectoryWrite) {
			return errs.E(errs.Forbidden, "you may not change departments")
		}
		before := d
		var changes []Change
		var fv errs.Validation
		if checkReviewFrequency(in.ReviewFrequency, &fv); fv.Err() != nil {
			return fv.Err()
		}
		if c, err := setReviewFrequency(ctx, tx, &d, in.ReviewFrequency); err != nil {
			return err
		} else if c != nil {
			changes = append(changes, *c)
		}
		if in.Name != nil || in.ParentID != nil {
			name, parentID := d.Name, d.ParentID
			if in.Name != nil {
				name = strings.TrimSpace(*in.Name)
			}
			if in.ParentID != nil {
				parentID = *in.ParentID
			}
			var v errs.Validation
			v.Check(name != "" && !strings.Contains(name, "/") && len([]rune(name)) <= 100, "name", "required, at most 100 characters, no '/'")
			if err := v.Err(); err != nil {
				return err
			}
			if err := s.moveDepartment(ctx, tx, p, &d, name, parentID); err != nil {
				return err
			}
			if before.Name != d.Name {
				changes = append(changes, Change{Field: "name", Before: before.Name, After: d.Name})
			}
			if before.ParentID != d.ParentID {
				changes = append(changes, Change{Field: "parent", Before: before.ParentID, After: d.ParentID})
			}
		}
		if in.HeadPersonID != nil || in.MaintainerPersonID != nil {
			if err := s.setDepartmentPeople(ctx, tx, p, &d, in); err != nil {
				return err
			}
		}
		if len(changes) == 0 {
			return nil
		}
		return recordHistory(ctx, tx, p, s.clock.Now(), historyEntry{Entity: "department", EntityID: d.ID, Action: "update", Changes: changes})
	})
	return d, err
}

// moveDepartment renames d and/or moves it under parentID, rewriting the paths of its subtree.
func (s *Service) moveDepartment(ctx context.Context, tx store.Querier, p *access.Principal, d *Department, name, parentID string) error {
	newPath, newNamePath := "/"+d.ID+"/", name
	if parentID != "" {
		parent, err := departmentByID(ctx, tx, parentID)
		if err != nil || !p.InScope(parent.Path) {
			return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "parent_id", Message: "no such department"}}}
		}
		if strings.HasPrefix(parent.Path, d.Path) {
			return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "parent_id", Message: "a department cannot move under itself"}}}
		}
		newPath, newNamePath = parent.Path+d.ID+"/", parent.NamePath+"/"+name
	} else if p.ScopePath != "" {
		return errs.E(errs.Forbidden, "only an organization-wide user may create a top-level department")
	}
	now := store.TS(s.clock.Now())
	// Rewrite the whole subtree: ids path prefix and name path prefix.
	_, err := tx.ExecContext(ctx, `UPDATE departments SET
			path = $1 || substr(path, $2),
			name_path = $3 || substr(name_path, $4),
			updated_at = $5
		WHERE path LIKE $6`,
		newPath, len(d.Path)+1, newNamePath, len([]rune(d.NamePath))+1, now, d.Path+"%")
	if store.UniqueViolation(err) {
		return errs.E(errs.Conflict, "a department %q already exists there", name)
	}
	if err != nil {
		return fmt.Errorf("move department: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE departments SET name = $1, parent_id = $2 WHERE id = $3`, name, nullIfEmpty(parentID), d.ID); err != nil {
		return fmt.Errorf("rename department: %w", err)
	}
	d.Name, d.ParentID, d.Path, d.NamePath = name, parentID, newPath, newNamePath
	return nil
}

func (s *Service) setDepartmentPeople(ctx context.Context, tx store.Querier, p *access.Principal, d *Department, in DepartmentInput) error {
	var v errs.Validation
	check := func(field string, id *string, dst *string) {
		if id == nil {
			return
		}
		if *id != "" {
			if _, err := s.visiblePerson(ctx, tx, p, *id); err != nil {
				v.Add(field, "no such person")
				return
			}
		}
		*dst = *id
	}
	check("head_person_id", in.HeadPersonID, &d.HeadPersonID)
	check("maintainer_person_id", in.MaintainerPersonID, &d.MaintainerPersonID)
	if err := v.Err(); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE departments SET head_person_id = $1, maintainer_person_id = $2 WHERE id = $3`,
		nullIfEmpty(d.HeadPersonID), nullIfEmpty(d.MaintainerPersonID), d.ID)
	if err != nil {
		return fmt.Errorf("set department people: %w", err)
	}
	return nil
}

// DeleteDepartment removes an empty department (no sub-departments, people or users).
func (s *Service) DeleteDepartment(ctx context.Context, p *access.Principal, id string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		d, err := s.visibleDepartment(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !p.Can(access.DirectoryWrite) || d.Path == p.ScopePath {
			return errs.E(errs.Forbidden, "you may not delete this department")
		}
		var n int
		err = tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM departments WHERE parent_id = $1)
			+ (SELECT count(*) FROM people WHERE department_id = $1) + (SELECT count(*) FROM users WHERE department_id = $1)`, id).Scan(&n)
		if err != nil {
			return fmt.Errorf("count department contents: %w", err)
		}
		if n > 0 {
			return errs.E(errs.Conflict, "the department is not empty: move its sub-departments, people and users first")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM departments WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete department: %w", err)
		}
		return recordHistory(ctx, tx, p, s.clock.Now(), historyEntry{Entity: "department", EntityID: id, Action: "delete",
			Changes: []Change{{Field: "name", Before: d.NamePath}}})
	})
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
