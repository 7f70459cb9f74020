package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"lifeline/internal/errs"
)

// statusOf maps a domain error kind to its HTTP status: the one place where this is decided.
func statusOf(kind errs.Kind) int {
	switch kind {
	case errs.BadRequest:
		return http.StatusBadRequest
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.Conflict:
		return http.StatusConflict
	case errs.Gone:
		return http.StatusGone
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.RateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    []errs.FieldError `json:"errors,omitempty"`
}

// describe turns any error into a status and a user-safe problem; internal errors are
// logged with the request id and shown only as that id.
func (s *Server) describe(r *http.Request, err error) problem {
	kind := errs.KindOf(err)
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		kind = errs.TooLarge
	}
	status := statusOf(kind)
	p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Instance: r.URL.Path, RequestID: requestID(r.Context())}
	var de *errs.Error
	switch {
	case kind == errs.TooLarge:
		p.Detail = "request body too large"
	case errors.As(err, &de) && kind != errs.Internal:
		p.Detail = de.Message
		p.Errors = de.Fields
		var typed interface{ ProblemType() string }
		if errors.As(err, &typed) {
			p.Type = typed.ProblemType() // e.g. re-authentication or MFA enrollment required
		}
	default:
		s.log.ErrorContext(r.Context(), "request failed", slog.String("error", err.Error()), slog.String("path", r.URL.Path))
		p.Detail = "internal error; quote request id " + p.RequestID
	}
	return p
}

// writeProblem answers an API request with a problem+json document.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := s.describe(r, err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
