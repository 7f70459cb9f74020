package server_test

import (
	"bytes"
	"net/http"
	"testing"

	"lifeline/internal/apptest"
	"lifeline/internal/store/storetest"
)

// TestHREvents: onboarding, transfer, contact change and offboarding through the HR
// events API, each event id with one effect however often it is delivered.
func TestHREvents(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			hr := a.User(t, "hrsys", "hr", "")
			viewer := a.User(t, "v", "viewer", "")
			send := func(body map[string]any) apptest.Response { return a.Do(t, "POST", "/api/v1/hr/events", hr, body) }

			r := send(map[string]any{"id": "evt-1", "type": "onboard", "employee_no": "H1", "name": "新员工", "department": "集团/生产部/一车间",
				"title": "操作工", "mobile": "+86 139 1111 2222", "emergency_contacts": []map[string]any{{"name": "家长", "relation": "父亲", "phone": "13733334444"}}})
			mustStatus(t, r, http.StatusOK)
			if !bytes.Contains(r.Body, []byte(`"outcome":"created"`)) || !bytes.Contains(r.Body, []byte(`"duplicate":false`)) {
				t.Fatalf("onboard: %s", r.Body)
			}
			pid := r.JSON(t)["person_id"].(string)
			r = send(map[string]any{"id": "evt-1", "type": "onboard", "employee_no": "H1", "name": "新员工", "department": "集团/生产部/一车间"})
			if !bytes.Contains(r.Body, []byte(`"duplicate":true`)) || !bytes.Contains(r.Body, []byte(`"outcome":"created"`)) {
				t.Fatalf("repeated event: %s", r.Body)
			}
			admin := a.User(t, "root", "admin", "")
			r = a.Do(t, "GET", "/api/v1/people?q=H1", admin, nil)
			if n := bytes.Count(r.Body, []byte(`"employee_no":"H1"`)); n != 1 {
				t.Fatalf("%d people for one onboarding: %s", n, r.Body)
			}

			// A transfer changes the department and title only.
			mustStatus(t, send(map[string]any{"id": "evt-2", "type": "transfer", "employee_no": "H1", "department": "集团/安全部", "title": "安全员"}), http.StatusOK)
			r = a.Do(t, "POST", "/api/v1/people/"+pid+"/reveal", admin, map[string]any{"reason": "核对"})
			for _, want := range []string{`"department":"集团/安全部"`, `"title":"安全员"`, `"name":"新员工"`, "+8613911112222", "+8613733334444"} {
				if !bytes.Contains(r.Body, []byte(want)) {
					t.Fatalf("after transfer lacks %s: %s", want, r.Body)
				}
			}
			// A contact change replaces the mobile and keeps the emergency contact.
			mustStatus(t, send(map[string]any{"id": "evt-3", "type": "contact_changed", "employee_no": "H1", "mobile": "13955556666"}), http.StatusOK)
			r = a.Do(t, "POST", "/api/v1/people/"+pid+"/reveal", admin, map[string]any{"reason": "核对"})
			if bytes.Contains(r.Body, []byte("+8613911112222")) || !bytes.Contains(r.Body, []byte("+8613955556666")) || !bytes.Contains(r.Body, []byte("+8613733334444")) {
				t.Fatalf("after contact change: %s", r.Body)
			}
			// Offboarding, twice with the same id: departed once, one history entry.
			for i := 0; i < 2; i++ {
				mustStatus(t, send(map[string]any{"id": "evt-4", "type": "offboard", "employee_no": "H1", "leave_date": "2026-11-20"}), http.StatusOK)
			}
			r = a.Do(t, "GET", "/api/v1/people/"+pid, admin, nil)
			if !bytes.Contains(r.Body, []byte(`"status":"departed"`)) || !bytes.Contains(r.Body, []byte(`"leave_date":"2026-11-20"`)) {
				t.Fatalf("after offboard: %s", r.Body)
			}
			r = a.Do(t, "GET", "/api/v1/people/"+pid+"/history", admin, nil)
			if n := bytes.Count(r.Body, []byte(`"after":"departed"`)); n != 1 {
				t.Fatalf("offboarding recorded %d times: %s", n, r.Body)
			}

			// Refusals.
			mustStatus(t, send(map[string]any{"id": "evt-5", "type": "transfer", "employee_no": "NOPE", "title": "x"}), http.StatusNotFound)
			r = send(map[string]any{"id": "evt-6", "type": "promote", "employee_no": "H1"})
			mustStatus(t, r, http.StatusUnprocessableEntity)
			mustStatus(t, send(map[string]any{"type": "offboard", "employee_no": "H1"}), http.StatusUnprocessableEntity)
			mustStatus(t, send(map[string]any{"id": "evt-7", "type": "onboard", "employee_no": "H2", "department": "集团"}), http.StatusUnprocessableEntity)
			mustStatus(t, a.Do(t, "POST", "/api/v1/hr/events", viewer, map[string]any{"id": "evt-8", "type": "offboard", "employee_no": "H1"}), http.StatusForbidden)
			// A refused event is not recorded: it can be sent again once fixed.
			mustStatus(t, send(map[string]any{"id": "evt-5", "type": "onboard", "employee_no": "NOPE", "name": "补录", "department": "集团"}), http.StatusOK)
		})
	}
}
