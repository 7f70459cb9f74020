package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// Options control an import.
type Options struct {
	DryRun      bool    // report what would change, write nothing
	Snapshot    bool    // the file is the complete staff list: people missing from it depart
	SkipInvalid bool    // import the valid rows even when some rows have structural errors
	MaxDepart   float64 // snapshot safety stop: the largest share of active people that may depart (default 0.10)
}

// RowResult is what happened to one row.
type RowResult struct {
	Line       int                `json:"line"`
	EmployeeNo string             `json:"employee_no"`
	Outcome    string             `json:"outcome"`
	Changes    []directory.Change `json:"changes,omitempty"`
	Warnings   []string           `json:"warnings,omitempty"`
}

// Report is the outcome of an import (or of its dry run: the same numbers).
type Report struct {
	DryRun    bool        `json:"dry_run"`
	Encoding  string      `json:"encoding"`
	Rows      int         `json:"rows"`
	Created   int         `json:"created"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Departed  int         `json:"departed"`
	Errors    int         `json:"errors"`
	Problems  []Problem   `json:"problems"`
	Results   []RowResult `json:"results"`
	Gone      []string    `json:"departed_by_snapshot,omitempty"` // employee numbers
}

// ErrRejected means the import wrote nothing: the report says why.
var ErrRejected = errors.New("import rejected; nothing was written")

// errDryRun rolls back a dry run after it has computed its report.
var errDryRun = errors.New("dry run")

// Run imports a staff file as principal p. Everything happens in one transaction: a
// structural error, a safety stop or any failure leaves the database as it was.
func Run(ctx context.Context, db *store.DB, dir *directory.Service, p *access.Principal, file io.Reader, o Options) (Report, error) {
	rep := Report{DryRun: o.DryRun, Problems: []Problem{}, Results: []RowResult{}}
	if !p.Can(access.DirectoryWrite) {
		return rep, errs.E(errs.Forbidden, "you may not import people")
	}
	if o.MaxDepart <= 0 {
		o.MaxDepart = 0.10
	}
	t, err := ReadTable(file)
	if err != nil {
		rep.Problems = append(rep.Problems, Problem{Message: err.Error()})
		rep.Errors = 1
		return rep, ErrRejected
	}
	rep.Encoding, rep.Rows = t.Encoding, len(t.Rows)
	records, cols, problems := Parse(t)
	rep.Problems = append(rep.Problems, problems...)
	rep.Errors = len(problems)
	if len(problems) > 0 && (!o.SkipInvalid || records == nil) {
		return rep, ErrRejected
	}
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		is := dir.NewImportSession(tx, p)
		activeBefore, err := is.CountActive(ctx)
		if err != nil {
			return err
		}
		keep := map[string]bool{}
		for _, rec := range records {
			keep[rec.EmployeeNo] = true
			outcome, changes, err := is.Apply(ctx, directory.ImportRecord{
				EmployeeNo: rec.EmployeeNo, Name: rec.Name, Department: rec.Department, Title: rec.Title, Status: rec.Status, HireDate: rec.HireDate,
				Mobile: rec.Mobile, OfficePhone: rec.OfficePhone, Email: rec.Email, Contacts: contactsOf(rec),
				HasDepartment: cols[Department], HasTitle: cols[Title], HasStatus: cols[Status], HasHireDate: cols[HireDate],
			})
			if err != nil {
				var de *errs.Error
				msg := "could not be applied"
				if errors.As(err, &de) {
					msg = de.Message
				}
				rep.Problems = append(rep.Problems, Problem{Line: rec.Line, Message: msg})
				rep.Errors++
				return fmt.Errorf("line %d: %w", rec.Line, err)
			}
			rep.count(outcome)
			rep.Results = append(rep.Results, RowResult{Line: rec.Line, EmployeeNo: rec.EmployeeNo, Outcome: outcome, Changes: changes, Warnings: rec.Warnings})
		}
		if err := is.Flush(ctx); err != nil {
			return err
		}
		if o.Snapshot {
			gone, err := is.DepartMissing(ctx, keep)
			if err != nil {
				return err
			}
			if activeBefore > 0 && float64(len(gone)) > o.MaxDepart*float64(activeBefore) {
				rep.Problems = append(rep.Problems, Problem{Message: fmt.Sprintf("safety stop: the snapshot would depart %d of %d active people (more than %.0f%%); check the file is complete",
					len(gone), activeBefore, o.MaxDepart*100)})
				rep.Errors++
				return ErrRejected
			}
			rep.Gone = gone
			rep.Departed += len(gone)
		}
		if o.DryRun {
			return errDryRun
		}
		if err := leaveRosters(ctx, tx, p, departedNos(rep), dir.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, dir.Now(), audit.Event{Action: "import.people", ObjectType: "directory",
			Detail: fmt.Sprintf("rows=%d created=%d updated=%d unchanged=%d departed=%d errors=%d snapshot=%v", rep.Rows, rep.Created, rep.Updated,
				rep.Unchanged, rep.Departed, rep.Errors, o.Snapshot)})
	})
	switch {
	case errors.Is(err, errDryRun):
		return rep, nil
	case errors.Is(err, ErrRejected):
		return rep, ErrRejected
	case err != nil:
		if rep.Errors > 0 {
			return rep, ErrRejected
		}
		return rep, err
	}
	return rep, nil
}

func (r *Report) count(outcome string) {
	switch outcome {
	case directory.Created:
		r.Created++
	case directory.Updated:
		r.Updated++
	case directory.Unchanged:
		r.Unchanged++
	case directory.Departed:
		r.Departed++
	}
}

func contactsOf(rec Record) []directory.EmergencyContactInput {
	var out []directory.EmergencyContactInput
	for _, c := range rec.Contacts {
		out = append(out, directory.EmergencyContactInput{Name: c.Name, Relation: c.Relation, Phone: c.Phone})
	}
	return out
}
