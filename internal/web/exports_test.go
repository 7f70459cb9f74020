package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/export"
)

// TestRenderExports renders the exports page in both languages: the form, the approvals
// and the user's requests, with the navigation entry only for roles that export or approve.
func TestRenderExports(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	decided := at.Add(time.Hour)
	pending := export.Request{ID: "r1", Subject: "people", Format: "xlsx", Department: "海港集团/生产部", Reason: "防汛演练", Status: "pending",
		Requester: "mgr", CreatedAt: at, ExpiresAt: at.Add(7 * 24 * time.Hour), MaxDownloads: 3, CanDecide: true}
	mine := export.Request{ID: "r2", Subject: "people", Format: "csv", Reason: "核对", Status: "approved", Requester: "hr1", Approver: "sec",
		CreatedAt: at, DecidedAt: &decided, ExpiresAt: decided.Add(24 * time.Hour), Downloads: 1, MaxDownloads: 3, Mine: true, CanDownload: true}
	rejected := export.Request{ID: "r3", Subject: "departments", Format: "csv", Status: "rejected", Requester: "x", Approver: "sec", DecisionNote: "范围过大",
		CreatedAt: at, ExpiresAt: at, MaxDownloads: 3}
	data := ExportsData{CanExport: true, CanApprove: true, Departments: []directory.Department{{ID: "d1", NamePath: "海港集团/生产部"}},
		Form:     ExportForm{Subject: "people", Format: "csv", DepartmentID: "d1", Mode: "unmasked"},
		Errors:   map[string]string{"reason": "请填写原因"},
		Notice:   "已提交",
		ToDecide: []export.Request{pending}, Mine: []export.Request{mine}, Decided: []export.Request{rejected}}
	for _, lang := range []Lang{Zh, En} {
		for _, role := range []access.Role{access.HR, access.SecurityOfficer, access.Viewer} {
			w := httptest.NewRecorder()
			v := View{Lang: lang, Title: "T", Nav: "exports", User: &access.Principal{Username: "hr1", Role: role}, Path: "/exports", Data: data}
			if err := r.Render(w, http.StatusOK, "exports", v); err != nil {
				t.Fatalf("%s %s: %v", lang, role, err)
			}
			body := w.Body.String()
			nav := strings.Contains(body, `<a href="/exports" aria-current="page">`)
			if nav != (role != access.Viewer) {
				t.Errorf("%s %s: navigation entry shown = %v", lang, role, nav)
			}
			if role != access.HR {
				continue
			}
			for _, s := range []string{`action="/exports"`, `<option value="d1" selected>`, `value="unmasked" checked`, `aria-invalid="true"`, "请填写原因",
				`action="/exports/r1/approve"`, `formaction="/exports/r1/reject"`, `href="/exports/r2/download"`, "范围过大", "1 / 3", "已提交",
				`class="badge badge-verified"`, `class="badge badge-declined"`} {
				if !strings.Contains(body, s) {
					t.Errorf("%s: missing %q", lang, s)
				}
			}
			if strings.Contains(body, "style=") || strings.Contains(body, "<style") || strings.Contains(body, "<script>") {
				t.Errorf("%s: inline style or script breaks the CSP", lang)
			}
			if lang == Zh && (!strings.Contains(body, "待我审批") || !strings.Contains(body, "生产部")) {
				t.Errorf("zh: Chinese labels missing")
			}
			if lang == En && !strings.Contains(body, "Waiting for my approval") {
				t.Errorf("en: English labels missing")
			}
		}
	}
}
