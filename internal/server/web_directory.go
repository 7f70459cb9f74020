package server

import (
	"net/http"
	"net/url"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/web"
)

// peopleURL is the URL of a people list with the given filters; empty ones are left out.
func peopleURL(q, departmentID, status, cursor string) string {
	v := url.Values{}
	for k, val := range map[string]string{"q": q, "department_id": departmentID, "status": status, "cursor": cursor} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if len(v) == 0 {
		return "/people"
	}
	return "/people?" + v.Encode()
}

// pagePeople lists the directory with search and filters. An htmx request (live search,
// paging) gets only the results fragment.
func (s *Server) pagePeople(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	q := r.URL.Query()
	data := web.PeopleData{
		Q:            strings.TrimSpace(q.Get("q")),
		DepartmentID: strings.TrimSpace(q.Get("department_id")),
		Status:       q.Get("status"),
	}
	switch data.Status {
	case directory.StatusActive, directory.StatusProbation, directory.StatusDeparted:
	default:
		data.Status = ""
	}
	if len([]rune(data.Q)) > 100 {
		data.Q = string([]rune(data.Q)[:100])
	}
	cursor := q.Get("cursor")
	people, next, err := s.dir.ListPeople(r.Context(), p, directory.PersonQuery{Q: data.Q, DepartmentID: data.DepartmentID, Status: data.Status,
		Page: directory.Page{Cursor: cursor, Limit: 50}})
	if err != nil {
		return err
	}
	data.People = people
	data.Paged = cursor != ""
	data.FirstURL = peopleURL(data.Q, data.DepartmentID, data.Status, "")
	if next != "" {
		data.NextURL = peopleURL(data.Q, data.DepartmentID, data.Status, next)
	}
	v := s.view(r, p, "people.title", "people", nil)
	if isHTMX(r) {
		v.Data = data
		return s.web.Fragment(w, http.StatusOK, "people-results", v)
	}
	if data.Departments, err = s.dir.ListDepartments(r.Context(), p); err != nil {
		return err
	}
	v.Data = data
	return s.web.Render(w, http.StatusOK, "people", v)
}

// personData loads what a person page shows besides the person: their history and
// whether the viewer may reveal.
func (s *Server) personData(r *http.Request, p *access.Principal, person directory.Person) (web.PersonData, error) {
	hist, next, err := s.dir.PersonHistory(r.Context(), p, person.ID, directory.Page{Limit: 20})
	if err != nil {
		return web.PersonData{}, err
	}
	var depts map[string]string
	for _, h := range hist {
		for _, c := range h.Changes {
			if c.Field == "department_id" && depts == nil {
				all, err := s.dir.ListDepartments(r.Context(), p)
				if err != nil {
					return web.PersonData{}, err
				}
				depts = make(map[string]string, len(all))
				for _, d := range all {
					depts[d.ID] = d.NamePath
				}
			}
		}
	}
	data := web.PersonData{
		Person:      person,
		History:     hist,
		Departments: depts,
		MoreHistory: next != "",
		CanReveal:   p.Can(access.DirectoryReveal) && person.Masked,
		Self:        p.IsSelf(person.ID),
	}
	if data.Self {
		if data.AccessLog, err = s.accessLog(r.Context(), p, person.ID); err != nil {
			return web.PersonData{}, err
		}
	}
	scores, err := s.quality.PersonScores(r.Context(), person.ID)
	if err != nil {
		return web.PersonData{}, err
	}
	data.Scores = web.ScoreViews(scores)
	return data, nil
}

// pagePerson shows one person: facts, channels, emergency contacts (masked unless the
// viewer is the person), the reveal form and the history.
func (s *Server) pagePerson(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	person, err := s.dir.GetPerson(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	data, err := s.personData(r, p, person)
	if err != nil {
		return err
	}
	v := s.view(r, p, "people.title", "people", data)
	v.Title = person.Name
	return s.web.Render(w, http.StatusOK, "person", v)
}

// pageReveal reveals a person's full values with a reason (audited) and answers with the
// contact section; without htmx, with the whole page. An empty reason re-renders the
// form with a message and status 422.
func (s *Server) pageReveal(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	id := r.PathValue("id")
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	person, err := s.dir.RevealPerson(r.Context(), p, id, reason)
	status := http.StatusOK
	var data web.PersonData
	switch {
	case errs.Is(err, errs.Invalid):
		masked, gerr := s.dir.GetPerson(r.Context(), p, id)
		if gerr != nil {
			return gerr
		}
		if data, gerr = s.personData(r, p, masked); gerr != nil {
			return gerr
		}
		data.Reason = reason
		data.ReasonError = langOf(r, p).T("reveal.required")
		status = http.StatusUnprocessableEntity
	case err != nil:
		return err
	default:
		if data, err = s.personData(r, p, person); err != nil {
			return err
		}
		data.Revealed = true
	}
	v := s.view(r, p, "people.title", "people", data)
	v.Title = data.Person.Name
	if isHTMX(r) {
		return s.web.Fragment(w, status, "person-contact", v)
	}
	return s.web.Render(w, status, "person", v)
}

// pageDepartments shows the department tree in the user's scope.
func (s *Server) pageDepartments(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	depts, err := s.dir.ListDepartments(r.Context(), p)
	if err != nil {
		return err
	}
	v := s.view(r, p, "depts.title", "departments", web.DepartmentsData{Tree: web.BuildTree(depts)})
	return s.web.Render(w, http.StatusOK, "departments", v)
}
