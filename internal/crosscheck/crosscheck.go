// Package crosscheck loads the phone lists of other systems — attendance (考勤), payroll
// (工资), access control — to compare with the directory (SPEC §3.5: 与考勤/工资系统交叉核对).
// A list is a CSV or XLSX file with an employee number and a phone number per row. Each
// number is normalized the way the directory normalizes its own and only its blind index
// and masked form are stored: the other system's plaintext numbers never reach the
// database. The data-quality recheck then reports cross_check_mismatch for every person
// whose number in a list is not among their own numbers.
package crosscheck

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/importer"
	"lifeline/internal/phone"
	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// MaxSourceLen bounds the name of a source ("考勤", "payroll").
const MaxSourceLen = 64

// Headers accepted for the two columns (case-insensitive, spaces ignored). A mobile column
// is preferred over a generic phone column when a file has both.
var (
	employeeHeaders = []string{"employee_no", "employee_id", "工号", "员工编号", "员工号", "职工号", "人员编号"}
	phoneHeaders    = []string{"mobile", "手机", "手机号", "手机号码", "移动电话", "phone", "电话", "电话号码", "联系电话", "联系方式"}
)

// Row names one row of the file by its line and employee number; Masked is the other
// system's number, masked, where it matters (mismatches).
type Row struct {
	Line       int    `json:"line"`
	EmployeeNo string `json:"employee_no"`
	Masked     string `json:"masked,omitempty"`
}

// Problem is a row that was not loaded, and why.
type Problem struct {
	Line       int    `json:"line"`
	EmployeeNo string `json:"employee_no,omitempty"`
	Message    string `json:"message"`
}

// Report says what a load did. Matched and Mismatched count the people who have not
// departed (departed people are archived and not checked); Mismatched is the number of
// cross_check_mismatch findings this source causes.
type Report struct {
	Source     string    `json:"source"`
	Encoding   string    `json:"encoding"`
	Rows       int       `json:"rows"`       // data rows in the file
	Loaded     int       `json:"loaded"`     // rows stored: known people in the caller's scope
	Replaced   int       `json:"replaced"`   // rows of this source that the load replaced
	Matched    int       `json:"matched"`    // the number is one of the person's own numbers
	Mismatched int       `json:"mismatched"` // it is not
	Departed   int       `json:"departed"`   // rows of departed people: stored, not checked
	Unknown    []Row     `json:"unknown"`    // employee numbers not in the directory (or outside the caller's scope)
	Mismatches []Row     `json:"mismatches"` // the mismatched rows, with the other system's number masked
	Problems   []Problem `json:"problems"`   // rows skipped: no employee number, no number, a resident ID, a second number
}

// entry is one usable row of the file.
type entry struct {
	line           int
	employeeNo     string
	lookup, masked string
}

// Load replaces the rows of one source with the phone list in file (CSV or XLSX) in one
// transaction, and audits it (crosscheck.load). A principal whose scope is a department
// subtree replaces the rows of the people in that subtree only; employee numbers outside
// it are reported as unknown. A file with a header and no rows removes the source. The
// caller runs the quality recheck afterwards so that the findings follow.
func Load(ctx context.Context, db *store.DB, v *vault.Vault, p *access.Principal, source string, file io.Reader) (Report, error) {
	rep := Report{Unknown: []Row{}, Mismatches: []Row{}, Problems: []Problem{}}
	if !p.Can(access.DirectoryWrite) || p.SelfOnly() {
		return rep, errs.E(errs.Forbidden, "you may not load cross-check lists")
	}
	source, err := cleanSource(source)
	if err != nil {
		return rep, err
	}
	rep.Source = source
	t, err := importer.ReadTable(file)
	if err != nil {
		return rep, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "file", Message: err.Error()}}}
	}
	rep.Encoding, rep.Rows = t.Encoding, len(t.Rows)
	empCol, phoneCol := column(t.Header, employeeHeaders), column(t.Header, phoneHeaders)
	var v2 errs.Validation
	v2.Check(empCol >= 0, "file", "no employee number column (工号 or employee_no)")
	v2.Check(phoneCol >= 0, "file", "no phone column (手机, 手机号, 电话, mobile or phone)")
	if err := v2.Err(); err != nil {
		return rep, err
	}

	// Read and normalize every row before touching the database.
	var entries []*entry
	first := map[string]*entry{}
	for i, row := range t.Rows {
		line := t.Lines[i]
		eno, raw := cell(row, empCol), cell(row, phoneCol)
		if phone.LooksLikeResidentID(eno) {
			rep.Problems = append(rep.Problems, Problem{Line: line, Message: "the employee number column holds a resident ID number (身份证号), which Lifeline does not store"})
			continue
		}
		switch {
		case eno == "":
			rep.Problems = append(rep.Problems, Problem{Line: line, Message: "no employee number"})
			continue
		case raw == "":
			rep.Problems = append(rep.Problems, Problem{Line: line, EmployeeNo: eno, Message: "no phone number"})
			continue
		}
		lookup, masked, ok := normalize(v, raw)
		if !ok {
			rep.Problems = append(rep.Problems, Problem{Line: line, EmployeeNo: eno,
				Message: "the phone column holds a resident ID number (身份证号), which Lifeline does not store"})
			continue
		}
		if prev, dup := first[eno]; dup {
			if prev.lookup != lookup {
				rep.Problems = append(rep.Problems, Problem{Line: line, EmployeeNo: eno,
					Message: fmt.Sprintf("a second number for employee %s (line %d has the first); only the first is compared", eno, prev.line)})
			}
			continue
		}
		e := &entry{line: line, employeeNo: eno, lookup: lookup, masked: masked}
		first[eno] = e
		entries = append(entries, e)
	}

	now := time.Now()
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		people, err := peopleInScope(ctx, tx, p)
		if err != nil {
			return err
		}
		own, err := ownLookups(ctx, tx, p)
		if err != nil {
			return err
		}
		var rows [][]any
		for _, e := range entries {
			who, ok := people[e.employeeNo]
			if !ok {
				rep.Unknown = append(rep.Unknown, Row{Line: e.line, EmployeeNo: e.employeeNo})
				continue
			}
			rows = append(rows, []any{e.employeeNo, source, e.lookup, e.masked, store.TS(now)})
			switch {
			case who.status == "departed":
				rep.Departed++
			case own[who.id+"\x00"+e.lookup]:
				rep.Matched++
			default:
				rep.Mismatched++
				rep.Mismatches = append(rep.Mismatches, Row{Line: e.line, EmployeeNo: e.employeeNo, Masked: e.masked})
			}
		}
		rep.Loaded = len(rows)
		var res sql.Result
		if p.ScopePath == "" {
			res, err = tx.ExecContext(ctx, `DELETE FROM cross_check WHERE source = $1`, source)
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM cross_check WHERE source = $1 AND employee_no IN
				(SELECT p.employee_no FROM people p JOIN departments d ON d.id = p.department_id WHERE d.path LIKE $2)`, source, p.ScopePath+"%")
		}
		if err != nil {
			return fmt.Errorf("clear cross-check source: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil {
			rep.Replaced = int(n)
		}
		if err := db.BulkInsert(ctx, tx, "cross_check", []string{"employee_no", "source", "lookup", "masked", "loaded_at"}, rows); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "crosscheck.load", ObjectType: "cross_check", ObjectID: source,
			Detail: fmt.Sprintf("source=%s rows=%d loaded=%d replaced=%d matched=%d mismatched=%d departed=%d unknown=%d problems=%d",
				source, rep.Rows, rep.Loaded, rep.Replaced, rep.Matched, rep.Mismatched, rep.Departed, len(rep.Unknown), len(rep.Problems))})
	})
	if err != nil {
		return rep, err
	}
	return rep, nil
}

// cleanSource checks the name of a source: 1-64 characters, no control characters.
func cleanSource(s string) (string, error) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	ok := s != "" && utf8.RuneCountInString(s) <= MaxSourceLen && strings.IndexFunc(s, unicode.IsControl) < 0
	if !ok {
		return s, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "source",
			Message: fmt.Sprintf("required: the other system's name (考勤, payroll …), at most %d characters", MaxSourceLen)}}}
	}
	return s, nil
}

// normalize turns a phone cell into the blind index and masked form the directory would
// give it: the index of the E.164 form, or of the typed digits when the number is not
// valid (so that a number typed wrongly in both systems still matches). It refuses a
// resident ID number.
func normalize(v *vault.Vault, raw string) (lookup, masked string, ok bool) {
	n, err := phone.Parse(raw, "CN")
	if errors.Is(err, phone.ErrResidentID) {
		return "", "", false
	}
	if err == nil && n.Type != phone.Invalid {
		key := n.E164
		if key == "" {
			key = digits(raw)
		}
		return v.Index("phone", key), phone.Mask(n), true
	}
	d := digits(raw)
	masked = "***"
	if len(d) >= 7 {
		masked = d[:3] + "****" + d[len(d)-4:]
	}
	return v.Index("phone", d), masked, true
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normalizeHeader folds a header cell: NFKC, lower case, no spaces, no "*" marks.
func normalizeHeader(s string) string {
	s = norm.NFKC.String(strings.TrimPrefix(s, "\ufeff"))
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsSpace(r) || r == '*' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// column finds the column of the first alias (in the order of preference) in a header.
func column(header []string, aliases []string) int {
	idx := map[string]int{}
	for i, h := range header {
		if _, seen := idx[normalizeHeader(h)]; !seen {
			idx[normalizeHeader(h)] = i
		}
	}
	for _, a := range aliases {
		if i, ok := idx[normalizeHeader(a)]; ok {
			return i
		}
	}
	return -1
}

// cell is a row's cell, NFKC-normalized and trimmed (as the staff import reads cells).
func cell(row []string, i int) string {
	if i >= len(row) {
		return ""
	}
	return strings.TrimSpace(norm.NFKC.String(row[i]))
}

type scopedPerson struct{ id, status string }

// peopleInScope maps the employee numbers of the principal's scope to their people.
func peopleInScope(ctx context.Context, q store.Querier, p *access.Principal) (map[string]scopedPerson, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.employee_no, p.status FROM people p JOIN departments d ON d.id = p.department_id
		WHERE d.path LIKE $1`, p.ScopePath+"%")
	if err != nil {
		return nil, fmt.Errorf("load people: %w", err)
	}
	defer rows.Close()
	out := map[string]scopedPerson{}
	for rows.Next() {
		var sp scopedPerson
		var eno string
		if err := rows.Scan(&sp.id, &eno, &sp.status); err != nil {
			return nil, err
		}
		out[eno] = sp
	}
	return out, rows.Err()
}

// ownLookups is the set of person id + blind index of the people's own phone numbers, as
// the quality check compares them.
func ownLookups(ctx context.Context, q store.Querier, p *access.Principal) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.person_id, c.lookup FROM channels c JOIN people p ON p.id = c.person_id
		JOIN departments d ON d.id = p.department_id WHERE c.kind IN ('mobile', 'landline') AND d.path LIKE $1`, p.ScopePath+"%")
	if err != nil {
		return nil, fmt.Errorf("load own numbers: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id, lookup string
		if err := rows.Scan(&id, &lookup); err != nil {
			return nil, err
		}
		out[id+"\x00"+lookup] = true
	}
	return out, rows.Err()
}
