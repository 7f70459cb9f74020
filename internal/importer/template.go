package importer

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// TemplateHeaders are the columns of the downloadable staff template, with the Chinese
// headers of SPEC §5 (any alias of §5 is accepted on import).
var TemplateHeaders = []string{"工号", "姓名", "部门", "职务", "手机", "办公电话", "邮箱", "在职状态", "入职日期",
	"紧急联系人1", "关系1", "紧急联系人1电话", "紧急联系人2", "关系2", "紧急联系人2电话"}

// TemplateExampleNo is the employee number of the template's example row. A row with it
// is skipped on import, so that a template filled in below the example imports only the
// real rows.
const TemplateExampleNo = "示例-0001"

// TemplateRows is how many data rows of the template are pre-formatted (text format,
// the status drop-down).
const TemplateRows = 1000

// TemplateSheet and TemplateHelpSheet name the template's sheets.
const (
	TemplateSheet     = "人员"
	TemplateHelpSheet = "说明"
)

var templateExample = []string{TemplateExampleNo, "张三", "集团/生产部/一车间", "班组长", "138 0013 8000", "010-6552 9988 转 123",
	"zhang.san@example.cn", "在职", "2021-03-01", "李娜", "配偶", "186 2100 3344", "张建国", "父亲", "(0518) 8580 1234"}

// templateHelp explains each column on the 说明 sheet: header, required, what to enter.
var templateHelp = [][3]string{
	{"工号", "必填", "员工编号，在文件中不能重复；按工号匹配已有人员（再次导入同一文件不会重复创建）。以 0 开头的工号请保持文本格式。"},
	{"姓名", "必填", "员工姓名。"},
	{"部门", "选填", "部门路径，各级之间用 / 分隔，例如：集团/生产部/一车间。不存在的部门会自动创建。"},
	{"职务", "选填", "岗位或职务。"},
	{"手机", "建议填写", "本人手机号码，格式见下方。号码有误不会导致导入失败：会原样保存，并在“数据质量”中列出。"},
	{"办公电话", "选填", "座机号码，可带区号和分机，例如：010-6552 9988 转 123。"},
	{"邮箱", "选填", "电子邮箱。"},
	{"在职状态", "选填", "在职、试用 或 离职（也接受 active、probation、departed）；不填视为在职。离职人员会被标记为离职并保留档案。"},
	{"入职日期", "选填", "例如 2021-03-01、2021/3/1 或 2021年3月1日。"},
	{"紧急联系人1", "建议填写", "第一紧急联系人姓名。每位在职员工至少应有一位紧急联系人。"},
	{"关系1", "选填", "与本人关系，例如：配偶、父亲、母亲、子女、朋友。"},
	{"紧急联系人1电话", "建议填写", "第一紧急联系人的电话，最好是手机，且不能与本人号码相同。"},
	{"紧急联系人2", "选填", "第二紧急联系人姓名（如需第三位，可增加“紧急联系人3”“关系3”“紧急联系人3电话”三列）。"},
	{"关系2", "选填", "与本人关系。"},
	{"紧急联系人2电话", "选填", "第二紧急联系人的电话。"},
}

// templatePhoneFormats lists the phone formats the importer understands.
var templatePhoneFormats = [][2]string{
	{"13800138000", "11 位手机号"},
	{"138 0013 8000、138-0013-8000", "带空格或短横线"},
	{"+86 138 0013 8000、0086 13800138000、86 13800138000", "带国家代码 +86、0086 或 86"},
	{"１３８００１３８０００", "全角数字"},
	{"010-65529988、(010) 6552 9988、（0518）85801234", "座机，区号可带括号"},
	{"010-6552 9988 转 123、010-65529988-123、010-65529988 分机 123", "座机带分机号（转、分机、ext、# 或末尾 -分机号）"},
}

// templateNotes are the general notes at the top of the 说明 sheet.
var templateNotes = []string{
	"请在“人员”工作表中填写，每行一人；第 2 行灰色斜体为示例（工号 " + TemplateExampleNo + "），导入时自动跳过，可保留也可删除。",
	"号码列已设置为文本格式，请勿改为“常规”或“数值”：否则以 0 开头的号码会丢失开头的 0，长号码会变成 1.38E+10 之类的科学计数法。",
	"也可以导入人力资源系统导出的文件：支持 XLSX 和 CSV（UTF-8 或 GB18030/GBK 编码），列名可以是中文或英文（如 employee_no、name、mobile），列的顺序不限，多余的列会被忽略。",
	"导入前会先预览：显示将新增、更新、保持不变和标记离职的人数以及每行的变更；确认后才写入。结构性错误（缺少工号或姓名、工号重复、无法识别的在职状态、填写了身份证号）会列出行号，整个文件不会被导入，除非选择“跳过错误行”。",
	"“完整名单”模式：文件视为全部在职人员名单，文件中没有的在职人员会被标记为离职；若将离职的人数超过在职人数的 10%，导入会自动停止，以防误用不完整的文件。",
	"请勿在任何一列中填写身份证号：系统不保存身份证号，含身份证号的行会被拒绝。",
	"本文件填写后包含个人信息，受《个人信息保护法》保护，请妥善保管，导入后及时删除。",
}

// Template returns the downloadable staff template: the 人员 sheet with the Chinese
// headers, every column in the text number format for TemplateRows rows (phone numbers
// and employee numbers keep their leading zeros), a drop-down for 在职状态, one example
// row in grey italics, and the 说明 sheet explaining each column and the phone formats.
func Template() ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", TemplateSheet); err != nil {
		return nil, err
	}
	text, err := x.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Vertical: "center"}})
	if err != nil {
		return nil, err
	}
	head, err := x.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true, Color: "#1C2430"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#E8EEF7"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "#8A94A6", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "center"}})
	if err != nil {
		return nil, err
	}
	example, err := x.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Italic: true, Color: "#8A94A6"},
		Alignment: &excelize.Alignment{Vertical: "center"}})
	if err != nil {
		return nil, err
	}
	cols := len(TemplateHeaders)
	last, _ := excelize.ColumnNumberToName(cols)
	lastRow := TemplateRows + 1
	// Whole columns are text, and so is every cell of the first TemplateRows rows: Excel
	// and WPS keep a typed number as text in them.
	if err := x.SetColStyle(TemplateSheet, "A:"+last, text); err != nil {
		return nil, err
	}
	if err := x.SetCellStyle(TemplateSheet, "A3", fmt.Sprintf("%s%d", last, lastRow), text); err != nil {
		return nil, err
	}
	for i, h := range TemplateHeaders {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := x.SetCellStr(TemplateSheet, cell, h); err != nil {
			return nil, err
		}
		cell, _ = excelize.CoordinatesToCellName(i+1, 2)
		if err := x.SetCellStr(TemplateSheet, cell, templateExample[i]); err != nil {
			return nil, err
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		width := 14.0
		switch h {
		case "部门", "邮箱", "办公电话":
			width = 24
		case "手机", "紧急联系人1电话", "紧急联系人2电话":
			width = 18
		case "工号", "姓名", "关系1", "关系2", "在职状态":
			width = 11
		}
		if err := x.SetColWidth(TemplateSheet, col, col, width); err != nil {
			return nil, err
		}
	}
	if err := x.SetCellStyle(TemplateSheet, "A1", last+"1", head); err != nil {
		return nil, err
	}
	if err := x.SetCellStyle(TemplateSheet, "A2", last+"2", example); err != nil {
		return nil, err
	}
	if err := x.SetRowHeight(TemplateSheet, 1, 22); err != nil {
		return nil, err
	}
	if err := x.SetPanes(TemplateSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	statusCol, _ := excelize.ColumnNumberToName(columnOf("在职状态"))
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("%s2:%s%d", statusCol, statusCol, lastRow)
	if err := dv.SetDropList([]string{"在职", "试用", "离职"}); err != nil {
		return nil, err
	}
	dv.SetError(excelize.DataValidationErrorStyleStop, "在职状态", "请从列表中选择：在职、试用 或 离职。")
	dv.SetInput("在职状态", "在职、试用 或 离职；不填视为在职。")
	if err := x.AddDataValidation(TemplateSheet, dv); err != nil {
		return nil, err
	}
	for _, h := range []string{"工号", "姓名"} {
		cell, _ := excelize.CoordinatesToCellName(columnOf(h), 1)
		if err := x.AddComment(TemplateSheet, excelize.Comment{Cell: cell, Author: "应急联络", Text: h + "为必填项。"}); err != nil {
			return nil, err
		}
	}
	if err := templateHelpSheet(x, head); err != nil {
		return nil, err
	}
	if err := x.SetDocProps(&excelize.DocProperties{Creator: "Lifeline 应急联络", Title: "人员导入模板", Language: "zh-CN",
		Description: "应急联络人员导入模板：号码列为文本格式。"}); err != nil {
		return nil, err
	}
	x.SetActiveSheet(0)
	buf, err := x.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// columnOf returns the 1-based column of a template header.
func columnOf(header string) int {
	for i, h := range TemplateHeaders {
		if h == header {
			return i + 1
		}
	}
	panic("importer: no template column " + header)
}

// templateHelpSheet writes the 说明 sheet: the general notes, each column, and the phone
// formats understood.
func templateHelpSheet(x *excelize.File, head int) error {
	const s = TemplateHelpSheet
	if _, err := x.NewSheet(s); err != nil {
		return err
	}
	wrap, err := x.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	title, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	row := 1
	put := func(style int, values ...string) error {
		for i, v := range values {
			cell, _ := excelize.CoordinatesToCellName(i+1, row)
			if err := x.SetCellStr(s, cell, v); err != nil {
				return err
			}
			if err := x.SetCellStyle(s, cell, cell, style); err != nil {
				return err
			}
		}
		row++
		return nil
	}
	if err := put(title, "人员导入模板说明"); err != nil {
		return err
	}
	if err := x.SetRowHeight(s, 1, 24); err != nil {
		return err
	}
	// A merged cell does not grow with its wrapped text: give each note the height of its lines.
	const lineUnits = 150 // what fits on one line of the merged A:C, in half-width characters
	for _, n := range templateNotes {
		if err := put(wrap, n); err != nil {
			return err
		}
		if err := x.MergeCell(s, fmt.Sprintf("A%d", row-1), fmt.Sprintf("C%d", row-1)); err != nil {
			return err
		}
		units := 0
		for _, r := range n {
			units++
			if r > 0x2e80 {
				units++
			}
		}
		if err := x.SetRowHeight(s, row-1, float64((units+lineUnits-1)/lineUnits)*16+4); err != nil {
			return err
		}
	}
	row++
	if err := put(head, "列名", "是否必填", "填写说明"); err != nil {
		return err
	}
	for _, h := range templateHelp {
		if err := put(wrap, h[0], h[1], h[2]); err != nil {
			return err
		}
	}
	row++
	if err := put(head, "可识别的电话格式", "说明"); err != nil {
		return err
	}
	for _, f := range templatePhoneFormats {
		if err := put(wrap, f[0], f[1]); err != nil {
			return err
		}
	}
	for _, w := range []struct {
		col   string
		width float64
	}{{"A", 44}, {"B", 30}, {"C", 80}} {
		if err := x.SetColWidth(s, w.col, w.col, w.width); err != nil {
			return err
		}
	}
	return nil
}
