package auth_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/auth"
	"lifeline/internal/errs"
	"lifeline/internal/store/storetest"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func ptr[T any](v T) *T { return &v }

func TestPasswordHash(t *testing.T) {
	h := auth.HashPassword("Correct-Horse-9")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("PHC string %q", h)
	}
	if ok, err := auth.CheckPassword(h, "Correct-Horse-9"); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := auth.CheckPassword(h, "Correct-Horse-8"); ok {
		t.Fatal("wrong password accepted")
	}
	if h == auth.HashPassword("Correct-Horse-9") {
		t.Fatal("no salt")
	}
	if _, err := auth.CheckPassword("$argon2id$v=19$m=0,t=1,p=1$x$y", "a"); err == nil {
		t.Fatal("malformed hash accepted")
	}
	if auth.ValidatePassword("short", "") == nil || auth.ValidatePassword("alice-long-password", "alice") == nil {
		t.Fatal("weak password accepted")
	}
}

// TestSessionsTokensLockout runs the account lifecycle on every engine.
func TestSessionsTokensLockout(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, e)
			clk := &testClock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
			cfg := auth.DefaultConfig()
			svc := auth.New(db, clk, cfg)
			admin := access.System("test")
			u, err := svc.CreateUser(ctx, admin, auth.UserInput{Username: ptr("alice"), Role: ptr("hr"), Password: ptr("Correct-Horse-9")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.CreateUser(ctx, admin, auth.UserInput{Username: ptr("alice"), Role: ptr("hr"), Password: ptr("Correct-Horse-9")}); !errs.Is(err, errs.Conflict) {
				t.Fatalf("duplicate user: %v", err)
			}
			if _, err := svc.CreateUser(ctx, admin, auth.UserInput{Username: ptr("bob"), Role: ptr("king"), Password: ptr("Correct-Horse-9")}); !errs.Is(err, errs.Invalid) {
				t.Fatalf("unknown role: %v", err)
			}

			// Session: works, expires when idle, and absolutely.
			lr, err := svc.Login(ctx, "alice", "Correct-Horse-9", "10.0.0.1")
			if err != nil || lr.NeedCode {
				t.Fatal(err)
			}
			secret := lr.Secret
			p, err := svc.Session(ctx, secret, "10.0.0.1")
			if err != nil || p.Role != access.HR || p.UserID != u.ID {
				t.Fatalf("session principal = %+v, %v", p, err)
			}
			clk.Advance(cfg.SessionIdle + time.Second)
			if _, err := svc.Session(ctx, secret, ""); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("idle session still valid: %v", err)
			}
			lr, _ = svc.Login(ctx, "alice", "Correct-Horse-9", "10.0.0.1")
			secret = lr.Secret
			for elapsed := time.Duration(0); elapsed < cfg.SessionAbsolute; elapsed += cfg.SessionIdle / 2 {
				clk.Advance(cfg.SessionIdle / 2)
				_, _ = svc.Session(ctx, secret, "")
			}
			clk.Advance(time.Second)
			if _, err := svc.Session(ctx, secret, ""); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("session outlived its absolute expiry: %v", err)
			}

			// A role change ends sessions at once.
			lr, _ = svc.Login(ctx, "alice", "Correct-Horse-9", "10.0.0.1")
			secret = lr.Secret
			if _, err := svc.UpdateUser(ctx, admin, u.ID, auth.UserInput{Role: ptr("viewer")}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Session(ctx, secret, ""); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("session survived a role change: %v", err)
			}

			// Tokens: work, record their use, and stop working when revoked.
			tok, rec, err := svc.CreateToken(ctx, admin, u.ID, "script")
			if err != nil || !strings.HasPrefix(tok, "ll_") || len(tok) < 40 {
				t.Fatalf("token %q, %v", tok, err)
			}
			if p, err := svc.TokenPrincipal(ctx, tok, ""); err != nil || p.Role != access.Viewer {
				t.Fatalf("token principal = %+v, %v", p, err)
			}
			ts, _ := svc.ListTokens(ctx, admin, u.ID)
			if len(ts) != 1 || ts[0].LastUsedAt == nil {
				t.Fatalf("token use not recorded: %+v", ts)
			}
			if err := svc.RevokeToken(ctx, admin, u.ID, rec.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.TokenPrincipal(ctx, tok, ""); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("revoked token accepted: %v", err)
			}

			// Lockout after repeated failures, even with the right password afterwards.
			for i := 0; i < cfg.MaxFailures; i++ {
				if _, err := svc.Login(ctx, "alice", "wrong-password", "10.0.0.2"); !errs.Is(err, errs.Unauthorized) {
					t.Fatalf("failure %d: %v", i, err)
				}
			}
			if _, err := svc.Login(ctx, "alice", "Correct-Horse-9", "10.0.0.3"); !errs.Is(err, errs.RateLimited) {
				t.Fatalf("locked account let in: %v", err)
			}
			clk.Advance(cfg.Lockout + time.Second)
			if _, err := svc.Login(ctx, "alice", "Correct-Horse-9", "10.0.0.3"); err != nil {
				t.Fatalf("lock did not end: %v", err)
			}
			// Unknown users get the same answer as wrong passwords.
			if _, err := svc.Login(ctx, "nobody", "whatever-1234", "10.0.0.4"); !errs.Is(err, errs.Unauthorized) || err.Error() != "wrong user name or password" {
				t.Fatalf("unknown user: %v", err)
			}
			// Per-address throttling.
			var limited bool
			for i := 0; i < cfg.LoginsPerMinute+1; i++ {
				if _, err := svc.Login(ctx, "nobody", "x", "10.9.9.9"); errs.Is(err, errs.RateLimited) {
					limited = true
				}
			}
			if !limited {
				t.Fatal("no per-address throttling")
			}
			// Disabled users cannot log in and their tokens stop working.
			tok2, _, _ := svc.CreateToken(ctx, admin, u.ID, "two")
			if _, err := svc.UpdateUser(ctx, admin, u.ID, auth.UserInput{Disabled: ptr(true)}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.TokenPrincipal(ctx, tok2, ""); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("disabled user's token accepted: %v", err)
			}
			if _, err := svc.Login(ctx, "alice", "Correct-Horse-9", "10.0.0.5"); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("disabled user logged in: %v", err)
			}
			// Purge removes expired sessions and only those.
			if _, err := svc.CreateUser(ctx, admin, auth.UserInput{Username: ptr("carol"), Role: ptr("viewer"), Password: ptr("Correct-Horse-9")}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Login(ctx, "carol", "Correct-Horse-9", "10.0.0.6"); err != nil {
				t.Fatal(err)
			}
			if n, err := svc.PurgeExpired(ctx); err != nil || n != 0 {
				t.Fatalf("purge of a live session = %d, %v", n, err)
			}
			clk.Advance(24 * time.Hour)
			if n, err := svc.PurgeExpired(ctx); err != nil || n != 1 {
				t.Fatalf("purge = %d, %v", n, err)
			}
		})
	}
}
