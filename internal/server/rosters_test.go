package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifeline/internal/apptest"
	"lifeline/internal/store/storetest"
)

// TestRosters: the SPEC §9 roster contracts, owners, permissions, validity, point in
// time, HR offboarding and the roster findings, on both engines.
func TestRosters(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			admin := a.User(t, "root", "admin", "")
			hr := a.User(t, "hrsys", "hr", "")
			viewer := a.User(t, "v", "viewer", "")
			employee := a.User(t, "emp", "employee", "")
			person := map[string]string{}
			for i, n := range []string{"owner1", "owner2", "m1", "m2", "m3", "b1"} {
				r := a.Do(t, "POST", "/api/v1/hr/events", hr, map[string]any{"id": "on-" + n, "type": "onboard", "employee_no": "R" + fmt.Sprint(i),
					"name": "员工" + n, "department": "集团/生产部", "mobile": fmt.Sprintf("1391111%04d", i)})
				mustStatus(t, r, http.StatusOK)
				person[n] = r.JSON(t)["person_id"].(string)
			}
			// owner1 has an account as roster_owner linked to their person record.
			owner := a.User(t, "o1", "roster_owner", "")
			other := a.User(t, "o9", "roster_owner", "")
			var users struct {
				Items []struct{ ID, Username string }
			}
			a.Do(t, "GET", "/api/v1/users", admin, nil).Decode(t, &users)
			for _, u := range users.Items {
				if u.Username == "o1" {
					mustStatus(t, a.Do(t, "PATCH", "/api/v1/users/"+u.ID, admin, map[string]any{"person_id": person["owner1"]}), http.StatusOK)
				}
			}

			// Fewer than two owners: 422 naming owner_ids.
			r := a.Do(t, "POST", "/api/v1/rosters", owner, map[string]any{"name": "抢险救援组", "kind": "rescue", "owner_ids": []string{person["owner1"]}})
			mustStatus(t, r, http.StatusUnprocessableEntity)
			if !bytes.Contains(r.Body, []byte(`"owner_ids"`)) {
				t.Fatalf("422 without owner_ids: %s", r.Body)
			}
			r = a.Do(t, "POST", "/api/v1/rosters", owner, map[string]any{"name": "x", "kind": "rescue", "owner_ids": []string{person["owner1"], person["owner1"]}})
			mustStatus(t, r, http.StatusUnprocessableEntity)
			mustStatus(t, a.Do(t, "POST", "/api/v1/rosters", viewer, map[string]any{"name": "x", "kind": "rescue",
				"owner_ids": []string{person["owner1"], person["owner2"]}}), http.StatusForbidden)
			mustStatus(t, a.Do(t, "POST", "/api/v1/rosters", admin, map[string]any{"name": "x", "kind": "nope",
				"owner_ids": []string{person["owner1"], person["owner2"]}}), http.StatusUnprocessableEntity)

			// SPEC §9: create → 201 with id.
			r = a.Do(t, "POST", "/api/v1/rosters", owner, map[string]any{"name": "抢险救援组", "kind": "rescue", "owner_ids": []string{person["owner1"], person["owner2"]}})
			mustStatus(t, r, http.StatusCreated)
			rid := r.JSON(t)["id"].(string)
			if !strings.Contains(string(r.Body), `"role":"primary"`) || !strings.Contains(string(r.Body), `"role":"deputy"`) {
				t.Fatalf("owners: %s", r.Body)
			}
			// A template prefills name, kind and description.
			r = a.Do(t, "POST", "/api/v1/rosters", admin, map[string]any{"template": "medical", "owner_ids": []string{person["owner1"], person["owner2"]}})
			mustStatus(t, r, http.StatusCreated)
			if !strings.Contains(string(r.Body), "医疗救护组") || !strings.Contains(string(r.Body), `"kind":"medical"`) {
				t.Fatalf("from template: %s", r.Body)
			}
			r = a.Do(t, "GET", "/api/v1/roster-templates", viewer, nil)
			mustStatus(t, r, http.StatusOK)
			for _, want := range []string{"应急领导小组", "外部联络组", "customer_duty", "合规联系人"} {
				if !strings.Contains(string(r.Body), want) {
					t.Fatalf("templates lack %s", want)
				}
			}

			path := "/api/v1/rosters/" + rid
			type snap struct {
				at   time.Time
				body string
			}
			var snaps []snap
			view := func(r apptest.Response) string {
				var m map[string]any
				r.Decode(t, &m)
				delete(m, "as_of")
				b, _ := json.Marshal(m)
				return string(b)
			}
			remember := func() {
				time.Sleep(3 * time.Millisecond)
				r := a.Do(t, "GET", path, viewer, nil)
				mustStatus(t, r, http.StatusOK)
				snaps = append(snaps, snap{time.Now().UTC(), view(r)})
				time.Sleep(3 * time.Millisecond)
			}
			// Edit 1: add a member (SPEC §9: 201 with id), with a backup.
			r = a.Do(t, "POST", path+"/members", owner, map[string]any{"person_id": person["m1"], "duty": "现场抢险：控制险情", "backup_person_id": person["b1"]})
			mustStatus(t, r, http.StatusCreated)
			m1 := r.JSON(t)["id"].(string)
			remember()
			// Edit 2: a second member without a backup.
			r = a.Do(t, "POST", path+"/members", owner, map[string]any{"person_id": person["m2"], "duty": "人员搜救"})
			mustStatus(t, r, http.StatusCreated)
			m2 := r.JSON(t)["id"].(string)
			remember()
			// Edit 3: change a duty.
			mustStatus(t, a.Do(t, "PATCH", path+"/members/"+m1, owner, map[string]any{"duty": "组长：组织现场抢险救援"}), http.StatusOK)
			remember()
			// Edit 4: rename the roster.
			mustStatus(t, a.Do(t, "PATCH", path, owner, map[string]any{"name": "抢险救援组（一车间）"}), http.StatusOK)
			remember()
			// Edit 5: remove a member.
			mustStatus(t, a.Do(t, "DELETE", path+"/members/"+m2, owner, nil), http.StatusNoContent)
			remember()
			for i, s := range snaps {
				r := a.Do(t, "GET", path+"?at="+url.QueryEscape(s.at.Format(time.RFC3339Nano)), viewer, nil)
				mustStatus(t, r, http.StatusOK)
				if got := view(r); got != s.body {
					t.Fatalf("at edit %d:\n got %s\nwant %s", i+1, got, s.body)
				}
			}
			mustStatus(t, a.Do(t, "GET", path+"?at=2000-01-01T00:00:00Z", viewer, nil), http.StatusNotFound)
			mustStatus(t, a.Do(t, "GET", path+"?at=yesterday", viewer, nil), http.StatusUnprocessableEntity)
			r = a.Do(t, "GET", path+"/history", viewer, nil)
			mustStatus(t, r, http.StatusOK)
			if n := bytes.Count(r.Body, []byte(`"revision"`)); n != 6 {
				t.Fatalf("%d history entries, want 6: %s", n, r.Body)
			}
			// The SPEC §9 members list.
			r = a.Do(t, "GET", path, viewer, nil)
			var ro struct {
				Members []struct{ ID, PersonID, Duty, Mobile string } `json:"members"`
			}
			if err := json.Unmarshal(bytes.ReplaceAll(r.Body, []byte(`"person_id"`), []byte(`"PersonID"`)), &ro); err != nil {
				t.Fatal(err)
			}
			if len(ro.Members) != 1 || ro.Members[0].ID != m1 || ro.Members[0].PersonID != person["m1"] || !strings.Contains(ro.Members[0].Mobile, "****") {
				t.Fatalf("members: %s", r.Body)
			}

			// Permissions: another roster_owner, the viewer and an employee may not change it;
			// an employee does not see rosters at all.
			mustStatus(t, a.Do(t, "POST", path+"/members", other, map[string]any{"person_id": person["m3"], "duty": "x"}), http.StatusForbidden)
			mustStatus(t, a.Do(t, "PATCH", path, viewer, map[string]any{"name": "x"}), http.StatusForbidden)
			mustStatus(t, a.Do(t, "GET", path, employee, nil), http.StatusNotFound)
			mustStatus(t, a.Do(t, "GET", "/api/v1/rosters", employee, nil), http.StatusForbidden)
			mustStatus(t, a.Do(t, "PATCH", path, owner, map[string]any{"owner_ids": []string{person["owner1"]}}), http.StatusUnprocessableEntity)

			// A membership whose valid_to has passed is not active.
			past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
			r = a.Do(t, "POST", path+"/members", owner, map[string]any{"person_id": person["m3"], "duty": "后备", "backup_person_id": person["b1"],
				"valid_from": time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339), "valid_to": past})
			mustStatus(t, r, http.StatusCreated)
			m3 := r.JSON(t)["id"].(string)
			if r := a.Do(t, "GET", path, viewer, nil); strings.Contains(string(r.Body), m3) {
				t.Fatalf("expired membership listed: %s", r.Body)
			}

			// Findings: m2 gone; m1 has a backup; m3 expired but still listed as active.
			findings := func() string {
				mustStatus(t, a.Do(t, "POST", "/api/v1/quality/recheck", admin, nil), http.StatusOK)
				r := a.Do(t, "GET", "/api/v1/quality/findings?subject=roster:"+rid, admin, nil)
				mustStatus(t, r, http.StatusOK)
				return string(r.Body)
			}
			has := func(body, eno, code string) bool {
				var l struct {
					Items []struct{ EmployeeNo, Code string }
				}
				if err := json.Unmarshal([]byte(strings.ReplaceAll(body, `"employee_no"`, `"EmployeeNo"`)), &l); err != nil {
					t.Fatal(err)
				}
				for _, f := range l.Items {
					if f.EmployeeNo == eno && f.Code == code {
						return true
					}
				}
				return false
			}
			f := findings()
			if !has(f, "R4", "expired_membership") || has(f, "R2", "missing_backup") {
				t.Fatalf("findings: %s", f)
			}
			mustStatus(t, a.Do(t, "DELETE", path+"/members/"+m3, owner, nil), http.StatusNoContent)
			if f := findings(); has(f, "R4", "expired_membership") {
				t.Fatalf("expired membership not cleared: %s", f)
			}

			// Offboarding the backup leaves m1 without a backup: missing_backup on m1.
			// Offboarding m1 twice with the same event id: removed once, owners told.
			mustStatus(t, a.Do(t, "POST", "/api/v1/hr/events", hr, map[string]any{"id": "off-b1", "type": "offboard", "employee_no": "R5"}), http.StatusOK)
			if f := findings(); !has(f, "R2", "missing_backup") {
				t.Fatalf("no missing_backup after the backup left: %s", f)
			}
			for range 2 {
				mustStatus(t, a.Do(t, "POST", "/api/v1/hr/events", hr, map[string]any{"id": "off-m1", "type": "offboard", "employee_no": "R2"}), http.StatusOK)
			}
			if r := a.Do(t, "GET", path, viewer, nil); strings.Contains(string(r.Body), m1) {
				t.Fatalf("departed member still listed: %s", r.Body)
			}
			r = a.Do(t, "GET", path+"/history", viewer, nil)
			if n := bytes.Count(r.Body, []byte(`"action":"person.departed"`)); n != 2 { // the backup, then the member
				t.Fatalf("%d departure entries, want 2: %s", n, r.Body)
			}
			r = a.Do(t, "GET", "/api/v1/alerts", owner, nil)
			if n := bytes.Count(r.Body, []byte(`"kind":"roster_person_departed"`)); n != 2 || !strings.Contains(string(r.Body), "removed from roster") {
				t.Fatalf("owner alerts (%d): %s", n, r.Body)
			}
			if f := findings(); has(f, "R2", "missing_backup") || has(f, "R2", "departed_in_roster") {
				t.Fatalf("findings of a removed member: %s", f)
			}

			// The deputy owner departs: owner_departed and missing_backup (one active owner);
			// a departed person still listed (departed outside Lifeline: a direct database
			// change, since every departure through it ends the memberships) is reported.
			mustStatus(t, a.Do(t, "POST", path+"/members", owner, map[string]any{"person_id": person["m3"], "duty": "通讯", "backup_person_id": person["owner1"]}), http.StatusCreated)
			if _, err := a.App.DB.Write.Exec(`UPDATE people SET status = 'departed', leave_date = '2026-01-01' WHERE id = $1`, person["m3"]); err != nil {
				t.Fatal(err)
			}
			mustStatus(t, a.Do(t, "POST", "/api/v1/hr/events", hr, map[string]any{"id": "off-o2", "type": "offboard", "employee_no": "R1"}), http.StatusOK)
			f = findings()
			for _, want := range [][2]string{{"R1", "owner_departed"}, {"R0", "missing_backup"}, {"R4", "departed_in_roster"}} {
				if !has(f, want[0], want[1]) {
					t.Fatalf("no %s on %s: %s", want[1], want[0], f)
				}
			}
			// Fixed: a new deputy, the departed member removed.
			mustStatus(t, a.Do(t, "PATCH", path, owner, map[string]any{"owner_ids": []string{person["owner1"], person["b1"]}}), http.StatusUnprocessableEntity) // b1 departed
			r = a.Do(t, "POST", "/api/v1/hr/events", hr, map[string]any{"id": "on-new", "type": "onboard", "employee_no": "R9", "name": "新副组长", "department": "集团/生产部"})
			deputy := r.JSON(t)["person_id"].(string)
			mustStatus(t, a.Do(t, "PATCH", path, owner, map[string]any{"owner_ids": []string{person["owner1"], deputy}}), http.StatusOK)
			r = a.Do(t, "GET", path, viewer, nil)
			var cur struct{ Members []struct{ ID string } }
			r.Decode(t, &cur)
			for _, m := range cur.Members {
				mustStatus(t, a.Do(t, "DELETE", path+"/members/"+m.ID, owner, nil), http.StatusNoContent)
			}
			if f := findings(); strings.Contains(f, `"code"`) {
				t.Fatalf("findings left after the fixes: %s", f)
			}

			// Delete (soft): gone now, still readable as it was.
			before := time.Now().UTC()
			time.Sleep(3 * time.Millisecond)
			mustStatus(t, a.Do(t, "DELETE", path, owner, nil), http.StatusNoContent)
			mustStatus(t, a.Do(t, "GET", path, viewer, nil), http.StatusNotFound)
			mustStatus(t, a.Do(t, "GET", path+"?at="+url.QueryEscape(before.Format(time.RFC3339Nano)), viewer, nil), http.StatusOK)
		})
	}
}
