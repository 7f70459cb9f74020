package server

import (
	"database/sql"
	"net/http"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/keys"
)

// myDataExport is everything Lifeline holds about the caller's own person record
// (PIPL Art. 45: the right to obtain one's personal information).
type myDataExport struct {
	Person    directory.Person         `json:"person"`
	History   []directory.HistoryEntry `json:"history"`
	AccessLog []audit.Entry            `json:"access_log"`
}

func (s *Server) myData(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	if p.PersonID == "" {
		return errs.E(errs.NotFound, "your account is not linked to a person in the directory")
	}
	ctx := r.Context()
	person, err := s.dir.GetPerson(ctx, p, p.PersonID)
	if err != nil {
		return err
	}
	out := myDataExport{Person: person, History: []directory.HistoryEntry{}}
	cursor := ""
	for {
		items, next, err := s.dir.PersonHistory(ctx, p, p.PersonID, directory.Page{Cursor: cursor, Limit: 500})
		if err != nil {
			return err
		}
		out.History = append(out.History, items...)
		if next == "" {
			break
		}
		cursor = next
	}
	if out.AccessLog, err = s.accessLog(ctx, p, p.PersonID); err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, p, s.clock.Now(), audit.Event{Action: "person.self_export", ObjectType: "person", ObjectID: p.PersonID})
	})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="my-lifeline-data.json"`)
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) keyStatus(w http.ResponseWriter, r *http.Request) error {
	if !me(r).Can(access.KeysRead) {
		return errs.E(errs.Forbidden, "only the admin and the security officer see the key status")
	}
	st, err := keys.Status(r.Context(), s.db.Read)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[keys.KeyStatus]{Items: st})
}
