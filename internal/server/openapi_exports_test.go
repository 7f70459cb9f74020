package server

import (
	"testing"

	"lifeline/internal/export"
)

// TestOpenAPIExportSchemas checks that the export file answers document their media
// types (the schemas are checked with the others in TestOpenAPISchemasMatchTypes).
func TestOpenAPIExportSchemas(t *testing.T) {
	doc := openAPIDoc(t)
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
