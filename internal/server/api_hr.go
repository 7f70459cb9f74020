package server

import (
	"net/http"

	"lifeline/internal/hrsync"
)

// hrEvent applies an event from the HR system; the same event id twice has one effect.
func (s *Server) hrEvent(w http.ResponseWriter, r *http.Request) error {
	var e hrsync.Event
	if err := decodeJSON(r, &e); err != nil {
		return err
	}
	res, err := s.hr.Apply(r.Context(), me(r), e)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}
