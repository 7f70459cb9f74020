package server

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// teeWriter keeps a copy of what a handler writes, to store it for replays.
type teeWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (w *teeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

// idempotent runs a POST at most once per (user, Idempotency-Key): a retry with the same
// key and body gets the first answer again; the same key with another body is refused.
// Stored answers are sealed, because a reveal's answer holds personal values.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, p *access.Principal, fn apiFunc) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 {
		s.writeProblem(w, r, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "Idempotency-Key", Message: "at most 255 characters"}}})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	// Keyed, because a body may hold a password (a new user's): a plain hash could be
	// brute-forced offline from the database.
	mac := hmac.New(sha256.New, s.vault.SubKey("idempotency request"))
	mac.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
	mac.Write(canonicalBody(r, body))
	hash := hex.EncodeToString(mac.Sum(nil))
	ctx := r.Context()
	_, err = s.db.Write.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		p.UserID, key, r.Method, r.URL.Path, hash, store.TS(s.clock.Now()))
	if store.UniqueViolation(err) {
		s.replay(w, r, p, key, hash)
		return
	}
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	tw := &teeWriter{ResponseWriter: w}
	if err := fn(tw, r); err != nil {
		s.writeProblem(tw, r, err)
	}
	if tw.status >= 500 || tw.status == 0 {
		// A failure may be retried with the same key.
		_, _ = s.db.Write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2`, p.UserID, key)
		return
	}
	sealed := s.vault.Seal(tw.buf.Bytes(), p.UserID+":"+key)
	_, err = s.db.Write.ExecContext(ctx, `UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3, key_id = $4 WHERE user_id = $5 AND key = $6`,
		tw.status, tw.Header().Get("Content-Type"), sealed, vault.KeyID(sealed), p.UserID, key)
	if err != nil {
		s.log.ErrorContext(ctx, "store idempotent response", "error", err.Error())
	}
}

func (s *Server) replay(w http.ResponseWriter, r *http.Request, p *access.Principal, key, hash string) {
	var storedHash, contentType string
	var status int
	var sealed []byte
	err := s.db.Read.QueryRowContext(r.Context(), `SELECT request_hash, status, content_type, body FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
		p.UserID, key).Scan(&storedHash, &status, &contentType, &sealed)
	if errors.Is(err, sql.ErrNoRows) { // deleted after a failure in between: ask for a retry
		s.writeProblem(w, r, errs.E(errs.Conflict, "a request with this Idempotency-Key just failed; retry"))
		return
	}
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if storedHash != hash {
		s.writeProblem(w, r, errs.E(errs.Invalid, "this Idempotency-Key was used for a different request"))
		return
	}
	if status == 0 {
		s.writeProblem(w, r, errs.E(errs.Conflict, "a request with this Idempotency-Key is still in progress"))
		return
	}
	body, err := s.vault.Open(sealed, p.UserID+":"+key)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Idempotent-Replayed", "true")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
