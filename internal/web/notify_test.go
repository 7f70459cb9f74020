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

// TestRenderNotify renders the notification screens in both languages: the notify form
// on the incident page (with a preview and with errors), its preview fragment, the live
// board and its fragment, and the providers page.
func TestRenderNotify(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	user := &access.Principal{Username: "resp", Role: access.Responder}
	admin := &access.Principal{Username: "admin", Role: access.Admin}
	inc := incident.Incident{ID: "i1", Title: "化工厂泄漏", Type: "production_safety", Level: "II", Location: "二号罐区", Status: "active", Reporter: "resp",
		OccurredAt: at, CreatedAt: at, Drill: true}
	panel := &NotifyPanel{IncidentID: "i1", Drill: true, CanSend: true,
		Form:        NotifyForm{Text: "【II】泄漏", RequireAck: true, AfterMinutes: 5, Departments: map[string]bool{"d2": true}, OnDuty: map[string]bool{"r1": true}},
		Departments: []NotifyOption{{ID: "d1", Name: "集团"}, {ID: "d2", Name: "生产部", Depth: 1}},
		Rosters:     []NotifyOption{{ID: "r1", Name: "抢险救援组"}}, Organizations: []NotifyOption{{ID: "o1", Name: "消防支队"}},
		Preview:       &NotifyPreview{Recipients: 12, Reachable: 10, Unreachable: 2, ByMedia: []MediaCount{{"sms", 10}}, NeedsSecond: true},
		Notifications: []NotifySummary{{ID: "n1", Text: "[演练] 泄漏", Status: "sending", CreatedAt: at, Recipients: 12, Sent: 10, Acked: 3, NeedHelp: 1}}}
	bad := *panel
	bad.Preview, bad.Errors = nil, map[string]string{"audience": "请选择", "escalation.after_minutes": "1 到 1440", "text": "请填写"}
	tl := &TimelineView{IncidentID: "i1", CanWrite: true, Items: []TimelineItem{{Kind: "notification", Text: "notification to 12 recipients", Author: "resp", At: at}}}
	live := BoardLive{IncidentID: "i1", NotificationID: "n1", Status: "sending",
		Counts:      BoardCounts{Recipients: 12, Sent: 10, Delivered: 4, Failed: 2, Acknowledged: 3, Safe: 2, NeedHelp: 1, Unreachable: 2},
		NeedHelp:    []BoardPerson{{Name: "张伟", Department: "集团/生产部", Status: "need_help", Note: "困在二楼", At: &at}},
		Unreachable: []BoardPerson{{Name: "李四", Department: "集团/生产部", Status: "failed", Error: "invalid number"}}}
	board := BoardData{IncidentID: "i1", IncidentTitle: "化工厂泄漏", IncidentLevel: "II", IncidentActive: true, Drill: true, NotificationID: "n1",
		Text: "[演练] 泄漏", Status: "pending_approval", Creator: "resp2", CreatedAt: at, RequireAck: true, Live: live, CanWrite: true, CanApprove: true,
		Followup: NotifyForm{RequireAck: true}, Timeline: TimelineView{IncidentID: "i1", NotificationID: "n1", CanWrite: true, Error: "请填写"}}
	providers := ProvidersData{Kinds: []string{"aliyun_sms", "http_gateway"}, Form: ProviderForm{Kind: "http_gateway", Name: "网关"},
		Errors:    map[string]string{"secret": "至少 16"},
		Providers: []ProviderRow{{ID: "p1", Kind: "http_gateway", Name: "网关", Media: "sms", Enabled: true, CallbackURL: "http://x/hooks/providers/p1/s"}, {ID: "p2", Kind: "smtp", Name: "邮件", Media: "email"}}}
	cases := []struct {
		page, fragment string
		user           *access.Principal
		data           any
		want           []string
	}{
		{"incident", "", user, IncidentData{Incident: inc, Notify: panel, Timeline: tl},
			[]string{"drill-banner", `action="/incidents/i1/notify"`, `hx-post="/incidents/i1/notify/preview"`, `formaction="/incidents/i1/notify/preview"`,
				`name="department" value="d2" checked`, `class="dept-option depth-1"`, `name="on_duty" value="r1" checked`, `name="organization" value="o1"`,
				`name="require_ack" value="1" id="notify-ack" checked`, `value="5"`, `id="preview-recipients">12<`, "badge-media", `href="/incidents/i1/notifications/n1"`,
				`action="/incidents/i1/updates"`, "tl-notification"}},
		{"incident", "", user, IncidentData{Incident: inc, Notify: &bad, Timeline: tl}, []string{`id="audience-error"`, `id="after-error"`, `id="text-error"`}},
		{"", "notify-preview", user, *panel, []string{`id="preview-reachable">10<`, `id="preview-unreachable">2<`}},
		{"", "notify-preview", user, bad, []string{"alert-error", "1 到 1440"}},
		{"board", "", user, board, []string{"drill-banner", `id="count-sent">10<`, `id="count-safe">2<`, `id="count-need-help">1<`, "困在二楼", "李四",
			`data-events="/api/v1/incidents/i1/notifications/n1/events"`, `data-refresh="/incidents/i1/notifications/n1/live"`,
			`action="/incidents/i1/notifications/n1/approve"`, `action="/incidents/i1/notifications/n1/cancel"`, `action="/incidents/i1/notifications/n1/followup"`,
			`name="nid" value="n1"`, `id="update-error"`}},
		{"", "board-live", user, live, []string{`id="count-acknowledged">3<`, "need-help-list", "unreachable-list"}},
		{"providers", "", admin, providers, []string{`action="/settings/providers"`, `action="/settings/providers/p1/enabled"`, `name="enabled" value="0"`,
			`name="enabled" value="1"`, "http://x/hooks/providers/p1/s", `id="secret-error"`, `value="网关"`, `href="/settings/providers"`}},
	}
	for _, lang := range []Lang{Zh, En} {
		for _, c := range cases {
			w := httptest.NewRecorder()
			v := View{Lang: lang, Title: "T", Nav: "incidents", User: c.user, Path: "/incidents/i1", Data: c.data}
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
			if strings.Contains(body, "style=") || strings.Contains(body, "<style") || strings.Contains(body, "<script>") {
				t.Errorf("%s %s%s: inline style or script breaks the CSP", lang, c.page, c.fragment)
			}
			if strings.Contains(body, "notify.") || strings.Contains(body, "board.") || strings.Contains(body, "providers.") {
				t.Errorf("%s %s%s: an untranslated key shows", lang, c.page, c.fragment)
			}
		}
	}
}
