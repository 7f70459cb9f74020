// Package storetest gives tests a fresh database on every engine under test: SQLite
// always, PostgreSQL when LIFELINE_TEST_DATABASE_URL is set (a new database per call,
// dropped when the test ends).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"lifeline/internal/store"
)

// EnvURL names the variable that enables PostgreSQL tests.
const EnvURL = "LIFELINE_TEST_DATABASE_URL"

// Engine is one database engine to run a test against.
type Engine struct {
	Name    string
	Options func(t testing.TB) store.Options // a fresh, empty database each call
}

// Engines returns SQLite and, when configured, PostgreSQL.
func Engines() []Engine {
	out := []Engine{{Name: "sqlite", Options: func(t testing.TB) store.Options { return store.Options{DataDir: t.TempDir()} }}}
	if base := os.Getenv(EnvURL); base != "" {
		out = append(out, Engine{Name: "postgres", Options: func(t testing.TB) store.Options {
			return store.Options{DataDir: t.TempDir(), DatabaseURL: FreshPostgres(t, base)}
		}})
	}
	return out
}

// FreshPostgres creates an empty database on the server of base and returns its URL.
func FreshPostgres(t testing.TB, base string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvURL, err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "lifeline_t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return u.String()
}

// Open opens and migrates a fresh database of an engine, closed when the test ends.
func Open(t testing.TB, e Engine) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), e.Options(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
