package server_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"lifeline/internal/apptest"
	"lifeline/internal/demo"
)

// TestBrowserImportsQuality drives the import page and the data-quality page in headless
// Chromium: an XLSX upload with a preview of its changes and warnings, the confirmed
// import, the quality dashboard, a finding's link to the person page with its scores, and
// the quality page on a phone. It saves screenshots as artifacts.
func TestBrowserImportsQuality(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("LIFELINE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("chromium is required (LIFELINE_REQUIRE_BROWSER=1) but missing: %v", err)
		}
		t.Skipf("no browser at %s", chromiumPath)
	}
	a := apptest.Start(t, apptest.Options{})
	const user, password = "browser-hr", "Browser-Test-Passw0rd"
	a.AddUser(t, user, "hr", password, "")
	token := a.Token(t, user)
	// The organization comes from the messy HR file, so that the dashboard has something to say.
	m := demo.GenerateMessy(400, 5)
	mustStatus(t, upload(t, a, token, "花名册.csv", m.CSV, nil), http.StatusOK)

	// The update HR brings next: changed titles and numbers, new hires, a departure, and an
	// office phone column Excel turned into numbers.
	var active []demo.Person
	for _, p := range m.Org.People {
		if p.Status == "active" && len(p.EmergencyContacts) > 0 {
			active = append(active, p)
		}
	}
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"工号", "姓名", "所属部门", "职务", "手机号码", "办公电话", "在职状态", "紧急联系人", "关系", "紧急联系人电话"})
	rows := [][]any{
		{active[0].EmployeeNo, active[0].Name, active[0].DepartmentPath, "安全主管", active[0].Mobile, 5188580123, "在职", active[0].EmergencyContacts[0].Name, active[0].EmergencyContacts[0].Relation, active[0].EmergencyContacts[0].Phone},
		{active[1].EmployeeNo, active[1].Name, active[1].DepartmentPath, active[1].Title, "139 0518 7788", "", "在职", active[1].EmergencyContacts[0].Name, active[1].EmergencyContacts[0].Relation, "186 2100 3344"},
		{active[2].EmployeeNo, active[2].Name, active[2].DepartmentPath, active[2].Title, active[2].Mobile, "", "离职", "", "", ""},
		{"N90001", "陈晓红", active[3].DepartmentPath, "安全员", "+86 138-1234-5670", 1065529988, "试用", "陈建国", "父亲", "13812345671"},
		{"N90002", "周立波", "集团/应急管理部/值班室", "调度员", "0086 13912345672", "", "在职", "周敏", "配偶", "13912345672"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		x.SetSheetRow("Sheet1", cell, &r)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "人员变动-2026年3月.xlsx")
	if err := x.SaveAs(file); err != nil {
		t.Fatal(err)
	}
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
	shot := func(name string, viewportOnly bool) {
		t.Helper()
		if v := eval(`(window.__csp || []).join("; ")`); v != "" {
			t.Errorf("%s: Content-Security-Policy violations: %s", name, v)
		}
		sctx, c := context.WithTimeout(bctx, 60*time.Second)
		defer c()
		capture := chromedp.FullScreenshot(100)
		if viewportOnly {
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

	step("log in", chromedp.Navigate(a.URL+"/imports"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("im-file")))
	shot("imports.png", false)

	// Upload → preview: nothing written yet, the changes row by row with their warnings.
	step("preview", chromedp.SetUploadFiles(chromedp.ID("im-file"), []string{file}), chromedp.Click(chromedp.ID("im-preview")),
		chromedp.WaitVisible(chromedp.ID("im-confirm")))
	body := eval(`document.querySelector("main").innerText`)
	for _, s := range []string{"预览：尚未写入任何数据", "安全主管", "陈晓红", "丢失了开头的 0", "（新部门）"} {
		if !strings.Contains(body, s) {
			t.Errorf("the preview lacks %q", s)
		}
	}
	if got := eval(`document.querySelector(".stat-created dd").textContent + "/" + document.querySelector(".stat-updated dd").textContent + "/" + document.querySelector(".stat-departed dd").textContent`); got != "2/2/1" {
		t.Errorf("preview counts created/updated/departed = %s, want 2/2/1", got)
	}
	shot("imports-preview.png", false)

	step("confirm", chromedp.Click(chromedp.ID("im-confirm")), chromedp.WaitVisible(chromedp.CSS(".import-summary.is-done")))
	if got := eval(`document.querySelector(".stat-created dd").textContent`); got != "2" {
		t.Errorf("the real run created %s, want 2 as previewed", got)
	}
	if strings.Contains(eval(`document.querySelector("main").innerText`), "结果与预览不同") {
		t.Error("the real run differs from its preview")
	}
	shot("imports-done.png", true)

	// The quality dashboard; a finding links to the person page section that fixes it.
	step("quality", chromedp.Click(chromedp.CSS(`.import-summary a[href="/quality"]`)), chromedp.WaitVisible(chromedp.CSS(".histogram")),
		chromedp.WaitVisible(chromedp.CSS(".findings-table")))
	if n := eval(`String(document.querySelectorAll(".accuracy-table .bar-fill").length)`); n == "0" {
		t.Error("no accuracy bars")
	}
	shot("quality.png", true)
	step("scroll to findings", chromedp.ScrollIntoView(chromedp.ID("h-bycode")))
	shot("quality-codes.png", true)
	step("scroll to the list", chromedp.ScrollIntoView(chromedp.ID("h-findings")))
	shot("quality-findings.png", true)
	step("filter", chromedp.SetValue(chromedp.ID("f-code"), "same_as_self"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-code").dispatchEvent(new Event("change", {bubbles: true}))`),
		chromedp.Poll[chromedp.Void](`location.search.includes("code=same_as_self") && document.querySelectorAll(".findings-table tbody tr").length > 0 &&
			Array.from(document.querySelectorAll(".findings-table tbody tr")).every(tr => tr.textContent.includes("与本人号码相同"))`, chromedp.WithPollingTimeout(30*time.Second)))
	fix := eval(`document.querySelector(".findings-table a.btn").getAttribute("href")`)
	step("fix", chromedp.Navigate(a.URL+fix), chromedp.WaitVisible(chromedp.ID("scores")))
	if h := eval(`location.hash`); h != "#emergency" {
		t.Errorf("the fix link went to %q, want #emergency", h)
	}
	step("scroll to scores", chromedp.ScrollIntoView(chromedp.ID("emergency")))
	shot("person-scores.png", true)

	// A phone: the dashboard stacks without horizontal scrolling.
	step("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(a.URL+"/quality"), chromedp.WaitVisible(chromedp.CSS(".histogram")))
	if w := eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("at 390px the quality page is %s px wide (horizontal scrolling)", w)
	}
	shot("quality-mobile.png", true)
}
