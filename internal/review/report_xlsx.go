package review

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// reportHeaders are the XLSX columns, Chinese and English.
var reportHeaders = []string{
	"部门 Department", "在职人数 People", "已审核人数 Reviewed", "确认有效 Valid", "已变更 Changed", "移除/转人事 Removed",
	"未处理问题 Open findings", "平均有效性评分 Avg. score", "逾期任务 Overdue tasks", "审核人及日期 Reviewers and dates",
}

// XLSX writes the report as a workbook: a title, the period, one row per department and
// the signature lines, the same as the printable page.
func (r Report) XLSX() ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheet := "审核报告"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	set := func(cell string, v any) error { return x.SetCellValue(sheet, cell, v) }
	if err := set("A1", "联络信息审核报告 Contact data review report "+r.Quarter); err != nil {
		return nil, err
	}
	if err := set("A2", fmt.Sprintf("%s – %s", r.From, r.To)); err != nil {
		return nil, err
	}
	for i, h := range reportHeaders {
		cell, _ := excelize.CoordinatesToCellName(i+1, 4)
		if err := set(cell, h); err != nil {
			return nil, err
		}
	}
	for n, row := range r.Rows {
		var who []string
		for _, rv := range row.Reviewers {
			span := rv.First
			if rv.Last != rv.First {
				span += "–" + rv.Last
			}
			who = append(who, fmt.Sprintf("%s（%d，%s）", rv.Name, rv.Count, span))
		}
		var score any = ""
		if row.AvgScore != nil {
			score = *row.AvgScore
		}
		vals := []any{row.Department, row.People, row.Reviewed, row.Valid, row.Changed, row.Removed, row.OpenFindings, score, row.OverdueTasks, strings.Join(who, "；")}
		for i, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, 5+n)
			if err := set(cell, v); err != nil {
				return nil, err
			}
		}
	}
	last := 5 + len(r.Rows) + 1
	for i, label := range []string{"编制人 Prepared by：", "部门负责人 Department head：", "日期 Date："} {
		cell, _ := excelize.CoordinatesToCellName(1+i*3, last+1)
		if err := set(cell, label); err != nil {
			return nil, err
		}
	}
	_ = x.SetColWidth(sheet, "A", "A", 28)
	_ = x.SetColWidth(sheet, "B", "I", 14)
	_ = x.SetColWidth(sheet, "J", "J", 48)
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
