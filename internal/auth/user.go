package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// User is an account.
type User struct {
	ID           string     `json:"id"`
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	Role         string     `json:"role"`
	DepartmentID string     `json:"department_id,omitempty"`
	Department   string     `json:"department,omitempty"`
	PersonID     string     `json:"person_id,omitempty"`
	Locale       string     `json:"locale"`
	Disabled     bool       `json:"disabled"`
	MFAEnabled   bool       `json:"mfa_enabled"` // a TOTP authenticator is set up
	LastLoginAt  *time.Time `json:"last_login_at"`
	CreatedAt    time.Time  `json:"created_at"`
	deptPath     string
	passwordHash string
	failures     int
	lockedUntil  sql.NullTime
}

// UserInput creates or (as a patch) changes an account.
type UserInput struct {
	Username     *string `json:"username"`
	DisplayName  *string `json:"display_name"`
	Password     *string `json:"password"`
	Role         *string `json:"role"`
	DepartmentID *string `json:"department_id"`
	PersonID     *string `json:"person_id"`
	Locale       *string `json:"locale"`
	Disabled     *bool   `json:"disabled"`
}

const userCols = `u.id, u.username, u.display_name, u.role, COALESCE(u.department_id, ''), COALESCE(d.name_path, ''), COALESCE(d.path, ''),
	COALESCE(u.person_id, ''), u.locale, u.disabled, u.last_login_at, u.created_at, u.password_hash, u.failed_logins, u.locked_until,
	EXISTS (SELECT 1 FROM mfa_totp m WHERE m.id = u.id AND m.confirmed_at IS NOT NULL)`

const userFrom = ` FROM users u LEFT JOIN departments d ON d.id = u.department_id `

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var last sql.NullTime
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.DepartmentID, &u.Department, &u.deptPath, &u.PersonID, &u.Locale,
		&u.Disabled, &last, &u.CreatedAt, &u.passwordHash, &u.failures, &u.lockedUntil, &u.MFAEnabled)
	if last.Valid {
		t := last.Time.UTC()
		u.LastLoginAt = &t
	}
	return u, err
}

func userWhere(ctx context.Context, q store.Querier, cond string, arg any) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+userFrom+`WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return u, errs.E(errs.NotFound, "user not found")
	}
	if err != nil {
		return u, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

// principal builds the principal a user acts as.
func (u User) principal(ip string) *access.Principal {
	return &access.Principal{UserID: u.ID, Username: u.Username, Role: access.Role(u.Role), ScopeDeptID: u.DepartmentID,
		ScopePath: u.deptPath, PersonID: u.PersonID, IP: ip, Locale: u.Locale}
}

// visibleUser loads a user the principal may manage; others are NotFound.
func (s *Service) visibleUser(ctx context.Context, q store.Querier, p *access.Principal, id string) (User, error) {
	u, err := userWhere(ctx, q, "u.id = $1", id)
	if err != nil {
		return u, err
	}
	if p.UserID == id {
		return u, nil
	}
	if !p.Can(access.UsersManage) || !strings.HasPrefix(u.deptPath, p.ScopePath) {
		return User{}, errs.E(errs.NotFound, "user not found")
	}
	return u, nil
}

// GetUser returns an account the principal may see (their own, or one they manage).
func (s *Service) GetUser(ctx context.Context, p *access.Principal, id string) (User, error) {
	return s.visibleUser(ctx, s.db.Read, p, id)
}

// ListUsers lists the accounts the principal manages.
func (s *Service) ListUsers(ctx context.Context, p *access.Principal) ([]User, error) {
	if !p.Can(access.UsersManage) {
		return nil, errs.E(errs.Forbidden, "you may not manage users")
	}
	cond := "COALESCE(d.path, '') LIKE $1"
	if p.ScopePath != "" {
		cond = "d.path LIKE $1"
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+userCols+userFrom+`WHERE `+cond+` ORDER BY u.username`, p.ScopePath+"%")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateUser adds an account. The principal must manage users, and may give only a scope
// inside their own.
func (s *Service) CreateUser(ctx context.Context, p *access.Principal, in UserInput) (User, error) {
	var u User
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = s.CreateUserTx(ctx, tx, p, in)
		return err
	})
	return u, err
}

// CreateUserTx adds an account inside the caller's transaction.
func (s *Service) CreateUserTx(ctx context.Context, tx store.Querier, p *access.Principal, in UserInput) (User, error) {
	if !p.Can(access.UsersManage) {
		return User{}, errs.E(errs.Forbidden, "you may not manage users")
	}
	var v errs.Validation
	u := User{Locale: "zh"}
	u.Username = strings.TrimSpace(deref(in.Username))
	u.DisplayName = strings.TrimSpace(deref(in.DisplayName))
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}
	v.Check(validUsername(u.Username), "username", "required: 1–64 letters, digits, '.', '_', '-' or '@'")
	u.Role = deref(in.Role)
	if _, ok := access.ParseRole(u.Role); !ok {
		v.Add("role", "one of admin, security_officer, hr, dept_manager, roster_owner, responder, viewer, employee")
	}
	password := deref(in.Password)
	if err := ValidatePassword(password, u.Username); err != nil {
		v.Add("password", err.Error())
	}
	if in.Locale != nil {
		u.Locale = *in.Locale
	}
	v.Check(u.Locale == "zh" || u.Locale == "en", "locale", "zh or en")
	if err := s.checkScope(ctx, tx, p, &u, deref(in.DepartmentID), &v); err != nil {
		return u, err
	}
	u.PersonID = deref(in.PersonID)
	if err := s.checkPerson(ctx, tx, u.PersonID, &v); err != nil {
		return u, err
	}
	if err := v.Err(); err != nil {
		return u, err
	}
	now := s.clock.Now()
	u.ID, u.CreatedAt = store.NewID(), now
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, password_hash, role, department_id, person_id, locale, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
		u.ID, u.Username, u.DisplayName, HashPassword(password), u.Role, nullIfEmpty(u.DepartmentID), nullIfEmpty(u.PersonID), u.Locale, store.TS(now))
	if store.UniqueViolation(err) {
		return u, &errs.Error{Kind: errs.Conflict, Message: "user name taken", Fields: []errs.FieldError{{Field: "username", Message: "already taken"}}}
	}
	if err != nil {
		return u, fmt.Errorf("insert user: %w", err)
	}
	return u, audit.Record(ctx, tx, p, now, audit.Event{Action: "user.create", ObjectType: "user", ObjectID: u.ID,
		Detail: fmt.Sprintf("role=%s department=%s", u.Role, u.DepartmentID)})
}

// checkScope validates the department a user is scoped to, which must lie in p's scope.
func (s *Service) checkScope(ctx context.Context, q store.Querier, p *access.Principal, u *User, deptID string, v *errs.Validation) error {
	u.DepartmentID, u.Department, u.deptPath = "", "", ""
	if deptID == "" {
		if p.ScopePath != "" {
			v.Add("department_id", "you may only create users inside your own department")
		}
		return nil
	}
	var namePath, path string
	err := q.QueryRowContext(ctx, `SELECT name_path, path FROM departments WHERE id = $1`, deptID).Scan(&namePath, &path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.HasPrefix(path, p.ScopePath)) {
		v.Add("department_id", "no such department")
		return nil
	}
	if err != nil {
		return fmt.Errorf("load department: %w", err)
	}
	u.DepartmentID, u.Department, u.deptPath = deptID, namePath, path
	return nil
}

func (s *Service) checkPerson(ctx context.Context, q store.Querier, personID string, v *errs.Validation) error {
	if personID == "" {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM people WHERE id = $1`, personID).Scan(&n); err != nil {
		return fmt.Errorf("check person: %w", err)
	}
	v.Check(n == 1, "person_id", "no such person")
	return nil
}

// UpdateUser changes an account. A change of role or scope, a new password or disabling
// ends the user's sessions, so that the new rights apply at once.
func (s *Service) UpdateUser(ctx context.Context, p *access.Principal, id string, in UserInput) (User, error) {
	var u User
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = s.visibleUser(ctx, tx, p, id); err != nil {
			return err
		}
		self := p.UserID == id
		if !p.Can(access.UsersManage) && (in.Role != nil || in.DepartmentID != nil || in.Disabled != nil || in.Username != nil || in.PersonID != nil) {
			return errs.E(errs.Forbidden, "you may change only your own display name, language and password")
		}
		if self && (in.Role != nil || in.Disabled != nil) {
			return errs.E(errs.Forbidden, "you may not change your own role or disable yourself")
		}
		var v errs.Validation
		old := u
		if in.Username != nil && *in.Username != u.Username {
			v.Add("username", "user names cannot be changed; create a new account")
		}
		if in.DisplayName != nil {
			u.DisplayName = strings.TrimSpace(*in.DisplayName)
			v.Check(u.DisplayName != "" && len([]rune(u.DisplayName)) <= 64, "display_name", "required, at most 64 characters")
		}
		if in.Role != nil {
			u.Role = *in.Role
			if _, ok := access.ParseRole(u.Role); !ok {
				v.Add("role", "unknown role")
			}
		}
		if in.Locale != nil {
			u.Locale = *in.Locale
			v.Check(u.Locale == "zh" || u.Locale == "en", "locale", "zh or en")
		}
		if in.DepartmentID != nil {
			if err := s.checkScope(ctx, tx, p, &u, *in.DepartmentID, &v); err != nil {
				return err
			}
		}
		if in.PersonID != nil {
			u.PersonID = *in.PersonID
			if err := s.checkPerson(ctx, tx, u.PersonID, &v); err != nil {
				return err
			}
		}
		if in.Disabled != nil {
			u.Disabled = *in.Disabled
		}
		hash := u.passwordHash
		if in.Password != nil {
			if err := ValidatePassword(*in.Password, u.Username); err != nil {
				v.Add("password", err.Error())
			}
			hash = HashPassword(*in.Password)
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.clock.Now()
		_, err = tx.ExecContext(ctx, `UPDATE users SET display_name = $1, role = $2, department_id = $3, person_id = $4, locale = $5, disabled = $6,
				password_hash = $7, updated_at = $8 WHERE id = $9`,
			u.DisplayName, u.Role, nullIfEmpty(u.DepartmentID), nullIfEmpty(u.PersonID), u.Locale, u.Disabled, hash, store.TS(now), id)
		if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		rightsChanged := old.Role != u.Role || old.DepartmentID != u.DepartmentID || (!old.Disabled && u.Disabled) || in.Password != nil
		if rightsChanged {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		detail := fmt.Sprintf("role=%s->%s department=%s->%s disabled=%v->%v password_changed=%v", old.Role, u.Role, old.DepartmentID, u.DepartmentID,
			old.Disabled, u.Disabled, in.Password != nil)
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "user.update", ObjectType: "user", ObjectID: id, Detail: detail})
	})
	return u, err
}

func validUsername(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
			return false
		}
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// UserByName finds an account by user name (for the CLI).
func (s *Service) UserByName(ctx context.Context, username string) (User, error) {
	return userWhere(ctx, s.db.Read, "u.username = $1", username)
}

// DepartmentIDByPath resolves a department name path for the CLI's --department.
func (s *Service) DepartmentIDByPath(ctx context.Context, namePath string) (string, error) {
	var id string
	err := s.db.Read.QueryRowContext(ctx, `SELECT id FROM departments WHERE name_path = $1`, strings.Trim(namePath, "/ ")).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.E(errs.NotFound, "department %q not found", namePath)
	}
	if err != nil {
		return "", fmt.Errorf("find department: %w", err)
	}
	return id, nil
}
