package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"lifeline/internal/blackbox"
	"lifeline/internal/store/storetest"
)

// TestCrashBroadcast is the crash test of issue 6: a broadcast through the generic
// gateway to a local sink while the server is killed with SIGKILL at five random points
// and restarted each time. Every reachable recipient must receive the message, and no
// recipient may receive two different message ids — on SQLite and on PostgreSQL.
// LIFELINE_CRASH_PEOPLE sets the size (default 10,000; 2,000 with -short).
func TestCrashBroadcast(t *testing.T) {
	people := 10000
	if testing.Short() {
		people = 2000
	}
	if v, err := strconv.Atoi(os.Getenv("LIFELINE_CRASH_PEOPLE")); err == nil && v > 0 {
		people = v
	}
	root, _ := filepath.Abs("../..")
	bin, err := blackbox.Build(root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			opts := e.Options(t)
			addr, err := blackbox.FreeAddr()
			if err != nil {
				t.Fatal(err)
			}
			in := &blackbox.Instance{Bin: bin, DataDir: opts.DataDir, DatabaseURL: opts.DatabaseURL, Addr: addr,
				Env: []string{"LIFELINE_SEND_LEASE=2s"}}
			if _, err := in.Run("", "demo", "--people", strconv.Itoa(people)); err != nil {
				t.Fatal(err)
			}
			if err := in.Admin("ops"); err != nil {
				t.Fatal(err)
			}
			sink, err := blackbox.NewSink("crash-test-secret-0123456789")
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close()
			if err := in.Start(); err != nil {
				t.Fatal(err)
			}
			defer in.Kill()
			path, err := in.Broadcast(sink.URL(), sink.Secret, 32, true)
			if err != nil {
				t.Fatal(err)
			}
			c, err := in.Counts(path)
			if err != nil {
				t.Fatal(err)
			}
			reachable := c.Recipients - c.Unreachable
			t.Logf("%d recipients, %d reachable", c.Recipients, reachable)
			if reachable < people*9/10 {
				t.Fatalf("only %d of %d people reachable", reachable, people)
			}
			// Five kill points spread at random over the broadcast.
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			for k := range 5 {
				lo, hi := reachable*k/6, reachable*(k+1)/6
				at := lo + rng.IntN(max(hi-lo, 1))
				if err := blackbox.WaitFor(ctx, func() (bool, error) { return sink.Stats().Messages >= at, nil }); err != nil {
					t.Fatalf("kill %d: waiting for %d messages: %v (sink %+v)", k+1, at, err, sink.Stats())
				}
				in.Kill()
				t.Logf("kill %d after %d messages", k+1, sink.Stats().Messages)
				if err := in.Start(); err != nil {
					t.Fatal(err)
				}
			}
			err = blackbox.WaitFor(ctx, func() (bool, error) {
				c, err := in.Counts(path)
				return c.Sent == reachable && c.Queued == 0, err
			})
			if err != nil {
				c, _ := in.Counts(path)
				t.Fatalf("not every delivery recorded: %v (counts %+v, sink %+v)", err, c, sink.Stats())
			}
			st := sink.Stats()
			t.Logf("sink: %+v", st)
			if st.Recipients != reachable {
				t.Errorf("%d numbers received the message, want %d", st.Recipients, reachable)
			}
			if st.DifferentID != 0 {
				t.Errorf("%d numbers received two different message ids", st.DifferentID)
			}
			if st.BadSig != 0 {
				t.Errorf("%d messages with a bad signature", st.BadSig)
			}
			fmt.Fprintf(os.Stderr, "crash test %s: %d recipients, %d messages (%d resent with the same id after a kill)\n",
				e.Name, reachable, st.Messages, st.SameIDAgain)
		})
	}
}
