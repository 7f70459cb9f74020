// Package apptest starts the whole Lifeline application for black-box tests: the real
// composition root, HTTP server and job queue, on SQLite or PostgreSQL.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lifeline/internal/app"
	"lifeline/internal/demo"
	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
)

// Options choose what the app starts with.
type Options struct {
	Demo       bool // load the demo organization
	DemoPeople int  // its size (default 500)
	Store      *store.Options
	// SecondForAll makes an organization-wide notification wait for a second
	// responder, as `lifeline serve` does by default.
	SecondForAll bool
}

// App is a running Lifeline.
type App struct {
	URL   string
	App   *app.App
	Demo  demo.Org
	Log   *bytes.Buffer // everything the server logged
	flags []string
}

// lockedBuffer lets the server's goroutines log while a test reads.
type lockedBuffer struct {
	buf *bytes.Buffer
	mu  chan struct{}
}

func (l lockedBuffer) Write(p []byte) (int, error) {
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	return l.buf.Write(p)
}

// Start starts Lifeline on SQLite in a temporary directory, or on the given store.
func Start(t testing.TB, o Options) *App {
	t.Helper()
	so := store.Options{DataDir: t.TempDir()}
	if o.Store != nil {
		so = *o.Store
	}
	return start(t, o, so)
}

// StartOn starts Lifeline on a fresh database of an engine.
func StartOn(t testing.TB, e storetest.Engine, o Options) *App {
	t.Helper()
	return start(t, o, e.Options(t))
}

func start(t testing.TB, o Options, so store.Options) *App {
	ctx, cancel := context.WithCancel(context.Background())
	logBuf := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(lockedBuffer{logBuf, make(chan struct{}, 1)}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg := app.Config{DataDir: so.DataDir, DatabaseURL: so.DatabaseURL}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("open app: %v", err)
	}
	// Listen first so that links in messages (acknowledgement, callbacks) point here.
	ts := httptest.NewUnstartedServer(nil)
	a.Config.PublicURL, a.Config.SecondForAll = "http://"+ts.Listener.Addr().String(), o.SecondForAll
	srv, jc, err := a.Build()
	if err != nil {
		ts.Close()
		cancel()
		t.Fatalf("build app: %v", err)
	}
	if err := jc.Start(ctx); err != nil {
		ts.Close()
		cancel()
		t.Fatalf("start jobs: %v", err)
	}
	dispatched := make(chan struct{})
	go func() { _ = a.Notify.RunDispatcher(ctx); close(dispatched) }()
	ts.Config.Handler = srv
	ts.Start()
	out := &App{URL: ts.URL, App: a, Log: logBuf, flags: []string{"--data", so.DataDir}}
	if so.DatabaseURL != "" {
		out.flags = append(out.flags, "--database-url", so.DatabaseURL)
	}
	t.Cleanup(func() {
		ts.Close()
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = jc.Stop(sctx)
		cancel()
		<-dispatched
		a.Notify.Close()
		a.Close()
	})
	if o.Demo {
		n := o.DemoPeople
		if n == 0 {
			n = 500
		}
		out.Run(t, "", "demo", "--people", itoa(n))
		out.Demo = demo.Generate(n, 20261123)
	}
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// Run runs a lifeline CLI command against the app's data (as an operator would while
// the server runs) and returns its standard output; a failure fails the test.
func (a *App) Run(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	out, err := a.TryRun(stdin, args...)
	if err != nil {
		t.Fatalf("lifeline %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// TryRun is Run that returns the error.
func (a *App) TryRun(stdin string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	env := func(string) string { return "" }
	err := app.Run(context.Background(), append(args, a.flags...), env, strings.NewReader(stdin), &stdout, &stderr)
	if err != nil {
		return stdout.String(), &cliError{err: err, stderr: stderr.String()}
	}
	return stdout.String(), nil
}

type cliError struct {
	err    error
	stderr string
}

func (e *cliError) Error() string { return e.err.Error() + "\n" + e.stderr }
func (e *cliError) Unwrap() error { return e.err }

// AddUser creates an account through the CLI; departmentPath "" scopes it to the whole organization.
func (a *App) AddUser(t testing.TB, username, role, password, departmentPath string) {
	t.Helper()
	args := []string{"user", "add", username, "--role", role, "--password-stdin"}
	if departmentPath != "" {
		args = append(args, "--department", departmentPath)
	}
	a.Run(t, password+"\n", args...)
}

// Token creates an API token for a user through the CLI and returns it.
func (a *App) Token(t testing.TB, username string) string {
	t.Helper()
	out := strings.TrimSpace(a.Run(t, "", "token", "create", username))
	lines := strings.Split(out, "\n")
	return lines[len(lines)-1]
}

// User creates an account with a default password and returns an API token for it.
func (a *App) User(t testing.TB, username, role, departmentPath string) string {
	t.Helper()
	a.AddUser(t, username, role, "Correct-Horse-Battery-9", departmentPath)
	return a.Token(t, username)
}

// Response is an HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map (or fails the test).
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("decode %d %s: %v", r.Status, r.Body, err)
	}
	return m
}

// Decode decodes the body into v (or fails the test).
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %d %s: %v", r.Status, r.Body, err)
	}
}

// Do sends a request with a bearer token (if any) and a JSON body (if any).
func (a *App) Do(t testing.TB, method, path, token string, body any) Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case []byte:
			rd = bytes.NewReader(b)
		case io.Reader:
			rd = b
		default:
			j, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			rd = bytes.NewReader(j)
		}
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return a.Send(t, req)
}

// Send sends a prepared request.
func (a *App) Send(t testing.TB, req *http.Request) Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}
