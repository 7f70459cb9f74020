package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// Version is the build's version, set with -ldflags "-X lifeline/internal/app.Version=…".
var Version = "dev"

const usage = `lifeline — 应急联络 emergency contacts and notification

usage:
  lifeline serve [--data DIR] [--addr HOST:PORT] [--database-url URL] [--demo]
  lifeline migrate
  lifeline user add NAME --role ROLE [--department PATH] [--display-name TEXT] --password-stdin
  lifeline user mfa-reset NAME         remove a user's MFA (lost authenticator and recovery codes)
  lifeline token create NAME [--name TOKEN-NAME]
  lifeline demo [--people N]
  lifeline demo --messy N [--out FILE]   write a messy HR file and its ground truth (FILE.truth.csv)
  lifeline import people FILE [--dry-run] [--snapshot] [--skip-invalid] [--json]
  lifeline quality findings [--format csv|json]
  lifeline quality cross-check FILE --source NAME   another system's phone list (考勤, payroll)
  lifeline audit verify [--json]       exit status 1 when the chain is broken
  lifeline keys rotate | status        data keys: add one and re-encrypt in the background
  lifeline version

Every command takes --data DIR and --database-url URL; LIFELINE_* environment variables
mirror the flags (LIFELINE_DATA, LIFELINE_DATABASE_URL, LIFELINE_ADDR …), and
LIFELINE_MASTER_KEY supplies the master key instead of DIR/master.key.
Roles: admin, security_officer, hr, dept_manager, roster_owner, responder, viewer, employee.
`

// IO is a command's standard streams.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Run runs the lifeline command line: args excludes the program name; env looks up
// environment variables. It returns when the command is done or ctx is cancelled.
func Run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	stdio := IO{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v\n%s", p, debug.Stack())
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stdio.Stderr, usage)
		return usagef("no command")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, env, stdio)
	case "migrate":
		return cmdMigrate(ctx, rest, env, stdio)
	case "user":
		return cmdUser(ctx, rest, env, stdio)
	case "token":
		return cmdToken(ctx, rest, env, stdio)
	case "demo":
		return cmdDemo(ctx, rest, env, stdio)
	case "audit":
		return cmdAudit(ctx, rest, env, stdio)
	case "keys":
		return cmdKeys(ctx, rest, env, stdio)
	case "import":
		return cmdImport(ctx, rest, env, stdio)
	case "quality":
		return cmdQuality(ctx, rest, env, stdio)
	case "version", "--version", "-v":
		fmt.Fprintln(stdio.Stdout, "lifeline", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdio.Stdout, usage)
		return nil
	}
	fmt.Fprint(stdio.Stderr, usage)
	return usagef("unknown command %q", cmd)
}

// command parses a command's flags and opens the app; the caller closes it.
func command(ctx context.Context, name string, args []string, env func(string) string, stdio IO, extra func(*flag.FlagSet)) (*App, []string, error) {
	var cfg Config
	fs := flag.NewFlagSet("lifeline "+name, flag.ContinueOnError)
	commonFlags(fs, &cfg, env)
	if extra != nil {
		extra(fs)
	}
	pos, err := parse(fs, args, stdio.Stderr)
	if err != nil {
		return nil, nil, err
	}
	log, err := newLogger(stdio.Stderr, cfg.LogLevel)
	if err != nil {
		return nil, nil, err
	}
	a, err := Open(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	return a, pos, nil
}

func cmdMigrate(ctx context.Context, args []string, env func(string) string, stdio IO) error {
	var cfg Config
	fs := flag.NewFlagSet("lifeline migrate", flag.ContinueOnError)
	commonFlags(fs, &cfg, env)
	if _, err := parse(fs, args, stdio.Stderr); err != nil {
		return err
	}
	a, err := Open(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.DB.Version(ctx)
	if err != nil {
		return err
	}
	printf(stdio.Stdout, "schema at version %d (%s)\n", v, a.DB.Engine)
	return nil
}

// readPassword reads one line from stdin: passwords never go on the command line.
func readPassword(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}
