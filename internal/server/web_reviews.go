package server

import (
	"net/http"
	"net/url"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/review"
	"lifeline/internal/web"
)

// pageReviews lists the review tasks to act on and, for those who may change
// departments, the departments' review frequencies.
func (s *Server) pageReviews(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	status := r.URL.Query().Get("status")
	if status != review.StatusOpen && status != review.StatusDone && status != review.StatusOverdue {
		status = ""
	}
	tasks, _, err := s.reviews.List(r.Context(), p, "", status, "", 500)
	if err != nil {
		return err
	}
	data := web.ReviewsData{Tasks: tasks, Status: status, CanSetFreq: p.Can(access.DirectoryWrite) && !p.SelfOnly(), Quarter: review.CurrentQuarter(s.clock.Now())}
	if data.CanSetFreq {
		if data.Departments, err = s.dir.ListDepartments(r.Context(), p); err != nil {
			return err
		}
	}
	return s.web.Render(w, http.StatusOK, "reviews", s.view(r, p, "reviews.title", "reviews", data))
}

// doDepartmentFrequency sets a department's review frequency from the reviews page.
func (s *Server) doDepartmentFrequency(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	f := strings.TrimSpace(r.PostForm.Get("review_frequency"))
	if _, err := s.dir.UpdateDepartment(r.Context(), p, r.PathValue("id"), directory.DepartmentInput{ReviewFrequency: &f}); err != nil {
		return err
	}
	http.Redirect(w, r, "/reviews", http.StatusSeeOther)
	return nil
}

// pageReview is the one-page review of a task: every member or person with the three
// choices, submitted at once.
func (s *Server) pageReview(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return s.renderReview(w, r, p, http.StatusOK, web.ReviewData{})
}

func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, data web.ReviewData) error {
	t, err := s.reviews.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	data.Task, data.CanAct = t, t.Status != review.StatusDone
	v := s.view(r, p, "reviews.title", "reviews", data)
	return s.web.Render(w, status, "review", v)
}

// itemKey is how the review form names an item: its membership, or in a department
// review the person.
func itemKey(it review.Item) string {
	if it.MemberID != "" {
		return it.MemberID
	}
	return it.PersonID
}

// doReview submits the one-page review: a choice is required for every undecided item;
// a refused submission shows the page again with the choices kept (422).
func (s *Server) doReview(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	t, err := s.reviews.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	data := web.ReviewData{Chosen: map[string]string{}, Notes: map[string]string{}, Missing: map[string]bool{}}
	var in review.ConfirmInput
	for _, it := range t.Items {
		if it.Decision != "" {
			continue
		}
		k := itemKey(it)
		choice, note := r.PostForm.Get("d_"+k), strings.TrimSpace(r.PostForm.Get("n_"+k))
		data.Chosen[k], data.Notes[k] = choice, note
		if choice == "" {
			data.Missing[k] = true
			continue
		}
		d := review.Decision{Decision: choice, Note: note}
		if t.Kind == review.KindDepartment {
			d.PersonID = k
		} else {
			d.MemberID = k
		}
		in.Decisions = append(in.Decisions, d)
	}
	if len(data.Missing) > 0 {
		return s.renderReview(w, r, p, http.StatusUnprocessableEntity, data)
	}
	_, err = s.reviews.Confirm(r.Context(), p, t.ID, in)
	if errs.Is(err, errs.Invalid) {
		data.Errors = fieldErrors(langOf(r, p), err, "review.err.")
		return s.renderReview(w, r, p, http.StatusUnprocessableEntity, data)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/reviews/"+url.PathEscape(t.ID), http.StatusSeeOther)
	return nil
}

// reportQuarter is ?quarter= or the current quarter.
func (s *Server) reportQuarter(r *http.Request) string {
	if q := strings.TrimSpace(r.URL.Query().Get("quarter")); q != "" {
		return q
	}
	return review.CurrentQuarter(s.clock.Now())
}

// pageReviewReport is the printable quarterly review report per department
// (联络信息审核报告) with signature lines.
func (s *Server) pageReviewReport(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	rep, err := s.reviews.QuarterReport(r.Context(), p, s.reportQuarter(r))
	if err != nil {
		return err
	}
	data := web.ReviewReportData{Report: rep, XLSX: "/reviews/report.xlsx?quarter=" + url.QueryEscape(rep.Quarter)}
	v := s.view(r, p, "report.title", "reviews", data)
	v.Title = v.Lang.T("report.title") + " " + rep.Quarter
	return s.web.Render(w, http.StatusOK, "review-report", v)
}

// pageReviewReportXLSX downloads the same report as an XLSX workbook.
func (s *Server) pageReviewReportXLSX(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	rep, err := s.reviews.QuarterReport(r.Context(), p, s.reportQuarter(r))
	if err != nil {
		return err
	}
	b, err := rep.XLSX()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="review-report-`+rep.Quarter+`.xlsx"`)
	_, err = w.Write(b)
	return err
}
