package server_test

import (
	"bytes"
	"net/http"
	"testing"

	"lifeline/internal/apptest"
	"lifeline/internal/store/storetest"
)

// TestBreakGlass: during an active incident a responder opens a department's full
// numbers at once with a reason, for a limited time; it is registered, visible to the
// security officer, audited, and ends with the incident.
func TestBreakGlass(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			admin := a.User(t, "root", "admin", "")
			group := createDept(t, a, admin, "集团", "")
			plant := createDept(t, a, admin, "化工厂", group)
			office := createDept(t, a, admin, "办公室", group)
			for i, d := range []string{plant, plant, office} {
				body := map[string]any{"employee_no": []string{"P1", "P2", "O1"}[i], "name": "员工", "department_id": d,
					"channels":           []map[string]any{{"kind": "mobile", "value": []string{"13811110001", "13811110002", "13811110003"}[i]}},
					"emergency_contacts": []map[string]any{{"name": "家属", "relation": "配偶", "phone": "13922220001"}}}
				mustStatus(t, a.Do(t, "POST", "/api/v1/people", admin, body), http.StatusCreated)
			}
			responder := a.User(t, "resp", "responder", "")
			viewer := a.User(t, "view", "viewer", "")
			so := a.User(t, "sec", "security_officer", "")

			r := a.Do(t, "POST", "/api/v1/incidents", responder, map[string]any{"title": "化工厂泄漏", "type": "production_safety", "level": "II", "location": "二号罐区"})
			mustStatus(t, r, http.StatusCreated)
			inc := r.JSON(t)["id"].(string)
			mustStatus(t, a.Do(t, "POST", "/api/v1/incidents", viewer, map[string]any{"title": "x", "type": "it_outage", "level": "IV"}), http.StatusForbidden)
			r = a.Do(t, "POST", "/api/v1/incidents", responder, map[string]any{"title": "x", "type": "flood", "level": "V"})
			mustStatus(t, r, http.StatusUnprocessableEntity)
			if !bytes.Contains(r.Body, []byte(`"field":"type"`)) || !bytes.Contains(r.Body, []byte(`"field":"level"`)) {
				t.Fatalf("validation: %s", r.Body)
			}

			// Only a responder, with a reason, for departments that exist.
			mustStatus(t, a.Do(t, "POST", "/api/v1/incidents/"+inc+"/break-glass", viewer, map[string]any{"department_ids": []string{plant}, "reason": "x"}), http.StatusForbidden)
			mustStatus(t, a.Do(t, "POST", "/api/v1/incidents/"+inc+"/break-glass", responder, map[string]any{"department_ids": []string{plant}}), http.StatusUnprocessableEntity)
			mustStatus(t, a.Do(t, "POST", "/api/v1/incidents/"+inc+"/break-glass", responder, map[string]any{"department_ids": []string{"nope"}, "reason": "x"}), http.StatusUnprocessableEntity)
			r = a.Do(t, "POST", "/api/v1/incidents/"+inc+"/break-glass", responder, map[string]any{"department_ids": []string{plant}, "reason": "疏散化工厂人员", "minutes": 30})
			mustStatus(t, r, http.StatusCreated)
			grant := r.JSON(t)
			gid := grant["id"].(string)
			if grant["active"] != true {
				t.Fatalf("grant = %v", grant)
			}

			// The contact sheet: full numbers of the plant's people, not the office's.
			r = a.Do(t, "GET", "/api/v1/break-glass/"+gid+"/contacts", responder, nil)
			mustStatus(t, r, http.StatusOK)
			for _, want := range []string{"+8613811110001", "+8613811110002", "+8613922220001", `"name":"家属"`} {
				if !bytes.Contains(r.Body, []byte(want)) {
					t.Fatalf("contact sheet lacks %s: %s", want, r.Body)
				}
			}
			if bytes.Contains(r.Body, []byte("13811110003")) {
				t.Fatal("the contact sheet holds a department outside the grant")
			}
			// Nobody else opens it; the security officer sees the registration.
			mustStatus(t, a.Do(t, "GET", "/api/v1/break-glass/"+gid+"/contacts", viewer, nil), http.StatusNotFound)
			mustStatus(t, a.Do(t, "GET", "/api/v1/break-glass/"+gid+"/contacts", so, nil), http.StatusForbidden)
			r = a.Do(t, "GET", "/api/v1/break-glass?active=true", so, nil)
			if !bytes.Contains(r.Body, []byte(gid)) || !bytes.Contains(r.Body, []byte("疏散化工厂人员")) {
				t.Fatalf("security officer's list: %s", r.Body)
			}
			r = a.Do(t, "GET", "/api/v1/audit?action=breakglass.view", so, nil)
			if !bytes.Contains(r.Body, []byte("people=2")) {
				t.Fatalf("the view is not audited: %s", r.Body)
			}

			// The people concerned see the grant in their access log.
			r = a.Do(t, "GET", "/api/v1/people?q=P1", admin, nil)
			p1 := r.JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
			r = a.Do(t, "GET", "/api/v1/people/"+p1+"/access-log", admin, nil)
			if !bytes.Contains(r.Body, []byte(`"action":"breakglass.open"`)) || !bytes.Contains(r.Body, []byte("疏散化工厂人员")) {
				t.Fatalf("access log of a covered person: %s", r.Body)
			}
			r = a.Do(t, "GET", "/api/v1/people?q=O1", admin, nil)
			o1 := r.JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
			r = a.Do(t, "GET", "/api/v1/people/"+o1+"/access-log", admin, nil)
			if bytes.Contains(r.Body, []byte("breakglass")) {
				t.Fatalf("access log of a person outside the grant: %s", r.Body)
			}

			// A grant on a roster opens its owners, members and backups, whatever their department.
			r = a.Do(t, "POST", "/api/v1/rosters", admin, map[string]any{"name": "现场指挥组", "kind": "leading_group", "owner_ids": []string{p1, o1}})
			mustStatus(t, r, http.StatusCreated)
			rid := r.JSON(t)["id"].(string)
			mustStatus(t, a.Do(t, "POST", "/api/v1/incidents/"+inc+"/break-glass", responder, map[string]any{"roster_ids": []string{"nope"}, "reason": "x"}), http.StatusUnprocessableEntity)
			r = a.Do(t, "POST", "/api/v1/incidents/"+inc+"/break-glass", responder, map[string]any{"roster_ids": []string{rid}, "reason": "联系指挥组"})
			mustStatus(t, r, http.StatusCreated)
			rg := r.JSON(t)["id"].(string)
			r = a.Do(t, "GET", "/api/v1/break-glass/"+rg+"/contacts", responder, nil)
			mustStatus(t, r, http.StatusOK)
			if !bytes.Contains(r.Body, []byte("+8613811110003")) || !bytes.Contains(r.Body, []byte("+8613811110001")) || bytes.Contains(r.Body, []byte("+8613811110002")) {
				t.Fatalf("roster contact sheet: %s", r.Body)
			}
			r = a.Do(t, "GET", "/api/v1/people/"+o1+"/access-log", admin, nil)
			if !bytes.Contains(r.Body, []byte("联系指挥组")) {
				t.Fatalf("the roster grant is missing from a member's access log: %s", r.Body)
			}

			// Closing the incident ends the grant; a closed incident allows no new one.
			mustStatus(t, a.Do(t, "POST", "/api/v1/incidents/"+inc+"/close", responder, nil), http.StatusOK)
			mustStatus(t, a.Do(t, "GET", "/api/v1/break-glass/"+gid+"/contacts", responder, nil), http.StatusForbidden)
			mustStatus(t, a.Do(t, "POST", "/api/v1/incidents/"+inc+"/break-glass", responder, map[string]any{"department_ids": []string{plant}, "reason": "x"}), http.StatusConflict)
			r = a.Do(t, "GET", "/api/v1/break-glass?active=true", so, nil)
			if bytes.Contains(r.Body, []byte(gid)) {
				t.Fatalf("an ended grant is listed as active: %s", r.Body)
			}
		})
	}
}

// TestPersonalDataRights: a person downloads their own data and sees who accessed it.
func TestPersonalDataRights(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	admin := a.User(t, "root", "admin", "")
	d := createDept(t, a, admin, "总部", "")
	r := a.Do(t, "POST", "/api/v1/people", admin, map[string]any{"employee_no": "S1", "name": "自己", "department_id": d,
		"channels": []map[string]any{{"kind": "mobile", "value": "13833334444"}}})
	mustStatus(t, r, http.StatusCreated)
	pid := r.JSON(t)["id"].(string)
	mustStatus(t, a.Do(t, "POST", "/api/v1/people/"+pid+"/reveal", admin, map[string]any{"reason": "核对"}), http.StatusOK)
	a.AddUser(t, "self", "employee", "Correct-Horse-Battery-9", "")
	users := a.Do(t, "GET", "/api/v1/users", admin, nil)
	var list struct {
		Items []struct{ ID, Username string }
	}
	users.Decode(t, &list)
	var uid string
	for _, u := range list.Items {
		if u.Username == "self" {
			uid = u.ID
		}
	}
	mustStatus(t, a.Do(t, "PATCH", "/api/v1/users/"+uid, admin, map[string]any{"person_id": pid}), http.StatusOK)
	self := a.Token(t, "self")
	r = a.Do(t, "GET", "/api/v1/me/data", self, nil)
	mustStatus(t, r, http.StatusOK)
	for _, want := range []string{"+8613833334444", `"access_log"`, "核对", `"action":"create"`} {
		if !bytes.Contains(r.Body, []byte(want)) {
			t.Fatalf("my data lacks %s: %s", want, r.Body)
		}
	}
	mustStatus(t, a.Do(t, "GET", "/api/v1/me/data", admin, nil), http.StatusNotFound)
	// Key status: admin and security officer only.
	r = a.Do(t, "GET", "/api/v1/keys", admin, nil)
	mustStatus(t, r, http.StatusOK)
	if !bytes.Contains(r.Body, []byte(`"current":true`)) {
		t.Fatalf("keys = %s", r.Body)
	}
	mustStatus(t, a.Do(t, "GET", "/api/v1/keys", self, nil), http.StatusForbidden)
}
