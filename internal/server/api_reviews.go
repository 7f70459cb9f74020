package server

import (
	"net/http"

	"lifeline/internal/review"
)

func (s *Server) listReviews(w http.ResponseWriter, r *http.Request) error {
	_, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	items, err := s.reviews.List(r.Context(), me(r), r.URL.Query().Get("status"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[review.Task]{Items: items})
}

func (s *Server) getReview(w http.ResponseWriter, r *http.Request) error {
	t, err := s.reviews.Get(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (s *Server) confirmReview(w http.ResponseWriter, r *http.Request) error {
	var in review.ConfirmInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.reviews.Confirm(r.Context(), me(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}
