package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"lifeline/internal/importer"
)

func cmdImport(ctx context.Context, args []string, env func(string) string, stdio IO) error {
	if len(args) == 0 || args[0] != "people" {
		return usagef("usage: lifeline import people FILE [--dry-run] [--snapshot] [--skip-invalid] [--json]")
	}
	var o importer.Options
	var asJSON bool
	a, pos, err := command(ctx, "import people", args[1:], env, stdio, func(fs *flag.FlagSet) {
		fs.BoolVar(&o.DryRun, "dry-run", false, "print what would change and write nothing")
		fs.BoolVar(&o.Snapshot, "snapshot", false, "the file is the complete staff list: active people missing from it depart")
		fs.BoolVar(&o.SkipInvalid, "skip-invalid", false, "import the valid rows even if some rows have structural errors")
		fs.Float64Var(&o.MaxDepart, "max-depart", 0.10, "snapshot safety stop: the largest share of active people that may depart")
		fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(pos) != 1 {
		return usagef("import people takes one FILE (CSV or XLSX)")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("open %s: %w", pos[0], err)
	}
	defer f.Close()
	rep, runErr := importer.Run(ctx, a.DB, a.Directory, cliPrincipal(), f, o)
	if runErr != nil && !errors.Is(runErr, importer.ErrRejected) {
		return runErr
	}
	if asJSON {
		b, _ := json.Marshal(rep)
		printf(stdio.Stdout, "%s\n", b)
	} else {
		printReport(stdio, rep)
	}
	return runErr
}

// printReport writes an import report for a person at a terminal: counts, problems with
// line numbers, and the changes row by row.
func printReport(stdio IO, rep importer.Report) {
	mode := "imported"
	if rep.DryRun {
		mode = "dry run — nothing written"
	}
	printf(stdio.Stdout, "%s (%s, %d rows): created %d, updated %d, unchanged %d, departed %d, errors %d\n",
		mode, rep.Encoding, rep.Rows, rep.Created, rep.Updated, rep.Unchanged, rep.Departed, rep.Errors)
	for _, p := range rep.Problems {
		where := "file"
		if p.Line > 0 {
			where = fmt.Sprintf("line %d", p.Line)
		}
		if p.Field != "" {
			where += " " + p.Field
		}
		printf(stdio.Stdout, "  error   %s: %s\n", where, p.Message)
	}
	for _, r := range rep.Results {
		for _, w := range r.Warnings {
			printf(stdio.Stdout, "  warning line %d %s: %s\n", r.Line, r.EmployeeNo, w)
		}
		if r.Outcome == "unchanged" {
			continue
		}
		var parts []string
		for _, c := range r.Changes {
			parts = append(parts, fmt.Sprintf("%s: %q → %q", c.Field, c.Before, c.After))
		}
		printf(stdio.Stdout, "  %-9s line %d %s  %s\n", r.Outcome, r.Line, r.EmployeeNo, strings.Join(parts, "; "))
	}
	if len(rep.Gone) > 0 {
		printf(stdio.Stdout, "  departed (not in the snapshot): %s\n", strings.Join(rep.Gone, ", "))
	}
}
