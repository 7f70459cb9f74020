package server_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifeline/internal/apptest"
	"lifeline/internal/roster"
	"lifeline/internal/store/storetest"
)

// TestRotations: rotations, overrides, who is on duty, the ICS feed (parsed by a strict
// RFC 5545 reader), link revocation and permissions, on both engines.
func TestRotations(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			admin := a.User(t, "root", "admin", "")
			hr := a.User(t, "hrsys", "hr", "")
			viewer := a.User(t, "v", "viewer", "")
			employee := a.User(t, "emp", "employee", "")
			other := a.User(t, "o9", "roster_owner", "")
			person := map[string]string{}
			var mobiles []string
			for i, n := range []string{"owner1", "owner2", "A", "B", "C", "D", "X"} {
				mobile := fmt.Sprintf("1387654%04d", 3210+i)
				mobiles = append(mobiles, mobile)
				r := a.Do(t, "POST", "/api/v1/hr/events", hr, map[string]any{"id": "on-" + n, "type": "onboard", "employee_no": "T" + fmt.Sprint(i),
					"name": "值班员" + n, "department": "集团/运维部", "mobile": mobile})
				mustStatus(t, r, http.StatusOK)
				person[n] = r.JSON(t)["person_id"].(string)
			}
			r := a.Do(t, "POST", "/api/v1/rosters", admin, map[string]any{"name": "运维值班", "kind": "rescue", "owner_ids": []string{person["owner1"], person["owner2"]}})
			mustStatus(t, r, http.StatusCreated)
			rid := r.JSON(t)["id"].(string)
			path := "/api/v1/rosters/" + rid
			for _, n := range []string{"A", "B", "C", "D"} {
				mustStatus(t, a.Do(t, "POST", path+"/members", admin, map[string]any{"person_id": person[n], "duty": "值班"}), http.StatusCreated)
			}

			rot := map[string]any{"name": "周值班", "period": "weekly", "handoff": "08:30", "start_date": "2026-01-05",
				"person_ids": []string{person["A"], person["B"], person["C"], person["D"]}}
			// Refusals: a viewer, an owner of other rosters; a non-member; bad fields.
			mustStatus(t, a.Do(t, "POST", path+"/rotations", viewer, rot), http.StatusForbidden)
			mustStatus(t, a.Do(t, "POST", path+"/rotations", other, rot), http.StatusForbidden)
			mustStatus(t, a.Do(t, "GET", path+"/rotations", employee, nil), http.StatusNotFound)
			bad := map[string]any{"name": "x", "period": "weekly", "handoff": "08:30", "start_date": "2026-01-05", "person_ids": []string{person["X"]}}
			r = a.Do(t, "POST", path+"/rotations", admin, bad)
			mustStatus(t, r, http.StatusUnprocessableEntity)
			if !bytes.Contains(r.Body, []byte(`"person_ids"`)) {
				t.Fatalf("non-member: %s", r.Body)
			}
			for _, f := range []map[string]any{{"period": "monthly"}, {"handoff": "8h"}, {"time_zone": "Mars/Base"}, {"start_date": "2026-13-01"}, {"period": "custom", "period_days": 0}} {
				in := map[string]any{}
				for k, v := range rot {
					in[k] = v
				}
				for k, v := range f {
					in[k] = v
				}
				mustStatus(t, a.Do(t, "POST", path+"/rotations", admin, in), http.StatusUnprocessableEntity)
			}
			r = a.Do(t, "POST", path+"/rotations", admin, rot)
			mustStatus(t, r, http.StatusCreated)
			rotID := r.JSON(t)["id"].(string)
			if !strings.Contains(string(r.Body), `"time_zone":"Asia/Shanghai"`) || !strings.Contains(string(r.Body), `"period_days":7`) {
				t.Fatalf("defaults: %s", r.Body)
			}
			ov := func(n, from, to string) string {
				r := a.Do(t, "POST", path+"/rotations/"+rotID+"/overrides", admin, map[string]any{"person_id": person[n], "starts_at": from, "ends_at": to, "note": "国庆"})
				mustStatus(t, r, http.StatusCreated)
				return r.JSON(t)["id"].(string)
			}
			ov("B", "2026-10-01T00:00:00+08:00", "2026-10-04T00:00:00+08:00")
			ov("A", "2026-10-04T00:00:00+08:00", "2026-10-08T00:00:00+08:00")
			// A swap: D (week of 11-02) and A (week of 11-09) trade.
			ov("A", "2026-11-02T08:30:00+08:00", "2026-11-09T08:30:00+08:00")
			ov("D", "2026-11-09T08:30:00+08:00", "2026-11-16T08:30:00+08:00")
			tmp := ov("C", "2026-12-01T00:00:00+08:00", "2026-12-02T00:00:00+08:00")
			mustStatus(t, a.Do(t, "POST", path+"/rotations/"+rotID+"/overrides", admin, map[string]any{"person_id": person["X"],
				"starts_at": "2026-12-01T00:00:00+08:00", "ends_at": "2026-12-02T00:00:00+08:00"}), http.StatusUnprocessableEntity)
			mustStatus(t, a.Do(t, "POST", path+"/rotations/"+rotID+"/overrides", admin, map[string]any{"person_id": person["A"],
				"starts_at": "2026-12-02T00:00:00+08:00", "ends_at": "2026-12-01T00:00:00+08:00"}), http.StatusUnprocessableEntity)
			mustStatus(t, a.Do(t, "POST", path+"/rotations/"+rotID+"/overrides", viewer, map[string]any{"person_id": person["A"],
				"starts_at": "2026-12-01T00:00:00+08:00", "ends_at": "2026-12-02T00:00:00+08:00"}), http.StatusForbidden)
			mustStatus(t, a.Do(t, "DELETE", path+"/rotations/"+rotID+"/overrides/"+tmp, viewer, nil), http.StatusForbidden)
			mustStatus(t, a.Do(t, "DELETE", path+"/rotations/"+rotID+"/overrides/"+tmp, admin, nil), http.StatusNoContent)
			mustStatus(t, a.Do(t, "DELETE", path+"/rotations/"+rotID+"/overrides/"+tmp, admin, nil), http.StatusNotFound)

			// Who is on duty (hand-worked: shift k from 2026-01-05 + 7k days 08:30, A B C D).
			onDuty := func(at string) (string, string) {
				t.Helper()
				r := a.Do(t, "GET", path+"/on-duty?at="+url.QueryEscape(at), viewer, nil)
				mustStatus(t, r, http.StatusOK)
				var rep roster.OnDutyReport
				r.Decode(t, &rep)
				if len(rep.Items) != 1 {
					t.Fatalf("on duty: %s", r.Body)
				}
				return rep.Items[0].PersonID, rep.Items[0].Mobile
			}
			for _, c := range []struct{ at, who string }{
				{"2026-01-05T08:29:59+08:00", ""},  // before the first hand-off
				{"2026-01-05T08:30:00+08:00", "A"}, // exactly at the hand-off
				{"2026-01-12T08:30:00+08:00", "B"}, // k=1
				{"2026-09-30T12:00:00+08:00", "C"}, // k=38
				{"2026-10-02T12:00:00+08:00", "B"}, // National Day override
				{"2026-10-05T08:30:00+08:00", "A"}, // override across the hand-off to D
				{"2026-10-08T00:00:00+08:00", "D"}, // k=39 after the holiday
				{"2026-11-05T12:00:00+08:00", "A"}, // swap
				{"2026-11-10T12:00:00+08:00", "D"}, // swap
				{"2026-12-01T12:00:00+08:00", "D"}, // k=47 (the removed override no longer applies)
			} {
				got, mobile := onDuty(c.at)
				if want := person[c.who]; got != want {
					t.Errorf("on duty at %s: %s, want %s (%s)", c.at, got, want, c.who)
				}
				if c.who != "" && (mobile == "" || strings.Contains(mobile, "87654")) {
					t.Errorf("mobile not masked: %q", mobile)
				}
			}
			mustStatus(t, a.Do(t, "GET", path+"/on-duty", viewer, nil), http.StatusOK)
			mustStatus(t, a.Do(t, "GET", path+"/on-duty?at=soon", viewer, nil), http.StatusUnprocessableEntity)
			mustStatus(t, a.Do(t, "GET", path+"/on-duty", employee, nil), http.StatusNotFound)

			// The changes are in the roster's history.
			r = a.Do(t, "GET", path+"/history", viewer, nil)
			for _, want := range []string{"rotation.create", "rotation.override.add", "rotation.override.delete"} {
				if !strings.Contains(string(r.Body), want) {
					t.Fatalf("history lacks %s: %s", want, r.Body)
				}
			}

			// ICS: a roster feed and a person feed.
			mustStatus(t, a.Do(t, "POST", path+"/ics-link", viewer, nil), http.StatusForbidden)
			mustStatus(t, a.Do(t, "POST", path+"/ics-link", other, nil), http.StatusForbidden)
			mustStatus(t, a.Do(t, "POST", "/api/v1/people/"+person["A"]+"/ics-link", viewer, nil), http.StatusForbidden)
			r = a.Do(t, "POST", path+"/ics-link", admin, nil)
			mustStatus(t, r, http.StatusCreated)
			link := r.JSON(t)
			token, lid := link["token"].(string), link["id"].(string)
			if len(token) < 22 || link["url"] != "/ics/"+token {
				t.Fatalf("link: %v", link)
			}
			now := time.Now()
			feed := a.Do(t, "GET", "/ics/"+token, "", nil)
			mustStatus(t, feed, http.StatusOK)
			if ct := feed.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
				t.Fatalf("content type %q", ct)
			}
			cal, err := parseICS(feed.Body)
			if err != nil {
				t.Fatalf("ICS does not parse: %v\n%s", err, feed.Body)
			}
			// The expected spans, from the same schedule computed independently of the DB.
			sh, _ := time.LoadLocation("Asia/Shanghai")
			mk := func(v string) time.Time { tt, _ := time.Parse(time.RFC3339, v); return tt }
			sched := roster.Schedule{Loc: sh, StartDate: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Handoff: 8*60 + 30, PeriodDays: 7,
				People: []string{"A", "B", "C", "D"}, Overrides: []roster.ScheduleOverride{
					{PersonID: "B", Start: mk("2026-10-01T00:00:00+08:00"), End: mk("2026-10-04T00:00:00+08:00")},
					{PersonID: "A", Start: mk("2026-10-04T00:00:00+08:00"), End: mk("2026-10-08T00:00:00+08:00")},
					{PersonID: "A", Start: mk("2026-11-02T08:30:00+08:00"), End: mk("2026-11-09T08:30:00+08:00")},
					{PersonID: "D", Start: mk("2026-11-09T08:30:00+08:00"), End: mk("2026-11-16T08:30:00+08:00")},
				}}
			want := sched.Shifts(now.Add(-30*24*time.Hour), now.Add(90*24*time.Hour))
			if len(want) == 0 || len(cal) != len(want) {
				t.Fatalf("%d events, want %d:\n%s", len(cal), len(want), feed.Body)
			}
			for i, w := range want {
				ev := cal[i]
				summary := "值班: 运维值班 — 值班员" + w.PersonID
				if !ev.start.Equal(w.Start) || !ev.end.Equal(w.End) || ev.props["SUMMARY"] != summary {
					t.Errorf("event %d: %v–%v %q, want %v–%v %q", i, ev.start, ev.end, ev.props["SUMMARY"], w.Start, w.End, summary)
				}
			}
			for _, m := range mobiles {
				for _, part := range []string{m, m[len(m)-4:], m[:7]} {
					if bytes.Contains(feed.Body, []byte(part)) {
						t.Fatalf("the feed holds a phone number's digits %s", part)
					}
				}
			}
			// A person's feed: only their spans.
			r = a.Do(t, "POST", "/api/v1/people/"+person["A"]+"/ics-link", admin, nil)
			mustStatus(t, r, http.StatusCreated)
			ptoken, plid := r.JSON(t)["token"].(string), r.JSON(t)["id"].(string)
			pfeed := a.Do(t, "GET", "/ics/"+ptoken+".ics", "", nil)
			mustStatus(t, pfeed, http.StatusOK)
			pcal, err := parseICS(pfeed.Body)
			if err != nil {
				t.Fatalf("person ICS: %v", err)
			}
			nA := 0
			for _, w := range want {
				if w.PersonID == "A" {
					nA++
				}
			}
			if len(pcal) != nA {
				t.Fatalf("person feed: %d events, want %d", len(pcal), nA)
			}
			for _, ev := range pcal {
				if ev.props["SUMMARY"] != "值班: 运维值班 — 值班员A" {
					t.Fatalf("person feed event %q", ev.props["SUMMARY"])
				}
			}

			// Revocation: the feed answers 404, like an unknown token.
			mustStatus(t, a.Do(t, "DELETE", path+"/ics-link/"+lid, viewer, nil), http.StatusForbidden)
			mustStatus(t, a.Do(t, "DELETE", path+"/ics-link/"+lid, admin, nil), http.StatusNoContent)
			revoked := a.Do(t, "GET", "/ics/"+token, "", nil)
			unknown := a.Do(t, "GET", "/ics/"+strings.Repeat("A", len(token)), "", nil)
			mustStatus(t, revoked, http.StatusNotFound)
			mustStatus(t, unknown, http.StatusNotFound)
			if rj, uj := revoked.JSON(t), unknown.JSON(t); rj["title"] != uj["title"] || rj["detail"] != uj["detail"] || rj["type"] != uj["type"] {
				t.Fatalf("revoked and unknown differ:\n%s\n%s", revoked.Body, unknown.Body)
			}
			mustStatus(t, a.Do(t, "DELETE", "/api/v1/people/"+person["A"]+"/ics-link/"+plid, admin, nil), http.StatusNoContent)
			mustStatus(t, a.Do(t, "GET", "/ics/"+ptoken, "", nil), http.StatusNotFound)

			// PATCH and DELETE a rotation.
			mustStatus(t, a.Do(t, "PATCH", path+"/rotations/"+rotID, viewer, map[string]any{"handoff": "09:00"}), http.StatusForbidden)
			r = a.Do(t, "PATCH", path+"/rotations/"+rotID, admin, map[string]any{"handoff": "09:00", "period": "custom", "period_days": 14})
			mustStatus(t, r, http.StatusOK)
			if !strings.Contains(string(r.Body), `"period_days":14`) || !strings.Contains(string(r.Body), `"handoff":"09:00"`) {
				t.Fatalf("patch: %s", r.Body)
			}
			mustStatus(t, a.Do(t, "DELETE", path+"/rotations/"+rotID, admin, nil), http.StatusNoContent)
			r = a.Do(t, "GET", path+"/rotations", viewer, nil)
			mustStatus(t, r, http.StatusOK)
			if strings.Contains(string(r.Body), rotID) {
				t.Fatalf("deleted rotation listed: %s", r.Body)
			}
		})
	}
}

// icsEvent is a VEVENT as the test reader sees it.
type icsEvent struct {
	start, end time.Time
	props      map[string]string
}

// parseICS is a small strict RFC 5545 reader: CRLF line ends only, unfolding, content
// lines name[;param=value]*:value, BEGIN/END nesting of VCALENDAR and VEVENT, the
// required VERSION/PRODID and UID/DTSTAMP/DTSTART, DATE-TIME values in UTC or with TZID.
func parseICS(body []byte) ([]icsEvent, error) {
	s := string(body)
	if !strings.HasSuffix(s, "\r\n") {
		return nil, errors.New("does not end with CRLF")
	}
	if strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\r") {
		return nil, errors.New("a bare CR or LF")
	}
	raw := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	var lines []string
	for _, l := range raw {
		if len(l) > 75 {
			return nil, fmt.Errorf("line of %d octets", len(l))
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(lines) == 0 {
				return nil, errors.New("continuation first")
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	var stack []string
	var events []icsEvent
	var cur map[string]string
	var curParams map[string]map[string]string
	cal := map[string]string{}
	for _, l := range lines {
		colon := strings.IndexByte(l, ':')
		if colon <= 0 {
			return nil, fmt.Errorf("no name:value in %q", l)
		}
		head, value := l[:colon], l[colon+1:]
		parts := strings.Split(head, ";")
		name := strings.ToUpper(parts[0])
		for _, c := range name {
			if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return nil, fmt.Errorf("bad name %q", name)
			}
		}
		params := map[string]string{}
		for _, p := range parts[1:] {
			k, v, ok := strings.Cut(p, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("bad parameter %q", p)
			}
			params[strings.ToUpper(k)] = v
		}
		switch name {
		case "BEGIN":
			switch {
			case value == "VCALENDAR" && len(stack) == 0:
			case value == "VEVENT" && len(stack) == 1 && stack[0] == "VCALENDAR":
				cur, curParams = map[string]string{}, map[string]map[string]string{}
			default:
				return nil, fmt.Errorf("BEGIN:%s inside %v", value, stack)
			}
			stack = append(stack, value)
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != value {
				return nil, fmt.Errorf("END:%s inside %v", value, stack)
			}
			stack = stack[:len(stack)-1]
			if value == "VEVENT" {
				for _, req := range []string{"UID", "DTSTAMP", "DTSTART"} {
					if cur[req] == "" {
						return nil, fmt.Errorf("VEVENT without %s", req)
					}
				}
				var ev icsEvent
				var err error
				if ev.start, err = icsTime(cur["DTSTART"], curParams["DTSTART"]); err != nil {
					return nil, err
				}
				if ev.end, err = icsTime(cur["DTEND"], curParams["DTEND"]); err != nil {
					return nil, err
				}
				if !ev.end.After(ev.start) {
					return nil, errors.New("DTEND not after DTSTART")
				}
				if _, err := icsTime(cur["DTSTAMP"], nil); err != nil {
					return nil, err
				}
				ev.props = map[string]string{}
				for k, v := range cur {
					ev.props[k] = icsUnescape(v)
				}
				events = append(events, ev)
				cur = nil
			}
			continue
		}
		switch {
		case len(stack) == 2:
			if _, dup := cur[name]; dup {
				return nil, fmt.Errorf("duplicate %s", name)
			}
			cur[name], curParams[name] = value, params
		case len(stack) == 1:
			cal[name] = value
		default:
			return nil, fmt.Errorf("%s outside a component", name)
		}
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("unclosed %v", stack)
	}
	if cal["VERSION"] != "2.0" || cal["PRODID"] == "" {
		return nil, errors.New("VCALENDAR without VERSION:2.0 and PRODID")
	}
	return events, nil
}

func icsTime(v string, params map[string]string) (time.Time, error) {
	if tz := params["TZID"]; tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return time.Time{}, err
		}
		return time.ParseInLocation("20060102T150405", v, loc)
	}
	if !strings.HasSuffix(v, "Z") {
		return time.Time{}, fmt.Errorf("floating or malformed DATE-TIME %q", v)
	}
	return time.Parse("20060102T150405Z", v)
}

func icsUnescape(v string) string {
	return strings.NewReplacer(`\\`, `\`, `\;`, ";", `\,`, ",", `\n`, "\n", `\N`, "\n").Replace(v)
}
