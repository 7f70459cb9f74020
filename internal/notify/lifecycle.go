package notify

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/incident"
	"lifeline/internal/store"
)

// lockNotification loads a notification for a change in tx.
func lockNotification(ctx context.Context, tx *sql.Tx, incidentID, id string) (Notification, error) {
	n, err := scanNotification(tx.QueryRowContext(ctx, `SELECT `+notificationCols+` FROM notifications WHERE id = $1 AND incident_id = $2`, id, incidentID))
	if err == sql.ErrNoRows {
		return n, errs.E(errs.NotFound, "notification not found")
	}
	if err != nil {
		return n, fmt.Errorf("load notification: %w", err)
	}
	return n, nil
}

// Approve releases an organization-wide notification; the approver must be another
// responder than its sender (four eyes before everyone's phone rings).
func (s *Service) Approve(ctx context.Context, p *access.Principal, incidentID, id string) (Notification, error) {
	if !p.Can(access.IncidentWrite) {
		return Notification{}, errs.E(errs.Forbidden, "you may not approve notifications")
	}
	now := s.clock.Now()
	var n Notification
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = lockNotification(ctx, tx, incidentID, id); err != nil {
			return err
		}
		if err := mustSee(ctx, tx, p, incidentID, id); err != nil {
			return err
		}
		if n.Status != "pending_approval" {
			return errs.E(errs.Conflict, "the notification is not waiting for approval")
		}
		var creator sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT created_by FROM notifications WHERE id = $1`, id).Scan(&creator); err != nil {
			return fmt.Errorf("load sender: %w", err)
		}
		if creator.String == p.UserID || n.Creator == p.Username {
			return errs.E(errs.Forbidden, "a second responder must approve an organization-wide notification")
		}
		if _, _, _, err := activeIncident(ctx, tx, incidentID); err != nil {
			return err
		}
		ts := store.TS(now)
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'sending', approved_by = $1, send_at = $2, ack_until = $3 WHERE id = $4`,
			p.Username, ts, store.TS(now.Add(s.cfg.AckTTL)), id); err != nil {
			return fmt.Errorf("approve notification: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET not_before = $1 WHERE notification_id = $2 AND state = 'queued'`, ts, id); err != nil {
			return fmt.Errorf("release deliveries: %w", err)
		}
		if err := releaseBatches(ctx, tx, id, now); err != nil {
			return err
		}
		var next any
		if n.RequireAck {
			next = store.TS(now.Add(time.Duration(n.Policy.withDefaults().AfterMinutes) * time.Minute))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE recipients SET next_step_at = $1 WHERE notification_id = $2 AND next_step_at IS NOT NULL`, next, id); err != nil {
			return fmt.Errorf("schedule escalation: %w", err)
		}
		n.Status, n.ApprovedBy, n.SendAt = "sending", p.Username, now
		if err := incident.AppendUpdate(ctx, tx, incidentID, "approval", "notification approved by a second responder", p.Username, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "notification.approve", ObjectType: "notification", ObjectID: id})
	})
	if err == nil {
		s.wake()
	}
	return n, err
}

// Cancel stops a notification: nothing more is sent (messages already with a provider
// cannot be called back).
func (s *Service) Cancel(ctx context.Context, p *access.Principal, incidentID, id string) (Notification, error) {
	if !p.Can(access.IncidentWrite) {
		return Notification{}, errs.E(errs.Forbidden, "you may not cancel notifications")
	}
	now := s.clock.Now()
	var n Notification
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = lockNotification(ctx, tx, incidentID, id); err != nil {
			return err
		}
		if err := mustSee(ctx, tx, p, incidentID, id); err != nil {
			return err
		}
		if n.Status == "cancelled" {
			return errs.E(errs.Conflict, "the notification is already cancelled")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'cancelled' WHERE id = $1`, id); err != nil {
			return fmt.Errorf("cancel notification: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'cancelled', lease_until = NULL WHERE notification_id = $1 AND state = 'queued'`, id); err != nil {
			return fmt.Errorf("cancel deliveries: %w", err)
		}
		if err := s.expandRemaining(ctx, tx, "n.id = $1", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE recipients SET next_step_at = NULL WHERE notification_id = $1`, id); err != nil {
			return fmt.Errorf("stop escalation: %w", err)
		}
		n.Status = "cancelled"
		if err := incident.AppendUpdate(ctx, tx, incidentID, "notification", "notification cancelled", p.Username, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "notification.cancel", ObjectType: "notification", ObjectID: id})
	})
	return n, err
}
