package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Token is an API token's record; the secret itself is shown once and stored only hashed.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// CreateToken issues an API token for a user (the principal's own, or one they manage)
// and returns its secret, which is never retrievable again.
func (s *Service) CreateToken(ctx context.Context, p *access.Principal, userID, name string) (string, Token, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "api"
	}
	if len([]rune(name)) > 64 {
		return "", Token{}, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "name", Message: "at most 64 characters"}}}
	}
	var secret string
	var t Token
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		u, err := s.visibleUser(ctx, tx, p, userID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return errs.E(errs.Conflict, "the user is disabled")
		}
		now := s.clock.Now()
		var hash string
		secret, hash = newSecret("ll_")
		t = Token{ID: store.NewID(), UserID: u.ID, Name: name, CreatedAt: now}
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			t.ID, t.UserID, t.Name, hash, store.TS(now)); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "token.create", ObjectType: "user", ObjectID: u.ID, Detail: "token=" + t.ID})
	})
	return secret, t, err
}

// ListTokens lists a user's tokens.
func (s *Service) ListTokens(ctx context.Context, p *access.Principal, userID string) ([]Token, error) {
	if _, err := s.visibleUser(ctx, s.db.Read, p, userID); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var used, revoked sql.NullTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &used, &revoked); err != nil {
			return nil, err
		}
		t.LastUsedAt, t.RevokedAt = optTime(used), optTime(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

func optTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// RevokeToken revokes a token of a user the principal may manage (or their own).
func (s *Service) RevokeToken(ctx context.Context, p *access.Principal, userID, tokenID string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.visibleUser(ctx, tx, p, userID); err != nil {
			return err
		}
		now := s.clock.Now()
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND user_id = $3`, store.TS(now), tokenID, userID)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "token not found")
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "token.revoke", ObjectType: "user", ObjectID: userID, Detail: "token=" + tokenID})
	})
}

// TokenPrincipal returns the principal of a bearer token and records its use.
func (s *Service) TokenPrincipal(ctx context.Context, secret, ip string) (*access.Principal, error) {
	if !strings.HasPrefix(secret, "ll_") || len(secret) > 100 {
		return nil, errs.E(errs.Unauthorized, "invalid token")
	}
	var id, userID string
	var used, revoked sql.NullTime
	err := s.db.Read.QueryRowContext(ctx, `SELECT id, user_id, last_used_at, revoked_at FROM api_tokens WHERE token_hash = $1`, hashSecret(secret)).
		Scan(&id, &userID, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && revoked.Valid) {
		return nil, errs.E(errs.Unauthorized, "invalid token")
	}
	if err != nil {
		return nil, fmt.Errorf("load token: %w", err)
	}
	u, err := userWhere(ctx, s.db.Read, "u.id = $1", userID)
	if err != nil || u.Disabled {
		return nil, errs.E(errs.Unauthorized, "invalid token")
	}
	now := s.clock.Now()
	if !used.Valid || now.Sub(used.Time) > time.Minute { // at most one write a minute per token
		if _, err := s.db.Write.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, store.TS(now), id); err != nil {
			return nil, fmt.Errorf("record token use: %w", err)
		}
	}
	return u.principal(ip), nil
}
