// Package keys manages the data keys of the vault: creating the first one, rotating,
// re-encrypting sealed values in the background, and retiring keys nothing uses.
package keys

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// sealedTable is a table holding sealed values, and how to rebuild each value's context.
type sealedTable struct {
	name    string
	keyCols string // columns that identify a row
	context string // SQL expression of the context the value was sealed under
	column  string // the sealed column
}

// sealedTables lists every table with sealed values: a new one must be added here, or
// rotation would leave its rows on a retired key.
func sealedTables() []sealedTable {
	return []sealedTable{
		{"channels", "id", "id", "sealed"},
		{"emergency_contacts", "id", "id", "sealed"},
		{"idempotency_keys", "user_id, key", "user_id || ':' || key", "body"},
		{"mfa_totp", "id", "'mfa:' || id", "secret"}, // TOTP secrets; the id is the user's
	}
}

// Load installs every data key into the vault, creating the first one on a new
// database, and makes the vault reload keys when it meets one it does not know.
func Load(ctx context.Context, db *store.DB, v *vault.Vault, now time.Time) error {
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM data_keys`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO data_keys (id, wrapped, created_at) VALUES (1, $1, $2)`, v.NewDataKey(1), store.TS(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("create the first data key: %w", err)
	}
	v.SetRefresh(func() error { return install(context.Background(), db, v) })
	return install(ctx, db, v)
}

func install(ctx context.Context, db *store.DB, v *vault.Vault) error {
	rows, err := db.Read.QueryContext(ctx, `SELECT id, wrapped, retired_at IS NULL FROM data_keys ORDER BY id`)
	if err != nil {
		return fmt.Errorf("load data keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uint32
		var wrapped []byte
		var active bool
		if err := rows.Scan(&id, &wrapped, &active); err != nil {
			return err
		}
		if err := v.Install(id, wrapped, active); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Refresh reloads the keys, so a serving process seals with a key rotated elsewhere.
func Refresh(ctx context.Context, db *store.DB, v *vault.Vault) error { return install(ctx, db, v) }

// Rotate adds a new data key, which seals from now on, and returns its id. Values sealed
// with older keys stay readable until Reencrypt moves them.
func Rotate(ctx context.Context, tx store.Querier, v *vault.Vault, now time.Time) (uint32, error) {
	var max uint32
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM data_keys`).Scan(&max); err != nil {
		return 0, fmt.Errorf("rotate: %w", err)
	}
	id := max + 1
	if _, err := tx.ExecContext(ctx, `INSERT INTO data_keys (id, wrapped, created_at) VALUES ($1, $2, $3)`, id, v.NewDataKey(id), store.TS(now)); err != nil {
		return 0, fmt.Errorf("rotate: %w", err)
	}
	return id, nil
}

// KeyStatus describes one data key.
type KeyStatus struct {
	ID        uint32     `json:"id"`
	CreatedAt time.Time  `json:"created_at"`
	RetiredAt *time.Time `json:"retired_at"`
	Current   bool       `json:"current"`
	Values    int64      `json:"values"` // sealed values still using it
}

// Status lists the data keys with how many sealed values use each.
func Status(ctx context.Context, q store.Querier) ([]KeyStatus, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, created_at, retired_at FROM data_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("key status: %w", err)
	}
	var out []KeyStatus
	for rows.Next() {
		var k KeyStatus
		var retired sql.NullTime
		if err := rows.Scan(&k.ID, &k.CreatedAt, &retired); err != nil {
			rows.Close()
			return nil, err
		}
		if retired.Valid {
			t := retired.Time.UTC()
			k.RetiredAt = &t
		}
		out = append(out, k)
	}
	rows.Close()
	var current uint32
	for i := range out {
		if out[i].RetiredAt == nil && out[i].ID > current {
			current = out[i].ID
		}
		for _, t := range sealedTables() {
			var n int64
			if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name+` WHERE key_id = $1`, out[i].ID).Scan(&n); err != nil {
				return nil, err
			}
			out[i].Values += n
		}
	}
	for i := range out {
		out[i].Current = out[i].ID == current
	}
	return out, nil
}

// Reencrypt re-seals up to batch values that use a key other than the current one and
// returns how many it moved; callers repeat until it returns 0.
func Reencrypt(ctx context.Context, db *store.DB, v *vault.Vault, batch int) (int, error) {
	current := v.Current()
	moved := 0
	for _, t := range sealedTables() {
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT `+t.keyCols+`, `+t.context+`, `+t.column+` FROM `+t.name+
				` WHERE key_id <> $1 AND `+t.column+` IS NOT NULL LIMIT $2`, current, batch-moved)
			if err != nil {
				return err
			}
			type row struct {
				keys   []any
				ctx    string
				sealed []byte
			}
			var todo []row
			for rows.Next() {
				var r row
				var k1, k2 string
				dest := []any{&k1}
				if t.keyCols != "id" {
					dest = append(dest, &k2)
				}
				dest = append(dest, &r.ctx, &r.sealed)
				if err := rows.Scan(dest...); err != nil {
					rows.Close()
					return err
				}
				r.keys = []any{k1}
				if t.keyCols != "id" {
					r.keys = append(r.keys, k2)
				}
				todo = append(todo, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			where := "id = $3"
			if t.keyCols != "id" {
				where = "user_id = $3 AND key = $4"
			}
			for _, r := range todo {
				pt, err := v.Open(r.sealed, r.ctx)
				if err != nil {
					return fmt.Errorf("re-encrypt %s: %w", t.name, err)
				}
				sealed := v.Seal(pt, r.ctx)
				args := append([]any{sealed, vault.KeyID(sealed)}, r.keys...)
				if _, err := tx.ExecContext(ctx, `UPDATE `+t.name+` SET `+t.column+` = $1, key_id = $2 WHERE `+where, args...); err != nil {
					return fmt.Errorf("re-encrypt %s: %w", t.name, err)
				}
			}
			moved += len(todo)
			return nil
		})
		if err != nil {
			return moved, err
		}
		if moved >= batch {
			break
		}
	}
	return moved, nil
}

// RetireUnused marks retired every key, other than the current one, that no sealed value
// uses and that stopped being current before notBefore (so processes that had not yet
// loaded the newer key have stopped sealing with it). It returns the ids retired.
func RetireUnused(ctx context.Context, db *store.DB, v *vault.Vault, notBefore, now time.Time) ([]uint32, error) {
	st, err := Status(ctx, db.Read)
	if err != nil {
		return nil, err
	}
	var retired []uint32
	for i, k := range st {
		if k.Current || k.RetiredAt != nil || k.Values > 0 {
			continue
		}
		// The key stopped being current when its successor was created.
		if i+1 < len(st) && st[i+1].CreatedAt.After(notBefore) {
			continue
		}
		if _, err := db.Write.ExecContext(ctx, `UPDATE data_keys SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL`, store.TS(now), k.ID); err != nil {
			return retired, fmt.Errorf("retire key %d: %w", k.ID, err)
		}
		retired = append(retired, k.ID)
	}
	return retired, nil
}
