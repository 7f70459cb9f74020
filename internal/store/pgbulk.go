package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// pgBulkRows is how many rows one PostgreSQL bulk statement carries.
const pgBulkRows = 1000

// pgBulkInsert inserts rows on PostgreSQL as one statement per chunk over one text
// array per column (unnest), each cast to its column's type. The statement's text is
// the same for every chunk, so pgx prepares it once per connection; a multi-row VALUES
// of 500 rows had 500 × columns parameters, each converted and sent on its own, which
// made encoding parameters a third of the server's CPU in a broadcast, and PostgreSQL
// parsed and planned the statement anew every time.
func (db *DB) pgBulkInsert(ctx context.Context, q Querier, table string, cols []string, rows [][]any, onConflict string) error {
	types, err := db.columnTypes(ctx, q, table)
	if err != nil {
		return err
	}
	if onConflict == "" {
		if done, err := db.pgCopy(ctx, q, table, cols, types, rows); done || err != nil {
			return err
		}
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") SELECT ")
	bytea := make([]bool, len(cols))
	for j, c := range cols {
		t, ok := types[c]
		if !ok {
			return fmt.Errorf("insert into %s: no column %s", table, c)
		}
		bytea[j] = t == "bytea"
		if j > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "v.%s::%s", c, t)
	}
	sb.WriteString(" FROM unnest(")
	for j := range cols {
		if j > 0 {
			sb.WriteString(", ")
		}
		kind := "text[]"
		if bytea[j] {
			kind = "bytea[]" // sent as binary: hex text would double it
		}
		fmt.Fprintf(&sb, "$%d::%s", j+1, kind)
	}
	sb.WriteString(") AS v(" + strings.Join(cols, ", ") + ")")
	if onConflict != "" {
		sb.WriteString(" " + onConflict)
	}
	query := sb.String()
	for start := 0; start < len(rows); start += pgBulkRows {
		chunk := rows[start:min(start+pgBulkRows, len(rows))]
		texts := make([][]*string, len(cols))
		blobs := make([][][]byte, len(cols))
		for j := range cols {
			if bytea[j] {
				blobs[j] = make([][]byte, len(chunk))
			} else {
				texts[j] = make([]*string, len(chunk))
			}
		}
		for i, r := range chunk {
			if len(r) != len(cols) {
				return fmt.Errorf("insert into %s: row %d has %d values for %d columns", table, start+i, len(r), len(cols))
			}
			for j, v := range r {
				var err error
				if bytea[j] {
					blobs[j][i], err = pgBytes(v)
				} else {
					texts[j][i], err = pgText(v)
				}
				if err != nil {
					return fmt.Errorf("insert into %s: row %d, %s: %w", table, start+i, cols[j], err)
				}
			}
		}
		args := make([]any, len(cols))
		for j := range cols {
			if bytea[j] {
				args[j] = blobs[j]
			} else {
				args[j] = texts[j]
			}
		}
		if _, err := q.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// columnTypes returns the SQL types of table's columns, read once per DB.
func (db *DB) columnTypes(ctx context.Context, q Querier, table string) (map[string]string, error) {
	if v, ok := db.colTypes.Load(table); ok {
		return v.(map[string]string), nil
	}
	rows, err := q.QueryContext(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
		WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`, table)
	if err != nil {
		return nil, fmt.Errorf("column types of %s: %w", table, err)
	}
	defer rows.Close()
	types := map[string]string{}
	for rows.Next() {
		var name, t string
		if err := rows.Scan(&name, &t); err != nil {
			return nil, err
		}
		types[name] = t
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	db.colTypes.Store(table, types)
	return types, nil
}

// pgBytes is a value of a bytea column (nil for NULL).
func pgBytes(v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return x, nil
	case string:
		return []byte(x), nil
	default:
		return nil, fmt.Errorf("a value of type %T for bytes", v)
	}
}

// pgText is a value in PostgreSQL's text form (nil for NULL).
func pgText(v any) (*string, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		s = x
	case *string:
		if x == nil {
			return nil, nil
		}
		s = *x
	case []byte:
		if x == nil {
			return nil, nil
		}
		s = string(x)
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case int32:
		s = strconv.FormatInt(int64(x), 10)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	case time.Time:
		s = x.UTC().Format(time.RFC3339Nano)
	case driver.Valuer:
		dv, err := x.Value()
		if err != nil {
			return nil, err
		}
		return pgText(dv)
	default:
		switch r := reflect.ValueOf(v); r.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			s = strconv.FormatInt(r.Int(), 10)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			s = strconv.FormatUint(r.Uint(), 10)
		case reflect.String:
			s = r.String()
		default:
			return nil, fmt.Errorf("a value of type %T", v)
		}
	}
	return &s, nil
}
