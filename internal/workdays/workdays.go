// Package workdays is the Chinese working-day calendar: weekends, the statutory holidays
// (法定节假日) and 调休 make-up working days published each year by the State Council
// (built-in data, data.go), and an administrator's overrides stored in the database, which
// win over the built-in data. Deadlines counted "in working days" use AddWorkdays.
//
// Dates are civil dates in Asia/Shanghai (type Date): a moment is converted with DateOf,
// never by truncating a UTC time, so 00:30 Beijing time is the right day.
package workdays

import (
	"context"
	"fmt"
	"sort"
	"time"

	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Shanghai is the time zone of the calendar.
var Shanghai = loadShanghai()

func loadShanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600) // China has had no DST since 1991
}

// Date is a civil date (no time, no zone). The zero Date is 1970-01-01.
type Date struct {
	days int64 // days since 1970-01-01
}

const layout = "2006-01-02"

// NewDate returns the date y-m-d, normalizing out-of-range months and days like time.Date.
func NewDate(y int, m time.Month, d int) Date {
	return Date{days: time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400}
}

// DateOf returns the civil date of t in Asia/Shanghai.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return NewDate(y, m, d)
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("not a date YYYY-MM-DD: %q", s)
	}
	return NewDate(t.Date()), nil
}

// MustDate parses YYYY-MM-DD and panics on a bad date; for data and tests.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func (d Date) utc() time.Time { return time.Unix(d.days*86400, 0).UTC() }

// Time returns midnight of d in Asia/Shanghai.
func (d Date) Time() time.Time {
	y, m, day := d.utc().Date()
	return time.Date(y, m, day, 0, 0, 0, 0, Shanghai)
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return d.utc().Format(layout) }

// Year returns the year of d.
func (d Date) Year() int { return d.utc().Year() }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// AddDays returns d plus n calendar days.
func (d Date) AddDays(n int) Date { return Date{days: d.days + int64(n)} }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.days < e.days }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.days > e.days }

// MarshalText formats d as YYYY-MM-DD (JSON strings).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func isWeekend(d Date) bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// Kind classifies a date for display.
type Kind string

// The kinds of day.
const (
	Workday Kind = "workday" // an ordinary working day (Monday to Friday)
	Weekend Kind = "weekend" // Saturday or Sunday, no work
	Holiday Kind = "holiday" // a statutory holiday (or an override) — no work
	Makeup  Kind = "makeup"  // a Saturday or Sunday worked in exchange for a holiday (调休上班)
)

// Override kinds, as stored.
const (
	OverrideHoliday = "holiday" // the date is a day off
	OverrideWorkday = "workday" // the date is a working day
)

// Sources of a special day.
const (
	SourceStatutory = "statutory"
	SourceOverride  = "override"
)

// Day is a special day of a year: a holiday or a make-up working day.
type Day struct {
	Date   Date   `json:"date"`
	Kind   string `json:"kind"` // "holiday" or "workday" (a make-up working day)
	Name   string `json:"name"`
	Source string `json:"source"` // "statutory" or "override"
}

// Year lists the special days of a year.
type Year struct {
	Year  int   `json:"year"`
	Known bool  `json:"known"` // false: no published data nor overrides; only weekends are off
	Items []Day `json:"items"`
}

// Override is an administrator's entry.
type Override struct {
	Date      Date      `json:"date"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// OverrideInput is the body of PUT /api/v1/workdays/overrides/{date}.
type OverrideInput struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// Calendar answers working-day questions. It is immutable once built.
type Calendar struct {
	special map[Date]Day // holidays and make-up days, overrides applied
	known   map[int]bool // years with statutory data or at least one override
}

// Builtin returns the calendar of the built-in statutory data only.
func Builtin() *Calendar { return New(nil) }

// New builds a calendar from the built-in data and overrides (which win).
func New(overrides []Override) *Calendar {
	c := &Calendar{special: map[Date]Day{}, known: map[int]bool{}}
	for year, hs := range statutory {
		c.known[year] = true
		for _, h := range hs {
			for d := MustDate(h.from); !d.After(MustDate(h.to)); d = d.AddDays(1) {
				c.special[d] = Day{Date: d, Kind: OverrideHoliday, Name: h.name, Source: SourceStatutory}
			}
			for _, m := range h.makeup {
				d := MustDate(m)
				c.special[d] = Day{Date: d, Kind: OverrideWorkday, Name: h.name + "调休上班", Source: SourceStatutory}
			}
		}
	}
	for _, o := range overrides {
		c.known[o.Date.Year()] = true
		c.special[o.Date] = Day{Date: o.Date, Kind: o.Kind, Name: o.Name, Source: SourceOverride}
	}
	return c
}

// Load builds the calendar from the built-in data and the overrides in the database.
func Load(ctx context.Context, q store.Querier) (*Calendar, error) {
	ovs, err := ListOverrides(ctx, q)
	if err != nil {
		return nil, err
	}
	return New(ovs), nil
}

// Known reports whether the calendar has data for a year (published statutory data or at
// least one override). For other years only weekends are days off; callers should warn.
func (c *Calendar) Known(year int) bool { return c.known[year] }

// Kind classifies d.
func (c *Calendar) Kind(d Date) Kind {
	if s, ok := c.special[d]; ok {
		switch {
		case s.Kind == OverrideHoliday:
			return Holiday
		case isWeekend(d):
			return Makeup
		default:
			return Workday
		}
	}
	if isWeekend(d) {
		return Weekend
	}
	return Workday
}

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d Date) bool {
	k := c.Kind(d)
	return k == Workday || k == Makeup
}

// AddWorkdays counts working days from a date:
//   - n > 0: the n-th working day after from (from itself does not count), so a task
//     received on any day with a 1-working-day SLA is due on the next working day;
//   - n = 0: from if it is a working day, otherwise the next working day;
//   - n < 0: the |n|-th working day before from (from itself does not count).
func (c *Calendar) AddWorkdays(from Date, n int) Date {
	d := from
	switch {
	case n == 0:
		for !c.IsWorkday(d) {
			d = d.AddDays(1)
		}
	case n > 0:
		for n > 0 {
			d = d.AddDays(1)
			if c.IsWorkday(d) {
				n--
			}
		}
	default:
		for n < 0 {
			d = d.AddDays(-1)
			if c.IsWorkday(d) {
				n++
			}
		}
	}
	return d
}

// Between counts the working days d with a < d <= b; when b is before a it is
// -Between(b, a). For a working day b after a, AddWorkdays(a, Between(a, b)) == b.
func (c *Calendar) Between(a, b Date) int {
	if b.Before(a) {
		return -c.Between(b, a)
	}
	n := 0
	for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

// Year lists the holidays and make-up working days of a year, in date order.
func (c *Calendar) Year(year int) Year {
	out := Year{Year: year, Known: c.Known(year), Items: []Day{}}
	for d, s := range c.special {
		if d.Year() == year {
			out.Items = append(out.Items, s)
		}
	}
	sort.Slice(out.Items, func(i, j int) bool { return out.Items[i].Date.Before(out.Items[j].Date) })
	return out
}

// ListOverrides returns every override in date order.
func ListOverrides(ctx context.Context, q store.Querier) ([]Override, error) {
	rows, err := q.QueryContext(ctx, `SELECT date, kind, name, created_by, created_at FROM workday_overrides ORDER BY date`)
	if err != nil {
		return nil, fmt.Errorf("list workday overrides: %w", err)
	}
	defer rows.Close()
	var out []Override
	for rows.Next() {
		var o Override
		var date string
		if err := rows.Scan(&date, &o.Kind, &o.Name, &o.CreatedBy, &o.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan workday override: %w", err)
		}
		if o.Date, err = ParseDate(date); err != nil {
			return nil, fmt.Errorf("workday override: %w", err)
		}
		o.CreatedAt = o.CreatedAt.UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// Validate checks an override input.
func (in OverrideInput) Validate() error {
	var v errs.Validation
	v.Check(in.Kind == OverrideHoliday || in.Kind == OverrideWorkday, "kind", `"holiday" or "workday"`)
	v.Check(len([]rune(in.Name)) <= 100, "name", "at most 100 characters")
	return v.Err()
}

// SetOverride creates or replaces the override of a date.
func SetOverride(ctx context.Context, q store.Querier, o Override) error {
	if err := (OverrideInput{Kind: o.Kind, Name: o.Name}).Validate(); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO workday_overrides (date, kind, name, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, name = excluded.name, created_by = excluded.created_by, created_at = excluded.created_at`,
		o.Date.String(), o.Kind, o.Name, o.CreatedBy, store.TS(o.CreatedAt))
	if err != nil {
		return fmt.Errorf("set workday override: %w", err)
	}
	return nil
}

// DeleteOverride removes the override of a date; NotFound when there is none.
func DeleteOverride(ctx context.Context, q store.Querier, d Date) error {
	res, err := q.ExecContext(ctx, `DELETE FROM workday_overrides WHERE date = $1`, d.String())
	if err != nil {
		return fmt.Errorf("delete workday override: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errs.E(errs.NotFound, "no override for %s", d)
	}
	return nil
}
