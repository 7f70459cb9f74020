package importer

import (
	"context"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/roster"
	"lifeline/internal/store"
)

// departedNos lists the employee numbers an import departed: rows with a departed status
// and, in snapshot mode, the people missing from the file.
func departedNos(rep Report) []string {
	var out []string
	for _, r := range rep.Results {
		if r.Outcome == directory.Departed {
			out = append(out, r.EmployeeNo)
		}
	}
	return append(out, rep.Gone...)
}

// leaveRosters ends the roster memberships of the departed people, in the import's
// transaction, and tells the rosters' owners — as the HR offboard event does.
func leaveRosters(ctx context.Context, tx store.Querier, p *access.Principal, employeeNos []string, now time.Time) error {
	for _, eno := range employeeNos {
		person, err := directory.PersonByEmployeeNo(ctx, tx, eno)
		if err != nil {
			return err
		}
		if _, err := roster.PersonDeparted(ctx, tx, p, person.ID, now); err != nil {
			return err
		}
	}
	return nil
}
