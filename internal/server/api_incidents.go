package server

import (
	"net/http"

	"lifeline/internal/access"
	"strconv"

	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/incident"
)

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) error {
	_, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	items, err := s.incidents.List(r.Context(), me(r), r.URL.Query().Get("status"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[incident.Incident]{Items: items})
}

func (s *Server) reportIncident(w http.ResponseWriter, r *http.Request) error {
	var in incident.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	i, err := s.incidents.Report(r.Context(), me(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/incidents/"+i.ID)
	return writeJSON(w, http.StatusCreated, i)
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) error {
	i, err := s.incidents.Get(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, i)
}

func (s *Server) closeIncident(w http.ResponseWriter, r *http.Request) error {
	i, err := s.closeAndReport(r, me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, i)
}

// closeAndReport closes an incident, then stops its escalations, stores its report and,
// for a drill, creates the remediation tasks. The second step is idempotent: if it
// fails, closing again (409) is refused but the report is built live on request.
func (s *Server) closeAndReport(r *http.Request, p *access.Principal, id string) (incident.Incident, error) {
	i, err := s.incidents.Close(r.Context(), p, id)
	if err != nil {
		return i, err
	}
	if _, err := s.notify.FinishIncident(r.Context(), p, id); err != nil {
		return i, err
	}
	return i, nil
}

func (s *Server) openBreakGlass(w http.ResponseWriter, r *http.Request) error {
	var in incident.GrantInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	g, err := s.incidents.OpenGrant(r.Context(), me(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/break-glass/"+g.ID)
	return writeJSON(w, http.StatusCreated, g)
}

func (s *Server) listBreakGlass(w http.ResponseWriter, r *http.Request) error {
	active := false
	if a := r.URL.Query().Get("active"); a != "" {
		var err error
		if active, err = strconv.ParseBool(a); err != nil {
			return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "active", Message: "true or false"}}}
		}
	}
	items, err := s.incidents.Grants(r.Context(), me(r), active)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[incident.Grant]{Items: items})
}

func (s *Server) endBreakGlass(w http.ResponseWriter, r *http.Request) error {
	g, err := s.incidents.EndGrant(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

// contactSheet is a break-glass grant with the full contacts it opens.
type contactSheet struct {
	Grant  incident.Grant     `json:"grant"`
	People []directory.Person `json:"people"`
}

func (s *Server) breakGlassContacts(w http.ResponseWriter, r *http.Request) error {
	g, people, err := s.incidents.ContactSheet(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	if people == nil {
		people = []directory.Person{}
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, contactSheet{Grant: g, People: people})
}
