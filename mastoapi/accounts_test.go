package mastoapi_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// toot sends the file part without a type, and some clients without a
// filename; both must upload (interop.md C.3, checklist 62).
func TestMediaUploadPartWithoutFilenameOrType(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "write")
	for _, disposition := range []string{`form-data; name="file"; filename="x"`, `form-data; name="file"`} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		part, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {disposition}})
		part.Write(testPNG(t, 32, 32))
		mw.WriteField("description", "no type")
		mw.Close()
		var m map[string]any
		e.call(t, req{method: "POST", path: "/api/v1/media", token: tok, raw: buf.String(), rawType: mw.FormDataContentType()}, 200, &m)
		if m["url"] == nil || m["description"] != "no type" {
			t.Fatalf("%s: %v", disposition, m)
		}
		var got map[string]any
		e.call(t, req{method: "GET", path: "/api/v1/media/" + m["id"].(string), token: tok}, 200, &got)
		e.call(t, req{method: "PUT", path: "/api/v1/media/" + m["id"].(string), token: tok,
			json: map[string]any{"description": "changed", "focus": "-0.5,0.5"}}, 200, &got)
		if got["description"] != "changed" || got["meta"].(map[string]any)["focus"].(map[string]any)["x"] != -0.5 {
			t.Fatalf("PUT media: %v", got)
		}
	}
}

func TestUpdateCredentialsWithAvatarAndFields(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	var acct map[string]any
	e.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: tok,
		files: map[string][]byte{"avatar": testPNG(t, 120, 120), "header": testPNG(t, 300, 100)},
		multipart: map[string]string{"display_name": "Alice A.", "note": "I make pictures", "locked": "true",
			"fields_attributes[0][name]": "site", "fields_attributes[0][value]": "https://alice.example"}}, 200, &acct)
	if acct["display_name"] != "Alice A." || acct["locked"] != true || strings.Contains(acct["avatar"].(string), "/static/img/") ||
		strings.Contains(acct["header"].(string), "/static/img/") {
		t.Fatalf("account %v", acct)
	}
	if src := acct["source"].(map[string]any); src["note"] != "I make pictures" {
		t.Fatalf("source %v", src)
	}
	fields := acct["fields"].([]any)
	if len(fields) != 1 || fields[0].(map[string]any)["name"] != "site" {
		t.Fatalf("fields %v", fields)
	}
	// The avatar is served.
	resp, err := e.Client.Get(acct["avatar"].(string))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("avatar: %d", resp.StatusCode)
	}
	// JSON bodies work too (Ice Cubes).
	e.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: tok,
		json: map[string]any{"display_name": "Alice"}}, 200, &acct)
	if acct["display_name"] != "Alice" || acct["locked"] != true {
		t.Fatalf("JSON update %v", acct)
	}
}

func TestFollowRequestsAndPins(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write follow")
	bob, bTok := e.login(t, "bob", "read write follow")
	carol, cTok := e.login(t, "carol", "read write follow")
	e.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: aTok, form: map[string][]string{"locked": {"true"}}}, 200, nil)
	var rel map[string]any
	for _, tok := range []string{bTok, cTok} {
		e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(alice.ID) + "/follow", token: tok}, 200, &rel)
		if rel["requested"] != true || rel["following"] != false {
			t.Fatalf("follow of a locked account: %v", rel)
		}
	}
	var reqs []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/follow_requests", token: aTok}, 200, &reqs)
	if len(reqs) != 2 {
		t.Fatalf("follow requests %v", reqs)
	}
	e.call(t, req{method: "POST", path: "/api/v1/follow_requests/" + store.FormatID(bob.ID) + "/authorize", token: aTok}, 200, &rel)
	if rel["followed_by"] != true {
		t.Fatalf("authorize: %v", rel)
	}
	e.call(t, req{method: "POST", path: "/api/v1/follow_requests/" + store.FormatID(carol.ID) + "/reject", token: aTok}, 200, &rel)
	if rel["followed_by"] != false || rel["requested_by"] != false {
		t.Fatalf("reject: %v", rel)
	}
	e.call(t, req{method: "POST", path: "/api/v1/follow_requests/" + store.FormatID(carol.ID) + "/reject", token: aTok}, 404, nil)

	// Followers-only posts reach the accepted follower only.
	var priv map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: aTok, json: map[string]any{"status": "friends only", "visibility": "private"}}, 200, &priv)
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + priv["id"].(string), token: bTok}, 200, nil)
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + priv["id"].(string), token: cTok}, 404, nil)
	var list []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/accounts/" + store.FormatID(alice.ID) + "/statuses", token: cTok}, 200, &list)
	if len(list) != 0 {
		t.Fatalf("carol sees %v", statusIDs(list))
	}

	// Pins show with pinned=true.
	pub := e.post(t, aTok, "pin me")
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + pub["id"].(string) + "/pin", token: aTok}, 200, &pub)
	if pub["pinned"] != true {
		t.Fatalf("pin: %v", pub)
	}
	e.call(t, req{method: "GET", path: "/api/v1/accounts/" + store.FormatID(alice.ID) + "/statuses?pinned=true", token: bTok}, 200, &list)
	if len(list) != 1 || list[0]["id"] != pub["id"] {
		t.Fatalf("pinned %v", statusIDs(list))
	}
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + priv["id"].(string) + "/pin", token: aTok}, 422, nil)
}

// fakeImaginer records what the /imagine hook receives.
type fakeImaginer struct {
	srv    *env
	prompt string
	draft  social.Draft
}

func (f *fakeImaginer) SubmitPost(ctx context.Context, accountID int64, d social.Draft, prompt string) (store.Status, error) {
	f.prompt, f.draft = prompt, d
	d.Text = "generated: " + prompt
	return f.srv.Social.CreateStatus(ctx, accountID, d)
}

func TestImagineCommandGoesToImaginer(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	e.API.Imaginer = nil // the server wires genimage; this part checks the hook's absence
	plain := e.post(t, tok, "/imagine without an imaginer is text")
	if !strings.Contains(plain["content"].(string), "/imagine") {
		t.Fatalf("content %v", plain["content"])
	}
	fake := &fakeImaginer{srv: e}
	e.API.Imaginer = fake
	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok,
		json: map[string]any{"status": "/imagine a red fox in snow", "visibility": "unlisted", "spoiler_text": "fox"}}, 200, &st)
	if fake.prompt != "a red fox in snow" || fake.draft.Visibility != "unlisted" || fake.draft.SpoilerText != "fox" {
		t.Fatalf("imaginer got %q %+v", fake.prompt, fake.draft)
	}
	if !strings.Contains(st["content"].(string), "generated: a red fox") {
		t.Fatalf("status %v", st["content"])
	}
	e.post(t, tok, "/imagined things are not commands")
	if fake.prompt != "a red fox in snow" {
		t.Fatal("a word starting with the command was taken for it")
	}
}

func TestAccountStatusFiltersAndPublicTimelines(t *testing.T) {
	e := start(t)
	alice, tok := e.login(t, "alice", "read write follow")
	id := store.FormatID(alice.ID)
	var withMedia, reply map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok,
		json: map[string]any{"status": "picture #art", "media_ids": []string{e.upload(t, tok, "alt")}}}, 200, &withMedia)
	text := e.post(t, tok, "just text")
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, json: map[string]any{"status": "self reply", "in_reply_to_id": text["id"]}}, 200, &reply)
	var boost map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + text["id"].(string) + "/reblog", token: tok}, 200, &boost)
	cases := []struct {
		query string
		want  []any
	}{
		{"", []any{boost["id"], reply["id"], text["id"], withMedia["id"]}},
		{"?only_media=true", []any{withMedia["id"]}},
		{"?exclude_reblogs=true", []any{reply["id"], text["id"], withMedia["id"]}},
		{"?tagged=art", []any{withMedia["id"]}},
	}
	for _, tc := range cases {
		var list []map[string]any
		e.call(t, req{method: "GET", path: "/api/v1/accounts/" + id + "/statuses" + tc.query}, 200, &list)
		var got []any
		for _, s := range list {
			got = append(got, s["id"])
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%q: got %v, want %v", tc.query, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Fatalf("%q: got %v, want %v", tc.query, got, tc.want)
			}
		}
	}
	for _, tc := range []struct {
		path string
		n    int
	}{
		{"/api/v1/timelines/public", 3}, {"/api/v1/timelines/public?local=true", 3}, {"/api/v1/timelines/public?remote=true", 0},
		{"/api/v1/timelines/public?only_media=true", 1}, {"/api/v1/timelines/tag/art", 1}, {"/api/v1/timelines/tag/ART?only_media=1", 1},
	} {
		var list []map[string]any
		e.call(t, req{method: "GET", path: tc.path}, 200, &list)
		if len(list) != tc.n {
			t.Fatalf("%s: %d statuses, want %d", tc.path, len(list), tc.n)
		}
	}
	// Muting hides an account's posts from the home timeline.
	_, bTok := e.login(t, "bob", "read write follow")
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + id + "/follow", token: bTok}, 200, nil)
	var home []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/timelines/home", token: bTok}, 200, &home)
	if len(home) != 4 {
		t.Fatalf("bob's home before mute: %d", len(home))
	}
	var rel map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + id + "/mute", token: bTok}, 200, &rel)
	if rel["muting"] != true || rel["muting_notifications"] != true {
		t.Fatalf("mute: %v", rel)
	}
	e.call(t, req{method: "GET", path: "/api/v1/timelines/home", token: bTok}, 200, &home)
	if len(home) != 0 {
		t.Fatalf("bob's home after mute: %d", len(home))
	}
}

// An account's statuses follow each viewer's relation and marks from one
// write to the next (the store caches both per viewer): a follower sees
// followers-only posts until they unfollow, a blocked viewer sees nothing
// until the block is lifted, and a favourite or bookmark shows for its
// viewer only, and no longer once taken back. Each page is read twice, the
// second from the caches.
func TestAccountStatusesFollowRelationAndMarks(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write follow")
	_, bTok := e.login(t, "bob", "read write follow")
	carol, cTok := e.login(t, "carol", "read write follow")
	pub := e.post(t, aTok, "for everyone")
	var priv map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: aTok,
		json: map[string]any{"status": "friends only", "visibility": "private"}}, 200, &priv)
	pubID, privID := pub["id"].(string), priv["id"].(string)
	aliceURL := "/api/v1/accounts/" + store.FormatID(alice.ID)
	do := func(tok, method, path string) func() {
		return func() { e.call(t, req{method: method, path: path, token: tok}, 200, nil) }
	}
	type view struct {
		ids                    []string
		favourited, bookmarked bool // of the public post
	}
	for _, step := range []struct {
		name       string
		write      func()
		bob, carol view
	}{
		{name: "bob follows", write: do(bTok, "POST", aliceURL+"/follow"),
			bob: view{ids: []string{privID, pubID}}, carol: view{ids: []string{pubID}}},
		{name: "bob favourites and bookmarks", write: func() {
			do(bTok, "POST", "/api/v1/statuses/"+pubID+"/favourite")()
			do(bTok, "POST", "/api/v1/statuses/"+pubID+"/bookmark")()
		}, bob: view{ids: []string{privID, pubID}, favourited: true, bookmarked: true}, carol: view{ids: []string{pubID}}},
		{name: "bob unfavourites", write: do(bTok, "POST", "/api/v1/statuses/"+pubID+"/unfavourite"),
			bob: view{ids: []string{privID, pubID}, bookmarked: true}, carol: view{ids: []string{pubID}}},
		{name: "bob unfollows", write: do(bTok, "POST", aliceURL+"/unfollow"),
			bob: view{ids: []string{pubID}, bookmarked: true}, carol: view{ids: []string{pubID}}},
		{name: "alice blocks carol", write: do(aTok, "POST", "/api/v1/accounts/"+store.FormatID(carol.ID)+"/block"),
			bob: view{ids: []string{pubID}, bookmarked: true}, carol: view{ids: []string{}}},
		{name: "alice unblocks carol", write: do(aTok, "POST", "/api/v1/accounts/"+store.FormatID(carol.ID)+"/unblock"),
			bob: view{ids: []string{pubID}, bookmarked: true}, carol: view{ids: []string{pubID}}},
	} {
		step.write()
		for _, v := range []struct {
			name, tok string
			want      view
		}{{"bob", bTok, step.bob}, {"carol", cTok, step.carol}} {
			for read := range 2 {
				var list []map[string]any
				e.call(t, req{method: "GET", path: aliceURL + "/statuses", token: v.tok}, 200, &list)
				got := view{ids: statusIDs(list)}
				for _, st := range list {
					if st["id"] == pubID {
						got.favourited, got.bookmarked = st["favourited"] == true, st["bookmarked"] == true
					}
				}
				if !slices.Equal(got.ids, v.want.ids) || got.favourited != v.want.favourited ||
					got.bookmarked != v.want.bookmarked {
					t.Errorf("%s: %s's read %d = %+v, want %+v", step.name, v.name, read+1, got, v.want)
				}
			}
		}
	}
}

// Following with reblogs=false hides the account's boosts from the home
// timeline and says so in showing_reblogs; its own posts stay. Following
// again with reblogs=true shows them (those already in the feed too), and
// following again without the parameter changes nothing, as in Mastodon.
func TestFollowWithReblogsHidden(t *testing.T) {
	e := start(t)
	_, aTok := e.login(t, "alice", "read write follow")
	bob, bTok := e.login(t, "bob", "read write follow")
	_, cTok := e.login(t, "carol", "read write follow")
	carols := e.post(t, cTok, "a heron at dawn")
	var boost map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + carols["id"].(string) + "/reblog", token: bTok}, 200, &boost)
	bobs := e.post(t, bTok, "my own heron")
	bobURL := "/api/v1/accounts/" + store.FormatID(bob.ID)
	home := func() []string {
		t.Helper()
		var list []map[string]any
		e.call(t, req{method: "GET", path: "/api/v1/timelines/home", token: aTok}, 200, &list)
		var got []string
		for _, st := range list {
			got = append(got, st["id"].(string))
		}
		return got
	}
	for _, step := range []struct {
		name        string
		form        url.Values
		wantShowing bool
	}{
		{"follow with reblogs=false", url.Values{"reblogs": {"false"}}, false},
		{"follow again without reblogs", url.Values{}, false},
		{"follow again with reblogs=true", url.Values{"reblogs": {"true"}}, true},
		{"follow again without reblogs, showing", url.Values{}, true},
		{"hide them again", url.Values{"reblogs": {"0"}}, false},
	} {
		var rel map[string]any
		e.call(t, req{method: "POST", path: bobURL + "/follow", token: aTok, form: step.form}, 200, &rel)
		if rel["following"] != true || rel["showing_reblogs"] != step.wantShowing {
			t.Fatalf("%s: relationship %v", step.name, rel)
		}
		var rels []map[string]any
		e.call(t, req{method: "GET", path: "/api/v1/accounts/relationships?id[]=" + store.FormatID(bob.ID), token: aTok}, 200, &rels)
		if len(rels) != 1 || rels[0]["showing_reblogs"] != step.wantShowing {
			t.Fatalf("%s: relationships %v", step.name, rels)
		}
		want := []string{bobs["id"].(string)}
		if step.wantShowing {
			want = []string{bobs["id"].(string), boost["id"].(string)}
		}
		if got := home(); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s: home %v, want %v", step.name, got, want)
		}
	}
}

// Following with notify=true says so in notifying and brings a "status"
// notification of each new post (not of a reply to someone else nor of a
// boost); following again with notify=false stops them.
func TestFollowWithNotify(t *testing.T) {
	e := start(t)
	_, aTok := e.login(t, "alice", "read write follow")
	bob, bTok := e.login(t, "bob", "read write follow")
	_, cTok := e.login(t, "carol", "read write follow")
	carols := e.post(t, cTok, "a heron at dawn")
	bobURL := "/api/v1/accounts/" + store.FormatID(bob.ID)
	statusNotes := func() (ids []string) {
		t.Helper()
		var list []map[string]any
		e.call(t, req{method: "GET", path: "/api/v1/notifications?types[]=status", token: aTok}, 200, &list)
		for _, n := range list {
			if n["type"] != "status" || n["account"].(map[string]any)["id"] != store.FormatID(bob.ID) {
				t.Fatalf("notification %v", n)
			}
			ids = append(ids, n["status"].(map[string]any)["id"].(string))
		}
		return ids
	}
	var rel map[string]any
	e.call(t, req{method: "POST", path: bobURL + "/follow", token: aTok, form: url.Values{"notify": {"true"}}}, 200, &rel)
	if rel["notifying"] != true || rel["showing_reblogs"] != true {
		t.Fatalf("relationship %v", rel)
	}
	first := e.post(t, bTok, "my own heron")
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: bTok,
		json: map[string]any{"status": "@carol lovely", "in_reply_to_id": carols["id"]}}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + carols["id"].(string) + "/reblog", token: bTok}, 200, nil)
	if got := statusNotes(); strings.Join(got, ",") != first["id"] {
		t.Fatalf("status notifications %v, want only %v", got, first["id"])
	}
	e.call(t, req{method: "POST", path: bobURL + "/follow", token: aTok, form: url.Values{"notify": {"false"}}}, 200, &rel)
	if rel["notifying"] != false {
		t.Fatalf("relationship after notify=false %v", rel)
	}
	e.post(t, bTok, "another heron")
	if got := statusNotes(); len(got) != 1 {
		t.Fatalf("status notifications after notify=false %v", got)
	}
}
