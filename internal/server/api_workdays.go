package server

import (
	"database/sql"
	"net/http"
	"strconv"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/workdays"
)

// maxWorkdays bounds |days| of GET /api/v1/workdays/add (about 14 years of working days).
const maxWorkdays = 3660

// The calendar is loaded per request from the database: it is small, and loading it
// avoids stale caches when another process (the CLI, a second server) changes overrides.

// workdaysResult is the answer of GET /api/v1/workdays/add.
type workdaysResult struct {
	Date workdays.Date `json:"date"`
}

// parseCalendarDate parses a date parameter and keeps it within years the calendar can
// count in (with room for maxWorkdays either way).
func parseCalendarDate(field, s string) (workdays.Date, error) {
	d, err := workdays.ParseDate(s)
	if err != nil {
		return d, invalidField(field, "a date YYYY-MM-DD")
	}
	if y := d.Year(); y < 1900 || y > 2100 {
		return d, invalidField(field, "a year from 1900 to 2100")
	}
	return d, nil
}

func (s *Server) addWorkdays(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v errs.Validation
	from, err := workdays.ParseDate(q.Get("date"))
	v.Check(err == nil, "date", "a date YYYY-MM-DD")
	v.Check(err != nil || (from.Year() >= 1900 && from.Year() <= 2100), "date", "a year from 1900 to 2100")
	n, nerr := strconv.Atoi(q.Get("days"))
	v.Check(nerr == nil && n >= -maxWorkdays && n <= maxWorkdays, "days", "an integer from -3660 to 3660")
	if err := v.Err(); err != nil {
		return err
	}
	cal, err := workdays.Load(r.Context(), s.db.Read)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, workdaysResult{Date: cal.AddWorkdays(from, n)})
}

func (s *Server) listWorkdays(w http.ResponseWriter, r *http.Request) error {
	year, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || year < 1900 || year > 2100 {
		return invalidField("year", "a year from 1900 to 2100")
	}
	cal, err := workdays.Load(r.Context(), s.db.Read)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, cal.Year(year))
}

func (s *Server) putWorkdayOverride(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	var in workdays.OverrideInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if !p.Can(access.UsersManage) {
		return errs.E(errs.Forbidden, "only an administrator may change the working-day calendar")
	}
	d, err := parseCalendarDate("date", r.PathValue("date"))
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	o := workdays.Override{Date: d, Kind: in.Kind, Name: in.Name, CreatedBy: p.Username, CreatedAt: s.clock.Now().UTC()}
	err = s.db.InTx(r.Context(), func(tx *sql.Tx) error {
		if err := workdays.SetOverride(r.Context(), tx, o); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, p, o.CreatedAt, audit.Event{Action: "workday.override.set", ObjectType: "workday", ObjectID: d.String(), Detail: in.Kind})
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (s *Server) deleteWorkdayOverride(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	if !p.Can(access.UsersManage) {
		return errs.E(errs.Forbidden, "only an administrator may change the working-day calendar")
	}
	d, err := parseCalendarDate("date", r.PathValue("date"))
	if err != nil {
		return err
	}
	err = s.db.InTx(r.Context(), func(tx *sql.Tx) error {
		if err := workdays.DeleteOverride(r.Context(), tx, d); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, p, s.clock.Now(), audit.Event{Action: "workday.override.delete", ObjectType: "workday", ObjectID: d.String()})
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
