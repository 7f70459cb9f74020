package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/incident"
	"lifeline/internal/keys"
	"lifeline/internal/web"
)

// grantBanners are the current user's active break-glass grants, announced on every
// page. Only a responder can hold one, so nobody else costs a query; an htmx fragment
// has no layout to announce them in.
func (s *Server) grantBanners(r *http.Request, p *access.Principal) []web.GrantBanner {
	if p == nil || s.incidents == nil || !p.Can(access.BreakGlass) || isHTMX(r) {
		return nil
	}
	grants, err := s.incidents.Grants(r.Context(), p, true)
	if err != nil {
		s.log.WarnContext(r.Context(), "active break-glass grants", "error", err.Error())
		return nil
	}
	var out []web.GrantBanner
	for _, g := range grants {
		if g.Active && g.Username == p.Username {
			out = append(out, web.GrantBanner{ID: g.ID, Incident: g.Incident, ExpiresAt: g.ExpiresAt})
		}
	}
	return out
}

// clip trims a query value and cuts it to at most n characters.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// fieldErrors turns a validation error into translated messages by form field: the
// message key prefix+field when it exists, else the service's own message.
func fieldErrors(lang web.Lang, err error, prefix string) map[string]string {
	var de *errs.Error
	out := map[string]string{}
	if !errors.As(err, &de) {
		return out
	}
	for _, f := range de.Fields {
		name, _, _ := strings.Cut(f.Field, "[")
		if _, done := out[name]; done {
			continue
		}
		if msg := lang.T(prefix + name); msg != prefix+name {
			out[name] = msg
		} else {
			out[name] = f.Message
		}
	}
	return out
}

// deptNames maps the ids of the departments the principal sees to their name paths.
func (s *Server) deptNames(ctx context.Context, p *access.Principal) (web.DeptNames, []directory.Department, error) {
	depts, err := s.dir.ListDepartments(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	names := make(web.DeptNames, len(depts))
	for _, d := range depts {
		names[d.ID] = d.NamePath
	}
	return names, depts, nil
}

// auditURL is the URL of an audit search with the given filters; empty ones are left out.
func auditURL(d web.AuditData, cursor string) string {
	v := url.Values{}
	for k, val := range map[string]string{"action": d.Action, "actor": d.Actor, "object_type": d.ObjectType, "object_id": d.ObjectID,
		"outcome": d.Outcome, "from": d.From, "to": d.To, "cursor": cursor} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if len(v) == 0 {
		return "/audit"
	}
	return "/audit?" + v.Encode()
}

// auditPageSize is how many audit records one page shows.
const auditPageSize = 50

// pageAudit is the audit search of the security officer, with the result of verifying
// the hash chain. An htmx request (filters, paging) gets only the results fragment and
// does not verify again.
func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !p.Can(access.AuditRead) {
		return errs.E(errs.Forbidden, "only the security officer reads the audit log")
	}
	q := r.URL.Query()
	lang := langOf(r, p)
	data := web.AuditData{Action: clip(q.Get("action"), 100), Actor: clip(q.Get("actor"), 100), ObjectType: clip(q.Get("object_type"), 100),
		ObjectID: clip(q.Get("object_id"), 100), Outcome: clip(q.Get("outcome"), 20), From: clip(q.Get("from"), 10), To: clip(q.Get("to"), 10),
		Errors: map[string]string{}, Actions: web.AuditActions(), Outcomes: web.AuditOutcomes()}
	if data.Action != "" && !slices.Contains(data.Actions, data.Action) {
		data.Actions = append(data.Actions, data.Action)
	}
	f := audit.Query{Action: data.Action, Actor: data.Actor, ObjectType: data.ObjectType, ObjectID: data.ObjectID, Outcome: data.Outcome, Limit: auditPageSize}
	day := func(field, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, web.Shanghai())
		if err != nil {
			data.Errors[field] = lang.T("audit.err.date")
		}
		return t
	}
	f.From = day("from", data.From)
	if f.To = day("to", data.To); !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the whole last day
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		data.Errors["to"] = lang.T("audit.err.range")
	}
	cursor := q.Get("cursor")
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "cursor", Message: "invalid cursor"}}}
		}
		f.BeforeSeq = n
	}
	status := http.StatusOK
	if len(data.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		entries, err := audit.Search(r.Context(), s.db.Read, p, f)
		if err != nil {
			return err
		}
		data.Entries = entries
		if len(entries) == f.Limit {
			data.NextURL = auditURL(data, strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		}
	}
	data.Paged = cursor != ""
	data.FirstURL = auditURL(data, "")
	v := s.view(r, p, "audit.title", "audit", nil)
	if isHTMX(r) {
		v.Data = data
		return s.web.Fragment(w, status, "audit-results", v)
	}
	rep, err := audit.Verify(r.Context(), s.db.Read, s.vault.SubKey(audit.KeyPurpose))
	if err != nil {
		s.log.ErrorContext(r.Context(), "verify audit chain", "error", err.Error())
		data.VerifyError = lang.T("audit.verify.error")
	} else {
		data.Verified, data.Verify = true, rep
		if !rep.OK && rep.BrokenAt > 0 {
			data.BrokenURL = "/audit?cursor=" + strconv.FormatInt(rep.BrokenAt+1, 10)
		}
	}
	v.Data = data
	return s.web.Render(w, status, "audit", v)
}

// pageKeys shows the data keys: which one seals new values, which are old and still
// in use, which are retired.
func (s *Server) pageKeys(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !p.Can(access.KeysRead) {
		return errs.E(errs.Forbidden, "only the admin and the security officer see the key status")
	}
	st, err := keys.Status(r.Context(), s.db.Read)
	if err != nil {
		return err
	}
	slices.Reverse(st) // newest first
	return s.web.Render(w, http.StatusOK, "keys", s.view(r, p, "keys.title", "keys", web.KeysData{Keys: st}))
}

// pageIncidents lists incidents, active first, with the report form for those who may report.
func (s *Server) pageIncidents(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return s.renderIncidents(w, r, p, http.StatusOK, web.IncidentsData{})
}

func (s *Server) renderIncidents(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, data web.IncidentsData) error {
	list, err := s.incidents.List(r.Context(), p, "", 200)
	if err != nil {
		return err
	}
	data.Incidents = list
	data.CanReport = p.Can(access.IncidentWrite)
	data.Types, data.Levels = incident.Types(), incident.Levels()
	return s.web.Render(w, status, "incidents", s.view(r, p, "incidents.title", "incidents", data))
}

// doReportIncident reports an incident from the form and goes to its page; invalid
// input shows the form again with messages (422).
func (s *Server) doReportIncident(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	f := r.PostForm
	form := web.IncidentForm{Title: f.Get("title"), Type: f.Get("type"), Level: f.Get("level"), Location: f.Get("location"),
		Description: f.Get("description"), Drill: f.Get("drill") != ""}
	i, err := s.incidents.Report(r.Context(), p, incident.Input{Title: form.Title, Type: form.Type, Level: form.Level,
		Location: form.Location, Description: form.Description, Drill: form.Drill})
	if errs.Is(err, errs.Invalid) {
		return s.renderIncidents(w, r, p, http.StatusUnprocessableEntity, web.IncidentsData{Form: form, Errors: fieldErrors(langOf(r, p), err, "incident.err.")})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/incidents/"+i.ID, http.StatusSeeOther)
	return nil
}

// pageIncident shows one incident; a responder gets the break-glass form while it is active.
func (s *Server) pageIncident(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return s.renderIncident(w, r, p, http.StatusOK, r.PathValue("id"), web.GrantForm{Minutes: int(incident.DefaultGrant.Minutes())}, nil)
}

func (s *Server) renderIncident(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, id string, form web.GrantForm, fieldErrs map[string]string) error {
	ctx := r.Context()
	inc, err := s.incidents.Get(ctx, p, id)
	if err != nil {
		return err
	}
	active := inc.Status == "active"
	data := web.IncidentData{Incident: inc, CanClose: active && p.Can(access.IncidentWrite), CanBreakGlass: active && p.Can(access.BreakGlass),
		Form: form, Errors: fieldErrs}
	if p.Can(access.BreakGlass) || p.Can(access.AuditRead) {
		grants, err := s.incidents.Grants(ctx, p, false)
		if err != nil {
			return err
		}
		for _, g := range grants {
			if g.IncidentID == inc.ID {
				data.Grants = append(data.Grants, g)
			}
		}
	}
	if data.CanBreakGlass || len(data.Grants) > 0 {
		names, depts, err := s.deptNames(ctx, p)
		if err != nil {
			return err
		}
		data.DeptNames = names
		if data.CanBreakGlass {
			data.Departments = depts
		}
	}
	if data.Notify, data.Timeline, err = s.incidentNotify(r, p, inc); err != nil {
		return err
	}
	v := s.view(r, p, "incidents.title", "incidents", data)
	v.Title = inc.Title
	return s.web.Render(w, status, "incident", v)
}

// doCloseIncident closes an incident (which ends its break-glass grants).
func (s *Server) doCloseIncident(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	i, err := s.closeAndReport(r, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/incidents/"+i.ID, http.StatusSeeOther)
	return nil
}

// doOpenGrant opens break-glass from the incident page's form and goes to the contact
// sheet; invalid input shows the incident page again with messages (422).
func (s *Server) doOpenGrant(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	id := r.PathValue("id")
	lang := langOf(r, p)
	form := web.GrantForm{DepartmentIDs: map[string]bool{}, Reason: r.PostForm.Get("reason")}
	in := incident.GrantInput{Reason: form.Reason}
	for _, d := range r.PostForm["department_id"] {
		if d = strings.TrimSpace(d); d != "" && !form.DepartmentIDs[d] {
			form.DepartmentIDs[d] = true
			in.DepartmentIDs = append(in.DepartmentIDs, d)
		}
	}
	minutes := strings.TrimSpace(r.PostForm.Get("minutes"))
	if minutes != "" {
		n, err := strconv.Atoi(minutes)
		if err != nil || n < 1 || n > int(incident.MaxGrant.Minutes()) {
			return s.renderIncident(w, r, p, http.StatusUnprocessableEntity, id, form, map[string]string{"minutes": lang.T("bg.err.minutes")})
		}
		form.Minutes, in.Minutes = n, n
	}
	g, err := s.incidents.OpenGrant(r.Context(), p, id, in)
	if errs.Is(err, errs.Invalid) {
		return s.renderIncident(w, r, p, http.StatusUnprocessableEntity, id, form, fieldErrors(lang, err, "bg.err."))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/break-glass/"+g.ID, http.StatusSeeOther)
	return nil
}

// pageGrants is the break-glass registry (紧急查询登记): a responder's own grants, or
// for the security officer everyone's.
func (s *Server) pageGrants(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !p.Can(access.BreakGlass) && !p.Can(access.AuditRead) {
		return errs.E(errs.Forbidden, "only responders and the security officer see break-glass grants")
	}
	grants, err := s.incidents.Grants(r.Context(), p, false)
	if err != nil {
		return err
	}
	names, _, err := s.deptNames(r.Context(), p)
	if err != nil {
		return err
	}
	data := web.GrantsData{Grants: grants, All: p.Can(access.AuditRead), Self: p.Username, DeptNames: names, Ended: r.URL.Query().Get("ended") != ""}
	return s.web.Render(w, http.StatusOK, "grants", s.view(r, p, "bg.title", "breakglass", data))
}

// pageContactSheet shows the full contacts a grant opens, grouped by department, to its
// holder while it is active (each view is audited). Anyone else who may see the grant
// (the security officer), or the holder after it ended, sees its registration only.
func (s *Server) pageContactSheet(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	ctx := r.Context()
	id := r.PathValue("id")
	lang := langOf(r, p)
	g, people, err := s.incidents.ContactSheet(ctx, p, id)
	var data web.ContactSheetData
	switch {
	case errs.Is(err, errs.Forbidden) && g.ID == id:
		data.Grant = g
		if g.Active {
			data.Closed = lang.T("sheet.notholder")
		} else {
			data.Closed = lang.T("sheet.ended")
		}
	case err != nil:
		return err
	default:
		data.Grant, data.Groups, data.People = g, web.GroupByDepartment(people), len(people)
	}
	data.Holder = g.Username == p.Username
	data.CanEnd = g.Active && (data.Holder || p.Can(access.AuditRead))
	if data.DeptNames, _, err = s.deptNames(ctx, p); err != nil {
		return err
	}
	v := s.view(r, p, "sheet.title", "breakglass", data)
	// The sheet announces its own grant; the layout's banner names only the others.
	v.ActiveGrants = slices.DeleteFunc(v.ActiveGrants, func(b web.GrantBanner) bool { return b.ID == g.ID })
	return s.web.Render(w, http.StatusOK, "sheet", v)
}

// doEndGrant ends a grant now and returns to the registry.
func (s *Server) doEndGrant(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if _, err := s.incidents.EndGrant(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/break-glass?ended=1", http.StatusSeeOther)
	return nil
}
