package server_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"lifeline/internal/apptest"
	"lifeline/internal/demo"
)

// chromiumPath is where CI installs the browser.
const chromiumPath = "/usr/bin/chromium"

// cspProbe records Content-Security-Policy violations of every page, so that an inline
// style or script that the browser refused fails the test instead of passing unnoticed.
const cspProbe = `window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline")); });`

// TestBrowser drives the web UI in headless Chromium: login, live search, the masked
// person page, a reveal with a reason, the language switch and the phone layout. It
// saves screenshots as artifacts.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("LIFELINE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("chromium is required (LIFELINE_REQUIRE_BROWSER=1) but missing: %v", err)
		}
		t.Skipf("no browser at %s; install chromium (and fonts-noto-cjk) to run this test", chromiumPath)
	}
	app := apptest.Start(t, apptest.Options{Demo: true})
	const user, password = "browser-admin", "Browser-Test-Passw0rd"
	app.AddUser(t, user, "admin", password, "")
	who, prefix := pickPerson(t, app.Demo)
	shots := artifactsDir(t)
	t.Logf("searching %q for %s (%s); screenshots in %s", prefix, who.Name, who.EmployeeNo, shots)

	bctx := startChromium(t)

	// Each step has its own timeout, so that a hang fails the test instead of stalling CI.
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, c := context.WithTimeout(bctx, 60*time.Second)
		defer c()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		sctx, c := context.WithTimeout(bctx, 60*time.Second)
		defer c()
		s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	eval := func(js string) string {
		t.Helper()
		sctx, c := context.WithTimeout(bctx, 60*time.Second)
		defer c()
		s, err := chromedp.Run(sctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
	// shot saves a screenshot of the whole page, or with viewportOnly of what is on screen.
	shot := func(name string, viewportOnly ...bool) {
		t.Helper()
		if v := eval(`(window.__csp || []).join("; ")`); v != "" {
			t.Errorf("%s: Content-Security-Policy violations: %s", name, v)
		}
		sctx, c := context.WithTimeout(bctx, 60*time.Second)
		defer c()
		capture := chromedp.FullScreenshot(100)
		if len(viewportOnly) > 0 && viewportOnly[0] {
			capture = chromedp.CaptureScreenshot()
		}
		png, err := chromedp.Run(sctx, capture)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Log in.
	step("open login", chromedp.Navigate(app.URL+"/people"), chromedp.WaitVisible(chromedp.ID("username")))
	if got := eval(`document.documentElement.lang`); got != "zh-CN" {
		t.Errorf("login page language = %q, want zh-CN", got)
	}
	if loc := eval(`location.pathname + location.search`); !strings.HasPrefix(loc, "/login?next=") {
		t.Errorf("unauthenticated /people went to %s, want the login page", loc)
	}
	step("fill login", chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), password))
	shot("login.png")
	step("log in", chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("q")), chromedp.WaitVisible(chromedp.CSS("#results table")))
	if body := text("header"); !strings.Contains(body, user) || !strings.Contains(body, "系统管理员") {
		t.Errorf("header does not show the user and role: %q", body)
	}

	// Live search: typing updates the results through htmx and pushes the URL.
	step("search", chromedp.SendKeys(chromedp.ID("q"), prefix),
		chromedp.Poll[chromedp.Void](`location.search.includes("q=") && document.querySelectorAll("#results a.person-link").length > 0 &&
			Array.from(document.querySelectorAll("#results a.person-link")).every(a => a.textContent.includes(`+jsString(prefix)+`))`,
			chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.WaitVisible(chromedp.Search(personLink(who))))
	if got := eval(`document.querySelectorAll("html").length + ":" + document.querySelectorAll("header").length`); got != "1:1" {
		t.Errorf("the results fragment was not swapped in cleanly (html:header = %s)", got)
	}
	shot("search.png")
	if next := eval(`document.querySelector("form[action='/lang'] input[name=next]").value`); !strings.Contains(next, "q=") {
		t.Errorf("after a live search the language switch returns to %q, want the search", next)
	}

	// The person page shows masked values.
	step("open person", chromedp.Click(chromedp.Search(personLink(who))), chromedp.WaitVisible(chromedp.ID("contact")), chromedp.WaitVisible(chromedp.ID("reason")))
	if h := text("h1"); !strings.Contains(h, who.Name) {
		t.Errorf("person page heading = %q, want %s", h, who.Name)
	}
	if c := text("#contact"); !strings.Contains(c, "****") {
		t.Errorf("the contact section is not masked: %q", c)
	}
	shot("person.png")

	// Reveal with a reason: the contact section is swapped for full values.
	step("reveal", chromedp.SendKeys(chromedp.ID("reason"), "浏览器测试：核对紧急联系人"), chromedp.Click(chromedp.ID("reveal-submit")),
		chromedp.WaitVisible(chromedp.CSS("#contact .notice-ok")))
	revealed := text("#contact")
	if strings.Contains(revealed, "****") {
		t.Errorf("the revealed contact section still has masked values: %q", revealed)
	}
	if want := lastDigits(who.Mobile, 11); want != "" && !strings.Contains(digitsOf(revealed), want) {
		t.Errorf("the revealed contact section lacks the mobile %s: %q", want, revealed)
	}
	if !strings.Contains(revealed, "已记录查看原因") {
		t.Errorf("no notice that the reveal was recorded: %q", revealed)
	}
	shot("revealed.png")

	// Switch to English: the page comes back with English labels, masked again.
	step("switch language", chromedp.Click(chromedp.CSS("button.lang")), chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)), chromedp.WaitVisible(chromedp.ID("contact")))
	if c := text("#contact"); !strings.Contains(c, "Emergency contacts") || !strings.Contains(c, "****") {
		t.Errorf("after switching to English the contact section is %q", c)
	}
	if nav := text("nav"); !strings.Contains(nav, "People") || !strings.Contains(nav, "Departments") {
		t.Errorf("navigation is not in English: %q", nav)
	}
	shot("person-en.png")
	step("back to Chinese", chromedp.Click(chromedp.CSS("button.lang")), chromedp.WaitReady(chromedp.CSS(`html[lang="zh-CN"]`)))

	// Departments page: the tree links to filtered people lists.
	step("departments", chromedp.Navigate(app.URL+"/departments"), chromedp.WaitVisible(chromedp.CSS(".tree a")))
	shot("departments.png")

	// Security pages: an incident reported through the form, break-glass opened by a
	// responder with the contact sheet and the banner, the register, the audit log with
	// its chain verification and the key status.
	relogin := func(name string) {
		t.Helper()
		step("log out", chromedp.Click(chromedp.CSS("form[action='/logout'] button")), chromedp.WaitVisible(chromedp.ID("username")))
		step("log in as "+name, chromedp.SendKeys(chromedp.ID("username"), name), chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("q")))
	}
	app.AddUser(t, "browser-responder", "responder", password, "")
	app.AddUser(t, "browser-security", "security_officer", password, "")
	dept := pickDepartment(t, app.Demo)
	step("incidents", chromedp.Navigate(app.URL+"/incidents"), chromedp.WaitVisible(chromedp.CSS(".report > summary")))
	step("report form", chromedp.Click(chromedp.CSS(".report > summary")), chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), "二号罐区氯气泄漏"), chromedp.SetValue(chromedp.ID("type"), "production_safety"),
		chromedp.SetValue(chromedp.ID("level"), "II"), chromedp.SendKeys(chromedp.ID("location"), "化工厂二号罐区"),
		chromedp.SendKeys(chromedp.ID("description"), "巡检发现罐区阀门泄漏，已启动二级响应，周边人员疏散中。"))
	shot("incident-report.png")
	step("report", chromedp.Click(chromedp.ID("report-submit")), chromedp.WaitVisible(chromedp.CSS(".incident-head")))
	incidentPath := eval(`location.pathname`)
	if !strings.HasPrefix(incidentPath, "/incidents/") {
		t.Fatalf("after reporting the browser is at %s", incidentPath)
	}
	relogin("browser-responder")
	step("incident as responder", chromedp.Navigate(app.URL+incidentPath), chromedp.WaitVisible(chromedp.ID("bg-reason")),
		chromedp.Click(chromedp.Search(fmt.Sprintf(`//label[contains(@class,"dept-option")][normalize-space(span)=%q]/input`, dept))),
		chromedp.SendKeys(chromedp.ID("bg-reason"), "疏散罐区周边人员，联系家属"))
	shot("incident.png")
	step("open break-glass", chromedp.Click(chromedp.ID("bg-submit")), chromedp.WaitVisible(chromedp.CSS(".sheet-banner")))
	if n := eval(`String(document.querySelectorAll(".sheet-table a[href^='tel:+86']").length)`); n == "0" {
		t.Errorf("the contact sheet has no full numbers to call")
	}
	if c := text("main"); strings.Contains(c, "****") || !strings.Contains(c, "已登记并通知安全管理员") {
		t.Errorf("the contact sheet is masked or lacks its banner: %.300q", c)
	}
	shot("contact-sheet.png")
	sheetPath := eval(`location.pathname`)
	step("banner", chromedp.Navigate(app.URL+"/people"), chromedp.WaitVisible(chromedp.CSS(".bg-banner a")))
	shot("breakglass-banner.png", true)
	step("incidents list", chromedp.Navigate(app.URL+"/incidents"), chromedp.WaitVisible(chromedp.CSS(".incidents-table")))
	shot("incidents.png")
	relogin("browser-security")
	step("register", chromedp.Navigate(app.URL+"/break-glass"), chromedp.WaitVisible(chromedp.CSS(".grants-table tr.row-active")))
	shot("break-glass.png")
	step("audit", chromedp.Navigate(app.URL+"/audit"), chromedp.WaitVisible(chromedp.CSS(".verify-ok")), chromedp.WaitVisible(chromedp.CSS(".audit-table")))
	shot("audit.png", true)
	step("keys", chromedp.Navigate(app.URL+"/keys"), chromedp.WaitVisible(chromedp.CSS(".keys-table")))
	shot("keys.png")
	relogin(user)

	// Phone width: the people table becomes stacked cards without horizontal scrolling.
	step("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(app.URL+"/people"), chromedp.WaitVisible(chromedp.CSS("#results tbody tr")))
	if d := eval(`getComputedStyle(document.querySelector("#results tbody td")).display`); d != "grid" {
		t.Errorf("at 390px the table cells are display %q, want stacked cards (grid)", d)
	}
	if w := eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("at 390px the page is %s px wide (horizontal scrolling)", w)
	}
	shot("people-mobile.png", true) // the first screenful; the whole list of 50 cards is too tall to look at

	step("phone person", chromedp.Click(chromedp.Search(personLinkAny)), chromedp.WaitVisible(chromedp.ID("contact")))
	if w := eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("at 390px the person page is %s px wide (horizontal scrolling)", w)
	}
	shot("person-mobile.png")

	// The contact sheet on a phone: numbers stay readable without horizontal scrolling.
	relogin("browser-responder")
	step("phone contact sheet", chromedp.Navigate(app.URL+sheetPath), chromedp.WaitVisible(chromedp.CSS(".sheet-table")))
	if w := eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("at 390px the contact sheet is %s px wide (horizontal scrolling)", w)
	}
	shot("contact-sheet-mobile.png", true)
}

// pickPerson chooses an active demo person with a mobile and an emergency contact whose
// first two characters match few enough people to be on the first page of results.
func pickPerson(t *testing.T, org demo.Org) (demo.Person, string) {
	t.Helper()
	for _, p := range org.People {
		if p.Status != "active" || p.Mobile == "" || len(p.EmergencyContacts) == 0 || utf8.RuneCountInString(p.Name) < 2 {
			continue
		}
		prefix := string([]rune(p.Name)[:2])
		n := 0
		for _, q := range org.People {
			if strings.Contains(q.Name, prefix) {
				n++
			}
		}
		if n <= 20 {
			return p, prefix
		}
	}
	t.Fatal("no suitable demo person")
	return demo.Person{}, ""
}

// pickDepartment chooses a department without sub-departments that has a handful of
// active demo people, and returns it as the break-glass form shows it (root left out).
func pickDepartment(t *testing.T, org demo.Org) string {
	t.Helper()
	count := map[string]int{}
	for _, p := range org.People {
		if p.Status != "departed" {
			count[p.DepartmentPath]++
		}
	}
	best := ""
	for path, n := range count {
		leaf := true
		for other := range count {
			if strings.HasPrefix(other, path+"/") {
				leaf = false
				break
			}
		}
		if leaf && n >= 3 && n <= 12 && strings.Count(path, "/") >= 1 && (best == "" || path < best) {
			best = path
		}
	}
	if best == "" {
		t.Fatal("no suitable demo department")
	}
	return strings.Join(strings.Split(best, "/")[1:], " › ")
}

// personLink is an XPath to the link of a person's row in the results, by employee number.
func personLink(p demo.Person) string {
	return fmt.Sprintf(`//tr[td[normalize-space(.)=%q]]//a[contains(@class,"person-link")]`, p.EmployeeNo)
}

// personLinkAny is an XPath to the first person link of the results.
const personLinkAny = `(//a[contains(@class,"person-link")])[1]`

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string { return fmt.Sprintf("%q", s) }

// digitsOf keeps the digits of s, full-width ones as ASCII.
func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + r - '０')
		}
	}
	return b.String()
}

// lastDigits is the last n digits of s, or "" when it has fewer.
func lastDigits(s string, n int) string {
	d := digitsOf(s)
	if len(d) < n {
		return ""
	}
	return d[len(d)-n:]
}

// artifactsDir is $LIFELINE_ARTIFACTS or artifacts/browser at the repository root.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LIFELINE_ARTIFACTS")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(wd, "..", "..", "artifacts", "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// webClient talks to the web UI like a browser without JavaScript: it keeps cookies
// and does not follow redirects, so that the test sees them.
type webClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

// loginWeb signs user in through the login form and returns their client.
func loginWeb(t *testing.T, base, user, password string) *webClient {
	t.Helper()
	c := newWebClient(t, base)
	if st, h, body := c.do("POST", "/login", url.Values{"username": {user}, "password": {password}}); st != http.StatusSeeOther {
		t.Fatalf("login %s = %d %s\n%.300s", user, st, h.Get("Location"), body)
	}
	return c
}

// checkPage fails the test unless a page answered want and its body holds each of contains.
func checkPage(t *testing.T, what string, st, want int, body string, contains ...string) {
	t.Helper()
	if st != want {
		t.Fatalf("%s: status %d, want %d\n%.2000s", what, st, want, body)
	}
	for _, s := range contains {
		if !strings.Contains(body, s) {
			t.Errorf("%s: body lacks %q", what, s)
		}
	}
}

func newWebClient(t *testing.T, base string) *webClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request (a form when form is not nil) with extra headers and returns the
// status, the headers and the body.
func (w *webClient) do(method, path string, form url.Values, headers ...string) (int, http.Header, string) {
	w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, w.base+path, body)
	if err != nil {
		w.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// TestWebPages checks the web UI's HTTP behaviour without a browser: redirects, login
// errors, htmx fragments, error pages, the reveal form and the language cookie.
func TestWebPages(t *testing.T) {
	app := apptest.Start(t, apptest.Options{Demo: true, DemoPeople: 60})
	app.AddUser(t, "web-admin", "admin", "Web-Test-Passw0rd", "")
	app.AddUser(t, "web-viewer", "viewer", "Web-Test-Passw0rd", "")
	w := newWebClient(t, app.URL)
	want := func(what string, got, wantStatus int, body string, contains ...string) {
		t.Helper()
		if got != wantStatus {
			t.Errorf("%s: status %d, want %d\n%.500s", what, got, wantStatus, body)
		}
		for _, s := range contains {
			if !strings.Contains(body, s) {
				t.Errorf("%s: body lacks %q\n%.500s", what, s, body)
			}
		}
	}

	// Not logged in.
	st, h, _ := w.do("GET", "/", nil)
	if st != http.StatusSeeOther || h.Get("Location") != "/login" {
		t.Errorf("GET / = %d %s, want 303 /login", st, h.Get("Location"))
	}
	st, h, _ = w.do("GET", "/people?q=%E7%8E%8B", nil)
	if st != http.StatusSeeOther || h.Get("Location") != "/login?next="+url.QueryEscape("/people?q=%E7%8E%8B") {
		t.Errorf("GET /people = %d %s, want 303 to the login page with next", st, h.Get("Location"))
	}
	st, h, _ = w.do("GET", "/people", nil, "HX-Request", "true")
	if st != http.StatusOK || !strings.HasPrefix(h.Get("HX-Redirect"), "/login") {
		t.Errorf("htmx GET /people = %d HX-Redirect %q, want 200 and a redirect to /login", st, h.Get("HX-Redirect"))
	}
	st, _, body := w.do("GET", "/login", nil)
	want("login page", st, http.StatusOK, body, `<html lang="zh-CN">`, `name="username"`, "登录")
	st, _, body = w.do("GET", "/login", nil, "Accept-Language", "en-US,en;q=0.9")
	want("login page in English", st, http.StatusOK, body, `<html lang="en">`, "Log in")

	// Login failures keep the user name and say what went wrong, in Chinese by default.
	st, _, body = w.do("POST", "/login", url.Values{"username": {"web-admin"}, "password": {"wrong"}})
	want("wrong password", st, http.StatusUnauthorized, body, "用户名或密码错误", `value="web-admin"`)

	// A next that leaves the site is ignored.
	st, h, _ = w.do("POST", "/login", url.Values{"username": {"web-admin"}, "password": {"Web-Test-Passw0rd"}, "next": {"//evil.example/x"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/people" {
		t.Fatalf("login = %d %s, want 303 /people", st, h.Get("Location"))
	}
	st, h, _ = w.do("GET", "/login?next=/departments", nil)
	if st != http.StatusSeeOther || h.Get("Location") != "/departments" {
		t.Errorf("GET /login when logged in = %d %s, want 303 /departments", st, h.Get("Location"))
	}

	// The people list, the htmx fragment and paging.
	who := app.Demo.People[3]
	st, _, body = w.do("GET", "/people", nil)
	want("people", st, http.StatusOK, body, `id="results"`, "****", `name="department_id"`, "web-admin", `rel="next"`)
	if n := strings.Count(body, `class="person-link"`); n != 50 {
		t.Errorf("the first page has %d people, want 50", n)
	}
	next := body[strings.Index(body, `rel="next" href="`)+len(`rel="next" href="`):]
	next = html.UnescapeString(next[:strings.IndexByte(next, '"')])
	st, _, page2 := w.do("GET", next, nil, "HX-Request", "true")
	want("second page", st, http.StatusOK, page2, "回到第一页", `class="person-link"`)
	if n := strings.Count(page2, `class="person-link"`); n != 10 || strings.Contains(page2, `rel="next"`) {
		t.Errorf("the second page has %d people (want the last 10) and next link %v", n, strings.Contains(page2, `rel="next"`))
	}
	if strings.Contains(body, "style=") || strings.Contains(body, "<style") || strings.Contains(body, "<script>") {
		t.Errorf("the people page has inline style or script, which the CSP blocks")
	}
	st, h, body = w.do("GET", "/people?q="+url.QueryEscape(who.EmployeeNo), nil, "HX-Request", "true")
	want("people fragment", st, http.StatusOK, body, who.Name, `href="/people/`)
	if strings.Contains(body, "<html") || strings.Contains(body, "<header") {
		t.Errorf("the htmx answer is a whole page, want only the results")
	}
	if !strings.Contains(h.Get("Vary"), "HX-Request") || h.Get("Cache-Control") != "no-store" {
		t.Errorf("fragment headers: Vary %q, Cache-Control %q", h.Get("Vary"), h.Get("Cache-Control"))
	}
	st, _, body = w.do("GET", "/people?q="+url.QueryEscape(who.EmployeeNo), nil, "HX-Request", "true", "HX-History-Restore-Request", "true")
	want("history restore", st, http.StatusOK, body, "<html")
	i := strings.Index(body, `href="/people/`)
	if i < 0 {
		t.Fatalf("no person link in the results")
	}
	id := body[i+len(`href="/people/`):]
	id = id[:strings.IndexByte(id, '"')]

	// The person page, masked, with the reveal form.
	st, _, body = w.do("GET", "/people/"+id, nil)
	want("person", st, http.StatusOK, body, who.Name, who.EmployeeNo, "****", `name="reason"`, "变更历史")

	// Reveal: an empty reason is refused with the form again; a reason reveals.
	st, _, body = w.do("POST", "/people/"+id+"/reveal", url.Values{"reason": {"  "}}, "HX-Request", "true")
	want("reveal without reason", st, http.StatusUnprocessableEntity, body, `id="contact"`, `aria-invalid="true"`, "请填写查看原因")
	st, _, body = w.do("POST", "/people/"+id+"/reveal", url.Values{"reason": {"测试"}}, "HX-Request", "true")
	want("reveal", st, http.StatusOK, body, `id="contact"`, "已记录查看原因", `hx-history="false"`)
	if strings.Contains(body, "****") || strings.Contains(body, "<html") {
		t.Errorf("the reveal answer is masked or a whole page:\n%s", body)
	}
	st, _, body = w.do("POST", "/people/"+id+"/reveal", url.Values{"reason": {"测试"}})
	want("reveal without htmx", st, http.StatusOK, body, "<html", "已记录查看原因")

	// Errors are HTML pages, or for htmx a message in the flash area.
	st, _, body = w.do("GET", "/people/nope", nil)
	want("unknown person", st, http.StatusNotFound, body, "<html", "找不到")
	st, h, body = w.do("GET", "/people?cursor=garbage", nil, "HX-Request", "true")
	want("bad cursor", st, http.StatusUnprocessableEntity, body, `role="alert"`)
	if h.Get("HX-Retarget") != "#flash" {
		t.Errorf("htmx error HX-Retarget = %q, want #flash", h.Get("HX-Retarget"))
	}
	st, _, body = w.do("GET", "/departments", nil)
	want("departments", st, http.StatusOK, body, `class="tree"`, "/people?department_id=")

	// The language cookie; a foreign next is ignored.
	st, h, _ = w.do("POST", "/lang", url.Values{"lang": {"en"}, "next": {"https://evil.example/"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/" || !strings.Contains(h.Get("Set-Cookie"), "lang=en") {
		t.Errorf("POST /lang = %d %s %s", st, h.Get("Location"), h.Get("Set-Cookie"))
	}
	st, _, body = w.do("GET", "/people/"+id, nil)
	want("person in English", st, http.StatusOK, body, `<html lang="en">`, "Emergency contacts", "Administrator")

	// Static files.
	st, h, _ = w.do("GET", "/static/app.css", nil)
	if st != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/css") {
		t.Errorf("GET /static/app.css = %d %s", st, h.Get("Content-Type"))
	}

	// Logout ends the session.
	st, h, _ = w.do("POST", "/logout", url.Values{})
	if st != http.StatusSeeOther || h.Get("Location") != "/login" {
		t.Errorf("logout = %d %s", st, h.Get("Location"))
	}
	st, _, _ = w.do("GET", "/people", nil)
	if st != http.StatusSeeOther {
		t.Errorf("after logout GET /people = %d, want a redirect", st)
	}

	// A viewer sees masked values and no reveal form.
	v := newWebClient(t, app.URL)
	st, _, _ = v.do("POST", "/login", url.Values{"username": {"web-viewer"}, "password": {"Web-Test-Passw0rd"}})
	if st != http.StatusSeeOther {
		t.Fatalf("viewer login = %d", st)
	}
	st, _, body = v.do("GET", "/people/"+id, nil)
	want("person for a viewer", st, http.StatusOK, body, "****")
	if strings.Contains(body, `name="reason"`) {
		t.Errorf("a viewer is offered the reveal form")
	}
}
