// Package incident keeps incidents (突发事件) — what happened, where, how serious, and
// whether it is still active — and the break-glass grants (紧急查询) opened during them.
package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/clock"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/roster"
	"lifeline/internal/store"
)

// Types lists the incident types (SPEC §2).
func Types() []string {
	return []string{"natural_disaster", "production_safety", "public_health", "social_security", "it_outage", "customer_crisis"}
}

// Levels lists the incident levels: I 特别重大, II 重大, III 较大, IV 一般.
func Levels() []string { return []string{"I", "II", "III", "IV"} }

// Incident is a reported incident.
type Incident struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Type        string     `json:"type"`
	Level       string     `json:"level"`
	Location    string     `json:"location"`
	Description string     `json:"description"`
	Drill       bool       `json:"drill"`
	Status      string     `json:"status"`
	Reporter    string     `json:"reporter"`
	OccurredAt  time.Time  `json:"occurred_at"`
	CreatedAt   time.Time  `json:"created_at"`
	ClosedAt    *time.Time `json:"closed_at"`
}

// Input reports an incident.
type Input struct {
	Title       string     `json:"title"`
	Type        string     `json:"type"`
	Level       string     `json:"level"`
	Location    string     `json:"location,omitempty"`
	Description string     `json:"description,omitempty"`
	Drill       bool       `json:"drill,omitempty"`
	OccurredAt  *time.Time `json:"occurred_at,omitempty"`
}

// Service is the incident service.
type Service struct {
	db      *store.DB
	dir     *directory.Service
	rosters *roster.Service
	clock   clock.Clock
}

// New returns an incident service.
func New(db *store.DB, dir *directory.Service, rosters *roster.Service, c clock.Clock) *Service {
	return &Service{db: db, dir: dir, rosters: rosters, clock: c}
}

const cols = `id, title, type, level, location, description, drill, status, reporter, occurred_at, created_at, closed_at`

func scan(row interface{ Scan(...any) error }) (Incident, error) {
	var i Incident
	var closed sql.NullTime
	err := row.Scan(&i.ID, &i.Title, &i.Type, &i.Level, &i.Location, &i.Description, &i.Drill, &i.Status, &i.Reporter, &i.OccurredAt, &i.CreatedAt, &closed)
	if closed.Valid {
		t := closed.Time.UTC()
		i.ClosedAt = &t
	}
	i.OccurredAt, i.CreatedAt = i.OccurredAt.UTC(), i.CreatedAt.UTC()
	return i, err
}

func get(ctx context.Context, q store.Querier, p *access.Principal, id string) (Incident, error) {
	i, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM incidents WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Can(access.IncidentRead)) {
		return i, errs.E(errs.NotFound, "incident not found")
	}
	if err != nil {
		return i, fmt.Errorf("load incident: %w", err)
	}
	return i, nil
}

// Get returns one incident.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (Incident, error) {
	return get(ctx, s.db.Read, p, id)
}

// List returns incidents, active first, newest first.
func (s *Service) List(ctx context.Context, p *access.Principal, status string, limit int) ([]Incident, error) {
	if !p.Can(access.IncidentRead) {
		return nil, errs.E(errs.Forbidden, "you may not see incidents")
	}
	if status != "" && status != "active" && status != "closed" {
		return nil, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "status", Message: "active or closed"}}}
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+cols+` FROM incidents WHERE ($1 = '' OR status = $1)
		ORDER BY CASE status WHEN 'active' THEN 0 ELSE 1 END, created_at DESC LIMIT $2`, status, limit)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	out := []Incident{}
	for rows.Next() {
		i, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Report records a new, active incident.
func (s *Service) Report(ctx context.Context, p *access.Principal, in Input) (Incident, error) {
	if !p.Can(access.IncidentWrite) {
		return Incident{}, errs.E(errs.Forbidden, "you may not report incidents")
	}
	in.Title, in.Location, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Location), strings.TrimSpace(in.Description)
	var v errs.Validation
	v.Check(in.Title != "" && len([]rune(in.Title)) <= 200, "title", "required, at most 200 characters")
	v.Check(contains(Types(), in.Type), "type", "one of "+strings.Join(Types(), ", "))
	v.Check(contains(Levels(), in.Level), "level", "one of I, II, III, IV")
	v.Check(len([]rune(in.Location)) <= 200, "location", "at most 200 characters")
	v.Check(len([]rune(in.Description)) <= 5000, "description", "at most 5000 characters")
	now := s.clock.Now()
	occurred := now
	if in.OccurredAt != nil {
		occurred = in.OccurredAt.UTC()
		v.Check(!occurred.After(now.Add(5*time.Minute)), "occurred_at", "must not be in the future")
	}
	if err := v.Err(); err != nil {
		return Incident{}, err
	}
	i := Incident{ID: store.NewID(), Title: in.Title, Type: in.Type, Level: in.Level, Location: in.Location, Description: in.Description,
		Drill: in.Drill, Status: "active", Reporter: p.Username, OccurredAt: occurred, CreatedAt: now}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var by any
		if p.UserID != "" {
			by = p.UserID
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, title, type, level, location, description, drill, status, reported_by, reporter,
				occurred_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
			i.ID, i.Title, i.Type, i.Level, i.Location, i.Description, i.Drill, i.Status, by, i.Reporter, store.TS(i.OccurredAt), store.TS(now))
		if err != nil {
			return fmt.Errorf("insert incident: %w", err)
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "incident.report", ObjectType: "incident", ObjectID: i.ID,
			Detail: fmt.Sprintf("type=%s level=%s drill=%v", i.Type, i.Level, i.Drill)})
	})
	return i, err
}

// Close closes an active incident and ends its break-glass grants.
func (s *Service) Close(ctx context.Context, p *access.Principal, id string) (Incident, error) {
	var i Incident
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if i, err = get(ctx, tx, p, id); err != nil {
			return err
		}
		if !p.Can(access.IncidentWrite) {
			return errs.E(errs.Forbidden, "you may not close incidents")
		}
		if i.Status == "closed" {
			return errs.E(errs.Conflict, "the incident is already closed")
		}
		now := s.clock.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE incidents SET status = 'closed', closed_at = $1, updated_at = $1 WHERE id = $2`, store.TS(now), id); err != nil {
			return fmt.Errorf("close incident: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE break_glass SET ended_at = $1 WHERE incident_id = $2 AND ended_at IS NULL AND expires_at > $1`, store.TS(now), id); err != nil {
			return fmt.Errorf("end break-glass grants: %w", err)
		}
		i.Status, i.ClosedAt = "closed", &now
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "incident.close", ObjectType: "incident", ObjectID: id})
	})
	return i, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
