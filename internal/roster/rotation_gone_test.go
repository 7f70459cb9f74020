package roster

import (
	"testing"
	"time"
)

// TestRotationSkipsMemberWhoLeft: C left the roster on 2026-03-04 12:00 (after the
// rotation was saved). Until then C is on duty in C's week; from then on the next person
// of the rotation (D) covers C's shifts, and an override given to C no longer applies.
func TestRotationSkipsMemberWhoLeft(t *testing.T) {
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
	left := at("2026-03-04T12:00:00+08:00")
	// Weekly from Monday 2026-01-05 08:30, people A, B, C, D: k=6 (02-16) → C,
	// k=8 (03-02) → A, k=9 (03-09) → B, k=10 (03-16) → C, k=14 (04-13) → C.
	s := Schedule{Loc: sh, StartDate: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Handoff: 8*60 + 30, PeriodDays: 7,
		People: []string{"A", "B", "C", "D"},
		Overrides: []ScheduleOverride{
			{ID: "o1", PersonID: "C", Start: at("2026-03-10T00:00:00+08:00"), End: at("2026-03-11T00:00:00+08:00")},
		},
		Gone: map[string]time.Time{"C": left}}
	cases := []struct{ at, want string }{
		{"2026-02-17T12:00:00+08:00", "C"}, // k=6, C's week, before C left
		{"2026-03-10T12:00:00+08:00", "B"}, // k=9, B's week; the override to C no longer applies
		{"2026-03-17T12:00:00+08:00", "D"}, // k=10, C's week after C left: the next person, D
		{"2026-03-24T12:00:00+08:00", "D"}, // k=11, D's own week
		{"2026-04-14T12:00:00+08:00", "D"}, // k=14, C's week again: D covers
		{"2026-04-21T12:00:00+08:00", "D"}, // k=15, D
		{"2026-04-28T12:00:00+08:00", "A"}, // k=16, A
	}
	for i, c := range cases {
		got, ok := s.At(at(c.at))
		if !ok || got.PersonID != c.want {
			t.Errorf("case %d at %s: on duty %q (ok=%v), want %q", i+1, c.at, got.PersonID, ok, c.want)
		}
	}
	// The spans split where C left: C up to the moment they left, the next person after.
	s2 := s
	s2.Overrides = nil
	s2.People = []string{"C", "D"}
	s2.StartDate = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // k=0 (03-02) is C's
	spans := s2.Shifts(at("2026-03-02T08:30:00+08:00"), at("2026-03-09T08:30:00+08:00"))
	if len(spans) != 2 || spans[0].PersonID != "C" || !spans[0].End.Equal(left) || spans[1].PersonID != "D" || !spans[1].Start.Equal(left) {
		t.Fatalf("spans across the departure: %+v", spans)
	}
	// Nobody left: nobody is on duty.
	s3 := Schedule{Loc: sh, StartDate: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), PeriodDays: 1, People: []string{"C"}, Gone: map[string]time.Time{"C": left}}
	if got, ok := s3.At(at("2026-03-05T12:00:00+08:00")); ok {
		t.Fatalf("on duty after the only person left: %+v", got)
	}
}
