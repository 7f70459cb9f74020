package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"lifeline/internal/apptest"
	"lifeline/internal/store/storetest"
)

// person is the subset of the person shape the tests read.
type person struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Title    string `json:"title"`
	Masked   bool   `json:"masked"`
	Channels []struct {
		Kind, Value, E164, Type, Carrier, Region, Extension string
	} `json:"channels"`
	EmergencyContacts []struct {
		Name, Relation, Phone, E164 string
		Priority                    int
	} `json:"emergency_contacts"`
}

func (p person) channel(t *testing.T, kind string) (c struct{ Kind, Value, E164, Type, Carrier, Region, Extension string }) {
	t.Helper()
	for _, ch := range p.Channels {
		if ch.Kind == kind {
			return ch
		}
	}
	t.Fatalf("no %s channel in %+v", kind, p.Channels)
	return
}

func mustStatus(t *testing.T, r apptest.Response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
}

func createDept(t *testing.T, a *apptest.App, token, name, parent string) string {
	t.Helper()
	body := map[string]any{"name": name}
	if parent != "" {
		body["parent_id"] = parent
	}
	r := a.Do(t, "POST", "/api/v1/departments", token, body)
	mustStatus(t, r, http.StatusCreated)
	return r.JSON(t)["id"].(string)
}

// TestDirectoryScenario is the foundation's black-box scenario, on every engine: a tree,
// messy phone input, masked reads, a reveal with normalized values, an update, history,
// scope isolation, validation and body limits.
func TestDirectoryScenario(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			admin := a.User(t, "root", "admin", "")

			group := createDept(t, a, admin, "海港集团", "")
			prod := createDept(t, a, admin, "生产部", group)
			shop := createDept(t, a, admin, "一车间", prod)
			safety := createDept(t, a, admin, "安全部", group)

			r := a.Do(t, "POST", "/api/v1/people", admin, map[string]any{
				"employee_no": "E001", "name": "张伟", "department_id": shop, "title": "班组长",
				"channels": []map[string]any{
					{"kind": "mobile", "value": "+86 138-0013-8000"},
					{"kind": "mobile", "value": "１３９ ０１３９ ０００１"},
					{"kind": "landline", "value": "(010)6552 9988转123"},
					{"kind": "email", "value": "Zhang.Wei@Example.CN"},
				},
				"emergency_contacts": []map[string]any{{"name": "李娜", "relation": "配偶", "phone": "0086 186 2100 3344", "priority": 1}},
			})
			mustStatus(t, r, http.StatusCreated)
			id := r.JSON(t)["id"].(string)

			// Read back: masked for an admin who is not the person.
			r = a.Do(t, "GET", "/api/v1/people/"+id, admin, nil)
			mustStatus(t, r, http.StatusOK)
			for _, secret := range []string{"13800138000", "13901390001", "65529988", "zhang.wei", "18621003344", "李娜"} {
				if bytes.Contains(r.Body, []byte(secret)) {
					t.Fatalf("masked read shows %s: %s", secret, r.Body)
				}
			}
			var masked person
			r.Decode(t, &masked)
			if !masked.Masked || masked.channel(t, "mobile").Value != "138****8000" {
				t.Fatalf("masked mobile = %+v", masked.Channels)
			}

			// Reveal with a reason: full, normalized values.
			r = a.Do(t, "POST", "/api/v1/people/"+id+"/reveal", admin, map[string]any{"reason": "核对联系方式"})
			mustStatus(t, r, http.StatusOK)
			var full person
			r.Decode(t, &full)
			mob := full.Channels[0]
			if mob.E164 != "+8613800138000" || mob.Type != "mobile" || mob.Carrier != "中国移动" || mob.Region != "北京市" {
				t.Fatalf("mobile = %+v", mob)
			}
			if fw := full.Channels[1]; fw.E164 != "+8613901390001" {
				t.Fatalf("full-width mobile = %+v", fw)
			}
			land := full.channel(t, "landline")
			if land.E164 != "+861065529988" || land.Extension != "123" || land.Type != "landline" || land.Region != "北京市" {
				t.Fatalf("landline = %+v", land)
			}
			if em := full.channel(t, "email"); em.Value != "zhang.wei@example.cn" {
				t.Fatalf("email = %+v", em)
			}
			if ec := full.EmergencyContacts; len(ec) != 1 || ec[0].Name != "李娜" || ec[0].E164 != "+8618621003344" || ec[0].Relation != "配偶" {
				t.Fatalf("emergency contacts = %+v", ec)
			}

			// Update, then two history entries with masked values.
			r = a.Do(t, "PATCH", "/api/v1/people/"+id, admin, map[string]any{"title": "车间主任",
				"channels": []map[string]any{{"kind": "mobile", "value": "13800138000"}, {"kind": "mobile", "value": "13700137000"}}})
			mustStatus(t, r, http.StatusOK)
			var updated person
			r.Decode(t, &updated)
			if updated.Title != "车间主任" || len(updated.Channels) != 2 {
				t.Fatalf("updated = %+v", updated)
			}
			r = a.Do(t, "GET", "/api/v1/people/"+id+"/history", admin, nil)
			mustStatus(t, r, http.StatusOK)
			var hist struct {
				Items []struct {
					Action  string
					Actor   string
					Changes []struct{ Field, Before, After string }
				}
			}
			r.Decode(t, &hist)
			if len(hist.Items) != 2 || hist.Items[0].Action != "update" || hist.Items[1].Action != "create" || hist.Items[0].Actor != "root" {
				t.Fatalf("history = %s", r.Body)
			}
			if bytes.Contains(r.Body, []byte("13700137000")) || bytes.Contains(r.Body, []byte("65529988")) || !bytes.Contains(r.Body, []byte("137****7000")) {
				t.Fatalf("history must hold masked values only: %s", r.Body)
			}

			// Search by number in another format, by pinyin and by initials.
			for _, q := range []string{"138 0013 8000", "+8613800138000", "zhangwei", "zw", "张", "e001"} {
				r = a.Do(t, "GET", "/api/v1/people?q="+urlQuery(q), admin, nil)
				mustStatus(t, r, http.StatusOK)
				if !bytes.Contains(r.Body, []byte(id)) {
					t.Fatalf("search %q did not find the person: %s", q, r.Body)
				}
			}

			// A person in another department, and a viewer scoped to 生产部.
			r = a.Do(t, "POST", "/api/v1/people", admin, map[string]any{"employee_no": "E002", "name": "王芳", "department_id": safety,
				"channels": []map[string]any{{"kind": "mobile", "value": "13912345670"}}})
			mustStatus(t, r, http.StatusCreated)
			other := r.JSON(t)["id"].(string)
			viewer := a.User(t, "viewer1", "viewer", "海港集团/生产部")

			mustStatus(t, a.Do(t, "GET", "/api/v1/people/"+other, viewer, nil), http.StatusNotFound)
			mustStatus(t, a.Do(t, "GET", "/api/v1/people/"+other+"/history", viewer, nil), http.StatusNotFound)
			mustStatus(t, a.Do(t, "POST", "/api/v1/people/"+other+"/reveal", viewer, map[string]any{"reason": "x"}), http.StatusNotFound)
			mustStatus(t, a.Do(t, "GET", "/api/v1/departments/"+safety, viewer, nil), http.StatusNotFound)
			r = a.Do(t, "GET", "/api/v1/people", viewer, nil)
			mustStatus(t, r, http.StatusOK)
			if !bytes.Contains(r.Body, []byte(id)) || bytes.Contains(r.Body, []byte(other)) {
				t.Fatalf("viewer's list must hold only their subtree: %s", r.Body)
			}
			r = a.Do(t, "GET", "/api/v1/departments", viewer, nil)
			if bytes.Contains(r.Body, []byte("安全部")) || !bytes.Contains(r.Body, []byte("一车间")) {
				t.Fatalf("viewer's departments: %s", r.Body)
			}
			r = a.Do(t, "GET", "/api/v1/people/"+id, viewer, nil)
			mustStatus(t, r, http.StatusOK)
			if bytes.Contains(r.Body, []byte("13800138000")) {
				t.Fatalf("viewer sees a full number: %s", r.Body)
			}
			mustStatus(t, a.Do(t, "POST", "/api/v1/people/"+id+"/reveal", viewer, map[string]any{"reason": "curious"}), http.StatusForbidden)
			mustStatus(t, a.Do(t, "PATCH", "/api/v1/people/"+id, viewer, map[string]any{"title": "x"}), http.StatusForbidden)

			// The person sees who revealed their data.
			r = a.Do(t, "GET", "/api/v1/people/"+id+"/access-log", admin, nil)
			mustStatus(t, r, http.StatusOK)
			if !bytes.Contains(r.Body, []byte("核对联系方式")) || !bytes.Contains(r.Body, []byte(`"outcome":"denied"`)) {
				t.Fatalf("access log lacks the reveal and the denied attempt: %s", r.Body)
			}

			// Validation: 422 problem+json naming the field.
			r = a.Do(t, "POST", "/api/v1/people", admin, map[string]any{"employee_no": "E003", "department_id": shop})
			mustStatus(t, r, http.StatusUnprocessableEntity)
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			if !bytes.Contains(r.Body, []byte(`"field":"name"`)) {
				t.Fatalf("problem does not name the field: %s", r.Body)
			}

			// A 20 MiB body is refused with 413 and nothing is written.
			big := append([]byte(`{"employee_no":"E004","department_id":"`+shop+`","name":"`), bytes.Repeat([]byte("a"), 20<<20)...)
			big = append(big, []byte(`"}`)...)
			r = a.Do(t, "POST", "/api/v1/people", admin, big)
			mustStatus(t, r, http.StatusRequestEntityTooLarge)
			mustStatus(t, a.Do(t, "GET", "/api/v1/people?q=E004", admin, nil), http.StatusOK)
			if r := a.Do(t, "GET", "/api/v1/people?q=E004", admin, nil); bytes.Contains(r.Body, []byte("E004")) {
				t.Fatalf("a refused request wrote a person")
			}

			// No personal value reached the logs.
			logs := a.Log.String()
			for _, secret := range []string{"13800138000", "65529988", "zhang.wei", "18621003344", "李娜"} {
				if strings.Contains(logs, secret) {
					t.Fatalf("log contains %q", secret)
				}
			}
		})
	}
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "%20", "+", "%2B").Replace(s)
}

// TestValidationAndRefusals covers inputs that must be refused without writing anything.
func TestValidationAndRefusals(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	admin := a.User(t, "root", "admin", "")
	dept := createDept(t, a, admin, "总部", "")
	cases := []struct {
		name  string
		body  string
		field string
		code  int
	}{
		{"resident id as phone", `{"employee_no":"X1","name":"甲","department_id":"` + dept + `","channels":[{"kind":"mobile","value":"11010519491231002X"}]}`, "channels[0].value", 422},
		{"resident id as name", `{"employee_no":"X1","name":"11010519491231002X","department_id":"` + dept + `"}`, "name", 422},
		{"invalid number", `{"employee_no":"X1","name":"甲","department_id":"` + dept + `","channels":[{"kind":"mobile","value":"12345"}]}`, "channels[0].value", 422},
		{"service number as contact", `{"employee_no":"X1","name":"甲","department_id":"` + dept + `","emergency_contacts":[{"name":"乙","relation":"朋友","phone":"95588"}]}`, "emergency_contacts[0].phone", 422},
		{"unknown kind", `{"employee_no":"X1","name":"甲","department_id":"` + dept + `","channels":[{"kind":"fax","value":"1"}]}`, "channels[0].kind", 422},
		{"unknown status", `{"employee_no":"X1","name":"甲","department_id":"` + dept + `","status":"retired"}`, "status", 422},
		{"unknown field", `{"employee_no":"X1","name":"甲","department_id":"` + dept + `","salary":1}`, "salary", 422},
		{"wrong type", `{"employee_no":1,"name":"甲","department_id":"` + dept + `"}`, "employee_no", 422},
		{"no such department", `{"employee_no":"X1","name":"甲","department_id":"nope"}`, "department_id", 422},
		{"malformed json", `{"employee_no":`, "", 400},
	}
	for _, c := range cases {
		r := a.Do(t, "POST", "/api/v1/people", admin, []byte(c.body))
		if r.Status != c.code {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.Status, c.code, r.Body)
			continue
		}
		if c.field != "" && !bytes.Contains(r.Body, []byte(fmt.Sprintf(`"field":%q`, c.field))) {
			t.Errorf("%s: problem does not name %s: %s", c.name, c.field, r.Body)
		}
		if bytes.Contains(r.Body, []byte("11010519491231002X")) {
			t.Errorf("%s: the answer echoes the resident ID", c.name)
		}
	}
	if strings.Contains(a.Log.String(), "11010519491231002X") {
		t.Fatal("a resident ID number reached the log")
	}
	r := a.Do(t, "GET", "/api/v1/people", admin, nil)
	if bytes.Contains(r.Body, []byte("X1")) {
		t.Fatalf("a refused request wrote a person: %s", r.Body)
	}
	// Duplicate employee number: 409 naming the field.
	body := map[string]any{"employee_no": "D1", "name": "丙", "department_id": dept}
	mustStatus(t, a.Do(t, "POST", "/api/v1/people", admin, body), http.StatusCreated)
	r = a.Do(t, "POST", "/api/v1/people", admin, body)
	mustStatus(t, r, http.StatusConflict)
	// Unauthenticated: 401 with a challenge.
	r = a.Do(t, "GET", "/api/v1/people", "", nil)
	mustStatus(t, r, http.StatusUnauthorized)
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	mustStatus(t, a.Do(t, "GET", "/api/v1/people", "ll_forged", nil), http.StatusUnauthorized)
	mustStatus(t, a.Do(t, "GET", "/api/v1/nothing-here", admin, nil), http.StatusNotFound)
}
