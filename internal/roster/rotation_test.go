package roster

import (
	"testing"
	"time"
)

// TestYearLongRotation (Must show): a weekly rotation handing off on Mondays at 08:30
// Asia/Shanghai through 2026 with four people, overrides across the National Day holiday
// (2026-10-01..07) and a swap; the on-duty person at sampled times is worked out by hand.
//
// Shift k starts on 2026-01-05 (a Monday) + 7k days at 08:30 and is people[k mod 4]:
// A, B, C, D. Mondays: 2026-02-16 is k=6 (42 days), 03-30 k=12, 06-29 k=25, 09-28 k=38,
// 10-05 k=39, 10-12 k=40, 11-02 k=43, 11-09 k=44, 11-16 k=45, 12-28 k=51.
func TestYearLongRotation(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(v string) time.Time {
		tt, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	s := Schedule{Loc: sh, StartDate: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Handoff: 8*60 + 30, PeriodDays: 7,
		People: []string{"A", "B", "C", "D"},
		Overrides: []ScheduleOverride{
			// National Day: B takes 10-01..03, A takes 10-04..07 (across the 10-05 hand-off).
			{ID: "o1", PersonID: "B", Start: at("2026-10-01T00:00:00+08:00"), End: at("2026-10-04T00:00:00+08:00")},
			{ID: "o2", PersonID: "A", Start: at("2026-10-04T00:00:00+08:00"), End: at("2026-10-08T00:00:00+08:00")},
			// Created later, inside o1: D covers 10-02 daytime (the latest override wins).
			{ID: "o3", PersonID: "D", Start: at("2026-10-02T09:00:00+08:00"), End: at("2026-10-02T18:00:00+08:00")},
			// A swap is two overrides: D (k=43) and A (k=44) trade weeks.
			{ID: "o4", PersonID: "A", Start: at("2026-11-02T08:30:00+08:00"), End: at("2026-11-09T08:30:00+08:00")},
			{ID: "o5", PersonID: "D", Start: at("2026-11-09T08:30:00+08:00"), End: at("2026-11-16T08:30:00+08:00")},
		}}
	cases := []struct{ at, want string }{
		{"2026-01-05T08:29:59+08:00", ""},  // 1: one second before the first hand-off: nobody
		{"2026-01-05T08:30:00+08:00", "A"}, // 2: exactly at the first hand-off: k=0, A
		{"2026-01-12T08:29:59+08:00", "A"}, // 3: last second of k=0
		{"2026-01-12T08:30:00+08:00", "B"}, // 4: exactly at the hand-off: k=1, B
		{"2026-02-17T12:00:00+08:00", "C"}, // 5: Spring Festival day, k=6 → 6 mod 4 = 2, C (holidays not skipped)
		{"2026-03-31T23:59:00+08:00", "A"}, // 6: k=12 → A
		{"2026-06-30T10:00:00+08:00", "B"}, // 7: k=25 → B
		{"2026-09-28T08:30:00+08:00", "C"}, // 8: hand-off of k=38 → C
		{"2026-09-30T23:59:59+08:00", "C"}, // 9: last second before the holiday overrides
		{"2026-10-01T00:00:00+08:00", "B"}, // 10: National Day, override o1
		{"2026-10-02T12:00:00+08:00", "D"}, // 11: o3 wins inside o1
		{"2026-10-02T18:00:00+08:00", "B"}, // 12: o3 has ended (end exclusive), back to o1
		{"2026-10-03T23:59:59+08:00", "B"}, // 13: last second of o1
		{"2026-10-04T00:00:00+08:00", "A"}, // 14: o2 starts
		{"2026-10-05T08:30:00+08:00", "A"}, // 15: hand-off to D (k=39) but o2 still covers it
		{"2026-10-07T23:59:59+08:00", "A"}, // 16: last second of o2
		{"2026-10-08T00:00:00+08:00", "D"}, // 17: holiday over: k=39 → 39 mod 4 = 3, D
		{"2026-10-12T08:30:00+08:00", "A"}, // 18: k=40 → A
		{"2026-11-05T12:00:00+08:00", "A"}, // 19: k=43 is D's, swapped to A
		{"2026-11-09T08:30:00+08:00", "D"}, // 20: k=44 is A's, swapped to D, exactly at the hand-off
		{"2026-11-16T08:30:00+08:00", "B"}, // 21: k=45 → B, swap over
		{"2026-12-28T00:29:59Z", "C"},      // 22: 08:29:59 Shanghai on 12-28: still k=50 → C
		{"2026-12-31T23:59:00+08:00", "D"}, // 23: k=51 → D, New Year's Eve
	}
	for i, c := range cases {
		got, ok := s.At(at(c.at))
		if c.want == "" {
			if ok {
				t.Errorf("sample %d %s: %s on duty, want nobody", i+1, c.at, got.PersonID)
			}
			continue
		}
		if !ok || got.PersonID != c.want {
			t.Errorf("sample %d %s: %q on duty, want %s", i+1, c.at, got.PersonID, c.want)
		}
	}

	// The spans from the k=38 hand-off to the k=40 one, overrides applied.
	want := []Shift{
		{at("2026-09-28T08:30:00+08:00"), at("2026-10-01T00:00:00+08:00"), "C", false},
		{at("2026-10-01T00:00:00+08:00"), at("2026-10-02T09:00:00+08:00"), "B", true},
		{at("2026-10-02T09:00:00+08:00"), at("2026-10-02T18:00:00+08:00"), "D", true},
		{at("2026-10-02T18:00:00+08:00"), at("2026-10-04T00:00:00+08:00"), "B", true},
		{at("2026-10-04T00:00:00+08:00"), at("2026-10-08T00:00:00+08:00"), "A", true},
		{at("2026-10-08T00:00:00+08:00"), at("2026-10-12T08:30:00+08:00"), "D", false},
	}
	got := s.Shifts(at("2026-09-28T08:30:00+08:00"), at("2026-10-12T08:30:00+08:00"))
	if len(got) != len(want) {
		t.Fatalf("shifts: %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) || got[i].PersonID != want[i].PersonID || got[i].Override != want[i].Override {
			t.Errorf("shift %d: %v, want %v", i, got[i], want[i])
		}
	}
	// A window inside a shift still gives the whole shift.
	got = s.Shifts(at("2026-01-07T00:00:00+08:00"), at("2026-01-07T01:00:00+08:00"))
	if len(got) != 1 || got[0].PersonID != "A" || !got[0].Start.Equal(at("2026-01-05T08:30:00+08:00")) || !got[0].End.Equal(at("2026-01-12T08:30:00+08:00")) {
		t.Errorf("whole shift: %v", got)
	}
	// Before the start: nothing.
	if got := s.Shifts(at("2025-12-01T00:00:00+08:00"), at("2025-12-31T00:00:00+08:00")); len(got) != 0 {
		t.Errorf("before the start: %v", got)
	}
}

func TestFoldICS(t *testing.T) {
	line := "SUMMARY:" + "值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班值班"
	out := foldICS(line)
	for _, l := range splitCRLF(out) {
		if len(l) > 75 {
			t.Fatalf("line of %d octets", len(l))
		}
	}
}

func splitCRLF(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i+1 < len(s) && (s[i] != '\r' || s[i+1] != '\n') {
			i++
		}
		out = append(out, s[:i])
		if i+2 > len(s) {
			break
		}
		s = s[i+2:]
	}
	return out
}
