package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/incident"
	"lifeline/internal/notify"
	"lifeline/internal/web"
)

// The notification screens: the notify form on the incident page (screen 2, after the
// report form of screen 1 redirected there), the live board of a notification (screen 3),
// and the timeline's add-update form on both.

// notifyState carries a refused or previewed notify form (and a refused timeline update)
// into the rendering of the incident page.
type notifyState struct {
	form       *web.NotifyForm
	errors     map[string]string
	preview    *web.NotifyPreview
	updateText string
	updateErr  string
}

type notifyStateKey struct{}

func withNotifyState(r *http.Request, st notifyState) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), notifyStateKey{}, st))
}

// defaultAfterMinutes is the escalation delay the form starts with.
const defaultAfterMinutes = 5

// incidentNotify builds the notification panel and the timeline of an incident page.
func (s *Server) incidentNotify(r *http.Request, p *access.Principal, inc incident.Incident) (*web.NotifyPanel, *web.TimelineView, error) {
	if s.notify == nil {
		return nil, nil, nil
	}
	ctx := r.Context()
	st, _ := r.Context().Value(notifyStateKey{}).(notifyState)
	lang := langOf(r, p)
	active := inc.Status == "active"
	panel := &web.NotifyPanel{IncidentID: inc.ID, Drill: inc.Drill, CanSend: active && p.Can(access.IncidentWrite), Errors: st.errors, Preview: st.preview}
	ns, err := s.notify.List(ctx, p, inc.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range ns {
		sum := web.NotifySummary{ID: n.ID, Text: n.Text, Status: n.Status, Creator: n.Creator, CreatedAt: n.CreatedAt, SendAt: n.SendAt, Recipients: n.Recipients}
		if c := n.Counts; c != nil {
			sum.Sent, sum.Acked, sum.NeedHelp = c.Sent, c.Acknowledged, c.NeedHelp
		}
		panel.Notifications = append(panel.Notifications, sum)
	}
	if panel.CanSend {
		if st.form != nil {
			panel.Form = *st.form
		} else {
			panel.Form = web.NotifyForm{Text: defaultNotifyText(lang, inc), RequireAck: true, AfterMinutes: defaultAfterMinutes,
				Backup: true, Manager: true, MaxSteps: web.DefaultMaxSteps}
		}
		if err := s.notifyChoices(ctx, p, panel); err != nil {
			return nil, nil, err
		}
	}
	tl, err := s.timelineView(ctx, lang, p, inc, "")
	if err != nil {
		return nil, nil, err
	}
	tl.Text, tl.Error = st.updateText, st.updateErr
	return panel, &tl, nil
}

// defaultNotifyText is the message the notify form starts with: the incident's level,
// title and location.
func defaultNotifyText(lang web.Lang, inc incident.Incident) string {
	if inc.Location != "" {
		return lang.T("notify.text.default", lang.Level(inc.Level), inc.Title, inc.Location)
	}
	return lang.T("notify.text.default.noloc", lang.Level(inc.Level), inc.Title)
}

// notifyChoices fills the audience choices the viewer can see: departments in tree
// order, rosters and external organizations.
func (s *Server) notifyChoices(ctx context.Context, p *access.Principal, panel *web.NotifyPanel) error {
	depts, err := s.dir.ListDepartments(ctx, p)
	if err != nil {
		return err
	}
	var walk func(nodes []*web.DeptNode, depth int)
	walk = func(nodes []*web.DeptNode, depth int) {
		for _, n := range nodes {
			panel.Departments = append(panel.Departments, web.NotifyOption{ID: n.ID, Name: n.Name, Depth: min(depth, 6)})
			walk(n.Children, depth+1)
		}
	}
	walk(web.BuildTree(depts), 0)
	if p.Can(access.RosterRead) && s.rosters != nil {
		rs, _, err := s.rosters.List(ctx, p, "", "", 500)
		if err != nil {
			return err
		}
		for _, r := range rs {
			panel.Rosters = append(panel.Rosters, web.NotifyOption{ID: r.ID, Name: r.Name})
		}
	}
	orgs, _, err := s.dir.ListOrganizations(ctx, p, "", directory.Page{Limit: 500})
	if err != nil {
		return err
	}
	for _, o := range orgs {
		panel.Organizations = append(panel.Organizations, web.NotifyOption{ID: o.ID, Name: o.Name})
	}
	return nil
}

// timelineView loads an incident's timeline for a page; nid names the board the
// add-update form returns to ("" for the incident page).
func (s *Server) timelineView(ctx context.Context, lang web.Lang, p *access.Principal, inc incident.Incident, nid string) (web.TimelineView, error) {
	items, err := s.incidents.Timeline(ctx, p, inc.ID)
	if err != nil {
		return web.TimelineView{}, err
	}
	tl := web.TimelineView{IncidentID: inc.ID, NotificationID: nid, CanWrite: inc.Status == "active" && p.Can(access.IncidentWrite)}
	for i := len(items) - 1; i >= 0; i-- { // newest first
		u := items[i]
		tl.Items = append(tl.Items, web.TimelineItem{Kind: u.Kind, Text: timelineText(lang, u.Text), Author: u.Author, At: u.At})
	}
	return tl, nil
}

// notifiedText matches the timeline entry the notification service writes on a send.
var notifiedText = regexp.MustCompile(`^notification to (\d+) recipients \(([a-z_]+)\)$`)

// timelineText translates the entries the notification service writes in English;
// responders' own updates stay as typed.
func timelineText(lang web.Lang, text string) string {
	if m := notifiedText.FindStringSubmatch(text); m != nil {
		return lang.T("timeline.notified", m[1], lang.Label("nstatus", m[2]))
	}
	switch text {
	case "notification cancelled":
		return lang.T("timeline.cancelled")
	case "notification approved by a second responder":
		return lang.T("timeline.approved")
	}
	return text
}

// parseNotifyForm reads the notify form: the audience (including the people chosen
// with the picker, as ids), the message, the schedule and the escalation options. An
// absent backup or manager option keeps its default (on): the form sends a hidden "0"
// before each checkbox, so the last value is the choice. Local refusals are returned by
// field as message keys.
func parseNotifyForm(f url.Values) (web.NotifyForm, map[string]string) {
	set := func(name string) map[string]bool {
		m := map[string]bool{}
		for _, v := range f[name] {
			if v = strings.TrimSpace(v); v != "" {
				m[v] = true
			}
		}
		return m
	}
	form := web.NotifyForm{All: f.Get("all") != "", Departments: set("department"), Rosters: set("roster"), OnDuty: set("on_duty"),
		Organizations: set("organization"), People: strings.TrimSpace(f.Get("people")), Text: f.Get("text"),
		RequireAck: f.Get("require_ack") != "", AfterMinutes: defaultAfterMinutes,
		SendAt: strings.TrimSpace(f.Get("send_at")), Backup: lastOn(f["backup"]), Manager: lastOn(f["manager"]), MaxSteps: web.DefaultMaxSteps}
	for _, id := range f["person"] {
		if id = strings.TrimSpace(id); id != "" && !slices.ContainsFunc(form.Picked, func(pp web.PickedPerson) bool { return pp.ID == id }) {
			form.Picked = append(form.Picked, web.PickedPerson{ID: id, Name: id})
		}
	}
	for _, m := range f["media"] {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(form.Media, m) {
			form.Media = append(form.Media, m)
		}
	}
	bad := map[string]string{}
	if m := strings.TrimSpace(f.Get("after_minutes")); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 1440 {
			bad["escalation.after_minutes"] = "notify.err.escalation.after_minutes"
		} else {
			form.AfterMinutes = n
		}
	}
	if m := strings.TrimSpace(f.Get("max_steps")); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 20 {
			bad["escalation.max_steps"] = "notify.err.escalation.max_steps"
		} else {
			form.MaxSteps = n
		}
	}
	if len(form.Media) > len(web.NotifyMedia) {
		bad["escalation.media"] = "notify.err.escalation.media"
	}
	if form.SendAt != "" {
		if _, ok := parseSendAt(form.SendAt); !ok {
			bad["send_at"] = "notify.err.send_at.format"
		}
	}
	return form, bad
}

// lastOn reads a checkbox sent after a hidden "0": on unless the last value is "0" (and
// on when the form did not send it at all).
func lastOn(vs []string) bool {
	return len(vs) == 0 || strings.TrimSpace(vs[len(vs)-1]) != "0"
}

// parseSendAt reads the schedule as a datetime-local field sends it, in the zone the UI
// shows and reads times in (Asia/Shanghai): "2026-11-23T14:30", with optional seconds.
func parseSendAt(v string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, web.Shanghai()); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// pickedNames fills in the names and departments of the people chosen with the picker,
// for showing the form again; an id the viewer cannot see stays as it is (the service
// refuses it).
func (s *Server) pickedNames(ctx context.Context, p *access.Principal, form *web.NotifyForm) {
	for i, pp := range form.Picked {
		if person, err := s.dir.GetPerson(ctx, p, pp.ID); err == nil {
			form.Picked[i] = web.PickedPerson{ID: person.ID, EmployeeNo: person.EmployeeNo, Name: person.Name, Department: person.Department}
		}
	}
}

// splitRefs splits a list of employee numbers or ids typed with commas, spaces, lines
// or Chinese punctuation.
func splitRefs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",，、;；", r) })
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// notifyInput turns the form into the service's input.
func (s *Server) notifyInput(ctx context.Context, p *access.Principal, form web.NotifyForm) notify.Input {
	backup, manager := form.Backup, form.Manager
	pol := &notify.Policy{AfterMinutes: form.AfterMinutes, Media: form.Media, Backup: &backup, Manager: &manager, MaxSteps: form.MaxSteps}
	in := notify.Input{Text: form.Text, RequireAck: form.RequireAck, Escalation: pol,
		Audience: notify.Audience{All: form.All, Departments: sortedKeys(form.Departments), Rosters: sortedKeys(form.Rosters), OnDuty: sortedKeys(form.OnDuty),
			Organizations: sortedKeys(form.Organizations)}}
	if t, ok := parseSendAt(form.SendAt); ok {
		in.SendAt = &t
	}
	for _, pp := range form.Picked {
		if !slices.Contains(in.Audience.People, pp.ID) {
			in.Audience.People = append(in.Audience.People, pp.ID)
		}
	}
	for _, ref := range splitRefs(form.People) {
		if id := s.personRef(ctx, p, ref); id != "" && !slices.Contains(in.Audience.People, id) {
			in.Audience.People = append(in.Audience.People, id)
		}
	}
	return in
}

// notifyErrors translates the local (field → message key) and the service's
// validation messages.
func notifyErrors(lang web.Lang, local map[string]string, err error) map[string]string {
	out := fieldErrors(lang, err, "notify.err.")
	for k, key := range local {
		if _, ok := out[k]; !ok {
			out[k] = lang.T(key)
		}
	}
	if err != nil && len(out) == 0 {
		out["audience"] = lang.T("notify.err.audience")
	}
	return out
}

// previewView turns the service's preview into the page's, media in a fixed order.
func previewView(pv notify.Preview) *web.NotifyPreview {
	out := &web.NotifyPreview{Recipients: pv.Recipients, Reachable: pv.Reachable, Unreachable: pv.Unreachable, NeedsSecond: pv.NeedsSecond}
	for _, m := range []string{"sms", "voice", "email", "wecom", "dingtalk", "feishu", "webhook"} {
		if n := pv.ByMedia[m]; n > 0 {
			out.ByMedia = append(out.ByMedia, web.MediaCount{Media: m, Count: n})
		}
	}
	for m, n := range pv.ByMedia {
		if !slices.ContainsFunc(out.ByMedia, func(c web.MediaCount) bool { return c.Media == m }) && n > 0 {
			out.ByMedia = append(out.ByMedia, web.MediaCount{Media: m, Count: n})
		}
	}
	return out
}

// renderIncidentWith shows the incident page again with the notify state.
func (s *Server) renderIncidentWith(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, st notifyState) error {
	return s.renderIncident(w, withNotifyState(r, st), p, status, r.PathValue("id"), web.GrantForm{Minutes: int(incident.DefaultGrant.Minutes())}, nil)
}

// doNotifyPreview tells how many people the form's audience reaches, and over what:
// for htmx the preview fragment, else the incident page with it.
func (s *Server) doNotifyPreview(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	lang := langOf(r, p)
	form, bad := parseNotifyForm(r.PostForm)
	s.pickedNames(r.Context(), p, &form)
	status := http.StatusOK
	var preview *web.NotifyPreview
	var fe map[string]string
	if len(bad) > 0 {
		fe, status = notifyErrors(lang, bad, nil), http.StatusUnprocessableEntity
	} else {
		pv, err := s.notify.PreviewAudience(r.Context(), p, r.PathValue("id"), s.notifyInput(r.Context(), p, form))
		switch {
		case errs.Is(err, errs.Invalid):
			fe, status = notifyErrors(lang, nil, err), http.StatusUnprocessableEntity
		case err != nil:
			return err
		default:
			preview = previewView(pv)
		}
	}
	if isHTMX(r) {
		panel := web.NotifyPanel{IncidentID: r.PathValue("id"), CanSend: true, Form: form, Errors: fe, Preview: preview}
		return s.web.Fragment(w, status, "notify-preview", s.view(r, p, "incidents.title", "incidents", panel))
	}
	return s.renderIncidentWith(w, r, p, status, notifyState{form: &form, errors: fe, preview: preview})
}

// doNotify sends the form's notification and goes to its live board; invalid input
// shows the incident page again with messages (422).
func (s *Server) doNotify(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	lang := langOf(r, p)
	form, bad := parseNotifyForm(r.PostForm)
	s.pickedNames(r.Context(), p, &form)
	if len(bad) > 0 {
		return s.renderIncidentWith(w, r, p, http.StatusUnprocessableEntity, notifyState{form: &form, errors: notifyErrors(lang, bad, nil)})
	}
	n, err := s.notify.Create(r.Context(), p, r.PathValue("id"), s.notifyInput(r.Context(), p, form))
	if errs.Is(err, errs.Invalid) {
		return s.renderIncidentWith(w, r, p, http.StatusUnprocessableEntity, notifyState{form: &form, errors: notifyErrors(lang, nil, err)})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, boardURL(n.IncidentID, n.ID), http.StatusSeeOther)
	return nil
}

func boardURL(incidentID, nid string) string {
	return "/incidents/" + url.PathEscape(incidentID) + "/notifications/" + url.PathEscape(nid)
}

// boardLive turns the service's board into the live part of the page.
func boardLive(incidentID string, n notify.Notification, b notify.Board) web.BoardLive {
	c := b.Counts
	live := web.BoardLive{IncidentID: incidentID, NotificationID: n.ID, Status: n.Status,
		Counts: web.BoardCounts{Recipients: c.Recipients, Queued: c.Queued, Sent: c.Sent, Delivered: c.Delivered, Failed: c.Failed,
			Acknowledged: c.Acknowledged, Safe: c.Safe, NeedHelp: c.NeedHelp, Unreachable: c.Unreachable}}
	for _, e := range b.NeedHelp {
		live.NeedHelp = append(live.NeedHelp, web.BoardPerson{Name: e.Name, Department: e.Department, Status: e.Status, Note: e.Note, At: e.At})
	}
	for _, e := range b.Unreachable {
		live.Unreachable = append(live.Unreachable, web.BoardPerson{Name: e.Name, Department: e.Department, Status: e.Status, Error: e.Error, At: e.At})
	}
	return live
}

// loadBoard loads a notification with its board.
func (s *Server) loadBoard(ctx context.Context, p *access.Principal, incidentID, nid string) (notify.Notification, web.BoardLive, error) {
	n, err := s.notify.Get(ctx, p, incidentID, nid)
	if err != nil {
		return n, web.BoardLive{}, err
	}
	b, err := s.notify.BoardOf(ctx, p, incidentID, nid)
	if err != nil {
		return n, web.BoardLive{}, err
	}
	return n, boardLive(incidentID, n, b), nil
}

// pageBoard is a notification's live board (screen 3).
func (s *Server) pageBoard(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	var notice string
	if r.URL.Query().Get("approved") != "" {
		notice = langOf(r, p).T("board.approved")
	}
	return s.renderBoard(w, r, p, http.StatusOK, func(d *web.BoardData) { d.Notice = notice })
}

func (s *Server) renderBoard(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, adjust func(*web.BoardData)) error {
	ctx := r.Context()
	inc, err := s.incidents.Get(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	n, live, err := s.loadBoard(ctx, p, inc.ID, r.PathValue("nid"))
	if err != nil {
		return err
	}
	active := inc.Status == "active"
	data := web.BoardData{IncidentID: inc.ID, IncidentTitle: inc.Title, IncidentLevel: inc.Level, IncidentActive: active, Drill: inc.Drill || n.Drill,
		NotificationID: n.ID, Text: n.Text, Status: n.Status, Creator: n.Creator, ApprovedBy: n.ApprovedBy, CreatedAt: n.CreatedAt, SendAt: n.SendAt,
		RequireAck: n.RequireAck, Policy: policyView(n.Policy), Live: live, CanWrite: active && p.Can(access.IncidentWrite),
		Followup: web.NotifyForm{RequireAck: n.RequireAck}}
	data.CanApprove = data.CanWrite && n.Status == "pending_approval" && n.Creator != p.Username
	if data.Timeline, err = s.timelineView(ctx, langOf(r, p), p, inc, n.ID); err != nil {
		return err
	}
	if adjust != nil {
		adjust(&data)
	}
	v := s.view(r, p, "board.title", "incidents", data)
	v.Title = langOf(r, p).T("board.title") + " · " + inc.Title
	return s.web.Render(w, status, "board", v)
}

// policyView shows a notification's escalation policy with the service's defaults
// filled in.
func policyView(pol notify.Policy) web.PolicyView {
	v := web.PolicyView{AfterMinutes: pol.AfterMinutes, Media: pol.Media, Backup: pol.Backup == nil || *pol.Backup,
		Manager: pol.Manager == nil || *pol.Manager, MaxSteps: pol.MaxSteps}
	if v.AfterMinutes <= 0 {
		v.AfterMinutes = defaultAfterMinutes
	}
	if v.MaxSteps <= 0 {
		v.MaxSteps = web.DefaultMaxSteps
	}
	return v
}

// pageBoardLive is the live part of a board on its own, as the page refreshes it.
func (s *Server) pageBoardLive(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	_, live, err := s.loadBoard(r.Context(), p, r.PathValue("id"), r.PathValue("nid"))
	if err != nil {
		return err
	}
	return s.web.Fragment(w, http.StatusOK, "board-live", s.view(r, p, "board.title", "incidents", live))
}

// doCancelNotification stops a notification and returns to its board.
func (s *Server) doCancelNotification(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	n, err := s.notify.Cancel(r.Context(), p, r.PathValue("id"), r.PathValue("nid"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, boardURL(n.IncidentID, n.ID), http.StatusSeeOther)
	return nil
}

// doApproveNotification releases an organization-wide notification (a second
// responder) and returns to its board.
func (s *Server) doApproveNotification(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, nid := r.PathValue("id"), r.PathValue("nid")
	if _, err := s.notify.Approve(r.Context(), p, id, nid); err != nil {
		return err
	}
	http.Redirect(w, r, boardURL(id, nid)+"?approved=1", http.StatusSeeOther)
	return nil
}

// doFollowup sends a follow-up broadcast to the same audience as a notification and
// goes to the new board; invalid input shows the board again (422).
func (s *Server) doFollowup(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	ctx := r.Context()
	id := r.PathValue("id")
	prev, err := s.notify.Get(ctx, p, id, r.PathValue("nid"))
	if err != nil {
		return err
	}
	form := web.NotifyForm{Text: r.PostForm.Get("text"), RequireAck: r.PostForm.Get("require_ack") != ""}
	pol := prev.Policy
	n, err := s.notify.Create(ctx, p, id, notify.Input{Audience: prev.Audience, Text: form.Text, RequireAck: form.RequireAck, Escalation: &pol})
	if errs.Is(err, errs.Invalid) {
		fe := notifyErrors(langOf(r, p), nil, err)
		return s.renderBoard(w, r, p, http.StatusUnprocessableEntity, func(d *web.BoardData) { d.Followup, d.FollowupErrors = form, fe })
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, boardURL(id, n.ID), http.StatusSeeOther)
	return nil
}

// doAddUpdate adds an update to the incident's timeline and returns to the board or
// the incident page it was typed on; a refused update shows that page again (422).
func (s *Server) doAddUpdate(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	id := r.PathValue("id")
	text, nid := r.PostForm.Get("text"), strings.TrimSpace(r.PostForm.Get("nid"))
	_, err := s.incidents.AddUpdate(r.Context(), p, id, incident.UpdateInput{Text: text})
	if errs.Is(err, errs.Invalid) {
		msg := langOf(r, p).T("timeline.err.text")
		if nid != "" {
			r.SetPathValue("nid", nid)
			return s.renderBoard(w, r, p, http.StatusUnprocessableEntity, func(d *web.BoardData) { d.Timeline.Text, d.Timeline.Error = text, msg })
		}
		return s.renderIncidentWith(w, r, p, http.StatusUnprocessableEntity, notifyState{updateText: text, updateErr: msg})
	}
	if err != nil {
		return err
	}
	back := "/incidents/" + url.PathEscape(id)
	if nid != "" {
		back = boardURL(id, nid)
	}
	http.Redirect(w, r, back+"#timeline", http.StatusSeeOther)
	return nil
}
