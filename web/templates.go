package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pictor-social/pictor/static"
)

// pageNames are the page templates; each is parsed together with layout.html.
var pageNames = []string{"explore", "profile", "post", "signin", "consent", "oauth_result", "compose", "job",
	"admin", "error", "authorize", "settings", "notifications", "screening"}

// templates holds the parsed page templates, or re-reads them from dir on
// every use when dir is set (development).
type templates struct {
	dir    string
	pages  map[string]*template.Template
	assets map[string]string // static path → content hash, for cache busting
}

func loadTemplates(dir string) (*templates, error) {
	t := &templates{dir: dir}
	var err error
	if t.assets, err = assetHashes(); err != nil {
		return nil, err
	}
	if t.pages, err = t.parse(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *templates) parse() (map[string]*template.Template, error) {
	var fsys fs.FS = static.FS
	prefix := "templates/"
	if t.dir != "" {
		fsys, prefix = os.DirFS(t.dir), ""
	}
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		tpl, err := template.New("layout.html").Funcs(t.funcs()).ParseFS(fsys, prefix+"layout.html", prefix+"partials.html",
			prefix+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		pages[name] = tpl
	}
	return pages, nil
}

func (t *templates) get(name string) (*template.Template, error) {
	if t.dir == "" {
		return t.pages[name], nil
	}
	pages, err := t.parse()
	if err != nil {
		return nil, err
	}
	return pages[name], nil
}

// assetHashes hashes every file under css/ and js/ so that their URLs
// change with their content and may be cached for long.
func assetHashes() (map[string]string, error) {
	out := map[string]string{}
	for _, dir := range []string{"css", "js"} {
		entries, err := fs.ReadDir(static.FS, dir)
		if err != nil {
			return nil, fmt.Errorf("read static %s: %w", dir, err)
		}
		for _, e := range entries {
			b, err := fs.ReadFile(static.FS, dir+"/"+e.Name())
			if err != nil {
				return nil, fmt.Errorf("read static %s: %w", e.Name(), err)
			}
			sum := sha256.Sum256(b)
			out[dir+"/"+e.Name()] = hex.EncodeToString(sum[:4])
		}
	}
	return out, nil
}

func (t *templates) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(p string) string { return "/static/" + p + "?v=" + t.assets[p] },
		"ago":   ago,
		"iso":   func(tm time.Time) string { return tm.UTC().Format(time.RFC3339) },
		"date":  func(tm time.Time) string { return tm.UTC().Format("2 Jan 2006") },
		"count": shortCount,
		"plural": func(n int64, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}
}

// pageData is what every page template receives.
type pageData struct {
	Title       string
	Description string
	Canonical   string
	Alternate   string // the ActivityPub document for this page
	AtomURL     string
	Meta        *cardMeta // OpenGraph and Twitter card tags
	NoIndex     bool
	Refresh     int    // seconds; reloads the page when scripts are off
	Nav         string // the active navigation item
	Visitor     *visitor
	CSRF        string
	Instance    string
	Banner      *banner // unread announcements (admin_announcements_banner.go)
	Data        any
}

// cardMeta are the link-preview tags of a public page.
type cardMeta struct {
	Type, Title, Description, URL, Image, ImageAlt string
	ImageWidth, ImageHeight                        int
	Large                                          bool // twitter:card summary_large_image
}

// render executes a page into a buffer (so a template error becomes a
// clean 500) and writes it with status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v *visitor, pd pageData) {
	pd.Visitor, pd.Instance = v, h.opts.InstanceTitle
	if pd.CSRF == "" && v.SignedIn {
		pd.CSRF = v.Session.CSRFToken
	}
	if pd.Title == "" {
		pd.Title = h.opts.InstanceTitle
	}
	pd.Banner = h.banner(r.Context(), r, v)
	tpl, err := h.tpl.get(name)
	var buf bytes.Buffer
	if err == nil {
		err = tpl.ExecuteTemplate(&buf, "layout.html", pd)
	}
	if err != nil {
		h.opts.Log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	if v.SignedIn || pd.CSRF != "" {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d.Hours())) + "h"
	case d < 30*24*time.Hour:
		return strconv.Itoa(int(d.Hours()/24)) + "d"
	}
	return t.UTC().Format("2 Jan 2006")
}

func shortCount(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10)
	case n < 1_000_000:
		return strings.TrimSuffix(strconv.FormatFloat(float64(n)/1000, 'f', 1, 64), ".0") + "k"
	}
	return strings.TrimSuffix(strconv.FormatFloat(float64(n)/1_000_000, 'f', 1, 64), ".0") + "M"
}
