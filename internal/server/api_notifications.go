package server

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"lifeline/internal/errs"
	"lifeline/internal/incident"
	"lifeline/internal/notify"
)

// providerAnswer is a provider as the API returns it: with the callback URL a provider
// should push receipts and replies to.
type providerAnswer struct {
	notify.Provider
	CallbackURL string `json:"callback_url"`
}

func (s *Server) createProvider(w http.ResponseWriter, r *http.Request) error {
	var in notify.ProviderInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.notify.CreateProvider(r.Context(), me(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/providers/"+p.ID)
	return writeJSON(w, http.StatusCreated, providerAnswer{p, s.notify.CallbackURL(p.ID)})
}

func (s *Server) listProviders(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.notify.ListProviders(r.Context(), me(r))
	if err != nil {
		return err
	}
	out := make([]providerAnswer, len(ps))
	for i, p := range ps {
		out[i] = providerAnswer{p, s.notify.CallbackURL(p.ID)}
	}
	return writeJSON(w, http.StatusOK, list[providerAnswer]{Items: out})
}

// providerPatch switches a provider on or off.
type providerPatch struct {
	Enabled *bool `json:"enabled"`
}

func (s *Server) updateProvider(w http.ResponseWriter, r *http.Request) error {
	var in providerPatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Enabled == nil {
		return &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "enabled", Message: "required"}}}
	}
	if err := s.notify.SetProviderEnabled(r.Context(), me(r), r.PathValue("id"), *in.Enabled); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) createNotification(w http.ResponseWriter, r *http.Request) error {
	var in notify.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	n, err := s.notify.Create(r.Context(), me(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/incidents/"+n.IncidentID+"/notifications/"+n.ID)
	return writeJSON(w, http.StatusCreated, n)
}

func (s *Server) previewNotification(w http.ResponseWriter, r *http.Request) error {
	var in notify.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	pv, err := s.notify.PreviewAudience(r.Context(), me(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pv)
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.incidents.Get(r.Context(), me(r), r.PathValue("id")); err != nil {
		return err
	}
	ns, err := s.notify.List(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[notify.Notification]{Items: ns})
}

func (s *Server) getNotification(w http.ResponseWriter, r *http.Request) error {
	n, err := s.notify.Get(r.Context(), me(r), r.PathValue("id"), r.PathValue("nid"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

// visibleNotification answers 404 for a notification the caller may not see (the scope
// rule of notify), before a change to it.
func (s *Server) visibleNotification(r *http.Request) error {
	return s.notify.Visible(r.Context(), me(r), r.PathValue("id"), r.PathValue("nid"))
}

func (s *Server) approveNotification(w http.ResponseWriter, r *http.Request) error {
	if err := s.visibleNotification(r); err != nil {
		return err
	}
	n, err := s.notify.Approve(r.Context(), me(r), r.PathValue("id"), r.PathValue("nid"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

func (s *Server) cancelNotification(w http.ResponseWriter, r *http.Request) error {
	if err := s.visibleNotification(r); err != nil {
		return err
	}
	n, err := s.notify.Cancel(r.Context(), me(r), r.PathValue("id"), r.PathValue("nid"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

func (s *Server) notificationBoard(w http.ResponseWriter, r *http.Request) error {
	b, err := s.notify.BoardOf(r.Context(), me(r), r.PathValue("id"), r.PathValue("nid"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

// notificationEvents streams the board as server-sent events: a "board" event at once
// and whenever the counts change (checked every second), a comment every 15 s to keep
// proxies from closing the stream.
func (s *Server) notificationEvents(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	b, err := s.notify.BoardOf(ctx, me(r), r.PathValue("id"), r.PathValue("nid"))
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(b notify.Board) bool {
		data, _ := json.Marshal(b)
		if _, err := fmt.Fprintf(w, "event: board\ndata: %s\n\n", data); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send(b) {
		return nil
	}
	last, quiet := b.Counts, 0
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		nb, err := s.notify.BoardOf(ctx, me(r), r.PathValue("id"), r.PathValue("nid"))
		if err != nil {
			return nil // the stream has started: the client reconnects
		}
		if nb.Counts != last {
			last, quiet = nb.Counts, 0
			if !send(nb) {
				return nil
			}
			continue
		}
		if quiet++; quiet%15 == 0 {
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return nil
			}
		}
	}
}

func (s *Server) incidentTimeline(w http.ResponseWriter, r *http.Request) error {
	items, err := s.incidents.Timeline(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[incident.Update]{Items: items})
}

func (s *Server) addIncidentUpdate(w http.ResponseWriter, r *http.Request) error {
	var in incident.UpdateInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.incidents.AddUpdate(r.Context(), me(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, u)
}

// postAck records an acknowledgement from a link: JSON from scripts and apps (SPEC §9),
// a form post from the one-tap page. No login: the link is the credential.
func (s *Server) postAck(w http.ResponseWriter, r *http.Request) error {
	var in notify.AckInput
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	form := mt == "application/x-www-form-urlencoded" // with or without "; charset=UTF-8"
	if form {
		if err := r.ParseForm(); err != nil {
			return errs.Wrap(errs.BadRequest, err, "the form could not be read")
		}
		in.Status, in.Note = r.PostForm.Get("status"), r.PostForm.Get("note")
	} else if err := decodeJSON(r, &in); err != nil {
		return err
	}
	token := r.PathValue("token")
	if err := s.notify.Acknowledge(r.Context(), token, in, "link"); err != nil {
		if form {
			return s.ackPage(w, r, token, err)
		}
		return err
	}
	if form {
		return s.ackPage(w, r, token, nil)
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": in.Status})
}

// providerCallback receives a provider's receipts and replies on its secret path.
func (s *Server) providerCallback(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return errs.Wrap(errs.TooLarge, err, "the callback body is too large")
	}
	ans, err := s.notify.HandleCallback(r.Context(), r.PathValue("id"), r.PathValue("secret"), r, body)
	if err != nil {
		return err
	}
	if ans.ContentType != "" {
		w.Header().Set("Content-Type", ans.ContentType)
	}
	w.WriteHeader(ans.Status)
	_, _ = w.Write(ans.Body)
	return nil
}

func (s *Server) incidentReport(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.notify.BuildReport(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (s *Server) listDrills(w http.ResponseWriter, r *http.Request) error {
	items, err := s.notify.Drills(r.Context(), me(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[notify.DrillTrend]{Items: items})
}

func (s *Server) listRemediationTasks(w http.ResponseWriter, r *http.Request) error {
	items, err := s.notify.Tasks(r.Context(), me(r), r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[notify.Task]{Items: items})
}

func (s *Server) completeRemediationTask(w http.ResponseWriter, r *http.Request) error {
	if err := s.notify.CompleteTask(r.Context(), me(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
