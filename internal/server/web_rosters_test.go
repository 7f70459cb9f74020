package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"lifeline/internal/apptest"
)

// TestWebRosters drives the roster pages through their forms without a browser: the
// list, creating from a template, adding and removing a member, the point-in-time view,
// the printable page (masked, then full with an audited reason), the PDF and a viewer
// who sees no edit forms.
func TestWebRosters(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	hr := a.User(t, "hrsys", "hr", "")
	for i := range 4 {
		r := a.Do(t, "POST", "/api/v1/hr/events", hr, map[string]any{"id": fmt.Sprint("w-on-", i), "type": "onboard", "employee_no": fmt.Sprint("W00", i),
			"name": fmt.Sprint("名单员工", i), "department": "集团/生产部", "mobile": fmt.Sprintf("1391234%04d", i)})
		mustStatus(t, r, http.StatusOK)
	}
	const pw = "Web-Roster-Passw0rd"
	a.AddUser(t, "r-admin", "admin", pw, "")
	a.AddUser(t, "r-view", "viewer", pw, "")
	login := func(user string) *webClient {
		t.Helper()
		return loginWeb(t, a.URL, user, pw)
	}
	check := func(what string, st, want int, body string, contains ...string) {
		t.Helper()
		checkPage(t, what, st, want, body, contains...)
	}
	admin := login("r-admin")
	st, _, body := admin.do("GET", "/rosters", nil)
	check("list", st, 200, body, `action="/rosters"`, `href="/rosters"`, "名单")

	// Fewer than two owners: the form again with a message.
	st, _, body = admin.do("POST", "/rosters", url.Values{"template": {"rescue"}, "owners": {"W000"}})
	check("create with one owner", st, 422, body, `id="owners-error"`)
	st, h, body := admin.do("POST", "/rosters", url.Values{"template": {"rescue"}, "owners": {"W000, W001"}})
	check("create", st, 303, body)
	loc := h.Get("Location")
	st, _, body = admin.do("GET", loc, nil)
	check("detail", st, 200, body, "抢险救援组", "名单员工0", "名单员工1", `action="`+loc+`/members"`, "现场抢险")

	st, _, body = admin.do("POST", loc+"/members", url.Values{"person": {"W002"}, "duty": {"现场抢险"}, "backup": {"W003"}, "valid_to": {"2099-12-31"}})
	check("add member", st, 303, body)
	st, _, body = admin.do("POST", loc+"/members", url.Values{"person": {"NOPE"}, "duty": {"x"}})
	check("add unknown member", st, 422, body, `id="person-error"`)
	st, _, body = admin.do("GET", loc, nil)
	check("detail with member", st, 200, body, "名单员工2", "名单员工3", "139****0002", "2099-12-31")
	if strings.Contains(body, "13912340002") {
		t.Error("the roster page shows a full number")
	}
	m := regexp.MustCompile(`action="(/rosters/[^"]+/members/[^"]+/remove)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no remove form")
	}
	at := regexp.MustCompile(`\?at=([^"]+)">`).FindAllStringSubmatch(body, -1)
	if len(at) < 2 {
		t.Fatalf("history links: %v", at)
	}
	st, _, body = admin.do("POST", m[1], url.Values{})
	check("remove member", st, 303, body)
	st, _, body = admin.do("GET", loc, nil)
	check("detail after remove", st, 200, body)
	if strings.Contains(body, "名单员工2</a>") {
		t.Error("removed member still listed")
	}
	// The history link of the add shows the member as it was then.
	var found bool
	for _, x := range at {
		u, _ := url.QueryUnescape(strings.ReplaceAll(x[1], "&#43;", "+"))
		st, _, body = admin.do("GET", loc+"?at="+url.QueryEscape(u), nil)
		check("past view", st, 200, body, "roster-asof")
		found = found || strings.Contains(body, "名单员工2</a>")
	}
	if !found {
		t.Error("no past view shows the removed member")
	}
	st, _, body = admin.do("GET", loc+"?at=yesterday", nil)
	check("bad at", st, 200, body, `id="at-error"`)

	// Printable: masked by default, full with a reason (audited).
	st, _, body = admin.do("GET", loc+"/print", nil)
	check("print masked", st, 200, body, "paper-sign", "139****0000", "号码已隐藏", `name="reason"`)
	st, _, body = admin.do("GET", loc+"/print?full=1&reason="+url.QueryEscape("月度纸质名单"), nil)
	check("print full", st, 200, body, "月度纸质名单")
	if !strings.Contains(strings.ReplaceAll(body, " ", ""), "13912340000") {
		t.Errorf("print full lacks the full number:\n%.3000s", body)
	}
	var audit struct {
		Items []struct{ Action, Reason string }
	}
	a.Do(t, "GET", "/api/v1/audit?action=person.reveal", a.User(t, "sec", "security_officer", ""), nil).Decode(t, &audit)
	var audited bool
	for _, e := range audit.Items {
		audited = audited || e.Reason == "月度纸质名单"
	}
	if !audited {
		t.Errorf("the full print was not audited: %+v", audit.Items)
	}

	// A viewer reads the roster without edit forms and cannot print full numbers.
	viewer := login("r-view")
	st, _, body = viewer.do("GET", loc, nil)
	check("viewer detail", st, 200, body, "名单员工0")
	for _, s := range []string{`/members"`, "/remove", `action="/rosters"`} {
		if strings.Contains(body, s) {
			t.Errorf("viewer sees %q", s)
		}
	}
	st, _, body = viewer.do("GET", loc+"/print?full=1&reason=x", nil)
	check("viewer print", st, 200, body, "139****0000")
	if strings.Contains(strings.ReplaceAll(body, " ", ""), "13912340000") || strings.Contains(body, `name="reason"`) {
		t.Error("viewer printed full numbers or got the reason form")
	}
	st, _, _ = viewer.do("POST", m[1], url.Values{})
	if st != http.StatusForbidden && st != http.StatusNotFound {
		t.Errorf("viewer remove = %d", st)
	}

	// The PDF, where chromium is installed.
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		if os.Getenv("LIFELINE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("chromium is required but missing: %v", err)
		}
		st, _, _ = admin.do("GET", loc+"/print.pdf", nil)
		if st != http.StatusServiceUnavailable {
			t.Errorf("pdf without chromium = %d, want 503", st)
		}
		return
	}
	st, h, body = admin.do("GET", loc+"/print.pdf", nil)
	if st != 200 || h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF") {
		t.Fatalf("pdf = %d %q %.40q", st, h.Get("Content-Type"), body)
	}
	if dir := os.Getenv("LIFELINE_ARTIFACTS"); dir != "" {
		_ = os.WriteFile(dir+"/roster.pdf", []byte(body), 0o644)
	}
}
