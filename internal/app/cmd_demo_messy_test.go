package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lifeline/internal/demo"
)

func TestDemoMessy(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data") // must not be created: --messy opens no database
	out := filepath.Join(dir, "staff.csv")
	var stdout, stderr bytes.Buffer
	env := func(string) string { return "" }
	err := Run(context.Background(), []string{"demo", "--messy", "60", "--out", out, "--data", data, "--database-url", "postgres://nowhere.invalid/x"},
		env, strings.NewReader(""), &stdout, &stderr)
	if err != nil {
		t.Fatalf("demo --messy: %v\n%s", err, stderr.String())
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("the data directory was created: %v", err)
	}
	truthPath := filepath.Join(dir, "staff.truth.csv")
	if !strings.Contains(stdout.String(), out) || !strings.Contains(stdout.String(), truthPath) {
		t.Errorf("output does not name both files: %q", stdout.String())
	}
	m := demo.GenerateMessy(60, demoSeed)
	body, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(body, m.CSV) {
		t.Fatalf("the file is not the generator's (%v)", err)
	}
	tf, err := os.Open(truthPath)
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	rows, err := csv.NewReader(tf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(m.Truth)+1 || strings.Join(rows[0], ",") != "employee_no,subject,code" {
		t.Fatalf("truth has %d rows, header %v; want %d findings", len(rows), rows[0], len(m.Truth))
	}
	for i, f := range m.Truth {
		if r := rows[i+1]; r[0] != f.EmployeeNo || r[1] != f.Subject || r[2] != f.Code {
			t.Fatalf("truth row %d = %v, want %+v", i+1, r, f)
		}
	}

	// The default name, in the working directory.
	t.Chdir(dir)
	stdout.Reset()
	if err := Run(context.Background(), []string{"demo", "--messy=25"}, env, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"messy-25.csv", "messy-25.truth.csv"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil || !strings.Contains(stdout.String(), name) {
			t.Errorf("%s: %v (output %q)", name, err, stdout.String())
		}
	}
	if err := Run(context.Background(), []string{"demo", "--messy", "5"}, env, strings.NewReader(""), &stdout, &stderr); !IsUsage(err) {
		t.Errorf("--messy 5: %v, want a usage error", err)
	}
}
