package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/incident"
)

func fp(v float64) *float64 { return &v }

// TestRenderNotifyReport renders the report, drills trend and remediation pages, the
// notify form's schedule, escalation options and people picker, and the board's policy,
// in both languages: no untranslated key, no inline style or script, no phone number.
func TestRenderNotifyReport(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	closed := at.Add(2 * time.Hour)
	resp := &access.Principal{Username: "resp", Role: access.Responder}
	owner := &access.Principal{Username: "owner", Role: access.Employee, PersonID: "p9"}
	report := ReportData{IncidentID: "i1", Title: "消防疏散演练", Level: "IV", Type: "production_safety", Drill: true, Status: "closed", OccurredAt: at,
		ClosedAt: &closed, GeneratedAt: closed, Notifications: 2,
		Total:            ReportGroup{Recipients: 4, Reached: 3, Acknowledged: 2, Safe: 1, NeedHelp: 1, Failed: 1, ReachRate: 0.75, AckP50: fp(90), AckP90: fp(200)},
		FirstDeliverySec: fp(1.25),
		ByRoster:         []ReportGroup{{Name: "抢险/救援组", Recipients: 2, Reached: 2, ReachRate: 1}},
		ByDepartment:     []ReportGroup{{Name: "集团/生产部", Recipients: 4, Reached: 3, Failed: 1, ReachRate: 0.75, AckP50: fp(90), AckP90: fp(200)}},
		Unreachable:      []BoardPerson{{Name: "丙", Department: "集团/生产部", Status: "unreachable"}}}
	interim := report
	interim.Status, interim.ClosedAt, interim.Notifications, interim.ByRoster, interim.ByDepartment, interim.Unreachable = "active", nil, 0, nil, nil, nil
	drills := NewDrillsData([]DrillRow{
		{IncidentID: "d1", Title: "第一次演练", OccurredAt: at, Recipients: 10, Failed: 3, ReachRate: 0.7, AckP50: fp(60), AckP90: fp(600)},
		{IncidentID: "d2", Title: "第二次演练", OccurredAt: closed, Recipients: 10, Failed: 1, ReachRate: 0.9, AckP50: fp(30), AckP90: fp(300)},
		{IncidentID: "d3", Title: "第三次演练", OccurredAt: closed, Recipients: 10, ReachRate: 0.85}})
	row := TaskRow{ID: "t1", IncidentID: "d1", IncidentTitle: "第一次演练", Name: "丙", Department: "集团/生产部", OwnerName: "数据维护员", Reason: "unreachable",
		DueOn: "2026-03-06", Status: "open", Overdue: true, ShowOwner: true, LinkReport: true}
	doneRow := row
	doneRow.ID, doneRow.Status, doneRow.DoneAt, doneRow.Overdue, doneRow.ShowOwner, doneRow.LinkReport = "t2", "done", &closed, false, false, false
	inc := incident.Incident{ID: "i1", Title: "化工厂泄漏", Type: "production_safety", Level: "II", Status: "closed", Reporter: "resp", OccurredAt: at, CreatedAt: at, ClosedAt: &closed}
	active := inc
	active.Status, active.ClosedAt = "active", nil
	panel := &NotifyPanel{IncidentID: "i1", CanSend: true,
		Form: NotifyForm{Text: "x", RequireAck: true, AfterMinutes: 5, SendAt: "2026-03-02T09:30", Media: []string{"voice", "sms"}, Backup: false, Manager: true, MaxSteps: 3,
			Picked: []PickedPerson{{ID: "p1", Name: "张伟", Department: "集团/生产部/一车间"}}},
		Errors:        map[string]string{"send_at": "请选择时间"},
		Notifications: []NotifySummary{{ID: "n1", Text: "x", Status: "scheduled", CreatedAt: at, SendAt: closed}}}
	plain := &NotifyPanel{IncidentID: "i1", CanSend: true, Form: NotifyForm{Text: "x", RequireAck: true, AfterMinutes: 5, Backup: true, Manager: true, MaxSteps: 6}}
	board := BoardData{IncidentID: "i1", IncidentTitle: "化工厂泄漏", IncidentLevel: "II", NotificationID: "n1", Text: "x", Status: "scheduled", CreatedAt: at, SendAt: closed,
		RequireAck: true, Policy: PolicyView{AfterMinutes: 5, Media: []string{"voice", "sms"}, Backup: false, Manager: true, MaxSteps: 3}}
	pick := PeoplePickData{IncidentID: "i1", Q: "zh", More: true,
		Results: []PickedPerson{{ID: "p1", EmployeeNo: "E001", Name: "张伟", Department: "集团/生产部"}, {ID: "p2", Name: "张三", Department: "集团/质量部", Chosen: true}}}
	chip := PeopleChipData{IncidentID: "i1", Person: PickedPerson{ID: "p1", Name: "张伟", Department: "集团/生产部", Chosen: true}}
	cases := []struct {
		page, fragment string
		user           *access.Principal
		data           any
		want           []string
		not            []string
	}{
		{"incident-report", "", resp, report, []string{`id="incident-report"`, "data-print", `href="/api/v1/incidents/i1/report"`, `id="kpi-reach">75%`,
			`id="kpi-recipients">4<`, `id="by-roster-table"`, "抢险/救援组", `id="by-dept-table"`, "生产部", `id="unreachable-table"`, "丙", "acc-bad w-75",
			`href="/drills"`}, []string{`id="report-interim"`}},
		{"incident-report", "", resp, interim, []string{`id="report-empty"`, `id="unreachable-none"`, `id="report-interim"`}, nil},
		{"drills", "", resp, drills, []string{`id="drills-table"`, `href="/incidents/d1/report"`, "第三次演练", ">70%<", ">90%<", "delta-up\" title=", "&#43;20.0", "delta-down", "-5.0",
			`width="100"`, `width="50"`, `width="10"`, `width="0"`, `aria-current="page">`}, nil},
		{"drills", "", resp, DrillsData{}, []string{`id="drills-empty"`}, nil},
		{"remediation", "", resp, TasksData{Status: "open", All: true, Tasks: []TaskRow{row, doneRow}, Open: 1, Notice: "ok"},
			[]string{`id="task-t1"`, `action="/remediation-tasks/t1/done"`, `hx-post="/remediation-tasks/t1/done"`, `hx-target="#task-t1"`, "数据维护员",
				`href="/incidents/d1/report"`, "badge-review-overdue", "badge-task-done", `href="/remediation-tasks?status=all"`, "notice-ok"},
			[]string{`action="/remediation-tasks/t2/done"`}},
		{"remediation", "", owner, TasksData{Status: "", Tasks: nil}, []string{`id="tasks-empty"`, `href="/remediation-tasks"`}, []string{`href="/drills"`}},
		{"", "task-row", resp, doneRow, []string{`id="task-t2"`, "badge-task-done"}, []string{"<html", `href="/incidents/d1/report"`}},
		{"incident", "", resp, IncidentData{Incident: inc}, []string{`id="report-link"`, `href="/incidents/i1/report"`}, nil},
		{"incident", "", resp, IncidentData{Incident: active, Notify: panel}, []string{`name="send_at" type="datetime-local" value="2026-03-02T09:30"`,
			`id="notify-more" open`, `id="sendat-error"`, `<option value="voice" selected>`, `<option value="sms" selected>`, `name="backup" value="0"`,
			`name="backup" value="1" id="notify-backup">`, `name="manager" value="1" id="notify-manager" checked`, `name="max_steps"`, `value="3"`,
			`id="people-search"`, `hx-get="/incidents/i1/notify/people"`, `hx-include="#people-chips"`, `id="chip-p1"`, `name="person" value="p1"`,
			"data-chip-remove", "scheduled-at"}, []string{`id="report-link"`}},
		{"incident", "", resp, IncidentData{Incident: active, Notify: plain}, []string{`id="notify-more">`, `name="backup" value="1" id="notify-backup" checked`,
			`value="6"`}, []string{`id="chip-`}},
		{"board", "", resp, board, []string{`id="board-scheduled"`, `id="board-policy"`}, nil},
		{"", "people-pick", resp, pick, []string{`id="pick-p1"`, `hx-get="/incidents/i1/notify/people/p1"`, `hx-target="#people-chips"`, "E001",
			`id="pick-p2"`, "pick-chosen", "生产部"}, []string{`hx-get="/incidents/i1/notify/people/p2"`}},
		{"", "people-pick", resp, PeoplePickData{IncidentID: "i1", Q: "nobody"}, []string{`id="people-pick-none"`}, nil},
		{"", "people-chip", resp, chip, []string{`id="chip-p1"`, `name="person" value="p1"`, `id="pick-p1" hx-swap-oob="true"`, "pick-chosen"}, []string{"<html"}},
	}
	for _, lang := range []Lang{Zh, En} {
		for _, c := range cases {
			w := httptest.NewRecorder()
			v := View{Lang: lang, Title: "T", Nav: "drills", User: c.user, Path: "/drills", Data: c.data}
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
			for _, s := range c.not {
				if strings.Contains(body, s) {
					t.Errorf("%s %s%s: shows %q", lang, c.page, c.fragment, s)
				}
			}
			if strings.Contains(body, "style=") || strings.Contains(body, "<style") || strings.Contains(body, "<script>") {
				t.Errorf("%s %s%s: inline style or script breaks the CSP", lang, c.page, c.fragment)
			}
			for _, prefix := range []string{"nreport.", "drills.", "tasks.", "tstatus.", "treason.", "dur.", "notify.", "board.", "nav."} {
				if strings.Contains(body, ">"+prefix) || strings.Contains(body, " "+prefix) || strings.Contains(body, `"`+prefix) {
					t.Errorf("%s %s%s: an untranslated %s key shows", lang, c.page, c.fragment, prefix)
				}
			}
		}
	}
}

func TestDuration(t *testing.T) {
	cases := []struct {
		v      any
		zh, en string
	}{
		{nil, "—", "—"},
		{(*float64)(nil), "—", "—"},
		{fp(0.34), "0.3 秒", "0.3s"},
		{fp(42), "42 秒", "42s"},
		{90.0, "1 分 30 秒", "1m 30s"},
		{fp(600), "10 分", "10m"},
		{fp(3600), "1 小时", "1h"},
		{fp(5430), "1 小时 31 分", "1h 31m"},
	}
	for _, c := range cases {
		if got := Zh.Duration(c.v); got != c.zh {
			t.Errorf("zh %v = %q, want %q", c.v, got, c.zh)
		}
		if got := En.Duration(c.v); got != c.en {
			t.Errorf("en %v = %q, want %q", c.v, got, c.en)
		}
	}
	for share, want := range map[float64]string{0: "0", 1.0 / 3: "33.3", 0.75: "75", 0.9996: "99.9", 1: "100"} {
		if got := percent(share); got != want {
			t.Errorf("percent(%v) = %q, want %q", share, got, want)
		}
	}
}
