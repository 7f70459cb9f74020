package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"lifeline/internal/demo"
	"lifeline/internal/notify"
	"lifeline/internal/store/storetest"
)

// BenchmarkBroadcast measures one broadcast to a demo organization through the generic
// gateway to an in-process sink, create to every delivery recorded (for profiling; the
// ratio to the raw limit is measured by bench/notify). LIFELINE_BENCH_PEOPLE sets the size.
func BenchmarkBroadcast(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("LIFELINE_BENCH_PEOPLE")); err == nil {
		n = v
	}
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			en := newEnv(&testing.T{}, e, notify.Config{})
			org := demo.Generate(n, 1)
			if err := demo.Load(ctx, en.db, en.dir, en.clk.Now(), org); err != nil {
				b.Fatal(err)
			}
			var got atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
			defer srv.Close()
			en.gateway(&sink{secret: "bench-secret-0123456789", srv: srv}, "gw", 0)
			var root string
			if err := en.db.Read.QueryRow(`SELECT id FROM departments WHERE parent_id IS NULL AND name <> '总部' ORDER BY path LIMIT 1`).Scan(&root); err != nil {
				b.Fatal(err)
			}
			if f := os.Getenv("LIFELINE_BENCH_CPUPROFILE"); f != "" {
				out, _ := os.Create(f)
				_ = pprof.StartCPUProfile(out)
				defer pprof.StopCPUProfile()
			}
			for b.Loop() {
				got.Store(0)
				start := time.Now()
				nt, err := en.svc.Create(ctx, en.sys, en.incident, notify.Input{Audience: notify.Audience{Departments: []string{root}}, Text: "bench", RequireAck: true})
				if err != nil {
					b.Fatal(err)
				}
				created := time.Since(start)
				want := int64(nt.Recipients - en.counts(nt.ID).Unreachable)
				var allAt time.Duration
				en.dispatch(func() bool {
					if got.Load() < want {
						return false
					}
					if allAt == 0 {
						allAt = time.Since(start)
					}
					return en.counts(nt.ID).Sent >= int(want)
				})
				b.ReportMetric(float64(allAt.Milliseconds()), "sink-ms")
				b.ReportMetric(float64(nt.Recipients)/time.Since(start).Seconds(), "msg/s")
				b.ReportMetric(float64(created.Milliseconds()), "create-ms")
				fmt.Fprintf(os.Stderr, "%s: %d recipients, %d posts\n", e.Name, nt.Recipients, got.Load())
			}
		})
	}
}
