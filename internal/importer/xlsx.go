package importer

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// maxUnzippedXLSX bounds what an XLSX file may unzip to (a 64 MiB upload of a large
// staff list unzips to a few hundred MiB; a zip bomb stops here).
const maxUnzippedXLSX = 1 << 30

// readXLSX reads the first sheet. Cells stored as numbers are noted, because phone
// numbers typed into a General column lose leading zeros or turn into floats.
func readXLSX(data []byte) (t Table, err error) {
	defer func() {
		if p := recover(); p != nil { // a malformed archive must not crash the server
			err = fmt.Errorf("the XLSX file is damaged")
		}
	}()
	// Everything stays in memory: by default excelize extracts a worksheet or shared-string
	// table above 16 MiB to a temporary file, which would put the staff's phone numbers on
	// disk in plaintext. The unzipped size is bounded instead.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzippedXLSX, UnzipXMLSizeLimit: maxUnzippedXLSX})
	if err != nil {
		return Table{}, fmt.Errorf("the XLSX file cannot be opened: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return Table{}, errNoHeader
	}
	sheet := sheets[0]
	rows, err := f.Rows(sheet)
	if err != nil {
		return Table{}, fmt.Errorf("read sheet %s: %w", sheet, err)
	}
	defer rows.Close()
	t = Table{Encoding: "xlsx", Numeric: map[[2]int]bool{}}
	aliases := headerAliases()
	var phoneCols []int // only phone columns are checked: a cell-type lookup per cell is slow
	line := 0
	for rows.Next() {
		line++
		cols, err := rows.Columns()
		if err != nil {
			return t, fmt.Errorf("row %d: %w", line, err)
		}
		if t.Header == nil {
			if !blank(cols) {
				t.Header = cols
				for c, h := range cols {
					if isPhoneField(aliases[normalizeHeader(h)]) {
						phoneCols = append(phoneCols, c)
					}
				}
			}
			continue
		}
		if blank(cols) {
			continue
		}
		idx := len(t.Rows)
		for _, c := range phoneCols {
			if c >= len(cols) || cols[c] == "" {
				continue
			}
			name, _ := excelize.CoordinatesToCellName(c+1, line)
			// Numbers are stored without a type attribute or with t="n"; text has t="s" or "inlineStr".
			if typ, err := f.GetCellType(sheet, name); err == nil && (typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset) {
				t.Numeric[[2]int{idx, c}] = true
			}
		}
		t.Rows = append(t.Rows, cols)
		t.Lines = append(t.Lines, line)
	}
	if t.Header == nil {
		return t, errNoHeader
	}
	return t, rows.Error()
}
