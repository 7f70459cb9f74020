package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/incident"
	"lifeline/internal/store"
)

// DrillPrefix starts every message of a drill.
const DrillPrefix = "[演练] "

// farFuture holds deliveries of a notification that waits for a second responder.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// Input is a notification as a responder sends it.
type Input struct {
	Audience   Audience   `json:"audience"`
	Text       string     `json:"text"`
	RequireAck bool       `json:"require_ack"`
	Escalation *Policy    `json:"escalation,omitempty"`
	SendAt     *time.Time `json:"send_at,omitempty"` // schedule (drills); default now
}

// Notification is one message of an incident to its audience.
type Notification struct {
	ID         string    `json:"id"`
	IncidentID string    `json:"incident_id"`
	Text       string    `json:"text"`
	RequireAck bool      `json:"require_ack"`
	Drill      bool      `json:"drill"`
	Status     string    `json:"status"` // pending_approval, scheduled, sending, cancelled
	Recipients int       `json:"recipients"`
	Audience   Audience  `json:"audience"`
	Policy     Policy    `json:"escalation"`
	Creator    string    `json:"creator"`
	ApprovedBy string    `json:"approved_by,omitempty"`
	SendAt     time.Time `json:"send_at"`
	AckUntil   time.Time `json:"ack_until"`
	CreatedAt  time.Time `json:"created_at"`
	Counts     *Counts   `json:"counts,omitempty"`
}

// Preview is what a notification would reach, before it is sent.
type Preview struct {
	Recipients  int            `json:"recipients"`
	Reachable   int            `json:"reachable"`
	Unreachable int            `json:"unreachable"` // no channel any configured provider carries
	ByMedia     map[string]int `json:"by_media"`    // first channel of each reachable recipient
	NeedsSecond bool           `json:"needs_second_responder"`
}

// planned is a resolved target with its first rung.
type planned struct {
	target
	first *rung
}

func (s *Service) validate(p *access.Principal, in *Input) (Policy, error) {
	if !p.Can(access.IncidentWrite) {
		return Policy{}, errs.E(errs.Forbidden, "you may not send notifications")
	}
	in.Text = strings.TrimSpace(in.Text)
	var v errs.Validation
	v.Check(in.Text != "" && len([]rune(in.Text)) <= 1000, "text", "required, at most 1000 characters")
	v.Check(!in.Audience.empty(), "audience", "choose people, departments, rosters, on-duty rosters, organizations or all")
	n := len(in.Audience.People) + len(in.Audience.Departments) + len(in.Audience.Rosters) + len(in.Audience.OnDuty) + len(in.Audience.Organizations)
	v.Check(n <= 10000, "audience", "at most 10,000 ids; use departments or all for more")
	pol := Policy{}
	if in.Escalation != nil {
		pol = *in.Escalation
		v.Check(pol.AfterMinutes >= 0 && pol.AfterMinutes <= 24*60, "escalation.after_minutes", "0 to 1440")
		v.Check(pol.MaxSteps >= 0 && pol.MaxSteps <= 20, "escalation.max_steps", "0 to 20")
		for i, m := range pol.Media {
			v.Check(validMedia(m), fmt.Sprintf("escalation.media[%d]", i), "sms, voice, email, wecom, dingtalk, dingtalk_ding, feishu or feishu_urgent")
		}
	}
	now := s.clock.Now()
	if in.SendAt != nil {
		v.Check(!in.SendAt.Before(now.Add(-time.Minute)) && in.SendAt.Before(now.AddDate(1, 0, 0)), "send_at", "now or within a year")
	}
	return pol.withDefaults(), v.Err()
}

func validMedia(m string) bool {
	for _, k := range []string{"sms", "voice", "email", "wecom", "dingtalk", "dingtalk_ding", "feishu", "feishu_urgent"} {
		if m == k {
			return true
		}
	}
	return false
}

// activeIncident loads an incident that may still be notified.
func activeIncident(ctx context.Context, q store.Querier, id string) (title, level string, drill bool, err error) {
	var status string
	err = q.QueryRowContext(ctx, `SELECT title, level, drill, status FROM incidents WHERE id = $1`, id).Scan(&title, &level, &drill, &status)
	if err == sql.ErrNoRows {
		return "", "", false, errs.E(errs.NotFound, "incident not found")
	}
	if err != nil {
		return "", "", false, fmt.Errorf("load incident: %w", err)
	}
	if status != "active" {
		return "", "", false, errs.E(errs.Conflict, "the incident is closed")
	}
	return title, level, drill, nil
}

// onDutyPeople looks up who is on duty now in the given rosters (outside the send's
// transaction: it reads the rotations through the roster service).
func (s *Service) onDutyPeople(ctx context.Context, p *access.Principal, rosterIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	var v errs.Validation
	for i, id := range rosterIDs {
		rep, err := s.rosters.OnDutyAt(ctx, p, id, s.clock.Now())
		if errs.KindOf(err) == errs.NotFound {
			v.Add(fmt.Sprintf("audience.on_duty[%d]", i), "no such roster")
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, d := range rep.Items {
			if d.PersonID != "" {
				out[id] = append(out[id], d.PersonID)
			}
		}
	}
	return out, v.Err()
}

// plan resolves the audience and each recipient's first rung.
func (s *Service) plan(ctx context.Context, tx *sql.Tx, p *access.Principal, a Audience, onDuty map[string][]string, pol Policy) ([]planned, map[string]bool, error) {
	targets, err := resolve(ctx, tx, p, a, onDuty, s.clock.Now())
	if err != nil {
		return nil, nil, err
	}
	available, err := s.availableMedia(ctx)
	if err != nil {
		return nil, nil, err
	}
	var pids, cids []string
	for _, t := range targets {
		if t.contactID != "" {
			cids = append(cids, t.contactID)
		} else {
			pids = append(pids, t.personID)
		}
	}
	chans, err := channelsOf(ctx, tx, s.db.Engine == store.Postgres, pids, cids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]planned, len(targets))
	for i, t := range targets {
		out[i].target = t
		key := "p:" + t.personID
		if t.contactID != "" {
			key = "c:" + t.contactID
		}
		if rs := selfRungs(chans[key], available, pol); len(rs) > 0 {
			c := rs[0]
			out[i].first = &rung{target: "self", personID: t.personID, contactID: t.contactID, channelID: c.id, media: c.media, lookup: c.lookup}
		}
	}
	return out, available, nil
}

// PreviewAudience tells how many recipients an audience reaches and over what.
func (s *Service) PreviewAudience(ctx context.Context, p *access.Principal, incidentID string, in Input) (Preview, error) {
	in.Text = "preview"
	pol, err := s.validate(p, &in)
	if err != nil {
		return Preview{}, err
	}
	onDuty, err := s.onDutyPeople(ctx, p, in.Audience.OnDuty)
	if err != nil {
		return Preview{}, err
	}
	pv := Preview{ByMedia: map[string]int{}, NeedsSecond: in.Audience.All && s.cfg.RequireSecondForAll}
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if _, _, _, err := activeIncident(ctx, tx, incidentID); err != nil {
			return err
		}
		plans, _, err := s.plan(ctx, tx, p, in.Audience, onDuty, pol)
		if err != nil {
			return err
		}
		pv.Recipients = len(plans)
		for _, pl := range plans {
			if pl.first == nil {
				pv.Unreachable++
				continue
			}
			pv.Reachable++
			pv.ByMedia[pl.first.media]++
		}
		return nil
	})
	return pv, err
}

// Create sends a notification: recipients, their first deliveries and the escalation
// schedule are written in one transaction; the dispatcher sends from there.
func (s *Service) Create(ctx context.Context, p *access.Principal, incidentID string, in Input) (Notification, error) {
	pol, err := s.validate(p, &in)
	if err != nil {
		return Notification{}, err
	}
	onDuty, err := s.onDutyPeople(ctx, p, in.Audience.OnDuty)
	if err != nil {
		return Notification{}, err
	}
	now := s.clock.Now()
	n := Notification{ID: store.NewID(), IncidentID: incidentID, RequireAck: in.RequireAck, Audience: in.Audience, Policy: pol,
		Creator: p.Username, Status: "sending", SendAt: now, AckUntil: now.Add(s.cfg.AckTTL), CreatedAt: now}
	if in.SendAt != nil && in.SendAt.After(now) {
		n.SendAt, n.Status = in.SendAt.UTC(), "scheduled"
		n.AckUntil = n.SendAt.Add(s.cfg.AckTTL)
	}
	if in.Audience.All && s.cfg.RequireSecondForAll {
		n.Status = "pending_approval"
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, _, drill, err := activeIncident(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		n.Drill, n.Text = drill, in.Text
		if drill && !strings.HasPrefix(n.Text, DrillPrefix) {
			n.Text = DrillPrefix + n.Text
		}
		plans, _, err := s.plan(ctx, tx, p, in.Audience, onDuty, pol)
		if err != nil {
			return err
		}
		if len(plans) == 0 {
			return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "audience", Message: "reaches nobody"}}}
		}
		n.Recipients = len(plans)
		if err := s.insertNotification(ctx, tx, p, n); err != nil {
			return err
		}
		if err := s.writePlans(ctx, tx, n, plans); err != nil {
			return err
		}
		summary := fmt.Sprintf("notification to %d recipients (%s)", n.Recipients, n.Status)
		if err := incident.AppendUpdate(ctx, tx, incidentID, "notification", summary, p.Username, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "notification.create", ObjectType: "notification", ObjectID: n.ID,
			Detail: fmt.Sprintf("incident=%s recipients=%d status=%s drill=%v", incidentID, n.Recipients, n.Status, n.Drill)})
	})
	if err != nil {
		return Notification{}, err
	}
	s.wake()
	return n, nil
}

func (s *Service) insertNotification(ctx context.Context, tx *sql.Tx, p *access.Principal, n Notification) error {
	aud, _ := json.Marshal(n.Audience)
	pol, _ := json.Marshal(n.Policy)
	var by any
	if p != nil && p.UserID != "" {
		by = p.UserID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, incident_id, text, require_ack, drill, audience, policy, status, recipients,
			created_by, creator, send_at, ack_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		n.ID, nullIf(n.IncidentID), n.Text, n.RequireAck, n.Drill, string(aud), string(pol), n.Status, n.Recipients, by, n.Creator,
		store.TS(n.SendAt), store.TS(n.AckUntil), store.TS(n.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert notification: %w", err)
	}
	return nil
}

// rowsAs says how recipients and their first deliveries are written.
type rowsAs struct {
	notBefore  time.Time // when the first deliveries may go; escalation counts from here
	state      string    // of the first deliveries: queued, sending (leased now) or cancelled
	leaseUntil time.Time // with sending: the lease
	// batchID, when set, is the base of the rows' ids (recipient 2i+1, delivery 2i+2 of
	// plan i), so that the rows of a batch sent before they were written carry the ids
	// its messages went out with.
	batchID string
	// outcomes, when set, are the first sends' results by plan index: each delivery is
	// written in the state its send left it (see writeBatch), and state is ignored.
	outcomes []outcome
}

// firstDelivery is a first delivery as insertRecipients wrote it.
type firstDelivery struct {
	id, recipientID string
	rung            *rung
}

// rowIDs returns the recipient and first delivery ids of plan i.
func (as rowsAs) rowIDs(i int) (string, string, error) {
	if as.batchID == "" {
		return store.NewID(), store.NewID(), nil
	}
	rid, err := store.MemberID(as.batchID, uint16(2*i+1))
	if err != nil {
		return "", "", err
	}
	did, err := store.MemberID(as.batchID, uint16(2*i+2))
	return rid, did, err
}

// insertRecipients writes the recipients and their first deliveries in bulk and returns
// the deliveries it wrote.
func (s *Service) insertRecipients(ctx context.Context, tx *sql.Tx, n Notification, plans []planned, as rowsAs) ([]firstDelivery, error) {
	var escalateAt any
	if n.RequireAck && as.state != "cancelled" {
		escalateAt = store.TS(as.notBefore.Add(time.Duration(n.Policy.withDefaults().AfterMinutes) * time.Minute))
	}
	var attempts int
	var sendingAt, lease any
	now := s.clock.Now()
	ts := store.TS(now)
	nb := store.TS(as.notBefore)
	dnb := nb // a leased delivery is claimable again when its lease ends (see claim)
	if as.state == "sending" {
		attempts, sendingAt, lease, dnb = 1, ts, store.TS(as.leaseUntil), store.TS(as.leaseUntil)
	}
	cols := firstDeliveryCols
	if as.outcomes != nil {
		cols = sentDeliveryCols
	}
	// Written in chunks as they are built: a large audience never holds all its rows'
	// arguments in memory at once.
	const chunk = 500
	recs := make([][]any, 0, chunk)
	dels := make([][]any, 0, chunk)
	out := make([]firstDelivery, 0, len(plans))
	flush := func() error {
		if err := s.db.BulkInsert(ctx, tx, "recipients", recipientCols, recs); err != nil {
			return err
		}
		if err := s.db.BulkInsert(ctx, tx, "deliveries", cols, dels); err != nil {
			return err
		}
		recs, dels = recs[:0], dels[:0]
		return nil
	}
	for i, pl := range plans {
		rid, did, err := as.rowIDs(i)
		if err != nil {
			return nil, err
		}
		next := escalateAt
		if pl.first == nil && next != nil {
			next = nb // nothing to send: try the backup and manager at once
		}
		var reached any
		if f := pl.first; f != nil {
			row := []any{did, n.ID, rid, 0, f.target, nullIf(f.personID), nullIf(f.contactID), f.channelID, f.media, f.lookup}
			if as.outcomes == nil {
				row = append(row, as.state, dnb, ts, attempts, sendingAt, lease)
			} else {
				o := as.outcomes[i]
				row = append(row, sentRow(o, ts, nb)...)
				switch o.kind {
				case outSent:
					reached = o.when(ts) // the first accepted message reaches the recipient
				case outFailed:
					next = ts // a failed rung moves the recipient to the next one at once
				}
			}
			dels = append(dels, row)
			out = append(out, firstDelivery{id: did, recipientID: rid, rung: f})
		}
		recs = append(recs, []any{rid, n.ID, nullIf(pl.personID), nullIf(pl.contactID), nullIf(pl.rosterID), nullIf(pl.deptID),
			nullIf(pl.backupID), 0, next, reached, ts})
		if len(recs) == chunk {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	return out, flush()
}

// sentRow is the state columns of a first delivery written after its send (the
// columns after address_index in sentDeliveryCols), as writeOutcomes would have left
// it: ts is now, nb when the send began.
func sentRow(o outcome, ts, nb any) []any {
	state, attempts, notBefore := "queued", 1, nb
	var sentAt, failedAt any
	switch o.kind {
	case outSent:
		state, sentAt = "sent", o.when(ts)
	case outFailed:
		state, failedAt = "failed", o.when(ts)
	case outCancelled:
		state = "cancelled"
	case outRetry:
		notBefore = store.TS(o.notBefore)
	case outDeferred:
		attempts, notBefore = 0, store.TS(o.notBefore) // waited for a quota: not an attempt
	}
	return []any{state, notBefore, nb, attempts, nb, sentAt, failedAt, nullIf(o.providerID), nullIf(o.providerMsgID), o.err}
}

// recipientCols are the columns of a recipient row as insertRecipients writes it;
// deliveryCols are the columns of a queued delivery row; firstDeliveryCols add what a
// delivery leased as it is written needs, sentDeliveryCols what one written after its
// send needs.
var (
	recipientCols = []string{"id", "notification_id", "person_id", "contact_id", "roster_id", "department_id", "backup_person_id", "step",
		"next_step_at", "reached_at", "created_at"}
	deliveryCols = []string{"id", "notification_id", "recipient_id", "step", "target", "person_id", "contact_id", "channel_id", "media",
		"address_index", "state", "not_before", "queued_at"}
	firstDeliveryCols = append(append([]string{}, deliveryCols...), "attempts", "sending_at", "lease_until")
	sentDeliveryCols  = append(append([]string{}, deliveryCols...), "attempts", "sending_at", "sent_at", "failed_at", "provider_id",
		"provider_message_id", "error")
)

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}
