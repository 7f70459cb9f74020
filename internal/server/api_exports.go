package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"lifeline/internal/export"
)

// contentDisposition names a downloaded file: an ASCII fallback and the UTF-8 name
// (RFC 6266, RFC 8187), which for unmasked exports carries the watermark.
func contentDisposition(f export.File) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, f.ASCIIName)
	var enc strings.Builder
	for _, b := range []byte(f.Name) {
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', strings.IndexByte("!#$&+-.^_`|~", b) >= 0:
			enc.WriteByte(b)
		default:
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + enc.String()
}

// writeFile sends an export as an attachment that no cache keeps.
func writeFile(w http.ResponseWriter, status int, f export.File) error {
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", contentDisposition(f))
	h.Set("Content-Length", strconv.Itoa(len(f.Body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Export-Rows", strconv.Itoa(f.Rows))
	w.WriteHeader(status)
	_, err := w.Write(f.Body)
	return err
}

// createExport answers a masked export with the file at once; an unmasked one becomes a
// request for a second person's approval (202).
func (s *Server) createExport(w http.ResponseWriter, r *http.Request) error {
	var in export.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Unmasked {
		req, err := s.exports.Create(r.Context(), me(r), in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/exports/"+req.ID)
		return writeJSON(w, http.StatusAccepted, req)
	}
	f, err := s.exports.Masked(r.Context(), me(r), in)
	if err != nil {
		return err
	}
	return writeFile(w, http.StatusOK, f)
}

func (s *Server) listExports(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := s.exports.List(r.Context(), me(r), export.ListQuery{Status: q.Get("status"), Mine: q.Get("mine") == "true",
		Cursor: cursor, Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[export.Request]{Items: items, NextCursor: next})
}

func (s *Server) getExport(w http.ResponseWriter, r *http.Request) error {
	req, err := s.exports.Get(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, req)
}

// decisionInput is the optional body of an approval or rejection.
type decisionInput struct {
	Note string `json:"note"`
}

// decodeOptionalJSON decodes a JSON body when there is one; an empty body leaves v as it is.
func decodeOptionalJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return decodeJSON(r, v)
}

func (s *Server) approveExport(w http.ResponseWriter, r *http.Request) error {
	var in decisionInput
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	req, err := s.exports.Approve(r.Context(), me(r), r.PathValue("id"), in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, req)
}

func (s *Server) rejectExport(w http.ResponseWriter, r *http.Request) error {
	var in decisionInput
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	req, err := s.exports.Reject(r.Context(), me(r), r.PathValue("id"), in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, req)
}

func (s *Server) downloadExport(w http.ResponseWriter, r *http.Request) error {
	f, err := s.exports.Download(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeFile(w, http.StatusOK, f)
}
