package directory

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
	"lifeline/internal/phone"
	"lifeline/internal/store"
)

// Person statuses.
const (
	StatusActive    = "active"
	StatusProbation = "probation"
	StatusDeparted  = "departed"
)

// Person is a member of staff as a reader sees them.
type Person struct {
	ID                string             `json:"id"`
	EmployeeNo        string             `json:"employee_no"`
	Name              string             `json:"name"`
	DepartmentID      string             `json:"department_id"`
	Department        string             `json:"department"`
	Title             string             `json:"title"`
	Status            string             `json:"status"`
	HireDate          string             `json:"hire_date,omitempty"`
	LeaveDate         string             `json:"leave_date,omitempty"`
	ManagerID         string             `json:"manager_id,omitempty"`
	OwnerID           string             `json:"owner_id,omitempty"`
	LastConfirmedAt   *time.Time         `json:"last_confirmed_at"`
	Version           int                `json:"version"`
	CreatedAt         time.Time          `json:"created_at"`
	UpdatedAt         time.Time          `json:"updated_at"`
	Masked            bool               `json:"masked"`
	Channels          []Channel          `json:"channels"`
	EmergencyContacts []EmergencyContact `json:"emergency_contacts"`
	deptPath          string
}

// PersonInput creates a person or, as a PATCH, changes one: nil fields stay as they are;
// a non-nil Channels or EmergencyContacts list replaces the whole list.
type PersonInput struct {
	EmployeeNo        *string                  `json:"employee_no"`
	Name              *string                  `json:"name"`
	DepartmentID      *string                  `json:"department_id"`
	Title             *string                  `json:"title"`
	Status            *string                  `json:"status"`
	HireDate          *string                  `json:"hire_date"`
	LeaveDate         *string                  `json:"leave_date"`
	ManagerID         *string                  `json:"manager_id"`
	OwnerID           *string                  `json:"owner_id"`
	Channels          *[]ChannelInput          `json:"channels"`
	EmergencyContacts *[]EmergencyContactInput `json:"emergency_contacts"`
	Version           *int                     `json:"version,omitempty"`
	Reason            string                   `json:"reason,omitempty"`
}

const personCols = `p.id, p.employee_no, p.name, p.department_id, d.name_path, d.path, p.title, p.status, p.hire_date, p.leave_date,
	COALESCE(p.manager_id, ''), COALESCE(p.owner_id, ''), p.last_confirmed_at, p.version, p.created_at, p.updated_at`

func scanPerson(row interface{ Scan(...any) error }) (Person, error) {
	var p Person
	var confirmed sqlNullTime
	err := row.Scan(&p.ID, &p.EmployeeNo, &p.Name, &p.DepartmentID, &p.Department, &p.deptPath, &p.Title, &p.Status, &p.HireDate,
		&p.LeaveDate, &p.ManagerID, &p.OwnerID, &confirmed, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	p.LastConfirmedAt = confirmed.ptr()
	return p, err
}

func personByID(ctx context.Context, q store.Querier, id string) (Person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personCols+` FROM people p JOIN departments d ON d.id = p.department_id WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, errs.E(errs.NotFound, "person not found")
	}
	if err != nil {
		return p, fmt.Errorf("load person: %w", err)
	}
	return p, nil
}

// PersonByEmployeeNo finds a person by employee number (for imports and HR events).
func PersonByEmployeeNo(ctx context.Context, q store.Querier, employeeNo string) (Person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personCols+` FROM people p JOIN departments d ON d.id = p.department_id WHERE p.employee_no = $1`, employeeNo))
	if errors.Is(err, sql.ErrNoRows) {
		return p, errs.E(errs.NotFound, "person not found")
	}
	if err != nil {
		return p, fmt.Errorf("load person: %w", err)
	}
	return p, nil
}

// visiblePerson loads a person the principal may see; anything else is NotFound, so that
// existence does not leak outside the principal's scope.
func (s *Service) visiblePerson(ctx context.Context, q store.Querier, pr *access.Principal, id string) (Person, error) {
	p, err := personByID(ctx, q, id)
	if err != nil {
		return p, err
	}
	if pr.IsSelf(p.ID) {
		return p, nil
	}
	if !pr.Can(access.DirectoryRead) || pr.SelfOnly() || !pr.InScope(p.deptPath) {
		return Person{}, errs.E(errs.NotFound, "person not found")
	}
	return p, nil
}

// loadDetails fills channels and emergency contacts, masked unless full is set.
func (s *Service) loadDetails(ctx context.Context, q store.Querier, p *Person, full bool) error {
	var err error
	if p.Channels, err = channelsOf(ctx, q, "person_id", p.ID); err != nil {
		return err
	}
	if p.EmergencyContacts, err = emergencyContactsOf(ctx, q, p.ID); err != nil {
		return err
	}
	p.Masked = !full
	for i := range p.Channels {
		if full {
			if err := p.Channels[i].reveal(s.vault); err != nil {
				return err
			}
		}
	}
	for i := range p.EmergencyContacts {
		e := &p.EmergencyContacts[i]
		if full {
			err = e.reveal(s.vault)
		} else {
			err = e.showRelation(s.vault)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// GetPerson returns a person with masked values, or full values for the person themselves.
func (s *Service) GetPerson(ctx context.Context, pr *access.Principal, id string) (Person, error) {
	var p Person
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		if p, err = s.visiblePerson(ctx, tx, pr, id); err != nil {
			return err
		}
		return s.loadDetails(ctx, tx, &p, pr.IsSelf(p.ID))
	})
	return p, err
}

// RevealPerson returns a person with full values to a principal who may reveal in that
// scope, and records who revealed what and why.
func (s *Service) RevealPerson(ctx context.Context, pr *access.Principal, id, reason string) (Person, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 500 {
		return Person{}, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "reason", Message: "required, at most 500 characters"}}}
	}
	var p Person
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if p, err = s.visiblePerson(ctx, tx, pr, id); err != nil {
			return err
		}
		if !pr.IsSelf(p.ID) && !pr.Can(access.DirectoryReveal) {
			return errs.E(errs.Forbidden, "your role may not reveal full contact details")
		}
		if err := s.loadDetails(ctx, tx, &p, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, pr, s.clock.Now(), audit.Event{Action: "person.reveal", ObjectType: "person", ObjectID: id, Reason: reason,
			Detail: fmt.Sprintf("channels=%d emergency_contacts=%d", len(p.Channels), len(p.EmergencyContacts))})
	})
	if errs.Is(err, errs.Forbidden) {
		// The transaction rolled back: record the denied attempt on its own.
		_ = s.db.InTx(ctx, func(tx *sql.Tx) error {
			return audit.Record(ctx, tx, pr, s.clock.Now(), audit.Event{Action: "person.reveal", ObjectType: "person", ObjectID: id, Outcome: "denied", Reason: reason})
		})
	}
	return p, err
}

// RevealLog lists who revealed a person's values: the person themselves may see it.
func (s *Service) RevealLog(ctx context.Context, pr *access.Principal, id string) ([]audit.Entry, error) {
	if _, err := s.visiblePerson(ctx, s.db.Read, pr, id); err != nil {
		return nil, err
	}
	if !pr.IsSelf(id) && !pr.Can(access.DirectoryReveal) && !pr.Can(access.AuditRead) {
		return nil, errs.E(errs.Forbidden, "you may not see who accessed this person's data")
	}
	return audit.ForObject(ctx, s.db.Read, "person", id, 100)
}

// personFields is a validated person's scalar fields.
type personFields struct {
	employeeNo, name, departmentID, title, status, hireDate, leaveDate, managerID, ownerID string
}

func (f personFields) changes(o personFields) []Change {
	var out []Change
	add := func(field, before, after string) {
		if before != after {
			out = append(out, Change{Field: field, Before: before, After: after})
		}
	}
	add("employee_no", o.employeeNo, f.employeeNo)
	add("name", o.name, f.name)
	add("department_id", o.departmentID, f.departmentID)
	add("title", o.title, f.title)
	add("status", o.status, f.status)
	add("hire_date", o.hireDate, f.hireDate)
	add("leave_date", o.leaveDate, f.leaveDate)
	add("manager_id", o.managerID, f.managerID)
	add("owner_id", o.ownerID, f.ownerID)
	return out
}

func fieldsOf(p Person) personFields {
	return personFields{p.EmployeeNo, p.Name, p.DepartmentID, p.Title, p.Status, p.HireDate, p.LeaveDate, p.ManagerID, p.OwnerID}
}

// apply overlays the non-nil input fields, trimmed.
func (f *personFields) apply(in PersonInput) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&f.employeeNo, in.EmployeeNo)
	set(&f.name, in.Name)
	set(&f.departmentID, in.DepartmentID)
	set(&f.title, in.Title)
	set(&f.status, in.Status)
	set(&f.hireDate, in.HireDate)
	set(&f.leaveDate, in.LeaveDate)
	set(&f.managerID, in.ManagerID)
	set(&f.ownerID, in.OwnerID)
}

// validate checks the fields and the referenced records, adding field errors.
func (s *Service) validate(ctx context.Context, q store.Querier, pr *access.Principal, f personFields, selfID string, v *errs.Validation) (Department, error) {
	v.Check(f.employeeNo != "" && len(f.employeeNo) <= 32 && !strings.ContainsAny(f.employeeNo, " \t\r\n/"), "employee_no", "required, at most 32 characters, no spaces")
	v.Check(f.name != "" && len([]rune(f.name)) <= 64, "name", "required, at most 64 characters")
	if phone.LooksLikeResidentID(f.name) || phone.LooksLikeResidentID(f.title) || phone.LooksLikeResidentID(f.employeeNo) {
		v.Add("name", errResidentID.Error())
	}
	v.Check(len([]rune(f.title)) <= 64, "title", "at most 64 characters")
	v.Check(f.status == StatusActive || f.status == StatusProbation || f.status == StatusDeparted, "status", "one of active, probation, departed")
	v.Check(validDate(f.hireDate), "hire_date", "a date YYYY-MM-DD")
	v.Check(validDate(f.leaveDate), "leave_date", "a date YYYY-MM-DD")
	var dept Department
	if f.departmentID == "" {
		v.Add("department_id", "required")
	} else {
		d, err := departmentByID(ctx, q, f.departmentID)
		if errs.Is(err, errs.NotFound) || (err == nil && !pr.InScope(d.Path)) {
			v.Add("department_id", "no such department")
		} else if err != nil {
			return dept, err
		}
		dept = d
	}
	for field, id := range map[string]string{"manager_id": f.managerID, "owner_id": f.ownerID} {
		if id == "" {
			continue
		}
		if id == selfID && field == "manager_id" {
			v.Add(field, "a person cannot be their own manager")
			continue
		}
		if _, err := s.visiblePerson(ctx, q, pr, id); err != nil {
			v.Add(field, "no such person")
		}
	}
	return dept, nil
}

func validDate(s string) bool {
	if s == "" {
		return true
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// normalizeAll validates the channel and emergency-contact lists of an input.
func (s *Service) normalizeAll(in PersonInput, v *errs.Validation) ([]normalized, []emergencyNormalized) {
	var chans []normalized
	if in.Channels != nil {
		for i, c := range *in.Channels {
			n, err := normalizeChannel(s.vault, c.Kind, c.Value)
			if err != nil {
				field := fmt.Sprintf("channels[%d].value", i)
				if strings.HasPrefix(err.Error(), "unknown kind") {
					field = fmt.Sprintf("channels[%d].kind", i)
				}
				v.Add(field, err.Error())
				continue
			}
			chans = append(chans, n)
		}
		if len(chans) > 20 {
			v.Add("channels", "at most 20 channels")
		}
	}
	var ecs []emergencyNormalized
	if in.EmergencyContacts != nil {
		ecs = validateEmergencyContacts(s.vault, *in.EmergencyContacts, v.Add)
		if len(ecs) > 10 {
			v.Add("emergency_contacts", "at most 10 emergency contacts")
		}
	}
	return chans, ecs
}

// CreatePerson adds a person with their channels and emergency contacts in one transaction.
func (s *Service) CreatePerson(ctx context.Context, pr *access.Principal, in PersonInput) (Person, error) {
	if !pr.Can(access.DirectoryWrite) {
		return Person{}, errs.E(errs.Forbidden, "you may not create people")
	}
	var id string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = s.CreatePersonTx(ctx, tx, pr, in)
		return err
	})
	if err != nil {
		return Person{}, err
	}
	return s.GetPerson(ctx, pr, id)
}

// CreatePersonTx creates a person inside the caller's transaction and returns its id.
func (s *Service) CreatePersonTx(ctx context.Context, tx store.Querier, pr *access.Principal, in PersonInput) (string, error) {
	var f personFields
	f.status = StatusActive
	f.apply(in)
	var v errs.Validation
	chans, ecs := s.normalizeAll(in, &v)
	if _, err := s.validate(ctx, tx, pr, f, "", &v); err != nil {
		return "", err
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	now := s.clock.Now()
	id := store.NewID()
	full, initials := Pinyin(f.name)
	_, err := tx.ExecContext(ctx, `INSERT INTO people (id, employee_no, name, name_pinyin, name_initials, department_id, title, status,
			hire_date, leave_date, manager_id, owner_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
		id, f.employeeNo, f.name, full, initials, f.departmentID, f.title, f.status, f.hireDate, f.leaveDate,
		nullIfEmpty(f.managerID), nullIfEmpty(f.ownerID), store.TS(now))
	if store.UniqueViolation(err) {
		return "", &errs.Error{Kind: errs.Conflict, Message: "employee number already exists",
			Fields: []errs.FieldError{{Field: "employee_no", Message: "already used by another person"}}}
	}
	if err != nil {
		return "", fmt.Errorf("insert person: %w", err)
	}
	changes := personFields{}.changesFrom(f)
	for i, c := range chans {
		if err := insertChannel(ctx, tx, s.vault, now, id, "", c, i+1); err != nil {
			return "", err
		}
		changes = append(changes, Change{Field: "channel." + c.kind, After: c.masked})
	}
	for _, e := range ecs {
		if err := insertEmergencyContact(ctx, tx, s.vault, now, id, e); err != nil {
			return "", err
		}
		changes = append(changes, Change{Field: fmt.Sprintf("emergency_contact.%d", e.in.Priority), After: e.summary()})
	}
	return id, recordHistory(ctx, tx, pr, now, historyEntry{Entity: "person", EntityID: id, PersonID: id, Action: "create", Reason: in.Reason, Changes: changes})
}

// changesFrom lists every non-empty field of f as a change from nothing.
func (personFields) changesFrom(f personFields) []Change { return f.changes(personFields{}) }

// UpdatePerson changes a person. Staff with write permission may change everything in
// scope; the person themselves may change only their channels and emergency contacts.
func (s *Service) UpdatePerson(ctx context.Context, pr *access.Principal, id string, in PersonInput) (Person, error) {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		return s.UpdatePersonTx(ctx, tx, pr, id, in)
	})
	if err != nil {
		return Person{}, err
	}
	return s.GetPerson(ctx, pr, id)
}

// UpdatePersonTx changes a person inside the caller's transaction.
func (s *Service) UpdatePersonTx(ctx context.Context, tx store.Querier, pr *access.Principal, id string, in PersonInput) error {
	p, err := s.visiblePerson(ctx, tx, pr, id)
	if err != nil {
		return err
	}
	selfService := !pr.Can(access.DirectoryWrite) || pr.SelfOnly()
	if selfService {
		if !pr.IsSelf(id) {
			return errs.E(errs.Forbidden, "you may not change this person")
		}
		if in.EmployeeNo != nil || in.Name != nil || in.DepartmentID != nil || in.Title != nil || in.Status != nil ||
			in.HireDate != nil || in.LeaveDate != nil || in.ManagerID != nil || in.OwnerID != nil {
			return errs.E(errs.Forbidden, "you may change only your own channels and emergency contacts")
		}
	}
	if in.Version != nil && *in.Version != p.Version {
		return errs.E(errs.Conflict, "the person was changed by someone else (version %d, you sent %d); reload and try again", p.Version, *in.Version)
	}
	old := fieldsOf(p)
	f := old
	f.apply(in)
	if f.status == StatusDeparted && old.status != StatusDeparted && f.leaveDate == "" {
		f.leaveDate = s.clock.Now().In(shanghai()).Format("2006-01-02")
	}
	var v errs.Validation
	chans, ecs := s.normalizeAll(in, &v)
	if _, err := s.validate(ctx, tx, pr, f, id, &v); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	now := s.clock.Now()
	changes := f.changes(old)
	if len(changes) > 0 {
		full, initials := Pinyin(f.name)
		_, err = tx.ExecContext(ctx, `UPDATE people SET employee_no = $1, name = $2, name_pinyin = $3, name_initials = $4, department_id = $5,
				title = $6, status = $7, hire_date = $8, leave_date = $9, manager_id = $10, owner_id = $11
			WHERE id = $12`,
			f.employeeNo, f.name, full, initials, f.departmentID, f.title, f.status, f.hireDate, f.leaveDate,
			nullIfEmpty(f.managerID), nullIfEmpty(f.ownerID), id)
		if store.UniqueViolation(err) {
			return &errs.Error{Kind: errs.Conflict, Message: "employee number already exists",
				Fields: []errs.FieldError{{Field: "employee_no", Message: "already used by another person"}}}
		}
		if err != nil {
			return fmt.Errorf("update person: %w", err)
		}
	}
	if in.Channels != nil {
		c, err := syncChannels(ctx, tx, s.vault, now, "person_id", id, chans)
		if err != nil {
			return err
		}
		changes = append(changes, c...)
	}
	if in.EmergencyContacts != nil {
		c, err := syncEmergencyContacts(ctx, tx, s.vault, now, id, ecs)
		if err != nil {
			return err
		}
		changes = append(changes, c...)
	}
	if len(changes) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE people SET version = version + 1, updated_at = $1 WHERE id = $2`, store.TS(now), id); err != nil {
		return fmt.Errorf("bump person version: %w", err)
	}
	return recordHistory(ctx, tx, pr, now, historyEntry{Entity: "person", EntityID: id, PersonID: id, Action: "update", Reason: in.Reason, Changes: changes})
}

// DeletePerson erases a person and their contacts (a person's right to deletion, or a
// mistaken entry); departures are a status change, not a deletion.
func (s *Service) DeletePerson(ctx context.Context, pr *access.Principal, id, reason string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		p, err := s.visiblePerson(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if !pr.Can(access.DirectoryWrite) || pr.SelfOnly() {
			return errs.E(errs.Forbidden, "you may not delete people")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM people WHERE id = $1`, id); err != nil {
			if store.ForeignKeyViolation(err) {
				return errs.E(errs.Conflict, "the person is still referenced (a user account); remove that first")
			}
			return fmt.Errorf("delete person: %w", err)
		}
		return recordHistory(ctx, tx, pr, s.clock.Now(), historyEntry{Entity: "person", EntityID: id, PersonID: id, Action: "delete", Reason: reason,
			Changes: []Change{{Field: "employee_no", Before: p.EmployeeNo}}})
	})
}

// shanghai is the zone in which dates are shown and entered.
func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// SetManager sets a person's manager inside the caller's transaction (bulk loads).
func SetManager(ctx context.Context, tx store.Querier, personID, managerID string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE people SET manager_id = $1 WHERE id = $2`, nullIfEmpty(managerID), personID); err != nil {
		return fmt.Errorf("set manager: %w", err)
	}
	return nil
}

// DepartmentPathOf returns the department path of a person the principal may see (the
// person themselves included), for checks that follow the department tree.
func (s *Service) DepartmentPathOf(ctx context.Context, pr *access.Principal, id string) (string, error) {
	p, err := s.visiblePerson(ctx, s.db.Read, pr, id)
	return p.deptPath, err
}
