package web

import (
	"strings"
	"time"

	"lifeline/internal/audit"
	"lifeline/internal/directory"
	"lifeline/internal/incident"
	"lifeline/internal/keys"
)

// GrantBanner is an active break-glass grant of the current user, announced on every page.
type GrantBanner struct {
	ID        string
	Incident  string
	ExpiresAt time.Time
}

// AuditActions are the audit actions the audit search offers as a filter.
func AuditActions() []string {
	return []string{"login", "person.reveal", "organization.reveal", "user.create", "user.update", "token.create", "token.revoke",
		"keys.rotate", "incident.report", "incident.close", "breakglass.open", "breakglass.view", "breakglass.end",
		"retention.purge", "person.self_export", "export.request", "export.approve", "export.reject", "export.download",
		"notification.create", "notification.approve", "notification.cancel", "notification.board_view"}
}

// AuditOutcomes are the outcomes an audit record can have.
func AuditOutcomes() []string { return []string{"ok", "denied", "failed"} }

// AuditData is the data of the audit search page and of its results fragment.
type AuditData struct {
	Action, Actor, ObjectType, ObjectID, Outcome string
	From, To                                     string            // dates (YYYY-MM-DD, Asia/Shanghai) as typed
	Errors                                       map[string]string // field → translated message
	Actions, Outcomes                            []string          // the filters' choices
	Entries                                      []audit.Entry
	Paged                                        bool   // this is not the newest page
	NextURL                                      string // older records, "" on the last page
	FirstURL                                     string // the newest page of the same query
	Verified                                     bool   // the chain was verified for this page
	Verify                                       audit.Report
	VerifyError                                  string // the verification could not run
	BrokenURL                                    string // the records around the first broken link
}

// KeysData is the data of the key status page.
type KeysData struct {
	Keys []keys.KeyStatus
}

// IncidentForm holds what was typed into the report form.
type IncidentForm struct {
	Title, Type, Level, Location, Description string
	Drill                                     bool
}

// IncidentsData is the data of the incident list with its report form.
type IncidentsData struct {
	Incidents []incident.Incident
	CanReport bool
	Types     []string
	Levels    []string
	Form      IncidentForm
	Errors    map[string]string // field → translated message
}

// GrantForm holds what was typed into the break-glass form.
type GrantForm struct {
	DepartmentIDs map[string]bool
	Reason        string
	Minutes       int
}

// IncidentData is the data of one incident's page.
type IncidentData struct {
	Incident      incident.Incident
	CanClose      bool
	CanBreakGlass bool                   // the viewer is a responder and the incident is active
	Departments   []directory.Department // the break-glass form's choice
	Form          GrantForm
	Errors        map[string]string
	Grants        []incident.Grant // break-glass grants of this incident the viewer may see
	DeptNames     DeptNames
	Notify        *NotifyPanel  // notifications of the incident and the notify form; nil: none shown
	Timeline      *TimelineView // the incident's timeline; nil: not shown
}

// GrantsData is the data of the break-glass registry (紧急查询登记).
type GrantsData struct {
	Grants    []incident.Grant
	All       bool      // everyone's grants (the security officer)
	Self      string    // the viewer's user name, to offer the contact sheet of their own grants
	DeptNames DeptNames // department id → name path
	Ended     bool      // a grant was just ended
}

// SheetGroup is one department of a contact sheet.
type SheetGroup struct {
	Department string
	People     []directory.Person
}

// ContactSheetData is the data of a break-glass contact sheet.
type ContactSheetData struct {
	Grant     incident.Grant
	Groups    []SheetGroup
	People    int
	Closed    string    // why the sheet shows no numbers (translated), "" when it does
	Holder    bool      // the viewer holds the grant
	CanEnd    bool      // the viewer may end it now
	DeptNames DeptNames // department id → name path
}

// DeptNames maps department ids to their name paths.
type DeptNames map[string]string

// Of names departments by id for display ("生产部 › 一车间"); an unknown id (outside the
// viewer's scope, or deleted) shows as itself.
func (d DeptNames) Of(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if n, ok := d[id]; ok {
			out = append(out, deptChain(n))
		} else {
			out = append(out, id)
		}
	}
	return out
}

// GroupByDepartment groups people (ordered by department) into consecutive departments.
func GroupByDepartment(people []directory.Person) []SheetGroup {
	var out []SheetGroup
	for _, p := range people {
		if n := len(out); n > 0 && out[n-1].Department == p.Department {
			out[n-1].People = append(out[n-1].People, p)
			continue
		}
		out = append(out, SheetGroup{Department: p.Department, People: []directory.Person{p}})
	}
	return out
}

// uiZone is the zone in which the UI shows and reads times.
var uiZone = shanghai()

// Shanghai is the zone in which the UI shows and reads times.
func Shanghai() *time.Location { return uiZone }

// Timestamp shows a time to the second in Asia/Shanghai, as the audit log needs.
func (l Lang) Timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(uiZone).Format("2006-01-02 15:04:05")
}

// AuditAction names an audit action in the language; unknown export actions are named
// as exports, anything else as recorded.
func (l Lang) AuditAction(action string) string {
	key := "audit.action." + action
	if _, ok := messages[key]; ok {
		return l.T(key)
	}
	if rest, ok := strings.CutPrefix(action, "export."); ok {
		return l.T("audit.action.export", rest)
	}
	return action
}

// Level names an incident level with its Chinese grade ("II 重大").
func (l Lang) Level(level string) string {
	return level + " " + l.Label("level", level)
}
