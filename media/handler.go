package media

import (
	"errors"
	"io/fs"
	"net/http"
	"strings"
)

// NewHandler serves the objects of st at GET and HEAD /<name>; mount it
// with http.StripPrefix. Media URLs must work for every fetcher (interop.md
// §B.3, checklist row 33), so it ignores Accept, User-Agent (empty or missing
// too) and any signature, and always answers with the image's own
// Content-Type from the extension. Objects never change under a name, so
// responses carry a one-year immutable Cache-Control and the hash as ETag
// (conditional and range requests work). Every response allows any origin
// and forbids type sniffing. Anything but a valid stored name is 404: no
// listing, no traversal. Other methods are 405. The body streams from the
// storage (for S3, a ranged GET per read position), never held in memory.
func NewHandler(st Storage) http.Handler {
	return mediaHandler{st}
}

// Handler is NewHandler(f).
func (f *Files) Handler() http.Handler { return NewHandler(f) }

type mediaHandler struct{ st Storage }

func (m mediaHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !mediaRequest(w, r) {
		return
	}
	h := w.Header()
	name := strings.TrimPrefix(r.URL.Path, "/")
	obj, err := m.st.Open(r.Context(), name)
	if errors.Is(err, fs.ErrNotExist) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer obj.Close()
	hash, mediaType := splitName(name)
	h.Set("Content-Type", mediaType)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", `"`+hash+`"`)
	h.Set("Content-Security-Policy", "default-src 'none'")
	http.ServeContent(w, r, name, obj.ModTime, obj)
}

// redirectCacheControl lets fetchers keep a redirect for a day: the
// object never changes, but the operator may move public_url.
const redirectCacheControl = "public, max-age=86400"

// NewRedirectHandler answers GET and HEAD /<name> with a 302 to
// base/<name>, for instances whose media are served from a public URL (a
// CDN or the bucket's own address): the /media/ URLs federated before keep
// working, and the bytes come from where the new URLs point. Like
// NewHandler it ignores Accept, User-Agent and signatures, allows any
// origin, forbids sniffing, answers 404 for anything but a valid stored
// name and 405 for other methods.
func NewRedirectHandler(base string) http.Handler {
	base = strings.TrimSuffix(base, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !mediaRequest(w, r) {
			return
		}
		h := w.Header()
		name := strings.TrimPrefix(r.URL.Path, "/")
		if !validName(name) {
			http.NotFound(w, r)
			return
		}
		h.Set("Cache-Control", redirectCacheControl)
		h.Set("Location", base+"/"+name)
		w.WriteHeader(http.StatusFound)
	})
}

// mediaRequest sets the headers every /media/ answer carries (any origin,
// nosniff) and answers 405 to a method other than GET and HEAD, reporting
// whether the request goes on.
func mediaRequest(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return false
	}
	return true
}
