package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Report is an incident's (or a drill's) notification report: how fast and how far
// the messages reached, and who could not be reached.
type Report struct {
	IncidentID       string       `json:"incident_id"`
	Title            string       `json:"title"`
	Drill            bool         `json:"drill"`
	Status           string       `json:"status"`
	OccurredAt       time.Time    `json:"occurred_at"`
	ClosedAt         *time.Time   `json:"closed_at"`
	Notifications    int          `json:"notifications"`
	Group                         // totals over every recipient of every notification
	FirstDeliverySec *float64     `json:"first_delivery_seconds"` // first notification → first message accepted
	Unreachable      []BoardEntry `json:"unreachable_list"`
	ByRoster         []Group      `json:"by_roster"`
	ByDepartment     []Group      `json:"by_department"`
}

// Group is the result for a set of recipients (all, one roster, one department).
type Group struct {
	ID           string   `json:"id,omitempty"`
	Name         string   `json:"name,omitempty"`
	Recipients   int      `json:"recipients"`
	Reached      int      `json:"reached"` // a provider accepted a message for them
	Acknowledged int      `json:"acknowledged"`
	Safe         int      `json:"safe"`
	NeedHelp     int      `json:"need_help"`
	Failed       int      `json:"failed"` // never reached
	ReachRate    float64  `json:"reach_rate"`
	AckP50Sec    *float64 `json:"ack_p50_seconds"`
	AckP90Sec    *float64 `json:"ack_p90_seconds"`
	ackSecs      []float64
}

func (g *Group) add(r reportRow) {
	g.Recipients++
	if r.reached {
		g.Reached++
	} else if r.ackStatus == "" {
		g.Failed++
	}
	if r.ackStatus != "" {
		g.Acknowledged++
		g.ackSecs = append(g.ackSecs, r.ackSec)
	}
	switch r.ackStatus {
	case AckSafe:
		g.Safe++
	case AckNeedHelp:
		g.NeedHelp++
	}
}

func (g *Group) finish() {
	if g.Recipients > 0 {
		g.ReachRate = float64(g.Reached) / float64(g.Recipients)
	}
	g.AckP50Sec, g.AckP90Sec = percentile(g.ackSecs, 0.5), percentile(g.ackSecs, 0.9)
}

// percentile is the nearest-rank percentile of xs, nil when there are none.
func percentile(xs []float64, p float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(float64(len(s))*p+0.999999) - 1
	v := s[max(0, min(i, len(s)-1))]
	return &v
}

type reportRow struct {
	recipientID, personID, contactID string
	rosterID, rosterName             string
	deptID, deptName, name           string
	reached                          bool
	ackStatus                        string
	ackSec                           float64
	lastError                        string
}

// BuildReport computes an incident's report from its notifications, as p may see it
// (scope.go): a department-scoped principal gets the notifications they may see, and
// names and departments only of the recipients they may see (the others are counted in
// the totals and per roster).
func (s *Service) BuildReport(ctx context.Context, p *access.Principal, incidentID string) (Report, error) {
	if !p.Can(access.IncidentRead) {
		return Report{}, errs.E(errs.NotFound, "incident not found")
	}
	var rep Report
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		rep, err = buildReportFor(ctx, tx, incidentID, viewerOf(p))
		return err
	})
	return rep, err
}

// buildReport computes the whole report (the one stored when the incident closes).
func buildReport(ctx context.Context, tx *sql.Tx, incidentID string) (Report, error) {
	return buildReportFor(ctx, tx, incidentID, viewer{all: true})
}

// buildReportFor computes the report as v may see it.
func buildReportFor(ctx context.Context, tx *sql.Tx, incidentID string, v viewer) (Report, error) {
	rep := Report{IncidentID: incidentID, Unreachable: []BoardEntry{}, ByRoster: []Group{}, ByDepartment: []Group{}}
	cond, cargs := v.notificationCond(2)
	args := append([]any{incidentID}, cargs...)
	var closed sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT title, drill, status, occurred_at, closed_at FROM incidents WHERE id = $1`, incidentID).
		Scan(&rep.Title, &rep.Drill, &rep.Status, &rep.OccurredAt, &closed)
	if err == sql.ErrNoRows {
		return rep, errs.E(errs.NotFound, "incident not found")
	}
	if err != nil {
		return rep, fmt.Errorf("load incident: %w", err)
	}
	rep.OccurredAt = rep.OccurredAt.UTC()
	if closed.Valid {
		t := closed.Time.UTC()
		rep.ClosedAt = &t
	}
	var first, firstSent any
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MIN(n.send_at), (SELECT MIN(d.sent_at) FROM deliveries d JOIN notifications n ON n.id = d.notification_id
			WHERE n.incident_id = $1 AND `+cond+`) FROM notifications n WHERE n.incident_id = $1 AND n.status <> 'cancelled' AND `+cond, args...).
		Scan(&rep.Notifications, &first, &firstSent); err != nil {
		return rep, fmt.Errorf("report times: %w", err)
	}
	f, ok1 := anyTime(first)
	fs, ok2 := anyTime(firstSent)
	if ok1 && ok2 {
		v := fs.Sub(f).Seconds()
		rep.FirstDeliverySec = &v
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.id, COALESCE(r.person_id, ''), COALESCE(r.contact_id, ''), COALESCE(r.roster_id, ''), COALESCE(ro.name, ''),
			COALESCE(r.department_id, ''), COALESCE(dp.name_path, ''), COALESCE(p.name, c.name, ''),
			CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.recipient_id = r.id AND d.sent_at IS NOT NULL) THEN 1 ELSE 0 END,
			COALESCE(r.ack_status, ''), n.send_at, r.acked_at,
			COALESCE((SELECT MAX(d.error) FROM deliveries d WHERE d.recipient_id = r.id), ''),
			COALESCE(dp.path, ''), COALESCE(sd.path, '')
		FROM recipients r JOIN notifications n ON n.id = r.notification_id
		LEFT JOIN rosters ro ON ro.id = r.roster_id LEFT JOIN departments dp ON dp.id = r.department_id
		LEFT JOIN people p ON p.id = r.person_id LEFT JOIN org_contacts c ON c.id = r.contact_id`+recipientScopeJoin+`
		WHERE n.incident_id = $1 AND n.status <> 'cancelled' AND `+cond, args...)
	if err != nil {
		return rep, fmt.Errorf("report rows: %w", err)
	}
	defer rows.Close()
	rosters, depts := map[string]*Group{}, map[string]*Group{}
	for rows.Next() {
		var r reportRow
		var reached int
		var sendAt time.Time
		var acked sql.NullTime
		var deptPath, scopePath string
		if err := rows.Scan(&r.recipientID, &r.personID, &r.contactID, &r.rosterID, &r.rosterName, &r.deptID, &r.deptName, &r.name,
			&reached, &r.ackStatus, &sendAt, &acked, &r.lastError, &deptPath, &scopePath); err != nil {
			return rep, err
		}
		named := v.seesRecipient(r.contactID, scopePath)
		if !v.seesPath(deptPath) { // a department outside the scope is not shown, not even by name
			r.deptID, r.deptName = "", ""
		}
		r.reached = reached == 1
		if acked.Valid {
			r.ackSec = max(0, acked.Time.Sub(sendAt).Seconds())
		}
		rep.Group.add(r)
		if r.rosterID != "" {
			g := rosters[r.rosterID]
			if g == nil {
				g = &Group{ID: r.rosterID, Name: r.rosterName}
				rosters[r.rosterID] = g
			}
			g.add(r)
		}
		if r.deptID != "" {
			g := depts[r.deptID]
			if g == nil {
				g = &Group{ID: r.deptID, Name: r.deptName}
				depts[r.deptID] = g
			}
			g.add(r)
		}
		if !r.reached && r.ackStatus == "" && named && len(rep.Unreachable) < 500 {
			st := "unreachable"
			if r.lastError != "" {
				st = "failed"
			}
			rep.Unreachable = append(rep.Unreachable, BoardEntry{RecipientID: r.recipientID, PersonID: r.personID, ContactID: r.contactID,
				Name: r.name, Department: r.deptName, Status: st, Error: r.lastError})
		}
	}
	if err := rows.Err(); err != nil {
		return rep, err
	}
	rep.Group.finish()
	for _, m := range []struct {
		from map[string]*Group
		to   *[]Group
	}{{rosters, &rep.ByRoster}, {depts, &rep.ByDepartment}} {
		for _, g := range m.from {
			g.finish()
			*m.to = append(*m.to, *g)
		}
		sort.Slice(*m.to, func(i, j int) bool {
			return (*m.to)[i].ReachRate < (*m.to)[j].ReachRate || ((*m.to)[i].ReachRate == (*m.to)[j].ReachRate && (*m.to)[i].Name < (*m.to)[j].Name)
		})
	}
	return rep, nil
}

// FinishIncident runs when an incident closes: escalation stops, nothing queued is sent,
// the report is stored with the incident, and after a drill every contact that could not
// be reached becomes a remediation task for the owner of the record, due in
// RemediationDays working days. Running it again changes nothing.
func (s *Service) FinishIncident(ctx context.Context, p *access.Principal, incidentID string) (Report, error) {
	if !p.Can(access.IncidentWrite) {
		return Report{}, errs.E(errs.Forbidden, "you may not close incidents")
	}
	now := s.clock.Now()
	var rep Report
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.expandRemaining(ctx, tx, "n.incident_id = $1", incidentID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE recipients SET next_step_at = NULL
			WHERE next_step_at IS NOT NULL AND notification_id IN (SELECT id FROM notifications WHERE incident_id = $1)`, incidentID); err != nil {
			return fmt.Errorf("stop escalation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'cancelled', lease_until = NULL
			WHERE state = 'queued' AND notification_id IN (SELECT id FROM notifications WHERE incident_id = $1)`, incidentID); err != nil {
			return fmt.Errorf("cancel queued deliveries: %w", err)
		}
		if err := stampChannels(ctx, tx, incidentID); err != nil {
			return err
		}
		var err error
		if rep, err = buildReport(ctx, tx, incidentID); err != nil {
			return err
		}
		b, _ := json.Marshal(rep)
		if _, err := tx.ExecContext(ctx, `UPDATE incidents SET report = $1 WHERE id = $2`, string(b), incidentID); err != nil {
			return fmt.Errorf("store report: %w", err)
		}
		if rep.Drill {
			return s.createRemediation(ctx, tx, incidentID, now)
		}
		return nil
	})
	return rep, err
}

// anyTime reads an aggregate of a time column: PostgreSQL gives a time, SQLite the text
// it stored (an aggregate has no declared column type to convert by).
func anyTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), true
	case string:
		p, err := time.Parse("2006-01-02T15:04:05.000000Z", t)
		return p, err == nil
	case []byte:
		p, err := time.Parse("2006-01-02T15:04:05.000000Z", string(t))
		return p, err == nil
	}
	return time.Time{}, false
}

// stampChannels records on each channel an incident reached when a message to it was
// last delivered and last acknowledged (the data-quality score reads them). It runs when
// the incident closes rather than per message, to keep scattered channel writes off the
// hot path of a broadcast.
func stampChannels(ctx context.Context, tx *sql.Tx, incidentID string) error {
	// A delivery is acknowledged when its recipient answered through it (rows from before
	// that was derived carry acknowledged_at).
	rows, err := tx.QueryContext(ctx, `SELECT d.channel_id, MAX(COALESCE(d.delivered_at, d.sent_at)),
			MAX(COALESCE(d.acknowledged_at, CASE WHEN r.ack_delivery_id = d.id THEN r.acked_at END))
		FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN recipients r ON r.id = d.recipient_id
		WHERE n.incident_id = $1 AND d.channel_id IS NOT NULL AND d.sent_at IS NOT NULL GROUP BY d.channel_id`, incidentID)
	if err != nil {
		return fmt.Errorf("channels reached: %w", err)
	}
	type stamp struct {
		id         string
		sent, ackd any
	}
	var stamps []stamp
	for rows.Next() {
		var st stamp
		if err := rows.Scan(&st.id, &st.sent, &st.ackd); err != nil {
			rows.Close()
			return err
		}
		stamps = append(stamps, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Typed by comparison with the columns (PostgreSQL cannot infer a bare "$2 IS NULL").
	stmt, err := tx.PrepareContext(ctx, `UPDATE channels SET
			last_delivery_at = CASE WHEN last_delivery_at IS NULL OR last_delivery_at < $1 THEN $1 ELSE last_delivery_at END,
			last_ack_at = CASE WHEN last_ack_at IS NULL OR last_ack_at < $2 THEN COALESCE($2, last_ack_at) ELSE last_ack_at END
		WHERE id = $3`)
	if err != nil {
		return fmt.Errorf("prepare channel stamps: %w", err)
	}
	defer stmt.Close()
	for _, st := range stamps {
		sent, _ := anyTime(st.sent)
		var ackd any
		if t, ok := anyTime(st.ackd); ok {
			ackd = store.TS(t)
		}
		if _, err := stmt.ExecContext(ctx, store.TS(sent), ackd, st.id); err != nil {
			return fmt.Errorf("stamp channel: %w", err)
		}
	}
	return nil
}
