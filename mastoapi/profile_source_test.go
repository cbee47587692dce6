package mastoapi_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server/servertest"
)

type credSource struct {
	Avatar string `json:"avatar"`
	Header string `json:"header"`
	Source struct {
		Privacy   string  `json:"privacy"`
		Sensitive bool    `json:"sensitive"`
		Language  *string `json:"language"`
	} `json:"source"`
}

// update_credentials saves source[privacy], source[sensitive] and
// source[language] from form, multipart and JSON bodies; verify_credentials
// and preferences report them, and they become the posting defaults.
func TestUpdateCredentialsPostingDefaults(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	bodies := []struct {
		name string
		rq   req
		want string
		lang string
		sens bool
	}{
		{"form", req{form: url.Values{"source[privacy]": {"unlisted"}, "source[sensitive]": {"true"}, "source[language]": {"de"}}},
			"unlisted", "de", true},
		{"multipart", req{multipart: map[string]string{"source[privacy]": "private", "source[sensitive]": "false"}},
			"private", "de", false},
		{"json", req{json: map[string]any{"source": map[string]any{"privacy": "unlisted", "sensitive": true, "language": "fr"}}},
			"unlisted", "fr", true},
	}
	for _, b := range bodies {
		rq := b.rq
		rq.method, rq.path, rq.token = "PATCH", "/api/v1/accounts/update_credentials", tok
		var got credSource
		e.call(t, rq, 200, &got)
		e.call(t, req{method: "GET", path: "/api/v1/accounts/verify_credentials", token: tok}, 200, &got)
		if got.Source.Privacy != b.want || got.Source.Sensitive != b.sens || got.Source.Language == nil || *got.Source.Language != b.lang {
			t.Fatalf("%s: source %+v", b.name, got.Source)
		}
	}
	var prefs map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/preferences", token: tok}, 200, &prefs)
	if prefs["posting:default:visibility"] != "unlisted" || prefs["posting:default:sensitive"] != true ||
		prefs["posting:default:language"] != "fr" {
		t.Fatalf("preferences %v", prefs)
	}
	// A status that says nothing takes the defaults; what it says wins.
	st := e.post(t, tok, "hello")
	if st["visibility"] != "unlisted" || st["sensitive"] != true || st["language"] != "fr" {
		t.Fatalf("defaulted status: visibility %v sensitive %v language %v", st["visibility"], st["sensitive"], st["language"])
	}
	var own map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, json: map[string]any{"status": "x",
		"visibility": "public", "sensitive": false, "language": "en"}}, 200, &own)
	if own["visibility"] != "public" || own["sensitive"] != false || own["language"] != "en" {
		t.Fatalf("explicit status: %v %v %v", own["visibility"], own["sensitive"], own["language"])
	}
	// Clearing the language sends null again.
	var got credSource
	e.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: tok,
		form: url.Values{"source[language]": {""}}}, 200, &got)
	if got.Source.Language != nil || got.Source.Privacy != "unlisted" {
		t.Fatalf("after clearing language: %+v", got.Source)
	}
	for _, bad := range []url.Values{{"source[privacy]": {"direct"}}, {"source[privacy]": {"everyone"}},
		{"source[language]": {"english!"}}} {
		e.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: tok, form: bad}, 422, nil)
	}
	e.call(t, req{method: "GET", path: "/api/v1/accounts/verify_credentials", token: tok}, 200, &got)
	if got.Source.Privacy != "unlisted" {
		t.Fatalf("a refused update changed the default to %q", got.Source.Privacy)
	}
}

// Avatars and headers sent as data: URIs (go-mastodon) are saved, bounded
// like uploads; DELETE /api/v1/profile/avatar|header puts the default back.
func TestUpdateCredentialsDataURIImages(t *testing.T) {
	e := &env{servertest.Start(t, servertest.Options{Configure: func(c *config.File) { c.Media.MaxUploadBytes = 200_000 }})}
	_, tok := e.login(t, "alice", "read write")
	var before credSource
	e.call(t, req{method: "GET", path: "/api/v1/accounts/verify_credentials", token: tok}, 200, &before)
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(testPNG(t, 40, 40))
	var got credSource
	e.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: tok,
		form: url.Values{"avatar": {uri}}}, 200, &got)
	if got.Avatar == before.Avatar || !strings.Contains(got.Avatar, "/media/") {
		t.Fatalf("avatar %q (was %q)", got.Avatar, before.Avatar)
	}
	e.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: tok,
		json: map[string]any{"header": uri}}, 200, &got)
	if got.Header == before.Header || !strings.Contains(got.Header, "/media/") {
		t.Fatalf("header %q (was %q)", got.Header, before.Header)
	}
	resp := e.do(t, req{method: "GET", path: strings.TrimPrefix(got.Avatar, e.URL)})
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("avatar file: %d", resp.StatusCode)
	}
	max := e.Social.Options().Media.MaxUploadBytes
	big := "data:image/png;base64," + base64.StdEncoding.EncodeToString(make([]byte, max+10))
	for name, v := range map[string]string{"oversize": big, "not base64": "data:image/png;base64,@@@",
		"not a data URI": "https://example.com/a.png", "no base64 marker": "data:image/png,abc"} {
		r := e.do(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: tok, form: url.Values{"avatar": {v}}})
		r.Body.Close()
		if r.StatusCode != 422 {
			t.Errorf("%s: %d, want 422", name, r.StatusCode)
		}
	}
	e.call(t, req{method: "DELETE", path: "/api/v1/profile/avatar", token: tok}, 200, &got)
	if got.Avatar != before.Avatar || got.Header == before.Header {
		t.Fatalf("after deleting the avatar: avatar %q header %q", got.Avatar, got.Header)
	}
	e.call(t, req{method: "DELETE", path: "/api/v1/profile/header", token: tok}, 200, &got)
	e.call(t, req{method: "DELETE", path: "/api/v1/profile/header", token: tok}, 200, &got) // harmless twice
	if got.Header != before.Header {
		t.Fatalf("header after delete %q", got.Header)
	}
}
