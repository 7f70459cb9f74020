package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lifeline/internal/apptest"
	"lifeline/internal/store/storetest"
)

// Canary numbers come from dedicated ranges, so that one search per format finds any of
// them: staff mobiles 199 2718 0000–0999, emergency contacts 198 3641 0000–0999.
const (
	canaryPeople = 1000
	staffPrefix  = "1992718"
	ecPrefix     = "1983641"
	emailDomain  = "canary-leak.example"
)

// canaryNeedles are every common way the canary values could be written.
func canaryNeedles() []string {
	var out []string
	for _, p := range []string{staffPrefix, ecPrefix} {
		out = append(out, p, p[:3]+" "+p[3:], p[:3]+"-"+p[3:], "+86"+p, "86"+p)
	}
	// The masked form keeps an email's domain (c***7@canary-leak.example), as lists show it;
	// the address itself is what must not rest in plaintext.
	return append(out, "canary.person")
}

func findNeedles(where string, data []byte) []string {
	var hits []string
	for _, n := range canaryNeedles() {
		if bytes.Contains(data, []byte(n)) {
			hits = append(hits, fmt.Sprintf("%q in %s", n, where))
		}
	}
	return hits
}

// TestCanaryNoPlaintextAtRest creates 1,000 people with known numbers and emails through
// the API, then searches every place data rests for them in any format.
func TestCanaryNoPlaintextAtRest(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 1,000 people")
	}
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			opts := e.Options(t)
			a := apptest.Start(t, apptest.Options{Store: &opts})
			admin := a.User(t, "root", "admin", "")
			dept := createDept(t, a, admin, "金丝雀部", "")
			for i := 0; i < canaryPeople; i++ {
				body := map[string]any{"employee_no": fmt.Sprintf("K%04d", i), "name": "测试员", "department_id": dept,
					"channels": []map[string]any{
						{"kind": "mobile", "value": fmt.Sprintf("%s%04d", staffPrefix, i)},
						{"kind": "email", "value": fmt.Sprintf("canary.person%04d@%s", i, emailDomain)},
					},
					"emergency_contacts": []map[string]any{{"name": "家属", "relation": "配偶", "phone": fmt.Sprintf("+86 %s %04d", ecPrefix, i)}}}
				mustStatus(t, a.Do(t, "POST", "/api/v1/people", admin, body), http.StatusCreated)
			}
			// The values are really there: a reveal shows them (the search is not blind).
			r := a.Do(t, "GET", "/api/v1/people?q="+staffPrefix+"0007", admin, nil)
			mustStatus(t, r, http.StatusOK)
			id := r.JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
			r = a.Do(t, "POST", "/api/v1/people/"+id+"/reveal", admin, map[string]any{"reason": "canary"})
			if len(findNeedles("reveal", r.Body)) == 0 {
				t.Fatalf("the canary search is blind: the revealed person holds none of the needles: %s", r.Body)
			}

			var hits []string
			if opts.DatabaseURL == "" {
				files, _ := filepath.Glob(filepath.Join(opts.DataDir, "*"))
				read := 0
				for _, f := range files {
					b, err := os.ReadFile(f)
					if err != nil {
						continue
					}
					read++
					hits = append(hits, findNeedles(filepath.Base(f), b)...)
				}
				if read < 2 {
					t.Fatalf("read %d files from the data directory", read)
				}
			} else {
				dump, err := exec.Command("pg_dump", "--no-owner", opts.DatabaseURL).Output()
				if err != nil {
					t.Fatalf("pg_dump: %v", err)
				}
				if !bytes.Contains(dump, []byte("金丝雀部")) {
					t.Fatal("the dump is blind: it lacks the department name")
				}
				hits = append(hits, findNeedles("pg_dump", dump)...)
			}
			var args strings.Builder
			rows, err := a.App.DB.Read.Query(`SELECT CAST(args AS TEXT) FROM river_job`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				rows.Scan(&s)
				args.WriteString(s)
			}
			rows.Close()
			hits = append(hits, findNeedles("job arguments", []byte(args.String()))...)
			hits = append(hits, findNeedles("server log", a.Log.Bytes())...)
			if len(hits) > 0 {
				t.Fatalf("plaintext personal data at rest:\n%s", strings.Join(hits, "\n"))
			}
		})
	}
}
