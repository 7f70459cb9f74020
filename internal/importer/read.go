// Package importer reads the staff files HR really has — CSV in UTF-8 (with or without
// BOM) or GB18030, and XLSX — with Chinese or English headers, into validated rows with
// line numbers, and applies them to the directory.
package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// MaxFileBytes bounds an uploaded file.
const MaxFileBytes = 64 << 20

// Table is a file's header and data rows; Lines[i] is the 1-based line (CSV) or row
// (XLSX) of Rows[i] as the user sees it in their editor or spreadsheet.
type Table struct {
	Header   []string
	Rows     [][]string
	Lines    []int
	Numeric  map[[2]int]bool // (row index, column) of XLSX cells stored as numbers
	Encoding string          // "utf-8", "utf-8 BOM", "gb18030" or "xlsx"
}

// errNoHeader means the file is empty.
var errNoHeader = errors.New("the file is empty: no header row")

// ReadTable reads a CSV or XLSX file; the format comes from the content (XLSX files are
// ZIP archives), not the name.
func ReadTable(r io.Reader) (Table, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return Table{}, fmt.Errorf("read file: %w", err)
	}
	if len(data) > MaxFileBytes {
		return Table{}, fmt.Errorf("the file is larger than %d MiB", MaxFileBytes>>20)
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return readXLSX(data)
	}
	return readCSV(data)
}

// decodeText turns CSV bytes into UTF-8: a BOM or valid UTF-8 is taken as UTF-8,
// anything else as GB18030 (a superset of GBK and GB2312, what Excel in China writes).
func decodeText(data []byte) (string, string, error) {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return string(data[3:]), "utf-8 BOM", nil
	}
	if utf8.Valid(data) {
		return string(data), "utf-8", nil
	}
	out, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), data)
	if err != nil {
		return "", "", fmt.Errorf("the file is neither UTF-8 nor GB18030: %w", err)
	}
	return string(out), "gb18030", nil
}

func readCSV(data []byte) (Table, error) {
	text, enc, err := decodeText(data)
	if err != nil {
		return Table{}, err
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	t := Table{Encoding: enc}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return t, fmt.Errorf("line %d: %v", pe.StartLine, pe.Err)
			}
			return t, err
		}
		if t.Header == nil {
			if blank(rec) {
				continue
			}
			t.Header = rec
			continue
		}
		if blank(rec) {
			continue
		}
		t.Rows = append(t.Rows, rec)
		t.Lines = append(t.Lines, line)
	}
	if t.Header == nil {
		return t, errNoHeader
	}
	return t, nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
