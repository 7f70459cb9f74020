package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"lifeline/internal/phone"
)

// Contact is one emergency contact of a row.
type Contact struct {
	Name, Relation, Phone string
}

// Record is one validated row of a staff file.
type Record struct {
	Line        int
	EmployeeNo  string
	Name        string
	Department  string
	Title       string
	Status      string // active, probation or departed
	HireDate    string // YYYY-MM-DD or ""
	Mobile      string
	OfficePhone string
	Email       string
	Contacts    []Contact
	Warnings    []string // not errors: kept, and reported (e.g. a phone cell stored as a number)
}

// Problem is a structural error of one row (or of the whole file when Line is 0).
type Problem struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Columns says which fields the file has: a field without a column is left unchanged.
type Columns map[Field]bool

// Parse maps a table's columns by their headers and validates each row. Rows with
// structural errors are reported and left out of the records.
func Parse(t Table) ([]Record, Columns, []Problem) {
	aliases := headerAliases()
	cols := map[int]Field{}
	have := Columns{}
	var problems []Problem
	for i, h := range t.Header {
		f, ok := aliases[normalizeHeader(h)]
		if !ok {
			continue // unknown columns are ignored, as HR files carry many
		}
		if have[f] {
			problems = append(problems, Problem{Field: string(f), Message: fmt.Sprintf("two columns map to %s (column %d: %q)", f, i+1, h)})
			continue
		}
		cols[i], have[f] = f, true
	}
	for _, f := range []Field{EmployeeNo, Name} {
		if !have[f] {
			problems = append(problems, Problem{Field: string(f), Message: "the file has no " + string(f) + " column (工号/姓名)"})
		}
	}
	if len(problems) > 0 {
		return nil, have, problems
	}
	var out []Record
	seen := map[string]int{}
	for i, row := range t.Rows {
		line := t.Lines[i]
		rec := Record{Line: line, Status: "active"}
		cells := map[Field]string{}
		var rowProblems []Problem
		for c, v := range row {
			f, ok := cols[c]
			if !ok {
				continue
			}
			v = strings.TrimSpace(norm.NFKC.String(v))
			if phone.LooksLikeResidentID(v) {
				rowProblems = append(rowProblems, Problem{Line: line, Field: string(f), Message: "holds a resident ID number (身份证号), which Lifeline does not store"})
				v = ""
			}
			if isPhoneField(f) && t.Numeric[[2]int{i, c}] {
				if w := numericPhoneWarning(v); w != "" {
					rec.Warnings = append(rec.Warnings, string(f)+": "+w)
				}
			}
			cells[f] = v
		}
		rec.EmployeeNo, rec.Name = cells[EmployeeNo], cells[Name]
		if rec.EmployeeNo == TemplateExampleNo {
			continue // the example row of the downloadable template
		}
		rec.Department, rec.Title = cleanPath(cells[Department]), cells[Title]
		rec.Mobile, rec.OfficePhone, rec.Email = cells[Mobile], cells[OfficePhone], cells[Email]
		if rec.EmployeeNo == "" {
			rowProblems = append(rowProblems, Problem{Line: line, Field: string(EmployeeNo), Message: "no employee number"})
		} else if first, dup := seen[rec.EmployeeNo]; dup {
			rowProblems = append(rowProblems, Problem{Line: line, Field: string(EmployeeNo), Message: fmt.Sprintf("employee number %s already on line %d", rec.EmployeeNo, first)})
		} else {
			seen[rec.EmployeeNo] = line
		}
		if rec.Name == "" {
			rowProblems = append(rowProblems, Problem{Line: line, Field: string(Name), Message: "no name"})
		}
		if s, ok := parseStatus(cells[Status]); ok {
			rec.Status = s
		} else {
			rowProblems = append(rowProblems, Problem{Line: line, Field: string(Status), Message: fmt.Sprintf("unknown status %q: use 在职, 试用, 离职 (active, probation, departed)", cells[Status])})
		}
		if d, ok := parseDate(cells[HireDate]); ok {
			rec.HireDate = d
		} else {
			rec.Warnings = append(rec.Warnings, fmt.Sprintf("hire_date: %q is not a date; left unchanged", cells[HireDate]))
		}
		for n := 1; n <= 3; n++ {
			c := Contact{Name: cells[ecField(n, "name")], Relation: cells[ecField(n, "relation")], Phone: cells[ecField(n, "phone")]}
			if c.Name == "" && c.Phone == "" {
				continue
			}
			if c.Name == "" {
				c.Name = "未填写"
				rec.Warnings = append(rec.Warnings, fmt.Sprintf("ec%d: a phone without a name", n))
			}
			if c.Relation == "" {
				c.Relation = "未填写"
			}
			rec.Contacts = append(rec.Contacts, c)
		}
		if len(rowProblems) > 0 {
			problems = append(problems, rowProblems...)
			continue
		}
		out = append(out, rec)
	}
	return out, have, problems
}

func cleanPath(p string) string {
	parts := strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' || r == '>' || r == '＞' })
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, "/")
}

// parseStatus maps the statuses HR files use.
func parseStatus(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "在职", "正式", "active", "在岗":
		return "active", true
	case "试用", "试用期", "probation":
		return "probation", true
	case "离职", "已离职", "departed", "left":
		return "departed", true
	}
	return "", false
}

var datePattern = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$`)

// parseDate reads the date formats HR files use, including Excel serial day numbers.
func parseDate(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	if m := datePattern.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		if t.Year() == y && int(t.Month()) == mo && t.Day() == d {
			return t.Format("2006-01-02"), true
		}
		return "", false
	}
	if len(s) == 8 {
		if t, err := time.Parse("20060102", s); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n > 20000 && n < 80000 { // Excel's day count from 1899-12-30
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format("2006-01-02"), true
	}
	return "", false
}

var floatPattern = regexp.MustCompile(`^\d(\.\d+)?[eE]\+?\d+$`)

// numericPhoneWarning explains what a spreadsheet did to a phone number stored as a number.
func numericPhoneWarning(v string) string {
	switch {
	case floatPattern.MatchString(v) || strings.Contains(v, ".") || len(v) > 15:
		// A spreadsheet number keeps 15 significant digits: anything longer was rounded.
		return "stored as a number and turned into a float; digits are lost — format the column as text and re-enter"
	case len(v) >= 9 && len(v) <= 11 && !(len(v) == 11 && v[0] == '1'):
		return "stored as a number and lost its leading zero — format the column as text and re-enter"
	}
	return ""
}
