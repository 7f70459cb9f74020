package server

import (
	"net/http"

	"lifeline/internal/directory"
)

func (s *Server) listDepartments(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.dir.ListDepartments(r.Context(), me(r))
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []directory.Department{}
	}
	return writeJSON(w, http.StatusOK, list[directory.Department]{Items: ds})
}

func (s *Server) createDepartment(w http.ResponseWriter, r *http.Request) error {
	var in directory.DepartmentInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	d, err := s.dir.CreateDepartment(r.Context(), me(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/departments/"+d.ID)
	return writeJSON(w, http.StatusCreated, d)
}

func (s *Server) getDepartment(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dir.GetDepartment(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) updateDepartment(w http.ResponseWriter, r *http.Request) error {
	var in directory.DepartmentInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	d, err := s.dir.UpdateDepartment(r.Context(), me(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) deleteDepartment(w http.ResponseWriter, r *http.Request) error {
	if err := s.dir.DeleteDepartment(r.Context(), me(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) departmentHistory(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	items, next, err := s.dir.DepartmentHistory(r.Context(), me(r), r.PathValue("id"), directory.Page{Cursor: cursor, Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[directory.HistoryEntry]{Items: items, NextCursor: next})
}
