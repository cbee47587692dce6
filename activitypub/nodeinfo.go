package activitypub

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/hotdoc"
)

// ServeNodeInfoDiscovery answers /.well-known/nodeinfo, linking schema 2.0
// (which Phanpy requires) and 2.1 (checklist 42).
func (f *Federation) ServeNodeInfoDiscovery(w http.ResponseWriter, r *http.Request) error {
	doc := map[string]any{"links": []map[string]string{
		{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": f.URLs.Base + "/nodeinfo/2.0"},
		{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": f.URLs.Base + "/nodeinfo/2.1"},
	}}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(w).Encode(doc)
}

// ServeNodeInfo answers /nodeinfo/2.0 and /nodeinfo/2.1 with Pictor's own
// lower-case software name and usage counts.
func (f *Federation) ServeNodeInfo(w http.ResponseWriter, r *http.Request) error {
	return f.ServeNodeInfoVersion(w, r, mux.Vars(r)["version"])
}

// ServeNodeInfoVersion is ServeNodeInfo for a router that has the schema
// version at hand. The document is kept encoded, with an ETag (hotdoc).
func (f *Federation) ServeNodeInfoVersion(w http.ResponseWriter, r *http.Request, version string) error {
	if version != "2.0" && version != "2.1" {
		return apperr.NotFound("unknown nodeinfo schema")
	}
	ctx := r.Context()
	users, err := f.db.CountLocalUsers(ctx)
	if err != nil {
		return err
	}
	posts, err := f.db.CountLocalStatuses(ctx)
	if err != nil {
		return err
	}
	d, err := f.nodeinfo.get(version, users, posts, func() ([]byte, error) {
		return json.Marshal(f.nodeInfoDoc(version, users, posts))
	})
	if err != nil {
		return err
	}
	d.Serve(w, r)
	return nil
}

// nodeInfoDocs keeps the encoded NodeInfo documents, one per schema
// version, each with the counts it shows: a document is encoded again
// only when a count changes (the counts are cached by the store, exact on
// write), and its generatedAt is the time it was.
type nodeInfoDocs struct {
	mu   sync.Mutex
	docs map[string]nodeInfoDoc
}

type nodeInfoDoc struct {
	users, posts int64
	doc          *hotdoc.Doc // the body with a trailing newline, as json.Encoder wrote it
}

func (c *nodeInfoDocs) get(version string, users, posts int64, render func() ([]byte, error)) (*hotdoc.Doc, error) {
	c.mu.Lock()
	d, ok := c.docs[version]
	c.mu.Unlock()
	if ok && d.users == users && d.posts == posts {
		return d.doc, nil
	}
	body, err := render()
	if err != nil {
		return nil, err
	}
	body = append(body, '\n')
	doc := hotdoc.New(body, "Content-Type",
		`application/json; profile="http://nodeinfo.diaspora.software/ns/schema/`+version+`#"; charset=utf-8`)
	c.mu.Lock()
	if c.docs == nil {
		c.docs = map[string]nodeInfoDoc{}
	}
	c.docs[version] = nodeInfoDoc{users: users, posts: posts, doc: doc}
	c.mu.Unlock()
	return doc, nil
}

func (f *Federation) nodeInfoDoc(version string, users, posts int64) map[string]any {
	software := map[string]any{"name": f.opts.SoftwareName, "version": f.opts.Version}
	if version == "2.1" {
		software["repository"] = "https://github.com/pictor-social/pictor"
	}
	return map[string]any{
		"version":           version,
		"software":          software,
		"protocols":         []string{"activitypub"},
		"services":          map[string][]string{"inbound": {}, "outbound": {"atom1.0"}},
		"openRegistrations": false,
		"usage": map[string]any{
			"users":      map[string]int64{"total": users, "activeMonth": users, "activeHalfyear": users},
			"localPosts": posts,
		},
		"metadata": map[string]any{"nodeName": f.host, "generatedAt": f.db.Now().Format(time.RFC3339)},
	}
}
