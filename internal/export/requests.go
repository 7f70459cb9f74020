package export

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Request is an export of unmasked data waiting for, or carrying, a second person's decision.
type Request struct {
	ID             string     `json:"id"`
	Subject        string     `json:"subject"`
	Format         string     `json:"format"`
	DepartmentID   string     `json:"department_id"` // the subtree exported; "" for the whole organization
	Department     string     `json:"department"`    // its name path when requested; "" for the whole organization
	PersonStatus   string     `json:"person_status"` // "" for everyone
	Lang           string     `json:"lang"`
	Reason         string     `json:"reason"`
	Status         string     `json:"status"`
	Requester      string     `json:"requester"`
	Approver       string     `json:"approver"` // who approved or rejected; "" while pending
	DecisionNote   string     `json:"decision_note"`
	CreatedAt      time.Time  `json:"created_at"`
	DecidedAt      *time.Time `json:"decided_at"`
	ExpiresAt      time.Time  `json:"expires_at"` // pending: when the request lapses; approved: when downloads end
	Downloads      int        `json:"downloads"`
	MaxDownloads   int        `json:"max_downloads"`
	LastDownloadAt *time.Time `json:"last_download_at"`
	Mine           bool       `json:"mine"`         // the caller requested it
	CanDecide      bool       `json:"can_decide"`   // the caller may approve or reject it now
	CanDownload    bool       `json:"can_download"` // the caller may download it now

	requesterID string
	stored      string // the stored status: pending, approved or rejected
	scopePath   string // the department's current path ("" for the organization)
	deptGone    bool   // the department was deleted since
}

const requestCols = `r.id, r.subject, r.format, COALESCE(r.department_id, ''), r.scope_name, r.person_status, r.lang, r.reason, r.status,
	r.requester_id, r.requester, r.approver, r.decision_note, r.created_at, r.decided_at, r.expires_at, r.downloads, r.max_downloads,
	r.last_download_at, COALESCE(d.path, r.scope_path), r.department_id IS NOT NULL AND d.id IS NULL`

const requestFrom = ` FROM export_requests r LEFT JOIN departments d ON d.id = r.department_id `

func optTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func scanRequest(row interface{ Scan(...any) error }) (Request, error) {
	var r Request
	var decided, last sql.NullTime
	err := row.Scan(&r.ID, &r.Subject, &r.Format, &r.DepartmentID, &r.Department, &r.PersonStatus, &r.Lang, &r.Reason, &r.stored,
		&r.requesterID, &r.Requester, &r.Approver, &r.DecisionNote, &r.CreatedAt, &decided, &r.ExpiresAt, &r.Downloads, &r.MaxDownloads,
		&last, &r.scopePath, &r.deptGone)
	r.CreatedAt, r.ExpiresAt = r.CreatedAt.UTC(), r.ExpiresAt.UTC()
	r.DecidedAt, r.LastDownloadAt = optTime(decided), optTime(last)
	return r, err
}

// status is what a stored request is at time now.
func (r *Request) status(now time.Time) string {
	switch {
	case r.stored == StatusRejected:
		return StatusRejected
	case !now.Before(r.ExpiresAt):
		return StatusExpired
	case r.stored == StatusApproved && r.Downloads >= r.MaxDownloads:
		return StatusExhausted
	}
	return r.stored
}

// mayDecide reports whether p's role and scope allow deciding the request (not whether
// p is the requester).
func (r *Request) mayDecide(p *access.Principal) bool {
	return p.Can(access.ExportApprove) && !p.SelfOnly() && p.InScope(r.scopePath)
}

// view fills the fields that depend on the time and on who looks.
func (r *Request) view(p *access.Principal, now time.Time) {
	r.Status = r.status(now)
	r.Mine = r.requesterID == p.UserID
	r.CanDecide = r.Status == StatusPending && !r.Mine && r.mayDecide(p)
	r.CanDownload = r.Status == StatusApproved && r.Mine && p.Can(access.Export) && !r.deptGone
}

// load reads a request that p may see: their own, or one p may decide by role and scope.
// Anything else is NotFound, so that requests outside one's scope do not show.
func (s *Service) load(ctx context.Context, q store.Querier, p *access.Principal, id string) (Request, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, `SELECT `+requestCols+requestFrom+`WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.E(errs.NotFound, "export request not found")
	}
	if err != nil {
		return r, fmt.Errorf("load export request: %w", err)
	}
	if r.requesterID != p.UserID && !r.mayDecide(p) {
		return Request{}, errs.E(errs.NotFound, "export request not found")
	}
	r.view(p, s.clock.Now())
	return r, nil
}

// Masked generates a masked export at once: values like 138****8000, no approval. It is
// audited with the number of rows.
func (s *Service) Masked(ctx context.Context, p *access.Principal, in Input) (File, error) {
	if !p.Can(access.Export) || p.SelfOnly() {
		return File{}, errs.E(errs.Forbidden, "your role may not export")
	}
	if in.Unmasked {
		return File{}, errs.E(errs.Invalid, "an unmasked export needs approval: request it instead")
	}
	sp, err := s.validate(ctx, p, in)
	if err != nil {
		return File{}, err
	}
	t, err := s.build(ctx, p, sp)
	if err != nil {
		return File{}, err
	}
	now := s.clock.Now()
	m := mark{masked: true, lang: sp.lang, requester: p.Username, at: now, personStatus: sp.personStatus, scope: s.scopeName(ctx, p, sp)}
	f, err := render(t, sp, m)
	if err != nil {
		return File{}, fmt.Errorf("render export: %w", err)
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "export.masked", ObjectType: "export", ObjectID: store.NewID(), Reason: sp.reason,
			Detail: fmt.Sprintf("%s rows=%d", sp.detail(), f.Rows)})
	})
	if err != nil {
		return File{}, err
	}
	return f, nil
}

// scopeName names what an export covers: the department asked for, else the principal's
// scope ("" for the whole organization).
func (s *Service) scopeName(ctx context.Context, p *access.Principal, sp spec) string {
	if sp.dept != nil {
		return sp.dept.NamePath
	}
	if p.ScopeDeptID != "" {
		if d, err := s.dir.GetDepartment(ctx, p, p.ScopeDeptID); err == nil {
			return d.NamePath
		}
	}
	return ""
}

// Create records a request for an unmasked export (reason required), to be approved by
// another user whose role and scope allow it. Nothing is generated yet.
func (s *Service) Create(ctx context.Context, p *access.Principal, in Input) (Request, error) {
	if !p.Can(access.Export) || p.SelfOnly() {
		return Request{}, errs.E(errs.Forbidden, "your role may not export")
	}
	in.Unmasked = true
	sp, err := s.validate(ctx, p, in)
	if err != nil {
		return Request{}, err
	}
	if s.reauth != nil {
		if err := s.reauth(p); err != nil {
			return Request{}, err
		}
	}
	// Without a department the export covers the requester's scope: record its department,
	// so that approvers and downloads are held to the same subtree.
	if sp.dept == nil && p.ScopeDeptID != "" {
		d, err := s.dir.GetDepartment(ctx, p, p.ScopeDeptID)
		if err != nil {
			return Request{}, err
		}
		sp.dept = &d
	}
	var deptID any
	path, name := "", ""
	if sp.dept != nil {
		deptID, path, name = sp.dept.ID, sp.dept.Path, sp.dept.NamePath
	}
	now := s.clock.Now()
	id := store.NewID()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO export_requests (id, subject, format, department_id, scope_path, scope_name, person_status, lang,
				reason, requester_id, requester, status, created_at, expires_at, max_downloads)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $13, $14)`,
			id, sp.subject, sp.format, deptID, path, name, sp.personStatus, sp.lang, sp.reason, p.UserID, p.Username,
			store.TS(now), store.TS(now.Add(s.cfg.PendingTTL)), s.cfg.MaxDownloads)
		if err != nil {
			return fmt.Errorf("insert export request: %w", err)
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "export.request", ObjectType: "export", ObjectID: id, Reason: sp.reason, Detail: sp.detail()})
	})
	if err != nil {
		return Request{}, err
	}
	return s.load(ctx, s.db.Read, p, id)
}

// Get returns one request the principal made or may decide.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (Request, error) {
	if !p.Can(access.Export) && !p.Can(access.ExportApprove) {
		return Request{}, errs.E(errs.NotFound, "export request not found")
	}
	return s.load(ctx, s.db.Read, p, id)
}

// ListQuery filters a list of requests.
type ListQuery struct {
	Status string // pending, approved, rejected, expired, exhausted; "" for all
	Mine   bool   // only the caller's own requests
	Cursor string
	Limit  int
}

// List returns the requests the principal made and those they may decide (in their
// scope), newest first.
func (s *Service) List(ctx context.Context, p *access.Principal, q ListQuery) ([]Request, string, error) {
	if !p.Can(access.Export) && !p.Can(access.ExportApprove) {
		return nil, "", errs.E(errs.Forbidden, "your role may not see exports")
	}
	now := s.clock.Now()
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	who := "r.requester_id = " + arg(p.UserID)
	if !q.Mine && p.Can(access.ExportApprove) && !p.SelfOnly() {
		who = "(" + who + " OR COALESCE(d.path, r.scope_path) LIKE " + arg(p.ScopePath+"%") + ")"
	}
	where := []string{who}
	ts := func() string { return arg(store.TS(now)) }
	switch q.Status {
	case "":
	case StatusPending:
		where = append(where, "r.status = 'pending' AND r.expires_at > "+ts())
	case StatusApproved:
		where = append(where, "r.status = 'approved' AND r.expires_at > "+ts()+" AND r.downloads < r.max_downloads")
	case StatusRejected:
		where = append(where, "r.status = 'rejected'")
	case StatusExpired:
		where = append(where, "r.status <> 'rejected' AND r.expires_at <= "+ts())
	case StatusExhausted:
		where = append(where, "r.status = 'approved' AND r.expires_at > "+ts()+" AND r.downloads >= r.max_downloads")
	default:
		return nil, "", &errs.Error{Kind: errs.Invalid, Message: "validation failed",
			Fields: []errs.FieldError{{Field: "status", Message: "one of pending, approved, rejected, expired, exhausted"}}}
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, "", &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "cursor", Message: "invalid cursor"}}}
		}
		a, b := arg(c[0]), arg(c[1])
		where = append(where, fmt.Sprintf("(r.created_at < %s OR (r.created_at = %s AND r.id < %s))", a, a, b))
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+requestCols+requestFrom+`WHERE `+strings.Join(where, " AND ")+
		` ORDER BY r.created_at DESC, r.id DESC LIMIT `+arg(limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list export requests: %w", err)
	}
	defer rows.Close()
	out := []Request{}
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, "", err
		}
		r.view(p, now)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = encodeCursor(store.TS(last.CreatedAt), last.ID)
	}
	return out, next, nil
}

func encodeCursor(key ...string) string {
	b, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, err
	}
	var key []string
	if err := json.Unmarshal(b, &key); err != nil {
		return nil, err
	}
	if len(key) != 2 {
		return nil, errors.New("bad cursor")
	}
	return key, nil
}

// Approve lets a second person approve a pending request: never the requester (four-eyes),
// only a role that approves exports, only in a scope covering the request. Downloads are
// possible from now on for the approval window.
func (s *Service) Approve(ctx context.Context, p *access.Principal, id, note string) (Request, error) {
	return s.decide(ctx, p, id, note, true)
}

// Reject refuses a pending request, with an optional note to the requester.
func (s *Service) Reject(ctx context.Context, p *access.Principal, id, note string) (Request, error) {
	return s.decide(ctx, p, id, note, false)
}

func (s *Service) decide(ctx context.Context, p *access.Principal, id, note string, approve bool) (Request, error) {
	action, status := "export.reject", StatusRejected
	if approve {
		action, status = "export.approve", StatusApproved
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 500 {
		return Request{}, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "note", Message: "at most 500 characters"}}}
	}
	if !p.Can(access.Export) && !p.Can(access.ExportApprove) {
		return Request{}, errs.E(errs.NotFound, "export request not found")
	}
	var r Request
	var denied string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = s.load(ctx, tx, p, id); err != nil {
			return err
		}
		switch {
		case r.Mine:
			denied = "own request"
			return errs.E(errs.Forbidden, "four-eyes: another person must decide your own export request")
		case !r.mayDecide(p):
			denied = "role"
			return errs.E(errs.Forbidden, "your role may not approve exports")
		case r.Status == StatusExpired:
			return errs.E(errs.Gone, "the export request expired before anyone decided it")
		case r.Status != StatusPending:
			return errs.E(errs.Conflict, "the export request was already %s", r.Status)
		case approve && r.deptGone:
			return errs.E(errs.Gone, "the department of this export no longer exists")
		}
		now := s.clock.Now()
		expires := r.ExpiresAt
		if approve {
			expires = now.Add(s.cfg.ApprovalTTL)
		}
		res, err := tx.ExecContext(ctx, `UPDATE export_requests SET status = $1, approver_id = $2, approver = $3, decision_note = $4, decided_at = $5,
				expires_at = $6
			WHERE id = $7 AND status = 'pending' AND expires_at > $5`,
			status, p.UserID, p.Username, note, store.TS(now), store.TS(expires), id)
		if err != nil {
			return fmt.Errorf("decide export request: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "the export request was decided by someone else just now")
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: action, ObjectType: "export", ObjectID: id, Reason: note,
			Detail: fmt.Sprintf("requester=%s subject=%s format=%s department=%s expires=%s", r.Requester, r.Subject, r.Format,
				orAll(r.DepartmentID), store.TS(expires))})
	})
	if denied != "" {
		// The transaction rolled back: record the refused attempt on its own.
		_ = s.db.InTx(ctx, func(tx *sql.Tx) error {
			return audit.Record(ctx, tx, p, s.clock.Now(), audit.Event{Action: action, ObjectType: "export", ObjectID: id, Outcome: "denied",
				Reason: note, Detail: "refused: " + denied})
		})
	}
	if err != nil {
		return Request{}, err
	}
	return s.load(ctx, s.db.Read, p, id)
}

func orAll(id string) string {
	if id == "" {
		return "all"
	}
	return id
}

// Download generates an approved export for its requester, from the database as it is
// now, with the watermark; it counts and audits the download. After the approval window
// or the last allowed download it is Gone.
func (s *Service) Download(ctx context.Context, p *access.Principal, id string) (File, error) {
	if !p.Can(access.Export) && !p.Can(access.ExportApprove) {
		return File{}, errs.E(errs.NotFound, "export request not found")
	}
	r, err := s.load(ctx, s.db.Read, p, id)
	if err != nil {
		return File{}, err
	}
	refuse := func(err error) (File, error) {
		_ = s.db.InTx(ctx, func(tx *sql.Tx) error {
			return audit.Record(ctx, tx, p, s.clock.Now(), audit.Event{Action: "export.download", ObjectType: "export", ObjectID: id,
				Outcome: "denied", Detail: "refused: " + err.Error()})
		})
		return File{}, err
	}
	switch {
	case !r.Mine:
		return refuse(errs.E(errs.Forbidden, "only the requester downloads an approved export"))
	case !p.Can(access.Export) || p.SelfOnly():
		return refuse(errs.E(errs.Forbidden, "your role may no longer export"))
	case r.Status == StatusPending:
		return File{}, errs.E(errs.Conflict, "the export is waiting for approval")
	case r.Status == StatusRejected:
		return File{}, errs.E(errs.Conflict, "the export was rejected")
	case r.Status == StatusExpired:
		return refuse(errs.E(errs.Gone, "the export expired at %s", r.ExpiresAt.Format(time.RFC3339)))
	case r.Status == StatusExhausted:
		return refuse(errs.E(errs.Gone, "the export was downloaded %d times, the most allowed", r.MaxDownloads))
	case r.deptGone:
		return refuse(errs.E(errs.Gone, "the department of this export no longer exists"))
	case !p.InScope(r.scopePath):
		return refuse(errs.E(errs.Forbidden, "the export lies outside your scope now"))
	}
	if s.reauth != nil {
		if err := s.reauth(p); err != nil {
			return File{}, err
		}
	}
	sp := spec{subject: r.Subject, format: r.Format, personStatus: r.PersonStatus, reason: r.Reason, lang: r.Lang, unmasked: true}
	if r.DepartmentID != "" {
		sp.dept = &directory.Department{ID: r.DepartmentID, NamePath: r.Department}
	}
	t, err := s.build(ctx, p, sp)
	if err != nil {
		return File{}, err
	}
	now := s.clock.Now()
	m := mark{lang: sp.lang, requester: r.Requester, approver: r.Approver, at: now, requestID: r.ID, reason: r.Reason, scope: r.Department,
		personStatus: r.PersonStatus, requestedAt: r.CreatedAt, expiresAt: r.ExpiresAt, download: r.Downloads + 1, maxDownloads: r.MaxDownloads}
	if r.DecidedAt != nil {
		m.approvedAt = *r.DecidedAt
	}
	f, err := render(t, sp, m)
	if err != nil {
		return File{}, fmt.Errorf("render export: %w", err)
	}
	gone := false
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE export_requests SET downloads = downloads + 1, last_download_at = $1
			WHERE id = $2 AND status = 'approved' AND expires_at > $1 AND downloads < max_downloads`, store.TS(now), id)
		if err != nil {
			return fmt.Errorf("count export download: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			gone = true
			return errs.E(errs.Gone, "the export expired or its downloads were used up just now")
		}
		return audit.Record(ctx, tx, p, now, audit.Event{Action: "export.download", ObjectType: "export", ObjectID: id,
			Detail: fmt.Sprintf("%s rows=%d download=%d/%d approver=%s", sp.detail(), f.Rows, m.download, r.MaxDownloads, r.Approver)})
	})
	if gone {
		return refuse(err)
	}
	if err != nil {
		return File{}, err
	}
	return f, nil
}
