package retention_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/clock"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/keys"
	"lifeline/internal/retention"
	"lifeline/internal/store/storetest"
	"lifeline/internal/vault"
)

func ptr[T any](v T) *T { return &v }

func TestRetention(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, e)
			v, _ := vault.Load(t.TempDir(), "")
			if err := keys.Load(ctx, db, v, time.Now()); err != nil {
				t.Fatal(err)
			}
			dir := directory.New(db, v, clock.System{})
			sys := access.System("test")
			d, _ := dir.CreateDepartment(ctx, sys, directory.DepartmentInput{Name: ptr("总部")})
			now := time.Now()
			day := func(daysAgo int) string { return now.AddDate(0, 0, -daysAgo).Format("2006-01-02") }
			mk := func(eno, status, leave string) string {
				p, err := dir.CreatePerson(ctx, sys, directory.PersonInput{EmployeeNo: ptr(eno), Name: ptr("员工"), DepartmentID: &d.ID,
					Status: ptr(status), LeaveDate: ptr(leave), Channels: &[]directory.ChannelInput{{Kind: "mobile", Value: "13800000000"}},
					EmergencyContacts: &[]directory.EmergencyContactInput{{Name: "家属", Relation: "配偶", Phone: "13912345678"}}})
				if err != nil {
					t.Fatal(err)
				}
				return p.ID
			}
			active := mk("A", "active", "")
			recent := mk("B", "departed", day(10))    // keeps everything
			month := mk("C", "departed", day(40))     // loses emergency contacts
			longGone := mk("D", "departed", day(800)) // purged entirely
			// Audit records from long ago, then a checkpoint, then recent ones.
			key := v.SubKey(audit.KeyPurpose)
			for i := 0; i < 5; i++ {
				db.InTx(ctx, func(tx *sql.Tx) error {
					return audit.Record(ctx, tx, sys, now.AddDate(0, 0, -400+i), audit.Event{Action: "old"})
				})
			}
			if err := audit.Checkpoint(ctx, db, key, now); err != nil {
				t.Fatal(err)
			}

			rep, err := retention.Run(ctx, db, now, retention.DefaultPolicy())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Contacts != 2 || rep.People != 1 || rep.Audit < 5 {
				t.Fatalf("report = %+v", rep)
			}
			count := func(id string) int {
				p, err := dir.GetPerson(ctx, sys, id)
				if errs.Is(err, errs.NotFound) {
					return -1
				}
				if err != nil {
					t.Fatal(err)
				}
				return len(p.EmergencyContacts)
			}
			if count(active) != 1 || count(recent) != 1 || count(month) != 0 || count(longGone) != -1 {
				t.Fatalf("after purge: active %d, recent %d, month %d, long gone %d", count(active), count(recent), count(month), count(longGone))
			}
			var n int
			db.Read.QueryRow(`SELECT count(*) FROM history WHERE person_id = $1`, longGone).Scan(&n)
			if n != 0 {
				t.Fatalf("%d history rows of a purged person remain", n)
			}
			// The remaining audit chain still verifies from its new anchor.
			r, err := audit.Verify(ctx, db.Read, key)
			if err != nil || !r.OK {
				t.Fatalf("chain after purge: %+v, %v", r, err)
			}
			// A policy under the legal minimum is refused.
			if _, err := retention.Run(ctx, db, now, retention.Policy{DepartedContacts: 24 * time.Hour, DepartedPeople: 48 * time.Hour, Audit: 90 * 24 * time.Hour}); err == nil {
				t.Fatal("an audit retention under 180 days was accepted")
			}
			// Running again purges nothing more.
			if rep, err := retention.Run(ctx, db, now, retention.DefaultPolicy()); err != nil || rep.Contacts+rep.People+rep.Audit != 0 {
				t.Fatalf("second run = %+v, %v", rep, err)
			}
		})
	}
}
