package server_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lifeline/internal/store/storetest"
)

// TestReviewFollowups: the change SLAs in working days. An HR transfer or contact change
// of a roster member opens a follow-up for the owners due in 1 working day, an external
// contact's changed number one due in 2; both show in the reviews list, tell the owners,
// are confirmed through the same API, and escalate to the owners' manager when overdue.
func TestReviewFollowups(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			v := newReviewEnv(t, e)
			a := v.a
			// HR transfer of m1: a follow-up on the membership, which stays.
			mustStatus(t, a.Do(t, "POST", "/api/v1/hr/events", v.hr, map[string]any{"id": "tr-m1", "type": "transfer", "employee_no": "P2", "department": "集团/运维部"}), http.StatusOK)
			l := v.list(t, v.owner, "?kind=followup")
			if len(l.Items) != 1 {
				t.Fatalf("follow-ups after a transfer: %+v", l)
			}
			f := l.Items[0]
			if f.Origin != "hr" || f.Reason != "transfer" || f.RosterID != v.rid || f.Status != "open" || f.DueDate != v.workdaysAfter(t, 1) {
				t.Fatalf("follow-up %+v, due want %s", f, v.workdaysAfter(t, 1))
			}
			if got := v.alerts(t, v.owner, "review_followup"); !strings.Contains(got, "审核m1") || !strings.Contains(got, "调岗") {
				t.Fatalf("owner not told: %q", got)
			}
			if r := a.Do(t, "GET", "/api/v1/rosters/"+v.rid, v.viewer, nil); !strings.Contains(string(r.Body), v.member["m1"]) {
				t.Fatalf("the transferred member left the roster: %s", r.Body)
			}
			// The same transfer again (another event id) changes nothing; a contact change
			// through HR is a second follow-up (another reason).
			mustStatus(t, a.Do(t, "POST", "/api/v1/hr/events", v.hr, map[string]any{"id": "tr-m1b", "type": "transfer", "employee_no": "P2", "department": "集团/运维部"}), http.StatusOK)
			mustStatus(t, a.Do(t, "POST", "/api/v1/hr/events", v.hr, map[string]any{"id": "cc-m2", "type": "contact_changed", "employee_no": "P3", "mobile": "13933334444"}), http.StatusOK)
			if l := v.list(t, v.owner, "?kind=followup"); len(l.Items) != 2 {
				t.Fatalf("follow-ups: %+v", l)
			}
			r := a.Do(t, "GET", "/api/v1/reviews/"+f.ID, v.owner, nil)
			mustStatus(t, r, http.StatusOK)
			var task reviewTask
			if r.Decode(t, &task); len(task.Items) != 1 || task.Items[0].MemberID != v.member["m1"] {
				t.Fatalf("follow-up items: %s", r.Body)
			}
			mustStatus(t, a.Do(t, "GET", "/api/v1/reviews/"+f.ID, v.other, nil), http.StatusForbidden)
			confirm := "/api/v1/reviews/" + f.ID + "/confirm"
			wantFields(t, a.Do(t, "POST", confirm, v.owner, map[string]any{"decisions": []any{map[string]any{"member_id": v.member["m2"], "decision": "valid"}}}), 422, "decisions[0].member_id")
			wantFields(t, a.Do(t, "POST", confirm, v.owner, map[string]any{"decisions": []any{
				map[string]any{"member_id": v.member["m1"], "decision": "valid"}, map[string]any{"member_id": v.member["m1"], "decision": "valid"}}}), 422, "decisions")
			mustStatus(t, a.Do(t, "POST", confirm, v.other, map[string]any{"decisions": []any{map[string]any{"member_id": v.member["m1"], "decision": "valid"}}}), http.StatusForbidden)
			r = a.Do(t, "POST", confirm, v.owner, map[string]any{"decisions": []any{map[string]any{"member_id": v.member["m1"], "decision": "changed", "note": "新部门电话已更新"}}})
			mustStatus(t, r, http.StatusOK)
			if r.Decode(t, &task); task.Status != "done" || task.Items[0].Decision != "changed" {
				t.Fatalf("confirmed follow-up: %s", r.Body)
			}

			// External contact: a changed number → a follow-up due in 2 working days; a save
			// without a changed number → none.
			r = a.Do(t, "POST", "/api/v1/organizations", v.admin, map[string]any{"name": "市第一医院", "kind": "hospital"})
			mustStatus(t, r, http.StatusCreated)
			org := r.JSON(t)["id"].(string)
			r = a.Do(t, "POST", "/api/v1/organizations/"+org+"/contacts", v.admin, map[string]any{"name": "急诊王医生", "role": "duty",
				"channels": []any{map[string]any{"kind": "mobile", "value": "13955556666"}}})
			mustStatus(t, r, http.StatusCreated)
			cid := r.JSON(t)["id"].(string)
			mustStatus(t, a.Do(t, "POST", "/api/v1/rosters/"+v.rid+"/members", v.owner, map[string]any{"contact_id": cid, "duty": "医疗联络"}), http.StatusCreated)
			cpath := "/api/v1/organizations/" + org + "/contacts/" + cid
			mustStatus(t, a.Do(t, "PATCH", cpath, v.admin, map[string]any{"notes": "夜班", "channels": []any{map[string]any{"kind": "mobile", "value": "139 5555 6666"}}}), http.StatusOK)
			if l := v.list(t, v.owner, "?kind=followup&status=open"); len(l.Items) != 1 { // only the HR contact change
				t.Fatalf("an unchanged number opened a follow-up: %+v", l)
			}
			mustStatus(t, a.Do(t, "PATCH", cpath, v.admin, map[string]any{"channels": []any{map[string]any{"kind": "mobile", "value": "13977778888"}}}), http.StatusOK)
			var ext *reviewTask
			for _, it := range v.list(t, v.owner, "?kind=followup&status=open").Items {
				if it.Origin == "external" {
					ext = &it
				}
			}
			if ext == nil || ext.Reason != "contact_changed" || ext.DueDate != v.workdaysAfter(t, 2) {
				t.Fatalf("external follow-up %+v, due want %s", ext, v.workdaysAfter(t, 2))
			}

			// Overdue: escalated once to the owners' manager (the head's account).
			mustStatus(t, a.Do(t, "PATCH", "/api/v1/people/"+v.person["owner1"], v.admin, map[string]any{"manager_id": v.person["head"]}), http.StatusOK)
			later := time.Now().AddDate(0, 0, 20)
			if res := v.run(t, later); res.Escalated != 2 {
				t.Fatalf("escalated %d, want the two open follow-ups", res.Escalated)
			}
			if res := v.run(t, later.Add(time.Hour)); res.Escalated != 0 {
				t.Fatalf("escalated again: %+v", res)
			}
			l = v.list(t, v.owner, "?kind=followup&status=overdue")
			if len(l.Items) != 2 || l.Items[0].EscalatedAt == nil {
				t.Fatalf("overdue follow-ups: %+v", l)
			}
			if got := v.alerts(t, v.head, "review_overdue"); strings.Count(got, "变更确认已逾期") != 2 {
				t.Fatalf("manager alerts: %q", got)
			}
			// A membership that ends meanwhile leaves nothing to confirm: the job closes its follow-up.
			mustStatus(t, a.Do(t, "DELETE", "/api/v1/rosters/"+v.rid+"/members/"+v.member["m2"], v.owner, nil), http.StatusNoContent)
			v.run(t, later.Add(2*time.Hour))
			if l := v.list(t, v.owner, "?kind=followup&status=overdue"); len(l.Items) != 1 || l.Items[0].Origin != "external" {
				t.Fatalf("overdue after the member left: %+v", l)
			}
		})
	}
}

// TestPersonChangesReachRosters: a department change by PATCH flags the memberships for
// the owners (they stay); a departure by PATCH or by a snapshot import ends them and
// tells the owners, as the HR offboard event does; on both engines.
func TestPersonChangesReachRosters(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			v := newReviewEnv(t, e)
			a := v.a
			path := "/api/v1/rosters/" + v.rid
			r := a.Do(t, "POST", path+"/members", v.owner, map[string]any{"person_id": v.person["x"], "duty": "通讯"})
			mustStatus(t, r, http.StatusCreated)
			xMember := r.JSON(t)["id"].(string)

			// Transfer by PATCH: a follow-up, the membership stays, the owner is told.
			mustStatus(t, a.Do(t, "PATCH", "/api/v1/people/"+v.person["m1"], v.admin, map[string]any{"department_id": v.opsDeptID}), http.StatusOK)
			l := v.list(t, v.owner, "?kind=followup")
			if len(l.Items) != 1 || l.Items[0].Reason != "transfer" || l.Items[0].Origin != "hr" {
				t.Fatalf("follow-ups after a PATCH transfer: %+v", l)
			}
			if r := a.Do(t, "GET", path, v.viewer, nil); !strings.Contains(string(r.Body), v.member["m1"]) {
				t.Fatalf("the transferred member left: %s", r.Body)
			}
			if got := v.alerts(t, v.owner, "review_followup"); !strings.Contains(got, "审核m1") {
				t.Fatalf("owner not told of the transfer: %q", got)
			}
			// A PATCH that changes neither department nor status flags nothing.
			mustStatus(t, a.Do(t, "PATCH", "/api/v1/people/"+v.person["m2"], v.admin, map[string]any{"title": "班长"}), http.StatusOK)
			if l := v.list(t, v.owner, "?kind=followup"); len(l.Items) != 1 {
				t.Fatalf("a title change opened a follow-up: %+v", l)
			}

			// Departure by PATCH: the membership ends, the owner is told.
			mustStatus(t, a.Do(t, "PATCH", "/api/v1/people/"+v.person["m2"], v.admin, map[string]any{"status": "departed"}), http.StatusOK)
			if r := a.Do(t, "GET", path, v.viewer, nil); strings.Contains(string(r.Body), v.member["m2"]) {
				t.Fatalf("a member departed by PATCH is still listed: %s", r.Body)
			}
			if got := v.alerts(t, v.owner, "roster_person_departed"); !strings.Contains(got, "审核m2") || !strings.Contains(got, "removed from roster") {
				t.Fatalf("owner not told of the departure: %q", got)
			}

			// Departure by a snapshot import (x is missing from the full list).
			dir := t.TempDir()
			file := filepath.Join(dir, "staff.csv")
			csv := "工号,姓名,部门\nP0,审核owner1,集团/生产部\nP1,审核owner2,集团/生产部\nP2,审核m1,集团/运维部\nP4,审核head,集团/生产部\n"
			if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
				t.Fatal(err)
			}
			a.Run(t, "", "import", "people", file, "--snapshot", "--max-depart", "1")
			if r := a.Do(t, "GET", path, v.viewer, nil); strings.Contains(string(r.Body), xMember) || !strings.Contains(string(r.Body), v.member["m1"]) {
				t.Fatalf("after the snapshot: %s", r.Body)
			}
			if got := v.alerts(t, v.owner, "roster_person_departed"); !strings.Contains(got, "审核x") {
				t.Fatalf("owner not told of the snapshot departure: %q", got)
			}
			r = a.Do(t, "GET", path+"/history", v.viewer, nil)
			if n := strings.Count(string(r.Body), `"action":"person.departed"`); n != 2 {
				t.Fatalf("%d departure entries, want 2: %s", n, r.Body)
			}
		})
	}
}
