package roster

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/errs"
)

// rosterCursor makes the opaque cursor after a roster: its name and id, the sort key.
func rosterCursor(name, id string) string {
	b, _ := json.Marshal([]string{name, id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// readCursor reads a cursor of rosterCursor; ok is false for anything else.
func readCursor(c string) (name, id string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", "", false
	}
	var key []string
	if json.Unmarshal(b, &key) != nil || len(key) != 2 {
		return "", "", false
	}
	return key[0], key[1], true
}

// List returns one page of the rosters (not deleted) by name, after cursor, and the
// cursor of the next page ("" on the last one). limit is 1–500 (default 100).
func (s *Service) List(ctx context.Context, p *access.Principal, kind, cursor string, limit int) ([]Roster, string, error) {
	if !p.Can(access.RosterRead) {
		return nil, "", errs.E(errs.Forbidden, "you may not see rosters")
	}
	var v errs.Validation
	v.Check(kind == "" || slices.Contains(Kinds(), kind), "kind", "one of "+strings.Join(Kinds(), ", "))
	afterName, afterID, ok := readCursor(cursor)
	v.Check(cursor == "" || ok, "cursor", "not a cursor of this list")
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	out := []Roster{}
	next := ""
	now := s.clock.Now()
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, name FROM rosters WHERE deleted_at IS NULL AND ($1 = '' OR kind = $1)
			AND ($2 = '' OR name > $3 OR (name = $3 AND id > $4)) ORDER BY name, id LIMIT $5`, kind, cursor, afterName, afterID, limit+1)
		if err != nil {
			return fmt.Errorf("list rosters: %w", err)
		}
		var ids, names []string
		for rows.Next() {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return err
			}
			ids, names = append(ids, id), append(names, name)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) > limit {
			ids, names = ids[:limit], names[:limit]
			next = rosterCursor(names[limit-1], ids[limit-1])
		}
		for _, id := range ids {
			r, _, err := getTx(ctx, tx, p, id, now)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, next, err
}
