package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/export"
	"lifeline/internal/keys"
	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
	"lifeline/internal/vault"
)

func ptr[T any](v T) *T { return &v }

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is an organization with people whose values the tests look for.
type fixture struct {
	svc                       *export.Service
	db                        *store.DB
	clock                     *testClock
	group, prod, shop, safety directory.Department
	hr, mgr, sec, secSafety   *access.Principal
	admin, viewer, sys        *access.Principal
	reauthCalls               int
}

// Full numbers, in the forms a leak could take.
var secretForms = []string{"13800138000", "138 0013 8000", "+8613800138000", "18621003344", "186 2100 3344", "13912345678", "139 1234 5678"}

func setup(t *testing.T, e storetest.Engine) *fixture {
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
	f := &fixture{db: db, clock: &testClock{t: time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)}, sys: access.System("test")}
	dir := directory.New(db, v, f.clock)
	f.svc = export.New(db, dir, f.clock, func(p *access.Principal) error {
		f.reauthCalls++
		return nil
	})
	dept := func(name string, parent *directory.Department) directory.Department {
		in := directory.DepartmentInput{Name: ptr(name)}
		if parent != nil {
			in.ParentID = &parent.ID
		}
		d, err := dir.CreateDepartment(ctx, f.sys, in)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	f.group = dept("海港集团", nil)
	f.prod = dept("生产部", &f.group)
	f.shop = dept("一车间", &f.prod)
	f.safety = dept("安全部", &f.group)
	person := func(no, name, title string, d directory.Department, chans []directory.ChannelInput, ecs []directory.EmergencyContactInput) {
		in := directory.PersonInput{EmployeeNo: ptr(no), Name: ptr(name), Title: ptr(title), DepartmentID: &d.ID, Channels: &chans}
		if ecs != nil {
			in.EmergencyContacts = &ecs
		}
		if _, err := dir.CreatePerson(ctx, f.sys, in); err != nil {
			t.Fatal(err)
		}
	}
	person("E001", "张伟", "班组长", f.shop, []directory.ChannelInput{{Kind: "mobile", Value: "+86 138-0013-8000"},
		{Kind: "landline", Value: "(010)6552 9988转123"}, {Kind: "email", Value: "zhang.wei@example.cn"}},
		[]directory.EmergencyContactInput{{Name: "李娜", Relation: "配偶", Phone: "186 2100 3344", Priority: 1}})
	// Values a spreadsheet would run as formulas.
	person("E002", "=HYPERLINK(\"http://x\")", "-2+3", f.prod, []directory.ChannelInput{{Kind: "mobile", Value: "13700137000"}},
		[]directory.EmergencyContactInput{{Name: "@SUM(A1)", Relation: "+父亲", Phone: "13600136000", Priority: 1}})
	person("E003", "王芳", "安全员", f.safety, []directory.ChannelInput{{Kind: "mobile", Value: "13912345678"}}, nil)

	user := func(name string, role access.Role, d *directory.Department) *access.Principal {
		p := &access.Principal{UserID: store.NewID(), Username: name, Role: role, Locale: "zh", IP: "192.0.2.1"}
		var deptID any
		if d != nil {
			p.ScopeDeptID, p.ScopePath, deptID = d.ID, d.Path, d.ID
		}
		_, err := db.Write.ExecContext(ctx, `INSERT INTO users (id, username, display_name, password_hash, role, department_id, locale, created_at, updated_at)
			VALUES ($1, $2, $2, 'x', $3, $4, 'zh', $5, $5)`, p.UserID, name, string(role), deptID, store.TS(f.clock.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.hr = user("hr1", access.HR, nil)
	f.mgr = user("mgr", access.DeptManager, &f.prod)
	f.sec = user("sec", access.SecurityOfficer, nil)
	f.secSafety = user("sec-safety", access.SecurityOfficer, &f.safety)
	f.admin = user("admin1", access.Admin, nil)
	f.viewer = user("viewer1", access.Viewer, nil)
	return f
}

func wantKind(t *testing.T, err error, kind errs.Kind) {
	t.Helper()
	if !errs.Is(err, kind) {
		t.Fatalf("error = %v (%s), want %s", err, errs.KindOf(err), kind)
	}
}

func readCSV(t *testing.T, body []byte, skipWatermark bool) [][]string {
	t.Helper()
	b, ok := bytes.CutPrefix(body, []byte("\ufeff"))
	if !ok {
		t.Fatal("the CSV has no UTF-8 byte order mark")
	}
	if skipWatermark {
		_, rest, found := bytes.Cut(b, []byte("\r\n"))
		if !found {
			t.Fatal("no line after the watermark")
		}
		b = rest
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v\n%s", err, body)
	}
	return rows
}

func noSecrets(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, s := range secretForms {
		if bytes.Contains(body, []byte(s)) {
			t.Errorf("%s contains the full number %q", what, s)
		}
	}
}

func auditActions(t *testing.T, f *fixture, action string) []audit.Entry {
	t.Helper()
	sec := &access.Principal{Username: "auditor", Role: access.SecurityOfficer}
	entries, err := audit.Search(context.Background(), f.db.Read, sec, audit.Query{Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestMaskedExports(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			f := setup(t, e)

			// CSV: BOM, Chinese headers, masked values, formulas defused, audited with the row count.
			file, err := f.svc.Masked(ctx, f.hr, export.Input{Format: "csv"})
			if err != nil {
				t.Fatal(err)
			}
			if file.ContentType != export.ContentTypeCSV || file.Rows != 3 || !strings.HasSuffix(file.Name, ".csv") || !strings.Contains(file.Name, "已脱敏") {
				t.Fatalf("file = %s %q rows=%d", file.ContentType, file.Name, file.Rows)
			}
			noSecrets(t, "a masked CSV", file.Body)
			if bytes.Contains(file.Body, []byte("批准人")) {
				t.Error("a masked CSV carries an approval watermark")
			}
			rows := readCSV(t, file.Body, false)
			want := []string{"工号", "姓名", "部门", "职务", "状态", "手机", "办公电话", "邮箱", "紧急联系人1", "关系1", "紧急联系人1电话", "紧急联系人2", "关系2", "紧急联系人2电话"}
			if strings.Join(rows[0], ",") != strings.Join(want, ",") {
				t.Fatalf("headers = %v", rows[0])
			}
			byNo := map[string][]string{}
			for _, r := range rows[1:] {
				byNo[r[0]] = r
			}
			zw := byNo["E001"]
			if zw[1] != "张伟" || zw[2] != "海港集团/生产部/一车间" || zw[4] != "在职" || zw[5] != "138****8000" || !strings.Contains(zw[6], "****") ||
				!strings.Contains(zw[6], "转123") || zw[7] == "zhang.wei@example.cn" || zw[8] == "李娜" || zw[9] != "配偶" || zw[10] != "186****3344" {
				t.Errorf("masked row = %q", zw)
			}
			formula := byNo["E002"]
			if formula[1] != `'=HYPERLINK("http://x")` || formula[3] != "'-2+3" || !strings.HasPrefix(formula[8], "'@") || formula[9] != "'+父亲" {
				t.Errorf("formula cells not escaped: %q", formula)
			}
			entries := auditActions(t, f, "export.masked")
			if len(entries) != 1 || !strings.Contains(entries[0].Detail, "masked=true") || !strings.Contains(entries[0].Detail, "rows=3") || entries[0].ActorName != "hr1" {
				t.Errorf("audit = %+v", entries)
			}

			// A department manager's masked export stays inside their subtree; English headers on request.
			file, err = f.svc.Masked(ctx, f.mgr, export.Input{Format: "csv", Lang: "en", PersonStatus: "active"})
			if err != nil {
				t.Fatal(err)
			}
			rows = readCSV(t, file.Body, false)
			if rows[0][0] != "employee_no" || rows[0][10] != "ec1_phone" || len(rows) != 3 || bytes.Contains(file.Body, []byte("王芳")) {
				t.Errorf("scoped English export = %q", rows)
			}
			if rows[1][4] != "active" {
				t.Errorf("status = %q", rows[1][4])
			}

			// XLSX: phone columns are text cells, masked.
			file, err = f.svc.Masked(ctx, f.hr, export.Input{Format: "xlsx", DepartmentID: f.shop.ID})
			if err != nil {
				t.Fatal(err)
			}
			if file.ContentType != export.ContentTypeXLSX || file.Rows != 1 {
				t.Fatalf("xlsx = %s rows=%d", file.ContentType, file.Rows)
			}
			x := openXLSX(t, file.Body)
			if v, _ := x.GetCellValue("人员", "F2"); v != "138****8000" {
				t.Errorf("F2 = %q", v)
			}
			textCell(t, x, "人员", "F2")
			if _, err := x.GetSheetIndex("说明"); err != nil {
				t.Error(err)
			}

			// Departments: masked only.
			file, err = f.svc.Masked(ctx, f.hr, export.Input{Subject: "departments", Format: "csv"})
			if err != nil {
				t.Fatal(err)
			}
			rows = readCSV(t, file.Body, false)
			if rows[0][0] != "部门路径" || len(rows) != 5 || !bytes.Contains(file.Body, []byte("海港集团/生产部/一车间")) {
				t.Errorf("departments = %q", rows)
			}
			_, err = f.svc.Create(ctx, f.hr, export.Input{Subject: "departments", Format: "csv", Reason: "x"})
			wantKind(t, err, errs.Invalid)

			// Refusals: a role without export, a bad format, a department outside the scope.
			_, err = f.svc.Masked(ctx, f.viewer, export.Input{Format: "csv"})
			wantKind(t, err, errs.Forbidden)
			_, err = f.svc.Masked(ctx, f.sec, export.Input{Format: "csv"})
			wantKind(t, err, errs.Forbidden)
			_, err = f.svc.Masked(ctx, f.hr, export.Input{Format: "pdf"})
			wantKind(t, err, errs.Invalid)
			_, err = f.svc.Masked(ctx, f.mgr, export.Input{Format: "csv", DepartmentID: f.safety.ID})
			wantKind(t, err, errs.Invalid)
		})
	}
}

func openXLSX(t *testing.T, body []byte) *excelize.File {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open xlsx: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// textCell checks that a cell holds a string with the text number format (@), so that a
// spreadsheet never turns a phone number into a number.
func textCell(t *testing.T, x *excelize.File, sheet, cell string) {
	t.Helper()
	typ, err := x.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
		t.Errorf("%s!%s: cell type %v, want a string", sheet, cell, typ)
	}
	id, err := x.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := x.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.NumFmt != 49 {
		t.Errorf("%s!%s: number format %d, want 49 (text)", sheet, cell, st.NumFmt)
	}
}

func TestFourEyesApproval(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			f := setup(t, e)

			// A reason is required; the request is pending and covers the requester's subtree.
			_, err := f.svc.Create(ctx, f.mgr, export.Input{Format: "csv"})
			wantKind(t, err, errs.Invalid)
			_, err = f.svc.Create(ctx, f.viewer, export.Input{Format: "csv", Reason: "x"})
			wantKind(t, err, errs.Forbidden)
			calls := f.reauthCalls
			req, err := f.svc.Create(ctx, f.mgr, export.Input{Format: "csv", Reason: "防汛演练通讯录"})
			if err != nil {
				t.Fatal(err)
			}
			if f.reauthCalls != calls+1 {
				t.Error("requesting an unmasked export did not re-authenticate")
			}
			if req.Status != export.StatusPending || req.Department != "海港集团/生产部" || req.DepartmentID != f.prod.ID || !req.Mine || req.CanDecide ||
				req.Requester != "mgr" || req.MaxDownloads != export.DefaultMaxDownloads {
				t.Fatalf("request = %+v", req)
			}

			// Four-eyes: the requester cannot approve (403, audited); an approver outside the scope does not see it (404).
			_, err = f.svc.Approve(ctx, f.mgr, req.ID, "")
			wantKind(t, err, errs.Forbidden)
			denied := auditActions(t, f, "export.approve")
			if len(denied) != 1 || denied[0].Outcome != "denied" || denied[0].ActorName != "mgr" {
				t.Errorf("denied approval audit = %+v", denied)
			}
			_, err = f.svc.Approve(ctx, f.secSafety, req.ID, "")
			wantKind(t, err, errs.NotFound)
			_, err = f.svc.Get(ctx, f.secSafety, req.ID)
			wantKind(t, err, errs.NotFound)
			_, err = f.svc.Approve(ctx, f.viewer, req.ID, "")
			wantKind(t, err, errs.NotFound)
			if _, err := f.svc.Download(ctx, f.mgr, req.ID); !errs.Is(err, errs.Conflict) {
				t.Fatalf("download while pending: %v", err)
			}

			// Lists: the approver sees it as decidable; the outside approver does not see it.
			items, _, err := f.svc.List(ctx, f.sec, export.ListQuery{Status: export.StatusPending})
			if err != nil || len(items) != 1 || !items[0].CanDecide || items[0].Mine {
				t.Fatalf("security officer's pending list = %+v, %v", items, err)
			}
			if items, _, _ := f.svc.List(ctx, f.secSafety, export.ListQuery{}); len(items) != 0 {
				t.Errorf("an approver outside the scope lists %+v", items)
			}

			// Approval by the security officer; the approver cannot download.
			f.clock.Advance(time.Hour)
			req, err = f.svc.Approve(ctx, f.sec, req.ID, "同意")
			if err != nil {
				t.Fatal(err)
			}
			if req.Status != export.StatusApproved || req.Approver != "sec" || !req.ExpiresAt.Equal(f.clock.Now().Add(export.DefaultApprovalTTL)) {
				t.Fatalf("approved = %+v", req)
			}
			if _, err := f.svc.Approve(ctx, f.admin, req.ID, ""); !errs.Is(err, errs.Conflict) {
				t.Errorf("second approval: %v", err)
			}
			_, err = f.svc.Download(ctx, f.sec, req.ID)
			wantKind(t, err, errs.Forbidden)

			// The requester downloads: watermark line and file name, full numbers, only the subtree.
			calls = f.reauthCalls
			file, err := f.svc.Download(ctx, f.mgr, req.ID)
			if err != nil {
				t.Fatal(err)
			}
			if f.reauthCalls != calls+1 {
				t.Error("downloading an unmasked export did not re-authenticate")
			}
			first, _, _ := bytes.Cut(file.Body, []byte("\r\n"))
			wantMark := "\ufeff# 导出人 mgr · 批准人 sec · 时间 2026-03-01 11:30 · 仅限应急联络用途，禁止转发"
			if string(first) != wantMark {
				t.Errorf("first line = %q, want %q", first, wantMark)
			}
			for _, s := range []string{"导出人mgr", "批准人sec", "20260301-1130", "仅限应急联络用途"} {
				if !strings.Contains(file.Name, s) {
					t.Errorf("file name %q lacks %q", file.Name, s)
				}
			}
			if !strings.Contains(file.ASCIIName, "exported-by-mgr_approved-by-sec") {
				t.Errorf("ASCII name = %q", file.ASCIIName)
			}
			rows := readCSV(t, file.Body, true)
			if len(rows) != 3 || file.Rows != 2 || bytes.Contains(file.Body, []byte("王芳")) {
				t.Fatalf("rows = %q", rows)
			}
			var zw []string
			for _, r := range rows {
				if r[0] == "E001" {
					zw = r
				}
			}
			if zw == nil || zw[5] != "138 0013 8000" || zw[7] != "zhang.wei@example.cn" || zw[8] != "李娜" || zw[10] != "186 2100 3344" ||
				!strings.Contains(zw[6], "6552 9988 转123") {
				t.Errorf("unmasked row = %q", zw)
			}
			if !bytes.Contains(file.Body, []byte(`'=HYPERLINK`)) {
				t.Error("formula not escaped in the unmasked export")
			}
			downloads := auditActions(t, f, "export.download")
			if len(downloads) != 2 || downloads[1].Outcome != "denied" || downloads[1].ActorName != "sec" {
				t.Errorf("the approver's refused download is not audited: %+v", downloads)
			}
			if len(downloads) == 0 || !strings.Contains(downloads[0].Detail, "rows=2") || !strings.Contains(downloads[0].Detail, "masked=false") ||
				downloads[0].ObjectID != req.ID || downloads[0].ActorName != "mgr" || downloads[0].Outcome != "ok" {
				t.Errorf("download audit = %+v", downloads)
			}

			// Downloads are counted and limited.
			for i := 2; i <= export.DefaultMaxDownloads; i++ {
				if _, err := f.svc.Download(ctx, f.mgr, req.ID); err != nil {
					t.Fatalf("download %d: %v", i, err)
				}
			}
			_, err = f.svc.Download(ctx, f.mgr, req.ID)
			wantKind(t, err, errs.Gone)
			if r, _ := f.svc.Get(ctx, f.mgr, req.ID); r.Status != export.StatusExhausted || r.Downloads != export.DefaultMaxDownloads || r.LastDownloadAt == nil {
				t.Errorf("after the last download: %+v", r)
			}

			// Expiry: 24 h after approval the download is gone.
			req2, err := f.svc.Create(ctx, f.hr, export.Input{Format: "xlsx", Reason: "年度核对"})
			if err != nil {
				t.Fatal(err)
			}
			if req2.DepartmentID != "" || req2.Department != "" {
				t.Errorf("an organization-wide request = %+v", req2)
			}
			_, err = f.svc.Approve(ctx, f.mgr, req2.ID, "") // a department manager does not approve
			wantKind(t, err, errs.NotFound)
			if _, err = f.svc.Approve(ctx, f.admin, req2.ID, ""); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(export.DefaultApprovalTTL + time.Minute)
			_, err = f.svc.Download(ctx, f.hr, req2.ID)
			wantKind(t, err, errs.Gone)
			if r, _ := f.svc.Get(ctx, f.hr, req2.ID); r.Status != export.StatusExpired || r.CanDownload {
				t.Errorf("expired = %+v", r)
			}
			if items, _, _ := f.svc.List(ctx, f.hr, export.ListQuery{Status: export.StatusExpired, Mine: true}); len(items) != 1 || items[0].ID != req2.ID {
				t.Errorf("expired list = %+v", items)
			}

			// Rejection; a pending request lapses after a week.
			req3, err := f.svc.Create(ctx, f.hr, export.Input{Format: "csv", Reason: "核对", DepartmentID: f.safety.ID})
			if err != nil {
				t.Fatal(err)
			}
			if req3, err = f.svc.Reject(ctx, f.secSafety, req3.ID, "范围过大"); err != nil || req3.Status != export.StatusRejected || req3.DecisionNote != "范围过大" {
				t.Fatalf("reject = %+v, %v", req3, err)
			}
			_, err = f.svc.Download(ctx, f.hr, req3.ID)
			wantKind(t, err, errs.Conflict)
			req4, err := f.svc.Create(ctx, f.hr, export.Input{Format: "csv", Reason: "核对"})
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(export.DefaultPendingTTL)
			_, err = f.svc.Approve(ctx, f.sec, req4.ID, "")
			wantKind(t, err, errs.Gone)

			// Paging through everything the security officer may see.
			var all []export.Request
			cursor := ""
			for {
				page, next, err := f.svc.List(ctx, f.sec, export.ListQuery{Cursor: cursor, Limit: 2})
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, page...)
				if next == "" {
					break
				}
				cursor = next
			}
			if len(all) != 4 {
				t.Errorf("listed %d requests, want 4", len(all))
			}
		})
	}
}

func TestUnmaskedXLSX(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			f := setup(t, e)
			req, err := f.svc.Create(ctx, f.hr, export.Input{Format: "xlsx", Reason: "应急演练", PersonStatus: "active"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Approve(ctx, f.sec, req.ID, ""); err != nil {
				t.Fatal(err)
			}
			file, err := f.svc.Download(ctx, f.hr, req.ID)
			if err != nil {
				t.Fatal(err)
			}
			if file.Rows != 3 || !strings.HasSuffix(file.Name, ".xlsx") || !strings.Contains(file.Name, "批准人sec") {
				t.Fatalf("file %q rows=%d", file.Name, file.Rows)
			}
			x := openXLSX(t, file.Body)
			if sheets := x.GetSheetList(); len(sheets) != 2 || sheets[0] != "人员" || sheets[1] != "说明" {
				t.Fatalf("sheets = %v", sheets)
			}
			// The watermark row, then the headers.
			if v, _ := x.GetCellValue("人员", "A1"); !strings.HasPrefix(v, "导出人 hr1 · 批准人 sec · 时间 ") || !strings.Contains(v, "禁止转发") {
				t.Errorf("A1 = %q", v)
			}
			if v, _ := x.GetCellValue("人员", "F2"); v != "手机" {
				t.Errorf("F2 = %q", v)
			}
			hf, err := x.GetHeaderFooter("人员")
			if err != nil || !strings.Contains(hf.OddHeader, "导出人 hr1 · 批准人 sec") || !strings.Contains(hf.OddFooter, "禁止转发") {
				t.Errorf("header/footer = %+v, %v", hf, err)
			}
			rows, err := x.GetRows("人员")
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for i, r := range rows {
				if len(r) > 0 && r[0] == "E001" {
					found = true
					if r[5] != "138 0013 8000" || r[10] != "186 2100 3344" {
						t.Errorf("row %d = %q", i+1, r)
					}
					for _, col := range []string{"F", "G", "K"} {
						textCell(t, x, "人员", col+strconv.Itoa(i+1))
					}
				}
				if len(r) > 1 && r[0] == "E002" && r[1] != `'=HYPERLINK("http://x")` {
					t.Errorf("formula not escaped: %q", r[1])
				}
			}
			if !found {
				t.Fatalf("E001 missing: %q", rows)
			}
			about, err := x.GetRows("说明")
			if err != nil {
				t.Fatal(err)
			}
			text := ""
			for _, r := range about {
				text += strings.Join(r, "|") + "\n"
			}
			for _, s := range []string{"批准人|sec", "导出人|hr1", "申请原因|应急演练", req.ID, "禁止转发"} {
				if !strings.Contains(text, s) {
					t.Errorf("说明 lacks %q:\n%s", s, text)
				}
			}
		})
	}
}
