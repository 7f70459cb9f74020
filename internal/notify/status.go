package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
)

// Counts are a notification's live numbers, per recipient (SPEC §9). Sent counts those
// a provider accepted a message for; delivered those with a delivery receipt; failed
// those with nothing in flight, nothing sent and no answer (unreachable included).
type Counts struct {
	Recipients   int `json:"recipients"`
	Queued       int `json:"queued"`
	Sent         int `json:"sent"`
	Delivered    int `json:"delivered"`
	Failed       int `json:"failed"`
	Acknowledged int `json:"acknowledged"`
	Safe         int `json:"safe"`
	NeedHelp     int `json:"need_help"`
	Unreachable  int `json:"unreachable"` // no channel any provider carries, at all
}

// countsOf computes the counts of a notification.
func countsOf(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, nid string) (Counts, error) {
	var c Counts
	// One pass over the recipients; deliveries are looked at only for those neither
	// reached nor acknowledged (a few thousand in flight during a broadcast, and those
	// that could not be reached at the end).
	var unreached int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN reached_at IS NOT NULL THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN acked_at IS NOT NULL THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN ack_status = 'safe' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN ack_status = 'need_help' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN reached_at IS NULL AND acked_at IS NULL THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN reached_at IS NULL AND acked_at IS NULL THEN
				CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.recipient_id = r.id AND d.state IN ('queued', 'sending')) THEN 1 ELSE 0 END
				ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN reached_at IS NULL AND acked_at IS NULL THEN
				CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.recipient_id = r.id) THEN 0 ELSE 1 END
				ELSE 0 END), 0),
			(SELECT COUNT(DISTINCT d.recipient_id) FROM deliveries d WHERE d.notification_id = $1 AND d.delivered_at IS NOT NULL)
		FROM recipients r WHERE r.notification_id = $1`, nid).
		Scan(&c.Recipients, &c.Sent, &c.Acknowledged, &c.Safe, &c.NeedHelp, &unreached, &c.Queued, &c.Unreachable, &c.Delivered)
	if err != nil {
		return c, fmt.Errorf("count notification: %w", err)
	}
	c.Failed = unreached - c.Queued // neither reached nor answered, and nothing left to try
	// Recipients of batches not yet expanded are queued (or unreachable) as planned.
	size, unreachable, err := pendingBatches(ctx, q, nid)
	if err != nil {
		return c, err
	}
	c.Recipients += size
	c.Queued += size - unreachable
	c.Unreachable += unreachable
	return c, nil
}

const notificationCols = `id, incident_id, text, require_ack, drill, status, recipients, audience, policy, creator, approved_by, send_at, ack_until, created_at`

func scanNotification(row interface{ Scan(...any) error }) (Notification, error) {
	var n Notification
	var aud, pol string
	err := row.Scan(&n.ID, &n.IncidentID, &n.Text, &n.RequireAck, &n.Drill, &n.Status, &n.Recipients, &aud, &pol, &n.Creator, &n.ApprovedBy,
		&n.SendAt, &n.AckUntil, &n.CreatedAt)
	if err != nil {
		return n, err
	}
	_ = json.Unmarshal([]byte(aud), &n.Audience)
	_ = json.Unmarshal([]byte(pol), &n.Policy)
	n.SendAt, n.AckUntil, n.CreatedAt = n.SendAt.UTC(), n.AckUntil.UTC(), n.CreatedAt.UTC()
	return n, nil
}

// Get returns a notification of an incident with its counts, if p may see it (the scope
// rule of scope.go: otherwise not found).
func (s *Service) Get(ctx context.Context, p *access.Principal, incidentID, id string) (Notification, error) {
	if !p.Can(access.IncidentRead) {
		return Notification{}, errs.E(errs.NotFound, "notification not found")
	}
	cond, args := viewerOf(p).notificationCond(3)
	var n Notification
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = scanNotification(tx.QueryRowContext(ctx, `SELECT `+notificationCols+` FROM notifications n WHERE n.id = $1 AND n.incident_id = $2 AND `+cond,
			append([]any{id, incidentID}, args...)...))
		if err == sql.ErrNoRows {
			return errs.E(errs.NotFound, "notification not found")
		}
		if err != nil {
			return fmt.Errorf("load notification: %w", err)
		}
		c, err := countsOf(ctx, tx, id)
		n.Counts = &c
		return err
	})
	return n, err
}

// List returns the notifications of an incident that p may see (scope.go), newest
// first, with their counts.
func (s *Service) List(ctx context.Context, p *access.Principal, incidentID string) ([]Notification, error) {
	if !p.Can(access.IncidentRead) {
		return nil, errs.E(errs.NotFound, "incident not found")
	}
	cond, args := viewerOf(p).notificationCond(2)
	out := []Notification{}
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications n WHERE n.incident_id = $1 AND `+cond+`
			ORDER BY n.created_at DESC, n.id DESC`, append([]any{incidentID}, args...)...)
		if err != nil {
			return fmt.Errorf("list notifications: %w", err)
		}
		for rows.Next() {
			n, err := scanNotification(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			c, err := countsOf(ctx, tx, out[i].ID)
			if err != nil {
				return err
			}
			out[i].Counts = &c
		}
		return nil
	})
	return out, err
}

// BoardEntry is one recipient on the live board's lists.
type BoardEntry struct {
	RecipientID string     `json:"recipient_id"`
	PersonID    string     `json:"person_id,omitempty"`
	ContactID   string     `json:"contact_id,omitempty"`
	Name        string     `json:"name"`
	Department  string     `json:"department"`
	Status      string     `json:"status"` // need_help, failed, unreachable, waiting
	Note        string     `json:"note,omitempty"`
	Error       string     `json:"error,omitempty"`
	At          *time.Time `json:"at,omitempty"`
}

// Board is the live status of a notification: counts, then who needs help and who
// could not be reached, first.
type Board struct {
	NotificationID string       `json:"notification_id"`
	Counts         Counts       `json:"counts"`
	NeedHelp       []BoardEntry `json:"need_help"`
	Unreachable    []BoardEntry `json:"unreachable"`
}

// BoardOf returns the live board of a notification (at most 200 names per list), if p
// may see it. The counts cover every recipient; the lists name only those p may see
// (scope.go). Showing who needs help is audited (auditBoard).
func (s *Service) BoardOf(ctx context.Context, p *access.Principal, incidentID, id string) (Board, error) {
	n, err := s.Get(ctx, p, incidentID, id)
	if err != nil {
		return Board{}, err
	}
	named, nargs := viewerOf(p).recipientCond(2)
	args := append([]any{id}, nargs...)
	b := Board{NotificationID: id, Counts: *n.Counts, NeedHelp: []BoardEntry{}, Unreachable: []BoardEntry{}}
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT r.id, COALESCE(r.person_id, ''), COALESCE(r.contact_id, ''), COALESCE(p.name, c.name, ''),
				COALESCE(d.name_path, o.name, ''), r.ack_note, COALESCE(r.ack_delivery_id, ''), r.need_help_at
			FROM recipients r LEFT JOIN people p ON p.id = r.person_id LEFT JOIN departments d ON d.id = p.department_id
			LEFT JOIN org_contacts c ON c.id = r.contact_id LEFT JOIN organizations o ON o.id = c.organization_id`+recipientScopeJoin+`
			WHERE r.notification_id = $1 AND r.need_help_at IS NOT NULL AND `+named+` ORDER BY r.need_help_at LIMIT 200`, args...)
		if err != nil {
			return fmt.Errorf("board need help: %w", err)
		}
		for rows.Next() {
			e := BoardEntry{Status: AckNeedHelp}
			var note []byte
			var did string
			var at sql.NullTime
			if err := rows.Scan(&e.RecipientID, &e.PersonID, &e.ContactID, &e.Name, &e.Department, &note, &did, &at); err != nil {
				rows.Close()
				return err
			}
			if note != nil {
				if b, err := s.vault.Open(note, "ack:"+did); err == nil {
					e.Note = string(b)
				}
			}
			if at.Valid {
				t := at.Time.UTC()
				e.At = &t
			}
			b.NeedHelp = append(b.NeedHelp, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT r.id, COALESCE(r.person_id, ''), COALESCE(r.contact_id, ''), COALESCE(p.name, c.name, ''),
				COALESCE(d.name_path, o.name, ''),
				COALESCE((SELECT MAX(x.error) FROM deliveries x WHERE x.recipient_id = r.id), '')
			FROM recipients r LEFT JOIN people p ON p.id = r.person_id LEFT JOIN departments d ON d.id = p.department_id
			LEFT JOIN org_contacts c ON c.id = r.contact_id LEFT JOIN organizations o ON o.id = c.organization_id`+recipientScopeJoin+`
			WHERE r.notification_id = $1 AND r.acked_at IS NULL AND `+named+`
				AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.recipient_id = r.id AND x.state IN ('queued', 'sending', 'sent', 'delivered', 'acknowledged'))
			ORDER BY d.name_path, p.name LIMIT 200`, args...)
		if err != nil {
			return fmt.Errorf("board unreachable: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			e := BoardEntry{Status: "unreachable"}
			if err := rows.Scan(&e.RecipientID, &e.PersonID, &e.ContactID, &e.Name, &e.Department, &e.Error); err != nil {
				return err
			}
			if e.Error != "" {
				e.Status = "failed"
			}
			b.Unreachable = append(b.Unreachable, e)
		}
		return rows.Err()
	})
	if err != nil {
		return Board{}, err
	}
	if err := s.auditBoard(ctx, p, incidentID, b); err != nil {
		return Board{}, err
	}
	return b, nil
}
