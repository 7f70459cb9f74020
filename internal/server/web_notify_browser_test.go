package server_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lifeline/internal/apptest"
	"lifeline/internal/channel"
)

// TestBrowserNotify drives the three screens from "report incident" to "notified" in
// headless Chromium: a responder reports an incident, previews a notification to a
// department, sends it through an http_gateway provider to a local sink, and watches
// the live board reach "sent"; an acknowledgement posted to a link the sink received
// then shows on the board without a reload (server-sent events). One recipient is
// chosen with the live people picker; after closing, the incident's report is checked
// on screen and in print.
func TestBrowserNotify(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("LIFELINE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("chromium is required (LIFELINE_REQUIRE_BROWSER=1) but missing: %v", err)
		}
		t.Skipf("no browser at %s; install chromium (and fonts-noto-cjk) to run this test", chromiumPath)
	}
	a := apptest.Start(t, apptest.Options{})
	wnPeople(t, a, "bn", "集团/生产部", 3)
	// One more person, in another department, to be chosen with the people picker.
	mustStatus(t, a.Do(t, "POST", "/api/v1/hr/events", a.User(t, "bn-hr2", "hr", ""), map[string]any{"id": "bn-pick", "type": "onboard",
		"employee_no": "BNP01", "name": "拣选员工", "department": "集团/安全部", "mobile": "13955550001"}), http.StatusOK)
	const secret = "browser-notify-sink-secret-0123"
	sink := newWNSink(t, secret)
	admin := a.User(t, "bn-admin", "admin", "")
	mustStatus(t, a.Do(t, "POST", "/api/v1/providers", admin, map[string]any{"kind": "http_gateway", "name": "本地网关", "url": sink.URL, "secret": secret}), http.StatusCreated)
	const user, password = "bn-resp", "Browser-Notify-Passw0rd"
	a.AddUser(t, user, "responder", password, "")
	shots := artifactsDir(t)

	bctx := startChromium(t)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, c := context.WithTimeout(bctx, 60*time.Second)
		defer c()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
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
	shot := func(name string) {
		t.Helper()
		if v := eval(`(window.__csp || []).join("; ")`); v != "" {
			t.Errorf("%s: Content-Security-Policy violations: %s", name, v)
		}
		sctx, c := context.WithTimeout(bctx, 60*time.Second)
		defer c()
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// waitFor polls a JavaScript condition until it holds, with a deadline.
	waitFor := func(name, cond string) {
		t.Helper()
		step(name, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(45*time.Second)))
	}

	step("open login", chromedp.Navigate(a.URL+"/incidents"), chromedp.WaitVisible(chromedp.ID("username")))
	step("log in", chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.CSS(".report > summary")))

	// Screen 1: report.
	step("report form", chromedp.Click(chromedp.CSS(".report > summary")), chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), "二号罐区氯气泄漏"), chromedp.SetValue(chromedp.ID("type"), "production_safety"),
		chromedp.SetValue(chromedp.ID("level"), "II"), chromedp.SendKeys(chromedp.ID("location"), "化工厂二号罐区"))
	step("report", chromedp.Click(chromedp.ID("report-submit")), chromedp.WaitVisible(chromedp.ID("notify-form")))

	// Screen 2: notify, with a preview first.
	if txt := eval(`document.getElementById("notify-text").value`); !strings.Contains(txt, "二号罐区氯气泄漏") || !strings.Contains(txt, "化工厂二号罐区") {
		t.Errorf("the message is not prefilled from the incident: %q", txt)
	}
	if eval(`String(document.getElementById("notify-ack").checked) + "/" + document.getElementById("notify-after").value`) != "true/5" {
		t.Error("require acknowledgement is not checked or the escalation is not 5 minutes by default")
	}
	step("choose department", chromedp.Click(chromedp.Search(`//label[contains(@class,"dept-option")][normalize-space(span)="生产部"]/input`)))
	// The people picker: search, Enter does not submit the form, pick, see the chip.
	step("search a person", chromedp.SendKeys(chromedp.ID("people-search"), "拣选"+kb.Enter), chromedp.WaitVisible(chromedp.CSS("#people-results button.pick")))
	waitFor("search settled", `document.querySelector("#people-results button.pick") && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")`)
	if got := eval(`document.querySelector("#people-results button.pick").textContent`); !strings.Contains(got, "拣选员工") || !strings.Contains(got, "安全部") || strings.Contains(got, "1395555") {
		t.Errorf("picker result = %q, want name and department and no number", got)
	}
	step("pick", chromedp.Click(chromedp.CSS("#people-results button.pick")), chromedp.WaitVisible(chromedp.CSS("#people-chips .chip")))
	waitFor("result marked added", `document.querySelector("#people-results .pick-chosen") !== null`)
	if got := eval(`Array.from(document.querySelectorAll("#people-chips input[name=person]")).length + "/" + document.querySelector("#people-chips .chip").textContent`); !strings.HasPrefix(got, "1/") || !strings.Contains(got, "拣选员工") {
		t.Errorf("chips = %q, want one chip for 拣选员工", got)
	}
	if p := eval(`location.pathname + (document.getElementById("preview-result") ? " (previewed)" : "")`); strings.HasSuffix(p, "/notify") || strings.HasSuffix(p, "/preview") || strings.HasSuffix(p, "(previewed)") {
		t.Errorf("Enter in the picker submitted the form: %s", p)
	}
	shot("notify-picker.png")
	step("preview", chromedp.Click(chromedp.ID("notify-preview-btn")), chromedp.WaitVisible(chromedp.ID("preview-result")))
	waitFor("preview counts the picked person", `document.getElementById("preview-recipients").textContent === "4"`)
	if got := eval(`document.getElementById("preview-recipients").textContent + "/" + document.getElementById("preview-reachable").textContent`); got != "4/4" {
		t.Errorf("preview recipients/reachable = %s, want 4/4", got)
	}
	if got := eval(`location.pathname`); strings.HasSuffix(got, "/preview") {
		t.Errorf("the preview left the page: %s", got)
	}
	shot("notify-preview.png")

	// Screen 3: the live board reaches "sent".
	step("send", chromedp.Click(chromedp.ID("notify-send")), chromedp.WaitVisible(chromedp.ID("board-live")))
	if p := eval(`location.pathname`); !strings.Contains(p, "/notifications/") {
		t.Fatalf("after sending the browser is at %s", p)
	}
	waitFor("counts reach sent", `document.getElementById("count-sent") && document.getElementById("count-sent").textContent === "4"`)
	waitFor("live stream", `document.getElementById("board-live").getAttribute("data-live") === "sse"`)
	if got := eval(`document.getElementById("live-state").textContent`); got != "实时更新中。" {
		t.Errorf("live state = %q, want 实时更新中。", got)
	}
	shot("notify-board-sent.png")

	// An acknowledgement shows without a reload.
	eval(`window.__stay = "same page"; "ok"`)
	msgs := sink.wait(t, 4)
	if !slices.ContainsFunc(msgs, func(m channel.GatewayBody) bool { return m.To == "+8613955550001" }) {
		t.Error("the person chosen with the picker got no message")
	}
	if msgs[0].AckURL == "" {
		t.Fatal("the gateway message has no ack_url")
	}
	req, _ := http.NewRequest("POST", msgs[0].AckURL, strings.NewReader(`{"status":"safe"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("acknowledge = %d", resp.StatusCode)
	}
	waitFor("acknowledged live", `document.getElementById("count-acknowledged").textContent === "1" && document.getElementById("count-safe").textContent === "1"`)
	if got := eval(`String(window.__stay)`); got != "same page" {
		t.Errorf("the board reloaded instead of updating live (marker %q)", got)
	}
	shot("notify-board-acked.png")
	board := eval(`location.pathname`)
	incidentPath := board[:strings.Index(board, "/notifications/")]

	// The acknowledgement page on a phone: one tap, no horizontal scrolling.
	step("phone ack page", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(msgs[1].AckURL), chromedp.WaitVisible(chromedp.ID("ack-safe")))
	if w := eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("at 390px the acknowledgement page is %s px wide (horizontal scrolling)", w)
	}
	shot("ack-mobile.png")

	// Closed: the incident page links the report, which prints without the page's frame.
	step("desktop again", chromedp.EmulateReset(), chromedp.EmulateViewport(1280, 900))
	step("close", chromedp.Navigate(a.URL+incidentPath), chromedp.WaitVisible(chromedp.ID("close-submit")),
		chromedp.Click(chromedp.ID("close-submit")), chromedp.WaitVisible(chromedp.ID("report-link")))
	step("report", chromedp.Click(chromedp.ID("report-link")), chromedp.WaitVisible(chromedp.ID("incident-report")))
	if got := eval(`document.getElementById("kpi-recipients").textContent + "/" + document.getElementById("kpi-reach").firstChild.textContent`); got != "4/100%" {
		t.Errorf("report recipients/reach = %s, want 4/100%%", got)
	}
	shot("incident-report.png")
	sctx, c := context.WithTimeout(bctx, 60*time.Second)
	if _, err := chromedp.Call(sctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	c()
	if got := eval(`[".top", ".print-tools", ".foot"].map(function (s) { return getComputedStyle(document.querySelector(s)).display; }).join(",")`); got != "none,none,none" {
		t.Errorf("printing shows the page's frame (display of header, tools, footer: %s)", got)
	}
	shot("incident-report-print.png")
	fmt.Fprintln(os.Stderr, "screenshots in", shots)
}
