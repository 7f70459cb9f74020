package server

import (
	"net/http"
	"strconv"

	"lifeline/internal/alert"
	"lifeline/internal/errs"
)

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) error {
	unread := false
	if v := r.URL.Query().Get("unread"); v != "" {
		var err error
		if unread, err = strconv.ParseBool(v); err != nil {
			return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "unread", Message: "true or false"}}}
		}
	}
	_, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	items, err := alert.List(r.Context(), s.db.Read, me(r), unread, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[alert.Alert]{Items: items})
}

func (s *Server) readAlert(w http.ResponseWriter, r *http.Request) error {
	if err := alert.MarkRead(r.Context(), s.db.Write, me(r), r.PathValue("id"), s.clock.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
