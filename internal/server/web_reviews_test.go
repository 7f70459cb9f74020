package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lifeline/internal/review"
	"lifeline/internal/store/storetest"
)

// TestWebReviews drives the review pages through their forms: the list, the one-page
// review (a missing choice refused with 422 and the choices kept, then all at once), a
// department's review frequency, the quarterly report as a printable page with signature
// lines and as XLSX, and "on duty now" on the roster and printable pages — the next
// person covering once the one on duty has left the roster.
func TestWebReviews(t *testing.T) {
	v := newReviewEnv(t, storetest.Engines()[0])
	a := v.a
	const pw = "Web-Review-Passw0rd"
	a.AddUser(t, "w-owner", "roster_owner", pw, "")
	a.AddUser(t, "w-admin", "admin", pw, "")
	v.link(t, "w-owner", v.person["owner1"])
	login := func(user string) *webClient {
		t.Helper()
		return loginWeb(t, a.URL, user, pw)
	}
	check := func(what string, st, want int, body string, contains ...string) {
		t.Helper()
		if st != want {
			t.Log(a.Log.String()[max(0, a.Log.Len()-3000):])
			t.Fatalf("%s: status %d, want %d\n%.1500s", what, st, want, body)
		}
		for _, s := range contains {
			if !strings.Contains(body, s) {
				t.Errorf("%s: body lacks %q", what, s)
			}
		}
	}
	admin, owner := login("w-admin"), login("w-owner")

	// The department's review frequency from the reviews page.
	st, _, body := admin.do("GET", "/reviews", nil)
	check("reviews (admin)", st, 200, body, "部门审核频率", `action="/reviews/departments/`+v.deptID+`/frequency"`, `href="/reviews" aria-current="page"`)
	st, _, body = admin.do("POST", "/reviews/departments/"+v.deptID+"/frequency", url.Values{"review_frequency": {"weekly"}})
	check("bad frequency", st, 422, body)
	st, _, body = admin.do("POST", "/reviews/departments/"+v.deptID+"/frequency", url.Values{"review_frequency": {"quarterly"}})
	check("set frequency", st, 303, body)
	if r := a.Do(t, "GET", "/api/v1/departments/"+v.deptID, v.admin, nil); r.JSON(t)["review_frequency"] != "quarterly" {
		t.Fatalf("frequency not saved: %s", r.Body)
	}
	st, _, _ = owner.do("POST", "/reviews/departments/"+v.deptID+"/frequency", url.Values{"review_frequency": {"monthly"}})
	if st != http.StatusForbidden && st != http.StatusNotFound {
		t.Errorf("an owner set a department's frequency: %d", st)
	}

	// The roster's task, reviewed on one page.
	v.run(t, time.Now())
	st, _, body = owner.do("GET", "/reviews", nil)
	check("reviews (owner)", st, 200, body, "抢险救援组", "名单审核", "待审核")
	m := regexp.MustCompile(`href="/reviews/([0-9a-z]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no review link:\n%.2000s", body)
	}
	page := "/reviews/" + m[1]
	st, _, body = owner.do("GET", page, nil)
	check("review page", st, 200, body, "审核m1", "审核m2", `name="d_`+v.member["m1"]+`"`, `value="removed"`, "仍有效", "已变更", "移出", `id="review-submit"`)
	st, _, body = owner.do("POST", page, url.Values{"d_" + v.member["m1"]: {"valid"}, "n_" + v.member["m1"]: {"核对无误"}})
	check("missing choice", st, 422, body, "请为每一位选择一项", "核对无误", `class="row-alert"`)
	st, _, body = owner.do("POST", page, url.Values{"d_" + v.member["m1"]: {"valid"}, "d_" + v.member["m2"]: {"bogus"}})
	check("bad choice", st, 422, body)
	st, _, body = owner.do("POST", page, url.Values{"d_" + v.member["m1"]: {"valid"}, "d_" + v.member["m2"]: {"changed"}})
	check("submit", st, 303, body)
	st, _, body = owner.do("GET", page, nil)
	check("done", st, 200, body, "本次审核已完成", "w-owner")
	if strings.Contains(body, `id="review-submit"`) {
		t.Error("a done review still offers the submit button")
	}
	st, _, _ = login("w-admin").do("GET", "/reviews/nope", nil)
	if st != http.StatusNotFound {
		t.Errorf("unknown review = %d", st)
	}

	// The department's task, and the report of this quarter.
	var dept *reviewTask
	for _, tk := range v.list(t, v.admin, "?kind=department").Items {
		dept = &tk
	}
	if dept == nil {
		t.Fatal("no department task")
	}
	st, _, body = admin.do("GET", "/reviews/"+dept.ID, nil)
	check("department review page", st, 200, body, "转人事", "审核head")
	form := url.Values{}
	for _, id := range regexp.MustCompile(`name="d_([0-9a-z]+)" value="valid"`).FindAllStringSubmatch(body, -1) {
		form.Set("d_"+id[1], "valid")
	}
	form.Set("d_"+v.person["m2"], "removed")
	st, _, body = admin.do("POST", "/reviews/"+dept.ID, form)
	check("department submit", st, 303, body)
	q := review.CurrentQuarter(time.Now())
	st, _, body = admin.do("GET", "/reviews/report?quarter="+q, nil)
	check("report", st, 200, body, "联络信息审核报告", "生产部", "部门负责人", "编制人", "paper-sign", "w-admin（5）", "w-owner（2）", `href="/reviews/report.xlsx?quarter=`+q+`"`)
	st, _, body = admin.do("GET", "/reviews/report?quarter=2026Q5", nil)
	check("bad quarter", st, 422, body)
	st, h, body := admin.do("GET", "/reviews/report.xlsx?quarter="+q, nil)
	check("xlsx", st, 200, "")
	if !strings.Contains(h.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("xlsx content type %q", h.Get("Content-Type"))
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("审核报告")
	if err != nil {
		t.Fatal(err)
	}
	var prod []string
	for _, r := range rows {
		if len(r) > 0 && r[0] == "集团/生产部" {
			prod = r
		}
	}
	// 生产部: 5 people; reviewed owner1? no — m1, m2 by the owner and all 5 by the head.
	if len(prod) < 10 || prod[1] != "5" || prod[2] != "5" || prod[3] != "5" || prod[4] != "1" || prod[5] != "1" {
		t.Fatalf("xlsx row of 生产部: %q (all rows %q)", prod, rows)
	}
	if !strings.Contains(fmt.Sprint(rows), "部门负责人") {
		t.Error("xlsx lacks the signature lines")
	}
	if st, _, _ := login("w-owner").do("GET", "/reviews/report", nil); st != http.StatusOK {
		t.Errorf("owner report = %d", st)
	}

	// On duty now: a daily rotation of m1 and x; whoever is on duty leaves the roster and
	// the other covers.
	r := a.Do(t, "POST", "/api/v1/rosters/"+v.rid+"/members", v.owner, map[string]any{"person_id": v.person["x"], "duty": "值班"})
	mustStatus(t, r, http.StatusCreated)
	xMember := r.JSON(t)["id"].(string)
	mustStatus(t, a.Do(t, "POST", "/api/v1/rosters/"+v.rid+"/rotations", v.owner, map[string]any{"name": "日值班", "period": "daily", "handoff": "00:00",
		"start_date": "2025-01-01", "person_ids": []string{v.person["m1"], v.person["x"]}}), http.StatusCreated)
	var duty struct {
		Items []struct {
			PersonID string `json:"person_id"`
			Name     string
		}
	}
	a.Do(t, "GET", "/api/v1/rosters/"+v.rid+"/on-duty", v.viewer, nil).Decode(t, &duty)
	if len(duty.Items) != 1 || duty.Items[0].PersonID == "" {
		t.Fatalf("on duty: %+v", duty)
	}
	now := duty.Items[0]
	st, _, body = owner.do("GET", "/rosters/"+v.rid, nil)
	check("roster on duty", st, 200, body, `id="on-duty"`, "当前值班", "日值班", now.Name)
	st, _, body = owner.do("GET", "/rosters/"+v.rid+"/print", nil)
	check("print on duty", st, 200, body, `id="print-on-duty"`, now.Name)
	leaving, next := xMember, "审核m1"
	if now.PersonID == v.person["m1"] {
		leaving, next = v.member["m1"], "审核x"
	}
	mustStatus(t, a.Do(t, "DELETE", "/api/v1/rosters/"+v.rid+"/members/"+leaving, v.owner, nil), http.StatusNoContent)
	a.Do(t, "GET", "/api/v1/rosters/"+v.rid+"/on-duty", v.viewer, nil).Decode(t, &duty)
	if len(duty.Items) != 1 || duty.Items[0].Name != next {
		t.Fatalf("on duty after %s left: %+v, want %s", now.Name, duty, next)
	}
	st, _, body = owner.do("GET", "/rosters/"+v.rid, nil)
	check("roster on duty after", st, 200, body, next)
}
