package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

const asPublic = "https://www.w3.org/ns/activitystreams#Public"

// checkSigned asserts the shape of a delivery's signature: draft-cavage,
// rsa-sha256, keyId, (request-target) host date digest, and a Digest of the
// exact body (checklist 12). The fake remote has already verified it.
func checkSigned(t testing.TB, rc received, keyID string) {
	t.Helper()
	if rc.Err != nil {
		t.Fatalf("delivery to %s not verified: %v", rc.Path, rc.Err)
	}
	sig := rc.Header.Get("Signature")
	for _, want := range []string{`keyId="` + keyID + `"`, `algorithm="rsa-sha256"`, `headers="(request-target) host date digest"`} {
		if !strings.Contains(sig, want) {
			t.Errorf("signature %q lacks %s", sig, want)
		}
	}
	sum := sha256.Sum256(rc.Body)
	if got := rc.Header.Get("Digest"); got != "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]) {
		t.Errorf("Digest %q does not match the body", got)
	}
	if ct := rc.Header.Get("Content-Type"); ct != "application/activity+json" {
		t.Errorf("Content-Type %q", ct)
	}
}

// followAlice makes a follow alice by a signed Follow and returns the Follow
// id and the Accept it received (checklist 24).
func followAlice(t testing.TB, env *fedEnv, r *fakeRemote, a *fakeActor) (string, received) {
	t.Helper()
	id, body := followJSON(t, a, env.alice.URI)
	if status, msg := r.post(t, a, env.alice.InboxURI, body, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("follow: %d %s", status, msg)
	}
	acc := r.waitInbox(t, "Accept of "+id, func(rc received) bool {
		return rc.Activity.Type == "Accept" && rc.Activity.Object.ID() == id
	})
	return id, acc
}

// noteOf returns the object of a delivered Create or Update as a map.
func noteOf(t testing.TB, rc received) map[string]any {
	t.Helper()
	var d struct {
		Object map[string]any `json:"object"`
	}
	if err := json.Unmarshal(rc.Body, &d); err != nil {
		t.Fatal(err)
	}
	return d.Object
}

// strs reads a JSON value that is a string or a list of strings.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// An incoming Follow is stored and answered with a signed Accept that embeds
// the Follow with its id (checklist 12, 24).
func TestFollowInAccepted(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	bob := env.remote.addActor("bob")
	id, acc := followAlice(t, env, env.remote, bob)
	checkSigned(t, acc, env.alice.PublicKeyID)
	inner := acc.Activity.Object.Activity()
	if acc.Activity.Actor.ID() != env.alice.URI || inner == nil || inner.Type != "Follow" || inner.ID != id ||
		inner.Actor.ID() != bob.ID || inner.Object.ID() != env.alice.URI || acc.Path != "/users/bob/inbox" {
		t.Fatalf("Accept %s to %s", acc.Body, acc.Path)
	}
	if !strings.HasPrefix(acc.Activity.ID, env.srv.URL+"/") {
		t.Errorf("Accept id %q is not on Pictor's host", acc.Activity.ID)
	}
	bobAcct, err := env.srv.DB.AccountByURI(context.Background(), bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fl, err := env.srv.DB.FollowBetween(context.Background(), bobAcct.ID, env.alice.ID); err != nil || !fl.Accepted || fl.URI != id {
		t.Fatalf("follow %+v, %v", fl, err)
	}
}

// A post's whole life as a follower's server sees it: the Create with every
// Note field, attachments with alt text, blurhash, focal point and size
// (at most 4, all present in the Create), mentions and hashtags, the note
// and activity dereferenceable, media served to anyone, then the Delete with
// a Tombstone and 410 (checklist 28, 29, 31, 33, 34, 38, 46).
func TestPostLifecycleAsFollowerSeesIt(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	ctx := context.Background()
	bob := env.remote.addActor("bob")
	followAlice(t, env, env.remote, bob)
	var ids []int64
	for i, alt := range []string{"a red square", "a blue square", "a green square", "a grey square", "one too many"} {
		m, err := env.srv.Social.UploadMedia(ctx, env.alice.ID, bytes.NewReader(testPNG(t, uint8(i+1))),
			social.MediaInput{Description: alt, FocusX: 0.5, FocusY: -0.25})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	draft := social.Draft{Text: "four squares #pictor for @bob@" + env.remote.Host, SpoilerText: "colours", Language: "en", MediaIDs: ids}
	if _, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, draft); err == nil {
		t.Fatal("a status with 5 images was accepted (checklist 31)")
	}
	draft.MediaIDs = ids[:4]
	st, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, draft)
	if err != nil {
		t.Fatal(err)
	}
	create := env.remote.waitInbox(t, "Create", func(rc received) bool { return rc.Activity.Type == "Create" && rc.Activity.Object.ID() == st.URI })
	checkSigned(t, create, env.alice.PublicKeyID)
	note := noteOf(t, create)
	checkNoteFields(t, note, st, env)
	checkAttachments(t, note, env)
	checkMention(t, note, bob)

	// The note and its Create are dereferenceable, unsigned, id == URL (checklist 29).
	status, ct, b := getDoc(t, env.srv.Client, st.URI, "application/activity+json")
	var served map[string]any
	json.Unmarshal(b, &served)
	if status != http.StatusOK || !strings.HasPrefix(ct, "application/activity+json") || served["id"] != st.URI || served["type"] != "Note" {
		t.Fatalf("GET note: %d %q %s", status, ct, b)
	}
	if !strings.HasPrefix(create.Activity.ID, env.srv.URL+"/") {
		t.Errorf("Create id %q not on Pictor's host", create.Activity.ID)
	}
	status, _, b = getDoc(t, env.srv.Client, create.Activity.ID, "application/activity+json")
	json.Unmarshal(b, &served)
	if status != http.StatusOK || served["id"] != create.Activity.ID || served["type"] != "Create" {
		t.Fatalf("GET activity %s: %d %s", create.Activity.ID, status, b)
	}

	// Images were all in the Create; nothing later adds them (checklist 46).
	if err := drainDeliveries(t, env); err != nil {
		t.Fatal(err)
	}
	for _, rc := range env.remote.received() {
		if rc.Activity.Type == "Update" {
			t.Errorf("an Update followed the Create: %s", rc.Body)
		}
	}

	// Delete: a Tombstone goes to the follower; the URL answers 410 (checklist 38).
	if _, err := env.srv.Social.DeleteStatus(ctx, env.alice.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	del := env.remote.waitInbox(t, "Delete", ofType("Delete"))
	checkSigned(t, del, env.alice.PublicKeyID)
	if o := del.Activity.Object; o.ID() != st.URI || o.Type() != "Tombstone" {
		t.Fatalf("Delete %s", del.Body)
	}
	if status, _, b := getDoc(t, env.srv.Client, st.URI, "application/activity+json"); status != http.StatusGone || !strings.Contains(string(b), "Tombstone") {
		t.Fatalf("deleted note: %d %s", status, b)
	}
}

func checkNoteFields(t testing.TB, note map[string]any, st store.Status, env *fedEnv) {
	t.Helper()
	for _, k := range []string{"id", "type", "attributedTo", "content", "contentMap", "published", "url", "to", "cc", "tag", "attachment", "sensitive", "summary"} {
		if _, ok := note[k]; !ok {
			t.Errorf("note lacks %q: %v", k, note)
		}
	}
	cm, _ := note["contentMap"].(map[string]any)
	if note["id"] != st.URI || note["type"] != "Note" || note["attributedTo"] != env.alice.URI || note["summary"] != "colours" ||
		note["sensitive"] != true || cm["en"] == nil || !strings.Contains(note["content"].(string), "<p>") {
		t.Errorf("note %v", note)
	}
	if !slices.Contains(strs(note["to"]), asPublic) || !slices.Contains(strs(note["cc"]), env.alice.FollowersURI) {
		t.Errorf("public note addressed to %v cc %v", note["to"], note["cc"])
	}
	hashtag := false
	for _, tag := range note["tag"].([]any) {
		m := tag.(map[string]any)
		if m["type"] == "Hashtag" && m["name"] == "#pictor" && m["href"] != nil {
			hashtag = true
		}
	}
	if !hashtag {
		t.Errorf("no #pictor Hashtag tag: %v", note["tag"])
	}
}

// checkAttachments: 4 attachments, each with a single-string url served to
// anyone with the right type (checklist 31, 33).
func checkAttachments(t testing.TB, note map[string]any, env *fedEnv) {
	t.Helper()
	atts, _ := note["attachment"].([]any)
	if len(atts) != 4 {
		t.Fatalf("%d attachments", len(atts))
	}
	for i, a := range atts {
		m := a.(map[string]any)
		url, isString := m["url"].(string)
		fp, _ := m["focalPoint"].([]any)
		if (m["type"] != "Image" && m["type"] != "Document") || !isString || m["mediaType"] == nil || m["name"] == "" ||
			m["blurhash"] == nil || len(fp) != 2 || m["width"] != 320.0 || m["height"] != 200.0 {
			t.Errorf("attachment %d: %v", i, m)
			continue
		}
		for _, h := range []http.Header{
			{"User-Agent": {""}, "Accept": {"application/activity+json"}},
			{"User-Agent": {"Bluesky Cardyb/1.1"}, "Accept": {"image/webp,*/*"}},
			{"Signature": {`keyId="https://x.example/actor#main-key",signature="AAAA"`}},
		} {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header = h
			resp, err := env.srv.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != m["mediaType"] {
				t.Errorf("GET %s with %v: %d %q", url, h, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
	}
}

// checkMention: Mention tag with href and @u@host name, the actor addressed,
// and an h-card link in the content (checklist 34).
func checkMention(t testing.TB, note map[string]any, bob *fakeActor) {
	t.Helper()
	host := strings.TrimPrefix(strings.Split(bob.ID, "/users/")[0], "https://")
	found := false
	for _, tag := range note["tag"].([]any) {
		m := tag.(map[string]any)
		if m["type"] == "Mention" && m["href"] == bob.ID && m["name"] == "@bob@"+host {
			found = true
		}
	}
	if !found {
		t.Errorf("no Mention of %s: %v", bob.ID, note["tag"])
	}
	if !slices.Contains(append(strs(note["to"]), strs(note["cc"])...), bob.ID) {
		t.Errorf("mentioned actor not addressed: to %v cc %v", note["to"], note["cc"])
	}
	content := note["content"].(string)
	if !strings.Contains(content, `class="h-card"`) || !strings.Contains(content, "mention") || !strings.Contains(content, "@<span>bob</span>") {
		t.Errorf("content has no h-card mention link: %s", content)
	}
}

// Addressing as Mastodon derives visibility from it: public, unlisted,
// followers-only with the exact followers URL, and direct to the mentioned
// actors only (checklist 30).
func TestAddressingByVisibility(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	ctx := context.Background()
	bob := env.remote.addActor("bob")
	carol := env.remote.addActor("carol")
	followAlice(t, env, env.remote, bob)
	followers := env.alice.FollowersURI
	cases := []struct {
		vis, text string
		check     func(to, cc []string) bool
	}{
		{store.VisibilityPublic, "public", func(to, cc []string) bool {
			return slices.Contains(to, asPublic) && slices.Contains(cc, followers)
		}},
		{store.VisibilityUnlisted, "unlisted", func(to, cc []string) bool {
			return !slices.Contains(to, asPublic) && slices.Contains(cc, asPublic) && slices.Contains(to, followers)
		}},
		{store.VisibilityPrivate, "followers only", func(to, cc []string) bool {
			return slices.Contains(to, followers) && !slices.Contains(to, asPublic) && !slices.Contains(cc, asPublic)
		}},
		{store.VisibilityDirect, "only for @carol@" + env.remote.Host, func(to, cc []string) bool {
			all := append(to, cc...)
			return slices.Equal(all, []string{carol.ID})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.vis, func(t *testing.T) {
			st, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: tc.text, Visibility: tc.vis})
			if err != nil {
				t.Fatal(err)
			}
			rc := env.remote.waitInbox(t, "Create "+tc.vis, func(rc received) bool { return rc.Activity.Object.ID() == st.URI })
			note := noteOf(t, rc)
			if !tc.check(strs(note["to"]), strs(note["cc"])) {
				t.Fatalf("%s: to %v cc %v", tc.vis, note["to"], note["cc"])
			}
			if tc.vis == store.VisibilityDirect {
				if rc.Path != "/users/carol/inbox" && rc.Path != "/inbox" {
					t.Errorf("direct message went to %s", rc.Path)
				}
				mention := false
				for _, tag := range note["tag"].([]any) {
					m := tag.(map[string]any)
					mention = mention || (m["type"] == "Mention" && m["href"] == carol.ID)
				}
				if !mention {
					t.Errorf("direct message without Mention tag: %v", note["tag"])
				}
			}
		})
	}
}

// Following a remote account: a Follow with a unique id; an Accept naming
// the Follow by id or embedding it is honoured, a Reject ends it; Undo
// embeds the whole original Follow or Like with its type (checklist 26, 27).
func TestFollowOutAndUndo(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	ctx := context.Background()
	r := env.remote
	answers := []struct{ name, how string }{{"dave", "accept by id"}, {"erin", "accept embedded"}, {"fred", "reject"}}
	seenIDs := map[string]bool{}
	for _, ans := range answers {
		a := r.addActor(ans.name)
		acct, fl, err := env.srv.Social.FollowHandle(ctx, env.alice.ID, "@"+ans.name+"@"+r.Host)
		if err != nil {
			t.Fatal(err)
		}
		got := r.waitInbox(t, "Follow of "+ans.name, func(rc received) bool { return rc.Activity.Type == "Follow" && rc.Activity.Object.ID() == a.ID })
		checkSigned(t, got, env.alice.PublicKeyID)
		if got.Activity.ID != fl.URI || seenIDs[fl.URI] || !strings.HasPrefix(fl.URI, env.srv.URL+"/") || got.Path != "/users/"+ans.name+"/inbox" && got.Path != "/inbox" {
			t.Fatalf("Follow %s (stored id %s) to %s", got.Body, fl.URI, got.Path)
		}
		seenIDs[fl.URI] = true
		var object any = fl.URI
		typ := "Accept"
		switch ans.how {
		case "accept embedded":
			object = map[string]any{"type": "Follow", "id": fl.URI, "actor": env.alice.URI, "object": a.ID}
		case "reject":
			typ = "Reject"
			object = map[string]any{"type": "Follow", "actor": env.alice.URI, "object": a.ID}
		}
		body := mustJSON(t, map[string]any{"id": newID(a, "answers"), "type": typ, "actor": a.ID, "object": object})
		if status, msg := r.post(t, a, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
			t.Fatalf("%s: %d %s", typ, status, msg)
		}
		waitProcessed(t, env.srv.DB, bodyID(body))
		after, err := env.srv.DB.FollowBetween(ctx, env.alice.ID, acct.ID)
		switch {
		case ans.how == "reject" && err == nil:
			t.Fatalf("follow survived the Reject: %+v", after)
		case ans.how != "reject" && (err != nil || !after.Accepted):
			t.Fatalf("%s: follow %+v, %v", ans.how, after, err)
		}
	}

	// Unfollow dave: Undo embeds the original Follow with its type and id.
	dave, err := env.srv.DB.AccountByHandle(ctx, "dave", r.Host)
	if err != nil {
		t.Fatal(err)
	}
	fl, err := env.srv.DB.FollowBetween(ctx, env.alice.ID, dave.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.srv.Social.Unfollow(ctx, env.alice.ID, dave.ID); err != nil {
		t.Fatal(err)
	}
	undo := r.waitInbox(t, "Undo Follow", func(rc received) bool { return rc.Activity.Type == "Undo" })
	checkSigned(t, undo, env.alice.PublicKeyID)
	inner := undo.Activity.Object.Activity()
	if inner == nil || inner.Type != "Follow" || inner.ID != fl.URI || inner.Actor.ID() != env.alice.URI || inner.Object.ID() != dave.URI {
		t.Fatalf("Undo %s", undo.Body)
	}

	// Like and unlike erin's post: the Undo embeds the Like.
	erin, _ := env.srv.DB.AccountByHandle(ctx, "erin", r.Host)
	noteURL := erin.URI + "/notes/1"
	r.addDoc(noteURL, map[string]any{"id": noteURL, "type": "Note", "attributedTo": erin.URI, "content": "<p>hi</p>", "to": asPublic})
	note, err := env.srv.Fed.FetchNote(ctx, noteURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.srv.Social.Favourite(ctx, env.alice.ID, note.ID); err != nil {
		t.Fatal(err)
	}
	like := r.waitInbox(t, "Like", ofType("Like"))
	if _, err := env.srv.Social.Unfavourite(ctx, env.alice.ID, note.ID); err != nil {
		t.Fatal(err)
	}
	undo = r.waitInbox(t, "Undo Like", func(rc received) bool {
		in := rc.Activity.Object.Activity()
		return rc.Activity.Type == "Undo" && in != nil && in.Type == "Like"
	})
	if in := undo.Activity.Object.Activity(); in.ID != like.Activity.ID || in.Object.ID() != noteURL {
		t.Fatalf("Undo Like %s", undo.Body)
	}
	checkSigned(t, like, env.alice.PublicKeyID)
}

// Bridgy Fed's Bluesky bot: a Pictor user follows @bsky.brid.gy, the bot
// accepts and follows back with a Follow addressed to Public, Pictor
// accepts it, and a public post with images and alt text reaches the bot
// with its media fetchable with an empty User-Agent (checklist 25, 44).
func TestBridgyFedBotFlow(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	ctx := context.Background()
	r := env.remote
	doc := rehostFixture(t, "bridgy-fed/service-bsky-brid-gy.json", map[string]string{"https://bsky.brid.gy": r.URL, "https://fed.brid.gy": r.URL})
	var actorDoc map[string]any
	if err := json.Unmarshal(doc, &actorDoc); err != nil {
		t.Fatal(err)
	}
	bot := r.addActorAt("/bsky.brid.gy", "bsky.brid.gy", actorDoc)
	bot.Type = "Service"

	acct, fl, err := env.srv.Social.FollowHandle(ctx, env.alice.ID, "@bsky.brid.gy@"+r.Host)
	if err != nil {
		t.Fatal(err)
	}
	r.waitInbox(t, "Follow of the bot", ofType("Follow"))
	accept := mustJSON(t, map[string]any{"id": r.URL + "/r/accept-1", "type": "Accept", "actor": bot.ID, "object": fl.URI})
	if status, msg := r.post(t, bot, env.srv.URL+"/inbox", accept, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("accept: %d %s", status, msg)
	}
	// The bot's follow-back, shaped as Bridgy Fed sends it (bridgy-fed #1499).
	followID := r.URL + "/r/follow-back-1"
	follow := mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": followID, "type": "Follow",
		"actor": bot.ID, "object": env.alice.URI, "to": []string{asPublic}})
	if status, msg := r.post(t, bot, env.alice.InboxURI, follow, sendOpts{contentType: `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`}); status != http.StatusAccepted {
		t.Fatalf("follow-back: %d %s", status, msg)
	}
	acc := r.waitInbox(t, "Accept of the follow-back", func(rc received) bool { return rc.Activity.Type == "Accept" && rc.Activity.Object.ID() == followID })
	checkSigned(t, acc, env.alice.PublicKeyID)
	if out, err := env.srv.DB.FollowBetween(ctx, env.alice.ID, acct.ID); err != nil || !out.Accepted {
		t.Fatalf("alice → bot: %+v, %v", out, err)
	}
	if in, err := env.srv.DB.FollowBetween(ctx, acct.ID, env.alice.ID); err != nil || !in.Accepted {
		t.Fatalf("bot → alice: %+v, %v", in, err)
	}

	var ids []int64
	for i, alt := range []string{"a bridged square", "another bridged square"} {
		m, err := env.srv.Social.UploadMedia(ctx, env.alice.ID, bytes.NewReader(testPNG(t, uint8(10+i))), social.MediaInput{Description: alt})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	st, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "to Bluesky", MediaIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	create := r.waitInbox(t, "Create at the bot", func(rc received) bool { return rc.Activity.Type == "Create" && rc.Activity.Object.ID() == st.URI })
	note := noteOf(t, create)
	if !slices.Contains(strs(note["to"]), asPublic) {
		t.Fatalf("bridged post not fully public: %v", note["to"])
	}
	atts := note["attachment"].([]any)
	if len(atts) != 2 {
		t.Fatalf("attachments %v", atts)
	}
	for _, a := range atts {
		m := a.(map[string]any)
		req, _ := http.NewRequest(http.MethodGet, m["url"].(string), nil)
		req.Header.Set("User-Agent", "")
		resp, err := env.srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if m["name"] == "" || resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
			t.Errorf("attachment %v: %d", m, resp.StatusCode)
		}
	}
	_ = activitypub.Public
}
