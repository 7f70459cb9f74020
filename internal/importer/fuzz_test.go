package importer

import (
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// fuzzXLSX is a small workbook as HR saves it, built in memory for the seed corpus.
func fuzzXLSX(f *testing.F, rows [][]any) []byte {
	f.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			f.Fatal(err)
		}
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzReadTable feeds arbitrary bytes to ReadTable and Parse: nothing panics, and every
// record that comes out has an employee number, a name and a data line (≥ 2: the header
// comes first).
func FuzzReadTable(f *testing.F) {
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("工号,姓名,所属部门,手机号码,在职状态\r\nE001,张三,生产部/一车间,138 0013 8000,在职\r\nE002,李四,,,离职\r\n")
	for _, s := range []string{
		"工号,姓名,部门,手机\nE001,张三,生产部/一车间,13800138000\n",
		"\ufeffemployee_no,name,mobile,status\nE1,Li Lei,+86 138-0013-8000,active\nE2,Han Meimei,,probation\n",
		"工号,姓名\n\n\nE1,张三\n,\n",
		"\n\n工号,姓名\nE1,\"张\n三\"\nE2,李四\n",
		"工号,姓名,紧急联系人,关系,紧急联系人电话\nE1,张三,李四,配偶,13900139000\nE2,王五,,,13900139000\n",
		"工号,姓名,在职状态,入职日期\nE1,张三,未知,2020-13-01\nE1,张三,在职,45000\n",
		"工号,工号,姓名\nE1,E1,张三\n",
		"姓名\n张三\n",
		"工号,姓名,手机\nE1,张三,11010519491231002X\n11010519491231002X,李四,\n",
		"工号,姓名\n\"E1,张三\n",
		"a\"b,c\nd,e\"f\n",
		"",
		"\xef\xbb\xbf",
		"\xff\xfe\x00\x00",
		gb,
	} {
		f.Add([]byte(s))
	}
	f.Add(fuzzXLSX(f, [][]any{
		{"工号", "姓名", "部门", "手机", "办公电话", "紧急联系人1", "关系1", "紧急联系人1电话"},
		{"E001", "张三", "生产部/一车间", 13800138000, 1065529988, "李四", "配偶", "139 0013 9000"},
		{"E002", "欧阳娜娜", "安全部", 1.38001e10, "", "", "", ""},
		{},
		{"", "无工号"},
	}))
	f.Add(fuzzXLSX(f, [][]any{{}, {"employee_no", "name"}, {"E1", "Li Lei"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadTable(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		if len(tab.Rows) != len(tab.Lines) {
			t.Fatalf("%d rows but %d line numbers", len(tab.Rows), len(tab.Lines))
		}
		records, _, _ := Parse(tab)
		for _, r := range records {
			if r.EmployeeNo == "" || r.Name == "" || r.Line < 2 {
				t.Fatalf("record without employee number, name or data line: %+v", r)
			}
			if strings.TrimSpace(r.EmployeeNo) != r.EmployeeNo || strings.TrimSpace(r.Name) != r.Name {
				t.Fatalf("untrimmed record: %+v", r)
			}
			switch r.Status {
			case "active", "probation", "departed":
			default:
				t.Fatalf("record with status %q", r.Status)
			}
		}
	})
}
