package audit_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
)

func appendEvents(t *testing.T, db *store.DB, n int, start time.Time) {
	t.Helper()
	p := &access.Principal{UserID: "u1", Username: "alice", IP: "10.0.0.1"}
	for i := 0; i < n; i++ {
		err := db.InTx(context.Background(), func(tx *sql.Tx) error {
			return audit.Record(context.Background(), tx, p, start.Add(time.Duration(i)*time.Second), audit.Event{Action: "person.reveal", ObjectType: "person", ObjectID: "p", Reason: "r"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// disableGuards lets a test play the attacker who has raw database access.
func disableGuards(t *testing.T, db *store.DB) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_recent_delete`}
	if db.Engine == store.Postgres {
		stmts = []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard`}
	}
	for _, s := range stmts {
		if _, err := db.Write.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditChain(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Now().UTC()
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			fresh := func() *store.DB {
				db := storetest.Open(t, e)
				appendEvents(t, db, 10, now)
				if err := audit.Checkpoint(ctx, db, key, now); err != nil {
					t.Fatal(err)
				}
				appendEvents(t, db, 5, now.Add(time.Minute))
				return db
			}
			db := fresh()
			rep, err := audit.Verify(ctx, db.Read, key)
			if err != nil || !rep.OK || rep.Records != 15 || rep.Checkpoints != 1 {
				t.Fatalf("intact chain: %+v, %v", rep, err)
			}
			// The product cannot change or delete recent records.
			if _, err := db.Write.Exec(`UPDATE audit_log SET reason = 'x' WHERE seq = 3`); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("update allowed: %v", err)
			}
			if _, err := db.Write.Exec(`DELETE FROM audit_log WHERE seq = 3`); err == nil {
				t.Fatal("delete of a recent record allowed")
			}
			// An attacker with raw access: each kind of tampering is named.
			cases := []struct {
				name    string
				sql     string
				broken  int64
				problem string
			}{
				{"altered", `UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 4`, 4, "altered"},
				{"deleted middle", `DELETE FROM audit_log WHERE seq = 7`, 7, "missing"},
				{"deleted tail", `DELETE FROM audit_log WHERE seq > 12`, 13, "deleted"},
				{"bad checkpoint", `UPDATE audit_checkpoints SET hash = 'f00' WHERE seq = 10`, 10, "signature"},
			}
			for _, c := range cases {
				db := fresh()
				disableGuards(t, db)
				if c.name == "bad checkpoint" {
					if db.Engine == store.SQLite {
						db.Write.Exec(`DROP TRIGGER audit_checkpoints_no_update`)
					} else {
						db.Write.Exec(`ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_guard`)
					}
				}
				if _, err := db.Write.Exec(c.sql); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				rep, err := audit.Verify(ctx, db.Read, key)
				if err != nil || rep.OK || rep.BrokenAt != c.broken || !strings.Contains(rep.Problem, c.problem) {
					t.Errorf("%s: report %+v, %v; want broken at %d (%s)", c.name, rep, err, c.broken, c.problem)
				}
			}
			// A wrong key fails the checkpoints.
			if rep, _ := audit.Verify(ctx, db.Read, []byte("another key, another key, 32 b!!")); rep.OK {
				t.Fatal("checkpoint verified under another key")
			}
		})
	}
}
