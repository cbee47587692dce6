package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

var (
	codeRE   = regexp.MustCompile(`id="oauth-code" readonly value="([^"]+)"`)
	revokeRE = regexp.MustCompile(`action="(/settings/apps/[0-9]+/revoke)"`)
)

// inboxSink is a remote inbox on loopback that reports every POST.
type inboxSink struct {
	*httptest.Server
	got chan sinkPost
}

type sinkPost struct {
	Signature string
	Activity  map[string]any
}

func newInboxSink(t *testing.T) *inboxSink {
	t.Helper()
	s := &inboxSink{got: make(chan sinkPost, 64)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var act map[string]any
		json.Unmarshal(body, &act)
		s.got <- sinkPost{Signature: r.Header.Get("Signature"), Activity: act}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(s.Close)
	return s
}

// waitFor returns the first POST whose activity has type typ.
func (s *inboxSink) waitFor(t *testing.T, typ string) sinkPost {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case p := <-s.got:
			if p.Activity["type"] == typ {
				return p
			}
		case <-deadline:
			t.Fatalf("no %s delivered within 15s", typ)
		}
	}
}

// remoteFollower makes a remote account whose inbox is the sink follow target.
func remoteFollower(t *testing.T, srv *servertest.Server, sink *inboxSink, target store.Account) store.Account {
	t.Helper()
	ctx := context.Background()
	a := store.Account{Username: "bob", Domain: "remote.example", URI: sink.URL + "/users/bob",
		InboxURI: sink.URL + "/users/bob/inbox", SharedInboxURI: sink.URL + "/inbox"}
	err := srv.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		return tx.UpsertFollow(ctx, &store.Follow{AccountID: a.ID, TargetAccountID: target.ID,
			URI: a.URI + "#follow", Accepted: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// postMultipart posts a multipart form with optional files to path.
func (b *browser) postMultipart(path string, fields url.Values, files map[string][]byte) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for k, data := range files {
		fw, _ := mw.CreateFormFile(k, k+".png")
		fw.Write(data)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.abs(path), &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.base)
	return b.do(req)
}

// issueToken runs the authorization code flow for a signed-in browser and
// returns an access token of a "Test App".
func issueToken(t *testing.T, srv *servertest.Server, b *browser) string {
	t.Helper()
	const redirect = "urn:ietf:wg:oauth:2.0:oob"
	a := registerApp(t, srv, redirect)
	q := url.Values{"response_type": {"code"}, "client_id": {a.ID}, "redirect_uri": {redirect}, "scope": {"read write"}}
	p := b.get("/oauth/authorize?" + q.Encode())
	form := hidden(p)
	form.Set("action", "approve")
	p = b.post("/oauth/authorize", form)
	code := ""
	if m := codeRE.FindStringSubmatch(p.Body); m != nil {
		code = m[1]
	}
	if code == "" {
		t.Fatalf("no code shown: %d\n%.1500s", p.Status, p.Body)
	}
	resp, err := srv.Client.PostForm(srv.URL+"/oauth/token", url.Values{"grant_type": {"authorization_code"},
		"code": {code}, "redirect_uri": {redirect}, "client_id": {a.ID}, "client_secret": {a.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

func verifyCredentials(t *testing.T, srv *servertest.Server, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/accounts/verify_credentials", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSettingsNeedSignIn(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	b := newBrowser(t, srv)
	for _, path := range []string{"/settings/profile", "/settings/password", "/settings/apps", "/settings/delete"} {
		p := b.get(path)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/signin?next=") {
			t.Errorf("GET %s anonymous: %d %q, want a redirect to sign in", path, p.Status, p.Location)
		}
	}
}

// Every settings form refuses a post without the session's CSRF token and
// changes nothing.
func TestSettingsFormsRefuseBadCSRF(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	b := newBrowser(t, srv)
	b.signIn("alice")
	cases := []struct {
		path string
		form url.Values
	}{
		{"/settings/profile", url.Values{"display_name": {"Hacked"}}},
		{"/settings/password", url.Values{"current_password": {"correct horse battery"},
			"new_password": {"new password 123"}, "confirm_password": {"new password 123"}}},
		{"/settings/apps/1/revoke", url.Values{}},
		{"/settings/delete", url.Values{"confirm_username": {"alice"}, "password": {"correct horse battery"}}},
	}
	for _, tc := range cases {
		for _, token := range []string{"", "wrong-token"} {
			f := url.Values{}
			for k, v := range tc.form {
				f[k] = v
			}
			if token != "" {
				f.Set("csrf_token", token)
			}
			var p page
			if tc.path == "/settings/profile" {
				p = b.postMultipart(tc.path, f, nil)
			} else {
				p = b.post(tc.path, f)
			}
			if p.Status != http.StatusForbidden {
				t.Errorf("POST %s with token %q: %d, want 403", tc.path, token, p.Status)
			}
		}
	}
	a, err := srv.DB.AccountByID(context.Background(), alice.ID)
	if err != nil || a.DisplayName != "alice" || !a.DeletedAt.IsZero() {
		t.Fatalf("account changed by refused forms: %+v %v", a, err)
	}
	if p := b.get("/settings/profile"); p.Status != http.StatusOK {
		t.Fatalf("still signed in with the old password? %d", p.Status)
	}
}

// The profile form changes the profile through social.UpdateProfile: the
// profile page shows it and followers receive Update(Person).
func TestSettingsProfileUpdatesAndFederates(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	sink := newInboxSink(t)
	remoteFollower(t, srv, sink, alice)
	b := newBrowser(t, srv)
	b.signIn("alice")
	p := b.get("/settings/profile")
	mustContain(t, p, `name="display_name" value="alice"`, "Bluesky, through Bridgy Fed", `href="/settings"`)
	form := url.Values{"csrf_token": {csrf(t, p)}, "display_name": {"Alice Painter"}, "note": {"I paint with #robots"},
		"field_name_0": {"Website"}, "field_value_0": {"https://alice.example"}, "locked": {"1"}, "discoverable": {"1"}}
	p = b.postMultipart("/settings/profile", form, map[string][]byte{"avatar": testPNG(t, 3)})
	if p.Status != http.StatusSeeOther || p.Location != "/settings/profile?done=profile" {
		t.Fatalf("save profile: %d %q\n%.1500s", p.Status, p.Location, p.Body)
	}
	mustContain(t, b.get(p.Location), "Your profile was saved", `value="Alice Painter"`, `value="https://alice.example"`)
	mustContain(t, b.get("/@alice"), "Alice Painter", "robots", "alice.example")
	a, err := srv.DB.AccountByID(context.Background(), alice.ID)
	if err != nil || !a.Locked || a.Bot || a.AvatarFile == "" || len(a.Fields) != 1 {
		t.Fatalf("account after save: locked=%v bot=%v avatar=%q fields=%v err=%v", a.Locked, a.Bot, a.AvatarFile, a.Fields, err)
	}
	upd := sink.waitFor(t, "Update")
	obj, _ := upd.Activity["object"].(map[string]any)
	if obj["name"] != "Alice Painter" || obj["manuallyApprovesFollowers"] != true {
		t.Fatalf("Update object = %v", obj)
	}

	// Too long a display name: the form comes back with the error and the input kept.
	form.Set("display_name", strings.Repeat("x", social.MaxDisplayName+1))
	p = b.postMultipart("/settings/profile", form, nil)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("long name: %d", p.Status)
	}
	mustContain(t, p, "display name is longer", strings.Repeat("x", social.MaxDisplayName+1))
}

func TestSettingsPassword(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	b := newBrowser(t, srv)
	b.signIn("alice")
	other := newBrowser(t, srv)
	other.signIn("alice")
	token := issueToken(t, srv, b)

	post := func(current, next, confirm string, extra ...string) page {
		t.Helper()
		f := url.Values{"csrf_token": {csrf(t, b.get("/settings/password"))}, "current_password": {current},
			"new_password": {next}, "confirm_password": {confirm}}
		for i := 0; i+1 < len(extra); i += 2 {
			f.Set(extra[i], extra[i+1])
		}
		return b.post("/settings/password", f)
	}
	refusals := []struct {
		name, current, next, confirm, msg string
	}{
		{"wrong current", "not my password", "a new password", "a new password", "current password is not right"},
		{"mismatch", "correct horse battery", "a new password", "another password", "confirmation differ"},
		{"too short", "correct horse battery", "short", "short", "at least"},
	}
	for _, tc := range refusals {
		p := post(tc.current, tc.next, tc.confirm)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422", tc.name, p.Status)
		}
		if !strings.Contains(p.Body, tc.msg) && !strings.Contains(p.Body, "8 to 128") {
			t.Fatalf("%s: message missing:\n%.2000s", tc.name, p.Body)
		}
	}
	if p := other.get("/settings/profile"); p.Status != http.StatusOK {
		t.Fatalf("other browser signed out by refused changes: %d", p.Status)
	}

	p := post("correct horse battery", "a much newer password", "a much newer password")
	if p.Status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%.1500s", p.Status, p.Body)
	}
	if p := b.get("/settings/password?done=password"); p.Status != http.StatusOK || !strings.Contains(p.Body, "password was changed") {
		t.Fatalf("this browser should stay signed in: %d", p.Status)
	}
	if p := other.get("/settings/profile"); p.Status != http.StatusSeeOther {
		t.Fatalf("other browser still signed in after the change: %d", p.Status)
	}
	// As on Mastodon, the user's own change keeps app tokens...
	if got := verifyCredentials(t, srv, token); got != http.StatusOK {
		t.Fatalf("token after plain change: %d, want 200", got)
	}
	// ...unless asked to sign out every app.
	p = post("a much newer password", "the newest password", "the newest password", "revoke_apps", "1")
	if p.Status != http.StatusSeeOther {
		t.Fatalf("change with revoke: %d", p.Status)
	}
	if got := verifyCredentials(t, srv, token); got != http.StatusUnauthorized {
		t.Fatalf("token after change with revoke_apps: %d, want 401", got)
	}
	fresh := newBrowser(t, srv)
	sp := fresh.get("/signin")
	res := fresh.post("/signin", url.Values{"csrf_token": {csrf(t, sp)}, "username": {"alice"},
		"password": {"the newest password"}, "next": {"/"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("sign in with the new password: %d", res.Status)
	}
}

func TestSettingsAppsRevoke(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	srv.CreateUser(t, "carol", "")
	b := newBrowser(t, srv)
	b.signIn("alice")
	token := issueToken(t, srv, b)
	if got := verifyCredentials(t, srv, token); got != http.StatusOK {
		t.Fatalf("fresh token: %d", got)
	}
	p := b.get("/settings/apps")
	mustContain(t, p, "Test App", "https://app.example", "read", "write", "Revoke")
	m := revokeRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no revoke form:\n%.2000s", p.Body)
	}

	// Another user cannot revoke alice's app: the form answers 404.
	c := newBrowser(t, srv)
	c.signIn("carol")
	if p := c.post(m[1], url.Values{"csrf_token": {csrf(t, c.get("/settings/apps"))}}); p.Status != http.StatusNotFound {
		t.Fatalf("carol revoking alice's app: %d, want 404", p.Status)
	}
	if got := verifyCredentials(t, srv, token); got != http.StatusOK {
		t.Fatalf("token after carol's attempt: %d", got)
	}

	p = b.post(m[1], url.Values{"csrf_token": {csrf(t, p)}})
	if p.Status != http.StatusSeeOther || p.Location != "/settings/apps?done=revoked" {
		t.Fatalf("revoke: %d %q", p.Status, p.Location)
	}
	if got := verifyCredentials(t, srv, token); got != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d, want 401", got)
	}
	p = b.get(p.Location)
	mustContain(t, p, "access was revoked", "No app holds access")
	mustNotContain(t, p, "https://app.example")
}

func TestSettingsDeleteAccount(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	sink := newInboxSink(t)
	remoteFollower(t, srv, sink, alice)
	ctx := context.Background()
	m, err := srv.Social.UploadMedia(ctx, alice.ID, bytes.NewReader(testPNG(t, 4)), social.MediaInput{Description: "a test"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := srv.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "hello", Visibility: "public", MediaIDs: []int64{m.ID}})
	if err != nil {
		t.Fatal(err)
	}
	sink.waitFor(t, "Create")
	mediaPath := filepath.Join(srv.Cfg.DataDir, "media", m.FileName)
	if _, err := os.Stat(mediaPath); err != nil {
		t.Fatalf("media file before deletion: %v", err)
	}
	b := newBrowser(t, srv)
	b.signIn("alice")
	token := issueToken(t, srv, b)

	for _, tc := range []struct{ name, user, password string }{
		{"wrong password", "alice", "not my password"},
		{"wrong username", "bob", "correct horse battery"},
	} {
		p := b.post("/settings/delete", url.Values{"csrf_token": {csrf(t, b.get("/settings/delete"))},
			"confirm_username": {tc.user}, "password": {tc.password}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422", tc.name, p.Status)
		}
	}
	if a, _ := srv.DB.AccountByID(ctx, alice.ID); !a.DeletedAt.IsZero() {
		t.Fatal("account deleted despite a refused confirmation")
	}

	p := b.post("/settings/delete", url.Values{"csrf_token": {csrf(t, b.get("/settings/delete"))},
		"confirm_username": {"@alice"}, "password": {"correct horse battery"}})
	if p.Status != http.StatusSeeOther || p.Location != "/" {
		t.Fatalf("delete: %d %q\n%.1500s", p.Status, p.Location, p.Body)
	}
	del := sink.waitFor(t, "Delete")
	if del.Activity["actor"] != alice.URI || del.Activity["object"] != alice.URI {
		t.Fatalf("Delete = %v, want actor and object %s", del.Activity, alice.URI)
	}
	if !strings.Contains(del.Signature, `keyId="`+alice.PublicKeyID+`"`) {
		t.Fatalf("Delete not signed by alice's key: %q", del.Signature)
	}
	checkGone(t, srv, b, token, st)
	if _, err := os.Stat(mediaPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("media file after deletion: %v, want it gone", err)
	}
	_, err = srv.Social.CreateAccount(ctx, social.NewAccount{Username: "alice", PasswordHash: "x"})
	if err == nil {
		t.Fatal("the username of a deleted account was registered again")
	}
}

// checkGone asserts what a deleted account looks like from outside.
func checkGone(t *testing.T, srv *servertest.Server, b *browser, token string, st store.Status) {
	t.Helper()
	get := func(path, accept string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Accept", accept)
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	checks := []struct {
		path, accept string
		want         []int
	}{
		{"/users/alice", "application/activity+json", []int{http.StatusGone}},
		{"/.well-known/webfinger?resource=acct:alice@" + strings.TrimPrefix(srv.URL, "https://"), "application/jrd+json",
			[]int{http.StatusNotFound, http.StatusGone}},
		{"/@alice", "text/html", []int{http.StatusNotFound, http.StatusGone}},
	}
	for _, c := range checks {
		got := get(c.path, c.accept)
		if got != c.want[0] && (len(c.want) == 1 || got != c.want[1]) {
			t.Errorf("GET %s after deletion: %d, want %v", c.path, got, c.want)
		}
	}
	if got, _ := srv.DB.StatusByID(context.Background(), st.ID); got.DeletedAt.IsZero() {
		t.Error("status not deleted with the account")
	}
	if p := b.get("/settings/profile"); p.Status != http.StatusSeeOther {
		t.Errorf("browser still signed in after deletion: %d", p.Status)
	}
	if got := verifyCredentials(t, srv, token); got != http.StatusUnauthorized {
		t.Errorf("token after deletion: %d, want 401", got)
	}
	fresh := newBrowser(t, srv)
	res := fresh.post("/signin", url.Values{"csrf_token": {csrf(t, fresh.get("/signin"))}, "username": {"alice"},
		"password": {"correct horse battery"}, "next": {"/"}})
	if res.Status == http.StatusSeeOther {
		t.Error("a deleted account could sign in")
	}
}
