package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"lifeline/internal/apptest"
	"lifeline/internal/store/storetest"
	"lifeline/internal/web"
)

// TestWebNotifyReport drives the pages after the notifications, on every database
// engine: the notify form's people picker, schedule and escalation options (landing in
// the notification), a drill's report (printable, linked from the closed incident),
// the drills trend and the remediation tasks with their done button, each with the
// access rules of the API it mirrors.
func TestWebNotifyReport(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) { testWebNotifyReport(t, e) })
	}
}

func testWebNotifyReport(t *testing.T, e storetest.Engine) {
	a := apptest.StartOn(t, e, apptest.Options{})
	admin := a.User(t, "wr-admin", "admin", "")
	hr := a.User(t, "wr-hr", "hr", "")
	onboard := func(no, name, dept, mobile string) string {
		t.Helper()
		body := map[string]any{"id": "wr-on-" + no, "type": "onboard", "employee_no": no, "name": name, "department": dept}
		if mobile != "" {
			body["mobile"] = mobile
		}
		r := a.Do(t, "POST", "/api/v1/hr/events", hr, body)
		mustStatus(t, r, http.StatusOK)
		return r.JSON(t)["person_id"].(string)
	}
	maint := onboard("WRM", "数据维护员", "集团/安全部", "13812349900")
	other := onboard("WRO", "其他员工", "集团/安全部", "13812349901")
	var staff []string
	for i, name := range []string{"通知员工甲", "通知员工乙", "通知员工丙"} {
		staff = append(staff, onboard("WR00"+string(rune('1'+i)), name, "集团/生产部", "1381234000"+string(rune('1'+i))))
	}
	onboard("WRX1", "无号码员工一", "集团/生产部", "")
	onboard("WRX2", "无号码员工二", "集团/生产部", "")

	// The data maintainer of 生产部 owns the remediation of its records.
	var depts struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	r := a.Do(t, "GET", "/api/v1/departments", admin, nil)
	mustStatus(t, r, http.StatusOK)
	r.Decode(t, &depts)
	var prod string
	for _, d := range depts.Items {
		if d.Name == "生产部" {
			prod = d.ID
		}
	}
	if prod == "" {
		t.Fatalf("no 生产部 in %s", r.Body)
	}
	mustStatus(t, a.Do(t, "PATCH", "/api/v1/departments/"+prod, admin, map[string]any{"maintainer_person_id": maint}), http.StatusOK)

	const pw = "Web-Report-Passw0rd"
	for _, u := range [][2]string{{"wr-resp", "responder"}, {"wr-view", "viewer"}, {"wr-owner", "employee"}, {"wr-other", "employee"}} {
		a.AddUser(t, u[0], u[1], pw, "")
	}
	var users struct {
		Items []struct{ ID, Username string } `json:"items"`
	}
	r = a.Do(t, "GET", "/api/v1/users", admin, nil)
	mustStatus(t, r, http.StatusOK)
	r.Decode(t, &users)
	for _, u := range users.Items {
		switch u.Username {
		case "wr-owner":
			mustStatus(t, a.Do(t, "PATCH", "/api/v1/users/"+u.ID, admin, map[string]any{"person_id": maint}), http.StatusOK)
		case "wr-other":
			mustStatus(t, a.Do(t, "PATCH", "/api/v1/users/"+u.ID, admin, map[string]any{"person_id": other}), http.StatusOK)
		}
	}
	const secret = "web-report-sink-secret-0123456789"
	sink := newWNSink(t, secret)
	mustStatus(t, a.Do(t, "POST", "/api/v1/providers", admin, map[string]any{"kind": "http_gateway", "name": "本地网关", "url": sink.URL, "secret": secret}), http.StatusCreated)

	login := func(user string) *webClient {
		t.Helper()
		return loginWeb(t, a.URL, user, pw)
	}
	check := func(what string, st, want int, body string, contains ...string) {
		t.Helper()
		checkPage(t, what, st, want, body, contains...)
	}
	lacks := func(what, body string, s ...string) {
		t.Helper()
		for _, x := range s {
			if strings.Contains(body, x) {
				t.Errorf("%s: body shows %q", what, x)
			}
		}
	}
	htmx := []string{"HX-Request", "true"}
	resp, viewer, owner, otherEmp := login("wr-resp"), login("wr-view"), login("wr-owner"), login("wr-other")

	// A drill is reported; its page offers the picker and the options, not yet a report.
	st, h, body := resp.do("POST", "/incidents", url.Values{"title": {"疏散演练"}, "type": {"production_safety"}, "level": {"IV"}, "drill": {"1"}})
	check("report drill", st, http.StatusSeeOther, body)
	inc := h.Get("Location")
	st, _, body = resp.do("GET", inc, nil)
	check("incident page", st, 200, body, `id="people-search"`, `hx-get="`+inc+`/notify/people"`, `name="send_at" type="datetime-local"`,
		`name="media"`, `name="backup" value="1" id="notify-backup" checked`, `name="manager" value="1" id="notify-manager" checked`, `name="max_steps"`,
		`href="/drills"`, `href="/remediation-tasks"`)
	lacks("active incident page", body, `id="report-link"`)

	// The people picker: names and departments, never a number; viewers may not use it.
	st, _, body = resp.do("GET", inc+"/notify/people?people_q="+url.QueryEscape("通知员工乙"), nil, htmx...)
	check("picker search", st, 200, body, "通知员工乙", "生产部", `id="pick-`+staff[1]+`"`, `hx-get="`+inc+`/notify/people/`+staff[1]+`"`)
	lacks("picker search", body, "1381234", "138****", "<html")
	st, _, body = resp.do("GET", inc+"/notify/people?people_q="+url.QueryEscape("通知员工")+"&person="+staff[1], nil, htmx...)
	check("picker with a chosen person", st, 200, body, `id="pick-`+staff[0]+`"`, "pick-chosen")
	lacks("picker with a chosen person", body, `hx-get="`+inc+`/notify/people/`+staff[1]+`"`)
	st, _, body = resp.do("GET", inc+"/notify/people?people_q=nobody-like-this", nil, htmx...)
	check("picker without match", st, 200, body, `id="people-pick-none"`)
	st, _, body = resp.do("GET", inc+"/notify/people/"+staff[1], nil, htmx...)
	check("picker chip", st, 200, body, `name="person" value="`+staff[1]+`"`, "通知员工乙", `hx-swap-oob="true"`, "data-chip-remove")
	lacks("picker chip", body, "1381234")
	if st, _, _ := resp.do("GET", inc+"/notify/people/"+staff[1]+"?person="+staff[1], nil, htmx...); st != http.StatusNoContent {
		t.Errorf("adding a chosen person again = %d, want 204", st)
	}
	if st, _, _ := resp.do("GET", inc+"/notify/people/nosuch", nil, htmx...); st != http.StatusNotFound {
		t.Errorf("chip of an unknown person = %d, want 404", st)
	}
	for _, c := range []*webClient{viewer, owner} {
		if st, _, _ := c.do("GET", inc+"/notify/people?people_q=x", nil, htmx...); st != http.StatusForbidden {
			t.Errorf("picker for a non-sender = %d, want 403", st)
		}
	}

	// Schedule and escalation options: refusals, then a scheduled send to the picked
	// person whose schedule and policy land in the notification.
	later := time.Now().Add(2 * time.Hour).In(web.Shanghai()).Truncate(time.Minute)
	sched := url.Values{"person": {staff[1]}, "text": {"演练通知：请到东门集合"}, "require_ack": {"1"}, "after_minutes": {"3"},
		"send_at": {later.Format("2006-01-02T15:04")}, "media": {"voice", "", "sms", "voice"}, "backup": {"0"}, "manager": {"0", "1"}, "max_steps": {"3"}}
	bad := url.Values{}
	for k, v := range sched {
		bad[k] = v
	}
	bad.Set("send_at", "明天")
	st, _, body = resp.do("POST", inc+"/notify", bad)
	check("unreadable send_at", st, 422, body, `id="sendat-error"`, `id="notify-more" open`, `id="chip-`+staff[1]+`"`, "通知员工乙")
	bad.Set("send_at", time.Now().Add(-48*time.Hour).In(web.Shanghai()).Format("2006-01-02T15:04"))
	st, _, body = resp.do("POST", inc+"/notify", bad)
	check("past send_at", st, 422, body, `id="sendat-error"`)
	bad.Set("send_at", sched.Get("send_at"))
	bad.Set("max_steps", "99")
	st, _, body = resp.do("POST", inc+"/notify", bad)
	check("too many steps", st, 422, body, `id="maxsteps-error"`)
	bad.Set("max_steps", "3")
	bad["media"] = []string{"pigeon"}
	st, _, body = resp.do("POST", inc+"/notify", bad)
	check("unknown medium", st, 422, body, `id="media-error"`)
	st, _, body = resp.do("POST", inc+"/notify/preview", sched, htmx...)
	check("preview of the scheduled send", st, 200, body, `id="preview-recipients">1<`)
	st, h, body = resp.do("POST", inc+"/notify", sched)
	check("scheduled send", st, http.StatusSeeOther, body)
	board := h.Get("Location")
	st, _, body = resp.do("GET", board, nil)
	check("scheduled board", st, 200, body, `id="board-scheduled"`, later.Format("2006-01-02 15:04"), `id="board-policy"`, "语音电话 → 短信")
	var n struct {
		Status     string    `json:"status"`
		SendAt     time.Time `json:"send_at"`
		Recipients int       `json:"recipients"`
		Audience   struct {
			People []string `json:"people"`
		} `json:"audience"`
		Escalation struct {
			AfterMinutes int      `json:"after_minutes"`
			Media        []string `json:"media"`
			Backup       *bool    `json:"backup"`
			Manager      *bool    `json:"manager"`
			MaxSteps     int      `json:"max_steps"`
		} `json:"escalation"`
	}
	r = a.Do(t, "GET", "/api/v1"+board, a.Token(t, "wr-resp"), nil)
	mustStatus(t, r, http.StatusOK)
	r.Decode(t, &n)
	pol := n.Escalation
	if n.Status != "scheduled" || !n.SendAt.Equal(later) || n.Recipients != 1 || len(n.Audience.People) != 1 || n.Audience.People[0] != staff[1] {
		t.Errorf("scheduled notification: %s", r.Body)
	}
	if pol.AfterMinutes != 3 || strings.Join(pol.Media, ",") != "voice,sms" || pol.Backup == nil || *pol.Backup || pol.Manager == nil || !*pol.Manager || pol.MaxSteps != 3 {
		t.Errorf("escalation policy: %s", r.Body)
	}
	st, _, body = resp.do("GET", inc, nil)
	check("incident page with a scheduled notification", st, 200, body, "scheduled-at")
	st, _, _ = resp.do("POST", board+"/cancel", url.Values{})
	check("cancel the scheduled send", st, http.StatusSeeOther, "")

	// The drill itself: 生产部 (three reachable, two without any channel); one answers.
	st, _, body = resp.do("GET", inc, nil)
	check("incident page again", st, 200, body)
	st, h, body = resp.do("POST", inc+"/notify", url.Values{"department": {prod}, "text": {"疏散演练：请到东门集合"}, "require_ack": {"1"}})
	check("drill send", st, http.StatusSeeOther, body)
	drillBoard := h.Get("Location")
	msgs := sink.wait(t, 3)
	// The gateway has the messages; wait until the dispatcher recorded them as sent.
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, _, body = resp.do("GET", drillBoard+"/live", nil, htmx...)
		if st == 200 && strings.Contains(body, `id="count-sent">3<`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the board never showed 3 sent:\n%.2000s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ack, _ := http.NewRequest("POST", msgs[0].AckURL, strings.NewReader(`{"status":"safe"}`))
	ack.Header.Set("Content-Type", "application/json")
	ackResp, err := http.DefaultClient.Do(ack)
	if err != nil {
		t.Fatal(err)
	}
	ackResp.Body.Close()
	if ackResp.StatusCode != http.StatusOK {
		t.Fatalf("ack = %d", ackResp.StatusCode)
	}
	st, _, body = resp.do("GET", inc+"/report", nil)
	check("interim report", st, 200, body, `id="report-interim"`, `id="kpi-recipients">5<`)

	// Closed: the incident page links the report; the report is printable and complete.
	st, _, _ = resp.do("POST", inc+"/close", url.Values{})
	check("close", st, http.StatusSeeOther, "")
	st, _, body = resp.do("GET", inc, nil)
	check("closed incident page", st, 200, body, `id="report-link"`, `href="`+inc+`/report"`)
	for _, c := range []*webClient{resp, viewer} {
		st, _, body = c.do("GET", inc+"/report", nil)
		check("report", st, 200, body, `id="incident-report"`, "data-print", `id="kpi-notifications">1<`, `id="kpi-recipients">5<`, `id="kpi-reach">60%`,
			`id="kpi-acked">1<`, `id="kpi-failed">2<`, `id="by-dept-table"`, "生产部", `id="unreachable-table"`, "无号码员工一", "无号码员工二", "应急演练通知报告")
		lacks("report", body, "1381234", `id="report-interim"`, `id="kpi-first">—`, `id="kpi-p50">—`, "通知员工乙</strong>")
	}
	st, _, body = resp.do("GET", "/api/v1"+inc+"/report", nil)
	check("the report's data link", st, 200, body, `"reach_rate":0.6`)
	if st, _, _ := owner.do("GET", inc+"/report", nil); st == http.StatusOK {
		t.Error("an employee reads the incident report")
	}
	if st, _, _ := resp.do("GET", "/incidents/nosuch/report", nil); st != http.StatusNotFound {
		t.Errorf("report of an unknown incident = %d, want 404", st)
	}

	// The drills trend.
	for _, c := range []*webClient{resp, viewer} {
		st, _, body = c.do("GET", "/drills", nil)
		check("drills", st, 200, body, `id="drills-table"`, `href="`+inc+`/report"`, "疏散演练", ">60%<", "ack-svg", `aria-current="page">演练`)
	}
	if st, _, _ := owner.do("GET", "/drills", nil); st != http.StatusForbidden {
		t.Errorf("drills for an employee = %d, want 403", st)
	}

	// Remediation tasks: the owner sees theirs, another employee none, a viewer (no
	// record, may not see all) is refused; a responder sees all with the owner.
	st, _, body = owner.do("GET", "/remediation-tasks", nil)
	check("owner's tasks", st, 200, body, `id="tasks-table"`, "无号码员工一", "无号码员工二", "无可用联系方式", "疏散演练", `href="/remediation-tasks"`)
	lacks("owner's tasks", body, `href="`+inc+`/report"`, `href="/drills"`)
	ids := regexp.MustCompile(`id="task-([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(ids) != 2 {
		t.Fatalf("owner's tasks: %d rows\n%.3000s", len(ids), body)
	}
	st, _, body = otherEmp.do("GET", "/remediation-tasks", nil)
	check("another employee's tasks", st, 200, body, `id="tasks-empty"`)
	if st, _, body := viewer.do("GET", "/remediation-tasks", nil); st != http.StatusForbidden {
		t.Errorf("tasks for a viewer = %d, want 403\n%.500s", st, body)
	}
	st, _, body = viewer.do("GET", "/people", nil)
	check("viewer's nav", st, 200, body, `href="/drills"`)
	lacks("viewer's nav", body, `href="/remediation-tasks"`)
	st, _, body = resp.do("GET", "/remediation-tasks?status=all", nil)
	check("all tasks", st, 200, body, "无号码员工一", "数据维护员", `href="`+inc+`/report"`)

	// Done: not by someone else's hand, not cross-origin; by htmx the row comes back.
	t1, t2 := ids[0][1], ids[1][1]
	if st, _, _ := otherEmp.do("POST", "/remediation-tasks/"+t1+"/done", url.Values{}, htmx...); st != http.StatusNotFound {
		t.Errorf("another employee marks a task done = %d, want 404", st)
	}
	if st, _, _ := owner.do("POST", "/remediation-tasks/"+t1+"/done", url.Values{}, "Sec-Fetch-Site", "cross-site"); st != http.StatusForbidden {
		t.Errorf("cross-origin done = %d, want 403", st)
	}
	st, _, body = owner.do("POST", "/remediation-tasks/"+t1+"/done", url.Values{}, htmx...)
	check("done by htmx", st, 200, body, `id="task-`+t1+`"`, "badge-task-done")
	lacks("done by htmx", body, "<html", `/remediation-tasks/`+t1+`/done"`)
	if st, _, _ := owner.do("POST", "/remediation-tasks/"+t1+"/done", url.Values{}, htmx...); st != http.StatusNotFound {
		t.Errorf("done twice = %d, want 404", st)
	}
	st, h, _ = resp.do("POST", "/remediation-tasks/"+t2+"/done", url.Values{})
	check("done without JavaScript", st, http.StatusSeeOther, "")
	st, _, body = resp.do("GET", h.Get("Location"), nil)
	check("after done", st, 200, body, "notice-ok", `id="tasks-empty"`)
	st, _, body = owner.do("GET", "/remediation-tasks?status=done", nil)
	check("owner's done tasks", st, 200, body, `id="task-`+t1+`"`, `id="task-`+t2+`"`)
	lacks("owner's done tasks", body, "/done\"")

	// The API agrees.
	var tasks struct {
		Items []struct{ Status string } `json:"items"`
	}
	r = a.Do(t, "GET", "/api/v1/remediation-tasks", admin, nil)
	mustStatus(t, r, http.StatusOK)
	if err := json.Unmarshal(r.Body, &tasks); err != nil || len(tasks.Items) != 2 || tasks.Items[0].Status != "done" || tasks.Items[1].Status != "done" {
		t.Errorf("tasks by the API: %s", r.Body)
	}
}
