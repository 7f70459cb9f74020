package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/importer"
	"lifeline/internal/quality"
	"lifeline/internal/web"
)

// The import page: upload → preview (a dry run) → confirm (the real run).
//
// Where the file is between preview and confirm: nowhere on the server. Uploads are read
// into memory (readUpload never spills to a temporary file) and dropped after the
// answer. A file of at most sealMaxBytes travels back to the browser sealed — encrypted
// and authenticated with the current data key, bound to the user and an expiry — in a
// hidden field of the confirm form, so that confirming needs no second upload; nobody,
// including the user, can read or alter it, and it stops opening after sealTTL. A larger
// file is not carried in the page: the confirm form asks the user to select it again,
// and its keyed digest tells whether it is the previewed file (if not, the user gets the
// preview of the new file instead of an unseen import).
const (
	sealMaxBytes = 2 << 20
	sealTTL      = 30 * time.Minute
)

// sealFieldLimit bounds the sealed field: base64 of the file plus the seal's overhead.
const sealFieldLimit = (sealMaxBytes+64)*4/3 + 4

// importPageFields are the upload fields that may be larger than an option.
var importPageFields = map[string]int64{"sealed": sealFieldLimit}

// importContext binds a sealed file to its user and expiry.
func importContext(p *access.Principal, expires string) string {
	return "import preview\x00" + p.UserID + "\x00" + expires
}

// fileDigest is a keyed digest of an uploaded file, to recognize it when selected again.
func (s *Server) fileDigest(p *access.Principal, file []byte) string {
	mac := hmac.New(sha256.New, s.vault.SubKey("import file digest"))
	mac.Write([]byte(p.UserID + "\x00"))
	mac.Write(file)
	return hex.EncodeToString(mac.Sum(nil))
}

// pageImports shows the upload form.
func (s *Server) pageImports(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !p.Can(access.DirectoryWrite) {
		return errs.E(errs.Forbidden, "your role may not import people")
	}
	return s.web.Render(w, http.StatusOK, "imports", s.view(r, p, "import.title", "imports", web.ImportsData{Findings: -1}))
}

// importUpload is the file and options of an import form: a new upload or the sealed
// file of a preview.
type importUpload struct {
	file     []byte
	name     string
	form     web.ImportForm
	fields   map[string]string
	uploaded bool // the file came as an upload (not sealed)
}

// readImportPage reads an import form. A problem the user can fix (no file, an expired
// preview) comes back as a translated message with ok false.
func (s *Server) readImportPage(r *http.Request, p *access.Principal) (up importUpload, problem string, err error) {
	lang := langOf(r, p)
	f, err := readUpload(r, importPageFields)
	if err != nil {
		return up, "", err
	}
	up.fields = f.Fields
	up.form = web.ImportForm{Snapshot: f.Fields["snapshot"] == "true" || f.Fields["snapshot"] == "on",
		SkipInvalid: f.Fields["skip_invalid"] == "true" || f.Fields["skip_invalid"] == "on"}
	switch {
	case f.HasFile:
		up.file, up.name, up.uploaded = f.File, filepath.Base(f.FileName), true
		if f.FileName == "" {
			up.name = "—"
		}
	case f.Fields["sealed"] != "":
		sealed, derr := base64.RawURLEncoding.DecodeString(f.Fields["sealed"])
		exp, perr := strconv.ParseInt(f.Fields["expires"], 10, 64)
		if derr != nil || perr != nil || s.clock.Now().Unix() > exp {
			return up, lang.T("import.err.expired"), nil
		}
		file, oerr := s.vault.Open(sealed, importContext(p, f.Fields["expires"]))
		if oerr != nil {
			return up, lang.T("import.err.expired"), nil
		}
		up.file, up.name = file, oneLineName(f.Fields["filename"])
	default:
		return up, lang.T("import.err.nofile"), nil
	}
	return up, "", nil
}

// oneLineName keeps a file name for display: one line, at most 200 characters.
func oneLineName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	if s == "" {
		return "—"
	}
	return s
}

// importData builds the page data of a report.
func (s *Server) importData(r *http.Request, p *access.Principal, up importUpload, rep importer.Report, rejected bool) (web.ImportsData, error) {
	data := web.ImportsData{Form: up.form, FileName: up.name, Report: &rep, Rejected: rejected, Findings: -1}
	data.Rows, data.MoreRows = web.ImportRows(rep)
	// Department changes are recorded as ids: name the known ones; a department the
	// preview would create does not exist outside its rolled-back transaction.
	var ids []string
	for _, row := range data.Rows {
		for _, c := range row.Changes {
			if c.Field == "department_id" {
				ids = append(ids, c.Before, c.After)
			}
		}
	}
	if len(ids) > 0 {
		all, err := s.dir.ListDepartments(r.Context(), p)
		if err != nil {
			return data, err
		}
		data.Departments = make(map[string]string, len(all))
		for _, d := range all {
			data.Departments[d.ID] = d.NamePath
		}
		for _, id := range ids {
			if _, ok := data.Departments[id]; !ok && id != "" {
				data.Departments[id] = langOf(r, p).T("import.newdept")
			}
		}
	}
	return data, nil
}

// preview runs the dry run of an upload and renders it, with the confirm form carrying
// the file (sealed) when it is small.
func (s *Server) preview(w http.ResponseWriter, r *http.Request, p *access.Principal, up importUpload, notice string) error {
	o := importer.Options{DryRun: true, Snapshot: up.form.Snapshot, SkipInvalid: up.form.SkipInvalid}
	rep, err := s.runImport(r.Context(), p, up.file, o)
	rejected := errors.Is(err, importer.ErrRejected)
	if err != nil && !rejected {
		return err
	}
	data, err := s.importData(r, p, up, rep, rejected)
	if err != nil {
		return err
	}
	data.Error = notice
	data.Confirm = web.ImportConfirm{Digest: s.fileDigest(p, up.file), FileName: up.name, Expect: web.ExpectOf(rep)}
	if len(up.file) <= sealMaxBytes {
		until := s.clock.Now().Add(sealTTL)
		exp := strconv.FormatInt(until.Unix(), 10)
		data.Confirm.Sealed = base64.RawURLEncoding.EncodeToString(s.vault.Seal(up.file, importContext(p, exp)))
		data.Confirm.Expires, data.Confirm.Until = exp, until
	}
	status := http.StatusOK
	if rejected {
		status = http.StatusUnprocessableEntity
	}
	return s.web.Render(w, status, "imports", s.view(r, p, "import.title", "imports", data))
}

// uploadProblem shows the upload form again with a message (422).
func (s *Server) uploadProblem(w http.ResponseWriter, r *http.Request, p *access.Principal, up importUpload, msg string) error {
	data := web.ImportsData{Form: up.form, Error: msg, Findings: -1}
	return s.web.Render(w, http.StatusUnprocessableEntity, "imports", s.view(r, p, "import.title", "imports", data))
}

// pageImportPreview answers the upload form with the preview of the file.
func (s *Server) pageImportPreview(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !p.Can(access.DirectoryWrite) {
		return errs.E(errs.Forbidden, "your role may not import people")
	}
	up, problem, err := s.readImportPage(r, p)
	if err != nil {
		return err
	}
	if problem != "" {
		return s.uploadProblem(w, r, p, up, problem)
	}
	return s.preview(w, r, p, up, "")
}

// pageImportRun is the confirm form: the real run of the previewed file. A re-selected
// file that is not the previewed one is previewed instead of imported.
func (s *Server) pageImportRun(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !p.Can(access.DirectoryWrite) {
		return errs.E(errs.Forbidden, "your role may not import people")
	}
	up, problem, err := s.readImportPage(r, p)
	if err != nil {
		return err
	}
	if problem != "" {
		return s.uploadProblem(w, r, p, up, problem)
	}
	lang := langOf(r, p)
	if want := up.fields["digest"]; up.uploaded && !hmac.Equal([]byte(want), []byte(s.fileDigest(p, up.file))) {
		return s.preview(w, r, p, up, lang.T("import.err.otherfile"))
	}
	if up.uploaded && up.fields["filename"] != "" {
		up.name = oneLineName(up.fields["filename"])
	}
	o := importer.Options{Snapshot: up.form.Snapshot, SkipInvalid: up.form.SkipInvalid}
	rep, err := s.runImport(r.Context(), p, up.file, o)
	rejected := errors.Is(err, importer.ErrRejected)
	if err != nil && !rejected {
		return err
	}
	data, err := s.importData(r, p, up, rep, rejected)
	if err != nil {
		return err
	}
	data.Done = !rejected
	if expect := up.fields["expect"]; expect != "" && !rejected {
		data.Differs = expect != web.ExpectOf(rep)
	}
	if data.Done {
		sum, err := s.quality.Summarize(r.Context(), p)
		if err == nil {
			data.Findings = 0
			for _, n := range sum.ByCode {
				data.Findings += n
			}
		}
	}
	status := http.StatusOK
	if rejected {
		status = http.StatusUnprocessableEntity
	}
	return s.web.Render(w, status, "imports", s.view(r, p, "import.title", "imports", data))
}

// pageQuality shows the data-quality dashboard and the filterable findings; htmx
// filtering gets only the findings fragment.
func (s *Server) pageQuality(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !p.Can(access.DirectoryRead) || p.SelfOnly() {
		return errs.E(errs.Forbidden, "your role may not see data quality")
	}
	ctx := r.Context()
	q := r.URL.Query()
	filter := web.QualityFilter{Code: q.Get("code"), Severity: q.Get("severity"), DepartmentID: q.Get("department_id")}
	known := false
	for _, c := range quality.Codes() {
		known = known || c == filter.Code
	}
	if !known {
		filter.Code = ""
	}
	switch filter.Severity {
	case "high", "medium", "low":
	default:
		filter.Severity = ""
	}
	fq := quality.Query{Code: filter.Code, Severity: filter.Severity}
	var depts []directory.Department
	if filter.DepartmentID != "" {
		d, err := s.dir.GetDepartment(ctx, p, filter.DepartmentID)
		switch {
		case errs.Is(err, errs.NotFound):
			filter.DepartmentID = ""
		case err != nil:
			return err
		default:
			fq.DepartmentPath = d.Path
		}
	}
	// The most urgent first: high severity, then medium, then low.
	findings, total, err := s.quality.FindingsPage(ctx, p, fq, web.FindingShown)
	if err != nil {
		return err
	}
	sum, err := s.quality.Summarize(ctx, p)
	if err != nil {
		return err
	}
	data := web.NewQualityData(sum, findings, total)
	data.Filter = filter
	data.CanRecheck = p.Can(access.DirectoryWrite)
	v := s.view(r, p, "quality.title", "quality", nil)
	if isHTMX(r) {
		v.Data = data
		return s.web.Fragment(w, http.StatusOK, "quality-findings", v)
	}
	if depts, err = s.dir.ListDepartments(ctx, p); err != nil {
		return err
	}
	data.Departments = depts
	if r.URL.Query().Get("notice") == "rechecked" {
		data.Notice = v.Lang.T("quality.rechecked")
	}
	v.Data = data
	return s.web.Render(w, http.StatusOK, "quality", v)
}

// doQualityRecheck recomputes every finding and score now, then shows the page again.
func (s *Server) doQualityRecheck(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !p.Can(access.DirectoryWrite) {
		return errs.E(errs.Forbidden, "your role may not start a recheck")
	}
	if _, err := s.quality.Recheck(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/quality?notice=rechecked", http.StatusSeeOther)
	return nil
}
