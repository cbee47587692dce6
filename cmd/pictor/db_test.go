package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/pgtest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
)

// api sends a JSON request (body nil for none) with token and returns the
// status code and the decoded answer.
func api(t *testing.T, srv *servertest.Server, method, path, token string, body any) (int, any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v any
	json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

// mustAPI is api that fails the test unless the answer is 200.
func mustAPI(t *testing.T, srv *servertest.Server, method, path, token string, body any) any {
	t.Helper()
	code, v := api(t, srv, method, path, token, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s: %d %v", method, path, code, v)
	}
	return v
}

func field(v any, name string) any {
	m, _ := v.(map[string]any)
	return m[name]
}

func idOf(v any) string { s, _ := field(v, "id").(string); return s }

// ids lists the ids of a JSON array of entities.
func ids(v any) []string {
	list, _ := v.([]any)
	out := []string{}
	for _, e := range list {
		out = append(out, idOf(e))
	}
	return out
}

// webSignIn signs name in through the web form and returns the browser's
// client (its cookie jar holds the session).
func webSignIn(t *testing.T, srv *servertest.Server, name string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := *srv.Client
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(srv.URL + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(b.String())
	if m == nil {
		t.Fatalf("no csrf token on the sign-in page: %d", resp.StatusCode)
	}
	form := url.Values{"csrf_token": {m[1]}, "username": {name}, "password": {"correct horse battery"}, "next": {"/"}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.URL)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return &c
}

// TestDBCopyThenServeOnPostgres populates an instance through the real
// server and federation (local users with passwords, a remote account on
// a second server, follows both ways, posts with media, a boost, a
// favourite, a poll with votes, notifications, an OAuth app's tokens, a
// web session, a list, a filter, deliveries pending to the stopped peer),
// copies it with `pictor db copy` and starts a server on the PostgreSQL
// database: same accounts, keys, posts, followers, counters, tokens and
// session, and new rows get new ids.
func TestDBCopyThenServeOnPostgres(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	peer := servertest.Start(t, servertest.Options{})
	home := servertest.Start(t, servertest.Options{CA: peer.CA})
	alice := home.CreateUser(t, "alice", "")
	bob := home.CreateUser(t, "bob", "")
	carol := peer.CreateUser(t, "carol", "")
	aliceTok, bobTok := appToken(t, home, alice.ID), appToken(t, home, bob.ID)
	aliceID, bobID := itoa(alice.ID), itoa(bob.ID)

	// Follows both ways across servers, and between the local users.
	if _, _, err := peer.Social.FollowHandle(ctx, carol.ID, "alice@"+home.Cfg.Host); err != nil {
		t.Fatal(err)
	}
	carolHere, _, err := home.Social.FollowHandle(ctx, alice.ID, "carol@"+peer.Cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	mustAPI(t, home, "POST", "/api/v1/accounts/"+aliceID+"/follow", bobTok, map[string]any{})
	mustAPI(t, home, "POST", "/api/v1/accounts/"+bobID+"/follow", aliceTok, map[string]any{})
	servertest.Eventually(t, 20*time.Second, "follows accepted both ways", func() bool {
		rel := mustAPI(t, home, "GET", "/api/v1/accounts/relationships?id[]="+itoa(carolHere.ID), aliceTok, nil)
		me := mustAPI(t, home, "GET", "/api/v1/accounts/verify_credentials", aliceTok, nil)
		list, _ := rel.([]any)
		return len(list) == 1 && field(list[0], "following") == true && field(list[0], "followed_by") == true &&
			field(me, "followers_count") == 2.0
	})

	// Posts with media, a hashtag, a poll; a favourite, a boost and a vote.
	f, err := os.Open(writePNG(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	media, err := home.Social.UploadMedia(ctx, alice.ID, f, social.MediaInput{Description: "a cat"})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	withImage := mustAPI(t, home, "POST", "/api/v1/statuses", aliceTok,
		map[string]any{"status": "a picture of #cats", "media_ids": []string{itoa(media.ID)}})
	poll := mustAPI(t, home, "POST", "/api/v1/statuses", aliceTok,
		map[string]any{"status": "tea or coffee?", "poll": map[string]any{"options": []string{"tea", "coffee"}, "expires_in": 86400}})
	mustAPI(t, home, "POST", "/api/v1/statuses/"+idOf(withImage)+"/favourite", bobTok, map[string]any{})
	mustAPI(t, home, "POST", "/api/v1/statuses/"+idOf(withImage)+"/reblog", bobTok, map[string]any{})
	mustAPI(t, home, "POST", "/api/v1/polls/"+idOf(field(poll, "poll"))+"/votes", bobTok, map[string]any{"choices": []int{1}})
	list := mustAPI(t, home, "POST", "/api/v1/lists", aliceTok, map[string]any{"title": "friends"})
	mustAPI(t, home, "POST", "/api/v1/lists/"+idOf(list)+"/accounts", aliceTok, map[string]any{"account_ids": []string{bobID}})
	mustAPI(t, home, "POST", "/api/v2/filters", aliceTok, map[string]any{"title": "spoilers", "context": []string{"home"},
		"keywords_attributes": []any{map[string]any{"keyword": "spoiler"}}})
	browser := webSignIn(t, home, "alice")

	// With the peer gone, a new post leaves deliveries pending.
	peer.Stop()
	mustAPI(t, home, "POST", "/api/v1/statuses", aliceTok, map[string]any{"status": "while carol's server is down"})

	type snapshot struct {
		webfinger, key, me, statuses, followers, favourites, notifications, lists, filters, poll string
	}
	take := func(srv *servertest.Server) snapshot {
		t.Helper()
		enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
		var s snapshot
		code, body := get(t, srv, "/.well-known/webfinger?resource=acct:alice@"+srv.Cfg.Host, "", "")
		if code != http.StatusOK {
			t.Fatalf("webfinger: %d", code)
		}
		s.webfinger = string(body)
		_, body = get(t, srv, "/users/alice", "", "application/activity+json")
		var actor struct {
			PublicKey struct{ PublicKeyPem string } `json:"publicKey"`
		}
		json.Unmarshal(body, &actor)
		s.key = actor.PublicKey.PublicKeyPem
		me := mustAPI(t, srv, "GET", "/api/v1/accounts/verify_credentials", aliceTok, nil)
		s.me = enc([]any{field(me, "id"), field(me, "statuses_count"), field(me, "followers_count"), field(me, "following_count")})
		s.statuses = enc(ids(mustAPI(t, srv, "GET", "/api/v1/accounts/"+aliceID+"/statuses", aliceTok, nil)))
		s.followers = enc(ids(mustAPI(t, srv, "GET", "/api/v1/accounts/"+aliceID+"/followers", aliceTok, nil)))
		s.favourites = enc(ids(mustAPI(t, srv, "GET", "/api/v1/favourites", bobTok, nil)))
		s.notifications = enc(ids(mustAPI(t, srv, "GET", "/api/v1/notifications", aliceTok, nil)))
		s.lists = enc(ids(mustAPI(t, srv, "GET", "/api/v1/lists/"+idOf(list)+"/accounts", aliceTok, nil)))
		s.filters = enc(ids(mustAPI(t, srv, "GET", "/api/v2/filters", aliceTok, nil)))
		p := mustAPI(t, srv, "GET", "/api/v1/polls/"+idOf(field(poll, "poll")), bobTok, nil)
		s.poll = enc([]any{field(p, "votes_count"), field(p, "voted"), field(p, "own_votes")})
		return s
	}
	before := take(home)
	t.Logf("before the copy: %+v", before)
	if before.key == "" || before.notifications == "[]" || before.favourites == "[]" || before.filters == "[]" {
		t.Fatalf("the instance is not populated as meant: %+v", before)
	}
	addr := home.Cfg.Listen
	cfgPath := configFor(t, home.Cfg.Host, home.Cfg.DataDir)
	home.Stop()

	code, out, stderr := runCLI(t, "", "db", "copy", "--to", dbURL, "--config", cfgPath)
	if code != 0 {
		t.Fatalf("db copy: %d\n%s%s", code, out, stderr)
	}
	for _, table := range []string{"accounts", "users", "statuses", "media_attachments", "follows", "favourites", "polls",
		"poll_votes", "notifications", "oauth_apps", "oauth_tokens", "web_sessions", "lists", "list_accounts", "filters",
		"deliveries", "tags", "home_feed"} {
		m := regexp.MustCompile(`(?m)^\s+` + table + `\s+(\d+) rows \(SQLite (\d+)\)$`).FindStringSubmatch(out)
		if m == nil || m[1] == "0" || m[1] != m[2] {
			t.Errorf("table %s in the copy's output: %q", table, m)
		}
	}
	if t.Failed() {
		t.Fatalf("output:\n%s", out)
	}
	t.Log(out)
	// A second copy finds the target in use.
	if code, _, stderr := runCLI(t, "", "db", "copy", "--to", dbURL, "--config", cfgPath); code != 1 ||
		!strings.Contains(stderr, "not empty") {
		t.Fatalf("second copy: %d %s", code, stderr)
	}

	pg := servertest.Start(t, servertest.Options{DataDir: home.Cfg.DataDir, Addr: addr, CA: home.CA,
		Configure: func(c *config.File) { c.Database = config.Database{Driver: "postgres", URL: dbURL} }})
	if pg.DB.Engine() != "postgres" {
		t.Fatalf("the server runs on %s", pg.DB.Engine())
	}
	after := take(pg)
	if after != before {
		t.Errorf("the instance differs on PostgreSQL:\nbefore %+v\nafter  %+v", before, after)
	}
	// The media file is still served (files stay in data_dir/media).
	if code, _ := get(t, pg, "/media/"+media.FileName, "", ""); code != http.StatusOK {
		t.Errorf("media after the copy: %d", code)
	}
	// The web session still signs alice in.
	resp, err := browser.Get(pg.URL + "/settings/profile")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("web session after the copy: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// New rows in tables whose ids PostgreSQL numbers (tags, outbox
	// activities, deliveries): the sequences were moved past the copied ids.
	fresh := mustAPI(t, pg, "POST", "/api/v1/statuses", aliceTok, map[string]any{"status": "now on #postgres and #cats"})
	if tags, _ := field(fresh, "tags").([]any); len(tags) != 2 {
		t.Errorf("new post's tags: %v", field(fresh, "tags"))
	}
	st := mustAPI(t, pg, "GET", "/api/v1/accounts/"+aliceID+"/statuses", aliceTok, nil)
	if got := ids(st); len(got) == 0 || got[0] != idOf(fresh) {
		t.Errorf("account statuses after a new post: %v", got)
	}
	me := mustAPI(t, pg, "GET", "/api/v1/accounts/verify_credentials", aliceTok, nil)
	var was []any
	json.Unmarshal([]byte(before.me), &was)
	if field(me, "statuses_count") != was[1].(float64)+1 {
		t.Errorf("statuses_count after a new post: %v, was %v", field(me, "statuses_count"), was[1])
	}
}

// `pictor db copy` refuses clearly without a target or a database, and
// never prints the target's password.
func TestDBCopyRefusals(t *testing.T) {
	t.Setenv("PICTOR_DATABASE_URL", "")
	cfg, _ := testConfig(t)
	for _, args := range [][]string{{"db"}, {"db", "move"}, {"db", "copy", "extra", "--config", cfg}} {
		if code, _, stderr := runCLI(t, "", args...); code != 2 || !strings.Contains(stderr, "usage: pictor db copy") {
			t.Errorf("%v: %d %q", args, code, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "", "db", "copy", "--config", cfg); code != 1 || !strings.Contains(stderr, "--to postgres://") {
		t.Errorf("no target: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "db", "copy", "--to", "postgres://127.0.0.1:1/x", "--config", cfg); code != 1 ||
		!strings.Contains(stderr, "no SQLite database") {
		t.Errorf("no database: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "user", "create", "alice", "--config", cfg); code != 0 {
		t.Fatalf("user create: %q", stderr)
	}
	t.Setenv("PICTOR_DATABASE_URL", "postgres://pictor:s3cret-pw@127.0.0.1:1/x")
	code, out, stderr := runCLI(t, "", "db", "copy", "--config", cfg)
	if code != 1 || !strings.Contains(out+stderr, "127.0.0.1:1") || strings.Contains(out+stderr, "s3cret-pw") {
		t.Errorf("unreachable target (from PICTOR_DATABASE_URL): %d\n%s%s", code, out, stderr)
	}
}
