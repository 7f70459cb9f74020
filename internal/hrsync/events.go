// Package hrsync applies events from the HR system — onboarding, transfers, departures,
// contact changes — to the directory, each event id at most once.
package hrsync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/review"
	"lifeline/internal/roster"
	"lifeline/internal/store"
)

// Event types.
const (
	Onboard        = "onboard"
	Transfer       = "transfer"
	Offboard       = "offboard"
	ContactChanged = "contact_changed"
)

// Contact is an emergency contact in an event.
type Contact struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
	Phone    string `json:"phone"`
}

// Event is one HR event (SPEC §9: POST /api/v1/hr/events).
type Event struct {
	ID                string    `json:"id"`
	Type              string    `json:"type"`
	EmployeeNo        string    `json:"employee_no"`
	Name              string    `json:"name,omitempty"`
	Department        string    `json:"department,omitempty"` // a path such as 集团/生产部/一车间
	Title             *string   `json:"title,omitempty"`
	ManagerEmployeeNo *string   `json:"manager_employee_no,omitempty"`
	HireDate          string    `json:"hire_date,omitempty"`
	LeaveDate         string    `json:"leave_date,omitempty"`
	Mobile            string    `json:"mobile,omitempty"`
	OfficePhone       string    `json:"office_phone,omitempty"`
	Email             string    `json:"email,omitempty"`
	EmergencyContacts []Contact `json:"emergency_contacts,omitempty"`
}

// Result is what an event did; Duplicate is set when the id was seen before (no effect).
type Result struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	EmployeeNo string `json:"employee_no"`
	PersonID   string `json:"person_id"`
	Outcome    string `json:"outcome"`
	Duplicate  bool   `json:"duplicate"`
}

// Service applies HR events.
type Service struct {
	db  *store.DB
	dir *directory.Service
}

// New returns an HR event service.
func New(db *store.DB, dir *directory.Service) *Service { return &Service{db: db, dir: dir} }

func (e Event) validate() error {
	var v errs.Validation
	v.Check(strings.TrimSpace(e.ID) != "" && len(e.ID) <= 128, "id", "required, at most 128 characters")
	v.Check(e.Type == Onboard || e.Type == Transfer || e.Type == Offboard || e.Type == ContactChanged, "type", "onboard, transfer, offboard or contact_changed")
	v.Check(strings.TrimSpace(e.EmployeeNo) != "" && len(e.EmployeeNo) <= 32, "employee_no", "required, at most 32 characters")
	switch e.Type {
	case Onboard:
		v.Check(strings.TrimSpace(e.Name) != "", "name", "required for onboard")
		v.Check(strings.TrimSpace(e.Department) != "", "department", "required for onboard")
	case Transfer:
		v.Check(e.Department != "" || e.Title != nil || e.ManagerEmployeeNo != nil, "department", "a transfer changes the department, title or manager")
	case ContactChanged:
		v.Check(e.Mobile != "" || e.OfficePhone != "" || e.Email != "" || len(e.EmergencyContacts) > 0, "mobile", "a contact change carries a phone, email or emergency contacts")
	}
	for i, c := range e.EmergencyContacts {
		v.Check(strings.TrimSpace(c.Name) != "" && strings.TrimSpace(c.Phone) != "", fmt.Sprintf("emergency_contacts[%d]", i), "name and phone required")
	}
	return v.Err()
}

// Apply applies an event once: the event id is recorded in the same transaction as the
// change, so a repeated delivery (even a concurrent one) finds it and changes nothing.
func (s *Service) Apply(ctx context.Context, p *access.Principal, e Event) (Result, error) {
	if !p.Can(access.DirectoryWrite) {
		return Result{}, errs.E(errs.Forbidden, "you may not send HR events")
	}
	e.ID, e.EmployeeNo = strings.TrimSpace(e.ID), strings.TrimSpace(e.EmployeeNo)
	if err := e.validate(); err != nil {
		return Result{}, err
	}
	res := Result{ID: e.ID, Type: e.Type, EmployeeNo: e.EmployeeNo}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if prev, ok, err := seen(ctx, tx, e.ID); err != nil || ok {
			res = prev
			return err
		}
		rec := directory.ImportRecord{EmployeeNo: e.EmployeeNo, Name: strings.TrimSpace(e.Name), UpdateOnly: e.Type != Onboard,
			Mobile: e.Mobile, OfficePhone: e.OfficePhone, Email: e.Email, HireDate: e.HireDate, HasHireDate: e.HireDate != ""}
		switch e.Type {
		case Onboard:
			rec.Department, rec.HasDepartment, rec.Status, rec.HasStatus = e.Department, true, directory.StatusActive, true
		case Transfer:
			rec.Department, rec.HasDepartment = e.Department, e.Department != ""
		case Offboard:
			rec.Status, rec.HasStatus, rec.LeaveDate = directory.StatusDeparted, true, e.LeaveDate
		}
		if e.Title != nil {
			rec.Title, rec.HasTitle = *e.Title, true
		}
		if e.ManagerEmployeeNo != nil {
			rec.ManagerEmployeeNo, rec.HasManager = *e.ManagerEmployeeNo, true
		}
		for _, c := range e.EmergencyContacts {
			rec.Contacts = append(rec.Contacts, directory.EmergencyContactInput{Name: c.Name, Relation: c.Relation, Phone: c.Phone})
		}
		is := s.dir.NewImportSession(tx, p)
		outcome, _, err := is.Apply(ctx, rec)
		if err != nil {
			return err
		}
		if err := is.Flush(ctx); err != nil {
			return err
		}
		person, err := directory.PersonByEmployeeNo(ctx, tx, e.EmployeeNo)
		if err != nil {
			return err
		}
		res.Outcome, res.PersonID = outcome, person.ID
		switch {
		case outcome == directory.Departed:
			// Departed people leave every active roster; the owners are told (SPEC §2).
			if _, err := roster.PersonDeparted(ctx, tx, p, person.ID, s.dir.Now()); err != nil {
				return err
			}
		case outcome == directory.Updated && (e.Type == Transfer || e.Type == ContactChanged):
			// The memberships stay; their owners confirm them within the HR change SLA.
			reason := review.ReasonTransfer
			if e.Type == ContactChanged {
				reason = review.ReasonContactChanged
			}
			if _, err := review.FlagMemberships(ctx, tx, review.OriginHR, reason, person.ID, "", s.dir.Now()); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO hr_events (id, type, employee_no, person_id, outcome, received_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			e.ID, e.Type, e.EmployeeNo, person.ID, outcome, store.TS(s.dir.Now()))
		if err != nil {
			return fmt.Errorf("record HR event: %w", err)
		}
		return audit.Record(ctx, tx, p, s.dir.Now(), audit.Event{Action: "hr.event", ObjectType: "person", ObjectID: person.ID,
			Detail: fmt.Sprintf("event=%s type=%s outcome=%s", e.ID, e.Type, outcome)})
	})
	if store.UniqueViolation(err) { // a concurrent delivery of the same event won
		var ok bool
		res, ok, err = seen(ctx, s.db.Read, e.ID)
		if err == nil && !ok {
			err = errs.E(errs.Conflict, "the event is being applied; retry")
		}
	}
	return res, err
}

func seen(ctx context.Context, q store.Querier, id string) (Result, bool, error) {
	var r Result
	err := q.QueryRowContext(ctx, `SELECT id, type, employee_no, COALESCE(person_id, ''), outcome FROM hr_events WHERE id = $1`, id).
		Scan(&r.ID, &r.Type, &r.EmployeeNo, &r.PersonID, &r.Outcome)
	if errors.Is(err, sql.ErrNoRows) {
		return Result{}, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("look up HR event: %w", err)
	}
	r.Duplicate = true
	return r, true, nil
}
