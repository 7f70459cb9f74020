package web

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"lifeline/internal/directory"
	"lifeline/internal/importer"
	"lifeline/internal/quality"
)

// ImportRowLimit is how many rows with changes or warnings an import page lists; the
// counts always cover the whole file.
const ImportRowLimit = 300

// ImportForm is the options of the upload form as the user chose them.
type ImportForm struct {
	Snapshot    bool // the file is the complete staff list
	SkipInvalid bool // import the valid rows when some rows have structural errors
}

// ImportConfirm is what the confirm form carries from the preview to the real run. The
// file travels sealed (encrypted and authenticated by the server, expiring) when it is
// small; otherwise the user selects it again and Digest recognizes it.
type ImportConfirm struct {
	Sealed   string // the previewed file, sealed and base64-encoded; "" when it must be selected again
	Expires  string // Unix time after which Sealed no longer opens
	Digest   string // keyed digest of the previewed file
	FileName string
	Expect   string    // the preview's counts, "created/updated/unchanged/departed"
	Until    time.Time // when Sealed expires, to show
}

// Reselect reports whether the confirm form asks for the file again.
func (c ImportConfirm) Reselect() bool { return c.Sealed == "" }

// ImportsData is the data of the import page: the upload form and, after an upload, the
// preview (a dry run: the same counts as the real run) or the outcome of the real run.
type ImportsData struct {
	Form        ImportForm
	FileName    string
	Report      *importer.Report  // nil before an upload
	Rejected    bool              // nothing was (or would be) written; Report.Problems say why
	Done        bool              // the real run happened
	Rows        []ImportRow       // rows with changes or warnings, at most ImportRowLimit
	MoreRows    int               // such rows left out of Rows
	Departments map[string]string // department id → name path, for department changes
	Confirm     ImportConfirm
	Error       string // translated message shown above the form (e.g. an expired preview)
	Differs     bool   // the real run's counts differ from the preview's (the data changed in between)
	Findings    int    // findings after the real run's quality recheck; -1 when unknown
}

// ImportRow is one row of the file as the import page lists it.
type ImportRow struct {
	importer.RowResult
}

// HasChanges reports whether the (previewed) import changes anything.
func (d ImportsData) HasChanges() bool {
	return d.Report != nil && d.Report.Created+d.Report.Updated+d.Report.Departed > 0
}

// CanConfirm reports whether the preview offers the real run.
func (d ImportsData) CanConfirm() bool {
	return d.Report != nil && d.Report.DryRun && !d.Rejected && d.HasChanges()
}

// RowProblems reports whether the rejection lists row problems that skipping invalid
// rows would get past (not a file-level problem or a safety stop).
func (d ImportsData) RowProblems() bool {
	if d.Report == nil || !d.Rejected || d.Form.SkipInvalid {
		return false
	}
	rows := false
	for _, p := range d.Report.Problems {
		if p.Line == 0 {
			return false
		}
		rows = true
	}
	return rows
}

// ProblemLimit is how many problems an import page lists.
const ProblemLimit = 500

// Problems returns the problems to list, at most ProblemLimit.
func (d ImportsData) Problems() []importer.Problem {
	if d.Report == nil {
		return nil
	}
	return d.Report.Problems[:min(len(d.Report.Problems), ProblemLimit)]
}

// MoreProblems is the number of problems left out of Problems.
func (d ImportsData) MoreProblems() int {
	if d.Report == nil {
		return 0
	}
	return max(0, len(d.Report.Problems)-ProblemLimit)
}

// Gone lists the employee numbers a snapshot departs, at most 200.
func (d ImportsData) Gone() []string {
	if d.Report == nil {
		return nil
	}
	return d.Report.Gone[:min(len(d.Report.Gone), 200)]
}

// MoreGone is the number of departing employee numbers left out of Gone.
func (d ImportsData) MoreGone() int {
	if d.Report == nil {
		return 0
	}
	return max(0, len(d.Report.Gone)-200)
}

// ImportRows picks the rows an import page lists: every row that changes something or
// has a warning, in file order, at most ImportRowLimit; and how many were left out.
func ImportRows(rep importer.Report) ([]ImportRow, int) {
	var out []ImportRow
	more := 0
	for _, r := range rep.Results {
		if r.Outcome == directory.Unchanged && len(r.Warnings) == 0 {
			continue
		}
		if len(out) >= ImportRowLimit {
			more++
			continue
		}
		out = append(out, ImportRow{r})
	}
	return out, more
}

// ExpectOf writes a report's counts for the confirm form.
func ExpectOf(rep importer.Report) string {
	return fmt.Sprintf("%d/%d/%d/%d", rep.Created, rep.Updated, rep.Unchanged, rep.Departed)
}

// QualityFilter is the filter of the findings list.
type QualityFilter struct {
	Code, Severity, DepartmentID string
}

// Active reports whether any filter is set.
func (f QualityFilter) Active() bool { return f.Code != "" || f.Severity != "" || f.DepartmentID != "" }

// AccuracyRow is one department's accuracy as a bar.
type AccuracyRow struct {
	quality.DepartmentAccuracy
	Percent int // accuracy in whole percent
	Width   int // bar width class, 0 … 100 in steps of 5
	Level   string
}

// ScoreBand is one bar of the score distribution.
type ScoreBand struct {
	Label  string
	Count  int
	Height int // bar height class, 0 … 100 in steps of 5
	Low    bool
}

// CodeCount is the number of findings of one code.
type CodeCount struct {
	Code     string
	Severity string
	Count    int
	Width    int
}

// FindingRow is a finding with the anchor of the person page section that fixes it.
type FindingRow struct {
	quality.Finding
	Anchor string // "contacts" (the person's own channels) or "emergency"
	EC     string // the emergency contact's number ("1" of "ec1"), "" for self
}

// WorstRow is one of the lowest-scoring contacts.
type WorstRow struct {
	quality.WorstContact
	Anchor, EC, Level string
}

// QualityData is the data of the data-quality page.
type QualityData struct {
	Summary      quality.Summary
	Accuracy     []AccuracyRow // worst first
	Bands        []ScoreBand
	Codes        []CodeCount
	Worst        []WorstRow
	Findings     []FindingRow
	MoreFindings int
	Filter       QualityFilter
	Departments  []directory.Department // for the filter
	CanRecheck   bool
	Notice       string
	Contacts     int // contacts scored
	Low          int // contacts scoring below the threshold
}

// AccuracyShown is how many departments the accuracy table shows before "show all".
const AccuracyShown = 12

// AccuracyTop and AccuracyRest split the accuracy table.
func (d QualityData) AccuracyTop() []AccuracyRow {
	return d.Accuracy[:min(len(d.Accuracy), AccuracyShown)]
}

// AccuracyRest is the rest of the accuracy table, behind "show all".
func (d QualityData) AccuracyRest() []AccuracyRow {
	if len(d.Accuracy) <= AccuracyShown {
		return nil
	}
	return d.Accuracy[AccuracyShown:]
}

// OverallPercent is the share of people without a high-severity finding, over the scope.
func (d QualityData) OverallPercent() int {
	people, accurate := 0, 0
	// The root departments' figures include their subtrees: sum over departments that are
	// not inside another listed one.
	for _, a := range d.Summary.Departments {
		inside := false
		for _, b := range d.Summary.Departments {
			if b.DepartmentID != a.DepartmentID && strings.HasPrefix(a.Department, b.Department+"/") {
				inside = true
				break
			}
		}
		if !inside {
			people += a.People
			accurate += a.Accurate
		}
	}
	if people == 0 {
		return 100
	}
	return int(math.Floor(float64(accurate) * 100 / float64(people)))
}

// FindingsCount is the number of findings the filter matches.
func (d QualityData) FindingsCount() int { return len(d.Findings) + d.MoreFindings }

// Total is the number of findings over the scope.
func (d QualityData) Total() int {
	n := 0
	for _, c := range d.Codes {
		n += c.Count
	}
	return n
}

// FindingShown is how many findings the list shows.
const FindingShown = 200

// step5 rounds a share (0 … 1) to a width class in steps of 5.
func step5(share float64) int {
	if share <= 0 || math.IsNaN(share) {
		return 0
	}
	return min(100, int(math.Round(share*20))*5)
}

// atLeast5 makes a non-zero count visible as a bar.
func atLeast5(w, n int) int {
	if n > 0 && w == 0 {
		return 5
	}
	return w
}

// scoreLevel names the band of a score for its badge: low below the threshold.
func scoreLevel(score, threshold float64) string {
	switch {
	case score < threshold:
		return "low"
	case score < 8:
		return "mid"
	}
	return "high"
}

// ScoreLevel names the band of a score for its badge, with the default threshold.
func ScoreLevel(score float64) string {
	return scoreLevel(score, quality.DefaultConfig().ScoreThreshold)
}

// anchorOf is the person page section that fixes a finding.
func anchorOf(code, subject string) (anchor, ec string) {
	if n, ok := strings.CutPrefix(subject, "ec"); ok {
		return "emergency", n
	}
	switch code {
	case quality.MissingEmergency, quality.FrequentChanges:
		return "emergency", ""
	}
	return "contacts", ""
}

// NewQualityData lays out a summary for the page: departments worst first, the score
// histogram, every code with its count, the worst contacts, and the findings to list
// (at most FindingShown of total).
func NewQualityData(sum quality.Summary, findings []quality.Finding, total int) QualityData {
	d := QualityData{Summary: sum}
	for _, a := range sum.Departments {
		row := AccuracyRow{DepartmentAccuracy: a, Percent: int(math.Floor(a.Accuracy * 100)), Width: step5(a.Accuracy)}
		row.Level = "ok"
		switch {
		case a.Accuracy < 0.8:
			row.Level = "bad"
		case a.Accuracy < 0.95:
			row.Level = "warn"
		}
		d.Accuracy = append(d.Accuracy, row)
	}
	sort.SliceStable(d.Accuracy, func(i, j int) bool {
		if d.Accuracy[i].Accuracy != d.Accuracy[j].Accuracy {
			return d.Accuracy[i].Accuracy < d.Accuracy[j].Accuracy
		}
		return d.Accuracy[i].People > d.Accuracy[j].People
	})
	peak := 0
	for _, n := range sum.Scores {
		peak = max(peak, n)
		d.Contacts += n
	}
	for i, n := range sum.Scores {
		label := strconv.Itoa(i) + "–" + strconv.Itoa(i+1)
		if i == 10 {
			label = "10"
		}
		b := ScoreBand{Label: label, Count: n, Low: float64(i+1) <= sum.Threshold}
		if peak > 0 {
			b.Height = atLeast5(step5(float64(n)/float64(peak)), n)
		}
		if b.Low {
			d.Low += n
		}
		d.Bands = append(d.Bands, b)
	}
	most := 0
	for _, c := range quality.Codes() {
		most = max(most, sum.ByCode[c])
	}
	for _, c := range quality.Codes() {
		cc := CodeCount{Code: c, Severity: quality.Severity(c), Count: sum.ByCode[c]}
		if most > 0 {
			cc.Width = atLeast5(step5(float64(cc.Count)/float64(most)), cc.Count)
		}
		d.Codes = append(d.Codes, cc)
	}
	for i, w := range sum.Worst {
		if i == 20 {
			break
		}
		anchor, ec := anchorOf("", w.Subject)
		d.Worst = append(d.Worst, WorstRow{WorstContact: w, Anchor: anchor, EC: ec, Level: scoreLevel(w.Score, sum.Threshold)})
	}
	for i, f := range findings {
		if i == FindingShown {
			break
		}
		anchor, ec := anchorOf(f.Code, f.Subject)
		d.Findings = append(d.Findings, FindingRow{Finding: f, Anchor: anchor, EC: ec})
	}
	d.MoreFindings = max(0, total-len(d.Findings))
	return d
}

// ScoreView is a contact's score as the person page shows it.
type ScoreView struct {
	quality.Score
	EC    string // the emergency contact's number, "" for the person's own channels
	Level string // low, mid or high
}

// ScoreViews prepares a person's scores for the person page.
func ScoreViews(scores []quality.Score) []ScoreView {
	out := make([]ScoreView, 0, len(scores))
	for _, s := range scores {
		_, ec := anchorOf("", s.Subject)
		out = append(out, ScoreView{Score: s, EC: ec, Level: ScoreLevel(s.Score)})
	}
	sort.SliceStable(out, func(i, j int) bool { // self first, then ec1, ec2 …
		if (out[i].EC == "") != (out[j].EC == "") {
			return out[i].EC == ""
		}
		return out[i].EC < out[j].EC
	})
	return out
}
