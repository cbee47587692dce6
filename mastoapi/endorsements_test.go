package mastoapi_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

type relationship struct {
	ID         string `json:"id"`
	Following  bool   `json:"following"`
	FollowedBy bool   `json:"followed_by"`
	Requested  bool   `json:"requested"`
	Endorsed   bool   `json:"endorsed"`
	Note       string `json:"note"`
}

// Private notes and endorsements show in relationships; endorsing needs a
// follow, and unfollowing ends the endorsement, as in Mastodon.
func TestAccountNotesAndEndorsements(t *testing.T) {
	e := start(t)
	_, aTok := e.login(t, "alice", "read write follow")
	bob, _ := e.login(t, "bob", "read write follow")
	carol, _ := e.login(t, "carol", "read write follow")
	bobPath := "/api/v1/accounts/" + store.FormatID(bob.ID)

	var rel relationship
	e.call(t, req{method: "POST", path: bobPath + "/note", token: aTok, form: url.Values{"comment": {"met at the zine fair"}}}, 200, &rel)
	if rel.Note != "met at the zine fair" || rel.ID != store.FormatID(bob.ID) {
		t.Fatalf("note answer %+v", rel)
	}
	var rels []relationship
	e.call(t, req{method: "GET", path: "/api/v1/accounts/relationships?id[]=" + store.FormatID(bob.ID) + "&id[]=" + store.FormatID(carol.ID),
		token: aTok}, 200, &rels)
	if len(rels) != 2 || rels[0].Note != "met at the zine fair" || rels[1].Note != "" {
		t.Fatalf("relationships %+v", rels)
	}
	e.call(t, req{method: "POST", path: bobPath + "/note", token: aTok, json: map[string]any{"comment": ""}}, 200, &rel)
	if rel.Note != "" {
		t.Fatalf("note not removed: %+v", rel)
	}
	e.call(t, req{method: "POST", path: bobPath + "/note", token: aTok, form: url.Values{"comment": {strings.Repeat("x", 2001)}}}, 422, nil)

	// Endorsing needs a follow.
	e.call(t, req{method: "POST", path: bobPath + "/pin", token: aTok}, 422, nil)
	e.follow(t, aTok, bob.ID)
	e.follow(t, aTok, carol.ID)
	e.call(t, req{method: "POST", path: bobPath + "/pin", token: aTok}, 200, &rel)
	if !rel.Endorsed || !rel.Following {
		t.Fatalf("pin answer %+v", rel)
	}
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(carol.ID) + "/pin", token: aTok}, 200, nil)
	e.call(t, req{method: "POST", path: bobPath + "/pin", token: aTok}, 200, nil) // twice is harmless
	if got := e.idsAt(t, aTok, "/api/v1/endorsements"); !slices.Equal(got, []string{store.FormatID(carol.ID), store.FormatID(bob.ID)}) {
		t.Fatalf("endorsements %v", got)
	}
	resp := e.call(t, req{method: "GET", path: "/api/v1/endorsements?limit=1", token: aTok}, 200, nil)
	if !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Errorf("endorsements Link %q", resp.Header.Get("Link"))
	}
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(carol.ID) + "/unpin", token: aTok}, 200, &rel)
	if rel.Endorsed {
		t.Fatalf("unpin answer %+v", rel)
	}
	e.call(t, req{method: "POST", path: bobPath + "/unfollow", token: aTok}, 200, nil)
	if got := e.idsAt(t, aTok, "/api/v1/endorsements"); len(got) != 0 {
		t.Fatalf("endorsements after unfollow %v", got)
	}
}

// The new account routes check scopes and ids as Mastodon does.
func TestAccountExtrasScopesAndErrors(t *testing.T) {
	e := start(t)
	alice, _ := e.login(t, "alice", "read")
	bob, _ := e.login(t, "bob", "read")
	bobPath := "/api/v1/accounts/" + store.FormatID(bob.ID)
	cases := []struct {
		method, path, scopes string
		want                 int
	}{
		{"POST", bobPath + "/note", "read", http.StatusForbidden},
		{"POST", bobPath + "/note", "write:accounts", http.StatusOK},
		{"POST", bobPath + "/pin", "write:follows", http.StatusForbidden},
		{"POST", bobPath + "/unpin", "write:accounts", http.StatusOK},
		{"POST", bobPath + "/remove_from_followers", "write:accounts", http.StatusForbidden},
		{"POST", bobPath + "/remove_from_followers", "write:follows", http.StatusOK},
		{"POST", "/api/v1/accounts/999999/note", "write:accounts", http.StatusNotFound},
		{"POST", "/api/v1/accounts/abc/pin", "write:accounts", http.StatusNotFound},
		{"GET", "/api/v1/endorsements", "read:accounts", http.StatusOK},
		{"GET", "/api/v1/endorsements", "read:statuses", http.StatusForbidden},
		{"DELETE", "/api/v1/profile/avatar", "read", http.StatusForbidden},
		{"DELETE", "/api/v1/profile/header", "write:accounts", http.StatusOK},
		{"GET", "/api/v1/featured_tags", "read:accounts", http.StatusOK},
		{"POST", "/api/v1/featured_tags", "read", http.StatusForbidden},
		{"DELETE", "/api/v1/featured_tags/12345", "write:accounts", http.StatusNotFound},
		{"GET", "/api/v1/featured_tags/suggestions", "read:accounts", http.StatusOK},
	}
	for _, c := range cases {
		r := e.do(t, req{method: c.method, path: c.path, token: e.token(t, alice.ID, c.scopes)})
		r.Body.Close()
		if r.StatusCode != c.want {
			t.Errorf("%s %s with %q: %d, want %d", c.method, c.path, c.scopes, r.StatusCode, c.want)
		}
	}
	for _, path := range []string{"/api/v1/endorsements", "/api/v1/featured_tags"} {
		r := e.do(t, req{method: "GET", path: path})
		r.Body.Close()
		if r.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %d", path, r.StatusCode)
		}
	}
}

// Removing a profile image reaches a remote follower as Update(Person);
// remove_from_followers ends a local follower's follow at once and sends a
// remote follower's server a Reject, which ends the follow there too.
func TestProfileImageDeletionAndFollowerRemovalFederate(t *testing.T) {
	home := start(t)
	remote := &env{servertest.Start(t, servertest.Options{CA: home.CA})}
	alice, aTok := home.login(t, "alice", "read write follow")
	carol, cTok := home.login(t, "carol", "read write follow")
	bob, bTok := remote.login(t, "bob", "read write follow")
	ctx := context.Background()

	home.follow(t, cTok, alice.ID)
	homeHost := strings.TrimPrefix(home.URL, "https://")
	aliceThere, _, err := remote.Social.FollowHandle(ctx, bob.ID, "alice@"+homeHost)
	if err != nil {
		t.Fatal(err)
	}
	relThere := func() relationship {
		var rels []relationship
		remote.call(t, req{method: "GET", path: "/api/v1/accounts/relationships?id[]=" + store.FormatID(aliceThere.ID), token: bTok}, 200, &rels)
		return rels[0]
	}
	servertest.Eventually(t, 20*time.Second, "bob's follow accepted", func() bool { return relThere().Following })
	avatarThere := func() string {
		a, err := remote.DB.AccountByID(ctx, aliceThere.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a.AvatarURL
	}
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(testPNG(t, 40, 40))
	home.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: aTok, json: map[string]any{"avatar": uri}}, 200, nil)
	servertest.Eventually(t, 20*time.Second, "the new avatar reaches bob's server", func() bool {
		return strings.Contains(avatarThere(), "/media/")
	})
	home.call(t, req{method: "DELETE", path: "/api/v1/profile/avatar", token: aTok}, 200, nil)
	servertest.Eventually(t, 20*time.Second, "the removal reaches bob's server", func() bool {
		return !strings.Contains(avatarThere(), "/media/")
	})

	bobHere, err := home.DB.AccountByURI(ctx, remote.URL+"/users/bob")
	if err != nil {
		t.Fatal(err)
	}
	if got := home.idsAt(t, aTok, "/api/v1/accounts/"+store.FormatID(alice.ID)+"/followers"); len(got) != 2 {
		t.Fatalf("followers before %v", got)
	}
	var rel relationship
	for _, id := range []int64{carol.ID, bobHere.ID} {
		home.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(id) + "/remove_from_followers", token: aTok}, 200, &rel)
		if rel.FollowedBy {
			t.Fatalf("still followed by %d: %+v", id, rel)
		}
	}
	if got := home.idsAt(t, aTok, "/api/v1/accounts/"+store.FormatID(alice.ID)+"/followers"); len(got) != 0 {
		t.Fatalf("followers after %v", got)
	}
	servertest.Eventually(t, 20*time.Second, "the Reject ends bob's follow on his server", func() bool {
		r := relThere()
		return !r.Following && !r.Requested
	})
}
