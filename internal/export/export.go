// Package export produces exports of people and departments as CSV (UTF-8 with BOM),
// XLSX and vCard 4.0. Masked exports (138****8000) are generated at once and audited. An export of
// unmasked personal data is a request that another authorized user approves (four-eyes,
// PIPL); the approved file is generated from the database when its requester downloads
// it, carries a visible watermark (requester, approver, time), expires, allows a limited
// number of downloads, and every download is audited. No export file is ever kept: there
// is nothing on disk to leak or to purge.
package export

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/clock"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// What an export lists.
const (
	SubjectPeople      = "people"
	SubjectDepartments = "departments"
)

// File formats.
const (
	FormatCSV   = "csv"
	FormatXLSX  = "xlsx"
	FormatVCard = "vcf" // vCard 4.0 (RFC 6350): one card per person (or department)
)

// Content types of the formats.
const (
	ContentTypeCSV   = "text/csv; charset=utf-8"
	ContentTypeXLSX  = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	ContentTypeVCard = "text/vcard; charset=utf-8"
)

// Statuses of an export request as readers see them. Only pending, approved and rejected
// are stored; expired and exhausted follow from the time and the download count.
const (
	StatusPending   = "pending"   // waiting for a second person's decision
	StatusApproved  = "approved"  // the requester may download it
	StatusRejected  = "rejected"  // refused by an approver
	StatusExpired   = "expired"   // not decided in time, or past its download window
	StatusExhausted = "exhausted" // every allowed download was used
)

// Limits of export requests.
const (
	DefaultApprovalTTL  = 24 * time.Hour     // downloads are possible this long after approval
	DefaultPendingTTL   = 7 * 24 * time.Hour // a request nobody decides lapses after this
	DefaultMaxDownloads = 3                  // downloads of one approved export
	DefaultMaxRows      = 100_000            // people in one export (the largest organizations)
)

// Config tunes the service; the zero value of a field takes its default.
type Config struct {
	ApprovalTTL  time.Duration
	PendingTTL   time.Duration
	MaxDownloads int
	MaxRows      int
}

func (c Config) withDefaults() Config {
	if c.ApprovalTTL <= 0 {
		c.ApprovalTTL = DefaultApprovalTTL
	}
	if c.PendingTTL <= 0 {
		c.PendingTTL = DefaultPendingTTL
	}
	if c.MaxDownloads <= 0 {
		c.MaxDownloads = DefaultMaxDownloads
	}
	if c.MaxRows <= 0 {
		c.MaxRows = DefaultMaxRows
	}
	return c
}

// ReauthFunc checks that a principal authenticated recently enough for a sensitive step
// (requesting or downloading an unmasked export). It returns nil to go on, or a domain
// error (*errs.Error) that is shown to the caller.
type ReauthFunc func(*access.Principal) error

// Service is the export domain service.
type Service struct {
	db     *store.DB
	dir    *directory.Service
	clock  clock.Clock
	reauth ReauthFunc
	cfg    Config
}

// New returns an export service. reauth, when not nil, is called before an unmasked
// export is requested and before it is downloaded.
func New(db *store.DB, dir *directory.Service, c clock.Clock, reauth ReauthFunc) *Service {
	return &Service{db: db, dir: dir, clock: c, reauth: reauth, cfg: Config{}.withDefaults()}
}

// WithConfig returns the service with other limits (tests, operators' settings).
func (s *Service) WithConfig(c Config) *Service {
	out := *s
	out.cfg = c.withDefaults()
	return &out
}

// Input asks for an export. Masked exports (the default) are answered at once; with
// unmasked set it becomes a request that another user must approve.
type Input struct {
	Subject      string `json:"subject,omitempty"`       // people (default) or departments
	Format       string `json:"format"`                  // csv, xlsx or vcf
	DepartmentID string `json:"department_id,omitempty"` // a department's subtree; empty: the caller's whole scope
	PersonStatus string `json:"person_status,omitempty"` // active, probation or departed; empty: everyone
	Unmasked     bool   `json:"unmasked,omitempty"`      // full values: needs a reason and a second person's approval
	Reason       string `json:"reason,omitempty"`        // why; required for unmasked exports
	Lang         string `json:"lang,omitempty"`          // zh or en headers; default: the caller's locale
}

// spec is a validated input.
type spec struct {
	subject, format, personStatus, reason, lang string
	unmasked                                    bool
	dept                                        *directory.Department // nil: the caller's whole scope
}

// File is a generated export.
type File struct {
	Name        string // suggested file name; for unmasked exports it carries the watermark
	ASCIIName   string // the same, in ASCII, for old clients
	ContentType string
	Body        []byte
	Rows        int
}

// langOf picks the language of an export: the asked one, else the principal's locale.
func langOf(asked string, p *access.Principal) string {
	for _, l := range []string{asked, p.Locale} {
		l = strings.ToLower(strings.TrimSpace(l))
		if strings.HasPrefix(l, "en") {
			return "en"
		}
		if strings.HasPrefix(l, "zh") {
			return "zh"
		}
	}
	return "zh"
}

// validate checks an input against the principal's scope.
func (s *Service) validate(ctx context.Context, p *access.Principal, in Input) (spec, error) {
	var v errs.Validation
	sp := spec{
		subject:      strings.ToLower(strings.TrimSpace(in.Subject)),
		format:       strings.ToLower(strings.TrimSpace(in.Format)),
		personStatus: strings.TrimSpace(in.PersonStatus),
		reason:       strings.TrimSpace(in.Reason),
		unmasked:     in.Unmasked,
		lang:         langOf(in.Lang, p),
	}
	if sp.subject == "" {
		sp.subject = SubjectPeople
	}
	v.Check(sp.subject == SubjectPeople || sp.subject == SubjectDepartments, "subject", "one of people, departments")
	v.Check(sp.format == FormatCSV || sp.format == FormatXLSX || sp.format == FormatVCard, "format", "one of csv, xlsx, vcf")
	switch sp.personStatus {
	case "", directory.StatusActive, directory.StatusProbation, directory.StatusDeparted:
	default:
		v.Add("person_status", "one of active, probation, departed")
	}
	if sp.subject == SubjectDepartments {
		v.Check(sp.personStatus == "", "person_status", "only for exports of people")
		v.Check(!sp.unmasked, "unmasked", "departments hold no contact values: export them masked")
	}
	if l := strings.TrimSpace(in.Lang); l != "" && l != "zh" && l != "en" {
		v.Add("lang", "one of zh, en")
	}
	if sp.unmasked {
		v.Check(sp.reason != "" && len([]rune(sp.reason)) <= 500, "reason", "required for an unmasked export, at most 500 characters")
	} else {
		v.Check(len([]rune(sp.reason)) <= 500, "reason", "at most 500 characters")
	}
	if id := strings.TrimSpace(in.DepartmentID); id != "" {
		d, err := s.dir.GetDepartment(ctx, p, id)
		switch {
		case errs.Is(err, errs.NotFound):
			v.Add("department_id", "no such department")
		case err != nil:
			return sp, err
		default:
			sp.dept = &d
		}
	}
	return sp, v.Err()
}

// detail describes an export for the audit log; it never holds personal values.
func (sp spec) detail() string {
	dept := "all"
	if sp.dept != nil {
		dept = sp.dept.ID
	}
	st := sp.personStatus
	if st == "" {
		st = "all"
	}
	return fmt.Sprintf("masked=%v subject=%s format=%s department=%s person_status=%s", !sp.unmasked, sp.subject, sp.format, dept, st)
}
