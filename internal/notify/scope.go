package notify

// The department-scope rule of notifications, in one place (SPEC §1: a user never sees
// a record outside their scope, through any endpoint). docs/notifications.md ("Who sees
// what") describes it for users.
//
// Reading — Get, List, BoardOf (and so the event stream and the web board), BuildReport:
//   - an organization-wide principal (access.Principal.OrgWide) sees every notification
//     and every recipient;
//   - a department-scoped principal sees a notification they created, or one whose
//     person recipients all belong to their subtree (by the person's current
//     department, else the department recorded when it was sent); external contacts
//     (organizations are read organization-wide) never put a notification out of scope;
//     a large notification whose recipients are still planned in batches (not yet rows)
//     is visible to them once every batch is expanded;
//   - in the recipient lists (the board's need-help and unreachable lists, the report's
//     unreachable list and per-department results) a scoped principal is shown by name
//     only people of their subtree and external contacts; the others are counted in the
//     totals, not named.
//
// Sending — Create and PreviewAudience, through resolve:
//   - an organization-wide sender may notify anyone;
//   - a scoped sender may notify only people of their subtree: a department, a person,
//     a roster (its members in force and the backups an escalation would call) or an
//     on-duty roster (who is on duty now) that reaches anyone outside it is refused
//     with 403, each named in the problem's errors; "all" is everyone in their subtree;
//     external organizations' contacts belong to no department and stay open to them.
//
// Escalation to a recipient's manager follows the organization chart, not the sender's
// scope.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// viewer is the read side of the rule for one principal.
type viewer struct {
	all    bool   // organization-wide: everything
	userID string // their own notifications are always theirs to see
	scope  string // department path prefix of a scoped principal
}

// viewerOf returns how p sees notifications.
func viewerOf(p *access.Principal) viewer {
	if p == nil {
		return viewer{scope: "\x00"}
	}
	v := viewer{all: p.OrgWide(), userID: p.UserID, scope: p.ScopePath}
	if !v.all && v.scope == "" {
		v.scope = "\x00" // limited to their own record: no department path starts with this
	}
	return v
}

// seesPath reports whether a department (by its path) is inside the viewer's scope.
func (v viewer) seesPath(path string) bool {
	return v.all || (path != "" && strings.HasPrefix(path, v.scope))
}

// seesRecipient reports whether the viewer may see a recipient by name: an external
// contact, or a person whose department path is inside the scope.
func (v viewer) seesRecipient(contactID, deptPath string) bool {
	return v.all || contactID != "" || v.seesPath(deptPath)
}

// notificationCond is the SQL condition, on a notification aliased n, that the viewer may
// see it; its arguments are numbered from $next. It is the SQL form of the rule above.
func (v viewer) notificationCond(next int) (string, []any) {
	if v.all {
		return "1 = 1", nil
	}
	// Recipients still planned in batches not yet expanded cannot be judged in SQL: until
	// they are rows, such a notification counts as reaching outside the scope.
	return fmt.Sprintf(`(n.created_by = $%d OR (NOT EXISTS (SELECT 1 FROM recipients sr
			LEFT JOIN people sp ON sp.id = sr.person_id
			LEFT JOIN departments sd ON sd.id = COALESCE(sp.department_id, sr.department_id)
			WHERE sr.notification_id = n.id AND sr.contact_id IS NULL AND (sr.person_id IS NOT NULL OR sr.department_id IS NOT NULL)
				AND (sd.path IS NULL OR sd.path NOT LIKE $%d))
		AND NOT EXISTS (SELECT 1 FROM notification_batches sb WHERE sb.notification_id = n.id AND sb.state = 'queued')))`, next, next+1),
		[]any{v.userID, v.scope + "%"}
}

// Visible answers not found unless p may see the notification: the check before a
// change to it (approve, cancel), as for a read.
func (s *Service) Visible(ctx context.Context, p *access.Principal, incidentID, id string) error {
	if !p.Can(access.IncidentRead) {
		return errs.E(errs.NotFound, "notification not found")
	}
	return mustSee(ctx, s.db.Read, p, incidentID, id)
}

// mustSee answers not found unless p may see the notification, inside q (a change's
// transaction may call it after loading the notification).
func mustSee(ctx context.Context, q store.Querier, p *access.Principal, incidentID, id string) error {
	cond, args := viewerOf(p).notificationCond(3)
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM notifications n WHERE n.id = $1 AND n.incident_id = $2 AND `+cond,
		append([]any{id, incidentID}, args...)...).Scan(&one)
	if err == sql.ErrNoRows {
		return errs.E(errs.NotFound, "notification not found")
	}
	if err != nil {
		return fmt.Errorf("check notification scope: %w", err)
	}
	return nil
}

// recipientScopeJoin joins, as sd, the department a recipient (aliased r, with the person
// aliased p) is judged by: the person's current one, else the one recorded at the send.
const recipientScopeJoin = ` LEFT JOIN departments sd ON sd.id = COALESCE(p.department_id, r.department_id)`

// recipientCond is the SQL condition, on a recipient joined with recipientScopeJoin,
// that the viewer may see it by name; its arguments are numbered from $next. It is the
// SQL form of seesRecipient.
func (v viewer) recipientCond(next int) (string, []any) {
	if v.all {
		return "1 = 1", nil
	}
	return fmt.Sprintf(`(r.contact_id IS NOT NULL OR sd.path LIKE $%d)`, next), []any{v.scope + "%"}
}

// reach is the send side of the rule: it collects the parts of an audience that would
// reach people outside a scoped sender's subtree.
type reach struct {
	all     bool
	scope   string
	outside []errs.FieldError
}

// reachOf returns the send-side rule for p.
func reachOf(p *access.Principal) *reach {
	v := viewerOf(p)
	return &reach{all: v.all, scope: v.scope}
}

// allows reports whether a department (by its path) may be notified.
func (r *reach) allows(path string) bool {
	return r.all || (path != "" && strings.HasPrefix(path, r.scope))
}

// refuse records an audience field that reaches outside the scope.
func (r *reach) refuse(field, message string) {
	r.outside = append(r.outside, errs.FieldError{Field: field, Message: message})
}

// peopleOutside counts those of the people ids whose department lies outside the scope.
func (r *reach) peopleOutside(ctx context.Context, q store.Querier, ids []string) (int, error) {
	if r.all || len(ids) == 0 {
		return 0, nil
	}
	seen := map[string]bool{}
	uniq := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	n := 0
	const chunk = 500
	for len(uniq) > 0 {
		part := uniq[:min(chunk, len(uniq))]
		uniq = uniq[len(part):]
		args := []any{r.scope + "%"}
		marks := make([]string, len(part))
		for i, id := range part {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		var c int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM people p JOIN departments d ON d.id = p.department_id
			WHERE p.id IN (`+strings.Join(marks, ", ")+`) AND d.path NOT LIKE $1`, args...).Scan(&c); err != nil {
			return 0, fmt.Errorf("check audience scope: %w", err)
		}
		n += c
	}
	return n, nil
}

// err is the 403 naming every refused part of the audience, or nil.
func (r *reach) err() error {
	if len(r.outside) == 0 {
		return nil
	}
	names := make([]string, len(r.outside))
	for i, f := range r.outside {
		names[i] = f.Field
	}
	return &errs.Error{Kind: errs.Forbidden, Fields: r.outside,
		Message: "the audience reaches people outside your scope (your department subtree): " + strings.Join(names, ", ")}
}

// boardAuditEvery is how often one viewer's reads of one board are audited while they
// show nothing new (the event stream and the web page re-read the board every second
// or so).
const boardAuditEvery = 15 * time.Minute

type auditMark struct {
	at    time.Time
	shown int
}

// auditThrottle decides which repeated reads are audited: it remembers, per viewer and
// notification, when a board read was last audited.
type auditThrottle struct {
	mu   sync.Mutex
	seen map[string]auditMark
}

// due reports whether a read showing shown entries is to be audited now: the first
// read, a read showing more than the last audited one, or one after boardAuditEvery.
func (t *auditThrottle) due(key string, now time.Time, shown int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m, ok := t.seen[key]; ok && now.Sub(m.at) < boardAuditEvery && now.Sub(m.at) >= 0 && shown <= m.shown {
		return false
	}
	if len(t.seen) >= 10000 {
		for k, m := range t.seen {
			if now.Sub(m.at) >= boardAuditEvery || now.Sub(m.at) < 0 {
				delete(t.seen, k)
			}
		}
	}
	t.seen[key] = auditMark{at: now, shown: shown}
	return true
}

// forget drops a mark whose audit record could not be written.
func (t *auditThrottle) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.seen, key)
}

// auditBoard records that p was shown who needs help on a notification's board (names,
// and their notes opened from the sealed store), like a reveal: once, then again when
// more is shown or after boardAuditEvery.
func (s *Service) auditBoard(ctx context.Context, p *access.Principal, incidentID string, b Board) error {
	if len(b.NeedHelp) == 0 {
		return nil
	}
	notes := 0
	for _, e := range b.NeedHelp {
		if e.Note != "" {
			notes++
		}
	}
	who := ""
	if p != nil {
		who = p.UserID + "/" + p.Username
	}
	key := who + "|" + b.NotificationID
	now := s.clock.Now()
	if !s.boardAudits.due(key, now, len(b.NeedHelp)) {
		return nil
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "notification.board_view", ObjectType: "notification", ObjectID: b.NotificationID,
			Detail: fmt.Sprintf("incident=%s need_help_named=%d notes=%d", incidentID, len(b.NeedHelp), notes)})
	})
	if err != nil {
		s.boardAudits.forget(key)
	}
	return err
}
