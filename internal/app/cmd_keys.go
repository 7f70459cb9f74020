package app

import (
	"context"
	"database/sql"
	"fmt"

	"lifeline/internal/jobs"
	"lifeline/internal/keys"
)

func cmdKeys(ctx context.Context, args []string, env func(string) string, stdio IO) error {
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "status") {
		return usagef("usage: lifeline keys rotate | lifeline keys status")
	}
	a, pos, err := command(ctx, "keys "+args[0], args[1:], env, stdio, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	if len(pos) != 0 {
		return usagef("keys %s takes no arguments", args[0])
	}
	if args[0] == "rotate" {
		id, err := a.rotateKeys(ctx)
		if err != nil {
			return err
		}
		printf(stdio.Stdout, "data key %d now seals new values; a background job re-encrypts the older ones while serving continues\n", id)
		return nil
	}
	st, err := keys.Status(ctx, a.DB.Read)
	if err != nil {
		return err
	}
	printf(stdio.Stdout, "%-4s %-8s %-25s %-25s %s\n", "id", "state", "created", "retired", "values")
	for _, k := range st {
		state, retired := "old", ""
		switch {
		case k.Current:
			state = "current"
		case k.RetiredAt != nil:
			state, retired = "retired", k.RetiredAt.Format("2006-01-02 15:04:05Z")
		}
		printf(stdio.Stdout, "%-4d %-8s %-25s %-25s %d\n", k.ID, state, k.CreatedAt.UTC().Format("2006-01-02 15:04:05Z"), retired, k.Values)
	}
	return nil
}

// rotateKeys adds a data key and, in the same transaction, enqueues the re-encryption,
// so a rotation is never recorded without the job that completes it.
func (a *App) rotateKeys(ctx context.Context) (uint32, error) {
	jc, err := jobs.New(a.DB, jobs.Options{Logger: a.Log})
	if err != nil {
		return 0, err
	}
	var id uint32
	err = a.DB.InTx(ctx, func(tx *sql.Tx) error {
		if id, err = keys.Rotate(ctx, tx, a.Vault, a.Clock.Now()); err != nil {
			return err
		}
		if _, err := jc.InsertTx(ctx, tx, keys.ReencryptArgs{}, nil); err != nil {
			return fmt.Errorf("enqueue re-encryption: %w", err)
		}
		return auditSystem(ctx, tx, a, "keys.rotate", fmt.Sprintf("new data key %d", id))
	})
	if err != nil {
		return 0, err
	}
	return id, keys.Refresh(ctx, a.DB, a.Vault)
}
