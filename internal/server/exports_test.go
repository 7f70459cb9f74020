package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lifeline/internal/apptest"
	"lifeline/internal/store/storetest"
)

const exportPassword = "Export-Test-Passw0rd-9"

// sessionDo sends a JSON API request with a web client's session cookie: unmasked exports
// are requested and downloaded from a session, which can re-authenticate (tokens cannot).
func sessionDo(t *testing.T, wc *webClient, method, path string, body any) apptest.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, wc.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := wc.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// loginAs opens a web session for a user created with exportPassword.
func loginAs(t *testing.T, a *apptest.App, username string) *webClient {
	t.Helper()
	wc := newWebClient(t, a.URL)
	status, h, body := wc.do("POST", "/login", url.Values{"username": {username}, "password": {exportPassword}})
	if status != http.StatusSeeOther || strings.HasPrefix(h.Get("Location"), "/login") {
		t.Fatalf("login %s: %d %s %s", username, status, h.Get("Location"), body)
	}
	return wc
}

func mustProblem(t *testing.T, r apptest.Response, status int) {
	t.Helper()
	mustStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want problem+json: %s", ct, r.Body)
	}
}

// TestExportsAPI is the export work's black-box scenario on every engine: masked exports
// at once, unmasked ones through four-eyes approval, the watermark, download limits,
// the audit trail and the web page.
func TestExportsAPI(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			admin := a.User(t, "root", "admin", "")
			group := createDept(t, a, admin, "海港集团", "")
			prod := createDept(t, a, admin, "生产部", group)
			safety := createDept(t, a, admin, "安全部", group)
			for i, d := range []string{prod, prod, safety} {
				body := map[string]any{"employee_no": []string{"E001", "E002", "E003"}[i], "name": []string{"张伟", "=1+2", "王芳"}[i], "department_id": d,
					"channels":           []map[string]any{{"kind": "mobile", "value": []string{"13800138000", "13700137000", "13912345678"}[i]}},
					"emergency_contacts": []map[string]any{{"name": "李娜", "relation": "配偶", "phone": "18621003344"}}}
				mustStatus(t, a.Do(t, "POST", "/api/v1/people", admin, body), http.StatusCreated)
			}
			for _, u := range []struct{ name, role, dept string }{{"hr1", "hr", ""}, {"mgr", "dept_manager", "海港集团/生产部"},
				{"sec", "security_officer", ""}, {"sec-safety", "security_officer", "海港集团/安全部"}, {"view", "viewer", ""}} {
				a.AddUser(t, u.name, u.role, exportPassword, u.dept)
			}
			sec, secSafety, viewer, hrToken := a.Token(t, "sec"), a.Token(t, "sec-safety"), a.Token(t, "view"), a.Token(t, "hr1")

			// Masked: the file at once, no full number, audited.
			mustProblem(t, a.Do(t, "POST", "/api/v1/exports", viewer, map[string]any{"format": "csv"}), http.StatusForbidden)
			r := a.Do(t, "POST", "/api/v1/exports", hrToken, map[string]any{"format": "csv"})
			mustStatus(t, r, http.StatusOK)
			if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment; ") ||
				r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("X-Export-Rows") != "3" {
				t.Fatalf("masked export headers: %v", r.Header)
			}
			if !bytes.HasPrefix(r.Body, []byte("\ufeff工号,姓名,部门")) || bytes.Contains(r.Body, []byte("13800138000")) || bytes.Contains(r.Body, []byte("138 0013 8000")) ||
				!bytes.Contains(r.Body, []byte("138****8000")) || !bytes.Contains(r.Body, []byte("'=1+2")) {
				t.Fatalf("masked CSV:\n%s", r.Body)
			}
			mustProblem(t, a.Do(t, "POST", "/api/v1/exports", hrToken, map[string]any{"format": "pdf"}), http.StatusUnprocessableEntity)

			// Unmasked: a request with a reason, from a session.
			mgr := loginAs(t, a, "mgr")
			r = sessionDo(t, mgr, "POST", "/api/v1/exports", map[string]any{"format": "csv", "unmasked": true})
			mustProblem(t, r, http.StatusUnprocessableEntity)
			if !bytes.Contains(r.Body, []byte(`"field":"reason"`)) {
				t.Fatalf("no reason error: %s", r.Body)
			}
			r = sessionDo(t, mgr, "POST", "/api/v1/exports", map[string]any{"format": "csv", "unmasked": true, "reason": "防汛演练"})
			mustStatus(t, r, http.StatusAccepted)
			var req struct {
				ID, Status, Department, Approver string
				CanDecide                        bool `json:"can_decide"`
			}
			r.Decode(t, &req)
			if req.Status != "pending" || req.Department != "海港集团/生产部" || r.Header.Get("Location") != "/api/v1/exports/"+req.ID {
				t.Fatalf("request: %s", r.Body)
			}

			// Four-eyes: not the requester (403), not an approver outside the scope (404).
			mustProblem(t, sessionDo(t, mgr, "POST", "/api/v1/exports/"+req.ID+"/approve", nil), http.StatusForbidden)
			mustProblem(t, a.Do(t, "POST", "/api/v1/exports/"+req.ID+"/approve", secSafety, nil), http.StatusNotFound)
			mustProblem(t, a.Do(t, "GET", "/api/v1/exports/"+req.ID, secSafety, nil), http.StatusNotFound)
			mustProblem(t, sessionDo(t, mgr, "GET", "/api/v1/exports/"+req.ID+"/download", nil), http.StatusConflict)
			r = a.Do(t, "GET", "/api/v1/exports?status=pending", sec, nil)
			mustStatus(t, r, http.StatusOK)
			if !bytes.Contains(r.Body, []byte(req.ID)) || !bytes.Contains(r.Body, []byte(`"can_decide":true`)) {
				t.Fatalf("pending list: %s", r.Body)
			}

			r = a.Do(t, "POST", "/api/v1/exports/"+req.ID+"/approve", sec, map[string]any{"note": "同意"})
			mustStatus(t, r, http.StatusOK)
			r.Decode(t, &req)
			if req.Status != "approved" || req.Approver != "sec" {
				t.Fatalf("approved: %s", r.Body)
			}
			mustProblem(t, a.Do(t, "GET", "/api/v1/exports/"+req.ID+"/download", sec, nil), http.StatusForbidden)

			// The requester downloads the watermarked file, with full numbers of their subtree only.
			r = sessionDo(t, mgr, "GET", "/api/v1/exports/"+req.ID+"/download", nil)
			mustStatus(t, r, http.StatusOK)
			first, _, _ := bytes.Cut(r.Body, []byte("\r\n"))
			if !bytes.HasPrefix(first, []byte("\ufeff# 导出人 mgr · 批准人 sec · 时间 ")) || !bytes.HasSuffix(first, []byte("仅限应急联络用途，禁止转发")) {
				t.Errorf("watermark line = %q", first)
			}
			cd := r.Header.Get("Content-Disposition")
			if !strings.Contains(cd, `filename="lifeline_people_exported-by-mgr_approved-by-sec_`) ||
				!strings.Contains(cd, "filename*=UTF-8''") || !strings.Contains(cd, url.PathEscape("导出人mgr_批准人sec")) {
				t.Errorf("Content-Disposition = %q", cd)
			}
			if !bytes.Contains(r.Body, []byte("138 0013 8000")) || !bytes.Contains(r.Body, []byte("186 2100 3344")) || bytes.Contains(r.Body, []byte("王芳")) {
				t.Errorf("unmasked CSV:\n%s", r.Body)
			}
			r = a.Do(t, "GET", "/api/v1/audit?action=export.download", sec, nil)
			mustStatus(t, r, http.StatusOK)
			if !bytes.Contains(r.Body, []byte(req.ID)) || !bytes.Contains(r.Body, []byte("rows=2")) || !bytes.Contains(r.Body, []byte(`"actor":"mgr"`)) {
				t.Errorf("download audit: %s", r.Body)
			}

			// Downloads are limited: the fourth is gone.
			for range 2 {
				mustStatus(t, sessionDo(t, mgr, "GET", "/api/v1/exports/"+req.ID+"/download", nil), http.StatusOK)
			}
			mustProblem(t, sessionDo(t, mgr, "GET", "/api/v1/exports/"+req.ID+"/download", nil), http.StatusGone)
			r = sessionDo(t, mgr, "GET", "/api/v1/exports/"+req.ID, nil)
			if !bytes.Contains(r.Body, []byte(`"status":"exhausted"`)) || !bytes.Contains(r.Body, []byte(`"downloads":3`)) {
				t.Errorf("after the last download: %s", r.Body)
			}

			// XLSX through the web page: request, approval by another person, download.
			hr := loginAs(t, a, "hr1")
			status, _, body := hr.do("GET", "/exports", nil)
			if status != http.StatusOK || !strings.Contains(body, `action="/exports"`) || !strings.Contains(body, `href="/exports"`) {
				t.Fatalf("exports page: %d\n%s", status, body)
			}
			if status, _, _ := newWebClient(t, a.URL).do("GET", "/exports", nil); status != http.StatusSeeOther {
				t.Errorf("exports page without login: %d", status)
			}
			status, _, body = hr.do("POST", "/exports", url.Values{"format": {"xlsx"}, "mode": {"unmasked"}})
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("form without reason: %d", status)
			}
			status, h, _ := hr.do("POST", "/exports", url.Values{"format": {"xlsx"}, "mode": {"unmasked"}, "reason": {"年度核对"}})
			if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/exports?notice=requested") {
				t.Fatalf("web request: %d %v", status, h)
			}
			r = sessionDo(t, hr, "GET", "/api/v1/exports?mine=true&status=pending", nil)
			var mine struct {
				Items []struct{ ID string } `json:"items"`
			}
			r.Decode(t, &mine)
			if len(mine.Items) != 1 {
				t.Fatalf("my pending requests: %s", r.Body)
			}
			id := mine.Items[0].ID
			status, _, body = mgr.do("GET", "/exports", nil) // a department manager requests but does not approve
			if status != http.StatusOK || strings.Contains(body, "/exports/"+id+"/approve") {
				t.Errorf("the manager's page offers approval: %d", status)
			}
			if status, h, _ := loginAs(t, a, "sec").do("POST", "/exports/"+id+"/approve", url.Values{"note": {"ok"}}); status != http.StatusSeeOther ||
				!strings.Contains(h.Get("Location"), "notice=approved") {
				t.Fatalf("web approval: %d %v", status, h)
			}
			status, h, body = hr.do("GET", "/exports/"+id+"/download", nil)
			if status != http.StatusOK || h.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
				t.Fatalf("web download: %d %v", status, h)
			}
			x, err := excelize.OpenReader(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			if v, _ := x.GetCellValue("人员", "A1"); !strings.HasPrefix(v, "导出人 hr1 · 批准人 sec") {
				t.Errorf("A1 = %q", v)
			}
			rows, _ := x.GetRows("人员")
			found := false
			for _, row := range rows {
				if len(row) > 5 && row[0] == "E003" && row[5] == "139 1234 5678" {
					found = true
				}
			}
			if !found {
				t.Errorf("E003 with the full number missing: %q", rows)
			}
			if status, _, _ := loginAs(t, a, "view").do("GET", "/exports", nil); status != http.StatusForbidden {
				t.Errorf("viewer's exports page: %d", status)
			}
		})
	}
}
