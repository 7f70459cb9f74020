package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ReportGroup is the result of a set of recipients in an incident report: everyone,
// one roster or one department.
type ReportGroup struct {
	Name                                                      string
	Recipients, Reached, Acknowledged, Safe, NeedHelp, Failed int
	ReachRate                                                 float64
	AckP50, AckP90                                            *float64 // seconds; nil: nobody acknowledged
}

// Percent shows the reach rate as a percentage ("66.7"); it shows 100 only when
// everyone was reached.
func (g ReportGroup) Percent() string { return percent(g.ReachRate) }

// Width is the reach rate as a bar width class (0 … 100 in steps of 5).
func (g ReportGroup) Width() int { return atLeast5(step5(g.ReachRate), g.Reached) }

// Level names the band of the reach rate for its colour: ok, warn or bad.
func (g ReportGroup) Level() string { return reachLevel(g.ReachRate) }

// ReportData is the data of an incident's notification report (printable).
type ReportData struct {
	IncidentID       string
	Title            string
	Level            string
	Type             string
	Location         string
	Drill            bool
	Status           string // active (an interim report) or closed
	OccurredAt       time.Time
	ClosedAt         *time.Time
	GeneratedAt      time.Time
	Notifications    int
	Total            ReportGroup
	FirstDeliverySec *float64 // first notification → first message accepted by a provider
	ByRoster         []ReportGroup
	ByDepartment     []ReportGroup
	Unreachable      []BoardPerson
}

// GroupTable is one table of a report's groups: by roster or by department.
type GroupTable struct {
	Kind   string // roster, dept
	Groups []ReportGroup
}

// RosterTable is the report's table by roster.
func (d ReportData) RosterTable() GroupTable { return GroupTable{Kind: "roster", Groups: d.ByRoster} }

// DepartmentTable is the report's table by department.
func (d ReportData) DepartmentTable() GroupTable {
	return GroupTable{Kind: "dept", Groups: d.ByDepartment}
}

// DrillRow is one drill in the trend across drills.
type DrillRow struct {
	IncidentID     string
	Title          string
	OccurredAt     time.Time
	ClosedAt       *time.Time
	Recipients     int
	Failed         int
	ReachRate      float64
	AckP50, AckP90 *float64 // seconds
	Delta          string   // change of the reach rate from the previous drill, in points ("+5.0", "-2.5"); "" for the first
	P50Bar, P90Bar string   // the acknowledgement bars' lengths (0 … 100) on the scale of the slowest drill
}

// Percent shows the reach rate as a percentage.
func (d DrillRow) Percent() string { return percent(d.ReachRate) }

// Width is the reach rate as a bar width class (0 … 100 in steps of 5).
func (d DrillRow) Width() int { return atLeast5(step5(d.ReachRate), d.Recipients-d.Failed) }

// Level names the band of the reach rate for its colour: ok, warn or bad.
func (d DrillRow) Level() string { return reachLevel(d.ReachRate) }

// Falling reports whether the reach rate dropped from the previous drill.
func (d DrillRow) Falling() bool { return strings.HasPrefix(d.Delta, "-") }

// Rising reports whether the reach rate rose from the previous drill.
func (d DrillRow) Rising() bool { return strings.HasPrefix(d.Delta, "+") && d.Delta != "+0.0" }

// DrillsData is the data of the trend across drills, oldest first.
type DrillsData struct {
	Drills   []DrillRow
	AckScale *float64 // seconds of a full acknowledgement bar (the slowest p90); nil: no acknowledgements
}

// NewDrillsData computes, for rows given oldest first, each row's change from the
// previous drill and the acknowledgement bars on a scale common to all rows.
func NewDrillsData(rows []DrillRow) DrillsData {
	var scale float64
	for _, r := range rows {
		for _, v := range []*float64{r.AckP50, r.AckP90} {
			if v != nil && *v > scale {
				scale = *v
			}
		}
	}
	bar := func(v *float64) string {
		if v == nil || scale <= 0 {
			return "0"
		}
		return strconv.FormatFloat(math.Max(1, math.Round(*v/scale*1000)/10), 'f', -1, 64)
	}
	for i := range rows {
		rows[i].P50Bar, rows[i].P90Bar = bar(rows[i].AckP50), bar(rows[i].AckP90)
		if i > 0 {
			delta := math.Round((rows[i].ReachRate-rows[i-1].ReachRate)*1000) / 10
			if delta == 0 {
				delta = 0 // not "-0.0"
			}
			rows[i].Delta = fmt.Sprintf("%+.1f", delta)
		}
	}
	d := DrillsData{Drills: rows}
	if scale > 0 {
		d.AckScale = &scale
	}
	return d
}

// TaskRow is one remediation task on the tasks page.
type TaskRow struct {
	ID            string
	IncidentID    string
	IncidentTitle string
	Name          string // the person or external contact to fix
	Contact       bool   // an external contact rather than a person
	Department    string // the person's department path or the contact's organization
	OwnerName     string
	Reason        string // failed, unreachable
	DueOn         string // YYYY-MM-DD (Asia/Shanghai)
	Status        string // open, done
	DoneAt        *time.Time
	Overdue       bool // open and past its due date
	ShowOwner     bool // the viewer sees everyone's tasks: show whose each is
	LinkReport    bool // the viewer may open the drill's report
}

// TasksData is the data of the remediation tasks page.
type TasksData struct {
	Status string // the filter: open, done, or "" for all
	All    bool   // the viewer sees everyone's tasks
	Tasks  []TaskRow
	Open   int // open tasks shown
	Notice string
}

// Filters are the status filters of the tasks page, in order.
func (TasksData) Filters() []string { return []string{"open", "done", ""} }

// percent shows a share as a percentage with one decimal ("66.7", "100"), never
// rounding a share below one up to 100.
func percent(share float64) string {
	if math.IsNaN(share) || share <= 0 {
		return "0"
	}
	p := math.Round(share*1000) / 10
	if share < 1 && p >= 100 {
		p = 99.9
	}
	return strconv.FormatFloat(p, 'f', -1, 64)
}

// reachLevel bands a reach rate: ok from 95 %, warn from 80 %, else bad.
func reachLevel(share float64) string {
	switch {
	case share >= 0.95:
		return "ok"
	case share >= 0.8:
		return "warn"
	}
	return "bad"
}

// Duration shows a number of seconds (a float64 or *float64) as a short duration in the
// language ("1 分 30 秒", "1m 30s"); nil shows "—".
func (l Lang) Duration(v any) string {
	var s float64
	switch x := v.(type) {
	case float64:
		s = x
	case *float64:
		if x == nil {
			return "—"
		}
		s = *x
	default:
		return "—"
	}
	if s < 0 || math.IsNaN(s) {
		return "—"
	}
	if s < 10 {
		return l.T("dur.s", strconv.FormatFloat(math.Round(s*10)/10, 'f', -1, 64))
	}
	n := int64(math.Round(s))
	switch {
	case n < 60:
		return l.T("dur.s", strconv.FormatInt(n, 10))
	case n < 3600:
		if n%60 == 0 {
			return l.T("dur.m", n/60)
		}
		return l.T("dur.ms", n/60, n%60)
	}
	n = (n + 30) / 60 // whole minutes
	if n%60 == 0 {
		return l.T("dur.h", n/60)
	}
	return l.T("dur.hm", n/60, n%60)
}
