package app

import (
	"context"
	"flag"
	"fmt"
	"os/user"

	"lifeline/internal/access"
	"lifeline/internal/auth"
)

// cliPrincipal is the operator running a command on the server: organization-wide admin.
func cliPrincipal() *access.Principal {
	name := "cli"
	if u, err := user.Current(); err == nil {
		name = "cli:" + u.Username
	}
	return access.System(name)
}

func cmdUser(ctx context.Context, args []string, env func(string) string, stdio IO) error {
	if len(args) > 0 && args[0] == "mfa-reset" {
		return cmdUserMFAReset(ctx, args[1:], env, stdio)
	}
	if len(args) == 0 || args[0] != "add" {
		return usagef("usage: lifeline user add NAME --role ROLE [--department PATH] --password-stdin | lifeline user mfa-reset NAME")
	}
	var role, dept, display string
	var fromStdin bool
	a, pos, err := command(ctx, "user add", args[1:], env, stdio, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "", "role: "+fmt.Sprint(access.Roles()))
		fs.StringVar(&dept, "department", "", "scope: a department path such as 集团/生产部 (default: the whole organization)")
		fs.StringVar(&display, "display-name", "", "display name (default: NAME)")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(pos) != 1 {
		return usagef("user add takes exactly one NAME")
	}
	if !fromStdin {
		return usagef("give the password on standard input with --password-stdin")
	}
	password, err := readPassword(stdio.Stdin)
	if err != nil {
		return err
	}
	in := auth.UserInput{Username: &pos[0], Role: &role, Password: &password}
	if display != "" {
		in.DisplayName = &display
	}
	if dept != "" {
		id, err := a.Auth.DepartmentIDByPath(ctx, dept)
		if err != nil {
			return err
		}
		in.DepartmentID = &id
	}
	u, err := a.Auth.CreateUser(ctx, cliPrincipal(), in)
	if err != nil {
		return describeCLI(err)
	}
	scope := "whole organization"
	if u.Department != "" {
		scope = u.Department
	}
	printf(stdio.Stdout, "created user %s (role %s, scope %s)\n", u.Username, u.Role, scope)
	return nil
}

func cmdToken(ctx context.Context, args []string, env func(string) string, stdio IO) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("usage: lifeline token create NAME [--name TOKEN-NAME]")
	}
	var tokenName string
	a, pos, err := command(ctx, "token create", args[1:], env, stdio, func(fs *flag.FlagSet) {
		fs.StringVar(&tokenName, "name", "cli", "a label for the token")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(pos) != 1 {
		return usagef("token create takes exactly one user NAME")
	}
	u, err := a.Auth.UserByName(ctx, pos[0])
	if err != nil {
		return describeCLI(err)
	}
	secret, t, err := a.Auth.CreateToken(ctx, cliPrincipal(), u.ID, tokenName)
	if err != nil {
		return describeCLI(err)
	}
	printf(stdio.Stderr, "token %s for %s (role %s); it is shown once, store it safely:\n", t.ID, u.Username, u.Role)
	printf(stdio.Stdout, "%s\n", secret)
	return nil
}

// cmdUserMFAReset removes a user's MFA from the server's console: the way back in for the
// last admin who lost both their authenticator and their recovery codes.
func cmdUserMFAReset(ctx context.Context, args []string, env func(string) string, stdio IO) error {
	a, pos, err := command(ctx, "user mfa-reset", args, env, stdio, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	if len(pos) != 1 {
		return usagef("user mfa-reset takes exactly one NAME")
	}
	u, err := a.Auth.UserByName(ctx, pos[0])
	if err != nil {
		return describeCLI(err)
	}
	if err := a.Auth.RemoveMFA(ctx, cliPrincipal(), u.ID); err != nil {
		return describeCLI(err)
	}
	printf(stdio.Stdout, "MFA of %s removed and their sessions ended; they set it up again at their next login\n", u.Username)
	return nil
}
