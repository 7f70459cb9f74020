package server

import (
	"net/http"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
)

// searchResult is the answer of the global search.
type searchResult struct {
	People        []directory.PersonSummary `json:"people"`
	Departments   []directory.Department    `json:"departments"`
	Organizations []directory.Organization  `json:"organizations"`
}

// search finds people (name, pinyin, employee number, number in any format, email),
// departments and external organizations by one query.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" || len([]rune(q)) > 100 {
		return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "q", Message: "required, at most 100 characters"}}}
	}
	p := me(r)
	people, _, err := s.dir.ListPeople(r.Context(), p, directory.PersonQuery{Q: q, Page: directory.Page{Limit: 20}})
	if err != nil {
		return err
	}
	res := searchResult{People: people, Departments: []directory.Department{}, Organizations: []directory.Organization{}}
	ds, err := s.dir.ListDepartments(r.Context(), p)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if strings.Contains(d.Name, q) && len(res.Departments) < 20 {
			res.Departments = append(res.Departments, d)
		}
	}
	if p.Can(access.OrgRead) {
		if res.Organizations, _, err = s.dir.ListOrganizations(r.Context(), p, q, directory.Page{Limit: 20}); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, res)
}

// permissionsOf lists what the principal's role allows, for clients that adapt their UI.
func permissionsOf(p *access.Principal) []string {
	var out []string
	for _, perm := range []access.Permission{access.DirectoryRead, access.DirectoryWrite, access.DirectoryReveal, access.OrgRead,
		access.OrgWrite, access.UsersManage, access.AuditRead} {
		if p.Can(perm) {
			out = append(out, string(perm))
		}
	}
	return out
}
