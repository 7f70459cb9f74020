package server

import (
	"net/http"
	"time"

	"lifeline/internal/errs"
	"lifeline/internal/roster"
)

func (s *Server) listRosters(w http.ResponseWriter, r *http.Request) error {
	_, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	items, err := s.rosters.List(r.Context(), me(r), r.URL.Query().Get("kind"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[roster.Roster]{Items: items})
}

func (s *Server) rosterTemplates(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, list[roster.Template]{Items: roster.Templates()})
}

func (s *Server) createRoster(w http.ResponseWriter, r *http.Request) error {
	var in roster.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ro, err := s.rosters.Create(r.Context(), me(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/rosters/"+ro.ID)
	return writeJSON(w, http.StatusCreated, ro)
}

// getRoster returns the roster now or, with ?at=RFC3339, exactly as it was then.
func (s *Server) getRoster(w http.ResponseWriter, r *http.Request) error {
	var ro roster.Roster
	var err error
	if at := r.URL.Query().Get("at"); at != "" {
		t, perr := time.Parse(time.RFC3339Nano, at)
		if perr != nil {
			return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "at", Message: "an RFC 3339 time"}}}
		}
		ro, err = s.rosters.GetAt(r.Context(), me(r), r.PathValue("id"), t)
	} else {
		ro, err = s.rosters.Get(r.Context(), me(r), r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ro)
}

func (s *Server) updateRoster(w http.ResponseWriter, r *http.Request) error {
	var in roster.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ro, err := s.rosters.Update(r.Context(), me(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ro)
}

func (s *Server) deleteRoster(w http.ResponseWriter, r *http.Request) error {
	if err := s.rosters.Delete(r.Context(), me(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) rosterHistory(w http.ResponseWriter, r *http.Request) error {
	_, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	items, err := s.rosters.History(r.Context(), me(r), r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[roster.HistoryEntry]{Items: items})
}

func (s *Server) addRosterMember(w http.ResponseWriter, r *http.Request) error {
	var in roster.MemberInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, err := s.rosters.AddMember(r.Context(), me(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, m)
}

func (s *Server) updateRosterMember(w http.ResponseWriter, r *http.Request) error {
	var in roster.MemberInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, err := s.rosters.UpdateMember(r.Context(), me(r), r.PathValue("id"), r.PathValue("mid"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

func (s *Server) removeRosterMember(w http.ResponseWriter, r *http.Request) error {
	if err := s.rosters.RemoveMember(r.Context(), me(r), r.PathValue("id"), r.PathValue("mid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
