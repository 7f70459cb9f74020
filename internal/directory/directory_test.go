package directory_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/clock"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/keys"
	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
	"lifeline/internal/vault"
)

func ptr[T any](v T) *T { return &v }

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

func newService(t *testing.T, e storetest.Engine) (*directory.Service, *store.DB, *access.Principal) {
	t.Helper()
	db := storetest.Open(t, e)
	v, err := vault.Load(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Load(context.Background(), db, v, time.Now()); err != nil {
		t.Fatal(err)
	}
	var c clock.Clock = clock.System{}
	return directory.New(db, v, c), db, access.System("test")
}

// TestStoreConformance runs the directory's store functions on every engine.
func TestStoreConformance(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, db, sys := newService(t, e)

			// Department paths: created level by level, found by name path, moved with the subtree.
			var shop directory.Department
			err := db.InTx(ctx, func(tx *sql.Tx) error {
				var err error
				shop, err = directory.EnsureDepartmentPath(ctx, tx, time.Now(), "集团 / 生产部 / 一车间")
				return err
			})
			if err != nil || shop.NamePath != "集团/生产部/一车间" {
				t.Fatalf("ensure path = %+v, %v", shop, err)
			}
			other, err := svc.CreateDepartment(ctx, sys, directory.DepartmentInput{Name: ptr("安全部"), ParentID: ptr(shop.Path[1:27])})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.CreateDepartment(ctx, sys, directory.DepartmentInput{Name: ptr("安全部"), ParentID: &other.ParentID}); !errs.Is(err, errs.Conflict) {
				t.Fatalf("duplicate sibling: %v", err)
			}
			prod, err := directory.DepartmentByNamePath(ctx, db.Read, "集团/生产部")
			if err != nil {
				t.Fatal(err)
			}
			// Move 生产部 under 安全部: its child's paths follow.
			if _, err := svc.UpdateDepartment(ctx, sys, prod.ID, directory.DepartmentInput{ParentID: &other.ID}); err != nil {
				t.Fatal(err)
			}
			moved, err := svc.GetDepartment(ctx, sys, shop.ID)
			if err != nil || moved.NamePath != "集团/安全部/生产部/一车间" {
				t.Fatalf("after move: %+v, %v", moved, err)
			}
			if _, err := svc.UpdateDepartment(ctx, sys, other.ID, directory.DepartmentInput{ParentID: &shop.ID}); !errs.Is(err, errs.Invalid) {
				t.Fatalf("a cycle was allowed: %v", err)
			}

			// People: create, read masked, reveal, update lists, history, not found.
			p, err := svc.CreatePerson(ctx, sys, directory.PersonInput{EmployeeNo: ptr("A1"), Name: ptr("欧阳娜娜"), DepartmentID: &shop.ID,
				Channels:          &[]directory.ChannelInput{{Kind: "mobile", Value: "8613800138000"}, {Kind: "mobile", Value: "010-65529988-123"}},
				EmergencyContacts: &[]directory.EmergencyContactInput{{Name: "欧阳峰", Relation: "父亲", Phone: "13912345678"}}})
			if err != nil {
				t.Fatal(err)
			}
			if p.Channels[1].Kind != "landline" || p.Channels[1].Extension != "123" || p.Channels[0].Value != "138****8000" {
				t.Fatalf("channels = %+v", p.Channels)
			}
			if ec := p.EmergencyContacts[0]; ec.Name != "欧阳*" || ec.Relation != "父亲" || ec.Phone != "139****5678" {
				t.Fatalf("masked emergency contact = %+v", ec)
			}
			if _, err := svc.GetPerson(ctx, sys, "missing"); !errs.Is(err, errs.NotFound) {
				t.Fatalf("missing person: %v", err)
			}
			// Reordering and re-sending the same contacts keeps them (and their ids).
			before := p.EmergencyContacts[0].ID
			p, err = svc.UpdatePerson(ctx, sys, p.ID, directory.PersonInput{
				EmergencyContacts: &[]directory.EmergencyContactInput{{Name: "欧阳峰", Relation: "父亲", Phone: "139 1234 5678"}, {Name: "欧阳克", Relation: "兄弟", Phone: "13512345678"}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.EmergencyContacts) != 2 || p.EmergencyContacts[0].ID != before {
				t.Fatalf("emergency contacts after update = %+v", p.EmergencyContacts)
			}
			if _, err := svc.UpdatePerson(ctx, sys, p.ID, directory.PersonInput{Title: ptr("x"), Version: ptr(1)}); !errs.Is(err, errs.Conflict) {
				t.Fatalf("stale version accepted: %v", err)
			}
			full, err := svc.RevealPerson(ctx, sys, p.ID, "test")
			if err != nil || full.EmergencyContacts[1].E164 != "+8613512345678" || full.Channels[0].E164 != "+8613800138000" {
				t.Fatalf("revealed = %+v, %v", full, err)
			}
			h, _, err := svc.PersonHistory(ctx, sys, p.ID, directory.Page{})
			if err != nil || len(h) != 2 {
				t.Fatalf("history = %+v, %v", h, err)
			}

			// Search: number in another format finds the person through an emergency contact too.
			for _, q := range []string{"+86 135 1234 5678", "oyn", "ouyang", "娜娜", "a1"} {
				items, _, err := svc.ListPeople(ctx, sys, directory.PersonQuery{Q: q})
				if err != nil || len(items) != 1 {
					t.Fatalf("search %q = %+v, %v", q, items, err)
				}
			}
			// Pagination walks everybody exactly once.
			for i := 0; i < 7; i++ {
				if _, err := svc.CreatePerson(ctx, sys, directory.PersonInput{EmployeeNo: ptr("B" + string(rune('0'+i))), Name: ptr("测试" + string(rune('甲'+i))), DepartmentID: &shop.ID}); err != nil {
					t.Fatal(err)
				}
			}
			seen := map[string]bool{}
			cursor := ""
			for pages := 0; ; pages++ {
				items, next, err := svc.ListPeople(ctx, sys, directory.PersonQuery{Page: directory.Page{Cursor: cursor, Limit: 3}})
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range items {
					if seen[it.ID] {
						t.Fatalf("%s listed twice", it.ID)
					}
					seen[it.ID] = true
				}
				if next == "" {
					break
				}
				cursor = next
			}
			if len(seen) != 8 {
				t.Fatalf("pagination saw %d people, want 8", len(seen))
			}
			// Scope: a department-scoped principal cannot see outside its subtree.
			scoped := &access.Principal{UserID: "u", Username: "u", Role: access.HR, ScopePath: other.Path + "zzz/"}
			if _, err := svc.GetPerson(ctx, scoped, p.ID); !errs.Is(err, errs.NotFound) {
				t.Fatalf("out-of-scope person: %v", err)
			}
			// A non-empty department cannot be deleted.
			if err := svc.DeleteDepartment(ctx, sys, shop.ID); !errs.Is(err, errs.Conflict) {
				t.Fatalf("delete non-empty: %v", err)
			}

			// Organizations and contacts.
			o, err := svc.CreateOrganization(ctx, sys, directory.OrganizationInput{Name: ptr("市应急管理局"), Kind: ptr("government")})
			if err != nil {
				t.Fatal(err)
			}
			c, err := svc.SaveContact(ctx, sys, o.ID, "", directory.OrgContactInput{Name: ptr("值班室"), Role: ptr("duty"), Reachable24h: ptr(true),
				Channels: &[]directory.ChannelInput{{Kind: "landline", Value: "0518-85801234"}, {Kind: "email", Value: "duty@yjj.example.cn"}}})
			if err != nil || len(c.Channels) != 2 || c.Channels[0].Region != "江苏省连云港市" {
				t.Fatalf("contact = %+v, %v", c, err)
			}
			ro, err := svc.RevealOrganization(ctx, sys, o.ID, "drill")
			if err != nil || ro.Contacts[0].Channels[0].E164 != "+8651885801234" {
				t.Fatalf("revealed org = %+v, %v", ro, err)
			}
		})
	}
}

// TestNoPlaintextAtRest checks that phone numbers, emails and emergency-contact names do
// not appear in the SQLite files (database and WAL) in any common format.
func TestNoPlaintextAtRest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	v, _ := vault.Load(dir, "")
	if err := keys.Load(ctx, db, v, time.Now()); err != nil {
		t.Fatal(err)
	}
	svc := directory.New(db, v, &fixedClock{time.Now()})
	sys := access.System("test")
	d, err := svc.CreateDepartment(ctx, sys, directory.DepartmentInput{Name: ptr("总部")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreatePerson(ctx, sys, directory.PersonInput{EmployeeNo: ptr("C1"), Name: ptr("赵敏"), DepartmentID: &d.ID,
		Channels:          &[]directory.ChannelInput{{Kind: "mobile", Value: "13812349876"}, {Kind: "email", Value: "min.zhao.1990@example.cn"}},
		EmergencyContacts: &[]directory.EmergencyContactInput{{Name: "张无忌", Relation: "配偶", Phone: "13998765432"}}})
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for _, f := range []string{"lifeline.db", "lifeline.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err == nil {
			raw = append(raw, b...)
		}
	}
	if len(raw) == 0 {
		t.Fatal("no database files read")
	}
	for _, s := range []string{"13812349876", "+8613812349876", "138 1234 9876", "min.zhao.1990@example.cn", "张无忌", "13998765432"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("%q found in the database files", s)
		}
	}
	if !bytes.Contains(raw, []byte("赵敏")) {
		t.Error("the check is blind: the staff name, stored in plaintext by design, was not found")
	}
	if strings.Contains(string(raw), "min.zhao") {
		t.Error("email local part found")
	}
}
