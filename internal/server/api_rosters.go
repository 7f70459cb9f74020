package server

import (
	"net/http"
	"strings"
	"time"

	"lifeline/internal/errs"
	"lifeline/internal/roster"
)

func (s *Server) listRosters(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	items, next, err := s.rosters.List(r.Context(), me(r), r.URL.Query().Get("kind"), cursor, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[roster.Roster]{Items: items, NextCursor: next})
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

func (s *Server) listRotations(w http.ResponseWriter, r *http.Request) error {
	items, err := s.rosters.Rotations(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[roster.Rotation]{Items: items})
}

func (s *Server) createRotation(w http.ResponseWriter, r *http.Request) error {
	var in roster.RotationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ro, err := s.rosters.CreateRotation(r.Context(), me(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, ro)
}

func (s *Server) updateRotation(w http.ResponseWriter, r *http.Request) error {
	var in roster.RotationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ro, err := s.rosters.UpdateRotation(r.Context(), me(r), r.PathValue("id"), r.PathValue("rid"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ro)
}

func (s *Server) deleteRotation(w http.ResponseWriter, r *http.Request) error {
	if err := s.rosters.DeleteRotation(r.Context(), me(r), r.PathValue("id"), r.PathValue("rid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) addRotationOverride(w http.ResponseWriter, r *http.Request) error {
	var in roster.OverrideInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := s.rosters.AddOverride(r.Context(), me(r), r.PathValue("id"), r.PathValue("rid"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, o)
}

func (s *Server) deleteRotationOverride(w http.ResponseWriter, r *http.Request) error {
	if err := s.rosters.DeleteOverride(r.Context(), me(r), r.PathValue("id"), r.PathValue("rid"), r.PathValue("oid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rosterOnDuty tells who is on duty in each rotation now or, with ?at=RFC3339, then.
func (s *Server) rosterOnDuty(w http.ResponseWriter, r *http.Request) error {
	t := s.clock.Now()
	if at := r.URL.Query().Get("at"); at != "" {
		var perr error
		if t, perr = time.Parse(time.RFC3339Nano, at); perr != nil {
			return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "at", Message: "an RFC 3339 time"}}}
		}
	}
	rep, err := s.rosters.OnDutyAt(r.Context(), me(r), r.PathValue("id"), t)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (s *Server) createRosterICSLink(w http.ResponseWriter, r *http.Request) error {
	l, err := s.rosters.CreateRosterICSLink(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, l)
}

func (s *Server) revokeRosterICSLink(w http.ResponseWriter, r *http.Request) error {
	if err := s.rosters.RevokeRosterICSLink(r.Context(), me(r), r.PathValue("id"), r.PathValue("lid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) createPersonICSLink(w http.ResponseWriter, r *http.Request) error {
	l, err := s.rosters.CreatePersonICSLink(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, l)
}

func (s *Server) revokePersonICSLink(w http.ResponseWriter, r *http.Request) error {
	if err := s.rosters.RevokePersonICSLink(r.Context(), me(r), r.PathValue("id"), r.PathValue("lid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// icsFeed serves a roster's or a person's shifts as text/calendar to calendar apps, with
// no login: the unguessable token is the credential. Unknown and revoked are one 404.
func (s *Server) icsFeed(w http.ResponseWriter, r *http.Request) error {
	body, err := s.rosters.ICSFeed(r.Context(), strings.TrimSuffix(r.PathValue("token"), ".ics"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	return err
}
