package review_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/review"
	"lifeline/internal/roster"
	"lifeline/internal/store"
	"lifeline/internal/store/storetest"
)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

var cst = time.FixedZone("CST", 8*3600)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

type fixture struct {
	db     *store.DB
	clock  *fixedClock
	people map[string]string // name → person id
	users  map[string]string // username → user id
}

func (f *fixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := f.db.Write.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) person(t *testing.T, name, managerID string) string {
	t.Helper()
	id := store.NewID()
	f.exec(t, `INSERT INTO people (id, employee_no, name, name_pinyin, name_initials, department_id, status, manager_id, created_at, updated_at)
		VALUES ($1, $2, $3, $3, $3, $4, 'active', $5, $6, $6)`, id, "E"+name, name, "d1", sql.NullString{String: managerID, Valid: managerID != ""}, store.TS(f.clock.t))
	f.people[name] = id
	return id
}

func (f *fixture) user(t *testing.T, username, role, personID string) *access.Principal {
	t.Helper()
	id := store.NewID()
	f.exec(t, `INSERT INTO users (id, username, display_name, password_hash, role, person_id, created_at, updated_at) VALUES ($1, $2, $2, 'x', $3, $4, $5, $5)`,
		id, username, role, sql.NullString{String: personID, Valid: personID != ""}, store.TS(f.clock.t))
	f.users[username] = id
	return &access.Principal{UserID: id, Username: username, Role: access.Role(role), PersonID: personID}
}

func (f *fixture) alerts(t *testing.T, username, kind string) int {
	t.Helper()
	var n int
	if err := f.db.Write.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM alerts WHERE user_id = $1 AND kind = $2`, f.users[username], kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }

// TestReviewCycle: a quarterly roster gets its task at the start of Q4 2026, due five
// working days later across the National Day holiday; the owners are reminded on the due
// day, the owner's manager is alerted once when it is overdue; confirming every member
// completes it, stamps last_confirmed_at and ends a removed membership; others are refused.
func TestReviewCycle(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			f := &fixture{db: storetest.Open(t, e), clock: &fixedClock{t: at("2026-09-30 10:00")}, people: map[string]string{}, users: map[string]string{}}
			f.exec(t, `INSERT INTO departments (id, name, path, name_path, created_at, updated_at) VALUES ('d1', '集团', '/d1/', '集团', $1, $1)`, store.TS(f.clock.t))
			boss := f.person(t, "boss", "")
			o1 := f.person(t, "owner1", boss)
			o2 := f.person(t, "owner2", "")
			m1 := f.person(t, "m1", "")
			m2 := f.person(t, "m2", "")
			owner := f.user(t, "o1", "roster_owner", o1)
			f.user(t, "boss", "dept_manager", boss)
			other := f.user(t, "other", "roster_owner", f.person(t, "x", ""))
			viewer := f.user(t, "viewer", "viewer", "")
			sys := access.System("test")

			rs := roster.New(f.db, f.clock)
			ro, err := rs.Create(ctx, sys, roster.Input{Name: ptr("抢险救援组"), Kind: ptr("rescue"), ReviewFrequency: ptr("quarterly"), OwnerIDs: &[]string{o1, o2}})
			if err != nil {
				t.Fatal(err)
			}
			mem1, err := rs.AddMember(ctx, sys, ro.ID, roster.MemberInput{PersonID: m1, Duty: ptr("现场指挥")})
			if err != nil {
				t.Fatal(err)
			}
			mem2, err := rs.AddMember(ctx, sys, ro.ID, roster.MemberInput{PersonID: m2, Duty: ptr("抢修")})
			if err != nil {
				t.Fatal(err)
			}
			// A roster without a frequency gets no task.
			if _, err := rs.Create(ctx, sys, roster.Input{Name: ptr("无周期"), Kind: ptr("rescue"), OwnerIDs: &[]string{o1, o2}}); err != nil {
				t.Fatal(err)
			}

			svc := review.New(f.db, f.clock)
			run := func(want review.RunResult) {
				t.Helper()
				got, err := svc.Run(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Fatalf("run at %s: %+v, want %+v", f.clock.t, got, want)
				}
			}
			// Q3 task on the last day of September; then Q4 opens on 1 October (a holiday):
			// due five working days later: 8, 9, 10 (make-up Saturday), 12, 13 October.
			run(review.RunResult{Created: 1})
			if err := f.db.InTx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `DELETE FROM review_tasks`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			f.clock.t = at("2026-10-01 00:30")
			run(review.RunResult{Created: 1})
			run(review.RunResult{})
			tasks, _, err := svc.List(ctx, owner, "", "", "", 0)
			if err != nil || len(tasks) != 1 {
				t.Fatalf("owner's tasks: %v %+v", err, tasks)
			}
			task := tasks[0]
			if task.Period != "2026-Q4" || task.DueDate != "2026-10-13" || task.Status != review.StatusOpen {
				t.Fatalf("task: %+v", task)
			}
			if n := f.alerts(t, "o1", "review_due"); n != 2 { // Q3's and Q4's
				t.Fatalf("owner alerted %d times of new tasks", n)
			}
			if tasks, _, _ := svc.List(ctx, other, "", "", "", 0); len(tasks) != 0 {
				t.Fatalf("another owner sees %+v", tasks)
			}

			// Reminder on the due day, once; escalation the day after, once, to the manager.
			f.clock.t = at("2026-10-13 09:00")
			run(review.RunResult{Reminded: 1})
			run(review.RunResult{})
			if n := f.alerts(t, "boss", "review_overdue"); n != 0 {
				t.Fatalf("escalated too early")
			}
			f.clock.t = at("2026-10-14 09:00")
			run(review.RunResult{Escalated: 1})
			f.clock.t = at("2026-10-15 09:00")
			run(review.RunResult{})
			if n := f.alerts(t, "boss", "review_overdue"); n != 1 {
				t.Fatalf("manager alerted %d times, want 1", n)
			}
			if n := f.alerts(t, "o1", "review_reminder"); n != 1 {
				t.Fatalf("owner reminded %d times, want 1", n)
			}

			// Refusals: a viewer and another owner may not see or confirm.
			for _, p := range []*access.Principal{viewer, other} {
				if _, err := svc.Get(ctx, p, task.ID); !errs.Is(err, errs.Forbidden) && !errs.Is(err, errs.NotFound) {
					t.Fatalf("%s get: %v", p.Username, err)
				}
				if _, err := svc.Confirm(ctx, p, task.ID, review.ConfirmInput{Decisions: []review.Decision{{MemberID: mem1.ID, Decision: review.Valid}}}); !errs.Is(err, errs.Forbidden) && !errs.Is(err, errs.NotFound) {
					t.Fatalf("%s confirm: %v", p.Username, err)
				}
			}
			if _, err := svc.Confirm(ctx, owner, task.ID, review.ConfirmInput{Decisions: []review.Decision{{MemberID: mem1.ID, Decision: "maybe"}}}); !errs.Is(err, errs.Invalid) {
				t.Fatalf("bad decision: %v", err)
			}

			// Confirm: m1 still valid, m2 removed → done, m1 stamped, m2's membership ended.
			got, err := svc.Get(ctx, owner, task.ID)
			if err != nil || len(got.Items) != 2 || got.Status != review.StatusOverdue {
				t.Fatalf("get: %v %+v", err, got)
			}
			got, err = svc.Confirm(ctx, owner, task.ID, review.ConfirmInput{Decisions: []review.Decision{{MemberID: mem1.ID, Decision: review.Valid}}})
			if err != nil || got.Status != review.StatusOverdue {
				t.Fatalf("partial confirm: %v %+v", err, got)
			}
			got, err = svc.Confirm(ctx, owner, task.ID, review.ConfirmInput{Decisions: []review.Decision{{MemberID: mem2.ID, Decision: review.Removed, Note: "调岗"}}})
			if err != nil || got.Status != review.StatusDone || got.CompletedBy != "o1" || got.CompletedAt == nil {
				t.Fatalf("confirm: %v %+v", err, got)
			}
			if _, err := svc.Confirm(ctx, owner, task.ID, review.ConfirmInput{Decisions: []review.Decision{{MemberID: mem1.ID, Decision: review.Valid}}}); !errs.Is(err, errs.Conflict) {
				t.Fatalf("confirm a done task: %v", err)
			}
			var confirmed sql.NullTime
			if err := f.db.Write.QueryRowContext(ctx, `SELECT last_confirmed_at FROM people WHERE id = $1`, m1).Scan(&confirmed); err != nil || !confirmed.Valid || !confirmed.Time.Equal(f.clock.t) {
				t.Fatalf("last_confirmed_at of m1: %v %v", err, confirmed)
			}
			if err := f.db.Write.QueryRowContext(ctx, `SELECT last_confirmed_at FROM people WHERE id = $1`, m2).Scan(&confirmed); err != nil || confirmed.Valid {
				t.Fatalf("last_confirmed_at of removed m2: %v %v", err, confirmed)
			}
			now, err := rs.Get(ctx, sys, ro.ID)
			if err != nil || len(now.Members) != 1 || now.Members[0].ID != mem1.ID {
				t.Fatalf("roster after review: %v %+v", err, now.Members)
			}
			if tasks, _, _ := svc.List(ctx, sys, "", review.StatusDone, "", 0); len(tasks) != 1 {
				t.Fatalf("done tasks: %+v", tasks)
			}
			// Next quarter: a new task.
			f.clock.t = at("2027-01-04 09:00")
			run(review.RunResult{Created: 1})
		})
	}
}

func TestPeriod(t *testing.T) {
	for _, c := range []struct{ freq, at, want string }{
		{"monthly", "2026-10-31 23:59", "2026-10"},
		{"quarterly", "2026-09-30 23:59", "2026-Q3"},
		{"quarterly", "2026-10-01 00:00", "2026-Q4"},
		{"semiannual", "2026-07-01 00:00", "2026-H2"},
		{"", "2026-07-01 00:00", ""},
	} {
		if got := review.Period(c.freq, at(c.at)); got != c.want {
			t.Errorf("Period(%s, %s) = %s, want %s", c.freq, c.at, got, c.want)
		}
	}
}
