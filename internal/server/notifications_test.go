package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/internal/apptest"
	"lifeline/internal/channel"
	"lifeline/internal/store/storetest"
)

// gatewaySink is an SMS gateway as SPEC §9 describes it: it checks each message's
// X-Lifeline-Signature and records the messages it accepts.
type gatewaySink struct {
	*httptest.Server
	secret string
	mu     sync.Mutex
	msgs   []channel.GatewayBody
	forged int // requests with a missing or wrong signature
}

func newGatewaySink(t *testing.T, secret string) *gatewaySink {
	t.Helper()
	g := &gatewaySink{secret: secret}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		var m channel.GatewayBody
		if !channel.VerifySignature([]byte(g.secret), body, r.Header.Get("X-Lifeline-Signature")) || json.Unmarshal(body, &m) != nil {
			g.forged++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		g.msgs = append(g.msgs, m)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(g.Close)
	return g
}

// messages returns the accepted messages so far.
func (g *gatewaySink) messages() []channel.GatewayBody {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.msgs)
}

// to returns the one accepted message to an E.164 number whose text contains text.
func (g *gatewaySink) to(t *testing.T, e164, text string) channel.GatewayBody {
	t.Helper()
	var found []channel.GatewayBody
	for _, m := range g.messages() {
		if m.To == e164 && strings.Contains(m.Text, text) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d messages to %s with %q, want 1: %+v", len(found), e164, text, g.messages())
	}
	return found[0]
}

// notifCounts are the counts of GET …/notifications/{nid}.
type notifCounts struct {
	Recipients, Queued, Sent, Delivered, Failed, Acknowledged, Safe, Unreachable int
	NeedHelp                                                                     int `json:"need_help"`
}

// notifAnswer is a notification as the API answers it.
type notifAnswer struct {
	ID, Status, Text string
	Recipients       int
	ApprovedBy       string       `json:"approved_by"`
	Counts           *notifCounts `json:"counts"`
}

// notification fetches a notification and checks that its counts carry the SPEC §9 keys.
func notification(t *testing.T, a *apptest.App, token, inc, nid string) notifAnswer {
	t.Helper()
	r := a.Do(t, "GET", "/api/v1/incidents/"+inc+"/notifications/"+nid, token, nil)
	mustStatus(t, r, http.StatusOK)
	counts, _ := r.JSON(t)["counts"].(map[string]any)
	for _, k := range []string{"recipients", "sent", "delivered", "failed", "acknowledged", "safe", "need_help"} {
		if _, ok := counts[k].(float64); !ok {
			t.Fatalf("counts lack the number %q (SPEC §9): %s", k, r.Body)
		}
	}
	var n notifAnswer
	r.Decode(t, &n)
	return n
}

// waitCounts polls a notification until cond holds (the dispatcher sends in the
// background), failing the test after a generous deadline.
func waitCounts(t *testing.T, a *apptest.App, token, inc, nid string, what string, cond func(notifCounts) bool) notifCounts {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := notification(t, a, token, inc, nid)
		if cond(*n.Counts) {
			return *n.Counts
		}
		if time.Now().After(deadline) {
			t.Fatalf("notification %s: still not %s: %+v", nid, what, *n.Counts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fieldsOf returns the field names of a validation problem.
func fieldsOf(t *testing.T, r apptest.Response) []string {
	t.Helper()
	mustProblem(t, r, http.StatusUnprocessableEntity)
	var p struct {
		Errors []struct{ Field, Message string }
	}
	r.Decode(t, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// postForm posts an HTML form without credentials; contentType defaults to
// application/x-www-form-urlencoded.
func postForm(t *testing.T, a *apptest.App, target string, form url.Values, contentType ...string) apptest.Response {
	t.Helper()
	req, err := http.NewRequest("POST", target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", append(contentType, "application/x-www-form-urlencoded")[0])
	return a.Send(t, req)
}

// getURL fetches an absolute URL without credentials.
func getURL(t *testing.T, a *apptest.App, target string) apptest.Response {
	t.Helper()
	req, err := http.NewRequest("GET", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a.Send(t, req)
}

// firstBoardEvent reads the first server-sent event of a notification's stream and
// hangs up.
func firstBoardEvent(t *testing.T, a *apptest.App, token, path string) (event string, board map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", a.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("events: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	br := bufio.NewReader(resp.Body)
	var data string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended before an event: %v", err)
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "" && (event != "" || data != ""):
			if err := json.Unmarshal([]byte(data), &board); err != nil {
				t.Fatalf("event %q: data is not JSON: %q", event, data)
			}
			return event, board
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		}
	}
}

// TestNotifications is the notification API's black-box scenario on every engine: an
// http_gateway provider (SPEC §9) receiving signed messages, an incident notified to
// people, departments and rosters, acknowledgements by link (JSON and the one-tap form),
// the live counts, board and event stream, validation and permissions, and the second
// responder an organization-wide notification waits for.
func TestNotifications(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{SecondForAll: true})
			const secret = "gateway-secret-0123456789abcdef"
			sink := newGatewaySink(t, secret)
			admin := a.User(t, "root", "admin", "")
			responder := a.User(t, "resp", "responder", "")
			second := a.User(t, "resp2", "responder", "")
			viewer := a.User(t, "view", "viewer", "")
			employee := a.User(t, "emp", "employee", "")

			group := createDept(t, a, admin, "集团", "")
			plant := createDept(t, a, admin, "化工厂", group)
			office := createDept(t, a, admin, "办公室", group)
			store := createDept(t, a, admin, "仓库", group)
			mobiles := map[string]string{"P1": "13811110001", "P2": "13811110002", "O1": "13811110003"}
			person := map[string]string{}
			for _, p := range []struct{ no, name, dept, kind, value string }{
				{"P1", "张伟", plant, "mobile", mobiles["P1"]},
				{"P2", "王芳", plant, "mobile", mobiles["P2"]},
				{"O1", "李娜", office, "mobile", mobiles["O1"]},
				{"W1", "赵磊", store, "email", "zhaolei@example.com"}, // no provider carries e-mail
			} {
				r := a.Do(t, "POST", "/api/v1/people", admin, map[string]any{"employee_no": p.no, "name": p.name, "department_id": p.dept,
					"channels": []map[string]any{{"kind": p.kind, "value": p.value}}})
				mustStatus(t, r, http.StatusCreated)
				person[p.no] = r.JSON(t)["id"].(string)
			}
			r := a.Do(t, "POST", "/api/v1/rosters", admin, map[string]any{"name": "抢险救援组", "kind": "rescue", "owner_ids": []string{person["P1"], person["O1"]}})
			mustStatus(t, r, http.StatusCreated)
			roster := r.JSON(t)["id"].(string)
			mustStatus(t, a.Do(t, "POST", "/api/v1/rosters/"+roster+"/members", admin, map[string]any{"person_id": person["P2"], "duty": "现场抢险"}), http.StatusCreated)

			// The provider, exactly as SPEC §9 puts it; only an administrator adds one, and
			// no answer ever shows its secret.
			provider := map[string]any{"kind": "http_gateway", "name": "短信网关", "url": sink.URL, "secret": secret}
			mustProblem(t, a.Do(t, "POST", "/api/v1/providers", responder, provider), http.StatusForbidden)
			if f := fieldsOf(t, a.Do(t, "POST", "/api/v1/providers", admin, map[string]any{"kind": "carrier_pigeon", "name": ""})); !slices.Contains(f, "kind") || !slices.Contains(f, "name") {
				t.Fatalf("provider validation fields = %v", f)
			}
			r = a.Do(t, "POST", "/api/v1/providers", admin, provider)
			mustStatus(t, r, http.StatusCreated)
			prov, createdProv := r.JSON(t), r.Body
			if prov["id"] == "" || prov["media"] != "sms" || prov["enabled"] != true || !strings.Contains(fmt.Sprint(prov["callback_url"]), "/hooks/providers/") {
				t.Fatalf("provider = %s", r.Body)
			}
			mustStatus(t, a.Do(t, "POST", "/api/v1/providers", admin, provider), http.StatusConflict)
			for _, tok := range []string{admin, responder} {
				r = a.Do(t, "GET", "/api/v1/providers", tok, nil)
				mustStatus(t, r, http.StatusOK)
				if !strings.Contains(string(r.Body), prov["id"].(string)) {
					t.Fatalf("provider list: %s", r.Body)
				}
			}
			if strings.Contains(string(r.Body), secret) || strings.Contains(string(createdProv), secret) {
				t.Fatalf("a provider answer shows the secret: %s", r.Body)
			}
			mustStatus(t, a.Do(t, "GET", "/api/v1/providers", viewer, nil), http.StatusForbidden)
			mustStatus(t, a.Do(t, "PATCH", "/api/v1/providers/"+prov["id"].(string), responder, map[string]any{"enabled": false}), http.StatusForbidden)
			if f := fieldsOf(t, a.Do(t, "PATCH", "/api/v1/providers/"+prov["id"].(string), admin, map[string]any{})); !slices.Contains(f, "enabled") {
				t.Fatalf("patch validation fields = %v", f)
			}

			r = a.Do(t, "POST", "/api/v1/incidents", responder, map[string]any{"title": "化工厂泄漏", "type": "production_safety", "level": "II"})
			mustStatus(t, r, http.StatusCreated)
			inc := r.JSON(t)["id"].(string)
			base := "/api/v1/incidents/" + inc + "/notifications"

			// Validation, permissions, a closed incident.
			if f := fieldsOf(t, a.Do(t, "POST", base, responder, map[string]any{"audience": map[string]any{}, "text": " "})); !slices.Contains(f, "audience") || !slices.Contains(f, "text") {
				t.Fatalf("empty notification: fields %v", f)
			}
			if f := fieldsOf(t, a.Do(t, "POST", base, responder, map[string]any{"audience": map[string]any{"departments": []string{plant, "no-such-department"}}, "text": "x"})); !slices.Equal(f, []string{"audience.departments[1]"}) {
				t.Fatalf("unknown department: fields %v", f)
			}
			valid := map[string]any{"audience": map[string]any{"people": []string{person["P1"]}}, "text": "x"}
			mustProblem(t, a.Do(t, "POST", base, viewer, valid), http.StatusForbidden)
			if r := a.Do(t, "POST", base, employee, valid); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
				t.Fatalf("an employee notifies: %d %s", r.Status, r.Body)
			}
			mustStatus(t, a.Do(t, "GET", base, employee, nil), http.StatusNotFound)
			r = a.Do(t, "POST", "/api/v1/incidents", responder, map[string]any{"title": "旧事件", "type": "it_outage", "level": "IV"})
			mustStatus(t, r, http.StatusCreated)
			closed := r.JSON(t)["id"].(string)
			mustStatus(t, a.Do(t, "POST", "/api/v1/incidents/"+closed+"/close", responder, nil), http.StatusOK)
			mustProblem(t, a.Do(t, "POST", "/api/v1/incidents/"+closed+"/notifications", responder, valid), http.StatusConflict)
			mustProblem(t, a.Do(t, "POST", "/api/v1/incidents/"+closed+"/updates", responder, map[string]any{"text": "x"}), http.StatusConflict)
			if len(sink.messages()) != 0 {
				t.Fatalf("refused notifications sent messages: %+v", sink.messages())
			}

			// A preview counts without sending.
			r = a.Do(t, "POST", base+"/preview", responder, map[string]any{"audience": map[string]any{"departments": []string{group}}})
			mustStatus(t, r, http.StatusOK)
			var pv struct {
				Recipients, Reachable, Unreachable int
				ByMedia                            map[string]int `json:"by_media"`
				NeedsSecond                        bool           `json:"needs_second_responder"`
			}
			r.Decode(t, &pv)
			if pv.Recipients != 4 || pv.Reachable != 3 || pv.Unreachable != 1 || pv.ByMedia["sms"] != 3 || pv.NeedsSecond {
				t.Fatalf("preview = %s", r.Body)
			}
			r = a.Do(t, "POST", base+"/preview", responder, map[string]any{"audience": map[string]any{"all": true}})
			mustStatus(t, r, http.StatusOK)
			if r.Decode(t, &pv); !pv.NeedsSecond || pv.Recipients != 4 {
				t.Fatalf("preview of all = %s", r.Body)
			}

			// SPEC §9: people, departments and rosters → 201 with id and recipients (each
			// person once: P1 is named and a roster owner, P2 a roster member).
			const text = "化工厂二号罐区泄漏，请立即撤离并回复"
			r = a.Do(t, "POST", base, responder, map[string]any{"audience": map[string]any{"people": []string{person["P1"]},
				"departments": []string{office}, "rosters": []string{roster}}, "text": text, "require_ack": true})
			mustStatus(t, r, http.StatusCreated)
			created := r.JSON(t)
			nid, _ := created["id"].(string)
			if nid == "" || created["recipients"] != float64(3) || created["status"] != "sending" {
				t.Fatalf("created = %s", r.Body)
			}
			if loc := r.Header.Get("Location"); loc != base+"/"+nid {
				t.Fatalf("Location = %q", loc)
			}
			c := waitCounts(t, a, responder, inc, nid, "sent to all 3", func(c notifCounts) bool { return c.Sent == 3 })
			if c.Recipients != 3 || c.Failed != 0 || c.Acknowledged != 0 || c.Safe != 0 || c.NeedHelp != 0 {
				t.Fatalf("counts after sending = %+v", c)
			}
			// The gateway got one signed message per recipient, in E.164, with the link;
			// nothing from the refused notifications or the previews.
			msgs := sink.messages()
			if len(msgs) != 3 {
				t.Fatalf("the gateway got %d messages, want 3: %+v", len(msgs), msgs)
			}
			ids := map[string]bool{}
			for _, m := range msgs {
				if ids[m.ID] || m.ID == "" || !strings.Contains(m.Text, text) || !strings.HasPrefix(m.AckURL, a.URL+"/a/") || !strings.Contains(m.Text, m.AckURL) {
					t.Fatalf("message %+v", m)
				}
				ids[m.ID] = true
			}
			ackP1 := sink.to(t, "+86"+mobiles["P1"], text).AckURL
			ackP2 := sink.to(t, "+86"+mobiles["P2"], text).AckURL
			ackO1 := sink.to(t, "+86"+mobiles["O1"], text).AckURL

			// SPEC §9: POST <ack_url> {"status": "safe"} → 2xx, and the counts follow.
			r = a.Do(t, "POST", strings.TrimPrefix(ackP1, a.URL), "", map[string]any{"status": "safe"})
			if r.Status/100 != 2 {
				t.Fatalf("ack: %d %s", r.Status, r.Body)
			}
			c = waitCounts(t, a, responder, inc, nid, "acknowledged by P1", func(c notifCounts) bool { return c.Acknowledged == 1 })
			if c.Safe != 1 || c.NeedHelp != 0 {
				t.Fatalf("counts after a safe answer = %+v", c)
			}
			if f := fieldsOf(t, a.Do(t, "POST", strings.TrimPrefix(ackO1, a.URL), "", map[string]any{"status": "fine"})); !slices.Equal(f, []string{"status"}) {
				t.Fatalf("ack validation fields = %v", f)
			}
			const note = "被困在三楼会议室"
			r = a.Do(t, "POST", strings.TrimPrefix(ackO1, a.URL), "", map[string]any{"status": "need_help", "note": note})
			if r.Status/100 != 2 {
				t.Fatalf("need help: %d %s", r.Status, r.Body)
			}
			r = a.Do(t, "GET", base+"/"+nid+"/board", viewer, nil)
			mustStatus(t, r, http.StatusOK)
			var board struct {
				NotificationID string      `json:"notification_id"`
				Counts         notifCounts `json:"counts"`
				NeedHelp       []struct {
					PersonID string `json:"person_id"`
					Name     string
					Note     string
					Status   string
				} `json:"need_help"`
			}
			r.Decode(t, &board)
			if board.NotificationID != nid || board.Counts.NeedHelp != 1 || len(board.NeedHelp) != 1 || board.NeedHelp[0].PersonID != person["O1"] ||
				board.NeedHelp[0].Name != "李娜" || board.NeedHelp[0].Note != note || board.NeedHelp[0].Status != "need_help" {
				t.Fatalf("board = %s", r.Body)
			}

			// SPEC §9: GET <ack_url> is the one-tap page, without anyone's number; a forged
			// link is 404; the page's form post is recorded.
			r = getURL(t, a, ackP2)
			mustStatus(t, r, http.StatusOK)
			page := string(r.Body)
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(page, text) || !strings.Contains(page, `id="ack-form"`) {
				t.Fatalf("ack page: %s %s", r.Header.Get("Content-Type"), page)
			}
			for _, m := range mobiles {
				if strings.Contains(page, m) || strings.Contains(page, m[:3]+"****"+m[7:]) {
					t.Fatalf("the ack page shows a phone number: %s", page)
				}
			}
			token := ackP2[strings.LastIndex(ackP2, "/")+1:]
			forged := []byte(token)
			if forged[len(forged)/2] == 'A' {
				forged[len(forged)/2] = 'B'
			} else {
				forged[len(forged)/2] = 'A'
			}
			for _, bad := range []string{"/a/" + string(forged), "/a/not-a-token"} {
				if r := getURL(t, a, a.URL+bad); r.Status != http.StatusNotFound || strings.Contains(string(r.Body), text) {
					t.Fatalf("GET forged link %s: %d %s", bad, r.Status, r.Body)
				}
				mustProblem(t, a.Do(t, "POST", bad, "", map[string]any{"status": "safe"}), http.StatusNotFound)
				if r := postForm(t, a, a.URL+bad, url.Values{"status": {"safe"}}); r.Status != http.StatusNotFound {
					t.Fatalf("form post to forged link %s: %d %s", bad, r.Status, r.Body)
				}
			}
			r = postForm(t, a, ackP2, url.Values{"status": {"safe"}})
			mustStatus(t, r, http.StatusOK)
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.Body), `id="ack-done"`) {
				t.Fatalf("form post answer: %s", r.Body)
			}
			// Form posts with a charset parameter (as some clients send them) are forms too.
			r = postForm(t, a, ackP1, url.Values{"status": {"safe"}, "note": {"已到集合点"}}, "application/x-www-form-urlencoded; charset=UTF-8")
			mustStatus(t, r, http.StatusOK)
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.Body), `id="ack-done"`) {
				t.Fatalf("form post with a charset: %s", r.Body)
			}
			c = waitCounts(t, a, responder, inc, nid, "acknowledged by all", func(c notifCounts) bool { return c.Acknowledged == 3 })
			if c.Safe != 2 || c.NeedHelp != 1 || c.Recipients != 3 {
				t.Fatalf("counts after all answers = %+v", c)
			}

			// The event stream opens with a "board" event carrying the counts.
			ev, b := firstBoardEvent(t, a, viewer, base+"/"+nid+"/events")
			counts, _ := b["counts"].(map[string]any)
			if ev != "board" || b["notification_id"] != nid || counts["safe"] != float64(2) || counts["need_help"] != float64(1) {
				t.Fatalf("first event %q: %v", ev, b)
			}

			// The latest answer wins on the board too: O1 now safe leaves the need-help
			// list; asking for help again puts them back.
			boardNeedHelp := func(want int) {
				t.Helper()
				r := a.Do(t, "GET", base+"/"+nid+"/board", viewer, nil)
				mustStatus(t, r, http.StatusOK)
				board.NeedHelp = nil
				r.Decode(t, &board)
				if board.Counts.NeedHelp != want || len(board.NeedHelp) != want || (want == 1 && board.NeedHelp[0].PersonID != person["O1"]) {
					t.Fatalf("board with %d in need of help: %s", want, r.Body)
				}
			}
			mustStatus(t, a.Do(t, "POST", strings.TrimPrefix(ackO1, a.URL), "", map[string]any{"status": "safe"}), http.StatusOK)
			boardNeedHelp(0)
			mustStatus(t, a.Do(t, "POST", strings.TrimPrefix(ackO1, a.URL), "", map[string]any{"status": "need_help", "note": note}), http.StatusOK)
			boardNeedHelp(1)

			// List, timeline, updates.
			r = a.Do(t, "GET", base, viewer, nil)
			mustStatus(t, r, http.StatusOK)
			var list struct{ Items []notifAnswer }
			if r.Decode(t, &list); len(list.Items) != 1 || list.Items[0].ID != nid || list.Items[0].Counts == nil || list.Items[0].Counts.Safe != 2 {
				t.Fatalf("notifications = %s", r.Body)
			}
			mustProblem(t, a.Do(t, "POST", "/api/v1/incidents/"+inc+"/updates", viewer, map[string]any{"text": "x"}), http.StatusForbidden)
			if f := fieldsOf(t, a.Do(t, "POST", "/api/v1/incidents/"+inc+"/updates", responder, map[string]any{"text": ""})); !slices.Equal(f, []string{"text"}) {
				t.Fatalf("update validation fields = %v", f)
			}
			mustStatus(t, a.Do(t, "POST", "/api/v1/incidents/"+inc+"/updates", responder, map[string]any{"text": "现场已封锁"}), http.StatusCreated)
			r = a.Do(t, "GET", "/api/v1/incidents/"+inc+"/timeline", viewer, nil)
			mustStatus(t, r, http.StatusOK)
			var timeline struct {
				Items []struct{ Kind, Text, Author string }
			}
			r.Decode(t, &timeline)
			var kinds []string
			for _, u := range timeline.Items {
				kinds = append(kinds, u.Kind)
			}
			if !slices.Contains(kinds, "notification") || !slices.Contains(kinds, "update") || !strings.Contains(string(r.Body), "现场已封锁") {
				t.Fatalf("timeline = %s", r.Body)
			}
			mustStatus(t, a.Do(t, "GET", "/api/v1/incidents/"+inc+"/timeline", employee, nil), http.StatusNotFound)

			// Everyone: waits for a second responder; the sender may not approve it.
			const allText = "全员通知：园区启动二级应急响应"
			r = a.Do(t, "POST", base, responder, map[string]any{"audience": map[string]any{"all": true}, "text": allText})
			mustStatus(t, r, http.StatusCreated)
			all := r.JSON(t)
			allID := all["id"].(string)
			if all["status"] != "pending_approval" || all["recipients"] != float64(4) {
				t.Fatalf("org-wide notification = %s", r.Body)
			}
			if n := notification(t, a, responder, inc, allID); n.Status != "pending_approval" || n.Counts.Sent != 0 {
				t.Fatalf("pending notification = %+v", n)
			}
			mustProblem(t, a.Do(t, "POST", base+"/"+allID+"/approve", responder, nil), http.StatusForbidden)
			mustProblem(t, a.Do(t, "POST", base+"/"+allID+"/approve", viewer, nil), http.StatusForbidden)
			r = a.Do(t, "POST", base+"/"+allID+"/approve", second, nil)
			mustStatus(t, r, http.StatusOK)
			if ap := r.JSON(t); ap["status"] != "sending" || ap["approved_by"] != "resp2" {
				t.Fatalf("approved = %s", r.Body)
			}
			mustProblem(t, a.Do(t, "POST", base+"/"+allID+"/approve", second, nil), http.StatusConflict)
			c = waitCounts(t, a, responder, inc, allID, "sent to the 3 reachable", func(c notifCounts) bool { return c.Sent == 3 })
			if c.Recipients != 4 || c.Failed != 1 || c.Unreachable != 1 {
				t.Fatalf("org-wide counts = %+v", c)
			}
			for _, m := range mobiles {
				if msg := sink.to(t, "+86"+m, allText); msg.AckURL != "" {
					t.Fatalf("a notification without require_ack carries a link: %+v", msg)
				}
			}

			// A cancelled org-wide notification is never sent and cannot be approved.
			r = a.Do(t, "POST", base, responder, map[string]any{"audience": map[string]any{"all": true}, "text": "取消的通知"})
			mustStatus(t, r, http.StatusCreated)
			cancelID := r.JSON(t)["id"].(string)
			mustProblem(t, a.Do(t, "POST", base+"/"+cancelID+"/cancel", viewer, nil), http.StatusForbidden)
			r = a.Do(t, "POST", base+"/"+cancelID+"/cancel", responder, nil)
			mustStatus(t, r, http.StatusOK)
			if r.JSON(t)["status"] != "cancelled" {
				t.Fatalf("cancelled = %s", r.Body)
			}
			mustProblem(t, a.Do(t, "POST", base+"/"+cancelID+"/approve", second, nil), http.StatusConflict)
			mustProblem(t, a.Do(t, "POST", base+"/"+cancelID+"/cancel", responder, nil), http.StatusConflict)
			mustProblem(t, a.Do(t, "GET", base+"/no-such-notification", responder, nil), http.StatusNotFound)

			// Switching the provider off and on.
			mustStatus(t, a.Do(t, "PATCH", "/api/v1/providers/"+prov["id"].(string), admin, map[string]any{"enabled": false}), http.StatusNoContent)
			r = a.Do(t, "GET", "/api/v1/providers", admin, nil)
			if !strings.Contains(string(r.Body), `"enabled":false`) {
				t.Fatalf("disabled provider: %s", r.Body)
			}
			mustStatus(t, a.Do(t, "PATCH", "/api/v1/providers/no-such-provider", admin, map[string]any{"enabled": true}), http.StatusNotFound)

			for _, m := range sink.messages() {
				if !strings.Contains(m.Text, text) && !strings.Contains(m.Text, allText) {
					t.Fatalf("a cancelled or refused notification was sent: %+v", m)
				}
			}
			sink.mu.Lock()
			forgedSigs := sink.forged
			sink.mu.Unlock()
			if forgedSigs != 0 {
				t.Fatalf("%d messages reached the gateway without a valid signature", forgedSigs)
			}
		})
	}
}

// TestNotificationScope checks the department-scope rule of notifications on every
// engine: a department-scoped sender is refused (403, naming each part) an audience
// reaching people outside their subtree — departments, people, rosters with a member or
// backup outside it — in the preview as in the send, while an organization-wide sender
// is not; a scoped reader sees only the notifications inside their subtree (or their
// own), and by name only the recipients inside it, in the list, the board, the event
// stream and the report; an organization-wide reader sees everything; showing who needs
// help is audited once, not on every refresh.
func TestNotificationScope(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			const secret = "gateway-secret-scope-0123456789"
			sink := newGatewaySink(t, secret)
			admin := a.User(t, "root", "admin", "")
			orgResp := a.User(t, "resp", "responder", "")
			orgView := a.User(t, "view", "viewer", "")
			so := a.User(t, "sec", "security_officer", "")

			group := createDept(t, a, admin, "集团", "")
			plant := createDept(t, a, admin, "化工厂", group)
			office := createDept(t, a, admin, "办公室", group)
			plantResp := a.User(t, "plantresp", "responder", "集团/化工厂")
			plantView := a.User(t, "plantview", "viewer", "集团/化工厂")
			person, mobile := map[string]string{}, map[string]string{}
			for _, p := range []struct{ no, name, dept, kind, value string }{
				{"P1", "张伟", plant, "mobile", "13822220001"},
				{"P2", "王芳", plant, "mobile", "13822220002"},
				{"P3", "刘洋", plant, "email", "liuyang@example.com"}, // no provider carries e-mail: unreachable
				{"O1", "李娜", office, "mobile", "13822220003"},
			} {
				r := a.Do(t, "POST", "/api/v1/people", admin, map[string]any{"employee_no": p.no, "name": p.name, "department_id": p.dept,
					"channels": []map[string]any{{"kind": p.kind, "value": p.value}}})
				mustStatus(t, r, http.StatusCreated)
				person[p.no] = r.JSON(t)["id"].(string)
				mobile[p.no] = "+86" + p.value
			}
			newRoster := func(name string, members ...map[string]any) string {
				r := a.Do(t, "POST", "/api/v1/rosters", admin, map[string]any{"name": name, "kind": "rescue", "owner_ids": []string{person["P1"], person["O1"]}})
				mustStatus(t, r, http.StatusCreated)
				id := r.JSON(t)["id"].(string)
				for _, m := range members {
					mustStatus(t, a.Do(t, "POST", "/api/v1/rosters/"+id+"/members", admin, m), http.StatusCreated)
				}
				return id
			}
			// Owners are not notified: a roster's reach is its members and their backups.
			mixed := newRoster("联合抢险组", map[string]any{"person_id": person["P2"], "duty": "抢险"}, map[string]any{"person_id": person["O1"], "duty": "联络"})
			backedUp := newRoster("化工厂值守组", map[string]any{"person_id": person["P1"], "duty": "值守", "backup_person_id": person["O1"]})
			inside := newRoster("化工厂巡检组", map[string]any{"person_id": person["P1"], "duty": "巡检", "backup_person_id": person["P2"]})
			mustStatus(t, a.Do(t, "POST", "/api/v1/providers", admin, map[string]any{"kind": "http_gateway", "name": "短信网关", "url": sink.URL, "secret": secret}),
				http.StatusCreated)

			r := a.Do(t, "POST", "/api/v1/incidents", orgResp, map[string]any{"title": "化工厂泄漏", "type": "production_safety", "level": "II"})
			mustStatus(t, r, http.StatusCreated)
			inc := r.JSON(t)["id"].(string)
			base := "/api/v1/incidents/" + inc + "/notifications"

			// Sending: a scoped sender is refused each part outside their subtree, by name,
			// in the preview as in the send; nothing is created or sent.
			refusals := []struct {
				audience map[string]any
				fields   []string
			}{
				{map[string]any{"departments": []string{office}}, []string{"audience.departments[0]"}},
				{map[string]any{"people": []string{person["P1"], person["O1"]}}, []string{"audience.people[1]"}},
				{map[string]any{"rosters": []string{inside, mixed}}, []string{"audience.rosters[1]"}},
				{map[string]any{"rosters": []string{backedUp}, "departments": []string{group}}, []string{"audience.departments[0]", "audience.rosters[0]"}},
			}
			for _, c := range refusals {
				for _, path := range []string{base, base + "/preview"} {
					r := a.Do(t, "POST", path, plantResp, map[string]any{"audience": c.audience, "text": "越权通知"})
					mustProblem(t, r, http.StatusForbidden)
					var p struct {
						Detail string
						Errors []struct{ Field, Message string }
					}
					r.Decode(t, &p)
					var fields []string
					for _, e := range p.Errors {
						fields = append(fields, e.Field)
						if !strings.Contains(e.Message, "outside your scope") {
							t.Fatalf("%s %v: message %q", path, c.audience, e.Message)
						}
					}
					slices.Sort(fields)
					if !slices.Equal(fields, c.fields) || !strings.Contains(p.Detail, "outside your scope") {
						t.Fatalf("%s %v: fields %v, want %v: %s", path, c.audience, fields, c.fields, r.Body)
					}
				}
			}
			// Unknown ids stay validation errors.
			if f := fieldsOf(t, a.Do(t, "POST", base, plantResp, map[string]any{"audience": map[string]any{"rosters": []string{"no-such-roster"}}, "text": "x"})); !slices.Equal(f, []string{"audience.rosters[0]"}) {
				t.Fatalf("unknown roster: fields %v", f)
			}
			// Inside the subtree: a roster whose members and backups are all there, and
			// "all", which is everyone in the sender's subtree.
			r = a.Do(t, "POST", base+"/preview", plantResp, map[string]any{"audience": map[string]any{"all": true}})
			mustStatus(t, r, http.StatusOK)
			if n := r.JSON(t)["recipients"]; n != float64(3) {
				t.Fatalf("a scoped sender's preview of all: %s", r.Body)
			}
			r = a.Do(t, "POST", base+"/preview", plantResp, map[string]any{"audience": map[string]any{"rosters": []string{inside}}})
			mustStatus(t, r, http.StatusOK)
			if n := r.JSON(t)["recipients"]; n != float64(1) {
				t.Fatalf("a scoped sender's preview of an inside roster: %s", r.Body)
			}
			if n := len(sink.messages()); n != 0 {
				t.Fatalf("refused notifications and previews sent %d messages", n)
			}
			// An organization-wide sender is not limited.
			r = a.Do(t, "POST", base+"/preview", orgResp, map[string]any{"audience": map[string]any{"rosters": []string{mixed, backedUp}, "departments": []string{office}}})
			mustStatus(t, r, http.StatusOK)
			if n := r.JSON(t)["recipients"]; n != float64(3) {
				t.Fatalf("an organization-wide preview: %s", r.Body)
			}

			// Three notifications: the organization-wide responder's to P1 and O1 (outside
			// the plant) and to the plant; the plant responder's own to P1, P2 and P3.
			send := func(token, text string, audience map[string]any) string {
				r := a.Do(t, "POST", base, token, map[string]any{"audience": audience, "text": text, "require_ack": true})
				mustStatus(t, r, http.StatusCreated)
				return r.JSON(t)["id"].(string)
			}
			const mixedText, plantText, ownText = "混合通知：请回复", "化工厂全体：请回复", "化工厂自查：请回复"
			nMixed := send(orgResp, mixedText, map[string]any{"people": []string{person["P1"], person["O1"]}})
			nPlant := send(orgResp, plantText, map[string]any{"departments": []string{plant}})
			nOwn := send(plantResp, ownText, map[string]any{"people": []string{person["P1"], person["P2"], person["P3"]}})
			waitCounts(t, a, orgResp, inc, nMixed, "sent", func(c notifCounts) bool { return c.Sent == 2 })
			waitCounts(t, a, orgResp, inc, nOwn, "sent", func(c notifCounts) bool { return c.Sent == 2 })
			needHelp := func(no, text, note string) {
				t.Helper()
				r := a.Do(t, "POST", strings.TrimPrefix(sink.to(t, mobile[no], text).AckURL, a.URL), "", map[string]any{"status": "need_help", "note": note})
				if r.Status/100 != 2 {
					t.Fatalf("need help: %d %s", r.Status, r.Body)
				}
			}
			needHelp("P1", mixedText, "张伟在罐区")
			needHelp("O1", mixedText, "李娜在办公楼")
			needHelp("P1", ownText, "张伟需要担架")
			needHelp("P2", ownText, "王芳被困二楼")
			waitCounts(t, a, orgResp, inc, nMixed, "answered", func(c notifCounts) bool { return c.NeedHelp == 2 })
			waitCounts(t, a, orgResp, inc, nOwn, "answered", func(c notifCounts) bool { return c.NeedHelp == 2 })

			listed := func(token string) []string {
				t.Helper()
				r := a.Do(t, "GET", base, token, nil)
				mustStatus(t, r, http.StatusOK)
				var l struct{ Items []notifAnswer }
				r.Decode(t, &l)
				var ids []string
				for _, n := range l.Items {
					ids = append(ids, n.ID)
				}
				slices.Sort(ids)
				return ids
			}
			sorted := func(ids ...string) []string { slices.Sort(ids); return ids }

			// Organization-wide readers see every notification and every name.
			for _, tok := range []string{orgView, admin} {
				if got := listed(tok); !slices.Equal(got, sorted(nMixed, nPlant, nOwn)) {
					t.Fatalf("organization-wide list = %v", got)
				}
			}
			r = a.Do(t, "GET", base+"/"+nMixed+"/board", orgView, nil)
			mustStatus(t, r, http.StatusOK)
			for _, want := range []string{"张伟", "李娜", "李娜在办公楼"} {
				if !strings.Contains(string(r.Body), want) {
					t.Fatalf("organization-wide board lacks %s: %s", want, r.Body)
				}
			}

			// A scoped reader sees the notifications inside their subtree, not the one
			// reaching O1: not in the list, and 404 for the notification, its board, its
			// event stream, approval and cancellation.
			for _, tok := range []string{plantView, plantResp} {
				if got := listed(tok); !slices.Equal(got, sorted(nPlant, nOwn)) {
					t.Fatalf("scoped list = %v, want %v", got, sorted(nPlant, nOwn))
				}
				for _, path := range []string{"", "/board", "/events"} {
					mustProblem(t, a.Do(t, "GET", base+"/"+nMixed+path, tok, nil), http.StatusNotFound)
				}
			}
			mustProblem(t, a.Do(t, "POST", base+"/"+nMixed+"/cancel", plantResp, nil), http.StatusNotFound)
			mustStatus(t, a.Do(t, "GET", base+"/"+nPlant, plantView, nil), http.StatusOK)
			ev, b := firstBoardEvent(t, a, plantView, base+"/"+nOwn+"/events")
			if ev != "board" || b["notification_id"] != nOwn {
				t.Fatalf("scoped event stream: %q %v", ev, b)
			}
			r = a.Do(t, "GET", "/api/v1/incidents/"+inc+"/report", plantView, nil)
			mustStatus(t, r, http.StatusOK)
			if rep := r.JSON(t); rep["notifications"] != float64(2) || strings.Contains(string(r.Body), "李娜") || strings.Contains(string(r.Body), office) {
				t.Fatalf("scoped report before the transfer: %s", r.Body)
			}

			// P2 and P3 move to the office. The plant responder still sees their own
			// notification, but names only P1: P2 and P3 are counted, not named.
			for _, no := range []string{"P2", "P3"} {
				mustStatus(t, a.Do(t, "PATCH", "/api/v1/people/"+person[no], admin, map[string]any{"department_id": office}), http.StatusOK)
			}
			r = a.Do(t, "GET", base+"/"+nOwn+"/board", plantResp, nil)
			mustStatus(t, r, http.StatusOK)
			var board struct {
				Counts      notifCounts                   `json:"counts"`
				NeedHelp    []struct{ Name, Note string } `json:"need_help"`
				Unreachable []struct{ Name string }       `json:"unreachable"`
			}
			r.Decode(t, &board)
			if board.Counts.NeedHelp != 2 || board.Counts.Unreachable != 1 || len(board.NeedHelp) != 1 || board.NeedHelp[0].Name != "张伟" ||
				len(board.Unreachable) != 0 || strings.Contains(string(r.Body), "王芳") || strings.Contains(string(r.Body), "刘洋") {
				t.Fatalf("the sender's board after the transfer: %s", r.Body)
			}
			r = a.Do(t, "GET", "/api/v1/incidents/"+inc+"/report", plantResp, nil)
			mustStatus(t, r, http.StatusOK)
			var rep struct {
				Notifications, Recipients, Failed int
				Unreachable                       []struct{ Name string } `json:"unreachable_list"`
			}
			r.Decode(t, &rep)
			if rep.Notifications != 1 || rep.Recipients != 3 || rep.Failed != 1 || len(rep.Unreachable) != 0 || strings.Contains(string(r.Body), "刘洋") {
				t.Fatalf("the sender's report after the transfer: %s", r.Body)
			}
			// The plant viewer did not send it: it now reaches outside their subtree.
			mustProblem(t, a.Do(t, "GET", base+"/"+nOwn, plantView, nil), http.StatusNotFound)
			r = a.Do(t, "GET", "/api/v1/incidents/"+inc+"/report", admin, nil)
			mustStatus(t, r, http.StatusOK)
			if r.Decode(t, &rep); rep.Notifications != 3 || len(rep.Unreachable) != 2 || rep.Unreachable[0].Name != "刘洋" { // P3 in nPlant and nOwn
				t.Fatalf("the organization-wide report: %s", r.Body)
			}

			// Showing who needs help is audited, once per reader and notification, not on
			// every refresh of the board.
			for range 3 {
				mustStatus(t, a.Do(t, "GET", base+"/"+nMixed+"/board", orgView, nil), http.StatusOK)
			}
			r = a.Do(t, "GET", "/api/v1/audit?action=notification.board_view&object_id="+nMixed, so, nil)
			mustStatus(t, r, http.StatusOK)
			var audits struct {
				Items []struct{ Actor, Detail string }
			}
			r.Decode(t, &audits)
			if len(audits.Items) != 1 || audits.Items[0].Actor != "view" || !strings.Contains(audits.Items[0].Detail, "need_help_named=2") ||
				strings.Contains(string(r.Body), "张伟") {
				t.Fatalf("board audit: %s", r.Body)
			}
		})
	}
}
