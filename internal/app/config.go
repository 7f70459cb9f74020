package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Config is what every command is told: where the data is, and how to serve.
type Config struct {
	DataDir      string
	DatabaseURL  string
	Addr         string
	Demo         bool
	TrustProxy   bool
	SecureCookie bool
	MasterKey    string // from LIFELINE_MASTER_KEY only: never a flag, so it is not in ps output
	LogLevel     string
}

// commonFlags registers the flags every command takes. Each flag's default comes from
// its LIFELINE_* environment variable (e.g. --database-url ← LIFELINE_DATABASE_URL).
func commonFlags(fs *flag.FlagSet, cfg *Config, env func(string) string) {
	str := func(p *string, name, def, usage string) {
		if v := env(envName(name)); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage)
	}
	str(&cfg.DataDir, "data", "./lifeline-data", "data directory (SQLite database, master key)")
	str(&cfg.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://…); SQLite in the data directory when empty")
	str(&cfg.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	cfg.MasterKey = env("LIFELINE_MASTER_KEY")
}

func envName(flagName string) string {
	return "LIFELINE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func envBool(env func(string) string, name string) bool {
	v := strings.ToLower(env(envName(name)))
	return v == "1" || v == "true" || v == "yes"
}

// parse parses args allowing flags before, between and after positional arguments
// (`user add NAME --role admin` as well as `user add --role admin NAME`).
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	fs.SetOutput(stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError is a command-line mistake: run prints it with the usage and exits 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// IsUsage reports whether err is a command-line usage mistake.
func IsUsage(err error) bool {
	var u usageError
	return errors.As(err, &u) || errors.Is(err, flag.ErrHelp)
}
