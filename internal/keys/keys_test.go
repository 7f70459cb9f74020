package keys_test

import (
	"context"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/clock"
	"lifeline/internal/directory"
	"lifeline/internal/keys"
	"lifeline/internal/store/storetest"
	"lifeline/internal/vault"
)

func ptr[T any](v T) *T { return &v }

// TestRotation rotates the data key under live data on every engine: new values use the
// new key, the re-encryption moves every old value, the old key retires only after its
// grace period, and another process that had not seen the rotation still reads.
func TestRotation(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, e)
			dataDir := t.TempDir()
			v, _ := vault.Load(dataDir, "")
			if err := keys.Load(ctx, db, v, time.Now()); err != nil {
				t.Fatal(err)
			}
			dir := directory.New(db, v, clock.System{})
			sys := access.System("test")
			d, err := dir.CreateDepartment(ctx, sys, directory.DepartmentInput{Name: ptr("总部")})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for i := 0; i < 30; i++ {
				p, err := dir.CreatePerson(ctx, sys, directory.PersonInput{EmployeeNo: ptr("R" + string(rune('A'+i))), Name: ptr("测试"), DepartmentID: &d.ID,
					Channels:          &[]directory.ChannelInput{{Kind: "mobile", Value: "1390000" + string(rune('1'+i%9)) + "12" + string(rune('0'+i%10))}},
					EmergencyContacts: &[]directory.EmergencyContactInput{{Name: "家属", Relation: "配偶", Phone: "13512345678"}}})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, p.ID)
			}
			// A second process's vault, loaded before the rotation.
			stale, _ := vault.Load(dataDir, "")
			if err := keys.Load(ctx, db, stale, time.Now()); err != nil {
				t.Fatal(err)
			}

			id, err := keys.Rotate(ctx, db.Write, v, time.Now())
			if err != nil || id != 2 {
				t.Fatalf("rotate = %d, %v", id, err)
			}
			if err := keys.Refresh(ctx, db, v); err != nil || v.Current() != 2 {
				t.Fatalf("current after refresh = %d, %v", v.Current(), err)
			}
			moved := 0
			for {
				n, err := keys.Reencrypt(ctx, db, v, 7)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
				moved += n
			}
			if moved != 60 {
				t.Fatalf("re-encrypted %d values, want 60", moved)
			}
			st, _ := keys.Status(ctx, db.Read)
			if len(st) != 2 || st[0].Values != 0 || st[1].Values != 60 || !st[1].Current {
				t.Fatalf("status = %+v", st)
			}
			// Within the grace period the old key stays; after it, it retires.
			if r, _ := keys.RetireUnused(ctx, db, v, time.Now().Add(-keys.Grace), time.Now()); len(r) != 0 {
				t.Fatalf("retired %v inside the grace period", r)
			}
			if r, err := keys.RetireUnused(ctx, db, v, time.Now().Add(time.Second), time.Now()); err != nil || len(r) != 1 || r[0] != 1 {
				t.Fatalf("retire = %v, %v", r, err)
			}
			// Everything still reads, through this vault and the stale one (which reloads).
			staleDir := directory.New(db, stale, clock.System{})
			for _, id := range ids {
				for _, svc := range []*directory.Service{dir, staleDir} {
					p, err := svc.RevealPerson(ctx, sys, id, "rotation test")
					if err != nil || p.Channels[0].E164 == "" || p.EmergencyContacts[0].Name != "家属" {
						t.Fatalf("read after rotation: %+v, %v", p, err)
					}
				}
			}
			if stale.Current() != 2 {
				t.Fatal("the stale vault did not load the new key")
			}
		})
	}
}
