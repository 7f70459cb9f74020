package server

import (
	"errors"
	"net/http"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/export"
	"lifeline/internal/web"
)

// exportNotices are the notices the exports page shows after a redirect.
var exportNotices = map[string]string{"requested": "export.notice.requested", "approved": "export.notice.approved", "rejected": "export.notice.rejected"}

// exportsData loads the exports page: the user's requests and, for approvers, the
// requests they may decide and recent ones in their scope.
func (s *Server) exportsData(r *http.Request, p *access.Principal, form web.ExportForm) (web.ExportsData, error) {
	data := web.ExportsData{CanExport: p.Can(access.Export) && !p.SelfOnly(), CanApprove: p.Can(access.ExportApprove) && !p.SelfOnly(), Form: form}
	if !data.CanExport && !data.CanApprove {
		return data, errs.E(errs.Forbidden, "your role may not export")
	}
	ctx := r.Context()
	var err error
	if data.CanExport {
		if data.Departments, err = s.dir.ListDepartments(ctx, p); err != nil {
			return data, err
		}
		if data.Mine, _, err = s.exports.List(ctx, p, export.ListQuery{Mine: true, Limit: 50}); err != nil {
			return data, err
		}
	}
	if data.CanApprove {
		pending, _, err := s.exports.List(ctx, p, export.ListQuery{Status: export.StatusPending, Limit: 200})
		if err != nil {
			return data, err
		}
		for _, req := range pending {
			if req.CanDecide {
				data.ToDecide = append(data.ToDecide, req)
			}
		}
		recent, _, err := s.exports.List(ctx, p, export.ListQuery{Limit: 50})
		if err != nil {
			return data, err
		}
		for _, req := range recent {
			if !req.Mine && req.Status != export.StatusPending {
				data.Decided = append(data.Decided, req)
			}
		}
	}
	if key, ok := exportNotices[r.URL.Query().Get("notice")]; ok && r.Method == http.MethodGet {
		data.Notice = langOf(r, p).T(key)
	}
	return data, nil
}

// pageExports shows the export form, the user's requests and the approvals.
func (s *Server) pageExports(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	data, err := s.exportsData(r, p, web.ExportForm{Subject: export.SubjectPeople, Format: export.FormatXLSX, Mode: "masked"})
	if err != nil {
		return err
	}
	return s.web.Render(w, http.StatusOK, "exports", s.view(r, p, "export.title", "exports", data))
}

// pageCreateExport answers the form: a masked export downloads at once; an unmasked one
// becomes a request and the page shows it. Invalid input shows the form again (422).
func (s *Server) pageCreateExport(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	f := r.PostForm
	form := web.ExportForm{Subject: f.Get("subject"), Format: f.Get("format"), DepartmentID: f.Get("department_id"),
		PersonStatus: f.Get("person_status"), Mode: f.Get("mode"), Reason: strings.TrimSpace(f.Get("reason"))}
	lang := langOf(r, p)
	in := export.Input{Subject: form.Subject, Format: form.Format, DepartmentID: form.DepartmentID, PersonStatus: form.PersonStatus,
		Unmasked: form.Mode == "unmasked", Reason: form.Reason, Lang: string(lang)}
	var err error
	if in.Unmasked {
		if _, err = s.exports.Create(r.Context(), p, in); err == nil {
			http.Redirect(w, r, "/exports?notice=requested#mine", http.StatusSeeOther)
			return nil
		}
	} else {
		var file export.File
		if file, err = s.exports.Masked(r.Context(), p, in); err == nil {
			return writeFile(w, http.StatusOK, file)
		}
	}
	var de *errs.Error
	if !errs.Is(err, errs.Invalid) || !errors.As(err, &de) {
		return err
	}
	data, derr := s.exportsData(r, p, form)
	if derr != nil {
		return derr
	}
	data.Errors = map[string]string{}
	for _, fe := range de.Fields {
		msg := fe.Message
		if fe.Field == "reason" {
			msg = lang.T("export.reason.required")
		}
		data.Errors[fe.Field] = msg
	}
	if len(de.Fields) == 0 {
		data.Errors["format"] = de.Message
	}
	return s.web.Render(w, http.StatusUnprocessableEntity, "exports", s.view(r, p, "export.title", "exports", data))
}

// pageDecideExport approves or rejects a request from the approvals table.
func (s *Server) pageDecideExport(approve bool) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
		if err := r.ParseForm(); err != nil {
			return errs.Wrap(errs.BadRequest, err, "the form could not be read")
		}
		note := r.PostForm.Get("note")
		notice := "approved"
		var err error
		if approve {
			_, err = s.exports.Approve(r.Context(), p, r.PathValue("id"), note)
		} else {
			notice = "rejected"
			_, err = s.exports.Reject(r.Context(), p, r.PathValue("id"), note)
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/exports?notice="+notice, http.StatusSeeOther)
		return nil
	}
}

// pageDownloadExport sends an approved export to its requester.
func (s *Server) pageDownloadExport(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	f, err := s.exports.Download(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeFile(w, http.StatusOK, f)
}
