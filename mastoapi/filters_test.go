package mastoapi_test

import (
	"net/http"
	"net/url"
	"testing"
)

type filterJSON struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Context      []string `json:"context"`
	ExpiresAt    *string  `json:"expires_at"`
	FilterAction string   `json:"filter_action"`
	Keywords     []struct {
		ID        string `json:"id"`
		Keyword   string `json:"keyword"`
		WholeWord bool   `json:"whole_word"`
	} `json:"keywords"`
	Statuses []struct {
		ID       string `json:"id"`
		StatusID string `json:"status_id"`
	} `json:"statuses"`
}

func (f filterJSON) keywords() []string {
	var out []string
	for _, k := range f.Keywords {
		out = append(out, k.Keyword)
	}
	return out
}

func TestFiltersV2CRUD(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	var f filterJSON
	e.call(t, req{method: "POST", path: "/api/v2/filters", token: tok, json: map[string]any{
		"title": "AI", "context": []string{"home", "public"}, "filter_action": "hide", "expires_in": 3600,
		"keywords_attributes": []map[string]any{{"keyword": "#AIgenerated", "whole_word": true}, {"keyword": "midjourney", "whole_word": false}},
	}}, 200, &f)
	if f.Title != "AI" || f.FilterAction != "hide" || len(f.Context) != 2 || f.ExpiresAt == nil ||
		len(f.Keywords) != 2 || !f.Keywords[0].WholeWord || f.Keywords[1].WholeWord || f.Statuses == nil {
		t.Fatalf("created %+v", f)
	}
	// Tusky and Ivory send Rails nested forms.
	var g filterJSON
	e.call(t, req{method: "POST", path: "/api/v2/filters", token: tok, form: url.Values{"title": {"cats"},
		"context[]": {"thread", "notifications"}, "keywords_attributes[][keyword]": {"cat", "kitten"},
		"keywords_attributes[][whole_word]": {"false", "true"}}}, 200, &g)
	if g.FilterAction != "warn" || g.ExpiresAt != nil || len(g.Keywords) != 2 || g.Keywords[0].WholeWord || !g.Keywords[1].WholeWord ||
		g.Context[0] != "notifications" || g.Context[1] != "thread" {
		t.Fatalf("form-created %+v", g)
	}
	var list []filterJSON
	e.call(t, req{method: "GET", path: "/api/v2/filters", token: tok}, 200, &list)
	if len(list) != 2 || list[0].ID != f.ID || list[1].ID != g.ID {
		t.Fatalf("list %+v", list)
	}
	// Update: rename, drop the expiry, change one keyword, destroy the other, add one.
	e.call(t, req{method: "PUT", path: "/api/v2/filters/" + f.ID, token: tok, json: map[string]any{
		"title": "AI art", "expires_in": nil, "filter_action": "warn", "keywords_attributes": []map[string]any{
			{"id": f.Keywords[0].ID, "keyword": "#AIart"}, {"id": f.Keywords[1].ID, "_destroy": true}, {"keyword": "dalle"}},
	}}, 200, &f)
	if f.Title != "AI art" || f.ExpiresAt != nil || f.FilterAction != "warn" || len(f.Context) != 2 ||
		len(f.Keywords) != 2 || f.Keywords[0].Keyword != "#AIart" || !f.Keywords[0].WholeWord || f.Keywords[1].Keyword != "dalle" {
		t.Fatalf("updated %+v", f)
	}
	// The keyword sub-resource.
	var kw struct{ ID, Keyword string }
	e.call(t, req{method: "POST", path: "/api/v2/filters/" + f.ID + "/keywords", token: tok, form: url.Values{"keyword": {"sora"}}}, 200, &kw)
	e.call(t, req{method: "PUT", path: "/api/v2/filters/keywords/" + kw.ID, token: tok, json: map[string]any{"keyword": "sora2", "whole_word": false}}, 200, &kw)
	e.call(t, req{method: "GET", path: "/api/v2/filters/keywords/" + kw.ID, token: tok}, 200, &kw)
	if kw.Keyword != "sora2" {
		t.Fatalf("keyword %+v", kw)
	}
	// Mastodon has no /api/v2/filter_keywords or /api/v2/filter_statuses.
	e.call(t, req{method: "GET", path: "/api/v2/filter_keywords/" + kw.ID, token: tok}, 404, nil)
	var kws []map[string]any
	e.call(t, req{method: "GET", path: "/api/v2/filters/" + f.ID + "/keywords", token: tok}, 200, &kws)
	if len(kws) != 3 || kws[2]["whole_word"] != false {
		t.Fatalf("keywords %v", kws)
	}
	e.call(t, req{method: "DELETE", path: "/api/v2/filters/keywords/" + kw.ID, token: tok}, 200, nil)
	e.call(t, req{method: "GET", path: "/api/v2/filters/keywords/" + kw.ID, token: tok}, 404, nil)
	// The status sub-resource.
	st := e.post(t, tok, "hello")
	var fs struct {
		ID       string `json:"id"`
		StatusID string `json:"status_id"`
	}
	e.call(t, req{method: "POST", path: "/api/v2/filters/" + f.ID + "/statuses", token: tok, json: map[string]any{"status_id": st["id"]}}, 200, &fs)
	if fs.StatusID != st["id"] {
		t.Fatalf("filter status %+v", fs)
	}
	e.call(t, req{method: "POST", path: "/api/v2/filters/" + f.ID + "/statuses", token: tok, json: map[string]any{"status_id": st["id"]}}, 422, nil)
	var sts []map[string]any
	e.call(t, req{method: "GET", path: "/api/v2/filters/" + f.ID + "/statuses", token: tok}, 200, &sts)
	e.call(t, req{method: "GET", path: "/api/v2/filters/statuses/" + fs.ID, token: tok}, 200, nil)
	if len(sts) != 1 || sts[0]["id"] != fs.ID {
		t.Fatalf("filter statuses %v", sts)
	}
	e.call(t, req{method: "DELETE", path: "/api/v2/filters/statuses/" + fs.ID, token: tok}, 200, nil)
	e.call(t, req{method: "GET", path: "/api/v2/filters/statuses/" + fs.ID, token: tok}, 404, nil)
	// Delete the filter.
	e.call(t, req{method: "DELETE", path: "/api/v2/filters/" + f.ID, token: tok}, 200, nil)
	e.call(t, req{method: "GET", path: "/api/v2/filters/" + f.ID, token: tok}, 404, nil)
	e.call(t, req{method: "GET", path: "/api/v2/filters", token: tok}, 200, &list)
	if len(list) != 1 {
		t.Fatalf("after delete %d filters", len(list))
	}
}

func TestFilterValidation(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	var f filterJSON
	e.call(t, req{method: "POST", path: "/api/v2/filters", token: tok, json: map[string]any{"title": "x", "context": []string{"home"}}}, 200, &f)
	cases := []struct {
		name   string
		method string
		path   string
		body   map[string]any
		want   int
	}{
		{"no title", "POST", "/api/v2/filters", map[string]any{"context": []string{"home"}}, 422},
		{"blank title", "POST", "/api/v2/filters", map[string]any{"title": " ", "context": []string{"home"}}, 422},
		{"no context", "POST", "/api/v2/filters", map[string]any{"title": "x"}, 422},
		{"empty context", "POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{}}, 422},
		{"unknown context", "POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home", "lists"}}, 422},
		{"unknown action", "POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home"}, "filter_action": "drop"}, 422},
		{"junk expiry", "POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home"}, "expires_in": "soon"}, 422},
		{"negative expiry", "POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home"}, "expires_in": -5}, 422},
		{"blank keyword", "POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home"},
			"keywords_attributes": []map[string]any{{"keyword": ""}}}, 422},
		{"long keyword", "POST", "/api/v2/filters/" + f.ID + "/keywords", map[string]any{"keyword": string(make([]byte, 300))}, 422},
		{"update to empty context", "PUT", "/api/v2/filters/" + f.ID, map[string]any{"context": []string{}}, 422},
		{"unknown keyword id", "PUT", "/api/v2/filters/" + f.ID, map[string]any{"keywords_attributes": []map[string]any{{"id": "99", "keyword": "y"}}}, 404},
		{"keyword without text", "POST", "/api/v2/filters/" + f.ID + "/keywords", map[string]any{}, 422},
		{"status without id", "POST", "/api/v2/filters/" + f.ID + "/statuses", map[string]any{}, 422},
		{"unknown status", "POST", "/api/v2/filters/" + f.ID + "/statuses", map[string]any{"status_id": "12345"}, 404},
		{"v1 without phrase", "POST", "/api/v1/filters", map[string]any{"context": []string{"home"}}, 422},
		{"v1 without context", "POST", "/api/v1/filters", map[string]any{"phrase": "x"}, 422},
		{"malformed id", "GET", "/api/v2/filters/abc", nil, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out map[string]any
			e.call(t, req{method: tc.method, path: tc.path, token: tok, json: tc.body}, tc.want, &out)
			if msg, _ := out["error"].(string); msg == "" {
				t.Fatalf("no error message in %v", out)
			}
		})
	}
	var got filterJSON
	e.call(t, req{method: "GET", path: "/api/v2/filters/" + f.ID, token: tok}, 200, &got)
	if len(got.Context) != 1 || len(got.Keywords) != 0 {
		t.Fatalf("failed updates changed the filter: %+v", got)
	}
}

func TestFilterScopesAndOwnership(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write")
	_, bTok := e.login(t, "bob", "read write")
	readOnly := e.token(t, alice.ID, "read:filters")
	otherScope := e.token(t, alice.ID, "read:statuses write:statuses")
	var f filterJSON
	e.call(t, req{method: "POST", path: "/api/v2/filters", token: aTok, json: map[string]any{"title": "x", "context": []string{"home"},
		"keywords_attributes": []map[string]any{{"keyword": "fox"}}}}, 200, &f)
	st := e.post(t, aTok, "mine")
	var fs struct{ ID string }
	e.call(t, req{method: "POST", path: "/api/v2/filters/" + f.ID + "/statuses", token: aTok, json: map[string]any{"status_id": st["id"]}}, 200, &fs)
	kwID := f.Keywords[0].ID

	scopeCases := []struct {
		name, method, path, token string
		want                      int
	}{
		{"no token", "GET", "/api/v2/filters", "", http.StatusUnauthorized},
		{"read:filters lists", "GET", "/api/v2/filters", readOnly, http.StatusOK},
		{"read:filters lists v1", "GET", "/api/v1/filters", readOnly, http.StatusOK},
		{"read:filters cannot create", "POST", "/api/v2/filters", readOnly, http.StatusForbidden},
		{"read:filters cannot delete", "DELETE", "/api/v2/filters/" + f.ID, readOnly, http.StatusForbidden},
		{"read:filters cannot create v1", "POST", "/api/v1/filters", readOnly, http.StatusForbidden},
		{"statuses scope cannot read", "GET", "/api/v2/filters", otherScope, http.StatusForbidden},
	}
	for _, tc := range scopeCases {
		t.Run(tc.name, func(t *testing.T) {
			e.call(t, req{method: tc.method, path: tc.path, token: tc.token, json: map[string]any{}}, tc.want, nil)
		})
	}
	// Bob sees none of alice's filters, keywords or statuses.
	for _, rq := range []req{
		{method: "GET", path: "/api/v2/filters/" + f.ID},
		{method: "PUT", path: "/api/v2/filters/" + f.ID, json: map[string]any{"title": "mine now"}},
		{method: "DELETE", path: "/api/v2/filters/" + f.ID},
		{method: "GET", path: "/api/v2/filters/" + f.ID + "/keywords"},
		{method: "POST", path: "/api/v2/filters/" + f.ID + "/keywords", json: map[string]any{"keyword": "x"}},
		{method: "GET", path: "/api/v2/filters/keywords/" + kwID},
		{method: "PUT", path: "/api/v2/filters/keywords/" + kwID, json: map[string]any{"keyword": "x"}},
		{method: "DELETE", path: "/api/v2/filters/keywords/" + kwID},
		{method: "GET", path: "/api/v2/filters/" + f.ID + "/statuses"},
		{method: "GET", path: "/api/v2/filters/statuses/" + fs.ID},
		{method: "DELETE", path: "/api/v2/filters/statuses/" + fs.ID},
		{method: "GET", path: "/api/v1/filters/" + kwID},
		{method: "PUT", path: "/api/v1/filters/" + kwID, json: map[string]any{"phrase": "x", "context": []string{"home"}}},
		{method: "DELETE", path: "/api/v1/filters/" + kwID},
	} {
		rq.token = bTok
		e.call(t, rq, http.StatusNotFound, nil)
	}
	var list []filterJSON
	e.call(t, req{method: "GET", path: "/api/v2/filters", token: bTok}, 200, &list)
	e.call(t, req{method: "GET", path: "/api/v2/filters/" + f.ID, token: aTok}, 200, &f)
	if len(list) != 0 || f.Title != "x" || len(f.Keywords) != 1 || len(f.Statuses) != 1 {
		t.Fatalf("bob's list %v; alice's filter %+v", list, f)
	}
}

func TestFiltersV1(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	var v1 map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/filters", token: tok, form: url.Values{"phrase": {"#AIgenerated"},
		"context[]": {"home", "public"}, "irreversible": {"true"}, "whole_word": {"true"}}}, 200, &v1)
	if v1["phrase"] != "#AIgenerated" || v1["irreversible"] != true || v1["whole_word"] != true || v1["expires_at"] != nil {
		t.Fatalf("v1 filter %v", v1)
	}
	id := v1["id"].(string)
	var v2 []filterJSON
	e.call(t, req{method: "GET", path: "/api/v2/filters", token: tok}, 200, &v2)
	if len(v2) != 1 || v2[0].Title != "#AIgenerated" || v2[0].FilterAction != "hide" || v2[0].Keywords[0].ID != id {
		t.Fatalf("v1 filter seen through v2: %+v", v2)
	}
	e.call(t, req{method: "PUT", path: "/api/v1/filters/" + id, token: tok, json: map[string]any{"phrase": "#AIart",
		"context": []string{"thread"}, "irreversible": false, "whole_word": false, "expires_in": 600}}, 200, &v1)
	if v1["phrase"] != "#AIart" || v1["irreversible"] != false || v1["whole_word"] != false || v1["expires_at"] == nil ||
		v1["context"].([]any)[0] != "thread" {
		t.Fatalf("v1 updated %v", v1)
	}
	e.call(t, req{method: "GET", path: "/api/v1/filters/" + id, token: tok}, 200, &v1)
	if v1["phrase"] != "#AIart" {
		t.Fatalf("v1 get %v", v1)
	}
	// A v2 filter with two keywords lists as two v1 filters and cannot be changed through v1.
	var f filterJSON
	e.call(t, req{method: "POST", path: "/api/v2/filters", token: tok, json: map[string]any{"title": "two", "context": []string{"home"},
		"keywords_attributes": []map[string]any{{"keyword": "a"}, {"keyword": "b"}}}}, 200, &f)
	var list []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/filters", token: tok}, 200, &list)
	if len(list) != 3 {
		t.Fatalf("v1 list %v", list)
	}
	e.call(t, req{method: "PUT", path: "/api/v1/filters/" + f.Keywords[0].ID, token: tok, json: map[string]any{"phrase": "c"}}, 422, nil)
	// Deleting the only keyword removes the filter; deleting one of two keeps it.
	e.call(t, req{method: "DELETE", path: "/api/v1/filters/" + id, token: tok}, 200, nil)
	e.call(t, req{method: "DELETE", path: "/api/v1/filters/" + f.Keywords[0].ID, token: tok}, 200, nil)
	e.call(t, req{method: "GET", path: "/api/v2/filters", token: tok}, 200, &v2)
	if len(v2) != 1 || v2[0].ID != f.ID || len(v2[0].Keywords) != 1 || v2[0].Keywords[0].Keyword != "b" {
		t.Fatalf("after v1 deletes: %+v", v2)
	}
}
