package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"

	"lifeline/internal/audit"
)

// errChainBroken makes `lifeline audit verify` exit non-zero without a usage message.
var errChainBroken = errors.New("the audit chain is broken")

func cmdAudit(ctx context.Context, args []string, env func(string) string, stdio IO) error {
	if len(args) == 0 || args[0] != "verify" {
		return usagef("usage: lifeline audit verify [--json]")
	}
	var asJSON bool
	a, pos, err := command(ctx, "audit verify", args[1:], env, stdio, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(pos) != 0 {
		return usagef("audit verify takes no arguments")
	}
	rep, err := audit.Verify(ctx, a.DB.Read, a.Vault.SubKey(audit.KeyPurpose))
	if err != nil {
		return err
	}
	if asJSON {
		b, _ := json.Marshal(rep)
		printf(stdio.Stdout, "%s\n", b)
	} else if rep.OK {
		printf(stdio.Stdout, "audit chain intact: %d records, %d signed checkpoints\n", rep.Records, rep.Checkpoints)
	} else {
		printf(stdio.Stdout, "audit chain BROKEN at record %d: %s\n", rep.BrokenAt, rep.Problem)
	}
	if !rep.OK {
		return errChainBroken
	}
	return nil
}

// auditSystem records an operator's command-line action in the audit log.
func auditSystem(ctx context.Context, tx *sql.Tx, a *App, action, detail string) error {
	return audit.Record(ctx, tx, cliPrincipal(), a.Clock.Now(), audit.Event{Action: action, ObjectType: "system", Detail: detail})
}
