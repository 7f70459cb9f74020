package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Prepared returns query prepared on the writer pool, once per DB; a write transaction
// uses it through tx.StmtContext, which reuses it on the writer's connection. For
// SQLite's one writer, parsing a short statement costs more than running it, and a hot
// path (a group of acknowledgements) runs the same few statements many times. Call it
// outside a transaction: preparing needs the writer's connection.
func (db *DB) Prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := db.stmts.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := db.Write.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if v, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close() // another goroutine prepared it first
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// prepared returns query's statement if Prepared has prepared it.
func (db *DB) prepared(query string) (*sql.Stmt, bool) {
	v, ok := db.stmts.Load(query)
	if !ok {
		return nil, false
	}
	return v.(*sql.Stmt), true
}
