package server

import (
	"net/http"

	"lifeline/internal/auth"
)

// meView is the caller's own account and rights.
type meView struct {
	auth.User
	Permissions []string `json:"permissions"`
	// MFAEnrollmentRequired: this session may only set up MFA (required for the role).
	MFAEnrollmentRequired bool `json:"mfa_enrollment_required"`
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	u, err := s.auth.GetUser(r.Context(), p, p.UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, meView{User: u, Permissions: permissionsOf(p), MFAEnrollmentRequired: p.MFAEnrollOnly})
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.auth.ListUsers(r.Context(), me(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[auth.User]{Items: us})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in auth.UserInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.auth.CreateUser(r.Context(), me(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	return writeJSON(w, http.StatusCreated, u)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.auth.GetUser(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	var in auth.UserInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if sensitiveUserChange(in) {
		if err := s.auth.RequireRecentAuth(me(r)); err != nil {
			return err
		}
	}
	u, err := s.auth.UpdateUser(r.Context(), me(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.auth.ListTokens(r.Context(), me(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[auth.Token]{Items: ts})
}

// tokenCreated is the answer to a new token: the only time its secret is shown.
type tokenCreated struct {
	auth.Token
	Secret string `json:"token"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	secret, t, err := s.auth.CreateToken(r.Context(), me(r), r.PathValue("id"), in.Name)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusCreated, tokenCreated{Token: t, Secret: secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.RevokeToken(r.Context(), me(r), r.PathValue("id"), r.PathValue("tid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
