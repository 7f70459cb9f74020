// Package retention purges personal data once its purpose has ended (PIPL Art. 19, 47):
// departed staff's emergency contacts after a short period, departed staff themselves
// after the retention period, and audit records past their retention (never under the
// 180 days the Cybersecurity Law requires), keeping the audit chain verifiable.
package retention

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/store"
)

// MinAuditRetention is the legal minimum for keeping audit records.
const MinAuditRetention = 180 * 24 * time.Hour

// Policy says how long data is kept.
type Policy struct {
	DepartedContacts time.Duration // emergency contacts of departed staff (default 30 days)
	DepartedPeople   time.Duration // departed staff records (default 2 years)
	Audit            time.Duration // audit records (default 1 year; at least 180 days)
}

// DefaultPolicy is the policy unless configured otherwise.
func DefaultPolicy() Policy {
	return Policy{DepartedContacts: 30 * 24 * time.Hour, DepartedPeople: 730 * 24 * time.Hour, Audit: 365 * 24 * time.Hour}
}

// Validate refuses a policy that would break the law or purge active data at once.
func (p Policy) Validate() error {
	if p.Audit < MinAuditRetention {
		return fmt.Errorf("audit retention must be at least 180 days")
	}
	if p.DepartedContacts < 24*time.Hour || p.DepartedPeople < p.DepartedContacts {
		return fmt.Errorf("departed contacts must be kept at least a day, and people at least as long as their contacts")
	}
	return nil
}

// Report counts what a run purged.
type Report struct {
	Contacts int64 `json:"contacts"`
	People   int64 `json:"people"`
	Audit    int64 `json:"audit"`
}

// departedBefore selects departed people who left before a date (or, without a leave
// date, whose record last changed before that time).
const departedBefore = `SELECT id FROM people WHERE status = 'departed'
	AND ((leave_date <> '' AND leave_date < $1) OR (leave_date = '' AND updated_at < $2))`

// Run purges what the policy says has expired, each kind in its own transaction, and
// records each purge in the audit log.
func Run(ctx context.Context, db *store.DB, now time.Time, p Policy) (Report, error) {
	var rep Report
	if err := p.Validate(); err != nil {
		return rep, err
	}
	sys := access.System("retention")
	cutoff := func(d time.Duration) (string, string) {
		t := now.Add(-d)
		return t.In(shanghai()).Format("2006-01-02"), store.TS(t)
	}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		day, ts := cutoff(p.DepartedContacts)
		res, err := tx.ExecContext(ctx, `DELETE FROM emergency_contacts WHERE person_id IN (`+departedBefore+`)`, day, ts)
		if err != nil {
			return fmt.Errorf("purge emergency contacts: %w", err)
		}
		if rep.Contacts, _ = res.RowsAffected(); rep.Contacts == 0 {
			return nil
		}
		return audit.Record(ctx, tx, sys, now, audit.Event{Action: "retention.purge", ObjectType: "emergency_contact", Detail: fmt.Sprintf("count=%d", rep.Contacts)})
	})
	if err != nil {
		return rep, err
	}
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		day, ts := cutoff(p.DepartedPeople)
		// History and department references first: they hold the person's id without a key.
		for _, stmt := range []string{
			`DELETE FROM history WHERE person_id IN (` + departedBefore + `)`,
			`UPDATE departments SET head_person_id = NULL WHERE head_person_id IN (` + departedBefore + `)`,
			`UPDATE departments SET maintainer_person_id = NULL WHERE maintainer_person_id IN (` + departedBefore + `)`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, day, ts); err != nil {
				return fmt.Errorf("purge people: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM people WHERE id IN (`+departedBefore+`)`, day, ts)
		if err != nil {
			return fmt.Errorf("purge people: %w", err)
		}
		if rep.People, _ = res.RowsAffected(); rep.People == 0 {
			return nil
		}
		return audit.Record(ctx, tx, sys, now, audit.Event{Action: "retention.purge", ObjectType: "person", Detail: fmt.Sprintf("count=%d", rep.People)})
	})
	if err != nil {
		return rep, err
	}
	rep.Audit, err = purgeAudit(ctx, db, now, p.Audit)
	return rep, err
}

// purgeAudit deletes audit records older than keep from the head of the chain and moves
// the anchor to the last one deleted, so that the remaining chain still verifies.
func purgeAudit(ctx context.Context, db *store.DB, now time.Time, keep time.Duration) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		var seq int64
		var hash string
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log WHERE at < $1)`,
			store.TS(now.Add(-keep))).Scan(&seq, &hash)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find audit cut: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE seq <= $1`, seq)
		if err != nil {
			return fmt.Errorf("purge audit: %w", err)
		}
		n, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit_anchor`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_anchor (id, seq, hash) VALUES (1, $1, $2)`, seq, hash); err != nil {
			return fmt.Errorf("move audit anchor: %w", err)
		}
		return audit.Record(ctx, tx, access.System("retention"), now, audit.Event{Action: "retention.purge", ObjectType: "audit",
			Detail: fmt.Sprintf("count=%d through=%d", n, seq)})
	})
	return n, err
}

func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}
