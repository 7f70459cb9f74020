package server

import (
	"bytes"
	"net/http"

	"lifeline/internal/access"
	"lifeline/internal/crosscheck"
	"lifeline/internal/errs"
)

// crossCheck loads another system's phone list (multipart: source, file) in place of that
// source's previous list and rechecks the data quality, so that the cross_check_mismatch
// findings follow at once. A failed recheck is logged: the list is loaded, and the
// periodic recheck will follow.
func (s *Server) crossCheck(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	if !p.Can(access.DirectoryWrite) || p.SelfOnly() {
		return errs.E(errs.Forbidden, "you may not load cross-check lists")
	}
	form, err := readUpload(r, nil)
	if err != nil {
		return err
	}
	if !form.HasFile {
		return invalidField("file", "required: the other system's list (CSV or XLSX with 工号 and 手机)")
	}
	rep, err := crosscheck.Load(r.Context(), s.db, s.vault, p, form.Fields["source"], bytes.NewReader(form.File))
	if err != nil {
		return err
	}
	if _, qerr := s.quality.Recheck(r.Context()); qerr != nil {
		s.log.ErrorContext(r.Context(), "quality recheck after cross-check load", "error", qerr.Error())
	}
	return writeJSON(w, http.StatusOK, rep)
}
