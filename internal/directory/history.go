package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Change is one field's change; personal values are masked before they are recorded.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// HistoryEntry is one recorded change of a record.
type HistoryEntry struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Reason  string    `json:"reason,omitempty"`
	Changes []Change  `json:"changes"`
}

type historyEntry struct {
	Entity, EntityID, PersonID, Action, Reason string
	Changes                                    []Change
}

// recordHistory appends a history entry inside the caller's transaction.
func recordHistory(ctx context.Context, tx store.Querier, p *access.Principal, at time.Time, h historyEntry) error {
	return store.InsertRows(ctx, tx, "history", historyCols(), [][]any{historyRow(p, at, h)})
}

// historyCols and historyRow describe a history row, for single and batched inserts.
func historyCols() []string {
	return []string{"id", "entity", "entity_id", "person_id", "actor_id", "actor_name", "action", "reason", "changes", "at"}
}

func historyRow(p *access.Principal, at time.Time, h historyEntry) []any {
	if h.Changes == nil {
		h.Changes = []Change{}
	}
	b, _ := json.Marshal(h.Changes) // a []Change always marshals
	var actorID any
	if p.UserID != "" {
		actorID = p.UserID
	}
	return []any{store.NewID(), h.Entity, h.EntityID, nullIfEmpty(h.PersonID), actorID, p.Username, h.Action, h.Reason, string(b), store.TS(at)}
}

// listHistory returns entries of one record, newest first, after the cursor (an entry id).
func listHistory(ctx context.Context, q store.Querier, entity, entityID string, page Page) ([]HistoryEntry, string, error) {
	limit := page.limit()
	cursor := "~" // sorts after every id
	if page.Cursor != "" {
		c, err := decodeCursor(page.Cursor)
		if err != nil || len(c) != 1 {
			return nil, "", errs.E(errs.Invalid, "invalid cursor")
		}
		cursor = c[0]
	}
	rows, err := q.QueryContext(ctx, `SELECT id, at, actor_name, action, reason, changes FROM history
		WHERE entity = $1 AND entity_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4`, entity, entityID, cursor, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list history: %w", err)
	}
	defer rows.Close()
	items := []HistoryEntry{}
	for rows.Next() {
		var h HistoryEntry
		var changes string
		if err := rows.Scan(&h.ID, &h.At, &h.Actor, &h.Action, &h.Reason, &changes); err != nil {
			return nil, "", err
		}
		if err := json.Unmarshal([]byte(changes), &h.Changes); err != nil {
			return nil, "", fmt.Errorf("decode history: %w", err)
		}
		items = append(items, h)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = encodeCursor(items[limit-1].ID)
	}
	return items, next, nil
}

// PersonHistory lists the changes of a person visible to p.
func (s *Service) PersonHistory(ctx context.Context, p *access.Principal, id string, page Page) ([]HistoryEntry, string, error) {
	if _, err := s.visiblePerson(ctx, s.db.Read, p, id); err != nil {
		return nil, "", err
	}
	return listHistory(ctx, s.db.Read, "person", id, page)
}

// DepartmentHistory lists the changes of a department visible to p.
func (s *Service) DepartmentHistory(ctx context.Context, p *access.Principal, id string, page Page) ([]HistoryEntry, string, error) {
	if _, err := s.visibleDepartment(ctx, s.db.Read, p, id); err != nil {
		return nil, "", err
	}
	return listHistory(ctx, s.db.Read, "department", id, page)
}

// OrganizationHistory lists the changes of an external organization and its contacts.
func (s *Service) OrganizationHistory(ctx context.Context, p *access.Principal, id string, page Page) ([]HistoryEntry, string, error) {
	if _, err := s.visibleOrganization(ctx, s.db.Read, p, id); err != nil {
		return nil, "", err
	}
	return listHistory(ctx, s.db.Read, "organization", id, page)
}
