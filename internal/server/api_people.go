package server

import (
	"context"
	"database/sql"
	"net/http"
	"sort"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/directory"
	"lifeline/internal/review"
)

func (s *Server) listPeople(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := s.dir.ListPeople(r.Context(), me(r), directory.PersonQuery{Q: q.Get("q"), DepartmentID: q.Get("department_id"),
		Status: q.Get("status"), Page: directory.Page{Cursor: cursor, Limit: limit}})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[directory.PersonSummary]{Items: items, NextCursor: next})
}

func (s *Server) createPerson(w http.ResponseWriter, r *http.Request) error {
	var in directory.PersonInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.dir.CreatePerson(r.Context(), me(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/people/"+p.ID)
	return writeJSON(w, http.StatusCreated, p)
}

func (s *Server) getPerson(w http.ResponseWriter, r *http.Request) error {
	p, err := s.dir.GetPerson(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) updatePerson(w http.ResponseWriter, r *http.Request) error {
	var in directory.PersonInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	id, pr := r.PathValue("id"), me(r)
	// A departure or a transfer reaches the rosters in the same transaction.
	err := s.db.InTx(r.Context(), func(tx *sql.Tx) error {
		before, err := review.StateOf(r.Context(), tx, id)
		if err != nil {
			return err
		}
		if err := s.dir.UpdatePersonTx(r.Context(), tx, pr, id, in); err != nil {
			return err
		}
		_, _, err = review.PersonChanged(r.Context(), tx, pr, id, before, s.clock.Now())
		return err
	})
	if err != nil {
		return err
	}
	p, err := s.dir.GetPerson(r.Context(), pr, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) deletePerson(w http.ResponseWriter, r *http.Request) error {
	if err := s.dir.DeletePerson(r.Context(), me(r), r.PathValue("id"), r.URL.Query().Get("reason")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) personHistory(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	items, next, err := s.dir.PersonHistory(r.Context(), me(r), r.PathValue("id"), directory.Page{Cursor: cursor, Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[directory.HistoryEntry]{Items: items, NextCursor: next})
}

// reasonInput is the body of a reveal: why the caller needs full values.
type reasonInput struct {
	Reason string `json:"reason"`
}

func (s *Server) revealPerson(w http.ResponseWriter, r *http.Request) error {
	var in reasonInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.dir.RevealPerson(r.Context(), me(r), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) personAccessLog(w http.ResponseWriter, r *http.Request) error {
	items, err := s.accessLog(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[audit.Entry]{Items: items})
}

// accessLog is who accessed a person's full values: reveals of the person, and
// break-glass grants that opened their department, newest first.
func (s *Server) accessLog(ctx context.Context, p *access.Principal, personID string) ([]audit.Entry, error) {
	items, err := s.dir.RevealLog(ctx, p, personID)
	if err != nil {
		return nil, err
	}
	path, err := s.dir.DepartmentPathOf(ctx, p, personID)
	if err != nil {
		return nil, err
	}
	grants, err := s.incidents.GrantsCovering(ctx, personID, path)
	if err != nil {
		return nil, err
	}
	items = append(items, grants...)
	sort.SliceStable(items, func(i, j int) bool { return items[i].At.After(items[j].At) })
	if items == nil {
		items = []audit.Entry{}
	}
	return items, nil
}
