package quality_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/clock"
	"lifeline/internal/demo"
	"lifeline/internal/directory"
	"lifeline/internal/importer"
	"lifeline/internal/keys"
	"lifeline/internal/quality"
	"lifeline/internal/store/storetest"
	"lifeline/internal/vault"
)

type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { return c.t }

// TestRecheckWritesOnlyChanges: a second recheck of unchanged data keeps every finding
// with its first-seen time; fixing a problem removes exactly its finding.
func TestRecheckWritesOnlyChanges(t *testing.T) {
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
			m := demo.GenerateMessy(300, 5)
			if _, err := importer.Run(ctx, db, dir, sys, bytes.NewReader(m.CSV), importer.Options{}); err != nil {
				t.Fatal(err)
			}
			clk := &stepClock{t: time.Now().UTC()}
			svc := quality.New(db, clk, quality.DefaultConfig())
			if _, err := svc.Recheck(ctx); err != nil {
				t.Fatal(err)
			}
			firstSeen := func() map[string]time.Time {
				out := map[string]time.Time{}
				rows, err := db.Read.Query(`SELECT person_id, subject, code, first_seen FROM findings`)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				for rows.Next() {
					var p, s, c string
					var at time.Time
					rows.Scan(&p, &s, &c, &at)
					out[p+s+c] = at
				}
				return out
			}
			before := firstSeen()
			clk.t = clk.t.Add(time.Hour)
			if _, err := svc.Recheck(ctx); err != nil {
				t.Fatal(err)
			}
			after := firstSeen()
			if len(after) != len(before) || len(before) == 0 {
				t.Fatalf("%d findings, then %d", len(before), len(after))
			}
			for k, at := range before {
				if !after[k].Equal(at) {
					t.Fatalf("first_seen of %s moved from %v to %v", k, at, after[k])
				}
			}
			// Give the first person without an emergency contact one: that finding goes.
			fs, _ := svc.Findings(ctx, sys, quality.Query{Code: quality.MissingEmergency})
			if len(fs) == 0 {
				t.Fatal("no missing_emergency_contact to fix")
			}
			if _, err := dir.UpdatePerson(ctx, sys, fs[0].PersonID, directory.PersonInput{
				EmergencyContacts: &[]directory.EmergencyContactInput{{Name: "家属", Relation: "配偶", Phone: "13512345678"}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Recheck(ctx); err != nil {
				t.Fatal(err)
			}
			left, _ := svc.Findings(ctx, sys, quality.Query{Code: quality.MissingEmergency})
			if len(left) != len(fs)-1 {
				t.Fatalf("%d missing_emergency_contact findings after fixing one of %d", len(left), len(fs))
			}
			for _, f := range left {
				if f.PersonID == fs[0].PersonID {
					t.Fatal("the fixed person still has the finding")
				}
			}
		})
	}
}
