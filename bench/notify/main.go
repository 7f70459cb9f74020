// Command notify benchmarks the notification pipeline against the raw limits of the
// same machine in the same run (absolute rates drift on a shared machine; ratios hold):
//
//   - broadcast: N recipients through the generic gateway to a local sink, from the POST
//     until every delivery is recorded as sent, against a bare Go HTTP client (a process
//     of its own, as serve is) posting the same messages to an identical sink with the
//     same concurrency;
//   - acknowledgements: N durable acknowledgement POSTs against a hello-world handler in
//     its own process, under the same load generator;
//   - peak RSS of the serving process.
//
// Usage: go run ./bench/notify [-people 100000] [-concurrency 64] [-database-url URL]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lifeline/internal/blackbox"
	"lifeline/internal/channel"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "hello" {
		hello(os.Args[2])
		return
	}
	if len(os.Args) > 5 && os.Args[1] == "post" {
		if err := post(os.Args[2], os.Args[3], os.Args[4], os.Args[5]); err != nil {
			fmt.Fprintln(os.Stderr, "bench post:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// hello serves the smallest handler there is, for the acknowledgement baseline.
func hello(addr string) {
	_ = http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"safe"}` + "\n"))
	}))
}

// post is the bare client as a process of its own, as serve is: it posts the messages
// of a file (one JSON body a line) to url, signed with secret, conc at a time, and
// prints the rate per second.
func post(url, concurrency, secret, file string) error {
	conc, err := strconv.Atoi(concurrency)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	messages := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	rate, err := load(repeat(url, len(messages)), nil, messages, conc, secret)
	if err != nil {
		return err
	}
	fmt.Println(rate)
	return nil
}

// bareClient runs post in a child process and returns its rate.
func bareClient(url string, conc int, secret string, messages [][]byte, dir string) (float64, error) {
	file := filepath.Join(dir, "messages.jsonl")
	if err := os.WriteFile(file, bytes.Join(messages, []byte("\n")), 0o600); err != nil {
		return 0, err
	}
	self, _ := os.Executable()
	out, err := exec.Command(self, "post", url, strconv.Itoa(conc), secret, file).Output()
	if err != nil {
		return 0, fmt.Errorf("bare client: %w", err)
	}
	return strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
}

func client(conc int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 4 * conc, MaxIdleConnsPerHost: 4 * conc}}
}

// load posts to each URL with conc workers and returns the rate per second: body when
// it is not nil, else the i-th message of messages (built before the clock starts).
func load(urls []string, body []byte, messages [][]byte, conc int, sign string) (float64, error) {
	hc := client(conc)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(urls) {
					return
				}
				b := body
				if b == nil {
					b = messages[i]
				}
				req, _ := http.NewRequest(http.MethodPost, urls[i], bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				if sign != "" {
					req.Header.Set("X-Lifeline-Signature", channel.Sign([]byte(sign), b))
				}
				resp, err := hc.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return 0, fmt.Errorf("%d of %d requests failed", n, len(urls))
	}
	return float64(len(urls)) / time.Since(start).Seconds(), nil
}

func repeat(u string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = u
	}
	return out
}

func run() error {
	people := flag.Int("people", 100000, "people in the demo organization (all notified)")
	conc := flag.Int("concurrency", 64, "requests in flight: the gateway provider's and the bare client's")
	dbURL := flag.String("database-url", "", "PostgreSQL URL of an empty database (SQLite when empty)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of serve during the broadcast to this file")
	profileFor := flag.Duration("profile-for", 20*time.Second, "how long the CPU profile runs")
	serveEnv := flag.String("serve-env", "", "extra environment for serve only, e.g. GOGC=200 (comma-separated)")
	profileKind := flag.String("profile-kind", "profile", "what -cpuprofile saves: profile (CPU) or trace (execution trace, for go tool trace)")
	profilePhase := flag.String("profile-phase", "broadcast", "what the CPU profile covers from its start: broadcast or acks")
	flag.Parse()
	root, _ := filepath.Abs(".")
	tmp, err := os.MkdirTemp("", "lifeline-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin, err := blackbox.Build(root, tmp)
	if err != nil {
		return err
	}
	addr, err := blackbox.FreeAddr()
	if err != nil {
		return err
	}
	in := &blackbox.Instance{Bin: bin, DataDir: filepath.Join(tmp, "data"), DatabaseURL: *dbURL, Addr: addr}
	debugAddr, err := blackbox.FreeAddr()
	if err != nil {
		return err
	}
	if *serveEnv != "" {
		in.Env = append(in.Env, strings.Split(*serveEnv, ",")...)
	}
	if *cpuProfile != "" {
		in.Env = append(in.Env, "LIFELINE_DEBUG_ADDR="+debugAddr)
	}
	engine := "sqlite"
	if *dbURL != "" {
		engine = "postgres"
	}
	fmt.Fprintf(os.Stderr, "loading %d demo people on %s…\n", *people, engine)
	if _, err := in.Run("", "demo", "--people", strconv.Itoa(*people)); err != nil {
		return err
	}
	if err := in.Admin("bench"); err != nil {
		return err
	}
	const secret = "bench-secret-0123456789abcdef"
	sink, err := blackbox.NewSink(secret)
	if err != nil {
		return err
	}
	defer sink.Close()
	if err := in.Start(); err != nil {
		return err
	}
	defer in.Stop()
	// Let start-up maintenance finish (the first data-quality recheck of the whole
	// directory runs when serve starts), then measure the broadcast's own peak memory.
	settle := 60 * time.Second
	if d, err := time.ParseDuration(os.Getenv("BENCH_SETTLE")); err == nil {
		settle = d
	}
	time.Sleep(settle)
	if err := in.ResetPeakRSS(); err != nil {
		fmt.Fprintln(os.Stderr, "cannot reset the peak RSS:", err)
	}

	// Lifeline: POST → every delivery recorded.
	profiled := make(chan error, 1)
	if *cpuProfile != "" && *profilePhase == "broadcast" {
		go func() { profiled <- fetchProfile("http://"+debugAddr, *profileKind, *profileFor, *cpuProfile) }()
	} else {
		profiled <- nil
	}
	t0 := time.Now()
	path, err := in.Broadcast(sink.URL(), secret, *conc, true)
	if err != nil {
		return err
	}
	posted := time.Since(t0)
	c, err := in.Counts(path)
	if err != nil {
		return err
	}
	reachable := c.Recipients - c.Unreachable
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := blackbox.WaitFor(ctx, func() (bool, error) { return sink.Stats().Recipients >= reachable, nil }); err != nil {
		return err
	}
	// Counting 100,000 recipients is work for the server: poll every 100 ms.
	if err := blackbox.WaitEvery(ctx, 100*time.Millisecond, func() (bool, error) {
		c, err := in.Counts(path)
		return c.Sent == reachable, err
	}); err != nil {
		return err
	}
	elapsed := time.Since(t0)
	rate := float64(reachable) / elapsed.Seconds()
	rss := in.PeakRSS()
	if err := <-profiled; err != nil {
		fmt.Fprintln(os.Stderr, "cpu profile:", err)
	}

	// The raw limit: a bare client posting as many signed messages to an identical sink,
	// the same messages Lifeline sent (text, acknowledgement link and all, under other ids),
	// so that both sinks do the same work per request. The client is a process of its
	// own, as serve is; the same client inside the sink's process (no wake-ups across
	// processes, one scheduler for both ends) is reported too.
	links := sink.AckURLs()
	messages := make([][]byte, reachable)
	for i := range messages {
		link := links[i%len(links)]
		messages[i], _ = json.Marshal(channel.GatewayBody{ID: fmt.Sprintf("raw-%026d", i), To: fmt.Sprintf("+86139%08d", i),
			Text: "厂区火灾，请立即撤离 " + link, AckURL: link})
	}
	raw, err := blackbox.NewSink(secret)
	if err != nil {
		return err
	}
	defer raw.Close()
	rawRate, err := bareClient(raw.URL(), *conc, secret, messages, tmp)
	if err != nil {
		return err
	}
	if st := raw.Stats(); st.Recipients != reachable || st.BadSig > 0 {
		return fmt.Errorf("bare client: the sink received %d numbers (%d bad signatures), want %d", st.Recipients, st.BadSig, reachable)
	}
	inner, err := blackbox.NewSink(secret)
	if err != nil {
		return err
	}
	defer inner.Close()
	innerRate, err := load(repeat(inner.URL(), reachable), nil, messages, *conc, secret)
	if err != nil {
		return err
	}

	// Acknowledgements: hello-world in its own process, then the real links.
	helloAddr, err := blackbox.FreeAddr()
	if err != nil {
		return err
	}
	self, _ := os.Executable()
	hcmd := exec.Command(self, "hello", helloAddr)
	if err := hcmd.Start(); err != nil {
		return err
	}
	defer func() { _ = hcmd.Process.Kill(); _ = hcmd.Wait() }()
	for range 500 {
		if c, err := net.Dial("tcp", helloAddr); err == nil {
			c.Close()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	ackBody := []byte(`{"status":"safe"}`)
	helloRate, err := load(repeat("http://"+helloAddr+"/a/x", len(links)), ackBody, nil, *conc, "")
	if err != nil {
		return err
	}
	if *cpuProfile != "" && *profilePhase == "acks" {
		go func() {
			if err := fetchProfile("http://"+debugAddr, *profileKind, *profileFor, *cpuProfile); err != nil {
				fmt.Fprintln(os.Stderr, "cpu profile:", err)
			}
		}()
	}
	ackRate, err := load(links, ackBody, nil, *conc, "")
	if err != nil {
		return err
	}
	c, err = in.Counts(path)
	if err != nil {
		return err
	}
	if c.Acknowledged != len(links) {
		return fmt.Errorf("%d acknowledgements recorded, want %d", c.Acknowledged, len(links))
	}
	st := sink.Stats()
	fmt.Printf("engine=%s recipients=%d concurrency=%d post_ms=%d\n", engine, reachable, *conc, posted.Milliseconds())
	fmt.Printf("broadcast: %.0f msg/s in %.1fs; bare client %.0f req/s; ratio %.2f; resent same id %d; different ids %d\n",
		rate, elapsed.Seconds(), rawRate, rate/rawRate, st.SameIDAgain, st.DifferentID)
	fmt.Printf("  (the bare client inside the sink's process: %.0f req/s; ratio to it %.2f)\n", innerRate, rate/innerRate)
	fmt.Printf("acks: %.0f/s durable; hello-world %.0f/s; ratio %.2f (%d acknowledged)\n", ackRate, helloRate, ackRate/helloRate, c.Acknowledged)
	fmt.Printf("peak RSS of serve during the broadcast: %.0f MB\n", float64(rss)/(1<<20))
	return nil
}

// fetchProfile saves a CPU profile (kind "profile") or an execution trace (kind
// "trace") of serve taken over d from its --debug-addr.
func fetchProfile(base, kind string, d time.Duration, file string) error {
	if kind != "profile" && kind != "trace" {
		return fmt.Errorf("profile kind %q: want profile or trace", kind)
	}
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/%s?seconds=%d", base, kind, int(d.Seconds())))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile: %s", resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
