package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/importer"
	"lifeline/internal/quality"
)

// TestRenderImportsAndQuality renders the import page (upload, preview, rejection, done)
// and the data-quality page in both languages, with the navigation entries only for the
// roles that may use them, and a person page with contact scores.
func TestRenderImportsAndQuality(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	preview := importer.Report{DryRun: true, Encoding: "gb18030", Rows: 3, Created: 1, Updated: 1, Unchanged: 1, Departed: 1, Problems: []importer.Problem{},
		Results: []importer.RowResult{
			{Line: 2, EmployeeNo: "E001", Outcome: "created", Changes: []directory.Change{{Field: "name", After: "张伟"}, {Field: "channel.mobile", After: "138****8000"}},
				Warnings: []string{"office_phone: stored as a number and lost its leading zero — format the column as text and re-enter"}},
			{Line: 3, EmployeeNo: "E002", Outcome: "updated", Changes: []directory.Change{{Field: "department_id", Before: "d1", After: "dx"}, {Field: "title", Before: "操作工", After: "班组长"}}},
			{Line: 4, EmployeeNo: "E003", Outcome: "unchanged"},
		}, Gone: []string{"E099"}}
	rows, more := ImportRows(preview)
	if len(rows) != 2 || more != 0 {
		t.Fatalf("ImportRows = %d rows, %d more; want the 2 that change", len(rows), more)
	}
	previewData := ImportsData{FileName: "花名册.xlsx", Report: &preview, Rows: rows, Form: ImportForm{Snapshot: true},
		Departments: map[string]string{"d1": "集团/生产部", "dx": "（新部门）"}, Findings: -1,
		Confirm: ImportConfirm{Sealed: "c2VhbGVk", Expires: "1772335800", Digest: "abc", FileName: "花名册.xlsx", Expect: ExpectOf(preview), Until: at}}
	reselect := previewData
	reselect.Confirm.Sealed = ""
	rejectedRep := importer.Report{DryRun: true, Encoding: "utf-8", Rows: 2, Errors: 2, Results: []importer.RowResult{},
		Problems: []importer.Problem{{Line: 3, Field: "employee_no", Message: "employee number E1 already on line 2"}, {Line: 4, Field: "status", Message: `unknown status "休假": use 在职, 试用, 离职 (active, probation, departed)`}}}
	rejected := ImportsData{FileName: "bad.csv", Report: &rejectedRep, Rejected: true, Findings: -1, Confirm: ImportConfirm{Sealed: "c2VhbGVk", Expires: "1"}}
	doneRep := preview
	doneRep.DryRun = false
	done := ImportsData{FileName: "花名册.xlsx", Report: &doneRep, Done: true, Differs: true, Findings: 7, Rows: rows}

	sum := quality.Summary{People: 40, Threshold: 6, ByCode: map[string]int{"same_as_self": 3, "missing_emergency_contact": 5, "not_mobile": 1},
		BySeverity: map[string]int{"high": 8, "medium": 1}, Scores: [11]int{2, 0, 1, 0, 0, 3, 5, 10, 20, 9, 4},
		Departments: []quality.DepartmentAccuracy{{DepartmentID: "d0", Department: "集团", People: 40, Accurate: 32, Accuracy: 0.8},
			{DepartmentID: "d1", Department: "集团/生产部", People: 30, Accurate: 22, Accuracy: 22.0 / 30}},
		Worst: []quality.WorstContact{{PersonID: "p1", EmployeeNo: "E001", Name: "张伟", Subject: "ec1", Score: 1.5}}}
	findings := []quality.Finding{{PersonID: "p1", EmployeeNo: "E001", Name: "张伟", Subject: "ec1", Code: "same_as_self", Severity: "high", Detail: "the emergency contact's number is the person's own"},
		{PersonID: "p2", EmployeeNo: "E002", Name: "李四", Subject: "self", Code: "missing_emergency_contact", Severity: "high", Detail: "no emergency contact"}}
	qd := NewQualityData(sum, findings, len(findings))
	qd.CanRecheck, qd.Notice = true, "已重新检查全部数据。"
	qd.Filter = QualityFilter{Code: "same_as_self"}
	qd.Departments = []directory.Department{{ID: "d1", NamePath: "集团/生产部"}}
	if qd.Accuracy[0].DepartmentID != "d1" || qd.Accuracy[0].Width != 75 || qd.Accuracy[0].Percent != 73 {
		t.Errorf("accuracy rows = %+v, want 生产部 first at 73%% (bar w-75)", qd.Accuracy)
	}
	if qd.Low != 6 || qd.Contacts != 54 || qd.Bands[8].Height != 100 || qd.Bands[0].Height != 10 || !qd.Bands[5].Low || qd.Bands[6].Low {
		t.Errorf("bands = %+v low %d contacts %d", qd.Bands, qd.Low, qd.Contacts)
	}
	if qd.OverallPercent() != 80 {
		t.Errorf("overall = %d, want 80 (the root's figure)", qd.OverallPercent())
	}

	person := directory.Person{ID: "p1", EmployeeNo: "E001", Name: "张伟", Department: "集团/生产部", Status: "active", Masked: true,
		Channels:          []directory.Channel{{Kind: "mobile", Value: "138****8000"}},
		EmergencyContacts: []directory.EmergencyContact{{Name: "李*", Relation: "配偶", Phone: "138****8000", Priority: 1, VerificationStatus: "unverified"}}}
	scores := ScoreViews([]quality.Score{
		{PersonID: "p1", Subject: "ec1", Score: 1.5, Factors: []quality.Factor{{Factor: "validity", Points: 4, Note: "a valid mobile number"}, {Factor: "duplicates", Points: -3, Note: "the person's own number"}}},
		{PersonID: "p1", Subject: "self", Score: 8, Factors: []quality.Factor{{Factor: "validity", Points: 4, Note: "a valid mobile number"}}}})
	if scores[0].Subject != "self" || scores[1].Level != "low" || scores[0].Level != "high" {
		t.Errorf("score views = %+v", scores)
	}

	cases := []struct {
		name, page string
		data       any
		want       map[Lang][]string
		absent     []string
	}{
		{"upload", "imports", ImportsData{Findings: -1}, map[Lang][]string{
			Zh: {`action="/imports/preview"`, `enctype="multipart/form-data"`, `type="file"`, `name="snapshot"`, `name="skip_invalid"`, `href="/api/v1/imports/template"`, "下载导入模板"},
			En: {"Preview changes", "Download the template"}}, []string{`action="/imports" `}},
		{"preview", "imports", previewData, map[Lang][]string{
			Zh: {"预览：尚未写入任何数据", `action="/imports"`, `name="sealed" value="c2VhbGVk"`, `name="expect" value="1/1/1/1"`, `name="snapshot" value="true"`,
				"2026-03-01 10:30", "办公电话：以数值格式保存，丢失了开头的 0", "生产部", "（新部门）", "班组长", "E099", "badge-outcome-created", "确认导入", "花名册.xlsx · 编码 gb18030 · 3 行"},
			En: {"Preview: nothing has been written yet", "lost its leading zero", "Import now", "Created"}}, []string{"E003", `name="file" type="file" required accept=".xlsx,.csv,.txt,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv">`}},
		{"preview, file selected again", "imports", reselect, map[Lang][]string{
			Zh: {`id="im-refile" name="file" type="file" required`, "请再次选择同一个文件", `name="digest" value="abc"`},
			En: {"Select the same file again"}}, []string{`name="sealed" value="c2VhbGVk"`}},
		{"rejected", "imports", rejected, map[Lang][]string{
			Zh: {"导入被拒绝：未写入任何数据", "工号 E1 与第 2 行重复", "无法识别的在职状态“休假”", ">3<", "在职状态", `id="im-skip-retry"`, `name="skip_invalid" value="true"`, `action="/imports/preview"`},
			En: {"Import refused: nothing was written", "employee number E1 already on line 2", "status"}}, []string{`id="im-confirm"`}},
		{"done", "imports", done, map[Lang][]string{
			Zh: {"导入完成", "共 7 项问题", `href="/quality"`, "结果与预览不同"},
			En: {"Import complete", "7 findings"}}, []string{`id="im-confirm"`, `action="/imports/preview"`}},
		{"quality", "quality", qd, map[Lang][]string{
			Zh: {"各部门准确率", "w-75", "acc-bad", "73%", "h-100", "is-low", "与本人号码相同", "紧急联系人的号码就是本人号码", `href="/people/p1#emergency"`,
				`href="/people/p2#emergency"`, `<option value="same_as_self" selected>`, `action="/quality/recheck"`, `hx-get="/quality"`, "紧急联系人 1", "1.5", "score-low",
				`href="/quality?code=missing_emergency_contact#findings"`, `href="/quality?department_id=d1#findings"`, "已重新检查全部数据", "80%"},
			En: {"Accuracy per department", "Same as own number", "the emergency contact&#39;s number is the person&#39;s own", "Emergency contact 1", "Recheck now"}}, nil},
		{"person with scores", "person", PersonData{Person: person, Scores: scores}, map[Lang][]string{
			Zh: {`id="contacts"`, `id="emergency"`, `id="scores"`, "联系方式有效性评分", "号码有效性", "&#43;4", "-3", "就是本人号码", "score-low", "8.0"},
			En: {"Contact validity scores", "Validity", "the person&#39;s own number"}}, nil},
	}
	for _, lang := range []Lang{Zh, En} {
		for _, c := range cases {
			w := httptest.NewRecorder()
			v := View{Lang: lang, Title: "T", Nav: c.page, User: &access.Principal{Username: "hr1", Role: access.HR}, Path: "/" + c.page, Data: c.data}
			if err := r.Render(w, http.StatusOK, c.page, v); err != nil {
				t.Fatalf("%s %s: %v", lang, c.name, err)
			}
			body := w.Body.String()
			for _, s := range c.want[lang] {
				if !strings.Contains(body, s) {
					t.Errorf("%s %s: missing %q", lang, c.name, s)
				}
			}
			for _, s := range c.absent {
				if strings.Contains(body, s) {
					t.Errorf("%s %s: has %q", lang, c.name, s)
				}
			}
			if strings.Contains(body, "style=") || strings.Contains(body, "<style") || strings.Contains(body, "<script>") {
				t.Errorf("%s %s: inline style or script breaks the CSP", lang, c.name)
			}
		}
	}
	// The fragment of the findings list, as htmx swaps it in.
	w := httptest.NewRecorder()
	if err := r.Fragment(w, http.StatusOK, "quality-findings", View{Lang: Zh, User: &access.Principal{Role: access.HR}, Data: qd}); err != nil {
		t.Fatal(err)
	}
	if b := w.Body.String(); !strings.Contains(b, `id="findings-results"`) || strings.Contains(b, "<html") || !strings.Contains(b, "共 2 项") {
		t.Errorf("findings fragment: %.300s", b)
	}

	// Navigation: imports for directory.write roles, quality for readers except employees.
	for _, c := range []struct {
		role             access.Role
		imports, quality bool
	}{{access.HR, true, true}, {access.DeptManager, true, true}, {access.Admin, true, true}, {access.Viewer, false, true},
		{access.Responder, false, true}, {access.SecurityOfficer, false, true}, {access.Employee, false, false}} {
		w := httptest.NewRecorder()
		v := View{Lang: Zh, Title: "T", User: &access.Principal{Username: "u", Role: c.role}, Path: "/people", Data: DepartmentsData{}}
		if err := r.Render(w, http.StatusOK, "departments", v); err != nil {
			t.Fatal(err)
		}
		b := w.Body.String()
		if got := strings.Contains(b, `href="/imports"`); got != c.imports {
			t.Errorf("%s: imports entry = %v", c.role, got)
		}
		if got := strings.Contains(b, `href="/quality"`); got != c.quality {
			t.Errorf("%s: quality entry = %v", c.role, got)
		}
	}
}

// TestLabelsForEveryCode: every finding code, severity and score factor has a label and
// a description in both languages.
func TestLabelsForEveryCode(t *testing.T) {
	for _, c := range quality.Codes() {
		for _, key := range []string{"qcode." + c, "qdesc." + c, "severity." + quality.Severity(c)} {
			if m, ok := messages[key]; !ok || m.zh == "" || m.en == "" {
				t.Errorf("no message %s", key)
			}
		}
	}
	for _, f := range []string{"validity", "verification", "delivery", "review", "stability", "duplicates", "cross_check", "owner"} {
		if _, ok := messages["factor."+f]; !ok {
			t.Errorf("no label for factor %s", f)
		}
	}
	for _, o := range []string{directory.Created, directory.Updated, directory.Unchanged, directory.Departed} {
		if _, ok := messages["outcome."+o]; !ok {
			t.Errorf("no label for outcome %s", o)
		}
	}
}

// TestSay translates the importer's and the quality checks' messages into Chinese and
// leaves English (and unknown messages) as they are.
func TestSay(t *testing.T) {
	for in, want := range map[string]string{
		"no employee number":                         "缺少工号",
		"employee number E7 already on line 12":      "工号 E7 与第 12 行重复",
		"the file has no employee_no column (工号/姓名)": "文件缺少“工号”列",
		"ec2_phone: stored as a number and turned into a float; digits are lost — format the column as text and re-enter": "紧急联系人2电话：以数值格式保存，已变成小数或科学计数法，数字已丢失——请将该列设为文本格式后重新填写",
		"safety stop: the snapshot would depart 30 of 100 active people (more than 10%); check the file is complete":      "安全停止：按完整名单导入将使 100 名在职人员中的 30 人离职（超过 10%），请确认文件是否完整",
		"mobile 1 is a well-known fake number":                 "手机 1 是众所周知的假号码",
		"a landline number, not a mobile: SMS cannot reach it": "固定电话，不是手机：短信无法送达",
		"something new": "something new",
	} {
		if got := Zh.Say(in); got != want {
			t.Errorf("Say(%q) = %q, want %q", in, got, want)
		}
		if got := En.Say(in); got != in {
			t.Errorf("En.Say(%q) = %q", in, got)
		}
	}
	if Zh.ImportField("ec3_relation") != "关系3" || En.ImportField("ec3_relation") != "ec3_relation" {
		t.Error("ImportField")
	}
}
