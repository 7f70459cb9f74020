package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"lifeline/internal/access"
	"lifeline/internal/channel"
	"lifeline/internal/errs"
	"lifeline/internal/notify"
	"lifeline/internal/web"
)

// pageProviders lists the provider accounts with the form to add one (admin only).
func (s *Server) pageProviders(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	data := web.ProvidersData{Form: web.ProviderForm{Kind: channel.HTTPGateway.Name}}
	switch {
	case r.URL.Query().Get("created") != "":
		data.Notice = langOf(r, p).T("providers.created")
	case r.URL.Query().Get("changed") != "":
		data.Notice = langOf(r, p).T("providers.changed")
	}
	return s.renderProviders(w, r, p, http.StatusOK, data)
}

func (s *Server) renderProviders(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, data web.ProvidersData) error {
	if !p.Can(access.ProvidersManage) {
		return errs.E(errs.Forbidden, "only the admin configures providers")
	}
	ps, err := s.notify.ListProviders(r.Context(), p)
	if err != nil {
		return err
	}
	for _, pr := range ps {
		data.Providers = append(data.Providers, web.ProviderRow{ID: pr.ID, Kind: pr.Kind, Name: pr.Name, Media: pr.Media, Priority: pr.Priority,
			Enabled: pr.Enabled, CallbackURL: s.notify.CallbackURL(pr.ID), CreatedAt: pr.CreatedAt})
	}
	for _, k := range channel.Kinds() {
		data.Kinds = append(data.Kinds, k.Name)
	}
	return s.web.Render(w, status, "providers", s.view(r, p, "providers.title", "providers", data))
}

// doCreateProvider adds a provider account: an http_gateway from its URL and secret,
// any other kind from a JSON configuration. Neither the secret nor the configuration
// is ever shown again, not even after a refusal (422).
func (s *Server) doCreateProvider(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !p.Can(access.ProvidersManage) {
		return errs.E(errs.Forbidden, "only the admin configures providers")
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	f := r.PostForm
	lang := langOf(r, p)
	form := web.ProviderForm{Kind: strings.TrimSpace(f.Get("kind")), Name: f.Get("name"), URL: strings.TrimSpace(f.Get("url"))}
	bad := map[string]string{}
	if v := strings.TrimSpace(f.Get("priority")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			bad["priority"] = lang.T("providers.err.priority")
		}
		form.Priority = n
	}
	in := notify.ProviderInput{Kind: form.Kind, Name: form.Name, Priority: form.Priority}
	config := strings.TrimSpace(f.Get("config"))
	if config != "" {
		if !json.Valid([]byte(config)) || !strings.HasPrefix(config, "{") {
			bad["config"] = lang.T("providers.err.json")
		}
		in.Config = json.RawMessage(config)
	} else if form.Kind == channel.HTTPGateway.Name {
		in.URL, in.Secret = form.URL, f.Get("secret")
		if in.URL == "" {
			bad["url"] = lang.T("providers.err.url")
		}
		if len(in.Secret) < 16 {
			bad["secret"] = lang.T("providers.err.secret")
		}
	}
	if len(bad) > 0 {
		return s.renderProviders(w, r, p, http.StatusUnprocessableEntity, web.ProvidersData{Form: form, Errors: bad})
	}
	_, err := s.notify.CreateProvider(r.Context(), p, in)
	if errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) {
		fe := fieldErrors(lang, err, "providers.err.")
		if c, ok := fe["config"]; ok && form.Kind == channel.HTTPGateway.Name && config == "" {
			// The gateway's URL and secret are checked as its configuration.
			delete(fe, "config")
			fe["url"] = c
		}
		if len(fe) == 0 {
			fe["config"] = s.describe(r, err).Detail
		}
		status := http.StatusUnprocessableEntity
		if errs.Is(err, errs.Conflict) {
			status, fe = http.StatusConflict, map[string]string{"name": lang.T("providers.err.name.dup")}
		}
		return s.renderProviders(w, r, p, status, web.ProvidersData{Form: form, Errors: fe})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/providers?created=1", http.StatusSeeOther)
	return nil
}

// doProviderEnabled switches a provider account on or off.
func (s *Server) doProviderEnabled(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, err, "the form could not be read")
	}
	if err := s.notify.SetProviderEnabled(r.Context(), p, r.PathValue("id"), r.PostForm.Get("enabled") == "1"); err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/providers?changed=1", http.StatusSeeOther)
	return nil
}
