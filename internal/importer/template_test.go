package importer

import (
	"bytes"
	"testing"
)

// TestTemplateReadsBack: every header of the template maps to a field, and the example
// row is skipped, so that an untouched template imports nothing.
func TestTemplateReadsBack(t *testing.T) {
	b, err := Template()
	if err != nil {
		t.Fatal(err)
	}
	tab, err := ReadTable(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	aliases := headerAliases()
	for _, h := range tab.Header {
		if _, ok := aliases[normalizeHeader(h)]; !ok {
			t.Errorf("template header %q is not an import header", h)
		}
	}
	if len(tab.Header) != len(TemplateHeaders) || len(tab.Rows) != 1 {
		t.Fatalf("template: %d headers, %d rows", len(tab.Header), len(tab.Rows))
	}
	recs, cols, problems := Parse(tab)
	if len(problems) != 0 || len(recs) != 0 || !cols[EmployeeNo] || !cols[ecField(2, "phone")] {
		t.Fatalf("the template parses to %d records, problems %v, columns %v", len(recs), problems, cols)
	}
}
