package server

import (
	"net/http"
	"net/url"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/notify"
	"lifeline/internal/web"
)

// The pages after the notifications: an incident's report (printable), the trend
// across drills, the remediation tasks drills leave, and the notify form's people
// picker. Each follows the access rules of the JSON API it mirrors.

// pickLimit is how many people the picker offers for one search.
const pickLimit = 10

// pageIncidentReport shows an incident's notification report as the viewer may see it
// (GET /api/v1/incidents/{id}/report): final once the incident is closed, interim
// while it is active.
func (s *Server) pageIncidentReport(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	ctx := r.Context()
	inc, err := s.incidents.Get(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	rep, err := s.notify.BuildReport(ctx, p, inc.ID)
	if err != nil {
		return err
	}
	data := web.ReportData{IncidentID: inc.ID, Title: inc.Title, Level: inc.Level, Type: inc.Type, Location: inc.Location, Drill: inc.Drill || rep.Drill,
		Status: inc.Status, OccurredAt: inc.OccurredAt, ClosedAt: inc.ClosedAt, GeneratedAt: s.clock.Now(), Notifications: rep.Notifications,
		Total: reportGroup(rep.Group), FirstDeliverySec: rep.FirstDeliverySec}
	for _, g := range rep.ByRoster {
		data.ByRoster = append(data.ByRoster, reportGroup(g))
	}
	for _, g := range rep.ByDepartment {
		data.ByDepartment = append(data.ByDepartment, reportGroup(g))
	}
	for _, e := range rep.Unreachable {
		data.Unreachable = append(data.Unreachable, web.BoardPerson{Name: e.Name, Department: e.Department, Status: e.Status, Error: e.Error})
	}
	v := s.view(r, p, "nreport.title", "incidents", data)
	v.Title = v.Lang.T("nreport.title") + " · " + inc.Title
	return s.web.Render(w, http.StatusOK, "incident-report", v)
}

// reportGroup turns one of the report's groups into the page's.
func reportGroup(g notify.Group) web.ReportGroup {
	return web.ReportGroup{Name: g.Name, Recipients: g.Recipients, Reached: g.Reached, Acknowledged: g.Acknowledged, Safe: g.Safe, NeedHelp: g.NeedHelp,
		Failed: g.Failed, ReachRate: g.ReachRate, AckP50: g.AckP50Sec, AckP90: g.AckP90Sec}
}

// pageDrills is the trend across closed drills, oldest first (GET /api/v1/drills).
func (s *Server) pageDrills(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	items, err := s.notify.Drills(r.Context(), p)
	if err != nil {
		return err
	}
	rows := make([]web.DrillRow, 0, len(items))
	for _, d := range items {
		rows = append(rows, web.DrillRow{IncidentID: d.IncidentID, Title: d.Title, OccurredAt: d.OccurredAt, ClosedAt: d.ClosedAt, Recipients: d.Recipients,
			Failed: d.Failed, ReachRate: d.ReachRate, AckP50: d.AckP50Sec, AckP90: d.AckP90Sec})
	}
	return s.web.Render(w, http.StatusOK, "drills", s.view(r, p, "drills.title", "drills", web.NewDrillsData(rows)))
}

// tasksStatus reads the tasks page's filter: open by default, "all" for every task.
func tasksStatus(q url.Values) string {
	switch st := q.Get("status"); st {
	case "open", "done":
		return st
	case "all":
		return ""
	}
	return "open"
}

// pageTasks lists remediation tasks (GET /api/v1/remediation-tasks): an owner sees
// theirs; those who may see all (responders, admins, HR, department managers) see all.
func (s *Server) pageTasks(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	status := tasksStatus(r.URL.Query())
	tasks, err := s.notify.TaskViews(r.Context(), p, status)
	if err != nil {
		return err
	}
	data := web.TasksData{Status: status, All: tasksAll(p)}
	today := s.today()
	for _, t := range tasks {
		row := s.taskRow(p, t, today)
		if row.Status == "open" {
			data.Open++
		}
		data.Tasks = append(data.Tasks, row)
	}
	if r.URL.Query().Get("done") != "" {
		data.Notice = langOf(r, p).T("tasks.done.notice")
	}
	return s.web.Render(w, http.StatusOK, "remediation", s.view(r, p, "tasks.title", "tasks", data))
}

// tasksAll reports whether p sees everyone's remediation tasks (the rule of
// notify.Service.Tasks).
func tasksAll(p *access.Principal) bool {
	return p.Can(access.IncidentWrite) || p.Can(access.DirectoryWrite)
}

// today is the current date in the zone of the UI (YYYY-MM-DD).
func (s *Server) today() string {
	return s.clock.Now().In(web.Shanghai()).Format(time.DateOnly)
}

// taskRow turns a task into a row of the tasks page.
func (s *Server) taskRow(p *access.Principal, t notify.TaskView, today string) web.TaskRow {
	return web.TaskRow{ID: t.ID, IncidentID: t.IncidentID, IncidentTitle: t.IncidentTitle, Name: t.Name, Contact: t.ContactID != "" && t.PersonID == "",
		Department: t.Department, OwnerName: t.OwnerName, Reason: t.Reason, DueOn: t.DueOn, Status: t.Status, DoneAt: t.DoneAt,
		Overdue: t.Status == "open" && t.DueOn < today, ShowOwner: tasksAll(p), LinkReport: p.Can(access.IncidentRead)}
}

// doTaskDone marks a remediation task done (POST /api/v1/remediation-tasks/{id}/done):
// for htmx the task's row again, else back to the list with a notice.
func (s *Server) doTaskDone(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if err := s.notify.CompleteTask(ctx, p, id); err != nil {
		return err
	}
	if !isHTMX(r) {
		http.Redirect(w, r, "/remediation-tasks?done=1", http.StatusSeeOther)
		return nil
	}
	tasks, err := s.notify.TaskViews(ctx, p, "done")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.ID == id {
			return s.web.Fragment(w, http.StatusOK, "task-row", s.view(r, p, "tasks.title", "tasks", s.taskRow(p, t, s.today())))
		}
	}
	return errs.E(errs.NotFound, "no such task")
}

// pickerAccess checks that p may use the notify form's people picker on the incident:
// they may send notifications and see the incident.
func (s *Server) pickerAccess(r *http.Request, p *access.Principal) error {
	if !p.Can(access.IncidentWrite) {
		return errs.E(errs.Forbidden, "you may not send notifications")
	}
	_, err := s.incidents.Get(r.Context(), p, r.PathValue("id"))
	return err
}

// chosenIDs are the people already chosen in the form (the picker's chips).
func chosenIDs(q url.Values) map[string]bool {
	out := map[string]bool{}
	for _, id := range q["person"] {
		out[id] = true
	}
	return out
}

// pagePeoplePick searches people for the notify form's picker (the directory search of
// GET /api/v1/search and /people, in the viewer's scope): names, employee numbers and
// departments of active people, never a contact value.
func (s *Server) pagePeoplePick(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := s.pickerAccess(r, p); err != nil {
		return err
	}
	q := r.URL.Query()
	data := web.PeoplePickData{IncidentID: r.PathValue("id"), Q: clip(q.Get("people_q"), 100)}
	if data.Q != "" {
		chosen := chosenIDs(q)
		people, next, err := s.dir.ListPeople(r.Context(), p, directory.PersonQuery{Q: data.Q, Page: directory.Page{Limit: pickLimit}})
		if err != nil {
			return err
		}
		for _, ps := range people {
			if ps.Status == directory.StatusDeparted {
				continue
			}
			data.Results = append(data.Results, web.PickedPerson{ID: ps.ID, EmployeeNo: ps.EmployeeNo, Name: ps.Name, Department: ps.Department, Chosen: chosen[ps.ID]})
		}
		data.More = next != ""
	}
	return s.web.Fragment(w, http.StatusOK, "people-pick", s.view(r, p, "incidents.title", "incidents", data))
}

// pagePeopleChip adds a person to the notify form: their chip (a hidden input with the
// id, the name and department, a remove button) and the search result marked as added.
// A person already chosen adds nothing (204).
func (s *Server) pagePeopleChip(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := s.pickerAccess(r, p); err != nil {
		return err
	}
	pid := r.PathValue("pid")
	if chosenIDs(r.URL.Query())[pid] {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	person, err := s.dir.GetPerson(r.Context(), p, pid)
	if err != nil {
		return err
	}
	if person.Status == directory.StatusDeparted {
		return errs.E(errs.Conflict, "this person has left")
	}
	data := web.PeopleChipData{IncidentID: r.PathValue("id"),
		Person: web.PickedPerson{ID: person.ID, EmployeeNo: person.EmployeeNo, Name: person.Name, Department: person.Department, Chosen: true}}
	return s.web.Fragment(w, http.StatusOK, "people-chip", s.view(r, p, "incidents.title", "incidents", data))
}
