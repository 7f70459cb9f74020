package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/auth"
)

// TestRenderAccountPages renders the account-security pages in both languages: the
// login's code step, the account page, MFA enrollment, recovery codes and re-authentication.
func TestRenderAccountPages(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	enr := &auth.MFAEnrollment{Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", URI: "otpauth://totp/Lifeline:root?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Lifeline", Issuer: "Lifeline", Digits: 6, Period: 30}
	cases := []struct {
		page string
		user *access.Principal
		data any
		want map[Lang][]string
	}{
		{"login-code", nil, LoginCodeData{Next: "/people", Error: "x-error"}, map[Lang][]string{
			Zh: {`action="/login/mfa"`, `name="code"`, `autocomplete="one-time-code"`, `value="/people"`, "x-error", "恢复码"},
			En: {"Enter your code", "recovery codes"}}},
		{"login", nil, LoginData{Notice: "changed-notice"}, map[Lang][]string{Zh: {"changed-notice"}, En: {"changed-notice"}}},
		{"account", &access.Principal{Username: "root", Role: access.Admin}, AccountData{
			MFA: auth.MFAStatus{Enabled: true, EnabledAt: &at, RecoveryCodesLeft: 7}, CanEdit: true, PasswordError: "pw-error",
			Settings: &auth.SecuritySettings{RequireMFA: true, UpdatedAt: &at, UpdatedBy: "root"}}, map[Lang][]string{
			Zh: {"已启用（2026-03-01 10:30 起）", "剩余可用恢复码：7 个", `action="/account/mfa/recovery-codes"`, `action="/account/mfa/remove"`,
				`action="/account/password"`, `aria-invalid="true"`, "pw-error", `name="require_mfa" value="true" checked`, `action="/account/settings"`, `href="/account/security"`},
			En: {"On since 2026-03-01 10:30", "Unused recovery codes: 7", "Require two-step verification for administrators and security officers", "Last changed 2026-03-01 10:30 by root"}}},
		{"account", &access.Principal{Username: "so", Role: access.SecurityOfficer}, AccountData{
			MFA: auth.MFAStatus{Required: true}, Settings: &auth.SecuritySettings{}}, map[Lang][]string{
			Zh: {"未启用", `href="/account/mfa"`, "您的角色必须启用两步验证", "disabled"}, En: {"Off", "Set up two-step verification"}}},
		{"mfa-setup", &access.Principal{Username: "root", Role: access.Admin}, MFASetupData{Required: true}, map[Lang][]string{
			Zh: {`action="/account/mfa"`, "开始设置", "完成之前无法使用其他功能"}, En: {"Start"}}},
		{"mfa-setup", &access.Principal{Username: "root", Role: access.Admin}, MFASetupData{Enrollment: enr, CodeError: "code-error"}, map[Lang][]string{
			Zh: {`id="mfa-secret">JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP<`, `href="otpauth://totp/Lifeline:root?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&amp;issuer=Lifeline"`,
				`action="/account/mfa/confirm"`, "code-error", `aria-invalid="true"`},
			En: {"Step 1: add the account to your authenticator app", "Setup key"}}},
		{"mfa-setup", &access.Principal{Username: "root", Role: access.Admin}, MFASetupData{Codes: []string{"aaaa-bbbb-cccc-dddd", "eeee-ffff-gggg-hhhh"}}, map[Lang][]string{
			Zh: {"<li>aaaa-bbbb-cccc-dddd</li>", "<li>eeee-ffff-gggg-hhhh</li>", "只显示这一次"}, En: {"shown only this once"}}},
		{"reauth", &access.Principal{Username: "root", Role: access.Admin}, ReauthData{Next: "/account/mfa", NeedCode: true, Error: "re-error"}, map[Lang][]string{
			Zh: {`action="/account/reauth"`, `name="password"`, `name="code"`, `value="/account/mfa"`, "re-error"}, En: {"Confirm it is you", "authenticator app"}}},
	}
	for _, lang := range []Lang{Zh, En} {
		for i, c := range cases {
			w := httptest.NewRecorder()
			if err := r.Render(w, http.StatusOK, c.page, View{Lang: lang, Title: "T", User: c.user, Path: "/account/security", Data: c.data}); err != nil {
				t.Fatalf("%s case %d (%s): %v", lang, i, c.page, err)
			}
			body := w.Body.String()
			for _, s := range c.want[lang] {
				if !strings.Contains(body, s) {
					t.Errorf("%s case %d (%s): missing %q", lang, i, c.page, s)
				}
			}
			if strings.Contains(body, "style=") || strings.Contains(body, "<style") || strings.Contains(body, "<script>") {
				t.Errorf("%s %s: inline style or script breaks the CSP", lang, c.page)
			}
		}
	}
	// A password the policy refuses has a translated message for each reason.
	for _, code := range []string{"too_short", "too_long", "contains_username", "common", "repeated", "sequence"} {
		if Zh.T("pwd."+code) == "pwd."+code || En.T("pwd."+code) == Zh.T("pwd."+code) {
			t.Errorf("no translations for password refusal %s", code)
		}
	}
}
