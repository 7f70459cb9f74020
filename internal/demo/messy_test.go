package demo

import (
	"bytes"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestGenerateMessy(t *testing.T) {
	m := GenerateMessy(2000, 7)
	if bytes.Equal(m.CSV, GenerateMessy(2000, 8).CSV) || !bytes.Equal(m.CSV, GenerateMessy(2000, 7).CSV) {
		t.Fatal("not deterministic by seed")
	}
	if bytes.Contains(m.CSV, []byte("工号")) {
		t.Fatal("the file is not GB18030")
	}
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(m.CSV)
	if err != nil || !bytes.HasPrefix(text, []byte("工号,姓名")) {
		t.Fatalf("header: %.40s, %v", text, err)
	}
	codes := map[string]int{}
	for _, f := range m.Truth {
		codes[f.Code]++
	}
	for _, c := range []string{"invalid_number", "placeholder_number", "not_mobile", "same_as_self", "shared_number", "duplicate_person", "missing_emergency_contact"} {
		if codes[c] < 5 {
			t.Errorf("only %d planted %s", codes[c], c)
		}
	}
	t.Logf("planted: %v; departed rows %d", codes, m.Departed)
}
