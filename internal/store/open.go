package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Options say where the database is.
type Options struct {
	DataDir     string // SQLite lives in DataDir/lifeline.db unless DatabaseURL is set
	DatabaseURL string // postgres://… selects PostgreSQL
}

// Open opens the database the options name. It does not migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.DatabaseURL != "" {
		return openPostgres(ctx, o.DatabaseURL)
	}
	return openSQLite(ctx, o.DataDir)
}

// SQLitePath is the database file inside a data directory.
func SQLitePath(dataDir string) string { return filepath.Join(dataDir, "lifeline.db") }

func openSQLite(ctx context.Context, dataDir string) (*DB, error) {
	if dataDir == "" {
		return nil, fmt.Errorf("no data directory")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// synchronous=FULL: an acknowledged write survives power loss. busy_timeout: CLI
	// commands run beside a serving process on the same file. _txlock=immediate takes the
	// write lock at BEGIN, so two processes never deadlock upgrading read locks.
	pragmas := []string{"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "busy_timeout(10000)"}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	path := SQLitePath(dataDir)
	wq := url.Values{"_txlock": {"immediate"}}
	for k, v := range q {
		wq[k] = append([]string(nil), v...)
	}
	// The one writer keeps 16 MB of pages: a broadcast touches the same recent pages of
	// the queue again and again. Readers keep SQLite's default 2 MB each.
	wq.Add("_pragma", "cache_size(-16384)")
	// Checkpoint the WAL every ~40 MB instead of every 4 MB: a burst of acknowledgements or
	// deliveries rewrites the same pages many times, and each checkpoint copies them back.
	wq.Add("_pragma", "wal_autocheckpoint(10000)")
	write, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	q.Add("_pragma", "query_only(1)")
	read, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// Keep every reader open: database/sql keeps 2 idle by default and closes the rest,
	// and a new SQLite connection re-reads the schema and starts with an empty cache.
	read.SetMaxOpenConns(4)
	read.SetMaxIdleConns(4)
	db := &DB{Engine: SQLite, Write: write, Read: read}
	// Create the file (and switch it to WAL) through the writer before any reader opens it.
	if _, err := write.ExecContext(ctx, "PRAGMA user_version"); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("restrict database file: %w", err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return nil, fmt.Errorf("database URL must start with postgres://")
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// No JIT unless the URL asks for it: our statements are short, and a plan whose
	// estimated cost passes jit_above_cost (a LIMIT over a large table's index does) was
	// compiled on every execution, 10–20 ms each time, for no gain.
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	pool := stdlib.OpenDB(*cfg)
	// Keep the connections open: database/sql keeps 2 idle by default and closes the
	// rest, so a dispatcher, the acknowledgement committer and a few readers at once made
	// PostgreSQL start a backend (and warm its caches) for every few statements.
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(20)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &DB{Engine: Postgres, Write: pool, Read: pool}, nil
}
