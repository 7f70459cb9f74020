package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/roster"
	"lifeline/internal/store"
	"lifeline/internal/workdays"
)

// Origins of a follow-up: the change came from HR or from an external contact's data.
const (
	OriginHR       = "hr"
	OriginExternal = "external"
)

// Reasons of a follow-up.
const (
	ReasonTransfer       = "transfer"        // the person moved to another department
	ReasonContactChanged = "contact_changed" // the person's or contact's numbers changed
)

// FlagMemberships opens, in the caller's transaction, a follow-up for each active roster
// membership of a person (personID) or an external contact (contactID) after a change:
// the roster's owners confirm the membership (still valid, changed, remove) by the
// change's deadline — HRChangeWorkdays or ExternalChangeWorkdays working days — and are
// told in-app. The membership stays meanwhile. A membership with an open follow-up for
// the same reason gets no second one. It returns the number of follow-ups opened.
func FlagMemberships(ctx context.Context, tx store.Querier, origin, reason, personID, contactID string, now time.Time) (int, error) {
	col, ref := "person_id", personID
	if contactID != "" {
		col, ref = "contact_id", contactID
	}
	rows, err := tx.QueryContext(ctx, `SELECT m.id, m.roster_id, r.name FROM roster_members m JOIN rosters r ON r.id = m.roster_id
		WHERE m.`+col+` = $1 AND m.active AND r.deleted_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM review_followups f WHERE f.member_id = m.id AND f.reason = $2 AND f.status <> $3)
		ORDER BY m.roster_id, m.id`, ref, reason, StatusDone)
	if err != nil {
		return 0, fmt.Errorf("find memberships to follow up: %w", err)
	}
	type hit struct{ member, rosterID, roster string }
	var hits []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.member, &h.rosterID, &h.roster); err != nil {
			rows.Close()
			return 0, err
		}
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(hits) == 0 {
		return 0, err
	}
	cal, err := workdays.Load(ctx, tx)
	if err != nil {
		return 0, err
	}
	due := ChangeDeadline(cal, origin, now)
	var who string
	if contactID != "" {
		c, err := directory.ContactSummariesByID(ctx, tx, []string{contactID})
		if err != nil {
			return 0, err
		}
		who = c[contactID].Name
	} else {
		ps, err := directory.PersonSummariesByID(ctx, tx, []string{personID})
		if err != nil {
			return 0, err
		}
		who = ps[personID].Name
	}
	what := map[string][2]string{
		ReasonTransfer:       {"已调岗", "was transferred"},
		ReasonContactChanged: {"联系方式已变更", "changed contact data"},
	}[reason]
	for _, h := range hits {
		id := store.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO review_followups (id, roster_id, member_id, origin, reason, due_date, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, h.rosterID, h.member, origin, reason, due.String(), StatusOpen, store.TS(now)); err != nil {
			return 0, fmt.Errorf("insert review follow-up: %w", err)
		}
		msg := fmt.Sprintf("应急名单 %s 的成员 %s %s，请在 %s 前确认 / A member of roster %s, %s, %s: confirm the membership by %s",
			h.roster, who, what[0], due, h.roster, who, what[1], due)
		if err := alertUsers(ctx, tx, ownerAccounts, h.rosterID, "review_followup", id, msg, now); err != nil {
			return 0, err
		}
	}
	return len(hits), nil
}

// runFollowups closes the follow-ups of memberships that have ended meanwhile (removed,
// departed: nothing left to confirm), reminds the owners on a follow-up's due day and
// escalates an overdue one once to the owners' managers.
func runFollowups(ctx context.Context, tx store.Querier, now time.Time, res *RunResult) error {
	if _, err := tx.ExecContext(ctx, `UPDATE review_followups SET status = $1, decision = $2, completed_at = $3, completed_by = 'system'
		WHERE status <> $1 AND member_id IN (SELECT id FROM roster_members WHERE NOT active)`, StatusDone, Removed, store.TS(now)); err != nil {
		return fmt.Errorf("close follow-ups of ended memberships: %w", err)
	}
	type open struct {
		id, rosterID, roster, due string
		reminded, escalated       bool
	}
	rows, err := tx.QueryContext(ctx, `SELECT f.id, f.roster_id, r.name, f.due_date, f.reminded_at IS NOT NULL, f.escalated_at IS NOT NULL
		FROM review_followups f JOIN rosters r ON r.id = f.roster_id WHERE f.status <> $1 AND r.deleted_at IS NULL ORDER BY f.id`, StatusDone)
	if err != nil {
		return fmt.Errorf("list open review follow-ups: %w", err)
	}
	var list []open
	for rows.Next() {
		var f open
		if err := rows.Scan(&f.id, &f.rosterID, &f.roster, &f.due, &f.reminded, &f.escalated); err != nil {
			rows.Close()
			return err
		}
		list = append(list, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	today := workdays.DateOf(now)
	for _, f := range list {
		d, err := workdays.ParseDate(f.due)
		if err != nil {
			return fmt.Errorf("review follow-up %s: %w", f.id, err)
		}
		switch {
		case today.After(d) && !f.escalated:
			if _, err := tx.ExecContext(ctx, `UPDATE review_followups SET status = $1, escalated_at = $2 WHERE id = $3`, StatusOverdue, store.TS(now), f.id); err != nil {
				return fmt.Errorf("escalate review follow-up: %w", err)
			}
			msg := fmt.Sprintf("应急名单 %s 的变更确认已逾期，截止 %s / A change on roster %s awaits confirmation since %s", f.roster, f.due, f.roster, f.due)
			if err := alertUsers(ctx, tx, managerAccounts, f.rosterID, "review_overdue", f.id, msg, now); err != nil {
				return err
			}
			res.Escalated++
		case today == d && !f.reminded:
			if _, err := tx.ExecContext(ctx, `UPDATE review_followups SET reminded_at = $1 WHERE id = $2`, store.TS(now), f.id); err != nil {
				return fmt.Errorf("remind review follow-up: %w", err)
			}
			msg := fmt.Sprintf("今天是应急名单 %s 变更确认的截止日 / Today is the deadline to confirm a change on roster %s", f.roster, f.roster)
			if err := alertUsers(ctx, tx, ownerAccounts, f.rosterID, "review_reminder", f.id, msg, now); err != nil {
				return err
			}
			res.Reminded++
		}
	}
	return nil
}

// loadFollowup reads a follow-up as a task; ok is false when there is none with that id.
func loadFollowup(ctx context.Context, q store.Querier, id string) (Task, bool, error) {
	var t Task
	var completed, escalated sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT f.id, f.roster_id, r.name, f.origin, f.reason, f.due_date, f.status, f.created_at, f.completed_at, f.completed_by, f.escalated_at
		FROM review_followups f JOIN rosters r ON r.id = f.roster_id WHERE f.id = $1 AND r.deleted_at IS NULL`, id).
		Scan(&t.ID, &t.RosterID, &t.RosterName, &t.Origin, &t.Reason, &t.DueDate, &t.Status, &t.CreatedAt, &completed, &t.CompletedBy, &escalated)
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("load review follow-up: %w", err)
	}
	t.Kind, t.CreatedAt = KindFollowup, t.CreatedAt.UTC()
	t.CompletedAt, t.EscalatedAt = nullTime(completed), nullTime(escalated)
	return t, true, nil
}

// followupItems is the one membership of a follow-up, with the decision if taken.
func followupItems(ctx context.Context, q store.Querier, t Task) ([]Item, bool, error) {
	var it Item
	var active bool
	var at sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT m.id, COALESCE(m.person_id, ''), COALESCE(m.contact_id, ''), m.duty, m.active, f.decision, f.note, f.completed_by, f.completed_at
		FROM review_followups f JOIN roster_members m ON m.id = f.member_id WHERE f.id = $1`, t.ID).
		Scan(&it.MemberID, &it.PersonID, &it.ContactID, &it.Duty, &active, &it.Decision, &it.Note, &it.DecidedBy, &at)
	if err != nil {
		return nil, false, fmt.Errorf("load review follow-up member: %w", err)
	}
	it.DecidedAt = nullTime(at)
	if it.PersonID != "" {
		ps, err := directory.PersonSummariesByID(ctx, q, []string{it.PersonID})
		if err != nil {
			return nil, false, err
		}
		it.Name, it.Mobile = ps[it.PersonID].Name, ps[it.PersonID].Mobile
	} else {
		cs, err := directory.ContactSummariesByID(ctx, q, []string{it.ContactID})
		if err != nil {
			return nil, false, err
		}
		it.Name, it.Mobile = cs[it.ContactID].Name, cs[it.ContactID].Mobile
	}
	return []Item{it}, active, nil
}

// confirmFollowup records the owner's decision on the membership of a follow-up: removed
// ends it (when still active), valid or changed stamps the person confirmed.
func confirmFollowup(ctx context.Context, tx store.Querier, p *access.Principal, t Task, in ConfirmInput, now time.Time) error {
	if err := roster.CheckEditable(ctx, tx, p, t.RosterID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return notFound()
		}
		return err
	}
	if t.Status == StatusDone {
		return errs.E(errs.Conflict, "this review is already done")
	}
	its, active, err := followupItems(ctx, tx, t)
	if err != nil {
		return err
	}
	it := its[0]
	var v errs.Validation
	v.Check(len(in.Decisions) == 1, "decisions", "exactly one decision, on the member of this follow-up")
	for i, d := range in.Decisions {
		field := fmt.Sprintf("decisions[%d]", i)
		v.Check(d.MemberID == it.MemberID, field+".member_id", "not the member of this follow-up")
		v.Check(d.PersonID == "", field+".person_id", "only in a department review")
		v.Check(d.Decision == Valid || d.Decision == Changed || d.Decision == Removed, field+".decision", "valid, changed or removed")
		v.Check(len([]rune(strings.TrimSpace(d.Note))) <= 2000, field+".note", "at most 2000 characters")
	}
	if err := v.Err(); err != nil {
		return err
	}
	d := in.Decisions[0]
	switch {
	case d.Decision == Removed && active:
		if err := roster.EndMemberTx(ctx, tx, p, t.RosterID, it.MemberID, "review.remove", now); err != nil {
			return err
		}
	case d.Decision != Removed && it.PersonID != "":
		if err := directory.MarkConfirmed(ctx, tx, it.PersonID, now); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE review_followups SET status = $1, decision = $2, note = $3, completed_at = $4, completed_by = $5 WHERE id = $6`,
		StatusDone, d.Decision, strings.TrimSpace(d.Note), store.TS(now), p.Username, t.ID); err != nil {
		return fmt.Errorf("complete review follow-up: %w", err)
	}
	return nil
}
