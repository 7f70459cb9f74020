package workdays

import (
	"context"
	"testing"
	"time"

	"lifeline/internal/errs"
	"lifeline/internal/store/storetest"
)

// TestDataWeekdays checks the built-in tables: every span is ordered and within its year,
// every make-up day is a Saturday or Sunday outside any holiday, and the weekdays the
// notices state hold.
func TestDataWeekdays(t *testing.T) {
	off := map[Date]bool{}
	for year, hs := range statutory {
		for _, h := range hs {
			from, to := MustDate(h.from), MustDate(h.to)
			if to.Before(from) || from.Year() != year || to.Year() != year {
				t.Errorf("%d %s: bad span %s–%s", year, h.name, h.from, h.to)
			}
			for d := from; !d.After(to); d = d.AddDays(1) {
				off[d] = true
			}
		}
	}
	for year, hs := range statutory {
		for _, h := range hs {
			for _, m := range h.makeup {
				d := MustDate(m)
				if !isWeekend(d) {
					t.Errorf("%d %s: make-up day %s is a %s, not a weekend day", year, h.name, m, d.Weekday())
				}
				if off[d] {
					t.Errorf("%d %s: make-up day %s is also a holiday", year, h.name, m)
				}
			}
		}
	}
	// Weekdays as printed in the notices.
	for s, w := range map[string]time.Weekday{
		"2026-02-14": time.Saturday, "2026-02-15": time.Sunday, "2026-02-23": time.Monday, "2026-02-28": time.Saturday,
		"2026-09-20": time.Sunday, "2026-10-01": time.Thursday, "2026-10-07": time.Wednesday, "2026-10-10": time.Saturday,
		"2026-01-04": time.Sunday, "2026-05-09": time.Saturday, "2026-09-25": time.Friday,
		"2025-01-26": time.Sunday, "2025-02-08": time.Saturday, "2025-04-27": time.Sunday,
		"2025-09-28": time.Sunday, "2025-10-11": time.Saturday,
		"2024-02-04": time.Sunday, "2024-02-18": time.Sunday, "2024-04-07": time.Sunday, "2024-04-28": time.Sunday,
		"2024-05-11": time.Saturday, "2024-09-14": time.Saturday, "2024-09-29": time.Sunday, "2024-10-12": time.Saturday,
	} {
		if got := MustDate(s).Weekday(); got != w {
			t.Errorf("%s is a %s, want %s", s, got, w)
		}
	}
}

func TestDate(t *testing.T) {
	// 00:30 on 1 Oct in Beijing is still 30 Sep in UTC: the civil date is Beijing's.
	at := time.Date(2026, 9, 30, 16, 30, 0, 0, time.UTC)
	if got := DateOf(at).String(); got != "2026-10-01" {
		t.Errorf("DateOf(%s) = %s, want 2026-10-01", at, got)
	}
	if got := MustDate("2026-10-01").Time(); !got.Equal(time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("Time() = %s, want midnight in Asia/Shanghai", got)
	}
	for _, bad := range []string{"", "2026-02-30", "2026-2-3", "20260203", "2026-02-03T00:00:00Z"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	if d := MustDate("1969-12-31"); d.String() != "1969-12-31" || d.AddDays(1).String() != "1970-01-01" {
		t.Errorf("dates before 1970: %s", d)
	}
}

func TestKind(t *testing.T) {
	c := Builtin()
	for s, want := range map[string]Kind{
		"2026-02-13": Workday, // Friday before Spring Festival
		"2026-02-14": Makeup,  // Saturday worked
		"2026-02-15": Holiday, // Sunday inside the holiday stays a holiday
		"2026-02-17": Holiday, // 正月初一, Tuesday
		"2026-02-24": Workday,
		"2026-02-28": Makeup,
		"2026-03-01": Weekend,
		"2026-09-20": Makeup, // Sunday worked for National Day
		"2026-10-08": Workday,
		"2026-10-10": Makeup,
		"2026-10-11": Weekend,
		"2027-10-01": Workday, // unpublished year: a Friday like any other
	} {
		if got := c.Kind(MustDate(s)); got != want {
			t.Errorf("Kind(%s) = %s, want %s", s, got, want)
		}
	}
	if !c.Known(2024) || !c.Known(2025) || !c.Known(2026) || c.Known(2027) || c.Known(2023) {
		t.Error("Known: want 2024–2026 only")
	}
}

// TestAddWorkdays: hand-worked dates around the 2026 Spring Festival (off Sun 15 – Mon 23
// Feb, worked Sat 14 and Sat 28 Feb) and National Day (Mid-Autumn off Fri 25 – Sun 27 Sep;
// National Day off Thu 1 – Wed 7 Oct, worked Sun 20 Sep and Sat 10 Oct).
func TestAddWorkdays(t *testing.T) {
	c := Builtin()
	cases := []struct {
		from string
		n    int
		want string
		why  string
	}{
		{"2026-02-13", 1, "2026-02-14", "Fri → the make-up Saturday"},
		{"2026-02-14", 1, "2026-02-24", "make-up Sat → the 9-day holiday → Tue 24"},
		{"2026-02-13", 2, "2026-02-24", "Fri: Sat 14, then Tue 24"},
		{"2026-02-12", 3, "2026-02-24", "Thu: Fri 13, Sat 14, Tue 24"},
		{"2026-02-15", 1, "2026-02-24", "from inside the holiday"},
		{"2026-02-24", 4, "2026-02-28", "Wed 25, Thu 26, Fri 27, make-up Sat 28"},
		{"2026-02-27", 1, "2026-02-28", "Fri → make-up Sat 28"},
		{"2026-02-28", 1, "2026-03-02", "make-up Sat → Sun 1 Mar off → Mon 2"},
		{"2026-02-15", 0, "2026-02-24", "n = 0 on a holiday: the next working day"},
		{"2026-02-14", 0, "2026-02-14", "n = 0 on the make-up Saturday: itself"},
		{"2026-02-24", -1, "2026-02-14", "back over the holiday to the make-up Saturday"},
		{"2026-02-24", -2, "2026-02-13", "…then Fri 13"},
		{"2026-03-02", -1, "2026-02-28", "back over Sun 1 Mar to the make-up Saturday"},
		{"2026-09-18", 1, "2026-09-20", "Fri → Sat 19 off → make-up Sun 20"},
		{"2026-09-19", 1, "2026-09-20", "Sat → make-up Sun 20"},
		{"2026-09-24", 1, "2026-09-28", "Thu → Mid-Autumn Fri 25–Sun 27 → Mon 28"},
		{"2026-09-30", 1, "2026-10-08", "Wed → National Day 1–7 → Thu 8"},
		{"2026-09-29", 2, "2026-10-08", "Tue: Wed 30, Thu 8 Oct"},
		{"2026-10-08", 2, "2026-10-10", "Thu 8: Fri 9, make-up Sat 10"},
		{"2026-10-09", 2, "2026-10-12", "Fri 9: Sat 10, (Sun 11 off) Mon 12"},
		{"2026-10-01", 0, "2026-10-08", "n = 0 on National Day"},
		{"2026-10-08", -1, "2026-09-30", "back over National Day"},
		{"2026-09-21", -1, "2026-09-20", "Mon back to the make-up Sunday"},
		{"2026-09-18", 12, "2026-10-12", "Sep 20,21,22,23,24,28,29,30, Oct 8,9,10,12"},
		{"2025-09-30", 1, "2025-10-09", "2025: National Day and Mid-Autumn off 1–8 Oct"},
		{"2024-02-09", 1, "2024-02-18", "2024: Fri → make-up Sun 18 Feb"},
		{"2027-02-05", 1, "2027-02-08", "unpublished 2027: weekends only"},
	}
	for _, tc := range cases {
		if got := c.AddWorkdays(MustDate(tc.from), tc.n); got.String() != tc.want {
			t.Errorf("AddWorkdays(%s, %d) = %s, want %s (%s)", tc.from, tc.n, got, tc.want, tc.why)
		}
	}
}

func TestBetween(t *testing.T) {
	c := Builtin()
	cases := []struct {
		a, b string
		want int
	}{
		{"2026-02-13", "2026-02-24", 2},  // Sat 14, Tue 24
		{"2026-02-14", "2026-02-23", 0},  // only holiday days after the make-up Saturday
		{"2026-02-24", "2026-02-13", -2}, // reversed
		{"2026-09-30", "2026-10-08", 1},  // Thu 8
		{"2026-09-18", "2026-10-12", 12}, // see TestAddWorkdays
		{"2026-10-08", "2026-10-08", 0},
		{"2026-01-01", "2026-12-31", 0}, // filled below
	}
	// 2026 in total: 365 days − 104 weekend days − holidays on weekdays + make-up days.
	// Weekday holidays: Jan 1–2 (2), Feb 16–20, 23 (6), Apr 6 (1), May 1, 4, 5 (3),
	// Jun 19 (1), Sep 25 (1), Oct 1, 2, 5, 6, 7 (5) = 19; make-up days: Jan 4, Feb 14, Feb 28,
	// May 9, Sep 20, Oct 10 = 6. 2026 starts on a Thursday: 52 weeks + 1 day = 261 weekdays.
	// Working days after Jan 1 up to Dec 31 (Jan 1 itself is a holiday): 261 − 19 + 6 = 248.
	cases[len(cases)-1].want = 248
	for _, tc := range cases {
		if got := c.Between(MustDate(tc.a), MustDate(tc.b)); got != tc.want {
			t.Errorf("Between(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	// Round trip: AddWorkdays(a, Between(a, b)) == b for working days b.
	a := MustDate("2026-01-01")
	for d := a.AddDays(1); d.Year() == 2026; d = d.AddDays(1) {
		if c.IsWorkday(d) {
			if got := c.AddWorkdays(a, c.Between(a, d)); got != d {
				t.Fatalf("round trip to %s gave %s", d, got)
			}
		}
	}
}

// TestOverrides stores overrides on every engine: a 2027 holiday with its make-up day makes
// 2027 known and shifts deadlines; an override corrects built-in data; deleting restores it.
func TestOverrides(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, e)
			now := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
			for _, o := range []Override{
				{Date: MustDate("2027-01-01"), Kind: OverrideHoliday, Name: "元旦", CreatedBy: "root", CreatedAt: now},
				{Date: MustDate("2027-02-06"), Kind: OverrideWorkday, Name: "春节调休上班", CreatedBy: "root", CreatedAt: now},
				{Date: MustDate("2026-10-08"), Kind: OverrideHoliday, Name: "correction", CreatedBy: "root", CreatedAt: now},
			} {
				if err := SetOverride(ctx, db.Write, o); err != nil {
					t.Fatal(err)
				}
			}
			// Replacing keeps one row per date.
			if err := SetOverride(ctx, db.Write, Override{Date: MustDate("2027-01-01"), Kind: OverrideHoliday, Name: "元旦（新年）", CreatedBy: "root", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if err := SetOverride(ctx, db.Write, Override{Date: MustDate("2027-01-02"), Kind: "vacation", CreatedAt: now}); !errs.Is(err, errs.Invalid) {
				t.Errorf("bad kind: err = %v, want invalid", err)
			}
			c, err := Load(ctx, db.Read)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Known(2027) || c.Known(2028) {
				t.Error("Known(2027) should follow the overrides")
			}
			checks := []struct {
				from string
				n    int
				want string
			}{
				{"2026-12-31", 1, "2027-01-04"}, // Fri 1 Jan 2027 is now a holiday: Mon 4
				{"2027-02-05", 1, "2027-02-06"}, // Fri → the make-up Saturday
				{"2026-09-30", 1, "2026-10-09"}, // the correction wins over the built-in Thu 8 Oct
			}
			for _, tc := range checks {
				if got := c.AddWorkdays(MustDate(tc.from), tc.n); got.String() != tc.want {
					t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
				}
			}
			y := c.Year(2027)
			if !y.Known || len(y.Items) != 2 || y.Items[0].Name != "元旦（新年）" || y.Items[0].Source != SourceOverride || y.Items[1].Kind != OverrideWorkday {
				t.Errorf("Year(2027) = %+v", y)
			}
			ovs, err := ListOverrides(ctx, db.Read)
			if err != nil || len(ovs) != 3 || ovs[0].Date.String() != "2026-10-08" || !ovs[0].CreatedAt.Equal(now) || ovs[0].CreatedBy != "root" {
				t.Fatalf("ListOverrides = %+v, %v", ovs, err)
			}
			if err := DeleteOverride(ctx, db.Write, MustDate("2026-10-08")); err != nil {
				t.Fatal(err)
			}
			if err := DeleteOverride(ctx, db.Write, MustDate("2026-10-08")); !errs.Is(err, errs.NotFound) {
				t.Errorf("second delete: err = %v, want not found", err)
			}
			if c, err = Load(ctx, db.Read); err != nil {
				t.Fatal(err)
			}
			if got := c.AddWorkdays(MustDate("2026-09-30"), 1).String(); got != "2026-10-08" {
				t.Errorf("after delete: %s, want 2026-10-08", got)
			}
		})
	}
}
