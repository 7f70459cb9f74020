package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/incident"
	"lifeline/internal/keys"
	"lifeline/internal/roster"
)

// TestMessageKeys checks that every key a template translates exists, in both languages.
func TestMessageKeys(t *testing.T) {
	re := regexp.MustCompile(`\bt "([a-z0-9_.]+)"`)
	err := fs.WalkDir(files, "templates", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := messages[m[1]]; !ok {
				t.Errorf("%s: message %q is not defined", name, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, m := range messages {
		if m.zh == "" || m.en == "" {
			t.Errorf("message %q lacks a translation", k)
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		cookie, locale, accept string
		want                   Lang
	}{
		{"", "", "", Zh},
		{"en", "zh", "zh-CN", En},
		{"zh", "en", "en-US", Zh},
		{"xx", "en", "", En},
		{"", "zh-CN", "en", Zh},
		{"", "", "en-GB,en;q=0.9", En},
		{"", "", "zh-CN,zh;q=0.9,en;q=0.8", Zh},
	}
	for _, c := range cases {
		if got := Negotiate(c.cookie, c.locale, c.accept); got != c.want {
			t.Errorf("Negotiate(%q, %q, %q) = %s, want %s", c.cookie, c.locale, c.accept, got, c.want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/people": true, "/people?q=张": true, "/": true,
		"": false, "//evil.example": false, "/\\evil.example": false, "https://evil.example": false,
		"people": false, "/a\nb": false, "/a\\b": false,
	} {
		if got := LocalPath(p); got != want {
			t.Errorf("LocalPath(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestBuildTree(t *testing.T) {
	tree := BuildTree([]directory.Department{
		{ID: "a", Name: "集团"}, {ID: "b", ParentID: "a", Name: "生产部"}, {ID: "c", ParentID: "b", Name: "一车间"},
		{ID: "d", ParentID: "a", Name: "财务部"}, {ID: "e", ParentID: "zz", Name: "孤儿"},
	})
	if len(tree) != 2 || tree[0].ID != "a" || tree[1].ID != "e" {
		t.Fatalf("roots = %+v", tree)
	}
	if len(tree[0].Children) != 2 || tree[0].Children[0].Children[0].ID != "c" {
		t.Fatalf("children of a = %+v", tree[0].Children)
	}
}

// TestRender renders every page and fragment in both languages with sample data.
func TestRender(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	user := &access.Principal{Username: "admin", Role: access.Admin}
	person := directory.Person{ID: "p1", EmployeeNo: "E000001", Name: "张伟", DepartmentID: "d1", Department: "江苏海港集团/生产运营部", Title: "工程师",
		Status: "active", HireDate: "2010-05-01", ManagerID: "p0", Masked: true,
		Channels: []directory.Channel{{Kind: "mobile", Value: "138****8000", Type: "mobile", Carrier: "中国移动", Region: "江苏省连云港市"},
			{Kind: "landline", Value: "0518-****8800", Type: "landline", Extension: "123"}},
		EmergencyContacts: []directory.EmergencyContact{{Name: "李*", Relation: "配偶", Phone: "139****9000", Priority: 1, VerificationStatus: "unverified"}}}
	full := person
	full.Masked = false
	full.Channels = []directory.Channel{{Kind: "mobile", Value: "138 0013 8000", E164: "+8613800138000"},
		{Kind: "landline", Value: "0518 8543 8800", E164: "+8651885438800", Extension: "123"}, {Kind: "email", Value: "a@b.cn"}}
	hist := []directory.HistoryEntry{{At: at, Actor: "hr1", Action: "update", Reason: "调岗",
		Changes: []directory.Change{{Field: "title", Before: "操作工", After: "工程师"}, {Field: "channel.mobile", After: "138****8000"}, {Field: "emergency_contact.1", After: "李* 配偶"}}}}
	people := PeopleData{Q: "zw", People: []directory.PersonSummary{{ID: "p1", EmployeeNo: "E000001", Name: "张伟", Department: "江苏海港集团/生产运营部", Status: "active", Mobile: "138****8000"}},
		Departments: []directory.Department{{ID: "d1", NamePath: "江苏海港集团/生产运营部"}}, DepartmentID: "d1", NextURL: "/people?cursor=x&q=zw", Paged: true, FirstURL: "/people?q=zw"}
	inc := incident.Incident{ID: "i1", Title: "化工厂泄漏", Type: "production_safety", Level: "II", Location: "二号罐区", Status: "active", Reporter: "resp",
		OccurredAt: at, CreatedAt: at, Description: "第一行\n第二行"}
	closedInc := incident.Incident{ID: "i0", Title: "演练", Type: "it_outage", Level: "IV", Status: "closed", Drill: true, OccurredAt: at, CreatedAt: at, ClosedAt: &at}
	ros := roster.Roster{ID: "r1", Name: "抢险救援组", Kind: "rescue", Revision: 2, UpdatedAt: at,
		Owners: []roster.Owner{{PersonID: "p1", Role: "primary", Name: "张伟", Status: "active", Mobile: "138****8000"}, {PersonID: "p2", Role: "deputy", Name: "王五", Status: "active"}},
		Members: []roster.Member{{ID: "m1", PersonID: "p1", Name: "张伟", Department: "集团/生产部", Status: "active", Mobile: "138****8000", Duty: "组长", Position: 1,
			Backups: []roster.Backup{{PersonID: "p3", Name: "李四", Status: "active", Mobile: "139****9000"}}, ValidTo: &at}}}
	past := ros
	past.AsOf = &at
	grant := incident.Grant{ID: "g1", IncidentID: "i1", Incident: "化工厂泄漏", Username: "resp", Reason: "疏散", DepartmentIDs: []string{"d1"},
		CreatedAt: at, ExpiresAt: at.Add(time.Hour), Active: true}
	ended := grant
	ended.ID, ended.Active, ended.EndedAt = "g0", false, &at
	entries := []audit.Entry{{Seq: 9, At: at, ActorName: "hr1", Action: "person.reveal", ObjectType: "person", ObjectID: "p1", Outcome: "ok", IP: "10.0.0.1", Reason: "核对"},
		{Seq: 8, At: at, ActorName: "bob", Action: "login", ObjectType: "user", ObjectID: "u1", Outcome: "failed", IP: "10.0.0.9", Detail: "wrong password"}}
	auditOK := AuditData{Action: "person.reveal", Actions: AuditActions(), Outcomes: AuditOutcomes(), Entries: entries, NextURL: "/audit?cursor=8", FirstURL: "/audit",
		Verified: true, Verify: audit.Report{Records: 9, Checkpoints: 1, OK: true}}
	auditBroken := AuditData{Actions: AuditActions(), Outcomes: AuditOutcomes(), From: "2026-13-01", Errors: map[string]string{"from": "bad date"}, FirstURL: "/audit",
		Verified: true, Verify: audit.Report{Records: 9, BrokenAt: 7, Problem: "record 7 was altered"}, BrokenURL: "/audit?cursor=8"}
	cases := []struct {
		page, fragment string
		data           any
		want           []string
	}{
		{"login", "", LoginData{Username: "bob", Error: "用户名或密码错误"}, []string{`name="username"`, `value="bob"`, "用户名或密码错误"}},
		{"people", "", people, []string{`hx-trigger="input changed delay:300ms, search"`, `id="results"`, "张伟", "138****8000", `href="/people?cursor=x&amp;q=zw"`, `<option value="d1" selected>`}},
		{"", "people-results", people, []string{"张伟", `href="/people/p1"`}},
		{"person", "", PersonData{Person: person, History: hist, CanReveal: true}, []string{"138****8000", "中国移动", `hx-post="/people/p1/reveal"`, "2026-03-01 10:30", "工程师"}},
		{"", "person-contact", PersonData{Person: person, CanReveal: true, ReasonError: "请填写"}, []string{`id="contact"`, `aria-invalid="true"`, "请填写"}},
		{"", "person-contact", PersonData{Person: full, Revealed: true}, []string{`href="tel:&#43;8613800138000"`, `href="tel:&#43;8651885438800,123"`, `href="mailto:a@b.cn"`, `hx-history="false"`}},
		{"departments", "", DepartmentsData{Tree: BuildTree([]directory.Department{{ID: "a", Name: "集团"}, {ID: "b", ParentID: "a", Name: "生产部"}})},
			[]string{`href="/people?department_id=b"`, "生产部", "<details open>"}},
		{"error", "", ErrorData{Status: 404, Detail: "person not found", RequestID: "abc", Fields: []errs.FieldError{{Field: "q", Message: "bad"}}}, []string{"404", "person not found", "abc"}},
		{"", "error-alert", ErrorData{Status: 403, Detail: "no"}, []string{`role="alert"`}},
		// Security pages: audit search, keys, incidents, break-glass, the person's own access log.
		{"audit", "", auditOK, []string{`hx-get="/audit"`, "verify-ok", "2026-03-01 10:30:00", `href="/people/p1"`, `rel="next"`, `<option value="person.reveal" selected>`, `name="from"`}},
		{"audit", "", auditBroken, []string{"verify-broken", `role="alert"`, "record 7 was altered", `href="/audit?cursor=8"`, `aria-invalid="true"`}},
		{"", "audit-results", auditOK, []string{`class="table audit-table"`, "row-alert", "10.0.0.9"}},
		{"keys", "", KeysData{Keys: []keys.KeyStatus{{ID: 2, CreatedAt: at, Current: true, Values: 10}, {ID: 1, CreatedAt: at, Values: 3}, {ID: 0, CreatedAt: at, RetiredAt: &at}}},
			[]string{"lifeline keys rotate", "badge-current", "badge-old", "badge-retired", "#2"}},
		{"incidents", "", IncidentsData{Incidents: []incident.Incident{inc, closedInc}, CanReport: true, Types: incident.Types(), Levels: incident.Levels(),
			Form: IncidentForm{Title: "泄漏", Level: "II"}, Errors: map[string]string{"type": "请选择事件类型。"}},
			[]string{`action="/incidents"`, `href="/incidents/i1"`, "row-active", "badge-level-II", `<option value="II" selected>`, "请选择事件类型。", "<details class=\"card report\" open>", `name="drill"`}},
		{"incident", "", IncidentData{Incident: inc, CanClose: true, CanBreakGlass: true, Departments: []directory.Department{{ID: "d1", NamePath: "集团/化工厂"}},
			Form: GrantForm{DepartmentIDs: map[string]bool{"d1": true}, Minutes: 60}, Grants: []incident.Grant{grant}, DeptNames: DeptNames{"d1": "集团/化工厂"}},
			[]string{`action="/incidents/i1/close"`, `action="/incidents/i1/break-glass"`, `name="department_id" value="d1" checked`, `value="60"`, "化工厂", `href="/break-glass/g1"`}},
		{"grants", "", GrantsData{Grants: []incident.Grant{grant, ended}, All: true, Self: "resp", DeptNames: DeptNames{"d1": "集团/化工厂"}, Ended: true},
			[]string{"row-active", `action="/break-glass/g1/end"`, "疏散", "化工厂", "resp"}},
		{"sheet", "", ContactSheetData{Grant: grant, Groups: GroupByDepartment([]directory.Person{full}), People: 1, Holder: true, CanEnd: true},
			[]string{"sheet-banner", `href="tel:&#43;8613800138000"`, `action="/break-glass/g1/end"`, "data-print", "李*", "2026-03-01 11:30"}},
		{"sheet", "", ContactSheetData{Grant: ended, Closed: "ended"}, []string{"is-over", "ended"}},
		// Roster pages: list with the create form, a roster with members, a past view, the printable page.
		{"rosters", "", RostersData{Rosters: []roster.Roster{ros}, Kinds: roster.Kinds(), Templates: roster.Templates(), CanCreate: true, Errors: map[string]string{"owner_ids": "两名"}},
			[]string{`action="/rosters"`, `href="/rosters/r1"`, "抢险救援组", `aria-invalid="true"`}},
		{"roster", "", RosterData{Roster: ros, CanEdit: true, History: []roster.HistoryEntry{{Revision: 2, At: at, Actor: "hr1", Action: "member.add"}}},
			[]string{"138****8000", `action="/rosters/r1/members"`, `action="/rosters/r1/members/m1/remove"`, "?at=2026-03-01T02%3a30%3a00Z", "李四"}},
		{"roster", "", RosterData{Roster: past, At: "2026-03-01T02:30:00Z"}, []string{"roster-asof", `href="/rosters/r1/print?at=2026-03-01T02%3a30%3a00Z"`}},
		{"roster-print", "", RosterPrintData{Roster: ros, CanReveal: true, PrintedAt: at, PDF: "/rosters/r1/print.pdf"}, []string{"paper-sign", "138****8000", `name="reason"`, "data-print", `href="/rosters/r1/print.pdf"`}},
		{"roster-print", "", RosterPrintData{Roster: ros, Full: true, Reason: "月度", PrintedAt: at}, []string{"月度", "paper-table"}},
		{"person", "", PersonData{Person: full, Self: true, AccessLog: []audit.Entry{{At: at, ActorName: "hr1", Action: "person.reveal", Reason: "核对"}}},
			[]string{`href="/api/v1/me/data"`, "hr1", "核对"}},
	}
	for _, lang := range []Lang{Zh, En} {
		for _, c := range cases {
			w := httptest.NewRecorder()
			v := View{Lang: lang, Title: "T", Nav: "people", User: user, Path: "/people?q=zw", Data: c.data}
			if c.fragment != "" {
				err = r.Fragment(w, http.StatusOK, c.fragment, v)
			} else {
				err = r.Render(w, http.StatusOK, c.page, v)
			}
			if err != nil {
				t.Fatalf("%s %s%s: %v", lang, c.page, c.fragment, err)
			}
			body := w.Body.String()
			for _, s := range c.want {
				if !strings.Contains(body, s) {
					t.Errorf("%s %s%s: missing %q", lang, c.page, c.fragment, s)
				}
			}
			if strings.Contains(body, "style=") || strings.Contains(body, "<style") {
				t.Errorf("%s %s%s: inline style breaks the CSP", lang, c.page, c.fragment)
			}
			if c.page != "" && !strings.Contains(body, `<html lang="`+lang.HTML()+`">`) {
				t.Errorf("%s %s: no lang attribute", lang, c.page)
			}
			if got := w.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q", got)
			}
		}
	}
}

func TestStatic(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	h := r.Static()
	for _, name := range []string{"app.css", "htmx.min.js", "app.js"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", r.Asset(name), nil))
		if w.Code != 200 || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") || w.Body.Len() == 0 {
			t.Errorf("%s: %d %q", name, w.Code, w.Header().Get("Cache-Control"))
		}
	}
	for _, p := range []string{"/static/", "/static/nope.js", "/static/../web.go"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		if w.Code != 404 {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
}

// TestSecurityNav: the navigation offers the security pages only to the roles that may
// use them, and a responder's active break-glass grant is announced on every page.
func TestSecurityNav(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	cases := []struct {
		role       access.Role
		want, lack []string
	}{
		{access.SecurityOfficer, []string{`href="/incidents"`, `href="/break-glass"`, `href="/audit"`, `href="/keys"`}, nil},
		{access.Admin, []string{`href="/incidents"`, `href="/keys"`}, []string{`href="/audit"`, `href="/break-glass"`}},
		{access.Responder, []string{`href="/incidents"`, `href="/break-glass"`, "bg-banner", `href="/break-glass/g1"`, "2026-03-01 11:30"}, []string{`href="/audit"`, `href="/keys"`}},
		{access.Viewer, []string{`href="/incidents"`}, []string{`href="/audit"`, `href="/keys"`, `href="/break-glass"`}},
		{access.Employee, nil, []string{`href="/incidents"`, `href="/audit"`, `href="/keys"`, `href="/break-glass"`}},
	}
	for _, lang := range []Lang{Zh, En} {
		for _, c := range cases {
			v := View{Lang: lang, Title: "T", User: &access.Principal{Username: "u", Role: c.role}, Path: "/people", Data: DepartmentsData{}}
			if c.role == access.Responder {
				v.ActiveGrants = []GrantBanner{{ID: "g1", Incident: "化工厂泄漏", ExpiresAt: at.Add(time.Hour)}}
			}
			w := httptest.NewRecorder()
			if err := r.Render(w, http.StatusOK, "departments", v); err != nil {
				t.Fatalf("%s %s: %v", lang, c.role, err)
			}
			body := w.Body.String()
			for _, s := range c.want {
				if !strings.Contains(body, s) {
					t.Errorf("%s %s: missing %q", lang, c.role, s)
				}
			}
			for _, s := range c.lack {
				if strings.Contains(body, s) {
					t.Errorf("%s %s: has %q", lang, c.role, s)
				}
			}
		}
	}
}

func TestAuditAction(t *testing.T) {
	for a, want := range map[string]string{"person.reveal": "查看人员完整号码", "export.frobnicate": "导出（frobnicate）", "weird": "weird"} {
		if got := Zh.AuditAction(a); got != want {
			t.Errorf("AuditAction(%q) = %q, want %q", a, got, want)
		}
	}
	for _, a := range AuditActions() {
		if Zh.AuditAction(a) == a || En.AuditAction(a) == a {
			t.Errorf("audit action %q has no label", a)
		}
	}
}
