package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"testing"
	"time"

	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
)

// TestBulkUpsertValues writes every kind of value the domain packages pass through
// BulkInsert and BulkUpsert — text, NULL, integers of several widths, booleans, floats,
// timestamps, bytes — on both engines, across more rows than one statement carries, and
// reads them back; then upserts over them.
func TestBulkUpsertValues(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, e)
			blob, ts := "BLOB", "TIMESTAMP"
			if db.Engine == store.Postgres {
				blob, ts = "BYTEA", "TIMESTAMPTZ"
			}
			if _, err := db.Write.ExecContext(ctx, `CREATE TABLE bulk_probe (id TEXT PRIMARY KEY, n INTEGER, k BIGINT NOT NULL, ok BOOLEAN NOT NULL,
				score DOUBLE PRECISION NOT NULL, at `+ts+`, raw `+blob+`, note TEXT)`); err != nil {
				t.Fatal(err)
			}
			cols := []string{"id", "n", "k", "ok", "score", "at", "raw", "note"}
			at := time.Date(2026, 11, 24, 6, 30, 0, 123456000, time.UTC)
			const count = 1203
			rows := make([][]any, count)
			for i := range rows {
				var n, note any // NULL in every other row
				if i%2 == 0 {
					n, note = i, "第"+string(rune('一'+i%5))+"行 'quoted' \\ {braces},\"x\""
				}
				rows[i] = []any{store.NewID(), n, uint32(i) * 3, i%3 == 0, float64(i) / 4, store.TS(at.Add(time.Duration(i) * time.Second)),
					rawOf(i), note}
			}
			// Full chunks run the statement PrepareBulk prepared (on SQLite), the rest is parsed.
			if err := db.PrepareBulk(ctx, "bulk_probe", cols); err != nil {
				t.Fatal(err)
			}
			err := db.InTx(ctx, func(tx *sql.Tx) error { return db.BulkInsert(ctx, tx, "bulk_probe", cols, rows) })
			if err != nil {
				t.Fatal(err)
			}
			check := func(i int, wantNote any) {
				t.Helper()
				var n, note *string
				var k int64
				var ok bool
				var score float64
				var got time.Time
				var raw []byte
				if err := db.Read.QueryRowContext(ctx, `SELECT n, k, ok, score, at, raw, note FROM bulk_probe WHERE id = $1`, rows[i][0]).
					Scan(&n, &k, &ok, &score, &got, &raw, &note); err != nil {
					t.Fatalf("row %d: %v", i, err)
				}
				if (n == nil) != (rows[i][1] == nil) || k != int64(i)*3 || ok != (i%3 == 0) || score != float64(i)/4 ||
					!got.Equal(at.Add(time.Duration(i)*time.Second)) || !bytes.Equal(raw, rawOf(i)) || (raw == nil) != (rawOf(i) == nil) {
					t.Fatalf("row %d read back as n=%v k=%d ok=%v score=%v at=%v raw=%x", i, n, k, ok, score, got, raw)
				}
				if (note == nil) != (wantNote == nil) || (note != nil && *note != wantNote.(string)) {
					t.Fatalf("row %d note %v, want %v", i, note, wantNote)
				}
			}
			for _, i := range []int{0, 1, 2, 7, 999, 1000, 1001, count - 1} {
				check(i, rows[i][7])
			}
			// An upsert over the first rows changes their note only.
			up := make([][]any, 3)
			for i := range up {
				up[i] = append(append([]any{}, rows[i][:7]...), "updated")
			}
			err = db.InTx(ctx, func(tx *sql.Tx) error {
				return db.BulkUpsert(ctx, tx, "bulk_probe", cols, up, "ON CONFLICT (id) DO UPDATE SET note = excluded.note")
			})
			if err != nil {
				t.Fatal(err)
			}
			check(1, "updated")
			// A value COPY does not take (a driver.Valuer) sends its rows the other way
			// on PostgreSQL; they read back the same.
			odd := [][]any{{store.NewID(), sql.NullInt64{Int64: 42, Valid: true}, 1, true, 0.5, store.TS(at), nil, "valuer"}}
			if err := db.InTx(ctx, func(tx *sql.Tx) error { return db.BulkInsert(ctx, tx, "bulk_probe", cols, odd) }); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.Read.QueryRowContext(ctx, `SELECT n FROM bulk_probe WHERE id = $1`, odd[0][0]).Scan(&n); err != nil || n != 42 {
				t.Fatalf("a driver.Valuer read back as %d, %v", n, err)
			}
			var total int
			if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM bulk_probe`).Scan(&total); err != nil || total != count+1 {
				t.Fatalf("%d rows (%v), want %d", total, err, count)
			}
		})
	}
}

// rawOf is row i's bytes: NULL in every seventh row.
func rawOf(i int) []byte {
	if i%7 == 0 {
		return nil
	}
	return []byte{0, byte(i), 0xff, '\\'}
}
