package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// InsertRows inserts rows into table with multi-row INSERT statements using $N
// placeholders, which both engines accept. For many rows on SQLite use DB.BulkInsert.
func InsertRows(ctx context.Context, q Querier, table string, cols []string, rows [][]any) error {
	return insertRows(ctx, q, nil, table, cols, rows, func(n int) string { return "$" + strconv.Itoa(n) }, "")
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
	if len(rows) == 0 {
		return nil
	}
	if db.Engine == Postgres {
		return db.pgBulkInsert(ctx, q, table, cols, rows, onConflict)
	}
	return insertRows(ctx, q, db.prepared, table, cols, rows, func(int) string { return "?" }, onConflict)
}

// PrepareBulk prepares, outside any transaction, the statement BulkInsert uses for a
// full chunk of rows into table. On SQLite a BulkInsert in a write transaction then runs
// it without parsing the 500 rows' worth of SQL again (a tenth of the writer's time in
// a broadcast); elsewhere it does nothing.
func (db *DB) PrepareBulk(ctx context.Context, table string, cols []string) error {
	if db.Engine != SQLite {
		return nil
	}
	_, err := db.Prepared(ctx, insertSQL(table, cols, bulkRows, func(int) string { return "?" }, ""))
	return err
}

// bulkRows is how many rows one multi-row INSERT carries.
const bulkRows = 500

// insertSQL is the multi-row INSERT of n rows.
func insertSQL(table string, cols []string, n int, placeholder func(int) string, onConflict string) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	k := 0
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for j := range cols {
			if j > 0 {
				sb.WriteString(", ")
			}
			k++
			sb.WriteString(placeholder(k))
		}
		sb.WriteByte(')')
	}
	if onConflict != "" {
		sb.WriteString(" " + onConflict)
	}
	return sb.String()
}

// insertRows runs the multi-row INSERTs; prepared (nil: none) finds a statement
// prepared for a query, run instead of parsing it when q is a transaction.
func insertRows(ctx context.Context, q Querier, prepared func(string) (*sql.Stmt, bool), table string, cols []string, rows [][]any,
	placeholder func(int) string, onConflict string) error {
	for start := 0; start < len(rows); start += bulkRows {
		end := min(start+bulkRows, len(rows))
		args := make([]any, 0, (end-start)*len(cols))
		for i, r := range rows[start:end] {
			if len(r) != len(cols) {
				return fmt.Errorf("insert into %s: row %d has %d values for %d columns", table, start+i, len(r), len(cols))
			}
			args = append(args, r...)
		}
		query := insertSQL(table, cols, end-start, placeholder, onConflict)
		var err error
		tx, isTx := q.(*sql.Tx)
		if st, ok := lookup(prepared, query); ok && isTx {
			_, err = tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		} else {
			_, err = q.ExecContext(ctx, query, args...)
		}
		if err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

func lookup(prepared func(string) (*sql.Stmt, bool), query string) (*sql.Stmt, bool) {
	if prepared == nil {
		return nil, false
	}
	return prepared(query)
}
