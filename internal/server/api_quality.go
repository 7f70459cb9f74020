package server

import (
	"net/http"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/quality"
)

// listFindings lists data-quality findings as JSON, or as CSV with Accept: text/csv.
func (s *Server) listFindings(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	q := r.URL.Query()
	f := quality.Query{Code: q.Get("code"), Severity: q.Get("severity"), Subject: q.Get("subject")}
	var v errs.Validation
	if f.Code != "" {
		known := false
		for _, c := range quality.Codes() {
			known = known || c == f.Code
		}
		v.Check(known, "code", "one of "+strings.Join(quality.Codes(), ", "))
	}
	v.Check(f.Severity == "" || f.Severity == "high" || f.Severity == "medium" || f.Severity == "low", "severity", "high, medium or low")
	if err := v.Err(); err != nil {
		return err
	}
	if id := q.Get("department_id"); id != "" {
		d, err := s.dir.GetDepartment(r.Context(), p, id)
		if err != nil {
			return err
		}
		f.DepartmentPath = d.Path
	}
	items, err := s.quality.Findings(r.Context(), p, f)
	if err != nil {
		return err
	}
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="findings.csv"`)
		return quality.WriteCSV(w, items)
	}
	return writeJSON(w, http.StatusOK, list[quality.Finding]{Items: items})
}

func (s *Server) recheckQuality(w http.ResponseWriter, r *http.Request) error {
	if !me(r).Can(access.DirectoryWrite) {
		return errs.E(errs.Forbidden, "you may not start a recheck")
	}
	st, err := s.quality.Recheck(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

func (s *Server) qualitySummary(w http.ResponseWriter, r *http.Request) error {
	sum, err := s.quality.Summarize(r.Context(), me(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sum)
}

func (s *Server) personScores(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.dir.DepartmentPathOf(r.Context(), me(r), id); err != nil {
		return err
	}
	items, err := s.quality.PersonScores(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[quality.Score]{Items: items})
}
