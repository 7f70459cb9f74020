package directory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/phone"
	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// ImportRecord is one person as a staff file describes them. Scalar fields are applied
// when their column is present; phones, email and emergency contacts only when the file
// gives a value, so a file without them never wipes what people entered themselves.
type ImportRecord struct {
	EmployeeNo, Name, Department, Title, Status, HireDate string
	Mobile, OfficePhone, Email                            string
	Contacts                                              []EmergencyContactInput
	HasDepartment, HasTitle, HasStatus, HasHireDate       bool

	LeaveDate         string // set on departure when given
	ManagerEmployeeNo string // applied when HasManager
	HasManager        bool
	UpdateOnly        bool // an unknown employee number is NotFound instead of a new person
}

// Import outcomes.
const (
	Created   = "created"
	Updated   = "updated"
	Unchanged = "unchanged"
	Departed  = "departed"
)

// ImportSession applies many records in one transaction, caching departments by path.
// New people are buffered and written with multi-row inserts; call Flush before reading
// what was imported (DepartMissing and CountActive flush themselves).
type ImportSession struct {
	s       *Service
	tx      store.Querier
	p       *access.Principal
	now     time.Time
	depts   map[string]string
	pending map[string][][]any // table → rows not yet written
	created int                // people in pending
	known   map[string]bool    // employee numbers in the database when the session started
}

// exists reports whether an employee number was in the database, loading all numbers
// on first use: one query instead of one per row.
func (is *ImportSession) exists(ctx context.Context, employeeNo string) (bool, error) {
	if is.known == nil {
		is.known = map[string]bool{}
		rows, err := is.tx.QueryContext(ctx, `SELECT employee_no FROM people`)
		if err != nil {
			return false, fmt.Errorf("load employee numbers: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var eno string
			if err := rows.Scan(&eno); err != nil {
				return false, err
			}
			is.known[eno] = true
		}
		if err := rows.Err(); err != nil {
			return false, err
		}
	}
	return is.known[employeeNo], nil
}

// batchPeople is how many new people are written at once.
const batchPeople = 500

// NewImportSession starts applying records inside the caller's transaction.
func (s *Service) NewImportSession(tx store.Querier, p *access.Principal) *ImportSession {
	return &ImportSession{s: s, tx: tx, p: p, now: s.clock.Now(), depts: map[string]string{}, pending: map[string][][]any{}}
}

// Flush writes the buffered new people, parents before children.
func (is *ImportSession) Flush(ctx context.Context) error {
	tables := []struct {
		name string
		cols []string
	}{{"people", personInsertCols()}, {"channels", channelCols()}, {"emergency_contacts", emergencyInsertCols()}, {"history", historyCols()}}
	for _, t := range tables {
		if err := is.s.db.BulkInsert(ctx, is.tx, t.name, t.cols, is.pending[t.name]); err != nil {
			return err
		}
		is.pending[t.name] = is.pending[t.name][:0]
	}
	is.created = 0
	return nil
}

func personInsertCols() []string {
	return []string{"id", "employee_no", "name", "name_pinyin", "name_initials", "department_id", "title", "status", "hire_date", "leave_date",
		"created_at", "updated_at"}
}

// UnassignedDepartment receives new people whose row names no department.
const UnassignedDepartment = "未分配部门"

func (is *ImportSession) department(ctx context.Context, path string) (string, error) {
	if path == "" {
		path = UnassignedDepartment
	}
	if id, ok := is.depts[path]; ok {
		return id, nil
	}
	d, err := EnsureDepartmentPath(ctx, is.tx, is.now, path)
	if err != nil {
		return "", err
	}
	if !is.p.InScope(d.Path) {
		return "", errs.E(errs.Forbidden, "department %s is outside your scope", path)
	}
	is.depts[path] = d.ID
	return d.ID, nil
}

// lenientPhone normalizes a number from a file: a number that cannot be valid is kept as
// typed (sealed), to become a data-quality finding rather than an import error.
func lenientPhone(v *vault.Vault, kind, raw string) normalized {
	n, err := phone.Parse(raw, "CN")
	if err == nil && n.Type != phone.Invalid {
		out := phoneNormalized(v, n)
		if n.Type == phone.Mobile {
			out.kind = KindMobile
		} else if n.Type == phone.FixedLine {
			out.kind = KindLandline
		} else {
			out.kind = kind
		}
		return out
	}
	digits := digitsOnly(raw)
	masked := "***"
	if len(digits) >= 7 {
		masked = digits[:3] + "****" + digits[len(digits)-4:]
	}
	problem := "invalid"
	if phone.IsPlaceholder(n) {
		problem = "placeholder"
	}
	return normalized{kind: kind, secret: secretValue{Value: raw, Raw: raw}, lookup: v.Index("phone", digits), masked: masked,
		phoneType: string(phone.Invalid), problem: problem}
}

func lenientEmail(v *vault.Vault, raw string) normalized {
	e, err := phone.NormalizeEmail(raw)
	if err != nil {
		e = strings.ToLower(strings.TrimSpace(raw))
		return normalized{kind: KindEmail, secret: secretValue{Value: raw, Raw: raw}, lookup: v.Index("email", e), masked: maskID(e), phoneType: string(phone.Invalid)}
	}
	return normalized{kind: KindEmail, secret: secretValue{Value: e, Raw: raw}, lookup: v.Index("email", e), masked: phone.MaskEmail(e)}
}

// Apply creates or updates the person of a record and says what happened.
func (is *ImportSession) Apply(ctx context.Context, rec ImportRecord) (string, []Change, error) {
	s, tx := is.s, is.tx
	v := s.vault
	var phones []normalized
	if rec.Mobile != "" {
		phones = append(phones, lenientPhone(v, KindMobile, rec.Mobile))
	}
	if rec.OfficePhone != "" {
		phones = append(phones, lenientPhone(v, KindLandline, rec.OfficePhone))
	}
	var email []normalized
	if rec.Email != "" {
		email = append(email, lenientEmail(v, rec.Email))
	}
	var ecs []emergencyNormalized
	for i, c := range rec.Contacts {
		c.Priority = i + 1
		var p normalized
		if strings.TrimSpace(c.Phone) != "" {
			p = lenientPhone(v, KindMobile, c.Phone)
		} else {
			p = normalized{lookup: v.Index("phone", ""), masked: ""}
		}
		ecs = append(ecs, emergencyNormalized{in: c, phone: p})
	}

	known, err := is.exists(ctx, rec.EmployeeNo)
	if err != nil {
		return "", nil, err
	}
	if !known && !rec.UpdateOnly {
		is.known[rec.EmployeeNo] = true
		return is.create(ctx, rec, append(phones, email...), ecs)
	}
	existing, err := PersonByEmployeeNo(ctx, tx, rec.EmployeeNo)
	if err != nil {
		return "", nil, err
	}
	if !is.p.InScope(existing.deptPath) {
		return "", nil, errs.E(errs.Forbidden, "employee %s belongs to a department outside your scope", rec.EmployeeNo)
	}
	old := fieldsOf(existing)
	f := old
	if rec.Name != "" {
		f.name = rec.Name
	}
	if rec.HasManager {
		f.managerID = ""
		if rec.ManagerEmployeeNo != "" {
			m, err := PersonByEmployeeNo(ctx, tx, rec.ManagerEmployeeNo)
			if err != nil {
				return "", nil, errs.E(errs.Invalid, "manager %s not found", rec.ManagerEmployeeNo)
			}
			if m.ID == existing.ID {
				return "", nil, errs.E(errs.Invalid, "a person cannot be their own manager")
			}
			f.managerID = m.ID
		}
	}
	if rec.LeaveDate != "" {
		f.leaveDate = rec.LeaveDate
	}
	if rec.HasDepartment && rec.Department != "" {
		if f.departmentID, err = is.department(ctx, rec.Department); err != nil {
			return "", nil, err
		}
	}
	if rec.HasTitle {
		f.title = rec.Title
	}
	if rec.HasStatus {
		f.status = rec.Status
	}
	if rec.HasHireDate && rec.HireDate != "" {
		f.hireDate = rec.HireDate
	}
	if f.status == StatusDeparted && old.status != StatusDeparted && f.leaveDate == "" {
		f.leaveDate = is.now.In(shanghai()).Format("2006-01-02")
	}
	changes := f.changes(old)
	if len(changes) > 0 {
		full, initials := Pinyin(f.name)
		_, err := tx.ExecContext(ctx, `UPDATE people SET name = $1, name_pinyin = $2, name_initials = $3, department_id = $4, title = $5, status = $6,
				hire_date = $7, leave_date = $8, manager_id = $9 WHERE id = $10`, f.name, full, initials, f.departmentID, f.title, f.status, f.hireDate,
			f.leaveDate, nullIfEmpty(f.managerID), existing.ID)
		if err != nil {
			return "", nil, fmt.Errorf("update person: %w", err)
		}
	}
	for _, group := range [][]normalized{phones, email} {
		if len(group) == 0 {
			continue
		}
		c, err := is.syncGroup(ctx, existing.ID, group)
		if err != nil {
			return "", nil, err
		}
		changes = append(changes, c...)
	}
	if len(ecs) > 0 {
		c, err := syncEmergencyContacts(ctx, tx, v, is.now, existing.ID, ecs)
		if err != nil {
			return "", nil, err
		}
		changes = append(changes, c...)
	}
	if len(changes) == 0 {
		return Unchanged, nil, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE people SET version = version + 1, updated_at = $1 WHERE id = $2`, store.TS(is.now), existing.ID); err != nil {
		return "", nil, fmt.Errorf("bump person version: %w", err)
	}
	if err := recordHistory(ctx, tx, is.p, is.now, historyEntry{Entity: "person", EntityID: existing.ID, PersonID: existing.ID, Action: "import", Changes: changes}); err != nil {
		return "", nil, err
	}
	if f.status == StatusDeparted && old.status != StatusDeparted {
		return Departed, changes, nil
	}
	return Updated, changes, nil
}

// syncGroup replaces the person's channels of the group's kinds (phones, or email) with
// the file's values, keeping unchanged ones (and their verification), leaving other kinds.
func (is *ImportSession) syncGroup(ctx context.Context, personID string, group []normalized) ([]Change, error) {
	have, err := channelsOf(ctx, is.tx, "person_id", personID)
	if err != nil {
		return nil, err
	}
	inGroup := func(kind string) bool {
		if group[0].kind == KindEmail {
			return kind == KindEmail
		}
		return kind == KindMobile || kind == KindLandline
	}
	var want []normalized
	for _, h := range have { // other kinds stay, in their place
		if !inGroup(h.Kind) {
			want = append(want, normalized{kind: h.Kind, lookup: h.lookup})
		}
	}
	want = append(want, group...)
	return syncChannels(ctx, is.tx, is.s.vault, is.now, "person_id", personID, want)
}

func (is *ImportSession) create(ctx context.Context, rec ImportRecord, chans []normalized, ecs []emergencyNormalized) (string, []Change, error) {
	deptID, err := is.department(ctx, rec.Department)
	if err != nil {
		return "", nil, err
	}
	status := rec.Status
	if status == "" {
		status = StatusActive
	}
	f := personFields{employeeNo: rec.EmployeeNo, name: rec.Name, departmentID: deptID, title: rec.Title, status: status, hireDate: rec.HireDate}
	if status == StatusDeparted {
		f.leaveDate = is.now.In(shanghai()).Format("2006-01-02")
	}
	id := store.NewID()
	full, initials := Pinyin(f.name)
	ts := store.TS(is.now)
	is.pending["people"] = append(is.pending["people"], []any{id, f.employeeNo, f.name, full, initials, f.departmentID, f.title, f.status,
		f.hireDate, f.leaveDate, ts, ts})
	changes := personFields{}.changesFrom(f)
	for i, c := range chans {
		is.pending["channels"] = append(is.pending["channels"], channelRow(is.s.vault, is.now, id, "", c, i+1))
		changes = append(changes, Change{Field: "channel." + c.kind, After: c.masked})
	}
	for _, e := range ecs {
		is.pending["emergency_contacts"] = append(is.pending["emergency_contacts"], emergencyRow(is.s.vault, is.now, id, e))
		changes = append(changes, Change{Field: fmt.Sprintf("emergency_contact.%d", e.in.Priority), After: e.summary()})
	}
	is.pending["history"] = append(is.pending["history"], historyRow(is.p, is.now, historyEntry{Entity: "person", EntityID: id, PersonID: id,
		Action: "import", Changes: changes}))
	if is.created++; is.created >= batchPeople {
		if err := is.Flush(ctx); err != nil {
			return "", nil, err
		}
	}
	return Created, changes, nil
}

// DepartMissing marks departed every active or probation person in the principal's scope
// whose employee number is not in keep (a snapshot import), and returns their numbers.
func (is *ImportSession) DepartMissing(ctx context.Context, keep map[string]bool) ([]string, error) {
	if err := is.Flush(ctx); err != nil {
		return nil, err
	}
	rows, err := is.tx.QueryContext(ctx, `SELECT p.id, p.employee_no FROM people p JOIN departments d ON d.id = p.department_id
		WHERE p.status <> 'departed' AND d.path LIKE $1`, is.p.ScopePath+"%")
	if err != nil {
		return nil, fmt.Errorf("find missing people: %w", err)
	}
	type miss struct{ id, eno string }
	var gone []miss
	for rows.Next() {
		var m miss
		if err := rows.Scan(&m.id, &m.eno); err != nil {
			rows.Close()
			return nil, err
		}
		if !keep[m.eno] {
			gone = append(gone, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	day := is.now.In(shanghai()).Format("2006-01-02")
	var out []string
	for _, m := range gone {
		if _, err := is.tx.ExecContext(ctx, `UPDATE people SET status = 'departed', leave_date = $1, version = version + 1, updated_at = $2 WHERE id = $3`,
			day, store.TS(is.now), m.id); err != nil {
			return nil, fmt.Errorf("depart %s: %w", m.eno, err)
		}
		if err := recordHistory(ctx, is.tx, is.p, is.now, historyEntry{Entity: "person", EntityID: m.id, PersonID: m.id, Action: "import",
			Reason: "not in the snapshot", Changes: []Change{{Field: "status", After: StatusDeparted}, {Field: "leave_date", After: day}}}); err != nil {
			return nil, err
		}
		out = append(out, m.eno)
	}
	return out, nil
}

// CountActive counts the active and probation people in the principal's scope.
func (is *ImportSession) CountActive(ctx context.Context) (int, error) {
	if err := is.Flush(ctx); err != nil {
		return 0, err
	}
	var n int
	err := is.tx.QueryRowContext(ctx, `SELECT count(*) FROM people p JOIN departments d ON d.id = p.department_id
		WHERE p.status <> 'departed' AND d.path LIKE $1`, is.p.ScopePath+"%").Scan(&n)
	return n, err
}
