package roster

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// RotationPerson is a person of a rotation, in order.
type RotationPerson struct {
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
}

// Override gives [starts_at, ends_at) of a rotation to a person (a swap is two overrides).
type Override struct {
	ID       string    `json:"id"`
	PersonID string    `json:"person_id"`
	Name     string    `json:"name"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Note     string    `json:"note"`
}

// Rotation is an on-call rotation (轮值/值班) of a roster.
type Rotation struct {
	ID         string           `json:"id"`
	RosterID   string           `json:"roster_id"`
	Name       string           `json:"name"`
	Period     string           `json:"period"`
	PeriodDays int              `json:"period_days"`
	Handoff    string           `json:"handoff"`
	TimeZone   string           `json:"time_zone"`
	StartDate  string           `json:"start_date"`
	People     []RotationPerson `json:"people"`
	Overrides  []Override       `json:"overrides"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
}

// RotationInput creates a rotation or, as a PATCH, changes one (nil fields stay).
// period is daily, weekly or custom (with period_days).
type RotationInput struct {
	Name       *string   `json:"name,omitempty"`
	Period     *string   `json:"period,omitempty"`
	PeriodDays *int      `json:"period_days,omitempty"`
	Handoff    *string   `json:"handoff,omitempty"`
	TimeZone   *string   `json:"time_zone,omitempty"`
	StartDate  *string   `json:"start_date,omitempty"`
	PersonIDs  *[]string `json:"person_ids,omitempty"`
}

// OverrideInput adds an override.
type OverrideInput struct {
	PersonID string `json:"person_id"`
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`
	Note     string `json:"note,omitempty"`
}

// OnDuty is who is on duty in one rotation at a time.
type OnDuty struct {
	RotationID   string     `json:"rotation_id"`
	RotationName string     `json:"rotation_name"`
	PersonID     string     `json:"person_id,omitempty"`
	Name         string     `json:"name,omitempty"`
	Mobile       string     `json:"mobile,omitempty"`
	ShiftStart   *time.Time `json:"shift_start,omitempty"`
	ShiftEnd     *time.Time `json:"shift_end,omitempty"`
	Override     bool       `json:"override"`
}

// OnDutyReport is who is on duty in each rotation of a roster at a time.
type OnDutyReport struct {
	RosterID string    `json:"roster_id"`
	At       time.Time `json:"at"`
	Items    []OnDuty  `json:"items"`
}

// rotationRow is a rotation as stored.
type rotationRow struct {
	ID, RosterID, Name, Period, Handoff, TimeZone, StartDate string
	PeriodDays                                               int
	PersonIDs                                                []string
	CreatedAt, UpdatedAt                                     time.Time
	Overrides                                                []ScheduleOverride
	Notes                                                    map[string]string
	Gone                                                     map[string]time.Time
}

func rotationNotFound() error { return errs.E(errs.NotFound, "rotation not found") }

func (r rotationRow) schedule() Schedule {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	start, _ := time.Parse(time.DateOnly, r.StartDate)
	h, _ := parseHandoff(r.Handoff)
	return Schedule{Loc: loc, StartDate: start, Handoff: h, PeriodDays: r.PeriodDays, People: r.PersonIDs, Overrides: r.Overrides, Gone: r.Gone}
}

// loadRotations reads the rotations of a roster (or one, when rid is given) with overrides.
func loadRotations(ctx context.Context, q store.Querier, rosterID, rid string) ([]rotationRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, roster_id, name, period, period_days, handoff, time_zone, start_date, person_ids, created_at, updated_at
		FROM rotations WHERE roster_id = $1 AND ($2 = '' OR id = $2) ORDER BY created_at, id`, rosterID, rid)
	if err != nil {
		return nil, fmt.Errorf("load rotations: %w", err)
	}
	var out []rotationRow
	for rows.Next() {
		var r rotationRow
		var pids string
		if err := rows.Scan(&r.ID, &r.RosterID, &r.Name, &r.Period, &r.PeriodDays, &r.Handoff, &r.TimeZone, &r.StartDate, &pids, &r.CreatedAt, &r.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		if err := json.Unmarshal([]byte(pids), &r.PersonIDs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read rotation people: %w", err)
		}
		r.CreatedAt, r.UpdatedAt, r.Notes = r.CreatedAt.UTC(), r.UpdatedAt.UTC(), map[string]string{}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	gone, err := goneFromRoster(ctx, q, rosterID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Gone = gone
		orows, err := q.QueryContext(ctx, `SELECT id, person_id, starts_at, ends_at, note FROM rotation_overrides WHERE rotation_id = $1 ORDER BY created_at, id`, out[i].ID)
		if err != nil {
			return nil, fmt.Errorf("load overrides: %w", err)
		}
		for orows.Next() {
			var o ScheduleOverride
			var note string
			if err := orows.Scan(&o.ID, &o.PersonID, &o.Start, &o.End, &note); err != nil {
				orows.Close()
				return nil, err
			}
			o.Start, o.End = o.Start.UTC(), o.End.UTC()
			out[i].Overrides = append(out[i].Overrides, o)
			out[i].Notes[o.ID] = note
		}
		orows.Close()
		if err := orows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func renderRotations(ctx context.Context, q store.Querier, rs []rotationRow) ([]Rotation, error) {
	var pids []string
	for _, r := range rs {
		pids = append(pids, r.PersonIDs...)
		for _, o := range r.Overrides {
			pids = append(pids, o.PersonID)
		}
	}
	people, err := directory.PersonSummariesByID(ctx, q, pids)
	if err != nil {
		return nil, err
	}
	out := []Rotation{}
	for _, r := range rs {
		ro := Rotation{ID: r.ID, RosterID: r.RosterID, Name: r.Name, Period: r.Period, PeriodDays: r.PeriodDays, Handoff: r.Handoff,
			TimeZone: r.TimeZone, StartDate: r.StartDate, People: []RotationPerson{}, Overrides: []Override{}, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		for _, pid := range r.PersonIDs {
			ro.People = append(ro.People, RotationPerson{PersonID: pid, Name: people[pid].Name})
		}
		for _, o := range r.Overrides {
			ro.Overrides = append(ro.Overrides, Override{ID: o.ID, PersonID: o.PersonID, Name: people[o.PersonID].Name, StartsAt: o.Start, EndsAt: o.End, Note: r.Notes[o.ID]})
		}
		out = append(out, ro)
	}
	return out, nil
}

// readable checks that the roster exists and the principal may read it.
func readable(ctx context.Context, q store.Querier, p *access.Principal, id string) (snapshot, error) {
	if !p.Can(access.RosterRead) {
		return snapshot{}, notFound()
	}
	s, err := load(ctx, q, id)
	if err == nil && s.Deleted {
		err = notFound()
	}
	return s, err
}

// Rotations lists a roster's rotations.
func (s *Service) Rotations(ctx context.Context, p *access.Principal, rosterID string) ([]Rotation, error) {
	var out []Rotation
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if _, err := readable(ctx, tx, p, rosterID); err != nil {
			return err
		}
		rs, err := loadRotations(ctx, tx, rosterID, "")
		if err != nil {
			return err
		}
		out, err = renderRotations(ctx, tx, rs)
		return err
	})
	return out, err
}

func (s *Service) rotation(ctx context.Context, p *access.Principal, rosterID, rid string) (Rotation, error) {
	var out Rotation
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if _, err := readable(ctx, tx, p, rosterID); err != nil {
			return err
		}
		rs, err := loadRotations(ctx, tx, rosterID, rid)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return rotationNotFound()
		}
		ro, err := renderRotations(ctx, tx, rs)
		if err != nil {
			return err
		}
		out = ro[0]
		return nil
	})
	return out, err
}

// personMembers returns the people who are active members of the roster.
func personMembers(s snapshot) []string {
	var out []string
	for _, m := range s.Members {
		if m.PersonID != "" {
			out = append(out, m.PersonID)
		}
	}
	return out
}

// applyRotation validates the input over r (a new or stored rotation).
func applyRotation(r *rotationRow, in RotationInput, members []string, v *errs.Validation) {
	if in.Name != nil {
		r.Name = strings.TrimSpace(*in.Name)
	}
	if in.Period != nil {
		r.Period = strings.TrimSpace(*in.Period)
	}
	if in.Handoff != nil {
		r.Handoff = strings.TrimSpace(*in.Handoff)
	}
	if in.TimeZone != nil {
		r.TimeZone = strings.TrimSpace(*in.TimeZone)
	}
	if r.TimeZone == "" {
		r.TimeZone = DefaultTimeZone
	}
	if in.StartDate != nil {
		r.StartDate = strings.TrimSpace(*in.StartDate)
	}
	if in.PersonIDs != nil {
		r.PersonIDs = nil
		for _, id := range *in.PersonIDs {
			r.PersonIDs = append(r.PersonIDs, strings.TrimSpace(id))
		}
	}
	v.Check(r.Name != "" && len([]rune(r.Name)) <= 200, "name", "required, at most 200 characters")
	switch r.Period {
	case "daily":
		r.PeriodDays = 1
	case "weekly":
		r.PeriodDays = 7
	case "custom":
		if in.PeriodDays != nil {
			r.PeriodDays = *in.PeriodDays
		}
		v.Check(r.PeriodDays >= 1 && r.PeriodDays <= 366, "period_days", "a number of days from 1 to 366")
	default:
		v.Add("period", "daily, weekly or custom")
	}
	if _, err := parseHandoff(r.Handoff); err != nil {
		v.Add("handoff", "a time of day HH:MM")
	}
	if _, err := time.LoadLocation(r.TimeZone); err != nil || r.TimeZone == "Local" {
		v.Add("time_zone", "an IANA time zone such as Asia/Shanghai")
	}
	if _, err := time.Parse(time.DateOnly, r.StartDate); err != nil {
		v.Add("start_date", "a date YYYY-MM-DD")
	}
	switch {
	case len(r.PersonIDs) == 0:
		v.Add("person_ids", "at least one person")
	case len(r.PersonIDs) > 100:
		v.Add("person_ids", "at most 100 people")
	default:
		for _, id := range r.PersonIDs {
			if !slices.Contains(members, id) {
				v.Add("person_ids", "not a member of the roster: "+id)
				break
			}
		}
	}
}

// CreateRotation adds a rotation to a roster.
func (s *Service) CreateRotation(ctx context.Context, p *access.Principal, rosterID string, in RotationInput) (Rotation, error) {
	now := s.clock.Now()
	r := rotationRow{ID: store.NewID(), RosterID: rosterID}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		snap, err := editable(ctx, tx, p, rosterID)
		if err != nil {
			return err
		}
		var v errs.Validation
		applyRotation(&r, in, personMembers(snap), &v)
		if err := v.Err(); err != nil {
			return err
		}
		pids, _ := json.Marshal(r.PersonIDs)
		if _, err := tx.ExecContext(ctx, `INSERT INTO rotations (id, roster_id, name, period_days, period, handoff, time_zone, start_date, person_ids, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`, r.ID, rosterID, r.Name, r.PeriodDays, r.Period, r.Handoff, r.TimeZone, r.StartDate, string(pids), store.TS(now)); err != nil {
			return fmt.Errorf("insert rotation: %w", err)
		}
		if err := touch(ctx, tx, rosterID, now); err != nil {
			return err
		}
		return record(ctx, tx, p, rosterID, "rotation.create", rotationDetail(r), now)
	})
	if err != nil {
		return Rotation{}, err
	}
	return s.rotation(ctx, p, rosterID, r.ID)
}

func rotationDetail(r rotationRow) string {
	return fmt.Sprintf("%s: %s/%d days, hand-off %s %s from %s, people %s", r.Name, r.Period, r.PeriodDays, r.Handoff, r.TimeZone, r.StartDate, strings.Join(r.PersonIDs, ","))
}

// UpdateRotation changes a rotation.
func (s *Service) UpdateRotation(ctx context.Context, p *access.Principal, rosterID, rid string, in RotationInput) (Rotation, error) {
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		snap, err := editable(ctx, tx, p, rosterID)
		if err != nil {
			return err
		}
		rs, err := loadRotations(ctx, tx, rosterID, rid)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return rotationNotFound()
		}
		r := rs[0]
		var v errs.Validation
		applyRotation(&r, in, personMembers(snap), &v)
		if err := v.Err(); err != nil {
			return err
		}
		pids, _ := json.Marshal(r.PersonIDs)
		if _, err := tx.ExecContext(ctx, `UPDATE rotations SET name = $1, period_days = $2, period = $3, handoff = $4, time_zone = $5, start_date = $6, person_ids = $7, updated_at = $8 WHERE id = $9`,
			r.Name, r.PeriodDays, r.Period, r.Handoff, r.TimeZone, r.StartDate, string(pids), store.TS(now), rid); err != nil {
			return fmt.Errorf("update rotation: %w", err)
		}
		if err := touch(ctx, tx, rosterID, now); err != nil {
			return err
		}
		return record(ctx, tx, p, rosterID, "rotation.update", rotationDetail(r), now)
	})
	if err != nil {
		return Rotation{}, err
	}
	return s.rotation(ctx, p, rosterID, rid)
}

// DeleteRotation removes a rotation and its overrides.
func (s *Service) DeleteRotation(ctx context.Context, p *access.Principal, rosterID, rid string) error {
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, p, rosterID); err != nil {
			return err
		}
		rs, err := loadRotations(ctx, tx, rosterID, rid)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return rotationNotFound()
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM rotations WHERE id = $1`, rid); err != nil {
			return fmt.Errorf("delete rotation: %w", err)
		}
		if err := touch(ctx, tx, rosterID, now); err != nil {
			return err
		}
		return record(ctx, tx, p, rosterID, "rotation.delete", rs[0].Name, now)
	})
}

// AddOverride gives [starts_at, ends_at) of a rotation to a member of the roster.
func (s *Service) AddOverride(ctx context.Context, p *access.Principal, rosterID, rid string, in OverrideInput) (Override, error) {
	now := s.clock.Now()
	id := store.NewID()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		snap, err := editable(ctx, tx, p, rosterID)
		if err != nil {
			return err
		}
		rs, err := loadRotations(ctx, tx, rosterID, rid)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return rotationNotFound()
		}
		var v errs.Validation
		pid := strings.TrimSpace(in.PersonID)
		v.Check(slices.Contains(personMembers(snap), pid), "person_id", "a member of the roster")
		from, ferr := time.Parse(time.RFC3339Nano, in.StartsAt)
		to, terr := time.Parse(time.RFC3339Nano, in.EndsAt)
		v.Check(ferr == nil, "starts_at", "an RFC 3339 time")
		v.Check(terr == nil, "ends_at", "an RFC 3339 time")
		if ferr == nil && terr == nil {
			v.Check(to.After(from), "ends_at", "after starts_at")
			v.Check(to.Sub(from) <= 366*24*time.Hour, "ends_at", "at most a year after starts_at")
		}
		v.Check(len([]rune(in.Note)) <= 500, "note", "at most 500 characters")
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO rotation_overrides (id, rotation_id, person_id, starts_at, ends_at, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			id, rid, pid, store.TS(from), store.TS(to), strings.TrimSpace(in.Note), store.TS(now)); err != nil {
			return fmt.Errorf("insert override: %w", err)
		}
		if err := touch(ctx, tx, rosterID, now); err != nil {
			return err
		}
		return record(ctx, tx, p, rosterID, "rotation.override.add",
			fmt.Sprintf("%s: %s from %s to %s", rs[0].Name, pid, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)), now)
	})
	if err != nil {
		return Override{}, err
	}
	ro, err := s.rotation(ctx, p, rosterID, rid)
	if err != nil {
		return Override{}, err
	}
	for _, o := range ro.Overrides {
		if o.ID == id {
			return o, nil
		}
	}
	return Override{}, rotationNotFound()
}

// DeleteOverride removes an override.
func (s *Service) DeleteOverride(ctx context.Context, p *access.Principal, rosterID, rid, oid string) error {
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, p, rosterID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM rotation_overrides WHERE id = $1 AND rotation_id IN (SELECT id FROM rotations WHERE id = $2 AND roster_id = $3)`, oid, rid, rosterID)
		if err != nil {
			return fmt.Errorf("delete override: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "override not found")
		}
		if err := touch(ctx, tx, rosterID, now); err != nil {
			return err
		}
		return record(ctx, tx, p, rosterID, "rotation.override.delete", oid, now)
	})
}

// OnDutyAt tells who is on duty at t in each rotation of a roster, with masked mobiles.
func (s *Service) OnDutyAt(ctx context.Context, p *access.Principal, rosterID string, t time.Time) (OnDutyReport, error) {
	rep := OnDutyReport{RosterID: rosterID, At: t.UTC(), Items: []OnDuty{}}
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if _, err := readable(ctx, tx, p, rosterID); err != nil {
			return err
		}
		rs, err := loadRotations(ctx, tx, rosterID, "")
		if err != nil {
			return err
		}
		var pids []string
		for _, r := range rs {
			pids = append(pids, r.PersonIDs...)
			for _, o := range r.Overrides {
				pids = append(pids, o.PersonID)
			}
		}
		people, err := directory.PersonSummariesByID(ctx, tx, pids)
		if err != nil {
			return err
		}
		for _, r := range rs {
			d := OnDuty{RotationID: r.ID, RotationName: r.Name}
			if sh, ok := r.schedule().At(t); ok {
				ps := people[sh.PersonID]
				st, en := sh.Start.UTC(), sh.End.UTC()
				d.PersonID, d.Name, d.Mobile, d.ShiftStart, d.ShiftEnd, d.Override = sh.PersonID, ps.Name, ps.Mobile, &st, &en, sh.Override
			}
			rep.Items = append(rep.Items, d)
		}
		return nil
	})
	return rep, err
}
