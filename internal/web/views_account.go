package web

import (
	"html/template"
	"strings"

	"lifeline/internal/auth"
)

// LoginCodeData is the data of the login's second step: the MFA code.
type LoginCodeData struct {
	Next   string // where to go after logging in
	Error  string // translated message of a failed attempt
	Detail string // the server's own explanation, if any
}

// AccountData is the data of the account security page.
type AccountData struct {
	MFA           auth.MFAStatus
	Settings      *auth.SecuritySettings // shown (and changeable) for administrators only
	CanEdit       bool                   // the viewer may change the settings
	Error         string                 // translated message of a refused change
	Detail        string                 // the server's own explanation, if any
	PasswordError string                 // translated message of a refused new password
}

// MFASetupData is the data of the MFA enrollment page: the intro, the enrollment with its
// confirmation form, or the recovery codes (shown once).
type MFASetupData struct {
	Required   bool                // MFA is required for the user's role
	Enrollment *auth.MFAEnrollment // a started enrollment, waiting for its first code
	CodeError  string              // translated message of a wrong code
	Codes      []string            // new recovery codes, shown once
}

// ReauthData is the data of the re-authentication page.
type ReauthData struct {
	Next     string // where to go back to afterwards
	NeedCode bool   // the account has MFA: ask for a code too
	Error    string // translated message of a failed attempt
	Detail   string
}

// OTPAuthURL is the enrollment's otpauth:// link, which html/template would otherwise
// refuse as an unknown scheme. The server builds it from a validated user name and a
// base32 secret; anything else is dropped.
func (d MFASetupData) OTPAuthURL() template.URL {
	if d.Enrollment == nil || !strings.HasPrefix(d.Enrollment.URI, "otpauth://totp/") {
		return ""
	}
	return template.URL(d.Enrollment.URI)
}
