package server

import (
	"bytes"
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
	"lifeline/internal/export"
	"lifeline/internal/importer"
)

// importUploadLimit bounds the body of an upload: the file (importer.MaxFileBytes) plus
// the multipart framing, the option fields and, on the web confirm form, a sealed copy
// of a small previewed file (see web_imports.go).
const importUploadLimit = importer.MaxFileBytes + 4<<20

// maxFieldBytes bounds an ordinary (non-file) field of an upload form.
const maxFieldBytes = 4 << 10

// uploadForm is a multipart/form-data upload as read by readUpload.
type uploadForm struct {
	File     []byte // the "file" part; nil when there was none
	FileName string
	HasFile  bool
	Fields   map[string]string
}

// readUpload reads a multipart/form-data body part by part and keeps the file in memory.
// Unlike ParseMultipartForm it never spills the file — phone numbers — to a temporary
// file on disk. bigFields names fields that may be as large as limit (a sealed file).
func readUpload(r *http.Request, bigFields map[string]int64) (uploadForm, error) {
	form := uploadForm{Fields: map[string]string{}}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return form, errs.E(errs.BadRequest, "the body must be multipart/form-data with the staff file in the field \"file\"")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return form, errs.Wrap(errs.BadRequest, err, "the multipart body cannot be read")
	}
	for parts := 0; ; parts++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return form, uploadError(err)
		}
		if parts >= 32 {
			part.Close()
			return form, errs.E(errs.BadRequest, "too many form fields")
		}
		name := part.FormName()
		switch {
		case name == "file":
			if form.HasFile {
				part.Close()
				return form, invalidField("file", "send one file")
			}
			data, err := io.ReadAll(io.LimitReader(part, importer.MaxFileBytes+1))
			part.Close()
			if err != nil {
				return form, uploadError(err)
			}
			if len(data) > importer.MaxFileBytes {
				return form, errs.E(errs.TooLarge, "the file is larger than %d MiB", importer.MaxFileBytes>>20)
			}
			// A browser sends an empty part for a file input left empty.
			form.HasFile = part.FileName() != "" || len(data) > 0
			form.File, form.FileName = data, part.FileName()
		case name != "":
			limit := int64(maxFieldBytes)
			if n, ok := bigFields[name]; ok {
				limit = n
			}
			data, err := io.ReadAll(io.LimitReader(part, limit+1))
			part.Close()
			if err != nil {
				return form, uploadError(err)
			}
			if int64(len(data)) > limit {
				return form, invalidField(name, "too long")
			}
			form.Fields[name] = string(data)
		default:
			part.Close()
		}
	}
	return form, nil
}

// uploadError keeps a body-limit error (413) and calls anything else a bad request.
func uploadError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return err
	}
	return errs.Wrap(errs.BadRequest, err, "the multipart body cannot be read")
}

func invalidField(field, msg string) error {
	return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: field, Message: msg}}}
}

// formBool reads a true/false field: true, false, 1, 0 and an HTML checkbox's "on".
func formBool(v *errs.Validation, fields map[string]string, name string) bool {
	switch strings.ToLower(strings.TrimSpace(fields[name])) {
	case "", "false", "0", "off", "no":
		return false
	case "true", "1", "on", "yes":
		return true
	}
	v.Add(name, "true or false")
	return false
}

// importOptions reads the option fields of an upload: dry_run, snapshot, skip_invalid
// ("true"/"false") and max_depart (a share, 0.1, or a percentage, 10%).
func importOptions(fields map[string]string) (importer.Options, error) {
	var o importer.Options
	var v errs.Validation
	o.DryRun = formBool(&v, fields, "dry_run")
	o.Snapshot = formBool(&v, fields, "snapshot")
	o.SkipInvalid = formBool(&v, fields, "skip_invalid")
	if s := strings.TrimSpace(fields["max_depart"]); s != "" {
		pct := strings.HasSuffix(s, "%")
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
		if pct {
			f /= 100
		}
		ok := err == nil && f > 0 && f <= 1
		v.Check(ok, "max_depart", "a share of the active people from 0 (exclusive) to 1, e.g. 0.1 or 10%")
		if ok {
			o.MaxDepart = f
		}
	}
	return o, v.Err()
}

// importRejected is the 422 answer to an import that wrote nothing: a problem document
// whose errors name the lines ("line 12") with the report as an extension member, so that
// a client sees every problem and the counts in one answer.
type importRejected struct {
	problem
	Report *importer.Report `json:"report,omitempty"`
}

// rejection turns a rejected import's problems into the fields of a validation error.
func rejection(rep importer.Report) *errs.Error {
	fields := make([]errs.FieldError, 0, len(rep.Problems))
	for _, p := range rep.Problems {
		fe := errs.FieldError{Field: "file", Message: p.Message}
		if p.Line > 0 {
			fe.Field = fmt.Sprintf("line %d", p.Line)
		}
		if p.Field != "" {
			fe.Message = p.Field + ": " + p.Message
		}
		fields = append(fields, fe)
	}
	return &errs.Error{Kind: errs.Invalid, Message: fmt.Sprintf("import rejected; nothing was written (%d problems)", len(rep.Problems)), Fields: fields}
}

// importPeople imports a staff file (CSV or XLSX) uploaded as multipart/form-data.
func (s *Server) importPeople(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	if !p.Can(access.DirectoryWrite) {
		return errs.E(errs.Forbidden, "you may not import people")
	}
	form, err := readUpload(r, nil)
	if err != nil {
		return err
	}
	if !form.HasFile {
		return invalidField("file", "required: the staff file (CSV or XLSX)")
	}
	o, err := importOptions(form.Fields)
	if err != nil {
		return err
	}
	rep, err := s.runImport(r.Context(), p, form.File, o)
	if errors.Is(err, importer.ErrRejected) {
		doc := importRejected{problem: s.describe(r, rejection(rep)), Report: &rep}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(doc.Status)
		return json.NewEncoder(w).Encode(doc)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// runImport imports a file and, after a real import that changed something, rechecks the
// data quality, so that findings and scores describe the new data at once. A failed
// recheck is logged: the import itself is done, and the periodic recheck will follow.
func (s *Server) runImport(ctx context.Context, p *access.Principal, file []byte, o importer.Options) (importer.Report, error) {
	rep, err := importer.Run(ctx, s.db, s.dir, p, bytes.NewReader(file), o)
	if err != nil || o.DryRun || rep.Created+rep.Updated+rep.Departed == 0 {
		return rep, err
	}
	if _, qerr := s.quality.Recheck(ctx); qerr != nil {
		s.log.ErrorContext(ctx, "quality recheck after import", "error", qerr.Error())
	}
	return rep, nil
}

// importTemplate sends the XLSX template with the Chinese headers and text-formatted
// phone columns.
func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) error {
	b, err := importer.Template()
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", export.ContentTypeXLSX)
	h.Set("Content-Disposition", `attachment; filename="lifeline-import-template.xlsx"; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx`)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "private, max-age=3600")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b)
	return err
}

// canonicalBody is a request body as the Idempotency-Key compares it: a multipart body's
// boundary is chosen at random by each client library and attempt, and is no part of
// the request's meaning, so a retried upload with a new boundary is the same request.
func canonicalBody(r *http.Request, body []byte) []byte {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return body
	}
	return bytes.ReplaceAll(body, []byte(params["boundary"]), []byte("boundary"))
}
