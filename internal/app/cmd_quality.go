package app

import (
	"context"
	"encoding/json"
	"flag"

	"lifeline/internal/quality"
)

func cmdQuality(ctx context.Context, args []string, env func(string) string, stdio IO) error {
	if len(args) > 0 && args[0] == "cross-check" {
		return cmdCrossCheck(ctx, args[1:], env, stdio)
	}
	if len(args) == 0 || args[0] != "findings" {
		return usagef("usage: lifeline quality findings [--format csv|json] [--code CODE] | quality cross-check FILE --source NAME")
	}
	var format, code string
	a, pos, err := command(ctx, "quality findings", args[1:], env, stdio, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "csv", "csv or json")
		fs.StringVar(&code, "code", "", "only this finding code")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(pos) != 0 || (format != "csv" && format != "json") {
		return usagef("usage: lifeline quality findings [--format csv|json] [--code CODE]")
	}
	// Recheck first, so the list is current even when no server runs.
	if _, err := a.Quality.Recheck(ctx); err != nil {
		return err
	}
	fs, err := a.Quality.Findings(ctx, cliPrincipal(), quality.Query{Code: code})
	if err != nil {
		return describeCLI(err)
	}
	if format == "json" {
		b, _ := json.Marshal(fs)
		printf(stdio.Stdout, "%s\n", b)
		return nil
	}
	return quality.WriteCSV(stdio.Stdout, fs)
}
