package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"lifeline/internal/alert"
	"lifeline/internal/audit"
	"lifeline/internal/auth"
	"lifeline/internal/crosscheck"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
	"lifeline/internal/export"
	"lifeline/internal/hrsync"
	"lifeline/internal/importer"
	"lifeline/internal/incident"
	"lifeline/internal/keys"
	"lifeline/internal/notify"
	"lifeline/internal/quality"
	"lifeline/internal/review"
	"lifeline/internal/roster"
	"lifeline/internal/web"
	"lifeline/internal/workdays"
)

// httpMethods are the operation keys of an OpenAPI path item.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// idempotencyKeyRef is the reusable Idempotency-Key header parameter every POST references.
const idempotencyKeyRef = "#/components/parameters/IdempotencyKey"

// openAPIDoc parses the embedded document.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(OpenAPIDocument()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

// operation is one documented operation.
type operation struct {
	method, path string
	item, op     map[string]any
}

func (o operation) String() string { return strings.ToUpper(o.method) + " " + o.path }

// operations lists the document's operations, sorted by path and method.
func operations(t *testing.T, doc map[string]any) []operation {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("the document has no paths object")
	}
	var out []operation
	for path, v := range paths {
		item, ok := v.(map[string]any)
		if !ok {
			t.Errorf("path %s: not an object", path)
			continue
		}
		for _, m := range httpMethods {
			if op, ok := item[m].(map[string]any); ok {
				out = append(out, operation{method: m, path: path, item: item, op: op})
			} else if _, present := item[m]; present {
				t.Errorf("%s %s: the operation is not an object", strings.ToUpper(m), path)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// resolve follows a local JSON pointer ("#/components/schemas/Person").
func resolve(doc map[string]any, ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("%q is not a local reference", ref)
	}
	var cur any = doc
	if ptr == "" {
		return cur, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("%q: bad JSON pointer", ref)
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q: %q is not inside an object", ref, tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("%q: no %q", ref, tok)
		}
	}
	return cur, nil
}

// deref resolves v if it is a {"$ref": ...} object, following chains.
func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		r, err := resolve(doc, ref)
		if err != nil {
			t.Errorf("%v", err)
			return nil
		}
		v = r
	}
	t.Errorf("$ref chain too long")
	return nil
}

// walk calls fn for every value in the tree with its location.
func walk(v any, at string, fn func(at string, v any)) {
	fn(at, v)
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			walk(e, at+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"), fn)
		}
	case []any:
		for i, e := range x {
			walk(e, fmt.Sprintf("%s/%d", at, i), fn)
		}
	}
}

// parameters returns an operation's parameters: path-item level ones overridden by the
// operation's own (same name and location), with $refs resolved, and the raw $refs used.
func parameters(t *testing.T, doc map[string]any, o operation) (params []map[string]any, refs []string) {
	t.Helper()
	byKey := map[string]int{}
	for _, level := range []map[string]any{o.item, o.op} {
		list, _ := level["parameters"].([]any)
		for _, raw := range list {
			if m, ok := raw.(map[string]any); ok {
				if ref, ok := m["$ref"].(string); ok {
					refs = append(refs, ref)
				}
			}
			p := deref(t, doc, raw)
			if p == nil {
				t.Errorf("%s: a parameter is not an object", o)
				continue
			}
			name, _ := p["name"].(string)
			in, _ := p["in"].(string)
			key := in + ":" + name
			if i, ok := byKey[key]; ok {
				params[i] = p
				continue
			}
			byKey[key] = len(params)
			params = append(params, p)
		}
	}
	return params, refs
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := openAPIDoc(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Error("info needs a title and a version")
	}

	// Every $ref resolves inside the document; no OpenAPI 3.0 leftovers.
	walk(doc, "#", func(at string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if ref, ok := m["$ref"]; ok {
			s, isString := ref.(string)
			if !isString {
				t.Errorf("%s: $ref is not a string", at)
			} else if _, err := resolve(doc, s); err != nil {
				t.Errorf("%s: unresolved $ref: %v", at, err)
			}
		}
		if _, ok := m["nullable"]; ok && !strings.HasSuffix(at, "/properties") {
			t.Errorf("%s: use type [\"…\", \"null\"], not nullable (OpenAPI 3.1 / JSON Schema 2020-12)", at)
		}
	})

	// Security: bearer and cookie globally; the document itself is public.
	comps, _ := doc["components"].(map[string]any)
	schemes, _ := comps["securitySchemes"].(map[string]any)
	if b := deref(t, doc, schemes["bearerAuth"]); b["type"] != "http" || b["scheme"] != "bearer" {
		t.Errorf("bearerAuth = %v, want an HTTP bearer scheme", b)
	}
	if c := deref(t, doc, schemes["cookieAuth"]); c["type"] != "apiKey" || c["in"] != "cookie" || c["name"] != sessionCookie {
		t.Errorf("cookieAuth = %v, want an apiKey in cookie %q", c, sessionCookie)
	}
	global, _ := doc["security"].([]any)
	var globalNames []string
	for _, req := range global {
		for name := range req.(map[string]any) {
			globalNames = append(globalNames, name)
			if schemes[name] == nil {
				t.Errorf("global security names unknown scheme %q", name)
			}
		}
	}
	sort.Strings(globalNames)
	if !slices.Equal(globalNames, []string{"bearerAuth", "cookieAuth"}) {
		t.Errorf("global security = %v, want bearerAuth or cookieAuth", globalNames)
	}

	tags := map[string]bool{}
	for _, tg := range doc["tags"].([]any) {
		tags[tg.(map[string]any)["name"].(string)] = true
	}

	ids := map[string]string{}
	ops := operations(t, doc)
	if len(ops) == 0 {
		t.Fatal("the document has no operations")
	}
	for _, o := range ops {
		id, _ := o.op["operationId"].(string)
		if id == "" {
			t.Errorf("%s: no operationId", o)
		} else if prev, dup := ids[id]; dup {
			t.Errorf("%s: operationId %q already used by %s", o, id, prev)
		} else {
			ids[id] = o.String()
		}
		opTags, _ := o.op["tags"].([]any)
		if len(opTags) == 0 {
			t.Errorf("%s: no tags", o)
		}
		for _, tg := range opTags {
			if name, _ := tg.(string); !tags[name] {
				t.Errorf("%s: tag %v is not declared at the top level", o, tg)
			}
		}
		responses, _ := o.op["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s: no responses", o)
		}
		success := false
		for code, r := range responses {
			if strings.HasPrefix(code, "2") {
				success = true
			}
			resp := deref(t, doc, r)
			if d, _ := resp["description"].(string); d == "" {
				t.Errorf("%s: response %s has no description", o, code)
			}
		}
		if !success {
			t.Errorf("%s: no 2xx response", o)
		}
		if rb := deref(t, doc, o.op["requestBody"]); rb != nil {
			content, _ := rb["content"].(map[string]any)
			if _, ok := content["application/json"]; !ok && content["multipart/form-data"] == nil { // uploads are multipart
				t.Errorf("%s: the request body is not application/json or multipart/form-data", o)
			}
		}
		if o.path == "/api/v1/openapi.json" {
			if sec, ok := o.op["security"].([]any); !ok || len(sec) != 0 {
				t.Errorf("%s: security = %v, want [] (public)", o, o.op["security"])
			}
		} else if _, ok := o.op["security"]; ok {
			t.Errorf("%s: overrides the global security", o)
		} else if _, ok := responses["401"]; !ok {
			t.Errorf("%s: an authenticated operation without a 401 response", o)
		}
	}
}

// TestOpenAPIMatchesRoutes checks the document against the routes the server registers,
// in both directions.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	// routes() only builds handlers, so a Server without services will do; the web route
	// needs a non-nil renderer for its static handler.
	s := &Server{web: &web.Renderer{}, metrics: newMetrics()}
	registered := map[string]bool{}
	for _, rt := range s.routes() {
		if strings.HasPrefix(rt.Pattern, "/api/v1/") {
			key := rt.Method + " " + rt.Pattern
			if registered[key] {
				t.Errorf("route %s registered twice", key)
			}
			registered[key] = true
		}
	}
	if len(registered) == 0 {
		t.Fatal("the server registers no /api/v1/ routes")
	}

	documented := map[string]bool{}
	for _, o := range operations(t, openAPIDoc(t)) {
		if !strings.HasPrefix(o.path, "/api/v1/") {
			t.Errorf("documented path %s is outside /api/v1/", o.path)
		}
		documented[o.String()] = true
	}

	var undocumented, missing []string
	for k := range registered {
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(missing)
	if len(undocumented) > 0 {
		t.Errorf("routes registered in routes.go but missing from openapi.json:\n  %s", strings.Join(undocumented, "\n  "))
	}
	if len(missing) > 0 {
		t.Errorf("operations in openapi.json that the server does not register:\n  %s", strings.Join(missing, "\n  "))
	}
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// TestOpenAPIParameters checks that every path template parameter is declared as a
// required path parameter, and that every POST takes the Idempotency-Key header.
func TestOpenAPIParameters(t *testing.T) {
	doc := openAPIDoc(t)
	idem := deref(t, doc, map[string]any{"$ref": idempotencyKeyRef})
	if idem == nil || idem["name"] != "Idempotency-Key" || idem["in"] != "header" {
		t.Fatalf("%s = %v, want the Idempotency-Key header parameter", idempotencyKeyRef, idem)
	}
	if d, _ := idem["description"].(string); !strings.Contains(d, "Idempotent-Replayed") {
		t.Errorf("the Idempotency-Key parameter should describe replays (Idempotent-Replayed: true)")
	}

	for _, o := range operations(t, doc) {
		params, refs := parameters(t, doc, o)
		inTemplate := map[string]bool{}
		for _, m := range pathParam.FindAllStringSubmatch(o.path, -1) {
			inTemplate[m[1]] = true
		}
		declared := map[string]bool{}
		for _, p := range params {
			name, _ := p["name"].(string)
			in, _ := p["in"].(string)
			if name == "" || in == "" {
				t.Errorf("%s: a parameter without name or in: %v", o, p)
			}
			if p["schema"] == nil && p["content"] == nil {
				t.Errorf("%s: parameter %s has no schema", o, name)
			}
			if in != "path" {
				continue
			}
			declared[name] = true
			if req, _ := p["required"].(bool); !req {
				t.Errorf("%s: path parameter %s is not required: true", o, name)
			}
			if !inTemplate[name] {
				t.Errorf("%s: declares path parameter %s that is not in the template", o, name)
			}
		}
		for name := range inTemplate {
			if !declared[name] {
				t.Errorf("%s: {%s} is not declared as a path parameter", o, name)
			}
		}
		if o.method == "post" && !slices.Contains(refs, idempotencyKeyRef) {
			t.Errorf("%s: a POST without the Idempotency-Key parameter (%s)", o, idempotencyKeyRef)
		}
	}
}

// TestOpenAPIServed checks that the handler serves the embedded document verbatim.
func TestOpenAPIServed(t *testing.T) {
	s := &Server{}
	rec := httptest.NewRecorder()
	if err := s.openAPI(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)); err != nil {
		t.Fatal(err)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	if !bytes.Equal(rec.Body.Bytes(), OpenAPIDocument()) || len(OpenAPIDocument()) == 0 {
		t.Error("the served document differs from the embedded one")
	}
}

// jsonFields returns the JSON names of a struct's fields, flattening embedded structs, and
// whether each is omitted when empty.
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = strings.Contains(","+opts+",", ",omitempty,")
	}
	return out
}

// schemaFields returns a schema's property names and required names, merging allOf members.
func schemaFields(t *testing.T, doc map[string]any, schema map[string]any) (props, required map[string]bool) {
	t.Helper()
	props, required = map[string]bool{}, map[string]bool{}
	ps, _ := schema["properties"].(map[string]any)
	for k := range ps {
		props[k] = true
	}
	rs, _ := schema["required"].([]any)
	for _, r := range rs {
		name, _ := r.(string)
		required[name] = true
	}
	all, _ := schema["allOf"].([]any)
	for _, sub := range all {
		p, r := schemaFields(t, doc, deref(t, doc, sub))
		for k := range p {
			props[k] = true
		}
		for k := range r {
			required[k] = true
		}
	}
	return props, required
}

// TestOpenAPISchemasMatchTypes checks each schema against the Go type it describes: the
// same JSON fields and, for answers, required exactly when the field is never omitted.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	doc := openAPIDoc(t)
	answers := map[string]any{
		"WorkdaysResult":      workdaysResult{},
		"WorkdayDay":          workdays.Day{},
		"WorkdayYear":         workdays.Year{},
		"WorkdayOverride":     workdays.Override{},
		"Problem":             problem{},
		"FieldError":          errs.FieldError{},
		"Department":          directory.Department{},
		"DepartmentList":      list[directory.Department]{},
		"Channel":             directory.Channel{},
		"EmergencyContact":    directory.EmergencyContact{},
		"Person":              directory.Person{},
		"PersonSummary":       directory.PersonSummary{},
		"PersonSummaryList":   list[directory.PersonSummary]{},
		"Change":              directory.Change{},
		"HistoryEntry":        directory.HistoryEntry{},
		"HistoryList":         list[directory.HistoryEntry]{},
		"AuditEntry":          audit.Entry{},
		"AuditEntryList":      list[audit.Entry]{},
		"OrgContact":          directory.OrgContact{},
		"Organization":        directory.Organization{},
		"OrganizationList":    list[directory.Organization]{},
		"SearchResult":        searchResult{},
		"User":                auth.User{},
		"UserList":            list[auth.User]{},
		"Me":                  meView{},
		"Token":               auth.Token{},
		"TokenCreated":        tokenCreated{},
		"TokenList":           list[auth.Token]{},
		"MFAStatus":           auth.MFAStatus{},
		"MFAEnrollment":       auth.MFAEnrollment{},
		"RecoveryCodes":       auth.RecoveryCodes{},
		"ReauthResult":        reauthResult{},
		"SecuritySettings":    auth.SecuritySettings{},
		"Incident":            incident.Incident{},
		"IncidentList":        list[incident.Incident]{},
		"Grant":               incident.Grant{},
		"GrantList":           list[incident.Grant]{},
		"ContactSheet":        contactSheet{},
		"MyData":              myDataExport{},
		"KeyStatus":           keys.KeyStatus{},
		"KeyStatusList":       list[keys.KeyStatus]{},
		"Finding":             quality.Finding{},
		"FindingList":         list[quality.Finding]{},
		"QualityStats":        quality.Stats{},
		"QualitySummary":      quality.Summary{},
		"DepartmentAccuracy":  quality.DepartmentAccuracy{},
		"WorstContact":        quality.WorstContact{},
		"Factor":              quality.Factor{},
		"Score":               quality.Score{},
		"ScoreList":           list[quality.Score]{},
		"HREventResult":       hrsync.Result{},
		"Alert":               alert.Alert{},
		"AlertList":           list[alert.Alert]{},
		"ExportRequest":       export.Request{},
		"ExportRequestList":   list[export.Request]{},
		"CrossCheckReport":    crosscheck.Report{},
		"CrossCheckRow":       crosscheck.Row{},
		"CrossCheckProblem":   crosscheck.Problem{},
		"ImportReport":        importer.Report{},
		"ImportProblem":       importer.Problem{},
		"ImportRowResult":     importer.RowResult{},
		"ImportRejected":      importRejected{},
		"Roster":              roster.Roster{},
		"RosterList":          list[roster.Roster]{},
		"RosterOwner":         roster.Owner{},
		"RosterBackup":        roster.Backup{},
		"RosterMember":        roster.Member{},
		"RosterHistoryEntry":  roster.HistoryEntry{},
		"RosterHistoryList":   list[roster.HistoryEntry]{},
		"RosterTemplate":      roster.Template{},
		"RosterTemplateList":  list[roster.Template]{},
		"Rotation":            roster.Rotation{},
		"RotationList":        list[roster.Rotation]{},
		"RotationPerson":      roster.RotationPerson{},
		"RotationOverride":    roster.Override{},
		"OnDuty":              roster.OnDuty{},
		"OnDutyReport":        roster.OnDutyReport{},
		"ICSLink":             roster.ICSLink{},
		"ReviewTask":          review.Task{},
		"ReviewTaskList":      list[review.Task]{},
		"ReviewItem":          review.Item{},
		"Notification":        notify.Notification{},
		"NotificationList":    list[notify.Notification]{},
		"NotificationCounts":  notify.Counts{},
		"NotificationPreview": notify.Preview{},
		"NotificationBoard":   notify.Board{},
		"BoardEntry":          notify.BoardEntry{},
		"Provider":            providerAnswer{},
		"ProviderList":        list[providerAnswer]{},
		"IncidentUpdate":      incident.Update{},
		"IncidentUpdateList":  list[incident.Update]{},
		"IncidentReport":      notify.Report{},
		"ReportGroup":         notify.Group{},
		"DrillTrend":          notify.DrillTrend{},
		"DrillTrendList":      list[notify.DrillTrend]{},
		"RemediationTask":     notify.Task{},
		"RemediationTaskList": list[notify.Task]{},
	}
	inputs := map[string]any{
		"WorkdayOverrideInput":  workdays.OverrideInput{},
		"DepartmentInput":       directory.DepartmentInput{},
		"DepartmentCreate":      directory.DepartmentInput{},
		"ChannelInput":          directory.ChannelInput{},
		"EmergencyContactInput": directory.EmergencyContactInput{},
		"PersonInput":           directory.PersonInput{},
		"PersonCreate":          directory.PersonInput{},
		"OrgContactInput":       directory.OrgContactInput{},
		"OrgContactCreate":      directory.OrgContactInput{},
		"OrganizationInput":     directory.OrganizationInput{},
		"OrganizationCreate":    directory.OrganizationInput{},
		"UserInput":             auth.UserInput{},
		"UserCreate":            auth.UserInput{},
		"RevealInput":           reasonInput{},
		"CodeInput":             codeInput{},
		"ReauthInput":           reauthInput{},
		"SecuritySettingsInput": auth.SecuritySettingsInput{},
		"IncidentInput":         incident.Input{},
		"GrantInput":            incident.GrantInput{},
		"HREvent":               hrsync.Event{},
		"HRContact":             hrsync.Contact{},
		"ExportInput":           export.Input{},
		"ExportDecision":        decisionInput{},
		"RosterInput":           roster.Input{},
		"RosterCreate":          roster.Input{},
		"RosterMemberInput":     roster.MemberInput{},
		"RosterMemberCreate":    roster.MemberInput{},
		"RotationInput":         roster.RotationInput{},
		"RotationCreate":        roster.RotationInput{},
		"RotationOverrideInput": roster.OverrideInput{},
		"ReviewConfirmInput":    review.ConfirmInput{},
		"ReviewDecision":        review.Decision{},
		"NotificationInput":     notify.Input{},
		"NotificationAudience":  notify.Audience{},
		"EscalationPolicy":      notify.Policy{},
		"ProviderInput":         notify.ProviderInput{},
		"ProviderPatch":         providerPatch{},
		"IncidentUpdateInput":   incident.UpdateInput{},
	}
	for name, v := range answers {
		checkSchema(t, doc, name, v, true)
	}
	for name, v := range inputs {
		checkSchema(t, doc, name, v, false)
	}
}

// checkSchema checks a component schema against the Go type it describes: the same JSON
// fields and, for answers, required exactly when the field is never omitted.
func checkSchema(t *testing.T, doc map[string]any, name string, v any, answer bool) {
	t.Helper()
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	schema := deref(t, doc, schemas[name])
	if schema == nil {
		t.Errorf("no schema %s", name)
		return
	}
	props, required := schemaFields(t, doc, schema)
	fields := jsonFields(reflect.TypeOf(v))
	for f, omitempty := range fields {
		switch {
		case !props[f]:
			t.Errorf("schema %s lacks field %q of %T", name, f, v)
		case answer && !omitempty && !required[f]:
			t.Errorf("schema %s: %q is always present in %T, so it should be required", name, f, v)
		case answer && omitempty && required[f]:
			t.Errorf("schema %s: %q is omitted when empty in %T, so it cannot be required", name, f, v)
		}
	}
	for p := range props {
		if _, ok := fields[p]; !ok {
			t.Errorf("schema %s documents %q, which %T does not have", name, p, v)
		}
	}
	for r := range required {
		if !props[r] {
			t.Errorf("schema %s requires %q, which it does not describe", name, r)
		}
	}
}
