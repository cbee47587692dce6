package activitypub

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/pictor-social/pictor/internal/apperr"
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
	version := mux.Vars(r)["version"]
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
	software := map[string]any{"name": f.opts.SoftwareName, "version": f.opts.Version}
	if version == "2.1" {
		software["repository"] = "https://github.com/pictor-social/pictor"
	}
	doc := map[string]any{
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
	w.Header().Set("Content-Type", `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/`+version+`#"; charset=utf-8`)
	return json.NewEncoder(w).Encode(doc)
}
