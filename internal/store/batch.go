package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// InsertRows inserts rows into table with multi-row INSERT statements using $N
// placeholders, which both engines accept. For many rows on SQLite use DB.BulkInsert.
func InsertRows(ctx context.Context, q Querier, table string, cols []string, rows [][]any) error {
	return insertRows(ctx, q, table, cols, rows, func(n int) string { return "$" + strconv.Itoa(n) }, "")
}

// BulkInsert inserts many rows in multi-row statements of up to 500 rows. On SQLite it
// uses anonymous ? placeholders: SQLite resolves $N through a list scanned per
// parameter, which is quadratic in a statement's parameters and made bulk inserts
// twenty times slower. On PostgreSQL it inserts from one array per column (pgBulkInsert).
func (db *DB) BulkInsert(ctx context.Context, q Querier, table string, cols []string, rows [][]any) error {
	return db.BulkUpsert(ctx, q, table, cols, rows, "")
}

// BulkUpsert is BulkInsert with a conflict clause appended to each statement, e.g.
// "ON CONFLICT (id) DO UPDATE SET name = excluded.name" (the same syntax on both engines).
func (db *DB) BulkUpsert(ctx context.Context, q Querier, table string, cols []string, rows [][]any, onConflict string) error {
	if db.Engine == Postgres {
		return db.pgBulkInsert(ctx, q, table, cols, rows, onConflict)
	}
	return insertRows(ctx, q, table, cols, rows, func(int) string { return "?" }, onConflict)
}

func insertRows(ctx context.Context, q Querier, table string, cols []string, rows [][]any, placeholder func(int) string, onConflict string) error {
	const batch = 500
	for start := 0; start < len(rows); start += batch {
		end := min(start+batch, len(rows))
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, (end-start)*len(cols))
		for i, r := range rows[start:end] {
			if len(r) != len(cols) {
				return fmt.Errorf("insert into %s: row %d has %d values for %d columns", table, start+i, len(r), len(cols))
			}
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j := range r {
				if j > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(placeholder(len(args) + j + 1))
			}
			sb.WriteByte(')')
			args = append(args, r...)
		}
		if onConflict != "" {
			sb.WriteString(" " + onConflict)
		}
		if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}
