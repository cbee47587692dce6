package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// userToken issues a read/write token for accountID through the real
// authorization-code flow.
func userToken(t testing.TB, srv *servertest.Server, accountID int64) string {
	t.Helper()
	ctx := context.Background()
	app, secret, err := srv.OAuth.RegisterApp(ctx, auth.AppRequest{ClientName: "search test",
		RedirectURIs: []string{auth.OOBRedirectURI}, Scopes: "read write follow"})
	if err != nil {
		t.Fatal(err)
	}
	az, err := srv.OAuth.Authorize(ctx, auth.AuthorizeRequest{ResponseType: "code", ClientID: app.ClientID,
		RedirectURI: auth.OOBRedirectURI, Scope: "read write follow"}, accountID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := srv.OAuth.Token(ctx, auth.TokenRequest{GrantType: "authorization_code", Code: az.Code,
		RedirectURI: auth.OOBRedirectURI, ClientID: app.ClientID, ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

type searchResult struct {
	Accounts []struct {
		Acct string `json:"acct"`
		URI  string `json:"uri"`
	} `json:"accounts"`
	Statuses []struct {
		URI     string `json:"uri"`
		Content string `json:"content"`
	} `json:"statuses"`
	Hashtags []struct {
		ID        string            `json:"id"`
		Name      string            `json:"name"`
		Following *bool             `json:"following"`
		History   []json.RawMessage `json:"history"`
	} `json:"hashtags"`
}

// search calls /api/v2/search and requires a 200.
func search(t testing.TB, srv *servertest.Server, token, q string, resolve bool) searchResult {
	t.Helper()
	v := url.Values{"q": {q}}
	if resolve {
		v.Set("resolve", "true")
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v2/search?"+v.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("search %q: status %d: %s", q, resp.StatusCode, b)
	}
	var res searchResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("search %q: %v: %s", q, err, b)
	}
	return res
}

func publicNote(id, author, content string) map[string]any {
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Note",
		"attributedTo": author, "content": content, "published": "2026-12-01T10:00:00Z",
		"to": []string{"https://www.w3.org/ns/activitystreams#Public"}}
}

// Search by a profile's or post's web address fetches the document there and,
// when it names another id, fetches that id and uses it, from its own origin
// even on another host; refused addresses and every other failure answer an
// empty result (issue 8, "Search").
func TestSearchByWebAddress(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	other := newRemote(t, env.ca)
	token := userToken(t, env.srv, env.alice.ID)

	bob := r.addActorAt("/users/bob", "bob", map[string]any{"url": r.URL + "/@bob"})
	r.addDoc(r.URL+"/@bob", r.actorDoc(bob)) // Mastodon answers the profile page with the actor
	noteID := bob.ID + "/statuses/1"
	note := publicNote(noteID, bob.ID, "<p>the real post</p>")
	r.addDoc(noteID, note)
	r.addDoc(r.URL+"/@bob/1", note)          // Mastodon's post page
	r.addDoc(r.URL+"/@bob/statuses/1", note) // GoToSocial's post page

	// r serves a forged copy of a post of other's, under its own address.
	carol := other.addActor("carol")
	carolNote := carol.ID + "/statuses/9"
	other.addDoc(carolNote, publicNote(carolNote, carol.ID, "<p>genuine</p>"))
	r.addDoc(r.URL+"/@bob/forged", publicNote(carolNote, carol.ID, "<p>forged</p>"))
	// ...and one naming a post of other's that does not exist.
	r.addDoc(r.URL+"/@bob/ghost", publicNote(carol.ID+"/statuses/404", carol.ID, "<p>ghost</p>"))
	// A document whose id, fetched, names yet another id.
	r.addDoc(r.URL+"/@bob/loop", publicNote(r.URL+"/notes/a", bob.ID, "<p>a</p>"))
	r.addDoc(r.URL+"/notes/a", publicNote(r.URL+"/notes/b", bob.ID, "<p>b</p>"))

	cases := []struct {
		name, q          string
		account, status  string // wanted account uri / status uri ("" = none)
		contains, absent string // in the status content
	}{
		{"profile page", r.URL + "/@bob", bob.ID, "", "", ""},
		{"actor id", bob.ID, bob.ID, "", "", ""},
		{"mastodon post page", r.URL + "/@bob/1", "", noteID, "the real post", ""},
		{"gotosocial post page", r.URL + "/@bob/statuses/1", "", noteID, "the real post", ""},
		{"post id", noteID, "", noteID, "the real post", ""},
		{"other host's id is fetched from its origin", r.URL + "/@bob/forged", "", carolNote, "genuine", "forged"},
		{"other host's id that does not exist", r.URL + "/@bob/ghost", "", "", "", ""},
		{"id naming another id", r.URL + "/@bob/loop", "", "", "", ""},
		{"404", r.URL + "/@nobody", "", "", "", ""},
		{"refused address", "https://169.254.169.254/@admin", "", "", "", ""},
		{"refused address, post", "https://0.0.0.0/@admin/1", "", "", "", ""},
		{"refused handle", "@admin@169.254.169.254", "", "", "", ""},
		{"unreachable handle", "@admin@127.0.0.1:1", "", "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := search(t, env.srv, token, tc.q, true)
			switch {
			case tc.account == "" && len(res.Accounts) > 0:
				t.Errorf("accounts %+v, want none", res.Accounts)
			case tc.account != "" && (len(res.Accounts) != 1 || res.Accounts[0].URI != tc.account):
				t.Errorf("accounts %+v, want %s", res.Accounts, tc.account)
			}
			switch {
			case tc.status == "" && len(res.Statuses) > 0:
				t.Errorf("statuses %+v, want none", res.Statuses)
			case tc.status != "" && (len(res.Statuses) != 1 || res.Statuses[0].URI != tc.status):
				t.Errorf("statuses %+v, want %s", res.Statuses, tc.status)
			case tc.status != "" && (!strings.Contains(res.Statuses[0].Content, tc.contains) ||
				(tc.absent != "" && strings.Contains(res.Statuses[0].Content, tc.absent))):
				t.Errorf("content %q", res.Statuses[0].Content)
			}
		})
	}
}

// A local post's page or id and a local profile's page or id are found
// without any fetch, even without resolve; hashtags come as Mastodon's Tag
// entity with id, following and a week of history.
func TestSearchLocalAddressesAndTags(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	ctx := context.Background()
	token := userToken(t, env.srv, env.alice.ID)
	st, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "evening #sunset"})
	if err != nil {
		t.Fatal(err)
	}
	bobby := env.srv.CreateUser(t, "bobby", "")
	private, err := env.srv.Social.CreateStatus(ctx, bobby.ID, social.Draft{Text: "only followers", Visibility: store.VisibilityPrivate})
	if err != nil {
		t.Fatal(err)
	}
	id := store.FormatID(st.ID)
	base := env.srv.URL
	cases := []struct{ q, account, status string }{
		{base + "/@alice/" + id, "", st.URI},
		{base + "/users/alice/statuses/" + id, "", st.URI},
		{base + "/@alice", env.alice.URI, ""},
		{base + "/users/alice", env.alice.URI, ""},
		{base + "/@bobby/" + id, "", ""},                         // alice's post under another name
		{base + "/@bobby/" + store.FormatID(private.ID), "", ""}, // not visible to alice
		{base + "/@nobody", "", ""},
		{base + "/@alice/123456789", "", ""},
	}
	for _, tc := range cases {
		for _, resolve := range []bool{false, true} {
			res := search(t, env.srv, token, tc.q, resolve)
			if (tc.account == "") != (len(res.Accounts) == 0) || (tc.account != "" && res.Accounts[0].URI != tc.account) {
				t.Errorf("%s (resolve %v): accounts %+v, want %q", tc.q, resolve, res.Accounts, tc.account)
			}
			if (tc.status == "") != (len(res.Statuses) == 0) || (tc.status != "" && res.Statuses[0].URI != tc.status) {
				t.Errorf("%s (resolve %v): statuses %+v, want %q", tc.q, resolve, res.Statuses, tc.status)
			}
		}
	}

	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/tags/sunset/follow", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := env.srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("follow tag: %d", resp.StatusCode)
	}
	res := search(t, env.srv, token, "#suns", false)
	if len(res.Hashtags) != 1 {
		t.Fatalf("hashtags %+v", res.Hashtags)
	}
	h := res.Hashtags[0]
	if h.Name != "sunset" || h.ID == "" || h.Following == nil || !*h.Following || len(h.History) != 7 {
		t.Errorf("hashtag %+v, want id, following true and 7 days of history", h)
	}
	if !strings.Contains(string(h.History[0]), `"uses":"1"`) {
		t.Errorf("today's history %s, want one use", h.History[0])
	}
}
