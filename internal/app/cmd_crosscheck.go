package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"lifeline/internal/crosscheck"
	"lifeline/internal/quality"
)

const crossCheckUsage = "usage: lifeline quality cross-check FILE --source NAME [--json]"

// cmdCrossCheck loads another system's phone list (attendance, payroll) and rechecks the
// data quality, so that cross_check_mismatch findings appear at once.
func cmdCrossCheck(ctx context.Context, args []string, env func(string) string, stdio IO) error {
	var source string
	var asJSON bool
	a, pos, err := command(ctx, "quality cross-check", args, env, stdio, func(fs *flag.FlagSet) {
		fs.StringVar(&source, "source", "", "the other system's name, e.g. 考勤 or payroll (a new list replaces that source's previous one)")
		fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(pos) != 1 || source == "" {
		return usagef(crossCheckUsage)
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("open %s: %w", pos[0], err)
	}
	defer f.Close()
	rep, err := crosscheck.Load(ctx, a.DB, a.Vault, cliPrincipal(), source, f)
	if err != nil {
		return describeCLI(err)
	}
	if _, err := a.Quality.Recheck(ctx); err != nil {
		return fmt.Errorf("the list is loaded, but the quality recheck failed: %w", err)
	}
	if asJSON {
		b, _ := json.Marshal(rep)
		printf(stdio.Stdout, "%s\n", b)
		return nil
	}
	printf(stdio.Stdout, "cross-check %s (%s, %d rows): loaded %d, replaced %d, matched %d, mismatched %d, departed %d, unknown %d, problems %d\n",
		rep.Source, rep.Encoding, rep.Rows, rep.Loaded, rep.Replaced, rep.Matched, rep.Mismatched, rep.Departed, len(rep.Unknown), len(rep.Problems))
	for _, r := range rep.Mismatches {
		printf(stdio.Stdout, "  mismatch line %d %s: %s is not one of the person's numbers\n", r.Line, r.EmployeeNo, r.Masked)
	}
	for _, r := range rep.Unknown {
		printf(stdio.Stdout, "  unknown  line %d %s: no such employee number\n", r.Line, r.EmployeeNo)
	}
	for _, p := range rep.Problems {
		printf(stdio.Stdout, "  skipped  line %d %s: %s\n", p.Line, p.EmployeeNo, p.Message)
	}
	fs, err := a.Quality.Findings(ctx, cliPrincipal(), quality.Query{Code: quality.CrossCheck})
	if err != nil {
		return describeCLI(err)
	}
	printf(stdio.Stdout, "quality rechecked: %d %s findings (lifeline quality findings --code %s)\n", len(fs), quality.CrossCheck, quality.CrossCheck)
	return nil
}
