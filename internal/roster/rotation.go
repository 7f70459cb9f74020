package roster

import (
	"fmt"
	"sort"
	"time"
)

// DefaultTimeZone is the time zone of a rotation's hand-off unless another is given.
const DefaultTimeZone = "Asia/Shanghai"

// Schedule is the pure arithmetic of a rotation: shift k starts on StartDate + k·PeriodDays
// at the hand-off time, local time in Loc, and belongs to People[k mod len(People)];
// an override covering a time wins over the shift (the latest created among overlapping
// ones). Statutory holidays are not skipped: an on-call rotation runs through them, and
// a holiday arrangement is expressed with overrides.
type Schedule struct {
	Loc        *time.Location
	StartDate  time.Time // a date (year, month, day; the rest is ignored)
	Handoff    int       // minutes after local midnight
	PeriodDays int
	People     []string
	Overrides  []ScheduleOverride // in creation order
	// Gone holds, per person, the time their membership of the roster ended (or expired):
	// from then on their shifts pass to the next person of the rotation still on the
	// roster, and their overrides no longer apply. A person absent here stays.
	Gone map[string]time.Time
}

// present reports whether a person is still on the roster at t.
func (s Schedule) present(personID string, t time.Time) bool {
	g, ok := s.Gone[personID]
	return !ok || t.Before(g)
}

// ScheduleOverride gives [Start, End) to PersonID.
type ScheduleOverride struct {
	ID       string
	PersonID string
	Start    time.Time
	End      time.Time
}

// Shift is a span of duty: [Start, End) for PersonID; Override tells an override's span.
type Shift struct {
	Start    time.Time
	End      time.Time
	PersonID string
	Override bool
}

// shiftStart is the start of shift k.
func (s Schedule) shiftStart(k int) time.Time {
	y, m, d := s.StartDate.Date()
	return time.Date(y, m, d+k*s.PeriodDays, s.Handoff/60, s.Handoff%60, 0, 0, s.Loc)
}

// shiftIndex returns the shift containing t; ok is false before the first shift or for a
// rotation without people.
func (s Schedule) shiftIndex(t time.Time) (int, bool) {
	if len(s.People) == 0 || s.PeriodDays < 1 || t.Before(s.shiftStart(0)) {
		return 0, false
	}
	y0, m0, d0 := s.StartDate.Date()
	y, m, d := t.In(s.Loc).Date()
	days := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(y0, m0, d0, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	k := days / s.PeriodDays
	for k > 0 && s.shiftStart(k).After(t) {
		k--
	}
	for !s.shiftStart(k + 1).After(t) {
		k++
	}
	return k, true
}

// BaseAt returns the shift (without overrides) containing t.
func (s Schedule) BaseAt(t time.Time) (Shift, bool) {
	k, ok := s.shiftIndex(t)
	if !ok {
		return Shift{}, false
	}
	for i := 0; i < len(s.People); i++ {
		if pid := s.People[(k+i)%len(s.People)]; s.present(pid, t) {
			return Shift{Start: s.shiftStart(k), End: s.shiftStart(k + 1), PersonID: pid}, true
		}
	}
	return Shift{}, false
}

// override returns the override covering t, the latest created winning.
func (s Schedule) override(t time.Time) (ScheduleOverride, bool) {
	for i := len(s.Overrides) - 1; i >= 0; i-- {
		o := s.Overrides[i]
		if !o.Start.After(t) && o.End.After(t) && s.present(o.PersonID, t) {
			return o, true
		}
	}
	return ScheduleOverride{}, false
}

// At returns who is on duty at t: the override covering t (with its span) or else the
// shift containing t.
func (s Schedule) At(t time.Time) (Shift, bool) {
	if o, ok := s.override(t); ok {
		return Shift{Start: o.Start, End: o.End, PersonID: o.PersonID, Override: true}, true
	}
	return s.BaseAt(t)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Shifts returns the spans of duty touching [from, to), overrides applied, each whole
// (not clipped to the window): a shift split by an override gives its parts, and the
// parts of an override crossing a hand-off are joined.
func (s Schedule) Shifts(from, to time.Time) []Shift {
	first := s.shiftStart(0)
	if len(s.People) == 0 || s.PeriodDays < 1 || !to.After(from) {
		return nil
	}
	// The window grows to whole shifts and to the whole overrides touching it.
	lo, hi := from, to
	for _, o := range s.Overrides {
		if o.Start.Before(to) && o.End.After(from) {
			lo, hi = minTime(lo, o.Start), maxTime(hi, o.End)
		}
	}
	if b, ok := s.BaseAt(lo); ok {
		lo = b.Start
	} else if lo.Before(first) && !hi.After(first) {
		lo = first
	}
	if b, ok := s.BaseAt(hi.Add(-time.Nanosecond)); ok {
		hi = b.End
	}
	type point struct {
		t     time.Time
		shift bool
	}
	var pts []point
	add := func(t time.Time, shift bool) {
		if !t.Before(lo) && !t.After(hi) {
			pts = append(pts, point{t, shift})
		}
	}
	add(lo, true)
	add(hi, true)
	if k, ok := s.shiftIndex(lo); ok || lo.Before(first) {
		if !ok {
			k = 0
		}
		for st := s.shiftStart(k); !st.After(hi); k, st = k+1, s.shiftStart(k+1) {
			add(st, true)
		}
	}
	for _, o := range s.Overrides {
		add(o.Start, false)
		add(o.End, false)
	}
	for _, g := range s.Gone {
		add(g, false)
	}
	sort.SliceStable(pts, func(i, j int) bool {
		if !pts[i].t.Equal(pts[j].t) {
			return pts[i].t.Before(pts[j].t)
		}
		return pts[i].shift && !pts[j].shift
	})
	var out []Shift
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		if !b.t.After(a.t) {
			continue
		}
		var sh Shift
		if o, ok := s.override(a.t); ok {
			sh = Shift{Start: a.t, End: b.t, PersonID: o.PersonID, Override: true}
		} else if base, ok := s.BaseAt(a.t); ok {
			sh = Shift{Start: a.t, End: b.t, PersonID: base.PersonID}
		} else {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End.Equal(sh.Start) && out[n-1].PersonID == sh.PersonID &&
			out[n-1].Override == sh.Override && (sh.Override || !s.isShiftStart(sh.Start)) {
			out[n-1].End = sh.End // one override crossing a hand-off stays one span
			continue
		}
		out = append(out, sh)
	}
	var kept []Shift
	for _, sh := range out {
		if sh.Start.Before(to) && sh.End.After(from) {
			kept = append(kept, sh)
		}
	}
	return kept
}

func (s Schedule) isShiftStart(t time.Time) bool {
	k, ok := s.shiftIndex(t)
	return ok && s.shiftStart(k).Equal(t)
}

// parseHandoff reads "HH:MM" into minutes after midnight.
func parseHandoff(v string) (int, error) {
	t, err := time.Parse("15:04", v)
	if err != nil || len(v) != 5 {
		return 0, fmt.Errorf("a time of day HH:MM")
	}
	return t.Hour()*60 + t.Minute(), nil
}
