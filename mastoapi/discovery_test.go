package mastoapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

type featuredTag struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	URL           string  `json:"url"`
	StatusesCount string  `json:"statuses_count"`
	LastStatusAt  *string `json:"last_status_at"`
}

// Featured tags: create, list (own and per account), suggestions, delete,
// the limit, and the ActivityPub featuredTags collection.
func TestFeaturedTags(t *testing.T) {
	e := start(t)
	alice, tok := e.login(t, "alice", "read write")
	e.post(t, tok, "a #Fox and a #cat")
	e.post(t, tok, "another #fox")
	var sugg []struct{ Name string }
	e.call(t, req{method: "GET", path: "/api/v1/featured_tags/suggestions", token: tok}, 200, &sugg)
	if len(sugg) != 2 || sugg[0].Name != "fox" || sugg[1].Name != "cat" {
		t.Fatalf("suggestions %+v", sugg)
	}
	var f featuredTag
	e.call(t, req{method: "POST", path: "/api/v1/featured_tags", token: tok, form: url.Values{"name": {"#Fox"}}}, 200, &f)
	if f.Name != "fox" || f.StatusesCount != "2" || f.LastStatusAt == nil || len(*f.LastStatusAt) != 10 || !strings.HasSuffix(f.URL, "/tags/fox") {
		t.Fatalf("featured tag %+v", f)
	}
	e.call(t, req{method: "POST", path: "/api/v1/featured_tags", token: tok, json: map[string]any{"name": "fox"}}, 422, nil)
	e.call(t, req{method: "POST", path: "/api/v1/featured_tags", token: tok, json: map[string]any{"name": "not a tag"}}, 422, nil)
	e.call(t, req{method: "GET", path: "/api/v1/featured_tags/suggestions", token: tok}, 200, &sugg)
	if len(sugg) != 1 || sugg[0].Name != "cat" {
		t.Fatalf("suggestions after featuring %+v", sugg)
	}
	var list []featuredTag
	e.call(t, req{method: "GET", path: "/api/v1/accounts/" + store.FormatID(alice.ID) + "/featured_tags"}, 200, &list)
	if len(list) != 1 || list[0].ID != f.ID {
		t.Fatalf("account featured tags %+v", list)
	}
	// The actor advertises the collection, which lists the hashtag.
	actor := e.activity(t, "/users/alice")
	if actor["featuredTags"] != e.URL+"/users/alice/collections/tags" {
		t.Fatalf("actor featuredTags %v", actor["featuredTags"])
	}
	coll := e.activity(t, "/users/alice/collections/tags")
	items, _ := coll["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["name"] != "#fox" || items[0].(map[string]any)["type"] != "Hashtag" {
		t.Fatalf("featuredTags collection %v", coll)
	}
	for i := range 9 {
		e.call(t, req{method: "POST", path: "/api/v1/featured_tags", token: tok, form: url.Values{"name": {"tag" + string(rune('a'+i))}}}, 200, nil)
	}
	e.call(t, req{method: "POST", path: "/api/v1/featured_tags", token: tok, form: url.Values{"name": {"eleventh"}}}, 422, nil)
	e.call(t, req{method: "DELETE", path: "/api/v1/featured_tags/" + f.ID, token: tok}, 200, nil)
	e.call(t, req{method: "DELETE", path: "/api/v1/featured_tags/" + f.ID, token: tok}, 404, nil)
	e.call(t, req{method: "GET", path: "/api/v1/featured_tags", token: tok}, 200, &list)
	if len(list) != 9 || slices.ContainsFunc(list, func(x featuredTag) bool { return x.Name == "fox" }) {
		t.Fatalf("after delete %+v", list)
	}
}

// activity GETs path as ActivityPub JSON.
func (e *env) activity(t *testing.T, path string) map[string]any {
	t.Helper()
	var out map[string]any
	e.call(t, req{method: "GET", path: path, header: map[string]string{"Accept": "application/activity+json"}}, 200, &out)
	return out
}

// The directory lists discoverable accounts, local and remote, by recent
// posting or newest first, hiding what the viewer blocks.
func TestDirectory(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write follow")
	bob, bTok := e.login(t, "bob", "read write")
	carol, cTok := e.login(t, "carol", "read write")
	remote, _ := e.remoteWithPost(t, "rita", "remote.test", alice)
	remote.Discoverable = true
	if err := e.DB.Write(context.Background(), func(tx *store.Tx) error { return tx.UpdateAccount(context.Background(), &remote) }); err != nil {
		t.Fatal(err)
	}
	e.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: cTok, form: url.Values{"discoverable": {"false"}}}, 200, nil)
	e.post(t, bTok, "bob posts last")
	id := store.FormatID
	known := []string{id(alice.ID), id(bob.ID), id(carol.ID), id(remote.ID)}
	// ids lists the accounts of this test (not the generator bot).
	ids := func(path, tok string) []string {
		var out []string
		for _, x := range e.idsAt(t, tok, path) {
			if slices.Contains(known, x) {
				out = append(out, x)
			}
		}
		return out
	}
	got := ids("/api/v1/directory?order=new", "")
	if !slices.Equal(got, []string{id(remote.ID), id(bob.ID), id(alice.ID)}) {
		t.Fatalf("order=new %v", got)
	}
	if got := ids("/api/v1/directory", ""); len(got) != 3 || got[0] != id(bob.ID) || got[1] != id(remote.ID) {
		t.Fatalf("order=active %v", got)
	}
	if got := ids("/api/v1/directory?local=true&order=new", ""); !slices.Equal(got, []string{id(bob.ID), id(alice.ID)}) {
		t.Fatalf("local %v", got)
	}
	all := e.idsAt(t, "", "/api/v1/directory?order=new")
	if got := e.idsAt(t, "", "/api/v1/directory?order=new&offset=1&limit=2"); !slices.Equal(got, all[1:3]) {
		t.Fatalf("offset 1 limit 2: %v of %v", got, all)
	}
	if slices.Contains(ids("/api/v1/directory?order=new", ""), id(carol.ID)) {
		t.Fatal("undiscoverable account listed")
	}
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + id(bob.ID) + "/block", token: aTok}, 200, nil)
	if got := ids("/api/v1/directory?order=new", aTok); slices.Contains(got, id(bob.ID)) {
		t.Fatalf("blocked account listed to the blocker: %v", got)
	}
	if err := e.DB.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.BlockDomain(context.Background(), "remote.test", "spam")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := ids("/api/v1/directory?order=new", ""); slices.Contains(got, id(remote.ID)) {
		t.Fatalf("account of a blocked domain listed: %v", got)
	}
}

// Instance endpoints apps call at start-up.
func TestInstanceExtras(t *testing.T) {
	e := start(t)
	if err := e.DB.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.BlockDomain(context.Background(), "spam.test", "spam <b>farm</b>")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var blocks []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/instance/domain_blocks"}, 200, &blocks)
	sum := sha256.Sum256([]byte("spam.test"))
	if len(blocks) != 1 || blocks[0]["domain"] != "spam.test" || blocks[0]["digest"] != hex.EncodeToString(sum[:]) ||
		blocks[0]["severity"] != "suspend" || blocks[0]["comment"] != "spam <b>farm</b>" {
		t.Fatalf("domain blocks %v", blocks)
	}
	var pp struct {
		UpdatedAt string `json:"updated_at"`
		Content   string `json:"content"`
	}
	e.call(t, req{method: "GET", path: "/api/v1/instance/privacy_policy"}, 200, &pp)
	if !strings.HasPrefix(pp.Content, "<p>") || pp.UpdatedAt == "" {
		t.Fatalf("privacy policy %+v", pp)
	}
	r := e.do(t, req{method: "GET", path: "/api/v1/instance/translation_languages"})
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if strings.TrimSpace(string(b)) != "{}" {
		t.Fatalf("translation languages %s", b)
	}
	var rules []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/instance/rules"}, 200, &rules)
	var ext map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/instance/extended_description"}, 200, &ext)

	// Per the config: users only, without reasons; or not at all.
	limited := &env{servertest.Start(t, servertest.Options{CA: e.CA, Configure: func(c *config.File) {
		c.ShowDomainBlocks, c.ShowBlockRationale, c.PrivacyPolicy = "users", "disabled", "We keep little.\n\nAsk us."
	}})}
	_, lTok := limited.login(t, "alice", "read")
	if err := limited.DB.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.BlockDomain(context.Background(), "spam.test", "spam")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	limited.call(t, req{method: "GET", path: "/api/v1/instance/domain_blocks"}, http.StatusNotFound, nil)
	var limitedBlocks []map[string]any
	limited.call(t, req{method: "GET", path: "/api/v1/instance/domain_blocks", token: lTok}, 200, &limitedBlocks)
	if len(limitedBlocks) != 1 || limitedBlocks[0]["domain"] != "spam.test" || limitedBlocks[0]["comment"] != nil {
		t.Fatalf("limited domain blocks %v", limitedBlocks)
	}
	limited.call(t, req{method: "GET", path: "/api/v1/instance/privacy_policy"}, 200, &pp)
	if pp.Content != "<p>We keep little.</p><p>Ask us.</p>" {
		t.Fatalf("configured privacy policy %q", pp.Content)
	}
}

// The actor's featured collection carries the pinned public posts, as
// Mastodon's does, and leaves out the others.
func TestFeaturedCollectionHasPinnedPosts(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	pinned := e.post(t, tok, "pinned")
	e.post(t, tok, "not pinned")
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + pinned["id"].(string) + "/pin", token: tok}, 200, nil)
	coll := e.activity(t, "/users/alice/collections/featured")
	items, _ := coll["orderedItems"].([]any)
	if coll["totalItems"] != float64(1) || len(items) != 1 || items[0].(map[string]any)["id"] != pinned["uri"] ||
		items[0].(map[string]any)["type"] != "Note" {
		t.Fatalf("featured collection %v", coll)
	}
}
