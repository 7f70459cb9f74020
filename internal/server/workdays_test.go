package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"lifeline/internal/apptest"
	"lifeline/internal/store/storetest"
)

// TestWorkdaysAPI checks the fixed contract GET /api/v1/workdays/add (SPEC §9) across the
// 2026 Spring Festival and National Day, its validation, the year listing, and the
// administrator's overrides (audited, admin only), on every engine.
func TestWorkdaysAPI(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			viewer := a.User(t, "u", "viewer", "")
			admin := a.User(t, "root", "admin", "")
			officer := a.User(t, "sec", "security_officer", "")

			add := func(date, days string) string {
				t.Helper()
				r := a.Do(t, "GET", "/api/v1/workdays/add?date="+date+"&days="+days, viewer, nil)
				if r.Status != 200 {
					t.Fatalf("add %s %s: %d %s", date, days, r.Status, r.Body)
				}
				var out map[string]string
				r.Decode(t, &out)
				if len(out) != 1 {
					t.Errorf("add: answer %s, want only date", r.Body)
				}
				return out["date"]
			}
			for _, tc := range []struct{ date, days, want string }{
				{"2026-02-13", "1", "2026-02-14"},  // Fri → make-up Sat 14 Feb
				{"2026-02-14", "1", "2026-02-24"},  // over the 9-day Spring Festival
				{"2026-02-27", "1", "2026-02-28"},  // Fri → make-up Sat 28 Feb
				{"2026-09-19", "1", "2026-09-20"},  // Sat → make-up Sun 20 Sep
				{"2026-09-30", "1", "2026-10-08"},  // over National Day → Thu 8 Oct
				{"2026-10-09", "1", "2026-10-10"},  // Fri → make-up Sat 10 Oct
				{"2026-10-01", "0", "2026-10-08"},  // 0 on a holiday: the next working day
				{"2026-02-24", "-1", "2026-02-14"}, // backwards to the make-up Saturday
			} {
				if got := add(tc.date, tc.days); got != tc.want {
					t.Errorf("add(%s, %s) = %s, want %s", tc.date, tc.days, got, tc.want)
				}
			}

			// Bad input: 422 problem+json naming the field.
			for _, tc := range []struct{ query, field string }{
				{"date=2026-02-30&days=1", "date"},
				{"date=20260213&days=1", "date"},
				{"days=1", "date"},
				{"date=2026-02-13", "days"},
				{"date=2026-02-13&days=x", "days"},
				{"date=2026-02-13&days=3661", "days"},
				{"date=2026-02-13&days=-3661", "days"},
				{"date=2201-01-01&days=1", "date"},
			} {
				r := a.Do(t, "GET", "/api/v1/workdays/add?"+tc.query, viewer, nil)
				if r.Status != 422 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") || !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
					t.Errorf("%s: %d %s %s, want 422 naming %s", tc.query, r.Status, r.Header.Get("Content-Type"), r.Body, tc.field)
				}
			}
			if r := a.Do(t, "GET", "/api/v1/workdays/add?date=2026-02-13&days=1", "", nil); r.Status != 401 {
				t.Errorf("anonymous: %d, want 401", r.Status)
			}

			// The year listing.
			var y struct {
				Year  int  `json:"year"`
				Known bool `json:"known"`
				Items []struct {
					Date, Kind, Name, Source string
				} `json:"items"`
			}
			r := a.Do(t, "GET", "/api/v1/workdays?year=2026", viewer, nil)
			r.Decode(t, &y)
			if r.Status != 200 || !y.Known || len(y.Items) != 6+33 { // 6 make-up days; 3+9+3+5+3+3+7 = 33 days off
				t.Errorf("year 2026: %d known=%v items=%d", r.Status, y.Known, len(y.Items))
			}
			r = a.Do(t, "GET", "/api/v1/workdays?year=2027", viewer, nil)
			r.Decode(t, &y)
			if r.Status != 200 || y.Known || len(y.Items) != 0 {
				t.Errorf("year 2027: %d %s", r.Status, r.Body)
			}
			if r := a.Do(t, "GET", "/api/v1/workdays?year=abc", viewer, nil); r.Status != 422 {
				t.Errorf("year=abc: %d", r.Status)
			}

			// Overrides: admin only; they win and make the year known.
			body := map[string]any{"kind": "holiday", "name": "元旦"}
			if r := a.Do(t, "PUT", "/api/v1/workdays/overrides/2027-01-01", viewer, body); r.Status != 403 {
				t.Errorf("viewer PUT: %d, want 403", r.Status)
			}
			if r := a.Do(t, "PUT", "/api/v1/workdays/overrides/2027-01-01", admin, map[string]any{"kind": "vacation"}); r.Status != 422 || !strings.Contains(string(r.Body), `"field":"kind"`) {
				t.Errorf("bad kind: %d %s", r.Status, r.Body)
			}
			if r := a.Do(t, "PUT", "/api/v1/workdays/overrides/2027-13-01", admin, body); r.Status != 422 {
				t.Errorf("bad date: %d %s", r.Status, r.Body)
			}
			r = a.Do(t, "PUT", "/api/v1/workdays/overrides/2027-01-01", admin, body)
			if r.Status != 200 || r.JSON(t)["created_by"] != "root" || r.JSON(t)["date"] != "2027-01-01" {
				t.Fatalf("PUT: %d %s", r.Status, r.Body)
			}
			if got := add("2026-12-31", "1"); got != "2027-01-04" { // Fri 1 Jan 2027 now off
				t.Errorf("after override: %s, want 2027-01-04", got)
			}
			r = a.Do(t, "GET", "/api/v1/workdays?year=2027", viewer, nil)
			r.Decode(t, &y)
			if !y.Known || len(y.Items) != 1 || y.Items[0].Source != "override" || y.Items[0].Name != "元旦" {
				t.Errorf("year 2027 after override: %s", r.Body)
			}
			r = a.Do(t, "GET", "/api/v1/audit?action=workday.override.set", officer, nil)
			var audit struct {
				Items []map[string]any `json:"items"`
			}
			if err := json.Unmarshal(r.Body, &audit); err != nil || r.Status != 200 || len(audit.Items) != 1 || audit.Items[0]["object_id"] != "2027-01-01" {
				t.Errorf("audit: %d %s", r.Status, r.Body)
			}

			if r := a.Do(t, "DELETE", "/api/v1/workdays/overrides/2027-01-01", viewer, nil); r.Status != 403 {
				t.Errorf("viewer DELETE: %d, want 403", r.Status)
			}
			if r := a.Do(t, "DELETE", "/api/v1/workdays/overrides/2027-01-01", admin, nil); r.Status != 204 {
				t.Errorf("DELETE: %d %s", r.Status, r.Body)
			}
			if r := a.Do(t, "DELETE", "/api/v1/workdays/overrides/2027-01-01", admin, nil); r.Status != 404 {
				t.Errorf("second DELETE: %d, want 404", r.Status)
			}
			if got := add("2026-12-31", "1"); got != "2027-01-01" {
				t.Errorf("after delete: %s, want 2027-01-01", got)
			}
		})
	}
}
