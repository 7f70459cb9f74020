// Package audit records who did what to which object, from where, why, and with what outcome.
package audit

import (
	"context"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/store"
)

// Event is one audited action.
type Event struct {
	Action     string // e.g. "login", "person.reveal", "token.create"
	ObjectType string
	ObjectID   string
	Outcome    string // "ok", "denied", "failed"
	Reason     string
	Detail     string // never personal values
}

// Record appends an event by principal p at time at, inside the caller's transaction.
func Record(ctx context.Context, q store.Querier, p *access.Principal, at time.Time, e Event) error {
	if e.Outcome == "" {
		e.Outcome = "ok"
	}
	var actorID any
	name := "system"
	ip := ""
	if p != nil {
		if p.UserID != "" {
			actorID = p.UserID
		}
		name, ip = p.Username, p.IP
	}
	_, err := q.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor_id, actor_name, action, object_type, object_id, outcome, ip, reason, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		store.NewID(), store.TS(at), actorID, name, e.Action, e.ObjectType, e.ObjectID, e.Outcome, ip, e.Reason, e.Detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Entry is a stored audit event.
type Entry struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	ActorName  string    `json:"actor"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Outcome    string    `json:"outcome"`
	IP         string    `json:"ip"`
	Reason     string    `json:"reason"`
}

// ForObject lists the events about one object, newest first (e.g. who revealed a person).
func ForObject(ctx context.Context, q store.Querier, objectType, objectID string, limit int) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, at, actor_name, action, object_type, object_id, outcome, ip, reason
		FROM audit_log WHERE object_type = $1 AND object_id = $2 ORDER BY id DESC LIMIT $3`, objectType, objectID, limit)
	if err != nil {
		return nil, fmt.Errorf("audit for object: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.ID, &e.At, &e.ActorName, &e.Action, &e.ObjectType, &e.ObjectID, &e.Outcome, &e.IP, &e.Reason); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
