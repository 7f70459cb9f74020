package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/roster"
	"lifeline/internal/web"
)

// rosterChromium is where the PDF of a printable roster is made; without it the PDF
// answers 503 and the page's own print button remains.
const rosterChromium = "/usr/bin/chromium"

// pageRosters lists the rosters, with the create form for those who may create.
func (s *Server) pageRosters(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return s.renderRosters(w, r, p, http.StatusOK, web.RostersData{Form: web.RosterForm{Template: "leading_group"}})
}

func (s *Server) renderRosters(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, data web.RostersData) error {
	data.Kind = r.URL.Query().Get("kind")
	if !slices.Contains(roster.Kinds(), data.Kind) {
		data.Kind = ""
	}
	list, _, err := s.rosters.List(r.Context(), p, data.Kind, "", 500)
	if err != nil {
		return err
	}
	data.Rosters, data.Kinds, data.Templates = list, roster.Kinds(), roster.Templates()
	data.CanCreate = p.Can(access.RosterWrite)
	return s.web.Render(w, status, "rosters", s.view(r, p, "rosters.title", "rosters", data))
}

// personRef turns what a form holds — an employee number or a person id — into a person
// id: the one person whose employee number it is, else the value itself (the service
// checks that it names an active person).
func (s *Server) personRef(ctx context.Context, p *access.Principal, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	people, _, err := s.dir.ListPeople(ctx, p, directory.PersonQuery{Q: ref, Page: directory.Page{Limit: 20}})
	if err != nil {
		return ref
	}
	for _, ps := range people {
		if strings.EqualFold(ps.EmployeeNo, ref) {
			return ps.ID
		}
	}
	return ref
}

// doCreateRoster creates a roster from a template and goes to it; invalid input shows
// the form again with messages (422).
func (s *Server) doCreateRoster(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	f := r.PostForm
	form := web.RosterForm{Template: f.Get("template"), Name: strings.TrimSpace(f.Get("name")), Description: strings.TrimSpace(f.Get("description")), Owners: f.Get("owners")}
	owners := []string{}
	for _, ref := range strings.FieldsFunc(form.Owners, func(c rune) bool { return c == ',' || c == '，' || c == '、' || c == ' ' || c == ';' }) {
		owners = append(owners, s.personRef(r.Context(), p, ref))
	}
	in := roster.Input{Template: form.Template, OwnerIDs: &owners}
	if form.Name != "" {
		in.Name = &form.Name
	}
	if form.Description != "" {
		in.Description = &form.Description
	}
	ro, err := s.rosters.Create(r.Context(), p, in)
	if errs.Is(err, errs.Invalid) {
		return s.renderRosters(w, r, p, http.StatusUnprocessableEntity, web.RostersData{Form: form, Errors: fieldErrors(langOf(r, p), err, "roster.err.")})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/rosters/"+ro.ID, http.StatusSeeOther)
	return nil
}

// rosterAt reads ?at= (RFC 3339); ok is false when it is given but unreadable.
func rosterAt(r *http.Request) (at string, t time.Time, ok bool) {
	at = strings.TrimSpace(r.URL.Query().Get("at"))
	if at == "" {
		return "", time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	return at, t, err == nil
}

// loadRoster returns the roster now or, with a readable ?at=, as it was then.
func (s *Server) loadRoster(r *http.Request, p *access.Principal, id string) (roster.Roster, string, bool, error) {
	at, t, ok := rosterAt(r)
	if at != "" && ok {
		ro, err := s.rosters.GetAt(r.Context(), p, id, t)
		return ro, at, true, err
	}
	ro, err := s.rosters.Get(r.Context(), p, id)
	return ro, at, ok, err
}

// pageRoster shows a roster: members with duty, backups and validity, owners and the
// history; with ?at= the roster exactly as it was then.
func (s *Server) pageRoster(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return s.renderRoster(w, r, p, http.StatusOK, r.PathValue("id"), web.MemberForm{}, nil)
}

func (s *Server) renderRoster(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, id string, form web.MemberForm, fieldErrs map[string]string) error {
	lang := langOf(r, p)
	ro, at, ok, err := s.loadRoster(r, p, id)
	if err != nil {
		return err
	}
	data := web.RosterData{Roster: ro, At: at, Form: form, Errors: fieldErrs}
	if !ok {
		data.AtError = lang.T("roster.at.invalid")
	}
	data.CanEdit = ro.AsOf == nil && roster.MayEdit(p, ro)
	if data.OnDuty, err = s.onDutyNow(r, p, ro); err != nil {
		return err
	}
	if data.History, err = s.rosters.History(r.Context(), p, ro.ID, 50); err != nil {
		return err
	}
	for _, tp := range roster.Templates() {
		if tp.Kind == ro.Kind {
			data.Duties = tp.Duties
		}
	}
	v := s.view(r, p, "rosters.title", "rosters", data)
	v.Title = ro.Name
	return s.web.Render(w, status, "roster", v)
}

// onDutyNow is who is on duty now in each rotation of a roster shown as it is now; a
// past view (?at=) shows none, since it would mix today's rotations with an old roster.
func (s *Server) onDutyNow(r *http.Request, p *access.Principal, ro roster.Roster) (*roster.OnDutyReport, error) {
	if ro.AsOf != nil {
		return nil, nil
	}
	rep, err := s.rosters.OnDutyAt(r.Context(), p, ro.ID, s.clock.Now())
	if err != nil || len(rep.Items) == 0 {
		return nil, err
	}
	return &rep, nil
}

// dateOf turns a form's date (YYYY-MM-DD, the day in Asia/Shanghai) into RFC 3339.
func dateOf(d string) *string {
	d = strings.TrimSpace(d)
	if d == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, d); err == nil {
		d += "T00:00:00+08:00"
	}
	return &d
}

// doAddMember adds a member through the form; invalid input shows the page again (422).
func (s *Server) doAddMember(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	f := r.PostForm
	id := r.PathValue("id")
	form := web.MemberForm{Person: strings.TrimSpace(f.Get("person")), Duty: strings.TrimSpace(f.Get("duty")), Backup: strings.TrimSpace(f.Get("backup")),
		ValidFrom: f.Get("valid_from"), ValidTo: f.Get("valid_to"), Notes: strings.TrimSpace(f.Get("notes"))}
	in := roster.MemberInput{PersonID: s.personRef(r.Context(), p, form.Person), Duty: &form.Duty, ValidFrom: dateOf(form.ValidFrom), ValidTo: dateOf(form.ValidTo)}
	if form.Backup != "" {
		backups := []string{s.personRef(r.Context(), p, form.Backup)}
		in.BackupPersonIDs = &backups
	}
	if form.Notes != "" {
		in.Notes = &form.Notes
	}
	_, err := s.rosters.AddMember(r.Context(), p, id, in)
	if errs.Is(err, errs.Invalid) {
		return s.renderRoster(w, r, p, http.StatusUnprocessableEntity, id, form, fieldErrors(langOf(r, p), err, "roster.err."))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/rosters/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// doRemoveMember removes a member and goes back to the roster.
func (s *Server) doRemoveMember(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id := r.PathValue("id")
	if err := s.rosters.RemoveMember(r.Context(), p, id, r.PathValue("mid")); err != nil {
		return err
	}
	http.Redirect(w, r, "/rosters/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// printData builds the printable roster: masked, or — when the viewer may reveal and
// asks with ?full=1&reason=… — with the people's full mobile numbers, each revealed
// through the directory so that it is audited with the reason.
func (s *Server) printData(r *http.Request, p *access.Principal) (web.RosterPrintData, error) {
	ro, _, _, err := s.loadRoster(r, p, r.PathValue("id"))
	if err != nil {
		return web.RosterPrintData{}, err
	}
	q := r.URL.Query()
	data := web.RosterPrintData{Roster: ro, CanReveal: p.Can(access.DirectoryReveal), PrintedAt: time.Now()}
	if data.OnDuty, err = s.onDutyNow(r, p, ro); err != nil {
		return data, err
	}
	reason := strings.TrimSpace(q.Get("reason"))
	if q.Get("full") == "1" && data.CanReveal && reason != "" {
		if len([]rune(reason)) > 500 {
			return data, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "reason", Message: "at most 500 characters"}}}
		}
		full := map[string]string{}
		reveal := func(pid, masked string) string {
			if pid == "" {
				return masked
			}
			if v, ok := full[pid]; ok {
				return v
			}
			v := masked
			if person, err := s.dir.RevealPerson(r.Context(), p, pid, reason); err == nil {
				for _, c := range person.Channels {
					if c.Kind == "mobile" {
						v = c.Value
						break
					}
				}
			}
			full[pid] = v
			return v
		}
		for i := range ro.Owners {
			ro.Owners[i].Mobile = reveal(ro.Owners[i].PersonID, ro.Owners[i].Mobile)
		}
		for i := range ro.Members {
			m := &ro.Members[i]
			m.Mobile = reveal(m.PersonID, m.Mobile)
			for j := range m.Backups {
				m.Backups[j].Mobile = reveal(m.Backups[j].PersonID, m.Backups[j].Mobile)
			}
		}
		data.Roster, data.Full, data.Reason = ro, true, reason
	}
	if _, err := os.Stat(rosterChromium); err == nil {
		data.PDF = "/rosters/" + url.PathEscape(ro.ID) + "/print.pdf"
		if r.URL.RawQuery != "" {
			data.PDF += "?" + r.URL.RawQuery
		}
	}
	return data, nil
}

// pageRosterPrint shows the print-styled roster (the monthly paper copy).
func (s *Server) pageRosterPrint(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	data, err := s.printData(r, p)
	if err != nil {
		return err
	}
	v := s.view(r, p, "roster.print.title", "rosters", data)
	v.Title = data.Roster.Name
	return s.web.Render(w, http.StatusOK, "roster-print", v)
}

// pageRosterPDF prints the printable roster to PDF with chromium (503 when it is not
// installed). The page is rendered here and served to the browser from a one-off local
// listener with the static files, so that it looks exactly as printed from the page.
func (s *Server) pageRosterPDF(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if _, err := os.Stat(rosterChromium); err != nil {
		v := s.view(r, p, "error.title", "rosters", web.ErrorData{Status: http.StatusServiceUnavailable, Detail: langOf(r, p).T("roster.pdf.unavailable")})
		v.Title = v.Lang.StatusText(http.StatusServiceUnavailable)
		return s.web.Render(w, http.StatusServiceUnavailable, "error", v)
	}
	data, err := s.printData(r, p)
	if err != nil {
		return err
	}
	data.PDF = ""
	v := s.view(r, p, "roster.print.title", "rosters", data)
	v.Title = data.Roster.Name
	rec := httptest.NewRecorder()
	if err := s.web.Render(rec, http.StatusOK, "roster-print", v); err != nil {
		return err
	}
	pdf, err := printPDF(r.Context(), rec.Body.Bytes(), s.web.Static())
	if err != nil {
		return fmt.Errorf("print roster to pdf: %w", err)
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="roster-`+data.Roster.ID+`.pdf"`)
	_, err = w.Write(pdf)
	return err
}

// printPDF renders html (with its static files) in headless chromium and prints it.
func printPDF(ctx context.Context, html []byte, static http.Handler) ([]byte, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", static)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(html)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	dir, err := os.MkdirTemp("", "lifeline-pdf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(rosterChromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(dir),
	)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx, chromedp.Navigate("http://"+ln.Addr().String()+"/"), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		return nil, err
	}
	yes := true
	res, err := chromedp.Call(bctx, page.PrintToPDF, page.PrintToPDFParams{PrintBackground: &yes, PreferCSSPageSize: &yes})
	if err != nil {
		return nil, err
	}
	pdf := res.Data
	if len(pdf) == 0 {
		return nil, errors.New("chromium returned an empty pdf")
	}
	return pdf, nil
}
