package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// pngOf encodes a w×h image with a colour gradient.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// getJSON GETs path from the server without a token and decodes the answer.
func getJSON(t *testing.T, srv *servertest.Server, path string, v any) {
	t.Helper()
	resp, err := srv.Client.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// getPage GETs an HTML page without a session.
func getPage(t *testing.T, srv *servertest.Server, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return string(b)
}

type cachedStatus struct {
	Account struct {
		Avatar       string `json:"avatar"`
		AvatarStatic string `json:"avatar_static"`
	} `json:"account"`
	Media []struct {
		URL        string  `json:"url"`
		PreviewURL string  `json:"preview_url"`
		RemoteURL  *string `json:"remote_url"`
	} `json:"media_attachments"`
}

// A remote post's attachment and its author's avatar are downloaded on
// arrival and served locally, with remote_url naming the origin; a prune
// reverts the attachment to its remote URL.
func TestRemoteMediaCachedOnArrival(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	ca := tlstest.New(t)
	env := newFedEnv(t, servertest.Options{CA: ca, Clock: clock})
	ctx := context.Background()
	photo, avatar := pngOf(t, 300, 200), pngOf(t, 48, 48)
	var photoGets atomic.Int32
	images := ca.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/photo.png":
			photoGets.Add(1)
			w.Write(photo)
		case "/avatar.png":
			w.Write(avatar)
		default:
			http.NotFound(w, r)
		}
	}))
	defer images.Close()
	r := env.remote
	bob := r.addActorAt("/users/bob", "bob", map[string]any{
		"icon": map[string]any{"type": "Image", "mediaType": "image/png", "url": images.URL + "/avatar.png"}})
	parent, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "show me"})
	if err != nil {
		t.Fatal(err)
	}
	noteID := newID(bob, "notes")
	photoURL := images.URL + "/photo.png"
	body := mustJSON(t, map[string]any{"id": newID(bob, "creates"), "type": "Create", "actor": bob.ID,
		"object": map[string]any{"id": noteID, "type": "Note", "attributedTo": bob.ID, "content": "<p>look</p>",
			"inReplyTo": parent.URI,
			"to":        []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{env.alice.URI},
			"tag": []any{map[string]any{"type": "Mention", "href": env.alice.URI, "name": "@alice"}},
			"attachment": []any{map[string]any{"type": "Document", "mediaType": "image/png", "url": photoURL,
				"name": "a gradient"}}}})
	if status, msg := r.post(t, bob, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("status %d (%s)", status, msg)
	}
	var st store.Status
	servertest.Eventually(t, wait, "attachment and avatar cached", func() bool {
		var err error
		if st, err = env.srv.DB.StatusByURI(ctx, noteID); err != nil {
			return false
		}
		ms, _ := env.srv.DB.MediaForStatuses(ctx, []int64{st.ID})
		a, _ := env.srv.DB.AccountByID(ctx, st.AccountID)
		return len(ms[st.ID]) == 1 && ms[st.ID][0].FileName != "" && a.AvatarFile != ""
	})
	var got cachedStatus
	getJSON(t, env.srv, "/api/v1/statuses/"+store.FormatID(st.ID), &got)
	local := env.srv.URL + "/media/"
	if len(got.Media) != 1 {
		t.Fatalf("media: %+v", got.Media)
	}
	m := got.Media[0]
	if !strings.HasPrefix(m.URL, local) || !strings.HasPrefix(m.PreviewURL, local) || m.RemoteURL == nil || *m.RemoteURL != photoURL {
		t.Errorf("attachment: url %q preview %q remote_url %v", m.URL, m.PreviewURL, m.RemoteURL)
	}
	if !strings.HasPrefix(got.Account.Avatar, local) || got.Account.AvatarStatic != got.Account.Avatar {
		t.Errorf("avatar %q static %q", got.Account.Avatar, got.Account.AvatarStatic)
	}
	resp, err := env.srv.Client.Get(m.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		t.Errorf("local copy: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	page := getPage(t, env.srv, "/@alice/"+store.FormatID(parent.ID))
	if !strings.Contains(page, `class="av" src="/media/`) || strings.Contains(page, images.URL) {
		t.Errorf("post page does not show the local copy of the replier's avatar")
	}
	if n := photoGets.Load(); n != 1 {
		t.Errorf("photo fetched %d times", n)
	}

	offset.Store(int64(8 * 24 * time.Hour))
	res, err := env.srv.MediaCache.Prune(ctx, 7*24*time.Hour)
	if err != nil || res.Attachments != 1 {
		t.Fatalf("prune: %+v %v", res, err)
	}
	getJSON(t, env.srv, "/api/v1/statuses/"+store.FormatID(st.ID), &got)
	if m := got.Media[0]; m.URL != photoURL || m.RemoteURL == nil || *m.RemoteURL != photoURL {
		t.Errorf("after prune: url %q remote_url %v", m.URL, m.RemoteURL)
	}
	if !strings.HasPrefix(got.Account.Avatar, local) {
		t.Errorf("avatar pruned: %q", got.Account.Avatar)
	}
}
