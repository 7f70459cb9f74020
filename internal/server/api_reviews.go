package server

import (
	"net/http"

	"lifeline/internal/review"
)

func (s *Server) listReviews(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := s.reviews.List(r.Context(), me(r), q.Get("kind"), q.Get("status"), cursor, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[review.Task]{Items: items, NextCursor: next})
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
