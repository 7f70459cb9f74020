package server

import (
	"reflect"
	"testing"

	"lifeline/internal/export"
)

// TestOpenAPIExportSchemas checks the export schemas against their Go types, as
// TestOpenAPISchemasMatchTypes does for the others: the same JSON fields and, for
// answers, required exactly when the field is never omitted.
func TestOpenAPIExportSchemas(t *testing.T) {
	doc := openAPIDoc(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	cases := []struct {
		name   string
		v      any
		answer bool
	}{
		{"ExportRequest", export.Request{}, true},
		{"ExportRequestList", list[export.Request]{}, true},
		{"ExportInput", export.Input{}, false},
		{"ExportDecision", decisionInput{}, false},
	}
	for _, c := range cases {
		schema := deref(t, doc, schemas[c.name])
		if schema == nil {
			t.Errorf("no schema %s", c.name)
			continue
		}
		props, required := schemaFields(t, doc, schema)
		fields := jsonFields(reflect.TypeOf(c.v))
		for f, omitempty := range fields {
			switch {
			case !props[f]:
				t.Errorf("schema %s lacks field %q of %T", c.name, f, c.v)
			case c.answer && !omitempty && !required[f]:
				t.Errorf("schema %s: %q is always present in %T, so it should be required", c.name, f, c.v)
			case c.answer && omitempty && required[f]:
				t.Errorf("schema %s: %q is omitted when empty in %T, so it cannot be required", c.name, f, c.v)
			}
		}
		for p := range props {
			if _, ok := fields[p]; !ok {
				t.Errorf("schema %s documents %q, which %T does not have", c.name, p, c.v)
			}
		}
	}
	// The file answers name their media types.
	for _, path := range []string{"/api/v1/exports/{id}/download"} {
		op := doc["paths"].(map[string]any)[path].(map[string]any)["get"].(map[string]any)
		content := op["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)
		for _, ct := range []string{"text/csv", export.ContentTypeXLSX} {
			if content[ct] == nil {
				t.Errorf("%s: 200 does not document %s", path, ct)
			}
		}
	}
}
