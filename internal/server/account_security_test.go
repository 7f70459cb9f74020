package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"lifeline/internal/apptest"
	"lifeline/internal/auth"
	"lifeline/internal/store/storetest"
)

const accountPW = "Correct-Horse-Battery-9" // apptest's default password

// jsonDo sends a JSON request with the web client's session cookie (and extra headers)
// and returns the status and the decoded body (nil when empty).
func jsonDo(w *webClient, method, path string, body any, headers ...string) (int, map[string]any) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.base+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			w.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, m
}

// webLogin logs a web client in with a password and returns where it was sent.
func webLogin(t *testing.T, w *webClient, user, password string) string {
	t.Helper()
	st, h, body := w.do("POST", "/login", url.Values{"username": {user}, "password": {password}})
	if st != http.StatusSeeOther {
		t.Fatalf("login %s = %d\n%.400s", user, st, body)
	}
	return h.Get("Location")
}

func totpNow(t *testing.T, secret string, offset time.Duration) string {
	t.Helper()
	c, err := auth.TOTPCode(secret, time.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantProblem(t *testing.T, what string, st int, body map[string]any, status int, typ string) {
	t.Helper()
	if st != status || (typ != "" && body["type"] != typ) {
		t.Errorf("%s = %d %v, want %d %s", what, st, body, status, typ)
	}
}

func auditRows(t *testing.T, a *apptest.App, action, outcome string) int {
	t.Helper()
	var n int
	if err := a.App.DB.Read.QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 AND outcome = $2`, action, outcome).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var secretOnPage = regexp.MustCompile(`id="mfa-secret">([A-Z2-7]+)<`)

// TestAccountSecurityAPI runs account hardening end to end on every engine: the password
// policy, re-authentication before role changes (never with API tokens), MFA enrollment
// and the second login step, recovery codes, the "MFA required" setting with its
// enrollment-only sessions (tokens unaffected), resets and the audit trail.
func TestAccountSecurityAPI(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			rootTok := a.User(t, "root", "admin", "")
			viewerTok := a.User(t, "viewer1", "viewer", "")

			// The password policy.
			r := a.Do(t, "POST", "/api/v1/users", rootTok, map[string]any{"username": "weak", "role": "viewer", "password": "woaini1314"})
			if r.Status != http.StatusUnprocessableEntity || !bytes.Contains(r.Body, []byte("too common")) {
				t.Errorf("common password = %d %s", r.Status, r.Body)
			}
			if _, err := a.TryRun("qq123456789\n", "user", "add", "weak2", "--role", "viewer", "--password-stdin"); err == nil {
				t.Error("the CLI accepted a common password")
			}

			// Role changes need a recent re-authentication, which API tokens never have.
			var users struct {
				Items []struct{ ID, Username string }
			}
			a.Do(t, "GET", "/api/v1/users", rootTok, nil).Decode(t, &users)
			ids := map[string]string{}
			for _, u := range users.Items {
				ids[u.Username] = u.ID
			}
			var rp map[string]any
			r = a.Do(t, "PATCH", "/api/v1/users/"+ids["viewer1"], rootTok, map[string]any{"role": "hr"})
			_ = json.Unmarshal(r.Body, &rp)
			wantProblem(t, "role change with a token", r.Status, rp, http.StatusForbidden, auth.ProblemReauth)
			if !strings.Contains(rp["detail"].(string), "re-authenticate") {
				t.Errorf("detail = %v", rp["detail"])
			}
			mustStatus(t, a.Do(t, "PATCH", "/api/v1/users/"+ids["viewer1"], rootTok, map[string]any{"display_name": "只读"}), http.StatusOK)
			root := newWebClient(t, a.URL)
			if loc := webLogin(t, root, "root", accountPW); loc != "/people" {
				t.Fatalf("login went to %s", loc)
			}
			if st, body := jsonDo(root, "PATCH", "/api/v1/users/"+ids["viewer1"], map[string]any{"role": "hr"}); st != http.StatusOK || body["role"] != "hr" {
				t.Fatalf("role change right after login = %d %v", st, body)
			}
			st, body := jsonDo(root, "PATCH", "/api/v1/users/"+ids["viewer1"], map[string]any{"role": "viewer"})
			if st != http.StatusOK {
				t.Fatalf("role change back = %d %v", st, body)
			}

			// Re-authentication: cookie sessions only; never stored under an Idempotency-Key.
			r = a.Do(t, "POST", "/api/v1/session/reauth", rootTok, map[string]any{"password": accountPW})
			mustStatus(t, r, http.StatusForbidden)
			st, body = jsonDo(root, "POST", "/api/v1/session/reauth", map[string]any{"password": "Wrong-Horse-Battery-9"})
			wantProblem(t, "wrong re-authentication", st, body, http.StatusUnauthorized, "")
			st, body = jsonDo(root, "POST", "/api/v1/session/reauth", map[string]any{"password": accountPW}, "Idempotency-Key", "reauth-1")
			if st != http.StatusOK || body["valid_until"] == nil {
				t.Fatalf("reauth = %d %v", st, body)
			}
			var stored int
			_ = a.App.DB.Read.QueryRow(`SELECT count(*) FROM idempotency_keys WHERE key = 'reauth-1'`).Scan(&stored)
			if stored != 0 {
				t.Error("a re-authentication (with its password) was stored for idempotency")
			}

			// MFA enrollment over the API, from the web session only.
			mustStatus(t, a.Do(t, "POST", "/api/v1/me/mfa", rootTok, nil), http.StatusForbidden)
			st, enr := jsonDo(root, "POST", "/api/v1/me/mfa", nil)
			secret, _ := enr["secret"].(string)
			if st != http.StatusOK || len(secret) != 32 || !strings.HasPrefix(enr["otpauth_uri"].(string), "otpauth://totp/Lifeline:root?") {
				t.Fatalf("begin = %d %v", st, enr)
			}
			st, body = jsonDo(root, "POST", "/api/v1/me/mfa/confirm", map[string]any{"code": totpNow(t, secret, 10*time.Minute)})
			wantProblem(t, "wrong confirmation code", st, body, http.StatusUnprocessableEntity, "")
			st, body = jsonDo(root, "POST", "/api/v1/me/mfa/confirm", map[string]any{"code": totpNow(t, secret, 0)})
			codes, _ := body["recovery_codes"].([]any)
			if st != http.StatusOK || len(codes) != 10 {
				t.Fatalf("confirm = %d %v", st, body)
			}
			if st, body = jsonDo(root, "GET", "/api/v1/me", nil); body["mfa_enabled"] != true || body["mfa_enrollment_required"] != false {
				t.Errorf("me after enrollment = %d %v", st, body)
			}

			// The second login step (web).
			root2 := newWebClient(t, a.URL)
			if loc := webLogin(t, root2, "root", accountPW); loc != "/login/mfa" {
				t.Fatalf("login with MFA went to %s", loc)
			}
			if st, _ := jsonDo(root2, "GET", "/api/v1/me", nil); st != http.StatusUnauthorized {
				t.Fatalf("a login waiting for its code reads the API: %d", st)
			}
			st, _, page := root2.do("GET", "/login/mfa", nil)
			if st != http.StatusOK || !strings.Contains(page, `name="code"`) {
				t.Fatalf("code page = %d", st)
			}
			st, _, page = root2.do("POST", "/login/mfa", url.Values{"code": {totpNow(t, secret, 10*time.Minute)}})
			if st != http.StatusUnauthorized || !strings.Contains(page, "验证码错误") {
				t.Fatalf("wrong code = %d\n%.300s", st, page)
			}
			st, h, _ := root2.do("POST", "/login/mfa", url.Values{"code": {totpNow(t, secret, 30*time.Second)}})
			if st != http.StatusSeeOther || h.Get("Location") != "/people" {
				t.Fatalf("right code = %d %s", st, h.Get("Location"))
			}
			if st, _ := jsonDo(root2, "GET", "/api/v1/me", nil); st != http.StatusOK {
				t.Fatalf("after the code: %d", st)
			}
			st, body = jsonDo(root2, "POST", "/api/v1/session/reauth", map[string]any{"password": accountPW})
			wantProblem(t, "reauth without a code", st, body, http.StatusUnprocessableEntity, "")
			if st, _ = jsonDo(root2, "POST", "/api/v1/session/reauth", map[string]any{"password": accountPW, "code": codes[0]}); st != http.StatusOK {
				t.Fatalf("reauth with a recovery code = %d", st)
			}
			if st, _ = jsonDo(root2, "POST", "/api/v1/session/reauth", map[string]any{"password": accountPW, "code": codes[0]}); st != http.StatusUnauthorized {
				t.Fatalf("a recovery code worked twice: %d", st)
			}

			// The setting: off on a fresh install; only a re-authenticated admin changes it.
			r = a.Do(t, "GET", "/api/v1/settings/security", rootTok, nil)
			mustStatus(t, r, http.StatusOK)
			if r.JSON(t)["require_mfa"] != false {
				t.Fatalf("fresh settings = %s", r.Body)
			}
			mustStatus(t, a.Do(t, "GET", "/api/v1/settings/security", viewerTok, nil), http.StatusForbidden)
			r = a.Do(t, "PATCH", "/api/v1/settings/security", rootTok, map[string]any{"require_mfa": true})
			rp = nil
			_ = json.Unmarshal(r.Body, &rp)
			wantProblem(t, "settings with a token", r.Status, rp, http.StatusForbidden, auth.ProblemReauth)
			if st, body = jsonDo(root2, "PATCH", "/api/v1/settings/security", map[string]any{"require_mfa": true}); st != http.StatusOK || body["require_mfa"] != true {
				t.Fatalf("require MFA = %d %v", st, body)
			}

			// An admin without MFA may now only enroll (web sessions); tokens are unaffected.
			admin2Tok := a.User(t, "admin2", "admin", "")
			adm := newWebClient(t, a.URL)
			webLogin(t, adm, "admin2", accountPW)
			st, body = jsonDo(adm, "GET", "/api/v1/people", nil)
			wantProblem(t, "enrollment-only session", st, body, http.StatusForbidden, "urn:lifeline:problem:mfa-enrollment-required")
			if st, body = jsonDo(adm, "GET", "/api/v1/me", nil); st != http.StatusOK || body["mfa_enrollment_required"] != true {
				t.Errorf("me of an enrollment-only session = %d %v", st, body)
			}
			if st, h, _ = adm.do("GET", "/people", nil); st != http.StatusSeeOther || h.Get("Location") != "/account/mfa" {
				t.Errorf("page of an enrollment-only session = %d %s", st, h.Get("Location"))
			}
			mustStatus(t, a.Do(t, "GET", "/api/v1/people", admin2Tok, nil), http.StatusOK)
			// Web enrollment.
			st, _, page = adm.do("GET", "/account/mfa", nil)
			if st != http.StatusOK || !strings.Contains(page, `id="mfa-start"`) {
				t.Fatalf("enrollment page = %d", st)
			}
			st, _, page = adm.do("POST", "/account/mfa", url.Values{})
			m := secretOnPage.FindStringSubmatch(page)
			if st != http.StatusOK || m == nil || !strings.Contains(page, "otpauth://totp/Lifeline:admin2?") {
				t.Fatalf("enrollment started = %d\n%.500s", st, page)
			}
			st, _, page = adm.do("POST", "/account/mfa/confirm", url.Values{"code": {totpNow(t, m[1], 10*time.Minute)}})
			if st != http.StatusUnprocessableEntity || !strings.Contains(page, m[1]) || !strings.Contains(page, `aria-invalid="true"`) {
				t.Fatalf("wrong code on the enrollment page = %d", st)
			}
			st, _, page = adm.do("POST", "/account/mfa/confirm", url.Values{"code": {totpNow(t, m[1], 0)}})
			if st != http.StatusOK || strings.Count(page, "<li>") != 10 || !strings.Contains(page, "只显示这一次") {
				t.Fatalf("recovery codes page = %d\n%.500s", st, page)
			}
			if st, _ = jsonDo(adm, "GET", "/api/v1/people", nil); st != http.StatusOK {
				t.Fatalf("after enrolling = %d", st)
			}

			// Resets and removal.
			mustStatus(t, a.Do(t, "DELETE", "/api/v1/users/"+ids["root"]+"/mfa", admin2Tok, nil), http.StatusForbidden)
			mustStatus(t, a.Do(t, "DELETE", "/api/v1/users/"+ids["root"]+"/mfa", viewerTok, nil), http.StatusNotFound)
			if st, _ = jsonDo(root2, "DELETE", "/api/v1/me/mfa", nil); st != http.StatusConflict {
				t.Errorf("own MFA removed while required: %d", st)
			}
			var admin2ID string
			_ = a.App.DB.Read.QueryRow(`SELECT id FROM users WHERE username = 'admin2'`).Scan(&admin2ID)
			if st, _ = jsonDo(root2, "DELETE", "/api/v1/users/"+admin2ID+"/mfa", nil); st != http.StatusNoContent {
				t.Fatalf("admin reset = %d", st)
			}
			if st, _ = jsonDo(adm, "GET", "/api/v1/me", nil); st != http.StatusUnauthorized {
				t.Errorf("a session survived its MFA reset: %d", st)
			}

			// The audit trail.
			for _, c := range []struct {
				action, outcome string
			}{{"mfa.enroll.begin", "ok"}, {"mfa.enroll", "ok"}, {"mfa.enroll", "failed"}, {"login", "failed"}, {"login.password", "ok"},
				{"mfa.recovery_code.use", "ok"}, {"reauth", "ok"}, {"reauth", "failed"}, {"settings.update", "ok"}, {"mfa.remove", "ok"}} {
				if auditRows(t, a, c.action, c.outcome) == 0 {
					t.Errorf("no audit record %s/%s", c.action, c.outcome)
				}
			}
		})
	}
}

// TestAccountSecurityPages checks the account pages: re-authentication, and a password
// change refused by the policy (in Chinese) and then accepted, which ends the session.
func TestAccountSecurityPages(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	a.AddUser(t, "pat", "hr", accountPW, "")
	w := newWebClient(t, a.URL)
	webLogin(t, w, "pat", accountPW)

	st, _, page := w.do("GET", "/account/security", nil)
	if st != http.StatusOK || !strings.Contains(page, "两步验证") || !strings.Contains(page, `action="/account/password"`) || strings.Contains(page, `name="require_mfa"`) {
		t.Fatalf("account page = %d\n%.500s", st, page)
	}
	st, _, page = w.do("GET", "/account/reauth?next=/account/mfa", nil)
	if st != http.StatusOK || !strings.Contains(page, `value="/account/mfa"`) || strings.Contains(page, `name="code"`) {
		t.Fatalf("reauth page = %d", st)
	}
	st, _, page = w.do("POST", "/account/reauth", url.Values{"password": {"Wrong-Horse-Battery-9"}, "next": {"/account/mfa"}})
	if st != http.StatusUnauthorized || !strings.Contains(page, "密码或验证码错误") {
		t.Fatalf("wrong reauth = %d", st)
	}
	st, h, _ := w.do("POST", "/account/reauth", url.Values{"password": {accountPW}, "next": {"https://evil.example/"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/account/security" {
		t.Fatalf("reauth = %d %s", st, h.Get("Location"))
	}

	st, _, page = w.do("POST", "/account/password", url.Values{"password": {"woaini1314"}, "confirm": {"woaini1314"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, `id="password-error">这个密码太常见`) {
		t.Fatalf("common password = %d", st)
	}
	st, _, page = w.do("POST", "/account/password", url.Values{"password": {"3456789012"}, "confirm": {"3456789012"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, `id="password-error">密码不能是键盘或数字序列`) {
		t.Fatalf("sequence password = %d", st)
	}
	st, _, page = w.do("POST", "/account/password", url.Values{"password": {"tide-lantern-gravel"}, "confirm": {"tide-lantern-grave1"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, "不一致") {
		t.Fatalf("mismatch = %d", st)
	}
	st, h, _ = w.do("POST", "/account/password", url.Values{"password": {"tide-lantern-gravel"}, "confirm": {"tide-lantern-gravel"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/login?notice=password" {
		t.Fatalf("password change = %d %s", st, h.Get("Location"))
	}
	if st, _, _ = w.do("GET", "/people", nil); st != http.StatusSeeOther {
		t.Errorf("the session survived the password change: %d", st)
	}
	st, _, page = w.do("GET", "/login?notice=password", nil)
	if st != http.StatusOK || !strings.Contains(page, "密码已修改") {
		t.Errorf("no notice after the password change")
	}
	if loc := webLogin(t, w, "pat", "tide-lantern-gravel"); loc != "/people" {
		t.Errorf("login with the new password went to %s", loc)
	}
}
