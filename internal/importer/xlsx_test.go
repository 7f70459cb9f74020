package importer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestXLSXNumericPhones: phone numbers typed into General (number) cells lose leading
// zeros or become floats; the reader flags them, keeps the value, and reads text cells,
// dates and Chinese headers normally.
func TestXLSXNumericPhones(t *testing.T) {
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	rows := [][]any{
		{"工号", "姓名", "部门", "手机", "办公电话", "入职日期", "紧急联系人电话"},
		{"E1", "张三", "总部/一部", 13800138001, 1065529988, "2021/3/1", "13900139001"},
		{"E2", "李四", "总部/一部", 1.38001380021e10, "010-65529988", "2021-03-02", 1.10101199003078e17},
		{"E3", "王五", "总部/二部", "13800138003", "", "", ""},
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	tbl, err := ReadTable(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Encoding != "xlsx" || len(tbl.Rows) != 3 || tbl.Lines[0] != 2 {
		t.Fatalf("table: %+v", tbl)
	}
	recs, _, problems := Parse(tbl)
	if len(problems) > 0 || len(recs) != 3 {
		t.Fatalf("records %+v, problems %+v", recs, problems)
	}
	joined := func(r Record) string { return strings.Join(r.Warnings, "; ") }
	if w := joined(recs[0]); !strings.Contains(w, "office_phone: stored as a number and lost its leading zero") || strings.Contains(w, "mobile:") {
		t.Fatalf("row 2 warnings: %q", w)
	}
	if recs[0].HireDate != "2021-03-01" || recs[0].Mobile != "13800138001" {
		t.Fatalf("row 2: %+v", recs[0])
	}
	if w := joined(recs[1]); !strings.Contains(w, "ec1_phone:") {
		t.Fatalf("row 3: a float-turned phone was not flagged: %q", w)
	}
	if w := joined(recs[2]); w != "" {
		t.Fatalf("row 4: text cells were flagged: %q", w)
	}
}

func TestDecodeText(t *testing.T) {
	gb := []byte{0xb9, 0xa4, 0xba, 0xc5} // 工号 in GB18030
	s, enc, err := decodeText(gb)
	if err != nil || s != "工号" || enc != "gb18030" {
		t.Fatalf("gb18030: %q %s %v", s, enc, err)
	}
	s, enc, _ = decodeText([]byte("\xef\xbb\xbf工号"))
	if s != "工号" || enc != "utf-8 BOM" {
		t.Fatalf("bom: %q %s", s, enc)
	}
}
