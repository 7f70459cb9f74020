package crosscheck_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/clock"
	"lifeline/internal/crosscheck"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/importer"
	"lifeline/internal/keys"
	"lifeline/internal/quality"
	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
	"lifeline/internal/vault"
)

// staff is the directory of the tests: E001's mobile, E002's mobile, E003's mobile typed
// wrongly (kept as typed), E004 without any phone, E005 departed, E006 in another branch.
const staff = "工号,姓名,所属部门,手机号码,办公电话,在职状态,紧急联系人,关系,紧急联系人电话\n" +
	"E001,张伟,海港集团/生产部,138 0013 8001,(010)6552 9988转123,在职,李娜,配偶,186 2100 3344\n" +
	"E002,王芳,海港集团/生产部,13912345678,,在职,王强,父亲,13712345670\n" +
	"E003,李强,海港集团/生产部,1380013800,,在职,李娟,姐妹,13612345671\n" +
	"E004,赵敏,海港集团/生产部,,,在职,赵刚,父亲,13512345672\n" +
	"E005,钱进,海港集团/生产部,15912345673,,离职,,,\n" +
	"E006,孙丽,海港集团/安全部,15012345674,,在职,孙强,兄弟,15112345675\n"

type fixture struct {
	db  *store.DB
	v   *vault.Vault
	q   *quality.Service
	dir *directory.Service
	sys *access.Principal
}

func setup(t *testing.T, e storetest.Engine) fixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, e)
	v, err := vault.Load(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Load(ctx, db, v, time.Now()); err != nil {
		t.Fatal(err)
	}
	f := fixture{db: db, v: v, q: quality.New(db, clock.System{}, quality.DefaultConfig()), dir: directory.New(db, v, clock.System{}), sys: access.System("test")}
	if rep, err := importer.Run(ctx, db, f.dir, f.sys, strings.NewReader(staff), importer.Options{}); err != nil {
		t.Fatalf("import: %v %+v", err, rep.Problems)
	}
	return f
}

// mismatches rechecks and returns the employee numbers with a cross_check_mismatch finding.
func (f fixture) mismatches(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := f.q.Recheck(ctx); err != nil {
		t.Fatal(err)
	}
	found, err := f.q.Findings(ctx, f.sys, quality.Query{Code: quality.CrossCheck})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range found {
		if x.Subject != "self" {
			t.Errorf("finding on subject %q", x.Subject)
		}
		out = append(out, x.EmployeeNo)
	}
	return out
}

func TestLoad(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			f := setup(t, e)
			if got := f.mismatches(t); len(got) != 0 {
				t.Fatalf("mismatches before any list: %v", got)
			}
			// The attendance system's list, GB18030-free UTF-8 with English and Chinese spellings.
			file := "员工编号,姓名,手机\n" +
				"E001,张伟,+86 138-0013-8001\n" + // the same number typed differently: a match
				"E002,王芳,13900000000\n" + // another number: a mismatch
				"E003,李强,138 0013 800\n" + // wrong in both systems, the same digits: a match
				"E004,赵敏,13700000001\n" + // the person has no phone: a mismatch
				"E005,钱进,13700000002\n" + // departed: stored, not checked
				"E404,无此人,13700000003\n" + // unknown
				"E001,张伟,13700000004\n" + // a second number for E001
				",无工号,13700000005\n" +
				"E007,没号码,\n" +
				"E008,身份证,11010519491231002X\n"
			rep, err := crosscheck.Load(ctx, f.db, f.v, f.sys, " 考勤 ", strings.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Source != "考勤" || rep.Rows != 10 || rep.Loaded != 5 || rep.Matched != 2 || rep.Mismatched != 2 || rep.Departed != 1 || rep.Replaced != 0 {
				t.Errorf("report = %+v", rep)
			}
			if len(rep.Unknown) != 1 || rep.Unknown[0] != (crosscheck.Row{Line: 7, EmployeeNo: "E404"}) {
				t.Errorf("unknown = %+v", rep.Unknown)
			}
			if len(rep.Mismatches) != 2 || rep.Mismatches[0] != (crosscheck.Row{Line: 3, EmployeeNo: "E002", Masked: "139****0000"}) || rep.Mismatches[1].EmployeeNo != "E004" {
				t.Errorf("mismatches = %+v", rep.Mismatches)
			}
			lines := map[int]string{}
			for _, p := range rep.Problems {
				lines[p.Line] = p.Message
			}
			if len(rep.Problems) != 4 || !strings.Contains(lines[8], "line 2") || !strings.Contains(lines[9], "no employee number") ||
				!strings.Contains(lines[10], "no phone") || !strings.Contains(lines[11], "resident ID") {
				t.Errorf("problems = %+v", rep.Problems)
			}
			if got := f.mismatches(t); strings.Join(got, ",") != "E002,E004" {
				t.Errorf("cross_check_mismatch findings for %v, want E002, E004", got)
			}

			// Only blind indexes and masked values are stored.
			rows, err := f.db.Read.QueryContext(ctx, `SELECT employee_no, source, lookup, masked FROM cross_check ORDER BY employee_no`)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var eno, src, lookup, masked string
				if err := rows.Scan(&eno, &src, &lookup, &masked); err != nil {
					t.Fatal(err)
				}
				n++
				for _, s := range []string{lookup, masked} {
					if strings.Contains(s, "13800138001") || strings.Contains(s, "13900000000") || strings.Contains(s, "1380013800") || strings.Contains(s, "0000001") {
						t.Errorf("a plaintext number is stored for %s: %q", eno, s)
					}
				}
				if src != "考勤" || len(lookup) != 40 || !strings.Contains(masked, "****") {
					t.Errorf("row %s %s %s %s", eno, src, lookup, masked)
				}
			}
			rows.Close()
			if n != 5 {
				t.Errorf("%d rows stored, want 5", n)
			}

			// Audited, without numbers.
			entries, err := audit.Search(ctx, f.db.Read, &access.Principal{Username: "auditor", Role: access.SecurityOfficer},
				audit.Query{Action: "crosscheck.load", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].ObjectID != "考勤" || !strings.Contains(entries[0].Detail, "mismatched=2") || strings.Contains(entries[0].Detail, "139") {
				t.Errorf("audit = %+v", entries)
			}

			// A second source (XLSX, 工号 + 手机号码) adds to the first; a corrected attendance list replaces it.
			x := excelize.NewFile()
			for i, r := range [][]any{{"工号", "手机号码"}, {"E001", "13800138001"}, {"E006", "15099999999"}} {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
					t.Fatal(err)
				}
			}
			buf, err := x.WriteToBuffer()
			if err != nil {
				t.Fatal(err)
			}
			rep, err = crosscheck.Load(ctx, f.db, f.v, f.sys, "payroll", bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Encoding != "xlsx" || rep.Loaded != 2 || rep.Matched != 1 || rep.Mismatched != 1 {
				t.Errorf("payroll report = %+v", rep)
			}
			if got := f.mismatches(t); strings.Join(got, ",") != "E002,E004,E006" {
				t.Errorf("findings = %v", got)
			}
			rep, err = crosscheck.Load(ctx, f.db, f.v, f.sys, "考勤", strings.NewReader("工号,电话\nE002,139 1234 5678\n"))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Replaced != 5 || rep.Loaded != 1 || rep.Matched != 1 || rep.Mismatched != 0 {
				t.Errorf("replacement report = %+v", rep)
			}
			if got := f.mismatches(t); strings.Join(got, ",") != "E006" {
				t.Errorf("findings after the corrected list = %v, want E006", got)
			}

			// A department manager replaces the rows of their subtree only; the rest is unknown to them.
			var prod directory.Department
			depts, err := f.dir.ExportDepartments(ctx, f.sys, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range depts {
				if d.NamePath == "海港集团/生产部" {
					prod = d.Department
				}
			}
			mgr := &access.Principal{Username: "mgr", Role: access.DeptManager, ScopeDeptID: prod.ID, ScopePath: prod.Path}
			rep, err = crosscheck.Load(ctx, f.db, f.v, mgr, "payroll", strings.NewReader("工号,手机\nE001,13800138001\nE006,15012345674\n"))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Replaced != 1 || rep.Loaded != 1 || len(rep.Unknown) != 1 || rep.Unknown[0].EmployeeNo != "E006" {
				t.Errorf("scoped report = %+v", rep)
			}
			if got := f.mismatches(t); strings.Join(got, ",") != "E006" {
				t.Errorf("the manager's load touched another branch: findings %v", got)
			}

			// Refusals.
			_, err = crosscheck.Load(ctx, f.db, f.v, &access.Principal{Role: access.Viewer}, "x", strings.NewReader("工号,手机\n"))
			if !errs.Is(err, errs.Forbidden) {
				t.Errorf("viewer: %v", err)
			}
			for _, c := range []struct{ source, file, field string }{
				{"", "工号,手机\n", "source"},
				{"a\x00b", "工号,手机\n", "source"},
				{strings.Repeat("长", 65), "工号,手机\n", "source"},
				{"考勤", "姓名,手机\n张三,13800138000\n", "file"},
				{"考勤", "工号,姓名\nE1,张三\n", "file"},
				{"考勤", "", "file"},
			} {
				_, err := crosscheck.Load(ctx, f.db, f.v, f.sys, c.source, strings.NewReader(c.file))
				var e *errs.Error
				if !errs.Is(err, errs.Invalid) || !asErr(err, &e) || len(e.Fields) == 0 || e.Fields[0].Field != c.field {
					t.Errorf("Load(%q, %q) = %v, want a validation error on %s", c.source, c.file, err, c.field)
				}
			}
		})
	}
}

func asErr(err error, target **errs.Error) bool {
	e, ok := err.(*errs.Error)
	if ok {
		*target = e
	}
	return ok
}
