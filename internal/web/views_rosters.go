package web

import (
	"time"

	"lifeline/internal/roster"
)

// RostersData is the data of the roster list, with the create form for those who may create.
type RostersData struct {
	Rosters   []roster.Roster
	Kind      string // the kind filter, "" for all
	Kinds     []string
	Templates []roster.Template
	CanCreate bool
	Form      RosterForm
	Errors    map[string]string // field → translated message of a refused create
}

// RosterForm is what the create form holds.
type RosterForm struct {
	Template    string
	Name        string
	Description string
	Owners      string // employee numbers or person ids, separated by spaces or commas
}

// MemberForm is what the add-member form holds.
type MemberForm struct {
	Person    string // employee number or person id
	Duty      string
	Backup    string // employee number or person id
	ValidFrom string // YYYY-MM-DD
	ValidTo   string
	Notes     string
}

// RosterData is the data of a roster page: now or, with At, as it was then.
type RosterData struct {
	Roster  roster.Roster
	History []roster.HistoryEntry
	At      string // the ?at= value shown, "" for now
	AtError string // translated message when ?at= could not be read
	CanEdit bool   // the viewer may change the roster (now, not in a past view)
	Duties  []string
	Form    MemberForm
	Errors  map[string]string
	OnDuty  *roster.OnDutyReport // who is on duty now in each rotation; nil in a past view
}

// RosterPrintData is the data of the printable roster (the monthly paper copy).
type RosterPrintData struct {
	Roster    roster.Roster
	Full      bool                 // full numbers, revealed with a reason (audited); otherwise masked
	CanReveal bool                 // the viewer may reveal: offer the reason form
	Reason    string               // the reason of the reveal
	PrintedAt time.Time            // when the page was made
	PDF       string               // the URL of the PDF of the same view, "" when unavailable
	OnDuty    *roster.OnDutyReport // who is on duty now in each rotation; nil in a past view
}
