package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"lifeline/internal/access"
	"lifeline/internal/directory"
)

// noTempDir is where excelize may not create temporary files: it does not exist, so the
// stream writer keeps the sheet in memory instead of spilling plaintext personal data to
// the system's temporary directory.
const noTempDir = "/nonexistent/lifeline-exports-are-never-written-to-disk"

// table is an export before it is rendered: headers, rows of cells, and which columns
// hold phone numbers (text cells in XLSX) or counts (number cells).
type table struct {
	sheet   string
	headers []string
	rows    [][]string
	phone   map[int]bool
	number  map[int]bool
	people  []directory.Person // the people themselves, for formats that are not tables (vCard)
}

// mark is what a file says about itself: who exported it, who approved it, when.
type mark struct {
	masked       bool
	lang         string
	requester    string
	approver     string
	at           time.Time // generation time
	requestID    string
	reason       string
	scope        string // department name path, or the organization
	personStatus string
	requestedAt  time.Time
	approvedAt   time.Time
	expiresAt    time.Time
	download     int // this download's number, for approved exports
	maxDownloads int
}

// shanghai is the zone of the times written into files.
func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

func local(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(shanghai()).Format("2006-01-02 15:04")
}

// oneLine keeps a user-supplied value on one line of a watermark or file name.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// watermark is the visible marking of a file: for unmasked exports the fixed Chinese
// text (with an English translation for English readers).
func (m mark) watermark() string {
	if m.masked {
		s := fmt.Sprintf("导出人 %s · 时间 %s · 号码已脱敏 · 仅限应急联络用途", oneLine(m.requester), local(m.at))
		if m.lang == "en" {
			s += fmt.Sprintf(" / Exported by %s · %s (UTC+8) · numbers masked · for emergency contact use only", oneLine(m.requester), local(m.at))
		}
		return s
	}
	s := fmt.Sprintf("导出人 %s · 批准人 %s · 时间 %s · 仅限应急联络用途，禁止转发", oneLine(m.requester), oneLine(m.approver), local(m.at))
	if m.lang == "en" {
		s += fmt.Sprintf(" / Exported by %s · approved by %s · %s (UTC+8) · for emergency contact use only, do not forward",
			oneLine(m.requester), oneLine(m.approver), local(m.at))
	}
	return s
}

// fileName names a file; an unmasked export's name carries its watermark.
func (m mark) fileName(subject, format string, ascii bool) string {
	stamp := m.at.In(shanghai()).Format("20060102-1504")
	var s string
	switch {
	case ascii || m.lang == "en":
		s = "lifeline_" + subject
		if m.masked {
			s += "_masked_exported-by-" + m.requester + "_" + stamp
		} else {
			s += "_exported-by-" + m.requester + "_approved-by-" + m.approver + "_" + stamp + "_emergency-use-only_do-not-forward"
		}
	default:
		s = "应急联络_" + map[string]string{SubjectPeople: "人员", SubjectDepartments: "部门"}[subject]
		if m.masked {
			s += "_已脱敏_导出人" + m.requester + "_" + stamp
		} else {
			s += "_导出人" + m.requester + "_批准人" + m.approver + "_" + stamp + "_仅限应急联络用途_禁止转发"
		}
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), strings.ContainsRune(`/\:*?"<>|;`, r):
			return '_'
		case ascii && (r > unicode.MaxASCII || r == ' ' || r == '%'):
			return '_'
		}
		return r
	}, s)
	return s + "." + format
}

// escapeCell defuses formula injection: a cell a spreadsheet would read as a formula
// (= + - @) or that begins with a tab or carriage return gets a leading apostrophe.
func escapeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Column headers.
var (
	peopleHeaders = map[string][]string{
		"zh": {"工号", "姓名", "部门", "职务", "状态", "手机", "办公电话", "邮箱", "紧急联系人1", "关系1", "紧急联系人1电话", "紧急联系人2", "关系2", "紧急联系人2电话"},
		"en": {"employee_no", "name", "department", "title", "status", "mobile", "office_phone", "email", "ec1_name", "ec1_relation", "ec1_phone",
			"ec2_name", "ec2_relation", "ec2_phone"},
	}
	peoplePhoneCols = map[int]bool{5: true, 6: true, 10: true, 13: true}
	deptHeaders     = map[string][]string{
		"zh": {"部门路径", "部门名称", "上级部门", "负责人", "数据维护人", "在册人数"},
		"en": {"path", "name", "parent", "head", "maintainer", "people"},
	}
	statusLabels = map[string]map[string]string{
		"zh": {directory.StatusActive: "在职", directory.StatusProbation: "试用", directory.StatusDeparted: "离职"},
		"en": {directory.StatusActive: "active", directory.StatusProbation: "probation", directory.StatusDeparted: "departed"},
	}
	sheetNames = map[string]map[string]string{
		"zh": {SubjectPeople: "人员", SubjectDepartments: "部门", "about": "说明"},
		"en": {SubjectPeople: "People", SubjectDepartments: "Departments", "about": "说明 (About)"},
	}
)

// personRow is one person as a row of the export.
func personRow(p directory.Person, lang string) []string {
	ext := " 转"
	if lang == "en" {
		ext = " ext. "
	}
	phone := func(v, extension string) string {
		if extension != "" {
			return v + ext + extension
		}
		return v
	}
	var mobile, office, email string
	for _, c := range p.Channels {
		switch {
		case c.Kind == directory.KindMobile && mobile == "":
			mobile = phone(c.Value, c.Extension)
		case c.Kind == directory.KindLandline && office == "":
			office = phone(c.Value, c.Extension)
		case c.Kind == directory.KindEmail && email == "":
			email = c.Value
		}
	}
	status := statusLabels[lang][p.Status]
	if status == "" {
		status = p.Status
	}
	row := []string{p.EmployeeNo, p.Name, p.Department, p.Title, status, mobile, office, email}
	for i := range 2 {
		if i < len(p.EmergencyContacts) {
			e := p.EmergencyContacts[i]
			row = append(row, e.Name, e.Relation, phone(e.Phone, e.Extension))
		} else {
			row = append(row, "", "", "")
		}
	}
	return row
}

// build loads the rows of an export in the principal's scope.
func (s *Service) build(ctx context.Context, p *access.Principal, sp spec) (table, error) {
	deptID := ""
	if sp.dept != nil {
		deptID = sp.dept.ID
	}
	t := table{sheet: sheetNames[sp.lang][sp.subject]}
	switch sp.subject {
	case SubjectDepartments:
		t.headers, t.number = deptHeaders[sp.lang], map[int]bool{5: true}
		rows, err := s.dir.ExportDepartments(ctx, p, deptID)
		if err != nil {
			return t, err
		}
		paths := make(map[string]string, len(rows))
		for _, r := range rows {
			paths[r.ID] = r.NamePath
		}
		for _, r := range rows {
			t.rows = append(t.rows, []string{r.NamePath, r.Name, paths[r.ParentID], r.Head, r.Maintainer, strconv.Itoa(r.People)})
		}
	default:
		t.headers, t.phone = peopleHeaders[sp.lang], peoplePhoneCols
		err := s.dir.ExportPeople(ctx, p, directory.ExportQuery{DepartmentID: deptID, Status: sp.personStatus, Limit: s.cfg.MaxRows}, sp.unmasked,
			func(person directory.Person) error {
				if sp.format == FormatVCard {
					t.people = append(t.people, person)
					return nil
				}
				t.rows = append(t.rows, personRow(person, sp.lang))
				return nil
			})
		if err != nil {
			return t, err
		}
	}
	return t, nil
}

// render writes a table as a file of the spec's format, marked with m.
func render(t table, sp spec, m mark) (File, error) {
	f := File{Name: m.fileName(sp.subject, sp.format, false), ASCIIName: m.fileName(sp.subject, sp.format, true), Rows: len(t.rows) + len(t.people)}
	var err error
	switch sp.format {
	case FormatVCard:
		f.ContentType = ContentTypeVCard
		f.Body = renderVCard(t, sp, m)
	case FormatXLSX:
		f.ContentType = ContentTypeXLSX
		f.Body, err = renderXLSX(t, m)
	default:
		f.ContentType = ContentTypeCSV
		f.Body, err = renderCSV(t, m)
	}
	return f, err
}

// renderCSV writes UTF-8 with a byte order mark (so that Excel reads Chinese correctly)
// and CRLF line ends; an unmasked export starts with its watermark as a # line.
func renderCSV(t table, m mark) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	if !m.masked {
		buf.WriteString("# " + m.watermark() + "\r\n")
	}
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write(t.headers)
	for _, row := range t.rows {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = escapeCell(c)
		}
		_ = w.Write(out)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// hfEscape makes text safe inside an XLSX header or footer, where & starts a code.
func hfEscape(s string) string { return strings.ReplaceAll(s, "&", "&&") }

// truncate cuts s to at most n UTF-16 units, as header and footer fields are limited.
func truncate(s string, n int) string {
	units := 0
	for i, r := range s {
		w := 1
		if r > 0xFFFF {
			w = 2
		}
		if units+w > n {
			return s[:i]
		}
		units += w
	}
	return s
}

// renderXLSX writes a workbook: the data sheet (an unmasked export starts with a
// watermark row), the watermark in every printed page's header and footer, and a 说明
// sheet saying who exported what, when, why and under whose approval. All data cells are
// text cells with the text number format, so that phone numbers and employee numbers keep
// their digits and leading zeros.
func renderXLSX(t table, m mark) ([]byte, error) {
	x := excelize.NewFile(excelize.Options{TmpDir: noTempDir})
	defer x.Close()
	if err := x.SetSheetName("Sheet1", t.sheet); err != nil {
		return nil, err
	}
	textStyle, err := x.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return nil, err
	}
	headStyle, err := x.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#E8EEF7"}},
		Border: []excelize.Border{{Type: "bottom", Color: "#8A94A6", Style: 1}}})
	if err != nil {
		return nil, err
	}
	markStyle, err := x.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true, Color: "#B3261E"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#FDECEA"}},
		Alignment: &excelize.Alignment{Vertical: "center"}})
	if err != nil {
		return nil, err
	}
	wm := m.watermark()
	zhMark := wm
	if i := strings.Index(zhMark, " / "); i > 0 {
		zhMark = zhMark[:i]
	}
	footer := "仅限应急联络用途，禁止转发"
	if m.masked {
		footer = "号码已脱敏 · 仅限应急联络用途"
	}
	if err := x.SetHeaderFooter(t.sheet, &excelize.HeaderFooterOptions{
		OddHeader: truncate("&C"+hfEscape(zhMark), 255),
		OddFooter: truncate("&L"+hfEscape(footer)+"&R&P / &N", 255),
	}); err != nil {
		return nil, err
	}
	sw, err := x.NewStreamWriter(t.sheet)
	if err != nil {
		return nil, err
	}
	cols := len(t.headers)
	// Whole columns are text, so that a number typed in later keeps its digits too; runs
	// of text columns are styled at once, which keeps the <col> elements in order.
	for start := 0; start < cols; {
		end := start
		for end < cols && !t.number[end] {
			end++
		}
		if end > start {
			if err := sw.SetColStyle(start+1, end, textStyle); err != nil {
				return nil, err
			}
		}
		start = end + 1
	}
	if err := sw.SetColWidth(1, cols, 16); err != nil {
		return nil, err
	}
	headerRow := 1
	if !m.masked {
		headerRow = 2
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: "A" + strconv.Itoa(headerRow+1), ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	row := 1
	if !m.masked {
		if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: markStyle, Value: wm}}, excelize.RowOpts{Height: 24}); err != nil {
			return nil, err
		}
		last, _ := excelize.CoordinatesToCellName(cols, 1)
		if err := sw.MergeCell("A1", last); err != nil {
			return nil, err
		}
		row++
	}
	cells := make([]any, cols)
	for i, h := range t.headers {
		cells[i] = excelize.Cell{StyleID: headStyle, Value: h}
	}
	if err := sw.SetRow("A"+strconv.Itoa(row), cells); err != nil {
		return nil, err
	}
	for _, r := range t.rows {
		row++
		cells := make([]any, len(r))
		for i, c := range r {
			if t.number[i] {
				if n, err := strconv.Atoi(c); err == nil {
					cells[i] = excelize.Cell{Value: n}
					continue
				}
			}
			if c == "" {
				continue // nil: no cell, the column's text format applies
			}
			cells[i] = excelize.Cell{StyleID: textStyle, Value: escapeCell(c)}
		}
		if err := sw.SetRow("A"+strconv.Itoa(row), cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	if err := aboutSheet(x, t, m, headStyle, textStyle); err != nil {
		return nil, err
	}
	title := "应急联络导出"
	if m.lang == "en" {
		title = "Lifeline export"
	}
	stamp := m.at.UTC().Format(time.RFC3339)
	if err := x.SetDocProps(&excelize.DocProperties{Creator: "Lifeline 应急联络", LastModifiedBy: oneLine(m.requester), Title: title,
		Created: stamp, Modified: stamp,
		Description: wm, Keywords: "仅限应急联络用途", Language: map[bool]string{true: "en", false: "zh-CN"}[m.lang == "en"]}); err != nil {
		return nil, err
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// aboutSheet adds the 说明 sheet: what the file is and under which approval it was made.
func aboutSheet(x *excelize.File, t table, m mark, headStyle, textStyle int) error {
	name := sheetNames[m.lang]["about"]
	if _, err := x.NewSheet(name); err != nil {
		return err
	}
	en := m.lang == "en"
	pick := func(zh, e string) string {
		if en {
			return zh + " / " + e
		}
		return zh
	}
	scope := m.scope
	if scope == "" {
		scope = pick("全组织", "whole organization")
	}
	status := m.personStatus
	if status == "" {
		status = pick("全部", "all")
	} else if l := statusLabels[m.lang][status]; l != "" {
		status = l
	}
	rows := [][2]string{
		{pick("项目", "Item"), pick("内容", "Value")},
		{pick("水印", "Watermark"), m.watermark()},
		{pick("导出人", "Exported by"), m.requester},
	}
	if m.masked {
		rows = append(rows, [2]string{pick("号码", "Numbers"), pick("已脱敏（如 138****8000），无需审批", "masked (e.g. 138****8000); no approval needed")})
	} else {
		rows = append(rows,
			[2]string{pick("批准人", "Approved by"), m.approver},
			[2]string{pick("申请编号", "Request id"), m.requestID},
			[2]string{pick("申请原因", "Reason"), m.reason},
			[2]string{pick("申请时间", "Requested at"), local(m.requestedAt)},
			[2]string{pick("批准时间", "Approved at"), local(m.approvedAt)},
			[2]string{pick("下载有效期至", "Downloadable until"), local(m.expiresAt)},
			[2]string{pick("下载次数", "Download"), fmt.Sprintf("%d / %d", m.download, m.maxDownloads)},
		)
	}
	rows = append(rows,
		[2]string{pick("生成时间", "Generated at"), local(m.at) + " (UTC+8)"},
		[2]string{pick("范围", "Scope"), scope},
		[2]string{pick("人员状态", "Status filter"), status},
		[2]string{pick("工作表", "Sheet"), t.sheet},
		[2]string{pick("行数", "Rows"), strconv.Itoa(len(t.rows))},
		[2]string{pick("声明", "Notice"), pick("本文件含个人信息，受《个人信息保护法》保护：仅限应急联络用途，禁止转发、复制或用于其他目的；用毕请删除。",
			"This file holds personal information protected by PIPL: for emergency contact use only; do not forward, copy or use it otherwise; delete it after use.")},
	)
	for i, r := range rows {
		style := textStyle
		if i == 0 {
			style = headStyle
		}
		a, _ := excelize.CoordinatesToCellName(1, i+1)
		b, _ := excelize.CoordinatesToCellName(2, i+1)
		if err := x.SetCellStr(name, a, escapeCell(r[0])); err != nil {
			return err
		}
		if err := x.SetCellStr(name, b, escapeCell(r[1])); err != nil {
			return err
		}
		if err := x.SetCellStyle(name, a, b, style); err != nil {
			return err
		}
	}
	if err := x.SetColWidth(name, "A", "A", 22); err != nil {
		return err
	}
	return x.SetColWidth(name, "B", "B", 90)
}
