package server

import (
	"net/http"

	"lifeline/internal/errs"
	"lifeline/internal/web"
)

// getAck shows the one-tap page of an acknowledgement link (SPEC §9: GET <ack_url>).
func (s *Server) getAck(w http.ResponseWriter, r *http.Request) error {
	return s.ackPage(w, r, r.PathValue("token"), nil)
}

// ackPage renders the acknowledgement page; after a form post it says whether the
// answer was recorded.
func (s *Server) ackPage(w http.ResponseWriter, r *http.Request, token string, ackErr error) error {
	w.Header().Set("Cache-Control", "no-store")
	info, err := s.notify.AckInfo(r.Context(), token)
	if errs.Is(err, errs.NotFound) {
		return s.web.Render(w, http.StatusNotFound, "ack", s.view(r, nil, "ack.title", "", web.AckData{Invalid: true}))
	}
	if err != nil {
		return err
	}
	data := web.AckData{Token: token, Title: info.Title, Level: info.Level, Text: info.Text, Drill: info.Drill, Status: info.Status,
		AckedAt: info.AckedAt, Expired: info.Expired, Escalated: info.Escalated, Done: r.Method == http.MethodPost && ackErr == nil}
	status := http.StatusOK
	if ackErr != nil {
		pr := s.describe(r, ackErr)
		data.Error, status = pr.Detail, pr.Status
	}
	return s.web.Render(w, status, "ack", s.view(r, nil, "ack.title", "", data))
}
