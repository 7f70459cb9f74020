package server

import (
	"database/sql"
	"net/http"

	"lifeline/internal/directory"
	"lifeline/internal/review"
)

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	items, next, err := s.dir.ListOrganizations(r.Context(), me(r), r.URL.Query().Get("q"), directory.Page{Cursor: cursor, Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[directory.Organization]{Items: items, NextCursor: next})
}

func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request) error {
	var in directory.OrganizationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := s.dir.CreateOrganization(r.Context(), me(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/organizations/"+o.ID)
	return writeJSON(w, http.StatusCreated, o)
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request) error {
	o, err := s.dir.GetOrganization(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request) error {
	var in directory.OrganizationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := s.dir.UpdateOrganization(r.Context(), me(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (s *Server) deleteOrganization(w http.ResponseWriter, r *http.Request) error {
	if err := s.dir.DeleteOrganization(r.Context(), me(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) organizationHistory(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	items, next, err := s.dir.OrganizationHistory(r.Context(), me(r), r.PathValue("id"), directory.Page{Cursor: cursor, Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[directory.HistoryEntry]{Items: items, NextCursor: next})
}

func (s *Server) revealOrganization(w http.ResponseWriter, r *http.Request) error {
	var in reasonInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := s.dir.RevealOrganization(r.Context(), me(r), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, o)
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request) error {
	var in directory.OrgContactInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.dir.SaveContact(r.Context(), me(r), r.PathValue("id"), "", in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) error {
	var in directory.OrgContactInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var c directory.OrgContact
	// A changed number of an external contact on a roster is a change the owners confirm
	// within the external change SLA (2 working days).
	err := s.db.InTx(r.Context(), func(tx *sql.Tx) error {
		before, err := review.ContactFingerprint(r.Context(), tx, r.PathValue("cid"))
		if err != nil {
			return err
		}
		if c, err = s.dir.SaveContactTx(r.Context(), tx, me(r), r.PathValue("id"), r.PathValue("cid"), in); err != nil {
			return err
		}
		after, err := review.ContactFingerprint(r.Context(), tx, c.ID)
		if err != nil || after == before {
			return err
		}
		_, err = review.FlagMemberships(r.Context(), tx, review.OriginExternal, review.ReasonContactChanged, "", c.ID, s.clock.Now())
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) error {
	if err := s.dir.DeleteContact(r.Context(), me(r), r.PathValue("id"), r.PathValue("cid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
