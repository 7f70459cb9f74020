package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"strings"

	"lifeline/internal/demo"
)

// messyRequested reports whether a demo command line asks for the messy HR file, which is
// written without opening any database.
func messyRequested(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "messy" {
			return true
		}
	}
	return false
}

const messyUsage = "usage: lifeline demo --messy N [--out FILE] [--seed S], N from 20 to 200000"

// cmdDemoMessy writes the messy HR staff file of the demo generator (GB18030, Chinese
// headers, phone numbers typed every way, planted problems, departed staff mixed in) and
// its ground truth: the findings a correct data-quality check reports on it.
func cmdDemoMessy(_ context.Context, args []string, env func(string) string, stdio IO) error {
	var cfg Config
	var n int
	var out string
	var seed uint64
	fs := flag.NewFlagSet("lifeline demo --messy", flag.ContinueOnError)
	commonFlags(fs, &cfg, env) // accepted and ignored: no database is opened
	fs.IntVar(&n, "messy", 0, "write a messy HR file of N people (and its ground truth) instead of loading the demo")
	fs.StringVar(&out, "out", "", "the file to write (default messy-N.csv); the ground truth goes next to it as NAME.truth.csv")
	fs.Uint64Var(&seed, "seed", demoSeed, "generator seed: the same seed writes the same file")
	fs.Int("people", 0, "not used with --messy")
	pos, err := parse(fs, args, stdio.Stderr)
	if err != nil {
		return err
	}
	if len(pos) != 0 || n < 20 || n > 200000 {
		return usagef(messyUsage)
	}
	if out == "" {
		out = fmt.Sprintf("messy-%d.csv", n)
	}
	truthPath := strings.TrimSuffix(out, ".csv") + ".truth.csv"
	m := demo.GenerateMessy(n, seed)
	var truth bytes.Buffer
	w := csv.NewWriter(&truth)
	_ = w.Write([]string{"employee_no", "subject", "code"})
	for _, f := range m.Truth {
		_ = w.Write([]string{f.EmployeeNo, f.Subject, f.Code})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := os.WriteFile(out, m.CSV, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.WriteFile(truthPath, truth.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", truthPath, err)
	}
	printf(stdio.Stdout, "wrote %s: %d rows (GB18030, %d departed)\n", out, len(m.Org.People), m.Departed)
	printf(stdio.Stdout, "wrote %s: %d planted findings (employee_no, subject, code)\n", truthPath, len(m.Truth))
	return nil
}
