package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/errs"
)

// apiFunc is an API handler; the principal is in the request context.
type apiFunc func(w http.ResponseWriter, r *http.Request) error

var errNoRoute = errs.E(errs.NotFound, "no such endpoint")

// api wraps an authenticated API handler: it resolves the principal from a bearer token
// or session cookie, limits the body, honours Idempotency-Key on POST, and turns errors
// into problem+json.
func (s *Server) api(fn apiFunc) http.Handler { return s.apiLimit(0, fn) }

// apiLimit is api with its own body limit, for uploads; 0 means the server's JSON limit.
func (s *Server) apiLimit(limit int64, fn apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			if errs.Is(err, errs.Unauthorized) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="lifeline"`)
			}
			s.writeProblem(w, r, err)
			return
		}
		if err := mfaGate(r, p); err != nil {
			s.writeProblem(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), keyPrincipal, p))
		r.Body = http.MaxBytesReader(w, r.Body, cmp.Or(limit, s.cfg.MaxBodyBytes))
		if r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") != "" {
			s.idempotent(w, r, p, fn)
			return
		}
		if err := fn(w, r); err != nil {
			s.writeProblem(w, r, err)
		}
	})
}

// publicAPI wraps an API handler that needs no login.
func (s *Server) publicAPI(fn apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		if err := fn(w, r); err != nil {
			s.writeProblem(w, r, err)
		}
	})
}

// authenticate returns the principal of a bearer token or, failing that, a session
// cookie, and notes the user for the request log.
func (s *Server) authenticate(r *http.Request) (*access.Principal, error) {
	p, err := s.credentials(r)
	if ri := infoOf(r.Context()); ri != nil && p != nil {
		ri.userID = p.UserID
	}
	return p, err
}

func (s *Server) credentials(r *http.Request) (*access.Principal, error) {
	ip := s.clientIP(r)
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, errs.E(errs.Unauthorized, "use Authorization: Bearer <token>")
		}
		return s.auth.TokenPrincipal(r.Context(), strings.TrimSpace(token), ip)
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return s.auth.Session(r.Context(), c.Value, ip)
	}
	return nil, errs.E(errs.Unauthorized, "authentication required")
}

// decodeJSON reads a JSON request body into v, refusing unknown fields and trailing data.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errs.E(errs.BadRequest, "the body must be application/json")
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var maxErr *http.MaxBytesError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &maxErr):
			return err
		case errors.Is(err, io.EOF):
			return errs.E(errs.BadRequest, "the request body is empty")
		case errors.As(err, &typeErr):
			return &errs.Error{Kind: errs.Invalid, Message: "validation failed",
				Fields: []errs.FieldError{{Field: typeErr.Field, Message: "must be " + typeErr.Type.String()}}}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: field, Message: "unknown field"}}}
		}
		return errs.Wrap(errs.BadRequest, err, "malformed JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return err
		}
		return errs.E(errs.BadRequest, "malformed JSON: data after the object")
	}
	return nil
}

// writeJSON writes v as JSON with a status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// list is the shape of every list answer.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// pageOf reads cursor and limit query parameters.
func pageOf(r *http.Request) (cursor string, limit int, err error) {
	q := r.URL.Query()
	if l := q.Get("limit"); l != "" {
		limit, err = strconv.Atoi(l)
		if err != nil || limit < 1 || limit > 500 {
			return "", 0, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "limit", Message: "a number from 1 to 500"}}}
		}
	}
	return q.Get("cursor"), limit, nil
}

// me returns the request's principal.
func me(r *http.Request) *access.Principal {
	p := principalOf(r.Context())
	if p == nil {
		panic(fmt.Sprintf("no principal on %s", r.URL.Path)) // a routing bug: api() always sets one
	}
	return p
}
