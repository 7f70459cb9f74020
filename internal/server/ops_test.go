package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"lifeline/internal/apptest"
)

func TestIdempotencyKey(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	admin := a.User(t, "root", "admin", "")
	post := func(key, name string) apptest.Response {
		req, _ := http.NewRequest("POST", a.URL+"/api/v1/departments", strings.NewReader(`{"name":"`+name+`"}`))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		return a.Send(t, req)
	}
	first := post("k1", "应急办")
	mustStatus(t, first, http.StatusCreated)
	again := post("k1", "应急办")
	mustStatus(t, again, http.StatusCreated)
	if !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry was not a replay: %s vs %s", first.Body, again.Body)
	}
	mustStatus(t, post("k1", "别的部门"), http.StatusUnprocessableEntity)
	r := a.Do(t, "GET", "/api/v1/departments", admin, nil)
	if n := bytes.Count(r.Body, []byte(`"name":"应急办"`)); n != 1 {
		t.Fatalf("%d departments created for one idempotency key", n)
	}
	// Without a key, a second identical POST is a conflict (the name is taken), not a duplicate.
	mustStatus(t, a.Do(t, "POST", "/api/v1/departments", admin, map[string]any{"name": "应急办"}), http.StatusConflict)
}

func TestOperationsEndpointsAndHeaders(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	for _, path := range []string{"/healthz", "/readyz"} {
		mustStatus(t, a.Do(t, "GET", path, "", nil), http.StatusOK)
	}
	a.Do(t, "GET", "/api/v1/people", "", nil) // a request to count
	r := a.Do(t, "GET", "/metrics", "", nil)
	mustStatus(t, r, http.StatusOK)
	if !bytes.Contains(r.Body, []byte(`lifeline_http_requests_total{method="GET",route="GET /api/v1/people",status="401"}`)) {
		t.Fatalf("metrics lack the request counter: %.500s", r.Body)
	}
	h := a.Do(t, "GET", "/login", "", nil).Header
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
		if h.Get(k) != want {
			t.Errorf("%s = %q", k, h.Get(k))
		}
	}
	if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", h.Get("Content-Security-Policy"))
	}
	if h.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
}

// TestCrossOriginRequestsRefused checks CSRF protection: a state-changing request sent by
// a browser from another site is refused, even with a valid session cookie.
func TestCrossOriginRequestsRefused(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	a.AddUser(t, "hr1", "hr", "Correct-Horse-Battery-9", "")
	req, _ := http.NewRequest("POST", a.URL+"/login", strings.NewReader("username=hr1&password=Correct-Horse-Battery-9"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "lifeline_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v (status %d)", session, resp.StatusCode)
	}
	send := func(site string) int {
		req, _ := http.NewRequest("POST", a.URL+"/api/v1/departments", strings.NewReader(`{"name":"X"}`))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(session)
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		r := a.Send(t, req)
		return r.Status
	}
	if got := send("cross-site"); got != http.StatusForbidden {
		t.Fatalf("cross-site POST with a session: %d, want 403", got)
	}
	if got := send("same-origin"); got != http.StatusCreated {
		t.Fatalf("same-origin POST with a session: %d, want 201", got)
	}
	// The session works for reads.
	req, _ = http.NewRequest("GET", a.URL+"/api/v1/me", nil)
	req.AddCookie(session)
	r := a.Send(t, req)
	mustStatus(t, r, http.StatusOK)
	if !bytes.Contains(r.Body, []byte(`"role":"hr"`)) {
		t.Fatalf("me = %s", r.Body)
	}
}

// TestAuditLogAccess: only the security officer reads the audit log; the chain verifies
// through the CLI, and a broken chain makes `audit verify` fail.
func TestAuditLogAccess(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	admin := a.User(t, "root", "admin", "")
	so := a.User(t, "sec", "security_officer", "")
	createDept(t, a, admin, "总部", "")
	mustStatus(t, a.Do(t, "GET", "/api/v1/audit", admin, nil), http.StatusForbidden)
	r := a.Do(t, "GET", "/api/v1/audit?action=token.create&limit=1", so, nil)
	mustStatus(t, r, http.StatusOK)
	var page struct {
		Items []struct {
			Seq    int64
			Action string
		}
		NextCursor string `json:"next_cursor"`
	}
	r.Decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].Action != "token.create" || page.NextCursor == "" {
		t.Fatalf("audit page = %s", r.Body)
	}
	r = a.Do(t, "GET", "/api/v1/audit?action=token.create&cursor="+page.NextCursor, so, nil)
	r.Decode(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("second page = %s", r.Body)
	}
	// A security officer cannot edit data (separation of duties).
	mustStatus(t, a.Do(t, "POST", "/api/v1/departments", so, map[string]any{"name": "x"}), http.StatusForbidden)
	if out := a.Run(t, "", "audit", "verify"); !strings.Contains(out, "intact") {
		t.Fatalf("verify: %s", out)
	}
	if _, err := a.App.DB.Write.Exec(`DROP TRIGGER audit_log_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.App.DB.Write.Exec(`UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	out, err := a.TryRun("", "audit", "verify")
	if err == nil || !strings.Contains(out, "BROKEN at record 2") {
		t.Fatalf("verify of a broken chain: %q, %v", out, err)
	}
}
