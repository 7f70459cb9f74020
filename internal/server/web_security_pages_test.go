package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lifeline/internal/apptest"
	"lifeline/internal/store/storetest"
)

// TestWebSecurityPages drives the security pages through their forms without a browser,
// on every engine: the audit search for the security officer only, the key status, an
// incident reported through the form, break-glass opened by a responder with the full
// numbers on the contact sheet and the banner on every page, ending it, closing the
// incident, and a person's own access log.
func TestWebSecurityPages(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			admin := a.User(t, "root", "admin", "")
			group := createDept(t, a, admin, "集团", "")
			plant := createDept(t, a, admin, "化工厂", group)
			office := createDept(t, a, admin, "办公室", group)
			var pids []string
			for i, d := range []string{plant, plant, office} {
				body := map[string]any{"employee_no": []string{"P1", "P2", "O1"}[i], "name": []string{"王一", "王二", "李三"}[i], "department_id": d,
					"channels":           []map[string]any{{"kind": "mobile", "value": []string{"13811110001", "13811110002", "13811110003"}[i]}},
					"emergency_contacts": []map[string]any{{"name": "家属", "relation": "配偶", "phone": []string{"13922220001", "13922220002", "13922220003"}[i]}}}
				r := a.Do(t, "POST", "/api/v1/people", admin, body)
				mustStatus(t, r, http.StatusCreated)
				pids = append(pids, r.JSON(t)["id"].(string))
			}
			const pw = "Web-Security-Passw0rd"
			for _, u := range [][2]string{{"w-admin", "admin"}, {"w-sec", "security_officer"}, {"w-resp", "responder"}, {"w-view", "viewer"}} {
				a.AddUser(t, u[0], u[1], pw, "")
			}
			login := func(user string) *webClient {
				t.Helper()
				c := newWebClient(t, a.URL)
				if st, h, body := c.do("POST", "/login", url.Values{"username": {user}, "password": {pw}}); st != http.StatusSeeOther || h.Get("Location") != "/people" {
					t.Fatalf("login %s = %d %s\n%.300s", user, st, h.Get("Location"), body)
				}
				return c
			}
			want := func(what string, got, wantStatus int, body string, contains ...string) {
				t.Helper()
				if got != wantStatus {
					t.Errorf("%s: status %d, want %d\n%.800s", what, got, wantStatus, body)
				}
				for _, s := range contains {
					if !strings.Contains(body, s) {
						t.Errorf("%s: body lacks %q", what, s)
					}
				}
			}
			lacks := func(what, body string, absent ...string) {
				t.Helper()
				for _, s := range absent {
					if strings.Contains(body, s) {
						t.Errorf("%s: body has %q", what, s)
					}
				}
			}
			redirect := func(what string, st int, h http.Header, prefix string) string {
				t.Helper()
				if st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), prefix) {
					t.Fatalf("%s = %d %q, want 303 to %s…", what, st, h.Get("Location"), prefix)
				}
				return strings.TrimPrefix(h.Get("Location"), prefix)
			}
			sec, resp, view, adm := login("w-sec"), login("w-resp"), login("w-view"), login("w-admin")

			// The audit search and the chain verification: the security officer only.
			st, _, body := sec.do("GET", "/audit", nil)
			want("audit", st, http.StatusOK, body, "verify-ok", `name="action"`, "w-resp", "登录")
			lacks("audit", body, "verify-broken")
			st, _, body = sec.do("GET", "/audit?action=login&actor=w-view", nil, "HX-Request", "true")
			want("audit fragment", st, http.StatusOK, body, "audit-table", "w-view")
			lacks("audit fragment", body, "<html", "w-resp")
			st, _, body = sec.do("GET", "/audit?from=2020-02-30", nil)
			want("audit with a bad date", st, http.StatusUnprocessableEntity, body, `aria-invalid="true"`)
			st, _, body = sec.do("GET", "/audit?actor=nobody-at-all", nil)
			want("audit without results", st, http.StatusOK, body, "没有符合条件的审计记录")
			for _, c := range []*webClient{view, adm, resp} {
				st, _, body = c.do("GET", "/audit", nil)
				want("audit for others", st, http.StatusForbidden, body, "<html", "没有权限")
				lacks("audit for others", body, "audit-table")
			}
			st, _, body = view.do("GET", "/people", nil)
			want("a viewer's navigation", st, http.StatusOK, body, `href="/incidents"`)
			lacks("a viewer's navigation", body, `href="/audit"`, `href="/keys"`, `href="/break-glass"`)
			st, _, body = sec.do("GET", "/people", nil)
			want("the security officer's navigation", st, http.StatusOK, body, `href="/audit"`, `href="/keys"`, `href="/break-glass"`, `href="/incidents"`)

			// Key status: admin and security officer.
			st, _, body = adm.do("GET", "/keys", nil)
			want("keys", st, http.StatusOK, body, "lifeline keys rotate", "badge-current")
			st, _, _ = view.do("GET", "/keys", nil)
			want("keys for a viewer", st, http.StatusForbidden, "")

			// An incident reported through the form; invalid input comes back with messages.
			st, _, body = resp.do("GET", "/incidents", nil)
			want("incidents", st, http.StatusOK, body, `action="/incidents"`, "特别重大", "一般")
			st, _, body = resp.do("POST", "/incidents", url.Values{"title": {"化工厂泄漏"}, "type": {""}, "level": {"II"}})
			want("report without a type", st, http.StatusUnprocessableEntity, body, "请选择事件类型", `value="化工厂泄漏"`, `<option value="II" selected>`)
			st, _, _ = view.do("POST", "/incidents", url.Values{"title": {"x"}, "type": {"it_outage"}, "level": {"IV"}})
			want("report by a viewer", st, http.StatusForbidden, "")
			st, h, _ := resp.do("POST", "/incidents", url.Values{"title": {"化工厂泄漏"}, "type": {"production_safety"}, "level": {"II"},
				"location": {"二号罐区"}, "description": {"氯气泄漏"}, "drill": {"1"}})
			inc := redirect("report", st, h, "/incidents/")
			st, _, body = view.do("GET", "/incidents", nil)
			want("incident list", st, http.StatusOK, body, "化工厂泄漏", "row-active", "演练", "/incidents/"+inc)
			lacks("incident list for a viewer", body, `action="/incidents"`)
			st, _, body = view.do("GET", "/incidents/"+inc, nil)
			want("incident for a viewer", st, http.StatusOK, body, "化工厂泄漏", "二号罐区", "氯气泄漏")
			lacks("incident for a viewer", body, "/break-glass", "/close")
			st, _, body = resp.do("GET", "/incidents/"+inc, nil)
			want("incident for a responder", st, http.StatusOK, body, `action="/incidents/`+inc+`/break-glass"`, `value="`+plant+`"`, `value="60"`, "/close")

			// Break-glass through the form: a reason is required; then the contact sheet.
			st, _, body = resp.do("POST", "/incidents/"+inc+"/break-glass", url.Values{"department_id": {plant}, "reason": {" "}, "minutes": {"30"}})
			want("break-glass without a reason", st, http.StatusUnprocessableEntity, body, "请填写原因", `value="30"`, `value="`+plant+`" checked`)
			st, _, _ = view.do("POST", "/incidents/"+inc+"/break-glass", url.Values{"department_id": {plant}, "reason": {"x"}})
			want("break-glass by a viewer", st, http.StatusForbidden, "")
			st, h, _ = resp.do("POST", "/incidents/"+inc+"/break-glass", url.Values{"department_id": {plant}, "reason": {"疏散化工厂人员"}, "minutes": {"30"}})
			gid := redirect("break-glass", st, h, "/break-glass/")
			st, _, body = resp.do("GET", "/break-glass/"+gid, nil)
			want("contact sheet", st, http.StatusOK, body, "已登记并通知安全管理员", `href="tel:&#43;8613811110001"`, `href="tel:&#43;8613922220002"`,
				"王一", "王二", "家属", "疏散化工厂人员", `action="/break-glass/`+gid+`/end"`, "化工厂")
			lacks("contact sheet", body, "13811110003", "****", "李三")

			// The banner announces the grant on every page of its holder, and only there.
			st, _, body = resp.do("GET", "/people", nil)
			want("banner", st, http.StatusOK, body, "bg-banner", `href="/break-glass/`+gid+`"`, "化工厂泄漏")
			st, _, body = resp.do("GET", "/incidents", nil)
			want("banner on the incidents", st, http.StatusOK, body, "bg-banner")
			st, _, body = sec.do("GET", "/people", nil)
			want("the security officer's page", st, http.StatusOK, body)
			lacks("the security officer's page", body, "bg-banner")

			// The security officer sees the registration, not the numbers.
			st, _, body = sec.do("GET", "/break-glass", nil)
			want("register", st, http.StatusOK, body, "row-active", "w-resp", "疏散化工厂人员", "/break-glass/"+gid)
			st, _, body = sec.do("GET", "/break-glass/"+gid, nil)
			want("the sheet for the security officer", st, http.StatusOK, body, "只有开启者本人", "疏散化工厂人员")
			lacks("the sheet for the security officer", body, "13811110001")
			st, _, body = sec.do("GET", "/audit?action=breakglass.view", nil)
			want("the view is audited", st, http.StatusOK, body, "people=2", "查看紧急联系表")
			st, _, _ = view.do("GET", "/break-glass", nil)
			want("register for a viewer", st, http.StatusForbidden, "")
			st, _, _ = view.do("GET", "/break-glass/"+gid, nil)
			want("sheet for a viewer", st, http.StatusNotFound, "")

			// Ending it: the banner goes, the sheet shows no numbers.
			st, h, _ = resp.do("POST", "/break-glass/"+gid+"/end", url.Values{})
			redirect("end", st, h, "/break-glass?ended=1")
			st, _, body = resp.do("GET", "/break-glass?ended=1", nil)
			want("register after ending", st, http.StatusOK, body, "紧急查询已结束", "已结束")
			lacks("register after ending", body, "bg-banner")
			st, _, body = resp.do("GET", "/break-glass/"+gid, nil)
			want("sheet after ending", st, http.StatusOK, body, "is-over", "号码不再显示")
			lacks("sheet after ending", body, "13811110001", `/end"`)
			st, _, _ = resp.do("POST", "/break-glass/"+gid+"/end", url.Values{})
			want("ending twice", st, http.StatusConflict, "")

			// Closing the incident through its page.
			st, h, _ = resp.do("POST", "/incidents/"+inc+"/close", url.Values{})
			redirect("close", st, h, "/incidents/"+inc)
			st, _, body = resp.do("GET", "/incidents/"+inc, nil)
			want("closed incident", st, http.StatusOK, body, "已关闭", "本事件的紧急查询登记")
			lacks("closed incident", body, `action="/incidents/`+inc+`/break-glass"`, "/close")

			// The person sees who accessed their data, and can download it.
			mustStatus(t, a.Do(t, "POST", "/api/v1/people/"+pids[0]+"/reveal", admin, map[string]any{"reason": "核对家属电话"}), http.StatusOK)
			a.AddUser(t, "w-self", "employee", pw, "")
			var users struct {
				Items []struct{ ID, Username string }
			}
			a.Do(t, "GET", "/api/v1/users", admin, nil).Decode(t, &users)
			for _, u := range users.Items {
				if u.Username == "w-self" {
					mustStatus(t, a.Do(t, "PATCH", "/api/v1/users/"+u.ID, admin, map[string]any{"person_id": pids[0]}), http.StatusOK)
				}
			}
			self := login("w-self")
			st, _, body = self.do("GET", "/people/"+pids[0], nil)
			want("own person page", st, http.StatusOK, body, "谁查看过我的信息", `href="/api/v1/me/data"`, "核对家属电话", "root", "疏散化工厂人员")
			lacks("own person page", body, `href="/incidents"`)
			st, _, body = adm.do("GET", "/people/"+pids[0], nil)
			want("someone else's person page", st, http.StatusOK, body)
			lacks("someone else's person page", body, "谁查看过我的信息")
			st, h, _ = self.do("GET", "/api/v1/me/data", nil)
			if st != http.StatusOK || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
				t.Errorf("my data download = %d %q", st, h.Get("Content-Disposition"))
			}
		})
	}
}
