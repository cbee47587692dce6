package mastoapi_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/store"
)

// Tusky posts JSON with an Idempotency-Key and retries with the same key
// (interop.md C.3): one status results.
func TestTuskyJSONStatusWithIdempotencyKey(t *testing.T) {
	e := start(t)
	alice, tok := e.login(t, "alice", "read write follow push")
	mediaID := e.upload(t, tok, "a small gradient")
	body := map[string]any{ // the shape of Tusky's NewStatus
		"status": "first light #sunrise", "spoiler_text": "", "in_reply_to_id": nil, "visibility": "public",
		"sensitive": false, "media_ids": []string{mediaID}, "media_attributes": nil, "scheduled_at": nil,
		"poll": nil, "language": "en",
	}
	hdr := map[string]string{"Idempotency-Key": "8f1c0a6e-tusky"}
	var first, second map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, json: body, header: hdr}, 200, &first)
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, json: body, header: hdr}, 200, &second)
	if first["id"] != second["id"] {
		t.Fatalf("same key gave two statuses: %v and %v", first["id"], second["id"])
	}
	n, err := e.DB.CountAccountStatuses(context.Background(), alice.ID, nil)
	if err != nil || n != 1 {
		t.Fatalf("statuses = %d, %v; want 1", n, err)
	}
	if media := first["media_attachments"].([]any); len(media) != 1 || first["language"] != "en" {
		t.Fatalf("status %v", first)
	}
	// Another key posts again.
	hdr["Idempotency-Key"] = "another"
	body["media_ids"] = []string{}
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, json: body, header: hdr}, 200, &second)
	if first["id"] == second["id"] {
		t.Fatal("a new key did not post")
	}
}

// Request bodies as the apps send them: form (Tusky, Phanpy), multipart
// (megalodon), JSON (Ice Cubes, Elk, toot), arrays as media_ids[] or JSON.
func TestStatusBodiesOfEachClient(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	cases := []struct {
		name string
		rq   func(media string) req
	}{
		{"form with media_ids[]", func(m string) req {
			return req{form: url.Values{"status": {"form"}, "media_ids[]": {m}, "sensitive": {"true"}, "spoiler_text": {"cw"}}}
		}},
		{"multipart", func(m string) req {
			return req{multipart: map[string]string{"status": "multipart", "media_ids[]": m, "sensitive": "1", "spoiler_text": "cw"}}
		}},
		{"JSON array", func(m string) req {
			return req{json: map[string]any{"status": "json", "media_ids": []string{m}, "sensitive": true, "spoiler_text": "cw"}}
		}},
		{"media only, no text", func(m string) req {
			return req{json: map[string]any{"media_ids": []string{m}, "spoiler_text": "cw", "sensitive": "true"}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rq := tc.rq(e.upload(t, tok, "alt"))
			rq.method, rq.path, rq.token = "POST", "/api/v1/statuses", tok
			var st map[string]any
			e.call(t, rq, 200, &st)
			if len(st["media_attachments"].([]any)) != 1 || st["sensitive"] != true || st["spoiler_text"] != "cw" {
				t.Fatalf("status %v", st)
			}
		})
	}
}

var msTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
var numericID = regexp.MustCompile(`^[0-9]+$`)

// requireFields fails unless every named field is present and non-null.
func requireFields(t *testing.T, what string, m map[string]any, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if v, ok := m[f]; !ok || v == nil {
			t.Errorf("%s: %q is missing or null in %v", what, f, m)
		}
	}
}

// Tusky's required fields (interop.md C.2), millisecond timestamps,
// numeric ids and default images (checklist 65).
func TestEntityRequiredFieldsNeverNull(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write follow")
	bob, _ := e.login(t, "bob", "read")
	mediaID := e.upload(t, tok, "")
	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok,
		json: map[string]any{"status": "hi @bob #tag", "media_ids": []string{mediaID}}}, 200, &st)
	var fetched map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + st["id"].(string), token: tok}, 200, &fetched)
	var boost map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + st["id"].(string) + "/reblog", token: tok}, 200, &boost)
	for _, s := range []map[string]any{st, fetched, boost, boost["reblog"].(map[string]any)} {
		requireFields(t, "status", s, "id", "account", "content", "created_at", "emojis", "reblogs_count",
			"favourites_count", "replies_count", "sensitive", "spoiler_text", "visibility", "media_attachments", "mentions",
			"uri", "url", "tags")
		if !msTime.MatchString(s["created_at"].(string)) || !numericID.MatchString(s["id"].(string)) {
			t.Errorf("status id %v created_at %v", s["id"], s["created_at"])
		}
		acct := s["account"].(map[string]any)
		requireFields(t, "account", acct, "id", "username", "acct", "url", "avatar", "avatar_static", "header",
			"header_static", "note", "display_name", "created_at", "emojis", "fields")
		if !strings.HasSuffix(acct["avatar"].(string), "/static/img/avatar.png") ||
			!strings.HasSuffix(acct["header"].(string), "/static/img/header.png") {
			t.Errorf("default images: %v %v", acct["avatar"], acct["header"])
		}
	}
	m := st["media_attachments"].([]any)[0].(map[string]any)
	requireFields(t, "attachment", m, "id", "url", "type", "preview_url", "meta", "blurhash")
	meta := m["meta"].(map[string]any)
	requireFields(t, "meta", meta, "original", "small", "focus")
	if orig := meta["original"].(map[string]any); orig["width"] != 64.0 || orig["height"] != 48.0 {
		t.Errorf("meta.original %v", orig)
	}
	if men := st["mentions"].([]any); len(men) != 1 || men[0].(map[string]any)["id"] != store.FormatID(bob.ID) {
		t.Errorf("mentions %v", st["mentions"])
	}
	if tags := st["tags"].([]any); len(tags) != 1 || tags[0].(map[string]any)["name"] != "tag" {
		t.Errorf("tags %v", st["tags"])
	}
	if boost["reblogged"] != true || boost["reblog"].(map[string]any)["reblogs_count"] != 1.0 {
		t.Errorf("boost %v", boost)
	}
	var cred map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/accounts/verify_credentials", token: tok}, 200, &cred)
	requireFields(t, "credential account", cred, "source", "id", "avatar", "header")
	requireFields(t, "source", cred["source"].(map[string]any), "privacy", "sensitive", "note", "fields")
	// The post and its boost: Mastodon counts boosts (issue 14).
	if cred["statuses_count"] != 2.0 {
		t.Errorf("statuses_count = %v", cred["statuses_count"])
	}
}

func TestEditHistorySourceContextAndDelete(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	mediaID := e.upload(t, tok, "first alt")
	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok,
		json: map[string]any{"status": "v1", "media_ids": []string{mediaID}}}, 200, &st)
	id := st["id"].(string)
	var edited map[string]any
	e.call(t, req{method: "PUT", path: "/api/v1/statuses/" + id, token: tok, json: map[string]any{
		"status": "v2", "spoiler_text": "now with a warning", "media_ids": []string{mediaID},
		"media_attributes": []map[string]any{{"id": mediaID, "description": "better alt"}}}}, 200, &edited)
	if edited["edited_at"] == nil || !strings.Contains(edited["content"].(string), "v2") ||
		edited["media_attachments"].([]any)[0].(map[string]any)["description"] != "better alt" {
		t.Fatalf("edited %v", edited)
	}
	var history []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id + "/history", token: tok}, 200, &history)
	if len(history) != 2 || !strings.Contains(history[0]["content"].(string), "v1") || history[1]["spoiler_text"] != "now with a warning" {
		t.Fatalf("history %v", history)
	}
	var src map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id + "/source", token: tok}, 200, &src)
	if src["text"] != "v2" || src["spoiler_text"] != "now with a warning" {
		t.Fatalf("source %v", src)
	}
	var reply map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, form: url.Values{"status": {"a reply"}, "in_reply_to_id": {id}}}, 200, &reply)
	var ctx map[string][]map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id + "/context", token: tok}, 200, &ctx)
	if len(ctx["ancestors"]) != 0 || len(ctx["descendants"]) != 1 || ctx["descendants"][0]["id"] != reply["id"] {
		t.Fatalf("context %v", ctx)
	}
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + reply["id"].(string) + "/context", token: tok}, 200, &ctx)
	if len(ctx["ancestors"]) != 1 || ctx["ancestors"][0]["id"] != id {
		t.Fatalf("reply context %v", ctx)
	}
	var deleted map[string]any
	e.call(t, req{method: "DELETE", path: "/api/v1/statuses/" + id, token: tok}, 200, &deleted)
	if deleted["text"] != "v2" {
		t.Fatalf("delete answered %v, want the source text for redraft", deleted)
	}
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id, token: tok}, 404, nil)
}

func TestInteractionsNotificationsAndLists(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write follow")
	bob, bTok := e.login(t, "bob", "read write follow")
	st := e.post(t, aTok, "like me")
	id := st["id"].(string)
	var rel map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(alice.ID) + "/follow", token: bTok}, 200, &rel)
	if rel["following"] != true {
		t.Fatalf("relationship %v", rel)
	}
	for _, action := range []string{"favourite", "bookmark", "reblog"} {
		e.call(t, req{method: "POST", path: "/api/v1/statuses/" + id + "/" + action, token: bTok}, 200, nil)
	}
	var notes []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/notifications", token: aTok}, 200, &notes)
	var types []string
	for _, n := range notes {
		types = append(types, n["type"].(string))
	}
	if fmt.Sprint(types) != "[reblog favourite follow]" {
		t.Fatalf("notification types %v", types)
	}
	e.call(t, req{method: "GET", path: "/api/v1/notifications?types[]=favourite&types[]=follow", token: aTok}, 200, &notes)
	if len(notes) != 2 {
		t.Fatalf("types[] filter gave %d", len(notes))
	}
	e.call(t, req{method: "GET", path: "/api/v1/notifications?exclude_types[]=follow", token: aTok}, 200, &notes)
	if len(notes) != 2 || notes[0]["status"] == nil {
		t.Fatalf("exclude_types[] filter gave %v", notes)
	}
	e.call(t, req{method: "POST", path: "/api/v1/notifications/" + notes[0]["id"].(string) + "/dismiss", token: aTok}, 200, nil)
	e.call(t, req{method: "GET", path: "/api/v1/notifications/" + notes[0]["id"].(string), token: aTok}, 404, nil)
	e.call(t, req{method: "POST", path: "/api/v1/notifications/clear", token: aTok}, 200, nil)
	e.call(t, req{method: "GET", path: "/api/v1/notifications", token: aTok}, 200, &notes)
	if len(notes) != 0 {
		t.Fatalf("after clear: %v", notes)
	}
	var accts []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id + "/favourited_by", token: aTok}, 200, &accts)
	if len(accts) != 1 || accts[0]["id"] != store.FormatID(bob.ID) {
		t.Fatalf("favourited_by %v", accts)
	}
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id + "/reblogged_by", token: aTok}, 200, &accts)
	if len(accts) != 1 {
		t.Fatalf("reblogged_by %v", accts)
	}
	for _, list := range []string{"/api/v1/bookmarks", "/api/v1/favourites"} {
		var sts []map[string]any
		e.call(t, req{method: "GET", path: list, token: bTok}, 200, &sts)
		if len(sts) != 1 || sts[0]["id"] != id || (list == "/api/v1/bookmarks" && sts[0]["bookmarked"] != true) {
			t.Fatalf("%s = %v", list, sts)
		}
	}
	// Bob's home has his boost; blocking alice ends his follow and hides her.
	var home []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/timelines/home", token: bTok}, 200, &home)
	if len(home) != 2 || home[0]["reblog"] == nil {
		t.Fatalf("bob's home %v", statusIDs(home))
	}
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(alice.ID) + "/block", token: bTok}, 200, &rel)
	if rel["blocking"] != true || rel["following"] != false {
		t.Fatalf("after block %v", rel)
	}
	var rels []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/accounts/relationships?id[]=" + store.FormatID(bob.ID), token: aTok}, 200, &rels)
	if len(rels) != 1 || rels[0]["blocked_by"] != true {
		t.Fatalf("relationships %v", rels)
	}
}

func TestInstanceShapesForApps(t *testing.T) {
	e := start(t)
	e.login(t, "admin", "read")
	var v2 map[string]any
	resp := e.call(t, req{method: "GET", path: "/api/v2/instance"}, 200, &v2)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	requireFields(t, "v2", v2, "domain", "title", "version", "source_url", "description", "usage", "thumbnail",
		"languages", "configuration", "registrations", "contact", "rules", "icon")
	if !strings.HasPrefix(v2["version"].(string), "4.2.0 (compatible; Pictor ") {
		t.Fatalf("version %v", v2["version"])
	}
	if av, ok := v2["api_versions"].(map[string]any); ok && av["mastodon"].(float64) >= 2 {
		t.Fatalf("api_versions %v unlocks grouped notifications", av)
	}
	conf := v2["configuration"].(map[string]any)
	urls := conf["urls"].(map[string]any) // Elk reads it unguarded
	if !strings.HasPrefix(urls["streaming"].(string), "wss://") {
		t.Fatalf("streaming URL %v", urls["streaming"])
	}
	sc := conf["statuses"].(map[string]any)
	requireFields(t, "statuses", sc, "max_characters", "max_media_attachments", "characters_reserved_per_url")
	requireFields(t, "polls", conf["polls"].(map[string]any), "max_options", "max_characters_per_option", "min_expiration", "max_expiration")
	requireFields(t, "media", conf["media_attachments"].(map[string]any), "supported_mime_types", "image_size_limit", "image_matrix_limit")
	if _, ok := v2["contact"].(map[string]any)["email"].(string); !ok { // Ice Cubes needs a string
		t.Fatalf("contact.email %v", v2["contact"])
	}
	if _, ok := v2["thumbnail"].(map[string]any)["url"].(string); !ok {
		t.Fatalf("thumbnail %v", v2["thumbnail"])
	}
	if _, ok := v2["registrations"].(map[string]any)["enabled"].(bool); !ok {
		t.Fatalf("registrations %v", v2["registrations"])
	}
	var v1 map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/instance"}, 200, &v1)
	requireFields(t, "v1", v1, "uri", "title", "short_description", "description", "email", "version", "urls", "stats",
		"thumbnail", "languages", "registrations", "approval_required", "invites_enabled", "configuration",
		"contact_account", "rules")
	requireFields(t, "v1 stats", v1["stats"].(map[string]any), "user_count", "status_count", "domain_count")
	if v1["urls"].(map[string]any)["streaming_api"] == nil {
		t.Fatal("v1 urls.streaming_api missing")
	}
}

// What apps call at start-up answers with valid data, never 404 (checklist 55, 70).
func TestStartupEndpoints(t *testing.T) {
	e := start(t)
	alice, tok := e.login(t, "alice", "read write follow push")
	id := store.FormatID(alice.ID)
	for _, path := range []string{"/api/v1/custom_emojis", "/api/v1/filters", "/api/v2/filters", "/api/v1/announcements",
		"/api/v1/lists", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/suggestions", "/api/v1/followed_tags",
		"/api/v1/conversations", "/api/v1/bookmarks", "/api/v1/favourites", "/api/v1/follow_requests", "/api/v1/blocks",
		"/api/v1/mutes", "/api/v1/instance/rules", "/api/v1/accounts/" + id + "/statuses?exclude_reblogs=1&limit=40",
		"/api/v1/accounts/" + id + "/statuses?pinned=true", "/api/v1/accounts/" + id + "/followers",
		"/api/v1/notifications?limit=100&types[]=mention&types[]=update", "/api/v1/timelines/public?local=true",
		"/api/v1/timelines/tag/art", "/api/v2/search?q=ali&resolve=true"} {
		var out any
		e.call(t, req{method: "GET", path: path, token: tok}, 200, &out)
	}
	var prefs, markers map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/preferences", token: tok}, 200, &prefs)
	requireFields(t, "preferences", prefs, "posting:default:visibility", "reading:expand:media")
	e.call(t, req{method: "POST", path: "/api/v1/markers", token: tok, form: url.Values{"home[last_read_id]": {"123"}}}, 200, nil)
	e.call(t, req{method: "GET", path: "/api/v1/markers?timeline[]=home&timeline[]=notifications", token: tok}, 200, &markers)
	if home, _ := markers["home"].(map[string]any); home == nil || home["last_read_id"] != "123" || home["version"] != 1.0 {
		t.Fatalf("markers %v", markers)
	}
	var errBody map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/push/subscription", token: tok}, 404, &errBody)
	if errBody["error"] == nil {
		t.Fatal("push subscription: no error message")
	}
	var acct map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/accounts/lookup?acct=alice", token: tok}, 200, &acct)
	if acct["id"] != id {
		t.Fatalf("lookup %v", acct)
	}
	var found map[string][]map[string]any
	e.call(t, req{method: "GET", path: "/api/v2/search?q=ali&type=accounts", token: tok}, 200, &found)
	if len(found["accounts"]) != 1 || found["accounts"][0]["id"] != id {
		t.Fatalf("search %v", found)
	}
}
