package quality

import (
	"encoding/csv"
	"io"
)

// WriteCSV writes findings with the columns of SPEC §6: employee_no, subject, code,
// severity, detail. Cells that a spreadsheet would run as formulas are escaped.
func WriteCSV(w io.Writer, findings []Finding) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"employee_no", "subject", "code", "severity", "detail"}); err != nil {
		return err
	}
	for _, f := range findings {
		if err := cw.Write([]string{escapeCell(f.EmployeeNo), f.Subject, f.Code, f.Severity, escapeCell(f.Detail)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func escapeCell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
