package importer_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lifeline/internal/apptest"
	"lifeline/internal/demo"
	"lifeline/internal/importer"
	"lifeline/internal/store/storetest"
)

type summary struct {
	Created, Updated, Unchanged, Departed, Errors int
	Gone                                          []string `json:"departed_by_snapshot"`
	Problems                                      []importer.Problem
}

func runImport(t *testing.T, a *apptest.App, file string, flags ...string) summary {
	t.Helper()
	out := a.Run(t, "", append([]string{"import", "people", file, "--json"}, flags...)...)
	var s summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("import output %q: %v", out, err)
	}
	return s
}

// TestImportMessyFile: a GB18030 file with Chinese headers imports with one command; the
// dry run reports the same counts as the real run and writes nothing; importing the same
// file again changes nothing; the file minus 100 people in snapshot mode departs exactly them.
func TestImportMessyFile(t *testing.T) {
	sizes := map[string]int{"sqlite": 10000, "postgres": 2000}
	if testing.Short() {
		sizes = map[string]int{"sqlite": 1000, "postgres": 500}
	}
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			n := sizes[e.Name]
			m := demo.GenerateMessy(n, 11)
			dir := t.TempDir()
			file := filepath.Join(dir, "staff.csv")
			if err := os.WriteFile(file, m.CSV, 0o600); err != nil {
				t.Fatal(err)
			}
			a := apptest.StartOn(t, e, apptest.Options{})
			rows := len(m.Org.People)

			dry := runImport(t, a, file, "--dry-run")
			if dry.Errors != 0 || dry.Created != rows {
				t.Fatalf("dry run: %+v (want %d created)", dry, rows)
			}
			if out := a.Run(t, "", "import", "people", file, "--dry-run"); !strings.Contains(out, "dry run") || !strings.Contains(out, "created") {
				t.Fatalf("human dry run output: %.300s", out)
			}
			var count int
			a.App.DB.Read.QueryRow(`SELECT count(*) FROM people`).Scan(&count)
			if count != 0 {
				t.Fatalf("the dry run wrote %d people", count)
			}
			real := runImport(t, a, file)
			if real.Created != dry.Created || real.Updated != dry.Updated || real.Unchanged != dry.Unchanged || real.Departed != dry.Departed || real.Errors != 0 {
				t.Fatalf("real run %+v differs from dry run %+v", real, dry)
			}
			a.App.DB.Read.QueryRow(`SELECT count(*) FROM people`).Scan(&count)
			if count != rows {
				t.Fatalf("%d people after import, want %d", count, rows)
			}

			again := runImport(t, a, file)
			if again.Unchanged != rows || again.Created+again.Updated+again.Departed != 0 {
				t.Fatalf("second import changed something: %+v", again)
			}

			drop := map[string]bool{}
			for _, p := range m.Org.People {
				if p.Status != "departed" && len(drop) < 100 {
					drop[p.EmployeeNo] = true
				}
			}
			smaller := filepath.Join(dir, "staff-minus-100.csv")
			os.WriteFile(smaller, m.WithoutRows(drop), 0o600)
			snap := runImport(t, a, smaller, "--snapshot")
			if snap.Departed != 100 || len(snap.Gone) != 100 || snap.Created+snap.Updated != 0 {
				t.Fatalf("snapshot: departed %d (%d listed), created %d, updated %d", snap.Departed, len(snap.Gone), snap.Created, snap.Updated)
			}
			for _, eno := range snap.Gone {
				if !drop[eno] {
					t.Fatalf("%s departed but was in the file", eno)
				}
			}
			a.App.DB.Read.QueryRow(`SELECT count(*) FROM people WHERE status = 'departed'`).Scan(&count)
			if count != m.Departed+100 {
				t.Fatalf("%d departed people, want %d", count, m.Departed+100)
			}
			t.Logf("%s: %d rows: created %d; again unchanged %d; snapshot departed %d", e.Name, rows, real.Created, again.Unchanged, snap.Departed)
		})
	}
}

// TestImportRefusals: structural errors are reported with line numbers and nothing is
// written; bad phone numbers are not errors.
func TestImportRefusals(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	bad := write("bad.csv", "工号,姓名,部门,手机,状态\n"+
		"E1,张三,总部/一部,13800001111,在职\n"+
		",李四,总部/一部,13800001112,在职\n"+
		"E3,,总部/一部,13800001113,在职\n"+
		"E1,王五,总部/一部,13800001114,在职\n"+
		"E5,赵六,总部/一部,13800001115,退休\n"+
		"E6,钱七,总部/一部,11010519491231002X,在职\n")
	s, err := func() (summary, error) {
		out, err := a.TryRun("", "import", "people", bad, "--json")
		var s summary
		json.Unmarshal([]byte(out), &s)
		return s, err
	}()
	if err == nil {
		t.Fatal("an import with structural errors succeeded")
	}
	want := map[int]string{3: "no employee number", 4: "no name", 5: "already on line 2", 6: "unknown status", 7: "resident ID"}
	for line, msg := range want {
		found := false
		for _, p := range s.Problems {
			if p.Line == line && strings.Contains(p.Message, msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem %q on line %d: %+v", msg, line, s.Problems)
		}
	}
	if strings.Contains(fmt.Sprint(s.Problems), "11010519491231002X") {
		t.Fatal("a resident ID number was echoed")
	}
	var count int
	a.App.DB.Read.QueryRow(`SELECT count(*) FROM people`).Scan(&count)
	if count != 0 {
		t.Fatalf("a rejected import wrote %d people", count)
	}
	// --skip-invalid imports the valid rows; a bad phone number is kept, not refused.
	s = runImport(t, a, bad, "--skip-invalid")
	if s.Created != 1 {
		t.Fatalf("skip-invalid: %+v", s)
	}
	ok := write("ok.csv", "\ufeffEmployee_No , Name,Department,Mobile,Email\nE9,孙八,总部/二部,1380000,not-an-email\n")
	s = runImport(t, a, ok)
	if s.Created != 1 || s.Errors != 0 {
		t.Fatalf("a bad phone number blocked the import: %+v", s)
	}
	// No employee number column at all.
	if _, err := a.TryRun("", "import", "people", write("nohdr.csv", "姓名,手机\n张三,13800001111\n")); err == nil {
		t.Fatal("a file without an employee number column was imported")
	}
}
