package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/roster"
	"lifeline/internal/store"
)

// DefaultGrant and MaxGrant bound how long a break-glass grant lasts.
const (
	DefaultGrant = 60 * time.Minute
	MaxGrant     = 12 * time.Hour
)

// Grant is a break-glass grant (紧急查询登记): who opened which departments' full
// numbers, during which incident, why, and until when.
type Grant struct {
	ID            string     `json:"id"`
	IncidentID    string     `json:"incident_id"`
	Incident      string     `json:"incident"`
	Username      string     `json:"username"`
	Reason        string     `json:"reason"`
	DepartmentIDs []string   `json:"department_ids"`
	RosterIDs     []string   `json:"roster_ids"`
	CreatedAt     time.Time  `json:"created_at"`
	ExpiresAt     time.Time  `json:"expires_at"`
	EndedAt       *time.Time `json:"ended_at"`
	Active        bool       `json:"active"`
	userID        string
}

// GrantInput opens a grant.
type GrantInput struct {
	DepartmentIDs []string `json:"department_ids,omitempty"`
	RosterIDs     []string `json:"roster_ids,omitempty"`
	Reason        string   `json:"reason"`
	Minutes       int      `json:"minutes,omitempty"`
}

const grantCols = `g.id, g.incident_id, i.title, g.user_id, g.username, g.reason, g.department_ids, g.roster_ids, g.created_at, g.expires_at, g.ended_at`

func scanGrant(row interface{ Scan(...any) error }, now time.Time) (Grant, error) {
	var g Grant
	var depts, rosters string
	var ended sql.NullTime
	if err := row.Scan(&g.ID, &g.IncidentID, &g.Incident, &g.userID, &g.Username, &g.Reason, &depts, &rosters, &g.CreatedAt, &g.ExpiresAt, &ended); err != nil {
		return g, err
	}
	if err := json.Unmarshal([]byte(depts), &g.DepartmentIDs); err != nil {
		return g, fmt.Errorf("decode grant departments: %w", err)
	}
	if err := json.Unmarshal([]byte(rosters), &g.RosterIDs); err != nil {
		return g, fmt.Errorf("decode grant rosters: %w", err)
	}
	g.CreatedAt, g.ExpiresAt = g.CreatedAt.UTC(), g.ExpiresAt.UTC()
	if ended.Valid {
		t := ended.Time.UTC()
		g.EndedAt = &t
	}
	g.Active = g.EndedAt == nil && now.Before(g.ExpiresAt)
	return g, nil
}

// OpenGrant opens the full numbers of departments (each with its subtree) to a responder
// during an active incident, for a limited time. It is registered, audited and listed
// for the security officer.
func (s *Service) OpenGrant(ctx context.Context, p *access.Principal, incidentID string, in GrantInput) (Grant, error) {
	var g Grant
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		inc, err := get(ctx, tx, p, incidentID)
		if err != nil {
			return err
		}
		if !p.Can(access.BreakGlass) {
			return errs.E(errs.Forbidden, "only a responder may use break-glass")
		}
		if inc.Status != "active" {
			return errs.E(errs.Conflict, "break-glass is available only while the incident is active")
		}
		in.Reason = strings.TrimSpace(in.Reason)
		var v errs.Validation
		v.Check(in.Reason != "" && len([]rune(in.Reason)) <= 500, "reason", "required, at most 500 characters")
		v.Check(len(in.DepartmentIDs)+len(in.RosterIDs) > 0, "department_ids", "name departments or rosters")
		v.Check(len(in.DepartmentIDs) <= 50 && len(in.RosterIDs) <= 50, "department_ids", "at most 50 departments and 50 rosters")
		d := DefaultGrant
		if in.Minutes != 0 {
			d = time.Duration(in.Minutes) * time.Minute
			v.Check(d > 0 && d <= MaxGrant, "minutes", "from 1 to 720")
		}
		seen := map[string]bool{}
		for i, id := range in.DepartmentIDs {
			if seen[id] {
				v.Add(fmt.Sprintf("department_ids[%d]", i), "listed twice")
				continue
			}
			seen[id] = true
			if _, err := s.dir.GetDepartment(ctx, p, id); err != nil {
				v.Add(fmt.Sprintf("department_ids[%d]", i), "no such department")
			}
		}
		seenRoster := map[string]bool{}
		for i, id := range in.RosterIDs {
			if seenRoster[id] {
				v.Add(fmt.Sprintf("roster_ids[%d]", i), "listed twice")
				continue
			}
			seenRoster[id] = true
			if _, err := s.rosters.Get(ctx, p, id); err != nil {
				v.Add(fmt.Sprintf("roster_ids[%d]", i), "no such roster")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.clock.Now()
		if in.DepartmentIDs == nil {
			in.DepartmentIDs = []string{}
		}
		if in.RosterIDs == nil {
			in.RosterIDs = []string{}
		}
		depts, _ := json.Marshal(in.DepartmentIDs)
		rosters, _ := json.Marshal(in.RosterIDs)
		g = Grant{ID: store.NewID(), IncidentID: inc.ID, Incident: inc.Title, Username: p.Username, Reason: in.Reason, DepartmentIDs: in.DepartmentIDs,
			RosterIDs: in.RosterIDs, CreatedAt: now, ExpiresAt: now.Add(d), Active: true, userID: p.UserID}
		_, err = tx.ExecContext(ctx, `INSERT INTO break_glass (id, incident_id, user_id, username, reason, department_ids, roster_ids, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, g.ID, g.IncidentID, p.UserID, p.Username, g.Reason, string(depts), string(rosters), store.TS(now), store.TS(g.ExpiresAt))
		if err != nil {
			return fmt.Errorf("insert grant: %w", err)
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "breakglass.open", ObjectType: "incident", ObjectID: inc.ID, Reason: in.Reason,
			Detail: fmt.Sprintf("grant=%s departments=%d rosters=%d minutes=%d drill=%v", g.ID, len(in.DepartmentIDs), len(in.RosterIDs), int(d.Minutes()), inc.Drill)})
	})
	return g, err
}

func (s *Service) grant(ctx context.Context, q store.Querier, p *access.Principal, id string) (Grant, error) {
	g, err := scanGrant(q.QueryRowContext(ctx, `SELECT `+grantCols+` FROM break_glass g JOIN incidents i ON i.id = g.incident_id WHERE g.id = $1`, id), s.clock.Now())
	if errors.Is(err, sql.ErrNoRows) || (err == nil && g.userID != p.UserID && !p.Can(access.AuditRead)) {
		return g, errs.E(errs.NotFound, "break-glass grant not found")
	}
	if err != nil {
		return g, fmt.Errorf("load grant: %w", err)
	}
	return g, nil
}

// Grants lists break-glass grants: the security officer sees everyone's, others their own.
func (s *Service) Grants(ctx context.Context, p *access.Principal, activeOnly bool) ([]Grant, error) {
	now := s.clock.Now()
	cond, args := "g.user_id = $1", []any{p.UserID}
	if p.Can(access.AuditRead) {
		cond, args = "1 = 1", nil
	}
	if activeOnly {
		args = append(args, store.TS(now))
		cond += fmt.Sprintf(" AND g.ended_at IS NULL AND g.expires_at > $%d", len(args))
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+grantCols+` FROM break_glass g JOIN incidents i ON i.id = g.incident_id WHERE `+cond+
		` ORDER BY g.created_at DESC LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	defer rows.Close()
	out := []Grant{}
	for rows.Next() {
		g, err := scanGrant(rows, now)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// EndGrant ends a grant early (its holder or the security officer).
func (s *Service) EndGrant(ctx context.Context, p *access.Principal, id string) (Grant, error) {
	var g Grant
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if g, err = s.grant(ctx, tx, p, id); err != nil {
			return err
		}
		if !g.Active {
			return errs.E(errs.Conflict, "the grant has already ended")
		}
		now := s.clock.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE break_glass SET ended_at = $1 WHERE id = $2`, store.TS(now), id); err != nil {
			return fmt.Errorf("end grant: %w", err)
		}
		g.Active, g.EndedAt = false, &now
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "breakglass.end", ObjectType: "incident", ObjectID: g.IncidentID, Detail: "grant=" + id})
	})
	return g, err
}

// ContactSheet returns the full contacts opened by an active grant of the principal's,
// and records the access.
func (s *Service) ContactSheet(ctx context.Context, p *access.Principal, id string) (Grant, []directory.Person, error) {
	g, err := s.grant(ctx, s.db.Read, p, id)
	if err != nil {
		return g, nil, err
	}
	if g.userID != p.UserID {
		return g, nil, errs.E(errs.Forbidden, "only the grant's holder opens its contact sheet")
	}
	if !g.Active {
		return g, nil, errs.E(errs.Forbidden, "the break-glass grant has expired or ended")
	}
	people, err := s.dir.RevealDepartments(ctx, p, g.DepartmentIDs)
	if err != nil {
		return g, nil, err
	}
	if len(g.RosterIDs) > 0 {
		ids, err := roster.PeopleOf(ctx, s.db.Read, g.RosterIDs, store.TS(s.clock.Now()))
		if err != nil {
			return g, nil, err
		}
		have := map[string]bool{}
		for _, pe := range people {
			have[pe.ID] = true
		}
		var more []string
		for _, id := range ids {
			if !have[id] {
				more = append(more, id)
			}
		}
		extra, err := s.dir.RevealPeople(ctx, p, more)
		if err != nil {
			return g, nil, err
		}
		people = append(people, extra...)
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, p, s.clock.Now(), audit.Event{Action: "breakglass.view", ObjectType: "incident", ObjectID: g.IncidentID,
			Reason: g.Reason, Detail: fmt.Sprintf("grant=%s people=%d", g.ID, len(people))})
	})
	return g, people, err
}

// GrantsCovering lists, as access-log entries, the break-glass grants that opened a
// person's data to someone — through their department or a roster they belong to: the
// person concerned sees them next to the reveals of their data.
func (s *Service) GrantsCovering(ctx context.Context, personID, deptPath string) ([]audit.Entry, error) {
	inRosters, err := roster.RostersOf(ctx, s.db.Read, personID)
	if err != nil {
		return nil, err
	}
	paths := map[string]string{}
	drows, err := s.db.Read.QueryContext(ctx, `SELECT id, path FROM departments`)
	if err != nil {
		return nil, fmt.Errorf("department paths: %w", err)
	}
	for drows.Next() {
		var id, path string
		if err := drows.Scan(&id, &path); err != nil {
			drows.Close()
			return nil, err
		}
		paths[id] = path
	}
	drows.Close()
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+grantCols+` FROM break_glass g JOIN incidents i ON i.id = g.incident_id ORDER BY g.created_at DESC LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("grants covering: %w", err)
	}
	defer rows.Close()
	out := []audit.Entry{}
	now := s.clock.Now()
	for rows.Next() {
		g, err := scanGrant(rows, now)
		if err != nil {
			return nil, err
		}
		covered := false
		for _, id := range g.DepartmentIDs {
			if p, ok := paths[id]; ok && strings.HasPrefix(deptPath, p) {
				covered = true
			}
		}
		for _, id := range g.RosterIDs {
			covered = covered || inRosters[id]
		}
		if covered {
			out = append(out, audit.Entry{ID: g.ID, At: g.CreatedAt, ActorName: g.Username, Action: "breakglass.open", ObjectType: "incident",
				ObjectID: g.IncidentID, Outcome: "ok", Reason: g.Reason})
		}
	}
	return out, rows.Err()
}
