package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one numbered, forward-only schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations of an engine in order.
func Migrations(e Engine) ([]Migration, error) {
	dir := "migrations/" + string(e)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, ent := range entries {
		name := ent.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", name)
		}
		body, err := fs.ReadFile(migrationFS, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.Name, i+1)
		}
	}
	return out, nil
}

// Migrate applies every pending migration, each in its own transaction, then River's.
// It returns the versions it applied. Several processes may call it at once.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	return db.migrateTo(ctx, 1<<30)
}

// migrateTo applies the pending migrations up to version last (all of them: River's
// too), so that a test can write data as an older version had it and upgrade it.
func (db *DB) migrateTo(ctx context.Context, last int) ([]int, error) {
	ms, err := Migrations(db.Engine)
	if err != nil {
		return nil, err
	}
	for len(ms) > 0 && ms[len(ms)-1].Version > last {
		ms = ms[:len(ms)-1]
	}
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`
	if _, err := db.Write.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	var applied []int
	for _, m := range ms {
		done := false
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			if db.Engine == Postgres {
				// Serialize concurrent migrators; the lock ends with the transaction.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7240311)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				done = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, TS(time.Now()))
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if !done {
			applied = append(applied, m.Version)
		}
	}
	if last < 1<<30 {
		return applied, nil
	}
	if err := db.migrateRiver(ctx); err != nil {
		return applied, err
	}
	return applied, nil
}

func (db *DB) migrateRiver(ctx context.Context) error {
	var err error
	var res *rivermigrate.MigrateResult
	switch db.Engine {
	case SQLite:
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(db.Write), nil); err == nil {
			res, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	default:
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riverdatabasesql.New(db.Write), nil); err == nil {
			res, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	_ = res
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// Version returns the highest applied migration version.
func (db *DB) Version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.Read.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return int(v.Int64), nil
}
