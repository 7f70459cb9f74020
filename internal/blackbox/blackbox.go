// Package blackbox drives the real lifeline binary from outside, as an operator would:
// build it, run CLI commands, start and SIGKILL `serve`, call its API, and run a local
// gateway sink that records every message. The crash test and the benchmarks use it.
package blackbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"syscall"
	"time"

	"lifeline/internal/channel"
)

// Build compiles ./cmd/lifeline of the module at root into dir and returns the binary.
func Build(root, dir string) (string, error) {
	bin := filepath.Join(dir, "lifeline")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/lifeline")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// Instance is one data directory (and optional PostgreSQL URL) the binary runs on.
type Instance struct {
	Bin         string
	DataDir     string
	DatabaseURL string
	Addr        string   // host:port serve listens on
	Env         []string // extra environment for serve, e.g. LIFELINE_SEND_LEASE=2s
	Token       string
	cmd         *exec.Cmd
	exited      chan struct{}
	Log         *bytes.Buffer
}

func (in *Instance) flags() []string {
	f := []string{"--data", in.DataDir}
	if in.DatabaseURL != "" {
		f = append(f, "--database-url", in.DatabaseURL)
	}
	return f
}

// Run runs a CLI command and returns its stdout.
func (in *Instance) Run(stdin string, args ...string) (string, error) {
	cmd := exec.Command(in.Bin, append(args, in.flags()...)...)
	cmd.Env = append(os.Environ(), in.Env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("lifeline %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

// FreeAddr returns a loopback address with a free port.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Admin creates an admin user and an API token for it.
func (in *Instance) Admin(name string) error {
	if _, err := in.Run("Correct-Horse-Battery-9\n", "user", "add", name, "--role", "admin", "--password-stdin"); err != nil {
		return err
	}
	out, err := in.Run("", "token", "create", name)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	in.Token = strings.TrimSpace(lines[len(lines)-1])
	return nil
}

// Start starts `serve` and waits until /readyz answers.
func (in *Instance) Start() error {
	args := append([]string{"serve", "--addr", in.Addr, "--log-level", "warn"}, in.flags()...)
	in.cmd = exec.Command(in.Bin, args...)
	in.cmd.Env = append(os.Environ(), in.Env...)
	in.Log = &bytes.Buffer{}
	in.cmd.Stdout, in.cmd.Stderr = io.Discard, &lockedWriter{w: in.Log}
	if err := in.cmd.Start(); err != nil {
		return fmt.Errorf("start serve: %w", err)
	}
	in.exited = make(chan struct{})
	go func() { _ = in.cmd.Wait(); close(in.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-in.exited:
			return fmt.Errorf("serve exited: %s", in.Log.String())
		default:
		}
		resp, err := http.Get("http://" + in.Addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("serve did not become ready within 60 s")
}

// Kill sends SIGKILL to serve and waits for it to die.
func (in *Instance) Kill() {
	if in.cmd == nil || in.cmd.Process == nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGKILL)
	<-in.exited
}

// Stop asks serve to shut down (SIGTERM) and waits.
func (in *Instance) Stop() {
	if in.cmd == nil || in.cmd.Process == nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.exited:
	case <-time.After(30 * time.Second):
		in.Kill()
	}
}

// PeakRSS returns serve's peak resident set size in bytes (Linux VmHWM).
func (in *Instance) PeakRSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", in.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// ResetPeakRSS starts serve's peak RSS afresh (Linux: "5" into /proc/PID/clear_refs), so
// that a measurement covers one phase and not start-up maintenance.
func (in *Instance) ResetPeakRSS() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", in.cmd.Process.Pid), []byte("5"), 0)
}

// API calls the JSON API with the instance's token and decodes the answer into out.
func (in *Instance) API(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+in.Addr+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+in.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// Broadcast creates an http_gateway provider for the sink, an incident, and a
// notification to every department root, and returns the notification's path.
func (in *Instance) Broadcast(sinkURL, secret string, concurrency int, requireAck bool) (string, error) {
	cfg := map[string]any{"url": sinkURL, "secret": secret, "concurrency": concurrency}
	if err := in.API("POST", "/api/v1/providers", map[string]any{"kind": "http_gateway", "name": "sink", "config": cfg}, nil); err != nil {
		return "", err
	}
	var deps struct {
		Items []struct {
			ID       string  `json:"id"`
			ParentID *string `json:"parent_id"`
		} `json:"items"`
	}
	if err := in.API("GET", "/api/v1/departments", nil, &deps); err != nil {
		return "", err
	}
	var roots []string
	for _, d := range deps.Items {
		if d.ParentID == nil || *d.ParentID == "" {
			roots = append(roots, d.ID)
		}
	}
	var inc struct{ ID string }
	if err := in.API("POST", "/api/v1/incidents", map[string]any{"title": "厂区火灾", "type": "production_safety", "level": "I"}, &inc); err != nil {
		return "", err
	}
	var n struct{ ID string }
	body := map[string]any{"audience": map[string]any{"departments": roots}, "text": "厂区火灾，请立即撤离", "require_ack": requireAck}
	if err := in.API("POST", "/api/v1/incidents/"+inc.ID+"/notifications", body, &n); err != nil {
		return "", err
	}
	return "/api/v1/incidents/" + inc.ID + "/notifications/" + n.ID, nil
}

// Counts are a notification's counts as the API returns them.
type Counts struct {
	Recipients   int `json:"recipients"`
	Sent         int `json:"sent"`
	Failed       int `json:"failed"`
	Acknowledged int `json:"acknowledged"`
	Unreachable  int `json:"unreachable"`
	Queued       int `json:"queued"`
}

// Counts reads a notification's counts.
func (in *Instance) Counts(path string) (Counts, error) {
	var n struct{ Counts Counts }
	err := in.API("GET", path, nil, &n)
	return n.Counts, err
}

// Sink is a local generic SMS gateway: it checks each message's signature and records
// the message ids each number received.
type Sink struct {
	Secret string
	mu     sync.Mutex
	byTo   map[string]map[string]int // number → message id → times received
	ackURL map[string]string         // message id → its acknowledgement link
	total  int
	badSig int
	// Kept as messages arrive, so that Stats is cheap: the benchmark polls it every 20 ms
	// during a broadcast, and a scan of 100,000 numbers under the lock each time held up
	// the very requests being measured.
	sameIDAgain, differentID int
	listener                 net.Listener
	srv                      *http.Server
}

// NewSink starts a sink on a loopback port.
func NewSink(secret string) (*Sink, error) {
	s := &Sink{Secret: secret, byTo: map[string]map[string]int{}, ackURL: map[string]string{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.listener = ln
	s.srv = &http.Server{Handler: s}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is where the sink listens.
func (s *Sink) URL() string { return "http://" + s.listener.Addr().String() + "/send" }

// Close stops the sink.
func (s *Sink) Close() { _ = s.srv.Close() }

// ServeHTTP records one message.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	if !channel.VerifySignature([]byte(s.Secret), b, r.Header.Get("X-Lifeline-Signature")) {
		s.mu.Lock()
		s.badSig++
		s.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var m channel.GatewayBody
	if err := json.Unmarshal(b, &m); err != nil || m.ID == "" || m.To == "" {
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	ids := s.byTo[m.To]
	if ids == nil {
		ids = map[string]int{}
		s.byTo[m.To] = ids
	}
	ids[m.ID]++
	if ids[m.ID] == 2 {
		s.sameIDAgain++
	}
	if ids[m.ID] == 1 && len(ids) == 2 {
		s.differentID++
	}
	s.ackURL[m.ID] = m.AckURL
	s.total++
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// Stats summarizes what the sink received.
type Stats struct {
	Messages    int // requests accepted
	Recipients  int // distinct numbers
	SameIDAgain int // a number received the same message id more than once (allowed: idempotent)
	DifferentID int // numbers that received two different message ids (never allowed)
	BadSig      int
}

// Stats returns what the sink has received so far.
func (s *Sink) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Messages: s.total, Recipients: len(s.byTo), BadSig: s.badSig, SameIDAgain: s.sameIDAgain, DifferentID: s.differentID}
}

// AckURLs returns the acknowledgement links received, one per message id.
func (s *Sink) AckURLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.ackURL))
	for _, u := range s.ackURL {
		if u != "" {
			out = append(out, u)
		}
	}
	return out
}

// WaitFor polls cond every 20 ms until it holds or ctx ends.
func WaitFor(ctx context.Context, cond func() (bool, error)) error {
	return WaitEvery(ctx, 20*time.Millisecond, cond)
}

// WaitEvery polls cond every d until it holds or ctx ends (a long interval for a cond
// that costs the server work, such as counting a large notification).
func WaitEvery(ctx context.Context, d time.Duration, cond func() (bool, error)) error {
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() > 1<<20 {
		return len(p), nil
	}
	return l.w.Write(p)
}
