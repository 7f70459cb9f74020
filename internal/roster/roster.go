// Package roster keeps emergency rosters (应急名单 / 应急小组): at least two owners
// (primary and deputy maintainer), members — a person or an external contact — with a duty
// (应急职责), order, backups and a validity that expires by itself. After every change the
// whole roster is stored as a snapshot (ids, duties and validity only, no personal values)
// in the same transaction, so GET …?at=T shows the roster exactly as it was at T: the
// current roster and a past one are rendered by the same code from the same structure.
//
// Permissions: every role but employee reads rosters, organization-wide (emergency groups
// cross departments), with contact values masked as everywhere; admin and hr change every
// roster; dept_manager and roster_owner create rosters (naming themselves among the
// owners) and change the rosters they own.
package roster

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/clock"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Owner is a maintainer of a roster: primary (the first) or deputy.
type Owner struct {
	PersonID   string `json:"person_id"`
	Role       string `json:"role"`
	Name       string `json:"name"`
	EmployeeNo string `json:"employee_no"`
	Status     string `json:"status"`
	Mobile     string `json:"mobile"`
}

// Backup is a member's backup person.
type Backup struct {
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	Mobile   string `json:"mobile"`
}

// Member is a person or an external contact with a duty on the roster.
type Member struct {
	ID           string     `json:"id"`
	PersonID     string     `json:"person_id,omitempty"`
	ContactID    string     `json:"contact_id,omitempty"`
	Name         string     `json:"name"`
	EmployeeNo   string     `json:"employee_no,omitempty"`
	Department   string     `json:"department,omitempty"`
	Organization string     `json:"organization,omitempty"`
	Status       string     `json:"status,omitempty"`
	Mobile       string     `json:"mobile"`
	Duty         string     `json:"duty"`
	Position     int        `json:"position"`
	Backups      []Backup   `json:"backups"`
	ValidFrom    *time.Time `json:"valid_from"`
	ValidTo      *time.Time `json:"valid_to"`
	Notes        string     `json:"notes"`
}

// Roster is a roster as a reader sees it, now or at a past time (AsOf): its active
// members only (a membership outside its validity is not listed).
type Roster struct {
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	Kind            string     `json:"kind"`
	Description     string     `json:"description"`
	ReviewFrequency string     `json:"review_frequency"`
	Owners          []Owner    `json:"owners"`
	Members         []Member   `json:"members"`
	Revision        int        `json:"revision"`
	AsOf            *time.Time `json:"as_of,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// HistoryEntry is one recorded change of a roster.
type HistoryEntry struct {
	Revision int       `json:"revision"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Detail   string    `json:"detail"`
}

// Input creates a roster or, as a PATCH, changes one (nil fields stay).
type Input struct {
	Name            *string   `json:"name,omitempty"`
	Kind            *string   `json:"kind,omitempty"`
	Description     *string   `json:"description,omitempty"`
	ReviewFrequency *string   `json:"review_frequency,omitempty"`
	OwnerIDs        *[]string `json:"owner_ids,omitempty"`
	Template        string    `json:"template,omitempty"`
}

// MemberInput adds a member or, as a PATCH, changes one (nil fields stay; person_id and
// contact_id only when adding). backup_person_id sets one backup, backup_person_ids the list.
type MemberInput struct {
	PersonID        string    `json:"person_id,omitempty"`
	ContactID       string    `json:"contact_id,omitempty"`
	Duty            *string   `json:"duty,omitempty"`
	BackupPersonID  string    `json:"backup_person_id,omitempty"`
	BackupPersonIDs *[]string `json:"backup_person_ids,omitempty"`
	Position        *int      `json:"position,omitempty"`
	ValidFrom       *string   `json:"valid_from,omitempty"`
	ValidTo         *string   `json:"valid_to,omitempty"`
	Notes           *string   `json:"notes,omitempty"`
}

// snapshot is what roster_history stores: the roster after a change, no personal values.
type snapshot struct {
	Name            string       `json:"name"`
	Kind            string       `json:"kind"`
	Description     string       `json:"description"`
	ReviewFrequency string       `json:"review_frequency"`
	Deleted         bool         `json:"deleted,omitempty"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
	Owners          []snapOwner  `json:"owners"`
	Members         []snapMember `json:"members"`
}

type snapOwner struct {
	PersonID string `json:"person_id"`
	Role     string `json:"role"`
}

type snapMember struct {
	ID        string     `json:"id"`
	PersonID  string     `json:"person_id,omitempty"`
	ContactID string     `json:"contact_id,omitempty"`
	Duty      string     `json:"duty"`
	Position  int        `json:"position"`
	Backups   []string   `json:"backups"`
	ValidFrom *time.Time `json:"valid_from,omitempty"`
	ValidTo   *time.Time `json:"valid_to,omitempty"`
	Notes     string     `json:"notes,omitempty"`
}

// validAt reports whether the membership is in force at t.
func (m snapMember) validAt(t time.Time) bool {
	return (m.ValidFrom == nil || !m.ValidFrom.After(t)) && (m.ValidTo == nil || m.ValidTo.After(t))
}

// Service is the roster service.
type Service struct {
	db    *store.DB
	clock clock.Clock
}

// New returns a roster service.
func New(db *store.DB, c clock.Clock) *Service { return &Service{db: db, clock: c} }

func notFound() error { return errs.E(errs.NotFound, "roster not found") }

// load reads the current state of a roster from its tables (active memberships only).
func load(ctx context.Context, q store.Querier, id string) (snapshot, error) {
	var s snapshot
	var deleted sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT name, kind, description, review_frequency, created_at, updated_at, deleted_at FROM rosters WHERE id = $1`, id).
		Scan(&s.Name, &s.Kind, &s.Description, &s.ReviewFrequency, &s.CreatedAt, &s.UpdatedAt, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return s, notFound()
	}
	if err != nil {
		return s, fmt.Errorf("load roster: %w", err)
	}
	s.Deleted, s.CreatedAt, s.UpdatedAt = deleted.Valid, s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	s.Owners, s.Members = []snapOwner{}, []snapMember{}
	rows, err := q.QueryContext(ctx, `SELECT person_id, role FROM roster_owners WHERE roster_id = $1 ORDER BY position`, id)
	if err != nil {
		return s, fmt.Errorf("load roster owners: %w", err)
	}
	for rows.Next() {
		var o snapOwner
		if err := rows.Scan(&o.PersonID, &o.Role); err != nil {
			rows.Close()
			return s, err
		}
		s.Owners = append(s.Owners, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, COALESCE(person_id, ''), COALESCE(contact_id, ''), duty, position, valid_from, valid_to, notes
		FROM roster_members WHERE roster_id = $1 AND active ORDER BY position, id`, id)
	if err != nil {
		return s, fmt.Errorf("load roster members: %w", err)
	}
	byID := map[string]int{}
	for rows.Next() {
		var m snapMember
		var from, to sql.NullTime
		if err := rows.Scan(&m.ID, &m.PersonID, &m.ContactID, &m.Duty, &m.Position, &from, &to, &m.Notes); err != nil {
			rows.Close()
			return s, err
		}
		m.ValidFrom, m.ValidTo, m.Backups = timePtr(from), timePtr(to), []string{}
		byID[m.ID] = len(s.Members)
		s.Members = append(s.Members, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, err
	}
	rows, err = q.QueryContext(ctx, `SELECT b.member_id, b.backup_person_id FROM member_backups b JOIN roster_members m ON m.id = b.member_id
		WHERE m.roster_id = $1 AND m.active ORDER BY b.member_id, b.position`, id)
	if err != nil {
		return s, fmt.Errorf("load member backups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid, pid string
		if err := rows.Scan(&mid, &pid); err != nil {
			return s, err
		}
		if i, ok := byID[mid]; ok {
			s.Members[i].Backups = append(s.Members[i].Backups, pid)
		}
	}
	return s, rows.Err()
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// record stores the roster's state after a change, in the caller's transaction. The
// roster row was updated first in the same transaction, which serializes writers.
func record(ctx context.Context, tx store.Querier, p *access.Principal, id, action, detail string, now time.Time) error {
	s, err := load(ctx, tx, id)
	if err != nil {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO roster_history (roster_id, seq, at, actor_name, action, detail, snapshot)
		SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM roster_history WHERE roster_id = $1`,
		id, store.TS(now), p.Username, action, detail, string(b))
	if err != nil {
		return fmt.Errorf("record roster history: %w", err)
	}
	return nil
}

// touch marks a roster changed (and locks its row on PostgreSQL until the transaction ends).
func touch(ctx context.Context, tx store.Querier, id string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE rosters SET updated_at = $1 WHERE id = $2 AND deleted_at IS NULL`, store.TS(now), id)
	if err != nil {
		return fmt.Errorf("touch roster: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound()
	}
	return nil
}

// render turns a snapshot into what a reader sees at time t, with the people's current
// names and masked numbers.
func render(ctx context.Context, q store.Querier, id string, s snapshot, revision int, t time.Time) (Roster, error) {
	r := Roster{ID: id, Name: s.Name, Kind: s.Kind, Description: s.Description, ReviewFrequency: s.ReviewFrequency,
		Owners: []Owner{}, Members: []Member{}, Revision: revision, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	var pids, cids []string
	var members []snapMember
	for _, o := range s.Owners {
		pids = append(pids, o.PersonID)
	}
	for _, m := range s.Members {
		if !m.validAt(t) {
			continue
		}
		members = append(members, m)
		pids = append(pids, m.PersonID)
		pids = append(pids, m.Backups...)
		cids = append(cids, m.ContactID)
	}
	people, err := directory.PersonSummariesByID(ctx, q, pids)
	if err != nil {
		return r, err
	}
	contacts, err := directory.ContactSummariesByID(ctx, q, cids)
	if err != nil {
		return r, err
	}
	for _, o := range s.Owners {
		ps := people[o.PersonID]
		r.Owners = append(r.Owners, Owner{PersonID: o.PersonID, Role: o.Role, Name: ps.Name, EmployeeNo: ps.EmployeeNo, Status: ps.Status, Mobile: ps.Mobile})
	}
	for _, m := range members {
		out := Member{ID: m.ID, PersonID: m.PersonID, ContactID: m.ContactID, Duty: m.Duty, Position: m.Position, Backups: []Backup{},
			ValidFrom: m.ValidFrom, ValidTo: m.ValidTo, Notes: m.Notes}
		if m.PersonID != "" {
			ps := people[m.PersonID]
			out.Name, out.EmployeeNo, out.Department, out.Status, out.Mobile = ps.Name, ps.EmployeeNo, ps.Department, ps.Status, ps.Mobile
		} else {
			c := contacts[m.ContactID]
			out.Name, out.Organization, out.Mobile = c.Name, c.Organization, c.Mobile
		}
		for _, b := range m.Backups {
			ps := people[b]
			out.Backups = append(out.Backups, Backup{PersonID: b, Name: ps.Name, Status: ps.Status, Mobile: ps.Mobile})
		}
		r.Members = append(r.Members, out)
	}
	return r, nil
}

func revisionOf(ctx context.Context, q store.Querier, id string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM roster_history WHERE roster_id = $1`, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("load roster revision: %w", err)
	}
	return n, nil
}

func getTx(ctx context.Context, q store.Querier, p *access.Principal, id string, now time.Time) (Roster, snapshot, error) {
	if !p.Can(access.RosterRead) {
		return Roster{}, snapshot{}, notFound()
	}
	s, err := load(ctx, q, id)
	if err != nil {
		return Roster{}, s, err
	}
	if s.Deleted {
		return Roster{}, s, notFound()
	}
	rev, err := revisionOf(ctx, q, id)
	if err != nil {
		return Roster{}, s, err
	}
	r, err := render(ctx, q, id, s, rev, now)
	return r, s, err
}

// Get returns a roster as it is now.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (Roster, error) {
	var r Roster
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, _, err = getTx(ctx, tx, p, id, s.clock.Now())
		return err
	})
	return r, err
}

// GetAt returns a roster exactly as it was at t: its last recorded state at or before t,
// with the memberships in force at t.
func (s *Service) GetAt(ctx context.Context, p *access.Principal, id string, t time.Time) (Roster, error) {
	if !p.Can(access.RosterRead) {
		return Roster{}, notFound()
	}
	var r Roster
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var rev int
		var body string
		err := tx.QueryRowContext(ctx, `SELECT seq, snapshot FROM roster_history WHERE roster_id = $1 AND at <= $2 ORDER BY seq DESC LIMIT 1`,
			id, store.TS(t)).Scan(&rev, &body)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "the roster did not exist at that time")
		}
		if err != nil {
			return fmt.Errorf("load roster history: %w", err)
		}
		var snap snapshot
		if err := json.Unmarshal([]byte(body), &snap); err != nil {
			return fmt.Errorf("read roster snapshot: %w", err)
		}
		if snap.Deleted {
			return errs.E(errs.NotFound, "the roster was deleted at that time")
		}
		if r, err = render(ctx, tx, id, snap, rev, t); err != nil {
			return err
		}
		at := t.UTC()
		r.AsOf = &at
		return nil
	})
	return r, err
}

// History lists the changes of a roster, newest first.
func (s *Service) History(ctx context.Context, p *access.Principal, id string, limit int) ([]HistoryEntry, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	out := []HistoryEntry{}
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if _, _, err := getTx(ctx, tx, p, id, s.clock.Now()); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT seq, at, actor_name, action, detail FROM roster_history WHERE roster_id = $1 ORDER BY seq DESC LIMIT $2`, id, limit)
		if err != nil {
			return fmt.Errorf("list roster history: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var h HistoryEntry
			if err := rows.Scan(&h.Revision, &h.At, &h.Actor, &h.Action, &h.Detail); err != nil {
				return err
			}
			h.At = h.At.UTC()
			out = append(out, h)
		}
		return rows.Err()
	})
	return out, err
}

// mayEdit reports whether the principal may change a roster with these owners.
func mayEdit(p *access.Principal, owners []snapOwner) bool {
	if !p.Can(access.RosterWrite) {
		return false
	}
	if p.Role == access.Admin || p.Role == access.HR {
		return true
	}
	for _, o := range owners {
		if p.IsSelf(o.PersonID) {
			return true
		}
	}
	return false
}

// editable loads a roster the principal may change, inside the transaction.
func editable(ctx context.Context, tx store.Querier, p *access.Principal, id string) (snapshot, error) {
	if !p.Can(access.RosterRead) {
		return snapshot{}, notFound()
	}
	s, err := load(ctx, tx, id)
	if err == nil && s.Deleted {
		err = notFound()
	}
	if err != nil {
		return s, err
	}
	if !mayEdit(p, s.Owners) {
		return s, errs.E(errs.Forbidden, "only the roster's owners (and admin or hr) may change it")
	}
	return s, nil
}

// activePerson checks that a person exists and has not departed.
func activePerson(ctx context.Context, q store.Querier, id string) (bool, error) {
	var status string
	err := q.QueryRowContext(ctx, `SELECT status FROM people WHERE id = $1`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load person: %w", err)
	}
	return status != directory.StatusDeparted, nil
}

// checkOwners validates an owner list: at least two different active people.
func checkOwners(ctx context.Context, q store.Querier, p *access.Principal, ids []string, v *errs.Validation) ([]string, error) {
	var clean []string
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !slices.Contains(clean, id) {
			clean = append(clean, id)
		}
	}
	if len(clean) < 2 {
		v.Add("owner_ids", "at least two different owners (primary and deputy maintainer)")
		return clean, nil
	}
	if len(clean) > 20 {
		v.Add("owner_ids", "at most 20 owners")
		return clean, nil
	}
	for _, id := range clean {
		ok, err := activePerson(ctx, q, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			v.Add("owner_ids", "no active person "+id)
			return clean, nil
		}
	}
	if p.Role != access.Admin && p.Role != access.HR && !slices.ContainsFunc(clean, p.IsSelf) {
		v.Add("owner_ids", "must include yourself")
	}
	return clean, nil
}

func setOwners(ctx context.Context, tx store.Querier, id string, owners []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM roster_owners WHERE roster_id = $1`, id); err != nil {
		return fmt.Errorf("clear roster owners: %w", err)
	}
	for i, pid := range owners {
		role := "deputy"
		if i == 0 {
			role = "primary"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO roster_owners (roster_id, person_id, role, position) VALUES ($1, $2, $3, $4)`, id, pid, role, i+1); err != nil {
			return fmt.Errorf("insert roster owner: %w", err)
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

func validateFields(name, kind, description, freq string, v *errs.Validation) {
	v.Check(name != "" && len([]rune(name)) <= 200, "name", "required, at most 200 characters")
	v.Check(slices.Contains(Kinds(), kind), "kind", "one of "+strings.Join(Kinds(), ", "))
	v.Check(len([]rune(description)) <= 5000, "description", "at most 5000 characters")
	v.Check(freq == "" || slices.Contains(ReviewFrequencies(), freq), "review_frequency", "monthly, quarterly or semiannual")
}

// Create creates a roster; a template fills its kind, name (unless given) and description.
func (s *Service) Create(ctx context.Context, p *access.Principal, in Input) (Roster, error) {
	if !p.Can(access.RosterWrite) {
		return Roster{}, errs.E(errs.Forbidden, "you may not create rosters")
	}
	name, kind, description, freq := deref(in.Name), deref(in.Kind), deref(in.Description), deref(in.ReviewFrequency)
	var v errs.Validation
	if in.Template != "" {
		t, ok := templateByKey(in.Template)
		v.Check(ok, "template", "unknown template")
		if ok {
			if name == "" {
				name = t.Name
			}
			if kind == "" {
				kind = t.Kind
			}
			if description == "" {
				description = t.Description
			}
		}
	}
	validateFields(name, kind, description, freq, &v)
	var ownerIDs []string
	if in.OwnerIDs != nil {
		ownerIDs = *in.OwnerIDs
	}
	id := store.NewID()
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		owners, err := checkOwners(ctx, tx, p, ownerIDs, &v)
		if err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO rosters (id, name, kind, description, review_frequency, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
			id, name, kind, description, freq, store.TS(now)); err != nil {
			return fmt.Errorf("insert roster: %w", err)
		}
		if err := setOwners(ctx, tx, id, owners); err != nil {
			return err
		}
		return record(ctx, tx, p, id, "roster.create", "", now)
	})
	if err != nil {
		return Roster{}, err
	}
	return s.Get(ctx, p, id)
}

// Update changes a roster's name, kind, description, review frequency or owners.
func (s *Service) Update(ctx context.Context, p *access.Principal, id string, in Input) (Roster, error) {
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := editable(ctx, tx, p, id)
		if err != nil {
			return err
		}
		name, kind, description, freq := old.Name, old.Kind, old.Description, old.ReviewFrequency
		if in.Name != nil {
			name = deref(in.Name)
		}
		if in.Kind != nil {
			kind = deref(in.Kind)
		}
		if in.Description != nil {
			description = deref(in.Description)
		}
		if in.ReviewFrequency != nil {
			freq = deref(in.ReviewFrequency)
		}
		var v errs.Validation
		v.Check(in.Template == "", "template", "only when creating a roster")
		validateFields(name, kind, description, freq, &v)
		var owners []string
		if in.OwnerIDs != nil {
			if owners, err = checkOwners(ctx, tx, p, *in.OwnerIDs, &v); err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rosters SET name = $1, kind = $2, description = $3, review_frequency = $4, updated_at = $5 WHERE id = $6`,
			name, kind, description, freq, store.TS(now), id); err != nil {
			return fmt.Errorf("update roster: %w", err)
		}
		if in.OwnerIDs != nil {
			if err := setOwners(ctx, tx, id, owners); err != nil {
				return err
			}
		}
		return record(ctx, tx, p, id, "roster.update", "", now)
	})
	if err != nil {
		return Roster{}, err
	}
	return s.Get(ctx, p, id)
}

// Delete removes a roster (softly: its history stays readable with ?at).
func (s *Service) Delete(ctx context.Context, p *access.Principal, id string) error {
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, p, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rosters SET deleted_at = $1, updated_at = $1 WHERE id = $2`, store.TS(now), id); err != nil {
			return fmt.Errorf("delete roster: %w", err)
		}
		return record(ctx, tx, p, id, "roster.delete", "", now)
	})
}
