package crosscheck_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lifeline/internal/apptest"
	"lifeline/internal/crosscheck"
	"lifeline/internal/quality"
	"lifeline/internal/store/storetest"
)

// upload posts a cross-check list as multipart/form-data.
func upload(t *testing.T, a *apptest.App, token, source, name string, file []byte) apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if source != "" {
		_ = mw.WriteField("source", source)
	}
	if file != nil {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, a.URL+"/api/v1/quality/cross-check", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return a.Send(t, req)
}

// TestCrossCheckAPI loads an attendance list through the API and a payroll list through
// the CLI, and finds the mismatches among the data-quality findings.
func TestCrossCheckAPI(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a := apptest.StartOn(t, e, apptest.Options{})
			dir := t.TempDir()
			staffFile := filepath.Join(dir, "staff.csv")
			if err := os.WriteFile(staffFile, []byte(staff), 0o600); err != nil {
				t.Fatal(err)
			}
			a.Run(t, "", "import", "people", staffFile)
			hr := a.User(t, "hr1", "hr", "")
			viewer := a.User(t, "viewer1", "viewer", "")

			list := []byte("工号,手机\nE001,138-0013-8001\nE002,13900000000\nE404,13700000003\n")
			resp := upload(t, a, hr, "考勤", "attendance.csv", list)
			if resp.Status != http.StatusOK {
				t.Fatalf("upload: %d %s", resp.Status, resp.Body)
			}
			var rep crosscheck.Report
			resp.Decode(t, &rep)
			if rep.Source != "考勤" || rep.Rows != 3 || rep.Loaded != 2 || rep.Matched != 1 || rep.Mismatched != 1 ||
				len(rep.Unknown) != 1 || rep.Unknown[0].Line != 4 || len(rep.Mismatches) != 1 || rep.Mismatches[0].Masked != "139****0000" {
				t.Errorf("report = %+v", rep)
			}
			if bytes.Contains(resp.Body, []byte("13900000000")) {
				t.Error("the answer holds the other system's plaintext number")
			}

			// The findings follow at once.
			resp = a.Do(t, "GET", "/api/v1/quality/findings?code=cross_check_mismatch", hr, nil)
			var found struct{ Items []quality.Finding }
			resp.Decode(t, &found)
			if resp.Status != http.StatusOK || len(found.Items) != 1 || found.Items[0].EmployeeNo != "E002" || found.Items[0].Subject != "self" {
				t.Errorf("findings = %d %s", resp.Status, resp.Body)
			}

			// Refusals: a viewer, no source, no file, no phone column.
			if resp := upload(t, a, viewer, "考勤", "a.csv", list); resp.Status != http.StatusForbidden {
				t.Errorf("viewer: %d %s", resp.Status, resp.Body)
			}
			for _, c := range []struct {
				source string
				file   []byte
				field  string
			}{{"", list, "source"}, {"考勤", nil, "file"}, {"考勤", []byte("工号,姓名\nE001,张伟\n"), "file"}} {
				resp := upload(t, a, hr, c.source, "a.csv", c.file)
				if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(string(resp.Body), `"field":"`+c.field+`"`) {
					t.Errorf("source %q: %d %s", c.source, resp.Status, resp.Body)
				}
			}

			// The CLI loads a second source and rechecks.
			payroll := filepath.Join(dir, "payroll.csv")
			if err := os.WriteFile(payroll, []byte("员工编号,手机号码\nE006,15099999999\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			out := a.Run(t, "", "quality", "cross-check", payroll, "--source", "payroll")
			if !strings.Contains(out, "cross-check payroll") || !strings.Contains(out, "mismatched 1") ||
				!strings.Contains(out, "mismatch line 2 E006: 150****9999") || !strings.Contains(out, "2 cross_check_mismatch findings") {
				t.Errorf("CLI output:\n%s", out)
			}
			if _, err := a.TryRun("", "quality", "cross-check", payroll); err == nil {
				t.Error("cross-check without --source succeeded")
			}
			csvOut := a.Run(t, "", "quality", "findings", "--code", "cross_check_mismatch")
			if !strings.Contains(csvOut, "E002,self,cross_check_mismatch") || !strings.Contains(csvOut, "E006,self,cross_check_mismatch") {
				t.Errorf("findings CSV:\n%s", csvOut)
			}
		})
	}
}
