package mastoapi_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// announcementJSON is the wire shape apps read.
type announcementJSON struct {
	ID          string  `json:"id"`
	Content     string  `json:"content"`
	StartsAt    *string `json:"starts_at"`
	EndsAt      *string `json:"ends_at"`
	AllDay      bool    `json:"all_day"`
	PublishedAt string  `json:"published_at"`
	UpdatedAt   string  `json:"updated_at"`
	Read        *bool   `json:"read"`
	Mentions    []struct {
		ID, Username, URL, Acct string
	} `json:"mentions"`
	Statuses  []any `json:"statuses"`
	Tags      []struct{ Name, URL string }
	Emojis    []any `json:"emojis"`
	Reactions []struct {
		Name  string `json:"name"`
		Count int64  `json:"count"`
		Me    bool   `json:"me"`
	} `json:"reactions"`
}

func (e *env) announce(t *testing.T, d social.AnnouncementDraft) store.Announcement {
	t.Helper()
	a, err := e.Social.CreateAnnouncement(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) announcements(t *testing.T, token string) []announcementJSON {
	t.Helper()
	var list []announcementJSON
	e.call(t, req{method: "GET", path: "/api/v1/announcements", token: token}, http.StatusOK, &list)
	return list
}

func reactionPath(id int64, name string) string {
	return "/api/v1/announcements/" + store.FormatID(id) + "/reactions/" + url.PathEscape(name)
}

func TestAnnouncementsShapeAndWindow(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	ends := time.Now().Add(time.Hour).UTC()
	a := e.announce(t, social.AnnouncementDraft{Text: "Maintenance at 22:00 <b>UTC</b>, ask @alice #ops https://status.example/x",
		EndsAt: ends})
	e.announce(t, social.AnnouncementDraft{Text: "draft", Draft: true})
	e.announce(t, social.AnnouncementDraft{Text: "later", StartsAt: time.Now().Add(time.Hour)})
	e.announce(t, social.AnnouncementDraft{Text: "over", StartsAt: time.Now().Add(-2 * time.Hour), EndsAt: time.Now().Add(-time.Hour)})

	list := e.announcements(t, tok)
	if len(list) != 1 {
		t.Fatalf("got %d announcements, want only the active one: %+v", len(list), list)
	}
	got := list[0]
	if got.ID != store.FormatID(a.ID) || got.StartsAt != nil || got.EndsAt == nil || got.Read == nil || *got.Read ||
		got.PublishedAt == "" || got.UpdatedAt == "" || got.Statuses == nil || got.Emojis == nil || got.Reactions == nil {
		t.Fatalf("entity = %+v", got)
	}
	wantContent := `<p>Maintenance at 22:00 &lt;b&gt;UTC&lt;/b&gt;, ask <span class="h-card" translate="no"><a href="` + e.URL +
		`/@alice" class="u-url mention">@<span>alice</span></a></span> <a href="` + e.URL +
		`/tags/ops" class="mention hashtag" rel="tag">#<span>ops</span></a> <a href="https://status.example/x" rel="nofollow noopener noreferrer" target="_blank">status.example/x</a></p>`
	if got.Content != wantContent {
		t.Fatalf("content =\n%s\nwant\n%s", got.Content, wantContent)
	}
	if len(got.Mentions) != 1 || got.Mentions[0].Username != "alice" || got.Mentions[0].Acct != "alice" ||
		len(got.Tags) != 1 || got.Tags[0].Name != "ops" || got.Tags[0].URL != e.URL+"/tags/ops" {
		t.Fatalf("mentions %+v tags %+v", got.Mentions, got.Tags)
	}
}

func TestAnnouncementDismissAndReactions(t *testing.T) {
	e := start(t)
	_, alice := e.login(t, "alice", "read write")
	_, bob := e.login(t, "bob", "read write:accounts")
	a := e.announce(t, social.AnnouncementDraft{Text: "hello"})
	dismiss := "/api/v1/announcements/" + store.FormatID(a.ID) + "/dismiss"

	e.call(t, req{method: "POST", path: dismiss, token: alice}, http.StatusOK, nil)
	e.call(t, req{method: "POST", path: dismiss, token: alice}, http.StatusOK, nil)
	if l := e.announcements(t, alice); len(l) != 1 || !*l[0].Read {
		t.Fatalf("alice after dismiss: %+v", l)
	}
	if l := e.announcements(t, bob); !(len(l) == 1 && !*l[0].Read) {
		t.Fatalf("bob: %+v", l)
	}

	for _, rq := range []struct {
		token, name string
	}{{alice, "👍"}, {alice, "👍"}, {bob, "👍"}, {bob, "🎉"}} {
		e.call(t, req{method: "PUT", path: reactionPath(a.ID, rq.name), token: rq.token}, http.StatusOK, nil)
	}
	r := e.announcements(t, alice)[0].Reactions
	if len(r) != 2 || r[0].Name != "👍" || r[0].Count != 2 || !r[0].Me || r[1].Name != "🎉" || r[1].Count != 1 || r[1].Me {
		t.Fatalf("alice's view of reactions: %+v", r)
	}
	e.call(t, req{method: "DELETE", path: reactionPath(a.ID, "👍"), token: alice}, http.StatusOK, nil)
	e.call(t, req{method: "DELETE", path: reactionPath(a.ID, "🙈"), token: alice}, http.StatusOK, nil)
	r = e.announcements(t, bob)[0].Reactions
	if len(r) != 2 || r[0].Count != 1 || !r[0].Me || !r[1].Me {
		t.Fatalf("bob's view after alice's removal: %+v", r)
	}
	if r := e.announcements(t, alice)[0].Reactions; r[0].Me {
		t.Fatalf("alice still reacts: %+v", r)
	}
}

func TestAnnouncementErrorsAndScopes(t *testing.T) {
	e := start(t)
	_, rw := e.login(t, "alice", "read write")
	_, readOnly := e.login(t, "bob", "read")
	_, writeOnly := e.login(t, "carol", "write:accounts")
	a := e.announce(t, social.AnnouncementDraft{Text: "hello"})
	hidden := e.announce(t, social.AnnouncementDraft{Text: "draft", Draft: true})
	id := store.FormatID(a.ID)

	cases := []struct {
		name         string
		method, path string
		token        string
		want         int
	}{
		{"list without token", "GET", "/api/v1/announcements", "", http.StatusUnauthorized},
		{"list without read", "GET", "/api/v1/announcements", writeOnly, http.StatusForbidden},
		{"dismiss without write", "POST", "/api/v1/announcements/" + id + "/dismiss", readOnly, http.StatusForbidden},
		{"react without write", "PUT", reactionPath(a.ID, "👍"), readOnly, http.StatusForbidden},
		{"dismiss with write:accounts", "POST", "/api/v1/announcements/" + id + "/dismiss", writeOnly, http.StatusOK},
		{"dismiss unknown", "POST", "/api/v1/announcements/12345/dismiss", rw, http.StatusNotFound},
		{"dismiss malformed", "POST", "/api/v1/announcements/abc/dismiss", rw, http.StatusNotFound},
		{"dismiss unpublished", "POST", "/api/v1/announcements/" + store.FormatID(hidden.ID) + "/dismiss", rw, http.StatusNotFound},
		{"react unpublished", "PUT", reactionPath(hidden.ID, "👍"), rw, http.StatusNotFound},
		{"unreact unpublished", "DELETE", reactionPath(hidden.ID, "👍"), rw, http.StatusNotFound},
		{"react with text", "PUT", reactionPath(a.ID, "thumbsup"), rw, http.StatusUnprocessableEntity},
		{"react with shortcode", "PUT", reactionPath(a.ID, ":blobcat:"), rw, http.StatusUnprocessableEntity},
		{"react with two emoji", "PUT", reactionPath(a.ID, "👍👍"), rw, http.StatusUnprocessableEntity},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.call(t, req{method: tc.method, path: tc.path, token: tc.token}, tc.want, nil)
		})
	}
	if err := e.Social.SetAnnouncementPublished(context.Background(), a.ID, false); err != nil {
		t.Fatal(err)
	}
	if l := e.announcements(t, rw); len(l) != 0 {
		t.Fatalf("unpublished still listed: %+v", l)
	}
}
