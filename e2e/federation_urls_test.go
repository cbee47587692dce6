package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// badURLs are URL values a remote document may carry that must never reach
// an app, a page or an outgoing post (issue 8, "javascript: URLs reach
// apps"). HOST is replaced by the remote's own host, so a host check alone
// would let them through.
var badURLs = []struct{ name, url string }{
	{"javascript", "javascript://HOST/%0aalert(1)"},
	{"mixed case", "JaVaScRiPt://HOST/%0aalert(1)"},
	{"data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="},
	{"vbscript", "vbscript://HOST/msgbox(1)"},
	{"file", "file://HOST/etc/passwd"},
	{"relative", "/users/evil/profile"},
	{"space prefixed", " javascript:alert(1)"},
	{"tab prefixed", "\tjavascript://HOST/%0aalert(1)"},
}

// urlFields are the places of a remote document that carry a URL: the
// actor's url, icon and image, the note's url and an attachment's url (as a
// string and as a Link).
var urlFields = []struct {
	name  string
	actor func(bad string) map[string]any
	note  func(bad string, note map[string]any)
}{
	{name: "actor url", actor: func(bad string) map[string]any { return map[string]any{"url": bad} }},
	{name: "icon", actor: func(bad string) map[string]any {
		return map[string]any{"icon": map[string]any{"type": "Image", "mediaType": "image/png", "url": bad}}
	}},
	{name: "icon string", actor: func(bad string) map[string]any { return map[string]any{"icon": bad} }},
	{name: "image", actor: func(bad string) map[string]any {
		return map[string]any{"image": map[string]any{"type": "Image", "url": bad}}
	}},
	{name: "status url", note: func(bad string, n map[string]any) { n["url"] = bad }},
	{name: "attachment url", note: func(bad string, n map[string]any) {
		n["attachment"] = []any{map[string]any{"type": "Document", "mediaType": "image/png", "url": bad, "name": "alt"}}
	}},
	{name: "attachment link", note: func(bad string, n map[string]any) {
		n["attachment"] = []any{map[string]any{"type": "Image", "url": []any{map[string]any{"type": "Link", "href": bad}}}}
	}},
}

// Every URL field of remote actors and notes, with every bad scheme, is
// dropped at ingest: the stored rows, the client API entities and the
// mention link of a local post that mentions the actor carry only https.
func TestRemoteURLSchemesRefused(t *testing.T) {
	t.Parallel() // one of e2e's longest tests (e2e/README.md, Suite time)
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	ctx := context.Background()
	n := 0
	for _, field := range urlFields {
		for _, bad := range badURLs {
			t.Run(field.name+"/"+bad.name, func(t *testing.T) {
				n++
				value := strings.ReplaceAll(bad.url, "HOST", r.Host)
				var doc map[string]any
				if field.actor != nil {
					doc = field.actor(value)
				}
				a := r.addActorAt(fmt.Sprintf("/users/u%d", n), fmt.Sprintf("u%d", n), doc)
				noteID := newID(a, "notes")
				note := map[string]any{"id": noteID, "type": "Note", "attributedTo": a.ID, "content": "<p>hi @alice</p>",
					"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{env.alice.URI},
					"tag": []any{map[string]any{"type": "Mention", "href": env.alice.URI, "name": "@alice"}}}
				if field.note != nil {
					field.note(value, note)
				}
				createID := newID(a, "creates")
				body := mustJSON(t, map[string]any{"id": createID, "type": "Create", "actor": a.ID, "object": note})
				if status, msg := r.post(t, a, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
					t.Fatalf("status %d (%s)", status, msg)
				}
				if state, errText := waitProcessed(t, env.srv.DB, createID); state != "done" {
					t.Fatalf("inbox item %s: %s", state, errText)
				}
				st, err := env.srv.DB.StatusByURI(ctx, noteID)
				if err != nil {
					t.Fatalf("note not stored: %v", err)
				}
				acct, err := env.srv.DB.AccountByURI(ctx, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				media, err := env.srv.DB.MediaForStatuses(ctx, []int64{st.ID})
				if err != nil {
					t.Fatal(err)
				}
				stored := []string{acct.URL, acct.AvatarURL, acct.HeaderURL, st.URL}
				for _, m := range media[st.ID] {
					stored = append(stored, m.RemoteURL)
				}
				for _, u := range stored {
					if u != "" && !strings.HasPrefix(u, "https://") {
						t.Errorf("stored URL %q", u)
					}
				}
				var entity any
				getJSON(t, env.srv, "/api/v1/statuses/"+store.FormatID(st.ID), &entity)
				checkEntityURLs(t, entity)

				// A local post mentioning the actor links to it with https only.
				mine, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "hello @" + a.Username + "@" + r.Host})
				if err != nil {
					t.Fatal(err)
				}
				checkHrefs(t, mine.Content)
				if !strings.Contains(mine.Content, `href="`+a.ID+`"`) {
					t.Errorf("mention should link the actor id: %s", mine.Content)
				}
			})
		}
	}
}

// Rows stored before ingest checked schemes (or written by any other path)
// are still rendered with http(s) URLs only: client API entities and web
// pages fall back to the id, the cached file or the default image.
func TestStoredBadURLsNotRendered(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	ctx := context.Background()
	a := r.addActor("legacy")
	noteID := newID(a, "notes")
	createID := newID(a, "creates")
	body := mustJSON(t, map[string]any{"id": createID, "type": "Create", "actor": a.ID, "object": map[string]any{
		"id": noteID, "type": "Note", "attributedTo": a.ID, "content": "<p>hi</p>",
		"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{env.alice.URI},
		"tag": []any{map[string]any{"type": "Mention", "href": env.alice.URI}}}})
	if status, msg := r.post(t, a, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("status %d (%s)", status, msg)
	}
	waitProcessed(t, env.srv.DB, createID)
	mine, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "a post"})
	if err != nil {
		t.Fatal(err)
	}
	bad := "javascript://" + r.Host + "/%0aalert(1)"
	var reply store.Status
	err = env.srv.DB.Write(ctx, func(tx *store.Tx) error {
		acct, err := tx.AccountByURI(ctx, a.ID)
		if err != nil {
			return err
		}
		acct.URL, acct.AvatarURL, acct.HeaderURL = bad, "data:image/png;base64,AAAA", "vbscript:x"
		if err := tx.UpdateAccount(ctx, &acct); err != nil {
			return err
		}
		reply = store.Status{URI: a.ID + "/notes/legacy", URL: bad, AccountID: acct.ID, Content: "<p>old</p>",
			Visibility: store.VisibilityPublic, InReplyToID: mine.ID, InReplyToAccountID: env.alice.ID, CreatedAt: tx.Now()}
		if err := tx.InsertStatus(ctx, &reply); err != nil {
			return err
		}
		m := store.MediaAttachment{AccountID: acct.ID, StatusID: reply.ID, RemoteURL: "javascript:alert(2)", MediaType: "image/png"}
		return tx.InsertMedia(ctx, &m)
	})
	if err != nil {
		t.Fatal(err)
	}
	var entity any
	getJSON(t, env.srv, "/api/v1/statuses/"+store.FormatID(reply.ID), &entity)
	checkEntityURLs(t, entity)

	page := getPage(t, env.srv, "/@alice/"+store.FormatID(mine.ID))
	if !strings.Contains(page, "@legacy@") {
		t.Fatalf("the reply is not on the page: %.2000s", page)
	}
	checkHrefs(t, page)
}

// urlKeys are the entity properties that hold URLs.
var urlKeys = map[string]bool{"url": true, "uri": true, "avatar": true, "avatar_static": true, "header": true,
	"header_static": true, "remote_url": true, "preview_url": true}

// checkEntityURLs fails on any URL property of a JSON entity tree that is
// not https.
func checkEntityURLs(t testing.TB, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && urlKeys[k] && !strings.HasPrefix(s, "https://") {
				t.Errorf("entity %s = %q", k, s)
			}
			checkEntityURLs(t, val)
		}
	case []any:
		for _, val := range x {
			checkEntityURLs(t, val)
		}
	}
}

var linkAttrRE = regexp.MustCompile(`(?i)\b(?:href|src)\s*=\s*"([^"]*)"`)

// checkHrefs fails on any href or src in html whose scheme is not http(s)
// (relative links of the page itself are fine).
func checkHrefs(t testing.TB, html string) {
	t.Helper()
	for _, m := range linkAttrRE.FindAllStringSubmatch(html, -1) {
		u := strings.ToLower(strings.TrimSpace(m[1]))
		if i := strings.Index(u, ":"); i >= 0 && !strings.HasPrefix(u, "https:") && !strings.HasPrefix(u, "http:") &&
			(strings.IndexAny(u, "/?#") < 0 || i < strings.IndexAny(u, "/?#")) {
			t.Errorf("link %q", m[1])
		}
	}
}
