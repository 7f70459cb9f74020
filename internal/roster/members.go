package roster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// parseTime reads a validity bound: RFC 3339, or a date (midnight in Asia/Shanghai).
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, shanghai); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// memberFields is a membership being written.
type memberFields struct {
	duty, notes        string
	position           int
	backups            []string
	validFrom, validTo *time.Time
}

// applyMember applies an input to a membership's fields and validates them.
func applyMember(ctx context.Context, q store.Querier, in MemberInput, f *memberFields, self string, v *errs.Validation) error {
	if in.Duty != nil {
		f.duty = strings.TrimSpace(*in.Duty)
	}
	v.Check(f.duty != "" && len([]rune(f.duty)) <= 500, "duty", "required, at most 500 characters")
	if in.Notes != nil {
		f.notes = strings.TrimSpace(*in.Notes)
	}
	v.Check(len([]rune(f.notes)) <= 2000, "notes", "at most 2000 characters")
	if in.Position != nil {
		f.position = *in.Position
		v.Check(f.position >= 1 && f.position <= 10000, "position", "1 to 10000")
	}
	bound := func(s *string, field string, dst **time.Time) {
		if s == nil {
			return
		}
		if strings.TrimSpace(*s) == "" {
			*dst = nil
			return
		}
		t, ok := parseTime(*s)
		v.Check(ok, field, "an RFC 3339 time or a date (YYYY-MM-DD)")
		if ok {
			*dst = &t
		}
	}
	bound(in.ValidFrom, "valid_from", &f.validFrom)
	bound(in.ValidTo, "valid_to", &f.validTo)
	if f.validFrom != nil && f.validTo != nil {
		v.Check(f.validTo.After(*f.validFrom), "valid_to", "must be after valid_from")
	}
	field := "backup_person_ids"
	switch {
	case in.BackupPersonIDs != nil:
		f.backups = nil
		for _, id := range *in.BackupPersonIDs {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(f.backups, id) {
				f.backups = append(f.backups, id)
			}
		}
	case in.BackupPersonID != "":
		f.backups, field = []string{strings.TrimSpace(in.BackupPersonID)}, "backup_person_id"
	default:
		return nil
	}
	v.Check(len(f.backups) <= 10, field, "at most 10 backups")
	for _, id := range f.backups {
		if id == self {
			v.Add(field, "a member cannot be their own backup")
			return nil
		}
		ok, err := activePerson(ctx, q, id)
		if err != nil {
			return err
		}
		if !ok {
			v.Add(field, "no active person "+id)
			return nil
		}
	}
	return nil
}

func writeBackups(ctx context.Context, tx store.Querier, memberID string, backups []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM member_backups WHERE member_id = $1`, memberID); err != nil {
		return fmt.Errorf("clear backups: %w", err)
	}
	for i, b := range backups {
		if _, err := tx.ExecContext(ctx, `INSERT INTO member_backups (member_id, backup_person_id, position) VALUES ($1, $2, $3)`, memberID, b, i+1); err != nil {
			return fmt.Errorf("insert backup: %w", err)
		}
	}
	return nil
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return store.TS(*t)
}

// AddMember adds a person (person_id) or an external contact (contact_id) with a duty.
func (s *Service) AddMember(ctx context.Context, p *access.Principal, rosterID string, in MemberInput) (Member, error) {
	id := store.NewID()
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, p, rosterID); err != nil {
			return err
		}
		in.PersonID, in.ContactID = strings.TrimSpace(in.PersonID), strings.TrimSpace(in.ContactID)
		var v errs.Validation
		switch {
		case (in.PersonID == "") == (in.ContactID == ""):
			v.Add("person_id", "exactly one of person_id and contact_id")
		case in.PersonID != "":
			ok, err := activePerson(ctx, tx, in.PersonID)
			if err != nil {
				return err
			}
			v.Check(ok, "person_id", "no active person with this id")
		default:
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_contacts WHERE id = $1`, in.ContactID).Scan(&n); err != nil {
				return fmt.Errorf("load contact: %w", err)
			}
			v.Check(n == 1, "contact_id", "no external contact with this id")
		}
		var f memberFields
		if err := applyMember(ctx, tx, in, &f, in.PersonID, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		if in.Position == nil {
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM roster_members WHERE roster_id = $1 AND active`, rosterID).Scan(&f.position); err != nil {
				return fmt.Errorf("next position: %w", err)
			}
		}
		if err := touch(ctx, tx, rosterID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO roster_members (id, roster_id, person_id, contact_id, duty, position, valid_from, valid_to, notes, active, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, id, rosterID, nullIf(in.PersonID), nullIf(in.ContactID), f.duty, f.position,
			nullTime(f.validFrom), nullTime(f.validTo), f.notes, true, store.TS(now)); err != nil {
			return fmt.Errorf("insert member: %w", err)
		}
		if err := writeBackups(ctx, tx, id, f.backups); err != nil {
			return err
		}
		return record(ctx, tx, p, rosterID, "member.add", "member "+id, now)
	})
	if err != nil {
		return Member{}, err
	}
	return s.member(ctx, rosterID, id)
}

// member returns one member of a roster as it is now (whether or not in force now).
func (s *Service) member(ctx context.Context, rosterID, id string) (Member, error) {
	var out Member
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		snap, err := load(ctx, tx, rosterID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(snap.Members, func(m snapMember) bool { return m.ID == id })
		if i < 0 {
			return errs.E(errs.NotFound, "member not found")
		}
		m := snap.Members[i]
		shown := m
		shown.ValidFrom, shown.ValidTo = nil, nil // render it whatever its validity
		snap.Members = []snapMember{shown}
		r, err := render(ctx, tx, rosterID, snap, 0, s.clock.Now())
		if err != nil {
			return err
		}
		out = r.Members[0]
		out.ValidFrom, out.ValidTo = m.ValidFrom, m.ValidTo
		return nil
	})
	return out, err
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// activeMember loads an active membership of the roster.
func activeMember(ctx context.Context, q store.Querier, rosterID, id string) (memberFields, string, error) {
	var f memberFields
	var pid string
	var from, to sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT COALESCE(person_id, ''), duty, notes, position, valid_from, valid_to FROM roster_members
		WHERE id = $1 AND roster_id = $2 AND active`, id, rosterID).Scan(&pid, &f.duty, &f.notes, &f.position, &from, &to)
	if errors.Is(err, sql.ErrNoRows) {
		return f, "", errs.E(errs.NotFound, "member not found")
	}
	if err != nil {
		return f, "", fmt.Errorf("load member: %w", err)
	}
	f.validFrom, f.validTo = timePtr(from), timePtr(to)
	rows, err := q.QueryContext(ctx, `SELECT backup_person_id FROM member_backups WHERE member_id = $1 ORDER BY position`, id)
	if err != nil {
		return f, "", fmt.Errorf("load backups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return f, "", err
		}
		f.backups = append(f.backups, b)
	}
	return f, pid, rows.Err()
}

// UpdateMember changes a member's duty, order, backups, validity or notes.
func (s *Service) UpdateMember(ctx context.Context, p *access.Principal, rosterID, id string, in MemberInput) (Member, error) {
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, p, rosterID); err != nil {
			return err
		}
		f, pid, err := activeMember(ctx, tx, rosterID, id)
		if err != nil {
			return err
		}
		var v errs.Validation
		v.Check(in.PersonID == "" && in.ContactID == "", "person_id", "a member's person or contact cannot change: remove and add")
		if err := applyMember(ctx, tx, in, &f, pid, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := touch(ctx, tx, rosterID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE roster_members SET duty = $1, notes = $2, position = $3, valid_from = $4, valid_to = $5 WHERE id = $6`,
			f.duty, f.notes, f.position, nullTime(f.validFrom), nullTime(f.validTo), id); err != nil {
			return fmt.Errorf("update member: %w", err)
		}
		if err := writeBackups(ctx, tx, id, f.backups); err != nil {
			return err
		}
		return record(ctx, tx, p, rosterID, "member.update", "member "+id, now)
	})
	if err != nil {
		return Member{}, err
	}
	return s.member(ctx, rosterID, id)
}

// RemoveMember ends a membership (it stays in the roster's history).
func (s *Service) RemoveMember(ctx context.Context, p *access.Principal, rosterID, id string) error {
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, p, rosterID); err != nil {
			return err
		}
		if _, _, err := activeMember(ctx, tx, rosterID, id); err != nil {
			return err
		}
		if err := touch(ctx, tx, rosterID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE roster_members SET active = $1, ended_at = $2 WHERE id = $3`, false, store.TS(now), id); err != nil {
			return fmt.Errorf("end member: %w", err)
		}
		return record(ctx, tx, p, rosterID, "member.remove", "member "+id, now)
	})
}
