package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifeline/internal/apptest"
	"lifeline/internal/review"
	"lifeline/internal/store/storetest"
)

type atClock struct{ t time.Time }

func (c atClock) Now() time.Time { return c.t }

// reviewTask is a review task as the API shows it.
type reviewTask struct {
	ID, Kind, Origin, Reason, Period, Status string
	RosterID                                 string     `json:"roster_id"`
	DepartmentID                             string     `json:"department_id"`
	DueDate                                  string     `json:"due_date"`
	EscalatedAt                              *time.Time `json:"escalated_at"`
	Items                                    []struct {
		MemberID string `json:"member_id"`
		PersonID string `json:"person_id"`
		Name     string
		Decision string
	}
}

type reviewList struct {
	Items      []reviewTask
	NextCursor string `json:"next_cursor"`
}

// reviewEnv is a running app with people, accounts linked to them, a quarterly roster
// and the helpers of the review tests.
type reviewEnv struct {
	a                                         *apptest.App
	admin, hr, owner, other, viewer, employee string
	head                                      string // dept_manager of 集团/生产部, its head
	person                                    map[string]string
	rid, deptID, opsDeptID                    string
	member                                    map[string]string // name → membership id
}

func newReviewEnv(t *testing.T, e storetest.Engine) *reviewEnv {
	a := apptest.StartOn(t, e, apptest.Options{})
	// The serving process runs the review cycle once at start (then hourly): let that run
	// finish before the data exists, so that the tests' own runs are the only ones that
	// open tasks for it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var done int
		if err := a.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'review.cycle' AND state = 'completed'`).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the review cycle did not run at start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	v := &reviewEnv{a: a, person: map[string]string{}, member: map[string]string{}}
	v.admin = a.User(t, "root", "admin", "")
	v.hr = a.User(t, "hrsys", "hr", "")
	v.viewer = a.User(t, "v", "viewer", "")
	v.employee = a.User(t, "emp", "employee", "")
	v.owner = a.User(t, "o1", "roster_owner", "")
	v.other = a.User(t, "o9", "roster_owner", "")
	for i, n := range []string{"owner1", "owner2", "m1", "m2", "head", "x"} {
		dept := "集团/生产部"
		if n == "x" {
			dept = "集团/运维部"
		}
		r := a.Do(t, "POST", "/api/v1/hr/events", v.hr, map[string]any{"id": "on-" + n, "type": "onboard", "employee_no": "P" + fmt.Sprint(i),
			"name": "审核" + n, "department": dept, "mobile": fmt.Sprintf("1392222%04d", i)})
		mustStatus(t, r, http.StatusOK)
		v.person[n] = r.JSON(t)["person_id"].(string)
	}
	v.head = a.User(t, "h1", "dept_manager", "集团/生产部")
	v.link(t, "o1", v.person["owner1"])
	v.link(t, "h1", v.person["head"])
	var depts struct{ Items []struct{ ID, Path string } }
	a.Do(t, "GET", "/api/v1/departments", v.admin, nil).Decode(t, &depts)
	for _, d := range depts.Items {
		switch d.Path {
		case "集团/生产部":
			v.deptID = d.ID
		case "集团/运维部":
			v.opsDeptID = d.ID
		}
	}
	r := a.Do(t, "POST", "/api/v1/rosters", v.owner, map[string]any{"name": "抢险救援组", "kind": "rescue", "review_frequency": "quarterly",
		"owner_ids": []string{v.person["owner1"], v.person["owner2"]}})
	mustStatus(t, r, http.StatusCreated)
	v.rid = r.JSON(t)["id"].(string)
	for _, n := range []string{"m1", "m2"} {
		r := a.Do(t, "POST", "/api/v1/rosters/"+v.rid+"/members", v.owner, map[string]any{"person_id": v.person[n], "duty": "抢险", "backup_person_id": v.person["owner2"]})
		mustStatus(t, r, http.StatusCreated)
		v.member[n] = r.JSON(t)["id"].(string)
	}
	return v
}

// link ties an account to a person record.
func (v *reviewEnv) link(t *testing.T, username, personID string) {
	t.Helper()
	var users struct {
		Items []struct{ ID, Username string }
	}
	v.a.Do(t, "GET", "/api/v1/users", v.admin, nil).Decode(t, &users)
	for _, u := range users.Items {
		if u.Username == username {
			mustStatus(t, v.a.Do(t, "PATCH", "/api/v1/users/"+u.ID, v.admin, map[string]any{"person_id": personID}), http.StatusOK)
		}
	}
}

// run runs the review job as if at t.
func (v *reviewEnv) run(t *testing.T, at time.Time) review.RunResult {
	t.Helper()
	res, err := review.New(v.a.App.DB, atClock{at}).Run(context.Background())
	if err != nil {
		t.Fatalf("review run: %v", err)
	}
	return res
}

func (v *reviewEnv) list(t *testing.T, token, query string) reviewList {
	t.Helper()
	r := v.a.Do(t, "GET", "/api/v1/reviews"+query, token, nil)
	mustStatus(t, r, http.StatusOK)
	var l reviewList
	r.Decode(t, &l)
	return l
}

func (v *reviewEnv) alerts(t *testing.T, token, kind string) string {
	t.Helper()
	r := v.a.Do(t, "GET", "/api/v1/alerts", token, nil)
	mustStatus(t, r, http.StatusOK)
	var l struct {
		Items []struct{ Kind, Message string }
	}
	r.Decode(t, &l)
	var out []string
	for _, al := range l.Items {
		if al.Kind == kind {
			out = append(out, al.Message)
		}
	}
	return strings.Join(out, "\n")
}

// workdaysAfter is today (Asia/Shanghai) plus n working days, from the API.
func (v *reviewEnv) workdaysAfter(t *testing.T, n int) string {
	t.Helper()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	r := v.a.Do(t, "GET", fmt.Sprintf("/api/v1/workdays/add?date=%s&days=%d", time.Now().In(sh).Format(time.DateOnly), n), v.viewer, nil)
	mustStatus(t, r, http.StatusOK)
	return r.JSON(t)["date"].(string)
}

func wantFields(t *testing.T, r apptest.Response, status int, fields ...string) {
	t.Helper()
	mustStatus(t, r, status)
	for _, f := range fields {
		if !bytes.Contains(r.Body, []byte(`"field":"`+f+`"`)) {
			t.Errorf("no error on %s: %s", f, r.Body)
		}
	}
}

// TestReviewRoutes: the review API — list (filters, cursor, who sees what), get and
// confirm with their validation errors and refusals — for roster and department tasks;
// a department's review frequency set by PATCH; on both engines.
func TestReviewRoutes(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			v := newReviewEnv(t, e)
			a := v.a
			// Department review frequency through PATCH (validated), head set.
			wantFields(t, a.Do(t, "PATCH", "/api/v1/departments/"+v.deptID, v.admin, map[string]any{"review_frequency": "weekly"}), 422, "review_frequency")
			r := a.Do(t, "PATCH", "/api/v1/departments/"+v.deptID, v.admin, map[string]any{"review_frequency": "quarterly", "head_person_id": v.person["head"]})
			mustStatus(t, r, http.StatusOK)
			if r.JSON(t)["review_frequency"] != "quarterly" {
				t.Fatalf("department: %s", r.Body)
			}
			if r := a.Do(t, "GET", "/api/v1/departments/"+v.deptID+"/history", v.admin, nil); !strings.Contains(string(r.Body), "review_frequency") {
				t.Errorf("history lacks the frequency change: %s", r.Body)
			}

			// The job at the start of Q4 opens a roster task and a department task, due five
			// working days later across National Day (8, 9, 10 make-up Saturday, 12, 13).
			sh, _ := time.LoadLocation("Asia/Shanghai")
			if res := v.run(t, time.Date(2026, 10, 1, 0, 30, 0, 0, sh)); res.Created != 2 {
				t.Fatalf("run: %+v", res)
			}
			if res := v.run(t, time.Date(2026, 10, 1, 1, 30, 0, 0, sh)); res.Created != 0 {
				t.Fatalf("second run: %+v", res)
			}
			all := v.list(t, v.admin, "")
			if len(all.Items) != 2 {
				t.Fatalf("admin sees %+v", all)
			}
			for _, tk := range all.Items {
				if tk.Period != "2026-Q4" || tk.DueDate != "2026-10-13" || tk.Status != "open" {
					t.Errorf("task %+v", tk)
				}
			}
			mine := v.list(t, v.owner, "")
			if len(mine.Items) != 1 || mine.Items[0].Kind != "roster" || mine.Items[0].RosterID != v.rid {
				t.Fatalf("owner sees %+v", mine)
			}
			rosterTask := mine.Items[0].ID
			heads := v.list(t, v.head, "")
			if len(heads.Items) != 1 || heads.Items[0].Kind != "department" || heads.Items[0].DepartmentID != v.deptID {
				t.Fatalf("head sees %+v", heads)
			}
			deptTask := heads.Items[0].ID
			if l := v.list(t, v.other, ""); len(l.Items) != 0 {
				t.Fatalf("another owner sees %+v", l)
			}
			if l := v.list(t, v.admin, "?kind=department"); len(l.Items) != 1 || l.Items[0].ID != deptTask {
				t.Fatalf("kind filter: %+v", l)
			}
			if l := v.list(t, v.admin, "?status=done"); len(l.Items) != 0 {
				t.Fatalf("status filter: %+v", l)
			}
			// Cursor: one a page.
			p1 := v.list(t, v.admin, "?limit=1")
			if len(p1.Items) != 1 || p1.NextCursor == "" {
				t.Fatalf("page 1: %+v", p1)
			}
			p2 := v.list(t, v.admin, "?limit=1&cursor="+url.QueryEscape(p1.NextCursor))
			if len(p2.Items) != 1 || p2.Items[0].ID == p1.Items[0].ID {
				t.Fatalf("page 2: %+v", p2)
			}
			if p3 := v.list(t, v.admin, "?limit=1&cursor="+url.QueryEscape(p2.NextCursor)); p2.NextCursor != "" && len(p3.Items) != 0 {
				t.Fatalf("page 3: %+v", p3)
			}
			wantFields(t, a.Do(t, "GET", "/api/v1/reviews?status=bogus", v.admin, nil), 422, "status")
			wantFields(t, a.Do(t, "GET", "/api/v1/reviews?kind=bogus", v.admin, nil), 422, "kind")
			wantFields(t, a.Do(t, "GET", "/api/v1/reviews?cursor=not-a-cursor", v.admin, nil), 422, "cursor")
			wantFields(t, a.Do(t, "GET", "/api/v1/reviews?limit=0", v.admin, nil), 422, "limit")
			mustStatus(t, a.Do(t, "GET", "/api/v1/reviews", v.employee, nil), http.StatusForbidden)

			// Get: owners (and admin, hr); others are refused.
			r = a.Do(t, "GET", "/api/v1/reviews/"+rosterTask, v.owner, nil)
			mustStatus(t, r, http.StatusOK)
			var task reviewTask
			r.Decode(t, &task)
			if len(task.Items) != 2 || task.Items[0].MemberID == "" {
				t.Fatalf("task items: %s", r.Body)
			}
			mustStatus(t, a.Do(t, "GET", "/api/v1/reviews/"+rosterTask, v.hr, nil), http.StatusOK)
			mustStatus(t, a.Do(t, "GET", "/api/v1/reviews/"+rosterTask, v.other, nil), http.StatusForbidden)
			mustStatus(t, a.Do(t, "GET", "/api/v1/reviews/"+rosterTask, v.viewer, nil), http.StatusForbidden)
			mustStatus(t, a.Do(t, "GET", "/api/v1/reviews/"+rosterTask, v.employee, nil), http.StatusNotFound)
			mustStatus(t, a.Do(t, "GET", "/api/v1/reviews/nope", v.admin, nil), http.StatusNotFound)
			mustStatus(t, a.Do(t, "GET", "/api/v1/reviews/"+deptTask, v.owner, nil), http.StatusForbidden)

			// Confirm: validation, refusals, then all at once.
			confirm := "/api/v1/reviews/" + rosterTask + "/confirm"
			wantFields(t, a.Do(t, "POST", confirm, v.owner, map[string]any{"decisions": []any{}}), 422, "decisions")
			wantFields(t, a.Do(t, "POST", confirm, v.owner, map[string]any{"decisions": []any{
				map[string]any{"member_id": v.member["m1"], "decision": "maybe"},
				map[string]any{"member_id": "nope", "decision": "valid"},
				map[string]any{"member_id": v.member["m2"], "decision": "valid", "note": strings.Repeat("长", 2001)},
				map[string]any{"member_id": v.member["m2"], "decision": "valid"},
			}}), 422, "decisions[0].decision", "decisions[1].member_id", "decisions[2].note", "decisions[3].member_id")
			wantFields(t, a.Do(t, "POST", confirm, v.owner, map[string]any{"decisions": "x"}), 422, "decisions")
			ok := map[string]any{"decisions": []any{
				map[string]any{"member_id": v.member["m1"], "decision": "valid"},
				map[string]any{"member_id": v.member["m2"], "decision": "removed", "note": "已调离"},
			}}
			mustStatus(t, a.Do(t, "POST", confirm, v.other, ok), http.StatusForbidden)
			mustStatus(t, a.Do(t, "POST", confirm, v.viewer, ok), http.StatusForbidden)
			mustStatus(t, a.Do(t, "POST", confirm, v.employee, ok), http.StatusNotFound)
			mustStatus(t, a.Do(t, "POST", "/api/v1/reviews/nope/confirm", v.owner, ok), http.StatusNotFound)
			r = a.Do(t, "POST", confirm, v.owner, ok)
			mustStatus(t, r, http.StatusOK)
			if r.Decode(t, &task); task.Status != "done" {
				t.Fatalf("after confirming all: %s", r.Body)
			}
			mustStatus(t, a.Do(t, "POST", confirm, v.owner, ok), http.StatusConflict)
			if r := a.Do(t, "GET", "/api/v1/rosters/"+v.rid, v.viewer, nil); strings.Contains(string(r.Body), v.member["m2"]) {
				t.Fatalf("removed member still listed: %s", r.Body)
			}

			// Department task: the head confirms each person (person_id); remove flags HR.
			r = a.Do(t, "GET", "/api/v1/reviews/"+deptTask, v.head, nil)
			mustStatus(t, r, http.StatusOK)
			r.Decode(t, &task)
			if len(task.Items) != 5 { // owner1, owner2, m1, m2, head: not x of 运维部
				t.Fatalf("department items: %s", r.Body)
			}
			dconfirm := "/api/v1/reviews/" + deptTask + "/confirm"
			wantFields(t, a.Do(t, "POST", dconfirm, v.head, map[string]any{"decisions": []any{
				map[string]any{"member_id": v.member["m1"], "decision": "valid"},
				map[string]any{"person_id": v.person["x"], "decision": "valid"},
			}}), 422, "decisions[0].person_id", "decisions[0].member_id", "decisions[1].person_id")
			mustStatus(t, a.Do(t, "POST", dconfirm, v.owner, map[string]any{"decisions": []any{map[string]any{"person_id": v.person["m1"], "decision": "valid"}}}), http.StatusForbidden)
			var ds []any
			for _, it := range task.Items {
				d := "valid"
				if it.PersonID == v.person["m2"] {
					d = "removed"
				}
				ds = append(ds, map[string]any{"person_id": it.PersonID, "decision": d})
			}
			r = a.Do(t, "POST", dconfirm, v.head, map[string]any{"decisions": ds})
			mustStatus(t, r, http.StatusOK)
			if r.Decode(t, &task); task.Status != "done" {
				t.Fatalf("department task: %s", r.Body)
			}
			if got := v.alerts(t, v.hr, "review_flagged"); !strings.Contains(got, "审核m2") {
				t.Fatalf("hr not told of the flagged person: %q", got)
			}
			if r := a.Do(t, "GET", "/api/v1/people/"+v.person["m2"], v.admin, nil); !strings.Contains(string(r.Body), `"status":"active"`) {
				t.Fatalf("a flagged person's record changed: %s", r.Body)
			}

			// GET /api/v1/rosters pages with a cursor.
			for _, n := range []string{"医疗救护组", "后勤保障组"} {
				mustStatus(t, a.Do(t, "POST", "/api/v1/rosters", v.admin, map[string]any{"name": n, "kind": "medical",
					"owner_ids": []string{v.person["owner1"], v.person["owner2"]}}), http.StatusCreated)
			}
			seen := map[string]bool{}
			cursor := ""
			for page := 0; ; page++ {
				r := a.Do(t, "GET", "/api/v1/rosters?limit=2&cursor="+url.QueryEscape(cursor), v.viewer, nil)
				mustStatus(t, r, http.StatusOK)
				var l struct {
					Items      []struct{ ID string }
					NextCursor string `json:"next_cursor"`
				}
				r.Decode(t, &l)
				if page > 3 || len(l.Items) > 2 {
					t.Fatalf("rosters page %d: %s", page, r.Body)
				}
				for _, it := range l.Items {
					if seen[it.ID] {
						t.Fatalf("roster %s twice", it.ID)
					}
					seen[it.ID] = true
				}
				if cursor = l.NextCursor; cursor == "" {
					break
				}
			}
			if len(seen) != 3 {
				t.Fatalf("paged through %d rosters, want 3", len(seen))
			}
			wantFields(t, a.Do(t, "GET", "/api/v1/rosters?cursor=nope", v.viewer, nil), 422, "cursor")
		})
	}
}
