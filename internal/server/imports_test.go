package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lifeline/internal/apptest"
	"lifeline/internal/demo"
	"lifeline/internal/importer"
	"lifeline/internal/store/storetest"
)

// multipartBody builds a multipart/form-data body with a file (when name is not "") and fields.
func multipartBody(t *testing.T, name string, file []byte, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

// upload posts a staff file to the import API.
func upload(t *testing.T, a *apptest.App, token, name string, file []byte, fields map[string]string, headers ...string) apptest.Response {
	t.Helper()
	ct, body := multipartBody(t, name, file, fields)
	req, err := http.NewRequest("POST", a.URL+"/api/v1/imports", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return a.Send(t, req)
}

// importReport is what the tests read of an import report.
type importReport struct {
	DryRun    bool `json:"dry_run"`
	Encoding  string
	Rows      int
	Created   int
	Updated   int
	Unchanged int
	Departed  int
	Errors    int
	Problems  []importer.Problem
	Results   []importer.RowResult
	Gone      []string `json:"departed_by_snapshot"`
}

func (r importReport) counts() string {
	return fmt.Sprintf("created %d updated %d unchanged %d departed %d errors %d", r.Created, r.Updated, r.Unchanged, r.Departed, r.Errors)
}

func decodeReport(t *testing.T, r apptest.Response) importReport {
	t.Helper()
	var rep importReport
	r.Decode(t, &rep)
	return rep
}

// peopleCount counts the people in the database.
func peopleCount(t *testing.T, a *apptest.App) int {
	t.Helper()
	var n int
	if err := a.App.DB.Read.QueryRow(`SELECT count(*) FROM people`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportAPI: multipart uploads on every engine — a messy GB18030 file whose dry run
// reports the same counts as the real run and writes nothing, idempotence, rejection with
// line numbers and nothing written, skip_invalid, the snapshot safety stop, XLSX warnings,
// a body above the JSON limit, Idempotency-Key replays, and who may import.
func TestImportAPI(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			admin := a.User(t, "root", "admin", "")
			hr := a.User(t, "hr1", "hr", "")
			viewer := a.User(t, "v1", "viewer", "")

			// The messy file HR really has: dry run = real run, nothing written by the dry run.
			m := demo.GenerateMessy(150, 7)
			r := upload(t, a, hr, "花名册.csv", m.CSV, map[string]string{"dry_run": "true"})
			mustStatus(t, r, http.StatusOK)
			dry := decodeReport(t, r)
			if !dry.DryRun || dry.Encoding != "gb18030" || dry.Created == 0 || dry.Errors != 0 || len(dry.Results) != dry.Rows {
				t.Fatalf("dry run: %+v", dry.counts())
			}
			if n := peopleCount(t, a); n != 0 {
				t.Fatalf("the dry run wrote %d people", n)
			}
			r = upload(t, a, hr, "花名册.csv", m.CSV, map[string]string{"dry_run": "false"})
			mustStatus(t, r, http.StatusOK)
			real := decodeReport(t, r)
			if real.DryRun || real.counts() != dry.counts() {
				t.Fatalf("real run %s, dry run %s", real.counts(), dry.counts())
			}
			if n := peopleCount(t, a); n != real.Created {
				t.Fatalf("%d people after creating %d", n, real.Created)
			}
			var changed bool
			for _, res := range real.Results {
				changed = changed || len(res.Changes) > 0
			}
			if !changed {
				t.Fatal("the report has no per-row changes")
			}
			// The quality recheck followed the real import: findings are there at once.
			r = a.Do(t, "GET", "/api/v1/quality/findings?code=missing_emergency_contact", hr, nil)
			mustStatus(t, r, http.StatusOK)
			if !bytes.Contains(r.Body, []byte(`"code":"missing_emergency_contact"`)) {
				t.Fatalf("no findings right after the import: %.300s", r.Body)
			}
			again := decodeReport(t, upload(t, a, hr, "花名册.csv", m.CSV, nil))
			if again.Unchanged != real.Rows || again.Created+again.Updated+again.Departed != 0 {
				t.Fatalf("importing the same file again: %s", again.counts())
			}
			t.Logf("%s: %d rows: %s", e.Name, real.Rows, real.counts())

			// Structural errors: 422 with line numbers, the report, and nothing written.
			bad := "工号,姓名,部门,手机,在职状态\n" +
				"N1,新人一,总部/一部,13800001111,在职\n" +
				"N1,新人二,总部/一部,13800001112,在职\n" +
				"N3,新人三,总部/一部,13800001113,休假\n"
			before := peopleCount(t, a)
			r = upload(t, a, hr, "bad.csv", []byte(bad), nil)
			mustStatus(t, r, http.StatusUnprocessableEntity)
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			var rej struct {
				Status int
				Detail string
				Errors []struct{ Field, Message string }
				Report importReport
			}
			r.Decode(t, &rej)
			if len(rej.Errors) != 2 || rej.Errors[0].Field != "line 3" || !strings.Contains(rej.Errors[0].Message, "already on line 2") ||
				rej.Errors[1].Field != "line 4" || !strings.HasPrefix(rej.Errors[1].Message, "status: unknown status") {
				t.Fatalf("rejection errors: %s", r.Body)
			}
			if rej.Report.Errors != 2 || len(rej.Report.Problems) != 2 || rej.Report.Problems[0].Line != 3 || rej.Report.Problems[0].Field != "employee_no" {
				t.Fatalf("rejection report: %s", r.Body)
			}
			if n := peopleCount(t, a); n != before {
				t.Fatalf("a rejected import wrote %d people", n-before)
			}
			// skip_invalid imports the valid row and counts the problems.
			r = upload(t, a, hr, "bad.csv", []byte(bad), map[string]string{"skip_invalid": "true"})
			mustStatus(t, r, http.StatusOK)
			if rep := decodeReport(t, r); rep.Created != 1 || rep.Errors != 2 {
				t.Fatalf("skip_invalid: %s", rep.counts())
			}
			// The snapshot safety stop: a file with one person would depart everybody else.
			r = upload(t, a, hr, "one.csv", []byte("工号,姓名\nN1,新人一\n"), map[string]string{"snapshot": "true", "dry_run": "true"})
			mustStatus(t, r, http.StatusUnprocessableEntity)
			if !bytes.Contains(r.Body, []byte(`"field":"file","message":"safety stop`)) {
				t.Fatalf("safety stop: %s", r.Body)
			}
			var active int
			if err := a.App.DB.Read.QueryRow(`SELECT count(*) FROM people WHERE status <> 'departed' AND employee_no <> 'N1'`).Scan(&active); err != nil {
				t.Fatal(err)
			}
			r = upload(t, a, hr, "one.csv", []byte("工号,姓名\nN1,新人一\n"), map[string]string{"snapshot": "true", "dry_run": "true", "max_depart": "100%"})
			mustStatus(t, r, http.StatusOK)
			if rep := decodeReport(t, r); rep.Departed != active || len(rep.Gone) != active {
				t.Fatalf("snapshot with max_depart 100%%: %s, %d gone, want %d", rep.counts(), len(rep.Gone), active)
			}

			// XLSX: a phone number stored as a number lost its leading zero — a warning.
			x := excelize.NewFile()
			x.SetSheetRow("Sheet1", "A1", &[]any{"工号", "姓名", "部门", "办公电话"})
			x.SetSheetRow("Sheet1", "A2", &[]any{"X1", "表格一", "总部/二部", 1065529988})
			xb, err := x.WriteToBuffer()
			if err != nil {
				t.Fatal(err)
			}
			r = upload(t, a, hr, "staff.xlsx", xb.Bytes(), map[string]string{"dry_run": "true"})
			mustStatus(t, r, http.StatusOK)
			if rep := decodeReport(t, r); rep.Encoding != "xlsx" || rep.Created != 1 || len(rep.Results[0].Warnings) == 0 ||
				!strings.Contains(rep.Results[0].Warnings[0], "lost its leading zero") {
				t.Fatalf("XLSX warnings: %s", r.Body)
			}

			// Above the 1 MiB JSON limit: an upload may be larger (here with a long remarks column).
			var big strings.Builder
			big.WriteString("工号,姓名,备注\n")
			for i := 0; big.Len() < 3<<20/2; i++ {
				fmt.Fprintf(&big, "B%04d,大文件%d,%s\n", i, i, strings.Repeat("备注", 500))
			}
			r = upload(t, a, hr, "big.csv", []byte(big.String()), map[string]string{"dry_run": "true"})
			mustStatus(t, r, http.StatusOK)

			// An Idempotency-Key replays the first answer, although each upload has its own
			// random multipart boundary.
			one := []byte("工号,姓名\nI1,幂等一\n")
			r = upload(t, a, hr, "i.csv", one, nil, "Idempotency-Key", "import-1")
			mustStatus(t, r, http.StatusOK)
			r = upload(t, a, hr, "i.csv", one, nil, "Idempotency-Key", "import-1")
			if r.Header.Get("Idempotent-Replayed") != "true" || decodeReport(t, r).Created != 1 {
				t.Fatalf("replay: %v %s", r.Header, r.Body)
			}
			r = upload(t, a, hr, "i.csv", []byte("工号,姓名\nI2,幂等二\n"), nil, "Idempotency-Key", "import-1")
			mustStatus(t, r, http.StatusUnprocessableEntity) // the same key for another file

			// Who may import, and what the form must hold.
			mustStatus(t, upload(t, a, viewer, "one.csv", one, nil), http.StatusForbidden)
			mustStatus(t, upload(t, a, admin, "one.csv", one, map[string]string{"dry_run": "true"}), http.StatusOK)
			r = upload(t, a, hr, "", nil, map[string]string{"dry_run": "true"})
			mustStatus(t, r, http.StatusUnprocessableEntity)
			if !bytes.Contains(r.Body, []byte(`"field":"file"`)) || bytes.Contains(r.Body, []byte(`"report"`)) {
				t.Fatalf("no file: %s", r.Body)
			}
			mustStatus(t, upload(t, a, hr, "one.csv", one, map[string]string{"dry_run": "perhaps"}), http.StatusUnprocessableEntity)
			mustStatus(t, a.Do(t, "POST", "/api/v1/imports", hr, map[string]any{"file": "x"}), http.StatusBadRequest)
		})
	}
}

// TestImportTemplate: the template is a valid XLSX with the Chinese headers, text-format
// phone columns for 1000 rows, the status drop-down, the example row and the 说明 sheet;
// filled in below the example, it imports only the real rows.
func TestImportTemplate(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	hr := a.User(t, "hr1", "hr", "")
	emp := a.User(t, "e1", "employee", "")
	r := a.Do(t, "GET", "/api/v1/imports/template", emp, nil)
	mustStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".xlsx") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	mustStatus(t, a.Do(t, "GET", "/api/v1/imports/template", "", nil), http.StatusUnauthorized)
	x, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("the template is not a valid XLSX: %v", err)
	}
	defer x.Close()
	if got := x.GetSheetList(); len(got) != 2 || got[0] != "人员" || got[1] != "说明" {
		t.Fatalf("sheets = %v", got)
	}
	rows, err := x.GetRows("人员")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"工号", "姓名", "部门", "职务", "手机", "办公电话", "邮箱", "在职状态", "入职日期", "紧急联系人1", "关系1", "紧急联系人1电话", "紧急联系人2", "关系2", "紧急联系人2电话"}
	if strings.Join(rows[0], ",") != strings.Join(want, ",") {
		t.Fatalf("headers = %v", rows[0])
	}
	// Phone columns: 手机 E, 办公电话 F, 紧急联系人1电话 L, 紧急联系人2电话 O — text format (49, "@") for 1000 rows.
	for _, col := range []string{"E", "F", "L", "O"} {
		for _, row := range []int{2, 3, 500, 1001} {
			cell := fmt.Sprintf("%s%d", col, row)
			id, err := x.GetCellStyle("人员", cell)
			if err != nil {
				t.Fatal(err)
			}
			st, err := x.GetStyle(id)
			if err != nil {
				t.Fatal(err)
			}
			if st.NumFmt != 49 {
				t.Errorf("%s: number format %d, want 49 (text)", cell, st.NumFmt)
			}
		}
	}
	// The example row: grey italics, a number kept as text.
	id, _ := x.GetCellStyle("人员", "A2")
	st, _ := x.GetStyle(id)
	if st.Font == nil || !st.Font.Italic || st.Font.Color == "" {
		t.Errorf("the example row is not grey italics: %+v", st.Font)
	}
	if typ, _ := x.GetCellType("人员", "E2"); typ == excelize.CellTypeNumber {
		t.Error("the example phone number is a number cell")
	}
	dvs, err := x.GetDataValidations("人员")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, dv := range dvs {
		if dv.Sqref == "H2:H1001" && dv.Type == "list" && strings.Contains(dv.Formula1, "在职") && strings.Contains(dv.Formula1, "离职") {
			found = true
		}
	}
	if !found {
		t.Errorf("no 在职状态 drop-down on H2:H1001: %+v", dvs)
	}
	help, _ := x.GetRows("说明")
	var text strings.Builder
	for _, row := range help {
		text.WriteString(strings.Join(row, " ") + "\n")
	}
	for _, s := range []string{"紧急联系人1电话", "+86", "0086", "全角", "转", "文本格式"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("说明 lacks %q", s)
		}
	}

	// Filled in below the example row (phone numbers typed as text), it imports only the real row.
	x.SetSheetRow("人员", "A3", &[]string{"T0001", "模板一", "集团/生产部", "", "139 0518 2461", "0518-8580 1234", "", "在职", "", "李四", "配偶", "13805182462"})
	filled, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	r = upload(t, a, hr, "template.xlsx", filled.Bytes(), nil)
	mustStatus(t, r, http.StatusOK)
	rep := decodeReport(t, r)
	if rep.Created != 1 || rep.Errors != 0 || rep.Results[0].EmployeeNo != "T0001" || len(rep.Results[0].Warnings) != 0 {
		t.Fatalf("filled template: %s", r.Body)
	}
}

var (
	hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
)

// hiddenFields reads the hidden fields of the confirm form in a page.
func hiddenFields(body string) map[string]string {
	out := map[string]string{}
	i := strings.Index(body, `action="/imports" enctype`)
	if i < 0 {
		return out
	}
	end := strings.Index(body[i:], "</form>")
	for _, m := range hiddenField.FindAllStringSubmatch(body[i:i+end], -1) {
		out[m[1]] = m[2]
	}
	return out
}

// postUpload posts a multipart form through a web client.
func postUpload(t *testing.T, c *webClient, path, name string, file []byte, fields map[string]string) (int, string) {
	t.Helper()
	ct, body := multipartBody(t, name, file, fields)
	req, err := http.NewRequest("POST", c.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	resp, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestWebImportAndQuality drives the import page and the quality page through their
// forms, without a browser: upload → preview (nothing written) → confirm with the sealed
// file → done; a rejection with line numbers; a large file selected again on confirm (and
// another file previewed instead of imported); the quality page with findings linked to
// the person page, filters, recheck and the person's scores.
func TestWebImportAndQuality(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	admin := a.User(t, "root", "admin", "")
	const pw = "Web-Import-Passw0rd"
	for _, u := range [][2]string{{"w-hr", "hr"}, {"w-view", "viewer"}, {"w-emp", "employee"}} {
		a.AddUser(t, u[0], u[1], pw, "")
	}
	login := func(user string) *webClient {
		t.Helper()
		return loginWeb(t, a.URL, user, pw)
	}
	want := func(what string, got, wantStatus int, body string, contains ...string) {
		t.Helper()
		if got != wantStatus {
			t.Errorf("%s: status %d, want %d\n%.800s", what, got, wantStatus, body)
		}
		for _, s := range contains {
			if !strings.Contains(body, s) {
				t.Errorf("%s: body lacks %q", what, s)
			}
		}
	}
	hr, view, emp := login("w-hr"), login("w-view"), login("w-emp")

	st, _, body := hr.do("GET", "/imports", nil)
	want("import page", st, http.StatusOK, body, `action="/imports/preview"`, `enctype="multipart/form-data"`, `href="/api/v1/imports/template"`, `href="/imports" aria-current="page"`)
	st, _, body = view.do("GET", "/imports", nil)
	want("import page for a viewer", st, http.StatusForbidden, body, "没有权限")
	if strings.Contains(body, `href="/imports"`) {
		t.Error("a viewer has the import navigation entry")
	}
	if st, _ := postUpload(t, view, "/imports/preview", "a.csv", []byte("工号,姓名\nV1,某\n"), nil); st != http.StatusForbidden {
		t.Errorf("a viewer's preview = %d", st)
	}

	// Upload → preview: counts, changes, warnings; nothing written.
	file := []byte("工号,姓名,部门,职务,手机,紧急联系人1,关系1,紧急联系人1电话\n" +
		"W1,网页一,集团/生产部,班组长,13905182461,家属一,配偶,13905182461\n" +
		"W2,网页二,集团/生产部,操作工,13905182462,,,\n")
	st, body = postUpload(t, hr, "/imports/preview", "staff.csv", file, map[string]string{"snapshot": "", "skip_invalid": ""})
	want("preview", st, http.StatusOK, body, "预览：尚未写入任何数据", "staff.csv", "W1", "网页一", "班组长", "badge-outcome-created", `id="im-confirm"`, "新增")
	if n := peopleCount(t, a); n != 0 {
		t.Fatalf("the preview wrote %d people", n)
	}
	fields := hiddenFields(body)
	if fields["sealed"] == "" || fields["expect"] != "2/0/0/0" || strings.Contains(body, "13905182461") {
		t.Fatalf("confirm form: %v (a number must not appear in the page)", fields)
	}
	// A tampered or expired seal is refused.
	bad := map[string]string{}
	for k, v := range fields {
		bad[k] = v
	}
	bad["expires"] = "1"
	st, body = postUpload(t, hr, "/imports", "", nil, bad)
	want("expired preview", st, http.StatusUnprocessableEntity, body, "预览已过期")
	// Confirm: the real run with the sealed file.
	st, body = postUpload(t, hr, "/imports", "", nil, fields)
	want("confirm", st, http.StatusOK, body, "导入完成", `href="/quality"`, "数据质量已重新检查")
	if strings.Contains(body, "结果与预览不同") {
		t.Error("the real run differs from its preview")
	}
	if n := peopleCount(t, a); n != 2 {
		t.Fatalf("%d people after the confirmed import, want 2", n)
	}

	// A rejection: line numbers, nothing written, and the offer to skip invalid rows.
	rejectFile := []byte("工号,姓名,在职状态\nW3,网页三,在职\nW3,网页四,在职\nW5,网页五,休假\n")
	st, body = postUpload(t, hr, "/imports/preview", "bad.csv", rejectFile, nil)
	want("rejected preview", st, http.StatusUnprocessableEntity, body, "导入被拒绝", "工号 W3 与第 2 行重复", "无法识别的在职状态“休假”", ">3<", ">4<", `id="im-skip-retry"`)
	if strings.Contains(body, `id="im-confirm"`) {
		t.Error("a rejected preview offers to confirm")
	}
	fields = map[string]string{}
	for _, m := range hiddenField.FindAllStringSubmatch(body, -1) {
		fields[m[1]] = m[2]
	}
	st, body = postUpload(t, hr, "/imports/preview", "", nil, fields) // the skip-invalid retry with the sealed file
	want("skip-invalid retry", st, http.StatusOK, body, "预览：尚未写入任何数据", "已跳过", `id="im-confirm"`, `name="skip_invalid" value="true"`)

	// A file above the seal limit is not carried in the page: the user selects it again.
	var big strings.Builder
	big.WriteString("工号,姓名,部门,备注\n")
	for i := 0; big.Len() < 5<<20/2; i++ {
		fmt.Fprintf(&big, "G%05d,大文件%d,集团/仓储部,%s\n", i, i, strings.Repeat("备", 1000))
	}
	bigFile := []byte(big.String())
	st, body = postUpload(t, hr, "/imports/preview", "big.csv", bigFile, nil)
	want("large preview", st, http.StatusOK, body, `id="im-refile"`, "请再次选择同一个文件")
	fields = hiddenFields(body)
	if fields["sealed"] != "" || fields["digest"] == "" {
		t.Fatalf("large file confirm fields: %v", fields)
	}
	before := peopleCount(t, a)
	st, body = postUpload(t, hr, "/imports", "other.csv", file, fields) // not the previewed file
	want("another file on confirm", st, http.StatusOK, body, "所选文件与预览的文件不同", "预览：尚未写入任何数据")
	if n := peopleCount(t, a); n != before {
		t.Fatal("another file was imported without its preview")
	}
	st, body = postUpload(t, hr, "/imports", "big.csv", bigFile, fields)
	want("large confirm", st, http.StatusOK, body, "导入完成")
	if n := peopleCount(t, a); n <= before {
		t.Fatal("the large file was not imported")
	}

	// The quality page: W1's emergency contact is their own number, W2 has none.
	var w1, w2 string
	for eno, id := range map[string]*string{"W1": &w1, "W2": &w2} {
		r := a.Do(t, "GET", "/api/v1/people?q="+eno, admin, nil)
		*id = r.JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	}
	st, _, body = hr.do("GET", "/quality", nil)
	want("quality", st, http.StatusOK, body, "各部门准确率", "仓储部", "与本人号码相同", "缺少紧急联系人", `action="/quality/recheck"`, "hist-bar",
		`href="/quality" aria-current="page"`, "仅显示前 200 项")
	if list := body[strings.Index(body, `id="findings-results"`):]; !strings.Contains(list, "sev-high") ||
		(strings.Contains(list, "sev-low") && strings.Index(list, "sev-low") < strings.LastIndex(list, "sev-high")) {
		t.Error("the findings list does not show the high-severity ones first")
	}
	m := regexp.MustCompile(`href="/quality\?department_id=([^"#]+)#findings">生产部<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no accuracy row of 生产部 linking to its findings")
	}
	st, _, body = hr.do("GET", "/quality?department_id="+m[1], nil)
	want("quality of 生产部", st, http.StatusOK, body, `href="/people/`+w1+`#emergency"`, `href="/people/`+w2+`#emergency"`, "紧急联系人的号码就是本人号码",
		"没有紧急联系人", `<option value="`+m[1]+`" selected>`)
	st, _, body = hr.do("GET", "/quality?code=same_as_self", nil, "HX-Request", "true")
	want("filtered findings fragment", st, http.StatusOK, body, `id="findings-results"`, "网页一")
	if strings.Contains(body, "网页二") || strings.Contains(body, "<html") {
		t.Errorf("the filtered fragment: %.500s", body)
	}
	st, h, _ := hr.do("POST", "/quality/recheck", url.Values{})
	if st != http.StatusSeeOther || h.Get("Location") != "/quality?notice=rechecked" {
		t.Errorf("recheck = %d %s", st, h.Get("Location"))
	}
	st, _, body = hr.do("GET", "/quality?notice=rechecked", nil)
	want("after a recheck", st, http.StatusOK, body, "已重新检查全部数据")
	st, _, body = view.do("GET", "/quality", nil)
	want("quality for a viewer", st, http.StatusOK, body, "与本人号码相同")
	if strings.Contains(body, `action="/quality/recheck"`) {
		t.Error("a viewer may recheck")
	}
	st, _, _ = view.do("POST", "/quality/recheck", url.Values{})
	want("recheck by a viewer", st, http.StatusForbidden, "")
	st, _, body = emp.do("GET", "/quality", nil)
	want("quality for an employee", st, http.StatusForbidden, body)
	st, _, body = emp.do("GET", "/people", nil)
	if st != http.StatusOK || strings.Contains(body, `href="/quality"`) {
		t.Error("an employee has the quality navigation entry")
	}

	// The fixing form: the person page, with anchors and the contact scores with factors.
	st, _, body = hr.do("GET", "/people/"+w1, nil)
	want("person with scores", st, http.StatusOK, body, `id="contacts"`, `id="emergency"`, `id="scores"`, "联系方式有效性评分", "号码有效性", "就是本人号码", "score-low")

	// The API answers the same file with the report JSON.
	var rep importReport
	r := upload(t, a, a.Token(t, "w-hr"), "staff.csv", file, map[string]string{"dry_run": "true"})
	if err := json.Unmarshal(r.Body, &rep); err != nil || rep.Unchanged != 2 {
		t.Errorf("API dry run of the imported file: %s", r.Body)
	}
}
