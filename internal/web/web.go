// Package web is Lifeline's server-rendered user interface: html/template pages and htmx
// fragments, their translations (Chinese by default, English) and the embedded static
// files. It renders; the server package decides what to render.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"lifeline/internal/access"
)

//go:embed templates static
var files embed.FS

// pageNames are the full pages; each lives in templates/pages/<name>.html and defines
// "content" plus any fragments it owns.
var pageNames = []string{"login", "people", "person", "departments", "error",
	"audit", "keys", "incidents", "incident", "grants", "sheet",
	"login-code", "account", "mfa-setup", "reauth",
	"exports",
	"imports", "quality",
	"rosters", "roster", "roster-print",
	"reviews", "review", "review-report",
	"ack",
	"board", "providers", "incident-report", "drills", "remediation"}

// Renderer renders pages and fragments. It is built once and safe for concurrent use:
// every language has its own immutable template sets, so nothing changes per request.
type Renderer struct {
	pages     map[Lang]map[string]*template.Template // language → page → layout with that page
	fragments map[string]string                      // fragment name → the page that defines it
	assets    map[string]string                      // static file name → content hash
	static    fs.FS
	loc       *time.Location
}

// View is what every template receives: the frame of the page and the page's own data.
type View struct {
	Lang  Lang
	Title string            // the page title, translated
	Nav   string            // active navigation entry: "people", "departments" or ""
	User  *access.Principal // nil when nobody is logged in
	Path  string            // the current local URL, where the language switch returns to
	Data  any

	ActiveGrants []GrantBanner // the user's active break-glass grants, announced on every page
}

// New parses the embedded templates once for every language.
func New() (*Renderer, error) {
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}
	r := &Renderer{
		pages:     map[Lang]map[string]*template.Template{},
		fragments: map[string]string{},
		assets:    map[string]string{},
		static:    static,
		loc:       shanghai(),
	}
	err = fs.WalkDir(static, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		r.assets[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash static files: %w", err)
	}
	for _, lang := range []Lang{Zh, En} {
		base, err := template.New("layout.html").Funcs(r.funcs(lang)).ParseFS(files, "templates/layout.html")
		if err != nil {
			return nil, fmt.Errorf("parse layout: %w", err)
		}
		baseNames := map[string]bool{}
		for _, t := range base.Templates() {
			baseNames[t.Name()] = true
		}
		r.pages[lang] = map[string]*template.Template{}
		for _, name := range pageNames {
			set, err := template.Must(base.Clone()).ParseFS(files, "templates/pages/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("parse page %s: %w", name, err)
			}
			if set.Lookup("content") == nil {
				return nil, fmt.Errorf("page %s defines no content", name)
			}
			r.pages[lang][name] = set
			if lang != Zh {
				continue
			}
			for _, t := range set.Templates() {
				n := t.Name()
				if baseNames[n] || n == "content" || n == name+".html" {
					continue
				}
				if other, dup := r.fragments[n]; dup {
					return nil, fmt.Errorf("fragment %q defined by pages %s and %s", n, other, name)
				}
				r.fragments[n] = name
			}
		}
	}
	return r, nil
}

// Render writes a full page: the layout around the content of the named page.
func (r *Renderer) Render(w http.ResponseWriter, status int, page string, v View) error {
	set, ok := r.pages[v.Lang][page]
	if !ok {
		set, ok = r.pages[Zh][page]
	}
	if !ok {
		return fmt.Errorf("web: no page %q", page)
	}
	return write(w, status, set, "layout", v)
}

// Fragment writes one named fragment of a page on its own, as htmx swaps it in.
func (r *Renderer) Fragment(w http.ResponseWriter, status int, name string, v View) error {
	page, ok := r.fragments[name]
	if !ok {
		return fmt.Errorf("web: no fragment %q", name)
	}
	set, ok := r.pages[v.Lang][page]
	if !ok {
		set = r.pages[Zh][page]
	}
	return write(w, status, set, name, v)
}

// write renders into a buffer first, so that a template error becomes a clean failure
// instead of half a page. HTML is personal data: it is never cached.
func write(w http.ResponseWriter, status int, set *template.Template, name string, v View) error {
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, name, v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "HX-Request")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// Static serves the embedded files under /static/. Versioned URLs (as the templates write
// them, with ?v=<hash>) are cached for a year; others for an hour. Directories are not listed.
func (r *Renderer) Static() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(r.static))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		name := strings.TrimPrefix(req.URL.Path, "/static/")
		hash, ok := r.assets[name]
		if !ok {
			http.NotFound(w, req)
			return
		}
		if v := req.URL.Query().Get("v"); v != "" && v == hash {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		w.Header().Set("ETag", `"`+hash+`"`)
		files.ServeHTTP(w, req)
	})
}

// Asset returns the versioned URL of a static file ("app.css" → "/static/app.css?v=…").
func (r *Renderer) Asset(name string) string {
	if h, ok := r.assets[name]; ok {
		return "/static/" + name + "?v=" + h
	}
	return "/static/" + name
}

// funcs are the template functions of one language.
func (r *Renderer) funcs(lang Lang) template.FuncMap {
	return template.FuncMap{
		"t":         lang.T,
		"label":     lang.Label,
		"field":     lang.FieldLabel,
		"changeval": lang.changeValue,
		"asset":     r.Asset,
		"datetime":  r.datetime,
		"errtitle":  lang.StatusText,
		"initial":   initial,
		"lastpart":  lastPart,
		"deptchain": deptChain,
		"list":      func(s ...string) []string { return s },
		"duration":  lang.Duration,
		"inc":       func(i int) int { return i + 1 },
		"medialist": func(ms []string) string {
			out := make([]string, len(ms))
			for i, m := range ms {
				out[i] = lang.Label("media", m)
			}
			return strings.Join(out, " → ")
		},
		"pickitem": func(id string, p PickedPerson, oob bool) PickItem {
			return PickItem{IncidentID: id, Person: p, OOB: oob}
		},
	}
}

// datetime shows a time (or *time.Time) in Asia/Shanghai; the zero time and nil show "".
func (r *Renderer) datetime(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	default:
		return ""
	}
	if t.IsZero() {
		return ""
	}
	return t.In(r.loc).Format("2006-01-02 15:04")
}

// StatusText names an HTTP error status in the language, for the title of an error page.
func (l Lang) StatusText(status int) string {
	key := fmt.Sprintf("error.%d", status)
	if _, ok := messages[key]; ok {
		return l.T(key)
	}
	if status >= 500 {
		return l.T("error.500")
	}
	return l.T("error.title")
}

// changeValue shows a recorded value of a changed field: statuses translated and
// department ids as department names when known; everything else as recorded.
func (l Lang) changeValue(field, v string, depts map[string]string) string {
	switch {
	case v == "":
		return ""
	case field == "status":
		return l.Label("status", v)
	case field == "department_id" && depts[v] != "":
		return deptChain(depts[v])
	}
	return v
}

// initial is the first character of a name, for an avatar.
func initial(name string) string {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(name))
	if r == utf8.RuneError {
		return "?"
	}
	return string(r)
}

// lastPart is the last segment of a department path ("集团/生产部/一车间" → "一车间").
func lastPart(p string) string {
	p = strings.Trim(p, "/")
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

// deptChain shows a department path with its root left out and arrows between the levels.
func deptChain(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if len(parts) > 1 {
		parts = parts[1:]
	}
	return strings.Join(parts, " › ")
}

// shanghai is the zone in which times are shown.
func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// LocalPath reports whether next is a local path that is safe to redirect to: it starts
// with one "/" and cannot be read by a browser as another host.
func LocalPath(next string) bool {
	if next == "" || next[0] != '/' || len(next) > 2048 {
		return false
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return false
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	return path.IsAbs(next)
}
