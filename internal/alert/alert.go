// Package alert delivers in-app alerts to accounts: a contact's validity score fell
// below the threshold, and later review reminders and escalations.
package alert

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Alert is one alert of the caller's.
type Alert struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	PersonID  string     `json:"person_id,omitempty"`
	Subject   string     `json:"subject,omitempty"`
	Message   string     `json:"message"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

// List returns the principal's alerts, newest first (only unread ones when unread is set).
func List(ctx context.Context, q store.Querier, p *access.Principal, unread bool, limit int) ([]Alert, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := q.QueryContext(ctx, `SELECT id, kind, COALESCE(person_id, ''), subject, message, created_at, read_at FROM alerts
		WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL) ORDER BY created_at DESC, id DESC LIMIT $3`, p.UserID, unread, limit)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		var read sql.NullTime
		if err := rows.Scan(&a.ID, &a.Kind, &a.PersonID, &a.Subject, &a.Message, &a.CreatedAt, &read); err != nil {
			return nil, err
		}
		a.CreatedAt = a.CreatedAt.UTC()
		if read.Valid {
			t := read.Time.UTC()
			a.ReadAt = &t
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// MarkRead marks one of the principal's alerts read.
func MarkRead(ctx context.Context, q store.Querier, p *access.Principal, id string, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE alerts SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3`, store.TS(now), id, p.UserID)
	if err != nil {
		return fmt.Errorf("mark alert read: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "alert not found")
	}
	return nil
}
