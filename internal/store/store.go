// Package store opens Lifeline's database on SQLite or PostgreSQL, applies the embedded
// migrations and runs transactions. Domain packages write their SQL by hand and run it
// through a Querier, so callers compose several store functions in one transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Querier is satisfied by *sql.DB and *sql.Tx: store functions take the caller's transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open database: a writer for transactions that write and a pool for reads.
// On SQLite the writer is a single connection (SQLite allows one writer at a time, and
// queueing in Go is kinder than SQLITE_BUSY); on PostgreSQL both are the same pool.
type DB struct {
	Engine Engine
	Write  *sql.DB
	Read   *sql.DB
	stmts  sync.Map // query → *sql.Stmt prepared on Write (see Prepared)
	// colTypes caches PostgreSQL column types by table (see pgBulkInsert).
	colTypes sync.Map
	// txConns maps a PostgreSQL write transaction to its connection: COPY is not
	// reachable through database/sql, only through the connection (see pgCopy).
	txConns sync.Map
}

// Close closes both pools.
func (db *DB) Close() error {
	err := db.Write.Close()
	if db.Read != db.Write {
		err = errors.Join(err, db.Read.Close())
	}
	return err
}

// InTx runs fn in a write transaction, committing when fn returns nil and rolling back otherwise.
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.Engine != Postgres {
		return inTx(ctx, db.Write, nil, fn)
	}
	conn, err := db.Write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	return inTx(ctx, conn, nil, func(tx *sql.Tx) error {
		db.txConns.Store(tx, conn)
		defer db.txConns.Delete(tx)
		return fn(tx)
	})
}

// ReadTx runs fn in a read-only transaction, so that several queries see one snapshot.
func (db *DB) ReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return inTx(ctx, db.Read, &sql.TxOptions{ReadOnly: db.Engine == Postgres}, fn)
}

// beginner is a pool or one connection of it.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

func inTx(ctx context.Context, pool beginner, opts *sql.TxOptions, fn func(tx *sql.Tx) error) (err error) {
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Ping checks that both pools answer.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Write.PingContext(ctx); err != nil {
		return err
	}
	return db.Read.PingContext(ctx)
}

// TS formats a time for a query parameter: UTC with a fixed width, so that SQLite, which
// stores times as text, compares them correctly, and PostgreSQL parses them as timestamptz.
func TS(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// NullTS formats an optional time: nil for the zero time.
func NullTS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return TS(t)
}

// Time converts a scanned nullable time to a time.Time (zero when NULL), in UTC.
func Time(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
