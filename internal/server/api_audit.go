package server

import (
	"net/http"
	"strconv"
	"time"

	"lifeline/internal/audit"
	"lifeline/internal/errs"
)

// searchAudit lists audit records for the security officer, newest first; next_cursor
// continues with older records.
func (s *Server) searchAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := audit.Query{Action: q.Get("action"), Actor: q.Get("actor"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Outcome: q.Get("outcome")}
	var v errs.Validation
	parseTime := func(name string, dst *time.Time) {
		if s := q.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			v.Check(err == nil, name, "an RFC 3339 time, e.g. 2026-11-23T08:00:00+08:00")
			*dst = t
		}
	}
	parseTime("from", &f.From)
	parseTime("to", &f.To)
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		v.Check(err == nil && n > 0, "cursor", "invalid cursor")
		f.BeforeSeq = n
	}
	_, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	f.Limit = limit
	if f.Limit == 0 {
		f.Limit = 100
	}
	if err := v.Err(); err != nil {
		return err
	}
	items, err := audit.Search(r.Context(), s.db.Read, me(r), f)
	if err != nil {
		return err
	}
	next := ""
	if len(items) == f.Limit {
		next = strconv.FormatInt(items[len(items)-1].Seq, 10)
	}
	return writeJSON(w, http.StatusOK, list[audit.Entry]{Items: items, NextCursor: next})
}
