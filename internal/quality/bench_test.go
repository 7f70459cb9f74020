package quality_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/clock"
	"lifeline/internal/demo"
	"lifeline/internal/directory"
	"lifeline/internal/importer"
	"lifeline/internal/keys"
	"lifeline/internal/quality"
	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
	"lifeline/internal/vault"
)

// BenchmarkImportAndRecheck imports a messy HR file of LIFELINE_BENCH_ROWS rows (default
// 100,000) into an empty database, then rechecks data quality, on every engine. Each is
// reported as rows/s and as the ratio to the raw limit measured in the same run: a
// batched insert of the very rows it wrote (people, channels, emergency contacts,
// history; findings and scores) into a fresh database of the same engine. Run once:
//
//	go test -run '^$' -bench ImportAndRecheck -benchtime 1x ./internal/quality/
func BenchmarkImportAndRecheck(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("LIFELINE_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	m := demo.GenerateMessy(n, 99)
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				db := storetest.Open(b, e)
				v, _ := vault.Load(b.TempDir(), "")
				if err := keys.Load(ctx, db, v, time.Now()); err != nil {
					b.Fatal(err)
				}
				dir := directory.New(db, v, clock.System{})
				start := time.Now()
				rep, err := importer.Run(ctx, db, dir, access.System("bench"), bytes.NewReader(m.CSV), importer.Options{})
				if err != nil {
					b.Fatalf("import: %v %v", err, rep.Problems)
				}
				importTime := time.Since(start)
				rawImport := rawCopy(b, e, db, "people", "channels", "emergency_contacts", "history")

				q := quality.New(db, clock.System{}, quality.DefaultConfig())
				start = time.Now()
				st, err := q.Recheck(ctx)
				if err != nil {
					b.Fatal(err)
				}
				recheckTime := time.Since(start)
				rawRecheck := rawCopy(b, e, db, "findings", "contact_scores")

				rows := float64(rep.Rows)
				b.ReportMetric(rows/importTime.Seconds(), "import-rows/s")
				b.ReportMetric(rawImport.Seconds()/importTime.Seconds(), "import-ratio")
				b.ReportMetric(float64(st.People)/recheckTime.Seconds(), "recheck-people/s")
				b.ReportMetric(rawRecheck.Seconds()/recheckTime.Seconds(), "recheck-ratio")
				b.ReportMetric(peakRSSMiB(), "peak-RSS-MiB")
				b.Logf("%s: %d rows imported in %v (raw insert of the same rows %v); recheck of %d people, %d findings in %v (raw %v)",
					e.Name, rep.Rows, importTime.Round(time.Millisecond), rawImport.Round(time.Millisecond), st.People, st.Findings,
					recheckTime.Round(time.Millisecond), rawRecheck.Round(time.Millisecond))
			}
		})
	}
}

// rawCopy reads every row of the tables and times inserting them, batched, into a
// fresh database of the same engine: the limit the engine sets for writing those rows.
func rawCopy(b *testing.B, e storetest.Engine, from *store.DB, tables ...string) time.Duration {
	ctx := context.Background()
	type table struct {
		name string
		cols []string
		rows [][]any
	}
	var data []table
	for _, name := range tables {
		rows, err := from.Read.QueryContext(ctx, "SELECT * FROM "+name)
		if err != nil {
			b.Fatal(err)
		}
		cols, _ := rows.Columns()
		t := table{name: name, cols: cols}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				b.Fatal(err)
			}
			t.rows = append(t.rows, vals)
		}
		rows.Close()
		data = append(data, t)
	}
	to := storetest.Open(b, e)
	// The raw copy checks no foreign keys: it measures the engine, not our schema.
	if to.Engine == store.SQLite {
		to.Write.Exec("PRAGMA foreign_keys = OFF")
	} else {
		for _, t := range data {
			to.Write.Exec("ALTER TABLE " + t.name + " DISABLE TRIGGER ALL")
		}
	}
	start := time.Now()
	err := to.InTx(ctx, func(tx *sql.Tx) error {
		for _, t := range data {
			if err := to.BulkInsert(ctx, tx, t.name, t.cols, t.rows); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// peakRSSMiB is the process's peak resident set size (VmHWM).
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
