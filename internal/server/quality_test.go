package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"lifeline/internal/apptest"
)

// TestQualityAPI: findings over the API (JSON and CSV), the CLI, the dashboard, scores
// with their factors, and scope.
func TestQualityAPI(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	admin := a.User(t, "root", "admin", "")
	g := createDept(t, a, admin, "集团", "")
	d1 := createDept(t, a, admin, "一部", g)
	d2 := createDept(t, a, admin, "二部", g)
	mk := func(eno, dept, mobile string, ecs []map[string]any) {
		body := map[string]any{"employee_no": eno, "name": "员工" + eno, "department_id": dept,
			"channels": []map[string]any{{"kind": "mobile", "value": mobile}}, "emergency_contacts": ecs}
		mustStatus(t, a.Do(t, "POST", "/api/v1/people", admin, body), http.StatusCreated)
	}
	mk("Q1", d1, "13811112222", []map[string]any{{"name": "甲", "relation": "配偶", "phone": "13811112222"}})   // same as self
	mk("Q2", d1, "13811113333", nil)                                                                         // no emergency contact
	mk("Q3", d2, "13811114444", []map[string]any{{"name": "乙", "relation": "父亲", "phone": "0518-85801234"}}) // landline
	r := a.Do(t, "POST", "/api/v1/quality/recheck", admin, nil)
	mustStatus(t, r, http.StatusOK)

	r = a.Do(t, "GET", "/api/v1/quality/findings?severity=high", admin, nil)
	mustStatus(t, r, http.StatusOK)
	for _, want := range []string{`"employee_no":"Q1","name":"员工Q1","subject":"ec1","code":"same_as_self"`, `"employee_no":"Q2","name":"员工Q2","subject":"self","code":"missing_emergency_contact"`} {
		if !bytes.Contains(r.Body, []byte(want)) {
			t.Fatalf("findings lack %s: %s", want, r.Body)
		}
	}
	req, _ := http.NewRequest("GET", a.URL+"/api/v1/quality/findings?code=not_mobile", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Accept", "text/csv")
	r = a.Send(t, req)
	mustStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(string(r.Body), "employee_no,subject,code,severity,detail\nQ3,ec1,not_mobile,medium,") {
		t.Fatalf("CSV = %q", r.Body)
	}
	mustStatus(t, a.Do(t, "GET", "/api/v1/quality/findings?code=bogus", admin, nil), http.StatusUnprocessableEntity)

	out := a.Run(t, "", "quality", "findings", "--format", "csv")
	if !strings.Contains(out, "Q2,self,missing_emergency_contact,high,") {
		t.Fatalf("CLI findings: %s", out)
	}
	if out := a.Run(t, "", "quality", "findings", "--format", "json"); !strings.Contains(out, `"code":"same_as_self"`) {
		t.Fatalf("CLI JSON findings: %s", out)
	}

	// A viewer of 二部 sees only 二部's findings.
	viewer := a.User(t, "v2", "viewer", "集团/二部")
	r = a.Do(t, "GET", "/api/v1/quality/findings", viewer, nil)
	if bytes.Contains(r.Body, []byte(`"Q1"`)) || !bytes.Contains(r.Body, []byte(`"Q3"`)) {
		t.Fatalf("viewer's findings: %s", r.Body)
	}
	r = a.Do(t, "GET", "/api/v1/quality/summary", admin, nil)
	mustStatus(t, r, http.StatusOK)
	if !bytes.Contains(r.Body, []byte(`"same_as_self":1`)) || !bytes.Contains(r.Body, []byte(`"department":"集团/一部"`)) {
		t.Fatalf("summary: %s", r.Body)
	}
	// A contact whose score falls below the threshold alerts HR in scope.
	hrTok := a.User(t, "hr1", "hr", "")
	mk("Q4", d1, "13811115555", []map[string]any{{"name": "丁", "relation": "母亲", "phone": "13911116666"}})
	mustStatus(t, a.Do(t, "POST", "/api/v1/quality/recheck", admin, nil), http.StatusOK)
	r = a.Do(t, "GET", "/api/v1/people?q=Q4", admin, nil)
	q4 := r.JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	mustStatus(t, a.Do(t, "PATCH", "/api/v1/people/"+q4, admin, map[string]any{
		"emergency_contacts": []map[string]any{{"name": "丁", "relation": "母亲", "phone": "0518-85801111"}}}), http.StatusOK)
	r = a.Do(t, "POST", "/api/v1/quality/recheck", admin, nil)
	if !bytes.Contains(r.Body, []byte(`"alerts":1`)) {
		t.Fatalf("recheck after the score fell: %s", r.Body)
	}
	r = a.Do(t, "GET", "/api/v1/alerts?unread=true", hrTok, nil)
	mustStatus(t, r, http.StatusOK)
	if !bytes.Contains(r.Body, []byte("Q4")) || !bytes.Contains(r.Body, []byte(`"kind":"score_below_threshold"`)) {
		t.Fatalf("HR's alerts: %s", r.Body)
	}
	alertID := r.JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	mustStatus(t, a.Do(t, "POST", "/api/v1/alerts/"+alertID+"/read", hrTok, nil), http.StatusNoContent)
	mustStatus(t, a.Do(t, "POST", "/api/v1/alerts/"+alertID+"/read", admin, nil), http.StatusNotFound)
	if r := a.Do(t, "GET", "/api/v1/alerts?unread=true", hrTok, nil); bytes.Contains(r.Body, []byte(alertID)) {
		t.Fatal("a read alert is listed as unread")
	}

	// Scores with factors; a same-as-self contact scores below the threshold.
	r = a.Do(t, "GET", "/api/v1/people?q=Q1", admin, nil)
	id := r.JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	r = a.Do(t, "GET", "/api/v1/people/"+id+"/scores", admin, nil)
	mustStatus(t, r, http.StatusOK)
	var scores struct {
		Items []struct {
			Subject string
			Score   float64
			Factors []struct{ Factor string }
		}
	}
	r.Decode(t, &scores)
	var ec1 float64 = -1
	for _, s := range scores.Items {
		if s.Subject == "ec1" {
			ec1 = s.Score
		}
	}
	if len(scores.Items) != 2 || ec1 < 0 || ec1 >= 6 || len(scores.Items[0].Factors) < 4 {
		t.Fatalf("scores: %s", r.Body)
	}
}
