package quality_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/clock"
	"lifeline/internal/demo"
	"lifeline/internal/directory"
	"lifeline/internal/importer"
	"lifeline/internal/keys"
	"lifeline/internal/quality"
	"lifeline/internal/store/storetest"
	"lifeline/internal/vault"
)

// TestPrecisionRecall imports the generator's messy file and compares the findings
// with what the generator planted: precision and recall ≥ 0.98 for each code.
func TestPrecisionRecall(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 1500
	}
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			if e.Name == "postgres" && !testing.Short() {
				n = 2000
			}
			ctx := context.Background()
			db := storetest.Open(t, e)
			v, _ := vault.Load(t.TempDir(), "")
			if err := keys.Load(ctx, db, v, time.Now()); err != nil {
				t.Fatal(err)
			}
			dir := directory.New(db, v, clock.System{})
			m := demo.GenerateMessy(n, 42)
			rep, err := importer.Run(ctx, db, dir, access.System("test"), bytes.NewReader(m.CSV), importer.Options{})
			if err != nil {
				t.Fatalf("import: %v %+v", err, rep.Problems)
			}
			svc := quality.New(db, clock.System{}, quality.DefaultConfig())
			st, err := svc.Recheck(ctx)
			if err != nil {
				t.Fatal(err)
			}
			found, err := svc.Findings(ctx, access.System("test"), quality.Query{})
			if err != nil {
				t.Fatal(err)
			}
			codes := []string{"invalid_number", "placeholder_number", "not_mobile", "same_as_self", "shared_number", "duplicate_person", "missing_emergency_contact"}
			truth := map[string]bool{}
			planted := map[string]int{}
			for _, f := range m.Truth {
				truth[f.EmployeeNo+"/"+f.Subject+"/"+f.Code] = true
				planted[f.Code]++
			}
			reported, hits := map[string]int{}, map[string]int{}
			var falsePos []string
			for _, f := range found {
				k := f.EmployeeNo + "/" + f.Subject + "/" + f.Code
				reported[f.Code]++
				if truth[k] {
					hits[f.Code]++
				} else if len(falsePos) < 10 && planted[f.Code] > 0 {
					falsePos = append(falsePos, k)
				}
			}
			t.Logf("%s: %d people, %d findings; false positives (first 10): %v", e.Name, st.People, st.Findings, falsePos)
			for _, c := range codes {
				precision := float64(hits[c]) / float64(max(reported[c], 1))
				recall := float64(hits[c]) / float64(max(planted[c], 1))
				line := fmt.Sprintf("%-26s planted %4d reported %4d precision %.3f recall %.3f", c, planted[c], reported[c], precision, recall)
				t.Log(line)
				if planted[c] == 0 || precision < 0.98 || recall < 0.98 {
					t.Errorf("below 0.98: %s", line)
				}
			}
		})
	}
}
