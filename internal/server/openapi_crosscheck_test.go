package server

import (
	"reflect"
	"testing"

	"lifeline/internal/crosscheck"
)

// TestOpenAPICrossCheckSchemas checks the cross-check report schemas against their Go
// types, as TestOpenAPISchemasMatchTypes does for the others.
func TestOpenAPICrossCheckSchemas(t *testing.T) {
	doc := openAPIDoc(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name, v := range map[string]any{
		"CrossCheckReport":  crosscheck.Report{},
		"CrossCheckRow":     crosscheck.Row{},
		"CrossCheckProblem": crosscheck.Problem{},
	} {
		schema := deref(t, doc, schemas[name])
		if schema == nil {
			t.Errorf("no schema %s", name)
			continue
		}
		props, required := schemaFields(t, doc, schema)
		fields := jsonFields(reflect.TypeOf(v))
		for f, omitempty := range fields {
			switch {
			case !props[f]:
				t.Errorf("schema %s lacks field %q of %T", name, f, v)
			case !omitempty && !required[f]:
				t.Errorf("schema %s: %q is always present in %T, so it should be required", name, f, v)
			case omitempty && required[f]:
				t.Errorf("schema %s: %q is omitted when empty in %T, so it cannot be required", name, f, v)
			}
		}
		for p := range props {
			if _, ok := fields[p]; !ok {
				t.Errorf("schema %s documents %q, which %T does not have", name, p, v)
			}
		}
	}
}
