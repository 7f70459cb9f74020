package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/internal/apptest"
	"lifeline/internal/channel"
)

// wnSink is a generic SMS gateway (SPEC §9) that records what it is sent.
type wnSink struct {
	*httptest.Server
	mu   sync.Mutex
	msgs []channel.GatewayBody
}

func newWNSink(t *testing.T, secret string) *wnSink {
	t.Helper()
	s := &wnSink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m channel.GatewayBody
		if !channel.VerifySignature([]byte(secret), body, r.Header.Get("X-Lifeline-Signature")) || json.Unmarshal(body, &m) != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		s.mu.Lock()
		s.msgs = append(s.msgs, m)
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(s.Close)
	return s
}

// wait waits until the sink has received n messages (with a deadline) and returns them.
func (s *wnSink) wait(t *testing.T, n int) []channel.GatewayBody {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.mu.Lock()
		got := append([]channel.GatewayBody(nil), s.msgs...)
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway received %d messages, want %d", len(got), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wnPeople onboards n people with mobiles into a department through the HR API.
func wnPeople(t *testing.T, a *apptest.App, prefix, dept string, n int) {
	t.Helper()
	hr := a.User(t, prefix+"-hr", "hr", "")
	for i := range n {
		r := a.Do(t, "POST", "/api/v1/hr/events", hr, map[string]any{"id": fmt.Sprint(prefix, "-on-", i), "type": "onboard",
			"employee_no": fmt.Sprintf("%s%03d", strings.ToUpper(prefix), i), "name": fmt.Sprint("通知员工", i), "department": dept,
			"mobile": fmt.Sprintf("1381234%04d", i)})
		mustStatus(t, r, http.StatusOK)
	}
}

// TestWebNotify drives the notification screens through their forms without a browser:
// the providers page (admin only, secrets never shown, validation), the notify form on
// the incident page (preview, validation, send), the live board and its fragment, a
// follow-up, timeline updates, a four-eyes organization-wide send and cancelling.
func TestWebNotify(t *testing.T) {
	a := apptest.Start(t, apptest.Options{SecondForAll: true})
	wnPeople(t, a, "wn", "集团/生产部", 3)
	const pw = "Web-Notify-Passw0rd"
	for _, u := range [][2]string{{"wn-admin", "admin"}, {"wn-resp", "responder"}, {"wn-resp2", "responder"}, {"wn-view", "viewer"}} {
		a.AddUser(t, u[0], u[1], pw, "")
	}
	login := func(user string) *webClient {
		t.Helper()
		return loginWeb(t, a.URL, user, pw)
	}
	check := func(what string, st, want int, body string, contains ...string) {
		t.Helper()
		checkPage(t, what, st, want, body, contains...)
	}
	htmx := []string{"HX-Request", "true"}

	// Providers: the admin adds an http_gateway pointing at the sink; others are refused.
	const secret = "web-notify-sink-secret-0123456789"
	sink := newWNSink(t, secret)
	admin, resp, resp2, viewer := login("wn-admin"), login("wn-resp"), login("wn-resp2"), login("wn-view")
	st, _, body := admin.do("GET", "/settings/providers", nil)
	check("providers page", st, 200, body, `action="/settings/providers"`, `href="/settings/providers"`, "http_gateway")
	for _, c := range []*webClient{resp, viewer} {
		if st, _, _ := c.do("GET", "/settings/providers", nil); st != http.StatusForbidden {
			t.Errorf("non-admin providers page = %d, want 403", st)
		}
		if st, _, _ := c.do("POST", "/settings/providers", url.Values{"kind": {"http_gateway"}, "name": {"x"}, "url": {sink.URL}, "secret": {secret}}); st != http.StatusForbidden {
			t.Errorf("non-admin add provider = %d, want 403", st)
		}
	}
	st, _, body = admin.do("POST", "/settings/providers", url.Values{"kind": {"http_gateway"}, "name": {"短网关"}, "url": {sink.URL}, "secret": {"short-secret"}})
	check("short secret", st, 422, body, `id="secret-error"`, `value="短网关"`)
	if strings.Contains(body, "short-secret") {
		t.Error("a refused secret is shown again")
	}
	st, _, body = admin.do("POST", "/settings/providers", url.Values{"kind": {"aliyun_sms"}, "name": {"阿里云"}, "config": {`{"access_key_id": `}})
	check("bad JSON", st, 422, body, `id="config-error"`)
	st, _, body = admin.do("POST", "/settings/providers", url.Values{"kind": {"aliyun_sms"}, "name": {"阿里云"}, "config": {`{}`}})
	check("incomplete config", st, 422, body, `id="config-error"`)
	st, h, body := admin.do("POST", "/settings/providers", url.Values{"kind": {"http_gateway"}, "name": {"本地网关"}, "url": {sink.URL}, "secret": {secret}, "priority": {"10"}})
	check("add gateway", st, 303, body)
	if h.Get("Location") != "/settings/providers?created=1" {
		t.Errorf("after adding: Location %q", h.Get("Location"))
	}
	st, _, body = admin.do("GET", "/settings/providers?created=1", nil)
	check("providers list", st, 200, body, "本地网关", "/hooks/providers/", "notice-ok", `name="enabled" value="0"`)
	if strings.Contains(body, secret) {
		t.Error("the providers page shows the secret")
	}
	st, _, body = admin.do("POST", "/settings/providers", url.Values{"kind": {"http_gateway"}, "name": {"本地网关"}, "url": {sink.URL}, "secret": {secret}})
	check("duplicate name", st, 409, body, `id="name-error"`)
	m := regexp.MustCompile(`action="(/settings/providers/[^"]+/enabled)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no enable/disable form")
	}
	st, _, _ = admin.do("POST", m[1], url.Values{"enabled": {"0"}})
	check("disable", st, 303, "")
	st, _, body = admin.do("GET", "/settings/providers", nil)
	check("disabled", st, 200, body, `name="enabled" value="1"`, "row-off")
	st, _, _ = admin.do("POST", m[1], url.Values{"enabled": {"1"}})
	check("enable", st, 303, "")

	// Screen 1: report; it goes straight to the incident page with the notify form.
	st, h, body = resp.do("POST", "/incidents", url.Values{"title": {"二号罐区泄漏"}, "type": {"production_safety"}, "level": {"II"}, "location": {"化工厂"}})
	check("report", st, 303, body)
	inc := h.Get("Location")
	st, _, body = resp.do("GET", inc, nil)
	check("incident page", st, 200, body, `action="`+inc+`/notify"`, `hx-post="`+inc+`/notify/preview"`, "二号罐区泄漏。地点：化工厂", "生产部",
		`name="require_ack" value="1" id="notify-ack" checked`, `id="notify-after" name="after_minutes"`, `action="`+inc+`/updates"`)
	if strings.Contains(body, "drill-banner") {
		t.Error("a real incident shows the drill banner")
	}
	dept := regexp.MustCompile(`name="department" value="([^"]+)"> <span>生产部`).FindStringSubmatch(body)
	if dept == nil {
		t.Fatalf("no 生产部 in the department tree:\n%.3000s", body)
	}
	st, _, body = viewer.do("GET", inc, nil)
	check("viewer incident page", st, 200, body)
	if strings.Contains(body, `/notify"`) {
		t.Error("a viewer sees the notify form")
	}
	if st, _, _ := viewer.do("POST", inc+"/notify", url.Values{"department": {dept[1]}, "text": {"x"}}); st != http.StatusForbidden {
		t.Errorf("viewer notify = %d, want 403", st)
	}

	// Preview: the htmx fragment, then the page without JavaScript; refusals with 422.
	form := url.Values{"department": {dept[1]}, "text": {"请撤离"}, "require_ack": {"1"}, "after_minutes": {"5"}}
	st, _, body = resp.do("POST", inc+"/notify/preview", form, htmx...)
	check("preview fragment", st, 200, body, `id="preview-recipients">3<`, `id="preview-reachable">3<`, `id="preview-unreachable">0<`, "短信 3")
	if strings.Contains(body, "<html") {
		t.Error("the preview fragment is a whole page")
	}
	st, _, body = resp.do("POST", inc+"/notify/preview", form)
	check("preview page", st, 200, body, `id="preview-recipients">3<`, "请撤离", `name="department" value="`+dept[1]+`" checked`)
	st, _, body = resp.do("POST", inc+"/notify/preview", url.Values{"text": {"x"}}, htmx...)
	check("preview without audience", st, 422, body, "alert-error")
	st, _, body = resp.do("POST", inc+"/notify", url.Values{"text": {" "}, "after_minutes": {"0"}})
	check("send invalid", st, 422, body, `id="after-error"`)
	st, _, body = resp.do("POST", inc+"/notify", url.Values{"text": {" "}})
	check("send without audience and text", st, 422, body, `id="audience-error"`, `id="text-error"`)
	st, _, body = resp.do("POST", inc+"/notify", url.Values{"people": {"NOSUCH1"}, "text": {"x"}})
	check("send to unknown person", st, 422, body, `id="people-error"`, `value="NOSUCH1"`)

	// Send: the board (screen 3) with the counts reaching "sent".
	st, h, body = resp.do("POST", inc+"/notify", form)
	check("send", st, 303, body)
	board := h.Get("Location")
	if !strings.HasPrefix(board, inc+"/notifications/") {
		t.Fatalf("after sending: Location %q", board)
	}
	msgs := sink.wait(t, 3)
	st, _, body = resp.do("GET", board, nil)
	check("board", st, 200, body, `id="count-recipients">3<`, `data-events="/api/v1`+board+`/events"`, `data-refresh="`+board+`/live"`,
		`action="`+board+`/cancel"`, `action="`+board+`/followup"`, `name="nid"`, "请撤离", "board-reload")
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, _, body = resp.do("GET", board+"/live", nil, htmx...)
		if st == 200 && strings.Contains(body, `id="count-sent">3<`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the board never showed 3 sent:\n%.2000s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// An answer from the acknowledgement link shows on the board's need-help list.
	ackReq, _ := http.NewRequest("POST", msgs[0].AckURL, strings.NewReader(`{"status":"need_help","note":"困在二楼"}`))
	ackReq.Header.Set("Content-Type", "application/json")
	ackResp, err := http.DefaultClient.Do(ackReq)
	if err != nil {
		t.Fatal(err)
	}
	ackResp.Body.Close()
	if ackResp.StatusCode != http.StatusOK {
		t.Fatalf("ack = %d", ackResp.StatusCode)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		_, _, body = resp.do("GET", board+"/live", nil, htmx...)
		if strings.Contains(body, `id="count-need-help">1<`) && strings.Contains(body, "困在二楼") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the board never showed the call for help:\n%.2000s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	st, _, body = viewer.do("GET", board, nil)
	check("viewer board", st, 200, body, `id="count-recipients">3<`)
	if strings.Contains(body, "/cancel\"") || strings.Contains(body, "/followup\"") {
		t.Error("a viewer sees the cancel or follow-up form")
	}
	if st, _, _ := viewer.do("POST", board+"/cancel", url.Values{}); st != http.StatusForbidden {
		t.Errorf("viewer cancel = %d, want 403", st)
	}
	if st, _, _ := resp.do("GET", inc+"/notifications/nope", nil); st != http.StatusNotFound {
		t.Errorf("unknown board = %d, want 404", st)
	}

	// Timeline: an update from the board returns there; an empty one is refused.
	st, _, body = resp.do("POST", inc+"/updates", url.Values{"text": {" "}, "nid": {board[strings.LastIndex(board, "/")+1:]}})
	check("empty update", st, 422, body, `id="update-error"`, `id="count-recipients"`)
	st, h, _ = resp.do("POST", inc+"/updates", url.Values{"text": {"已疏散二号罐区"}, "nid": {board[strings.LastIndex(board, "/")+1:]}})
	check("update", st, 303, "")
	if h.Get("Location") != board+"#timeline" {
		t.Errorf("after an update: Location %q", h.Get("Location"))
	}
	st, _, body = resp.do("POST", inc+"/updates", url.Values{"text": {" "}})
	check("empty update on the incident page", st, 422, body, `id="update-error"`, `action="`+inc+`/notify"`)
	st, _, body = resp.do("GET", inc, nil)
	check("incident timeline", st, 200, body, "已疏散二号罐区", `href="`+board+`"`, "tl-notification")

	// Follow-up to the same audience.
	st, _, body = resp.do("POST", board+"/followup", url.Values{"text": {""}})
	check("empty follow-up", st, 422, body, "alert-error")
	st, h, _ = resp.do("POST", board+"/followup", url.Values{"text": {"第二次通知：请到集合点"}, "require_ack": {"1"}})
	check("follow-up", st, 303, "")
	if loc := h.Get("Location"); loc == board || !strings.HasPrefix(loc, inc+"/notifications/") {
		t.Errorf("follow-up went to %q", loc)
	}
	sink.wait(t, 6)

	// Organization-wide: waits for a second responder, who approves on the board.
	st, h, _ = resp.do("POST", inc+"/notify", url.Values{"all": {"1"}, "text": {"全员：请撤离"}, "require_ack": {"1"}})
	check("send to all", st, 303, "")
	all := h.Get("Location")
	st, _, body = resp.do("GET", all, nil)
	check("pending board", st, 200, body, `id="pending"`, "等待批准")
	if strings.Contains(body, `id="approve-submit"`) {
		t.Error("the sender is offered the approve button")
	}
	if st, _, _ := resp.do("POST", all+"/approve", url.Values{}); st != http.StatusForbidden {
		t.Errorf("the sender approved: %d, want 403", st)
	}
	st, _, body = resp2.do("GET", all, nil)
	check("pending board for another responder", st, 200, body, `id="approve-submit"`, `action="`+all+`/approve"`)
	st, h, _ = resp2.do("POST", all+"/approve", url.Values{})
	check("approve", st, 303, "")
	st, _, body = resp2.do("GET", h.Get("Location"), nil)
	check("approved board", st, 200, body, "notice-ok", "badge-n-sending")

	// Cancel: the board shows it; cancelling again is a conflict.
	st, _, _ = resp.do("POST", all+"/cancel", url.Values{})
	check("cancel", st, 303, "")
	st, _, body = resp.do("GET", all, nil)
	check("cancelled board", st, 200, body, "badge-n-cancelled")
	if strings.Contains(body, `id="cancel-submit"`) {
		t.Error("a cancelled notification still offers cancelling")
	}
	if st, _, _ := resp.do("POST", all+"/cancel", url.Values{}); st != http.StatusConflict {
		t.Errorf("second cancel = %d, want 409", st)
	}

	// A drill shows its banner and the prefix note.
	st, h, _ = resp.do("POST", "/incidents", url.Values{"title": {"消防演练"}, "type": {"production_safety"}, "level": {"IV"}, "drill": {"1"}})
	check("report drill", st, 303, "")
	drill := h.Get("Location")
	st, _, body = resp.do("GET", drill, nil)
	check("drill page", st, 200, body, "drill-banner", "drill-note", "演练")
	st, h, _ = resp.do("POST", drill+"/notify", url.Values{"department": {dept[1]}, "text": {"演练通知"}})
	check("drill send", st, 303, "")
	st, _, body = resp.do("GET", h.Get("Location"), nil)
	check("drill board", st, 200, body, "drill-banner", "[演练] 演练通知")
}
