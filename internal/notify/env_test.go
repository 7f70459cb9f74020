package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/channel"
	"lifeline/internal/directory"
	"lifeline/internal/incident"
	"lifeline/internal/keys"
	"lifeline/internal/notify"
	"lifeline/internal/roster"
	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
	"lifeline/internal/vault"
)

func ptr[T any](v T) *T { return &v }

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a database with a directory, an incident and the notification service.
type env struct {
	t        *testing.T
	db       *store.DB
	v        *vault.Vault
	clk      *testClock
	dir      *directory.Service
	rosters  *roster.Service
	inc      *incident.Service
	svc      *notify.Service
	sys      *access.Principal
	deptID   string
	incident string
}

func newEnv(t *testing.T, e storetest.Engine, cfg notify.Config) *env {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, e)
	v, err := vault.Load(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Load(ctx, db, v, time.Now()); err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	en := &env{t: t, db: db, v: v, clk: clk, sys: access.System("test")}
	en.dir = directory.New(db, v, clk)
	en.rosters = roster.New(db, clk)
	en.inc = incident.New(db, en.dir, en.rosters, clk)
	en.svc = notify.New(notify.Deps{DB: db, Vault: v, Clock: clk, Rosters: en.rosters}, cfg)
	t.Cleanup(en.svc.Close)
	d, err := en.dir.CreateDepartment(ctx, en.sys, directory.DepartmentInput{Name: ptr("总部")})
	if err != nil {
		t.Fatal(err)
	}
	en.deptID = d.ID
	i, err := en.inc.Report(ctx, en.sys, incident.Input{Title: "化工区泄漏", Type: "production_safety", Level: "II"})
	if err != nil {
		t.Fatal(err)
	}
	en.incident = i.ID
	return en
}

// person adds a person with the given channels (kind, value pairs).
func (en *env) person(no, name, managerID string, chans ...string) string {
	en.t.Helper()
	var cs []directory.ChannelInput
	for i := 0; i+1 < len(chans); i += 2 {
		cs = append(cs, directory.ChannelInput{Kind: chans[i], Value: chans[i+1]})
	}
	in := directory.PersonInput{EmployeeNo: ptr(no), Name: ptr(name), DepartmentID: ptr(en.deptID), Channels: &cs}
	if managerID != "" {
		in.ManagerID = ptr(managerID)
	}
	p, err := en.dir.CreatePerson(context.Background(), en.sys, in)
	if err != nil {
		en.t.Fatalf("create person %s: %v", no, err)
	}
	return p.ID
}

// sink is a local generic gateway that records what it receives, checking signatures.
type sink struct {
	mu       sync.Mutex
	secret   string
	got      map[string][]channel.GatewayBody // by recipient number
	badSig   int
	status   int                      // answer status (0: 200)
	reject   map[string]bool          // numbers answered with 400 (an invalid number)
	hold     map[string]chan struct{} // numbers whose message is recorded but answered only once closed
	requests int
	srv      *httptest.Server
}

func newSink(t *testing.T, secret string) *sink {
	s := &sink{secret: secret, got: map[string][]channel.GatewayBody{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests++
		if !channel.VerifySignature([]byte(s.secret), b, r.Header.Get("X-Lifeline-Signature")) {
			s.badSig++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if s.status != 0 {
			w.WriteHeader(s.status)
			return
		}
		var m channel.GatewayBody
		if err := json.Unmarshal(b, &m); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		if s.reject[m.To] {
			http.Error(w, "invalid number", http.StatusBadRequest)
			return
		}
		s.got[m.To] = append(s.got[m.To], m)
		if h := s.hold[m.To]; h != nil {
			s.mu.Unlock()
			<-h
			s.mu.Lock()
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) messages(to string) []channel.GatewayBody {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]channel.GatewayBody(nil), s.got[to]...)
}

func (s *sink) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, l := range s.got {
		n += len(l)
	}
	return n
}

// gateway registers the sink as an http_gateway provider.
func (en *env) gateway(s *sink, name string, priority int) notify.Provider {
	en.t.Helper()
	p, err := en.svc.CreateProvider(context.Background(), en.sys, notify.ProviderInput{Kind: "http_gateway", Name: name, URL: s.srv.URL,
		Secret: s.secret, Priority: priority})
	if err != nil {
		en.t.Fatal(err)
	}
	return p
}

// logProvider registers a log provider standing in for a medium.
func (en *env) logProvider(media string) {
	en.t.Helper()
	cfg := json.RawMessage(fmt.Sprintf(`{"media":%q}`, media))
	if _, err := en.svc.CreateProvider(context.Background(), en.sys, notify.ProviderInput{Kind: "log", Name: "log-" + media, Config: cfg}); err != nil {
		en.t.Fatal(err)
	}
}

// dispatch runs the dispatcher until cond holds (checked every 20 ms; at most 30 s).
func (en *env) dispatch(cond func() bool) {
	en.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { en.svc.RunDispatcher(ctx); close(done) }()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if !cond() {
		en.t.Fatal("condition not reached within 30 s")
	}
}

func (en *env) counts(nid string) notify.Counts {
	en.t.Helper()
	n, err := en.svc.Get(context.Background(), en.sys, en.incident, nid)
	if err != nil {
		en.t.Fatal(err)
	}
	return *n.Counts
}
