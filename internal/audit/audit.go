// Package audit keeps the tamper-evident audit log: who did what to which object, from
// where, why, and with what outcome. Records are append-only and hash-chained; signed
// checkpoints anchor the chain; Verify names the first broken link.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Event is one audited action.
type Event struct {
	Action     string // e.g. "login", "person.reveal", "token.create"
	ObjectType string
	ObjectID   string
	Outcome    string // "ok", "denied", "failed"
	Reason     string
	Detail     string // never personal values
}

// record is a stored event with its place in the chain.
type record struct {
	Seq        int64  `json:"seq"`
	ID         string `json:"id"`
	At         string `json:"at"`
	ActorID    string `json:"actor_id"`
	ActorName  string `json:"actor_name"`
	Action     string `json:"action"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Outcome    string `json:"outcome"`
	IP         string `json:"ip"`
	Reason     string `json:"reason"`
	Detail     string `json:"detail"`
	PrevHash   string `json:"prev_hash"`
}

// hash is the record's link in the chain: SHA-256 over its canonical JSON, which
// includes the previous record's hash.
func (r record) hash() string {
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Record appends an event by principal p at time at, inside the caller's transaction,
// so that the event is kept exactly when the audited change is.
func Record(ctx context.Context, q store.Querier, p *access.Principal, at time.Time, e Event) error {
	if e.Outcome == "" {
		e.Outcome = "ok"
	}
	r := record{ID: store.NewID(), At: store.TS(at), ActorName: "system", Action: e.Action, ObjectType: e.ObjectType,
		ObjectID: e.ObjectID, Outcome: e.Outcome, Reason: e.Reason, Detail: e.Detail}
	if p != nil {
		r.ActorID, r.ActorName, r.IP = p.UserID, p.Username, p.IP
	}
	// Taking the head row first serializes appenders: a row lock on PostgreSQL.
	if err := q.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&r.Seq, &r.PrevHash); err != nil {
		return fmt.Errorf("audit %s: chain head: %w", e.Action, err)
	}
	h := r.hash()
	var actorID any
	if r.ActorID != "" {
		actorID = r.ActorID
	}
	_, err := q.ExecContext(ctx, `INSERT INTO audit_log (id, seq, at, actor_id, actor_name, action, object_type, object_id, outcome, ip, reason, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		r.ID, r.Seq, r.At, actorID, r.ActorName, r.Action, r.ObjectType, r.ObjectID, r.Outcome, r.IP, r.Reason, r.Detail, r.PrevHash, h)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	if _, err := q.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, h); err != nil {
		return fmt.Errorf("audit %s: advance head: %w", e.Action, err)
	}
	return nil
}

// Entry is a stored audit event as readers see it.
type Entry struct {
	ID         string    `json:"id"`
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorName  string    `json:"actor"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Outcome    string    `json:"outcome"`
	IP         string    `json:"ip"`
	Reason     string    `json:"reason"`
	Detail     string    `json:"detail,omitempty"`
}

const entryCols = `id, seq, at, actor_name, action, object_type, object_id, outcome, ip, reason, detail`

func scanEntries(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}) ([]Entry, error) {
	out := []Entry{}
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.ID, &e.Seq, &e.At, &e.ActorName, &e.Action, &e.ObjectType, &e.ObjectID, &e.Outcome, &e.IP, &e.Reason, &e.Detail); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// ForObject lists the events about one object, newest first (e.g. who revealed a person).
func ForObject(ctx context.Context, q store.Querier, objectType, objectID string, limit int) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+entryCols+` FROM audit_log WHERE object_type = $1 AND object_id = $2 ORDER BY seq DESC LIMIT $3`,
		objectType, objectID, limit)
	if err != nil {
		return nil, fmt.Errorf("audit for object: %w", err)
	}
	defer rows.Close()
	return scanEntries(rows)
}

// Query filters an audit search.
type Query struct {
	Action, Actor, ObjectType, ObjectID, Outcome string
	From, To                                     time.Time
	BeforeSeq                                    int64 // cursor: only records older than this
	Limit                                        int
}

// Search lists audit records matching the query, newest first. Only the security
// officer may read the audit log (separation of duties: not even the admin).
func Search(ctx context.Context, q store.Querier, p *access.Principal, f Query) ([]Entry, error) {
	if !p.Can(access.AuditRead) {
		return nil, errs.E(errs.Forbidden, "only the security officer reads the audit log")
	}
	where := []string{"1 = 1"}
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if f.Actor != "" {
		add("actor_name = $%d", f.Actor)
	}
	if f.ObjectType != "" {
		add("object_type = $%d", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = $%d", f.ObjectID)
	}
	if f.Outcome != "" {
		add("outcome = $%d", f.Outcome)
	}
	if !f.From.IsZero() {
		add("at >= $%d", store.TS(f.From))
	}
	if !f.To.IsZero() {
		add("at < $%d", store.TS(f.To))
	}
	if f.BeforeSeq > 0 {
		add("seq < $%d", f.BeforeSeq)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	args = append(args, f.Limit)
	rows, err := q.QueryContext(ctx, `SELECT `+entryCols+` FROM audit_log WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("search audit log: %w", err)
	}
	defer rows.Close()
	return scanEntries(rows)
}
