package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"lifeline/internal/retention"
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
	Retention    retention.Policy
	PublicURL    string        // the base of links sent to people (acknowledgement)
	SecondForAll bool          // an organization-wide notification waits for a second responder
	SendLease    time.Duration // how long a claimed delivery is reserved for its sender
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

// retentionFlags registers the retention periods in days; their defaults come from the
// LIFELINE_* environment like every flag.
func retentionFlags(fs *flag.FlagSet, p *retention.Policy, env func(string) string) {
	def := retention.DefaultPolicy()
	days := func(dst *time.Duration, name string, d time.Duration, usage string) {
		n := int(d / (24 * time.Hour))
		if v, err := strconv.Atoi(env(envName(name))); err == nil {
			n = v
		}
		*dst = time.Duration(n) * 24 * time.Hour
		fs.Func(name, fmt.Sprintf("%s (default %d)", usage, n), func(s string) error {
			v, err := strconv.Atoi(s)
			if err != nil || v < 1 {
				return errors.New("a number of days")
			}
			*dst = time.Duration(v) * 24 * time.Hour
			return nil
		})
	}
	days(&p.DepartedContacts, "retention-contacts-days", def.DepartedContacts, "days after departure before emergency contacts are purged")
	days(&p.DepartedPeople, "retention-people-days", def.DepartedPeople, "days after departure before a person is purged")
	days(&p.Audit, "audit-retention-days", def.Audit, "days audit records are kept (at least 180)")
}
