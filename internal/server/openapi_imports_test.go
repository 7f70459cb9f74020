package server

import (
	"slices"
	"sort"
	"testing"

	"lifeline/internal/export"
)

// TestOpenAPIImportSchemas checks the multipart form against the fields the handler
// reads, and the template's media type (the schemas are checked with the others in
// TestOpenAPISchemasMatchTypes).
func TestOpenAPIImportSchemas(t *testing.T) {
	doc := openAPIDoc(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	// The form fields are those the handler reads.
	upload := deref(t, doc, schemas["ImportUpload"])
	var names []string
	for k := range upload["properties"].(map[string]any) {
		names = append(names, k)
	}
	sort.Strings(names)
	if want := []string{"dry_run", "file", "max_depart", "skip_invalid", "snapshot"}; !slices.Equal(names, want) {
		t.Errorf("ImportUpload documents %v, want %v", names, want)
	}
	if _, err := importOptions(map[string]string{"dry_run": "true", "snapshot": "false", "skip_invalid": "1", "max_depart": "15%"}); err != nil {
		t.Errorf("the documented options are refused: %v", err)
	}
	paths := doc["paths"].(map[string]any)
	op := paths["/api/v1/imports/template"].(map[string]any)["get"].(map[string]any)
	content := op["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)
	if content[export.ContentTypeXLSX] == nil {
		t.Errorf("the template's 200 does not document %s", export.ContentTypeXLSX)
	}
	post := paths["/api/v1/imports"].(map[string]any)["post"].(map[string]any)
	if post["requestBody"].(map[string]any)["content"].(map[string]any)["multipart/form-data"] == nil {
		t.Error("POST /api/v1/imports does not take multipart/form-data")
	}
}

// TestImportOptions reads the option fields of an upload.
func TestImportOptions(t *testing.T) {
	o, err := importOptions(map[string]string{"dry_run": "true", "snapshot": "on", "max_depart": "0.25"})
	if err != nil || !o.DryRun || !o.Snapshot || o.SkipInvalid || o.MaxDepart != 0.25 {
		t.Errorf("options = %+v, %v", o, err)
	}
	if o, err := importOptions(map[string]string{"max_depart": "15%"}); err != nil || o.MaxDepart != 0.15 {
		t.Errorf("max_depart 15%% = %+v, %v", o, err)
	}
	for _, bad := range []map[string]string{{"dry_run": "maybe"}, {"max_depart": "0"}, {"max_depart": "1.5"}, {"max_depart": "x"}} {
		if _, err := importOptions(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
