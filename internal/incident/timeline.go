package incident

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Update is one entry of an incident's timeline.
type Update struct {
	ID     string    `json:"id"`
	Kind   string    `json:"kind"` // update, notification, approval, close, drill
	Text   string    `json:"text"`
	Author string    `json:"author"`
	At     time.Time `json:"at"`
}

// AppendUpdate adds an entry to an incident's timeline in the caller's transaction.
func AppendUpdate(ctx context.Context, tx store.Querier, incidentID, kind, text, author string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO incident_updates (id, incident_id, kind, text, author, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		store.NewID(), incidentID, kind, text, author, store.TS(at))
	if err != nil {
		return fmt.Errorf("append incident update: %w", err)
	}
	return nil
}

// Timeline lists an incident's updates, oldest first.
func (s *Service) Timeline(ctx context.Context, p *access.Principal, id string) ([]Update, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, kind, text, author, at FROM incident_updates WHERE incident_id = $1 ORDER BY at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("load timeline: %w", err)
	}
	defer rows.Close()
	out := []Update{}
	for rows.Next() {
		var u Update
		if err := rows.Scan(&u.ID, &u.Kind, &u.Text, &u.Author, &u.At); err != nil {
			return nil, err
		}
		u.At = u.At.UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateInput is a responder's update to the timeline.
type UpdateInput struct {
	Text string `json:"text"`
}

// AddUpdate records a responder's update on an active incident.
func (s *Service) AddUpdate(ctx context.Context, p *access.Principal, id string, in UpdateInput) (Update, error) {
	if !p.Can(access.IncidentWrite) {
		return Update{}, errs.E(errs.Forbidden, "you may not update incidents")
	}
	in.Text = strings.TrimSpace(in.Text)
	var v errs.Validation
	v.Check(in.Text != "" && len([]rune(in.Text)) <= 2000, "text", "required, at most 2000 characters")
	if err := v.Err(); err != nil {
		return Update{}, err
	}
	i, err := s.Get(ctx, p, id)
	if err != nil {
		return Update{}, err
	}
	if i.Status != "active" {
		return Update{}, errs.E(errs.Conflict, "the incident is closed")
	}
	now := s.clock.Now()
	u := Update{Kind: "update", Text: in.Text, Author: p.Username, At: now}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := AppendUpdate(ctx, tx, id, u.Kind, u.Text, u.Author, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "incident.update", ObjectType: "incident", ObjectID: id})
	})
	return u, err
}
