package mastoapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// remoteWithPost stores a remote account on host (its inbox on a closed
// loopback port, so deliveries go nowhere) with one public post, and makes
// it follow target.
func (e *env) remoteWithPost(t *testing.T, name, host string, target store.Account) (store.Account, store.Status) {
	t.Helper()
	ctx := context.Background()
	a := store.Account{Username: name, Domain: host, URI: "https://" + host + "/users/" + name,
		InboxURI: "https://127.0.0.1:1/users/" + name + "/inbox"}
	var st store.Status
	err := e.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		st = store.Status{AccountID: a.ID, Visibility: store.VisibilityPublic, URI: a.URI + "/statuses/1", Content: "<p>hi</p>"}
		if err := tx.InsertStatus(ctx, &st); err != nil {
			return err
		}
		if err := tx.UpsertFollow(ctx, &store.Follow{AccountID: a.ID, TargetAccountID: target.ID, Accepted: true,
			URI: a.URI + "/follows/1"}); err != nil {
			return err
		}
		_, err := tx.InsertNotification(ctx, &store.Notification{AccountID: target.ID, FromAccountID: a.ID, Type: store.NotifyFollow})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, st
}

func (e *env) idsAt(t *testing.T, token, path string) []string {
	t.Helper()
	var list []map[string]any
	e.call(t, req{method: "GET", path: path, token: token}, 200, &list)
	var out []string
	for _, x := range list {
		out = append(out, x["id"].(string))
	}
	return out
}

func TestDomainBlocksEndpoints(t *testing.T) {
	e := start(t)
	alice, tok := e.login(t, "alice", "read write")
	for _, bad := range []url.Values{{}, {"domain": {""}}, {"domain": {"not a domain"}}, {"domain": {"bad_.host"}},
		{"domain": {strings.Repeat("a", 64) + ".test"}}} {
		e.call(t, req{method: "POST", path: "/api/v1/domain_blocks", token: tok, form: bad}, 422, nil)
	}
	for i := range 3 {
		e.call(t, req{method: "POST", path: "/api/v1/domain_blocks", token: tok,
			form: url.Values{"domain": {fmt.Sprintf("Spam%d.Test", i)}}}, 200, nil)
	}
	// Blocking twice is harmless; a URL names its host; JSON bodies work.
	e.call(t, req{method: "POST", path: "/api/v1/domain_blocks", token: tok, json: map[string]string{"domain": "https://spam0.test/"}}, 200, nil)
	var got []string
	resp := e.call(t, req{method: "GET", path: "/api/v1/domain_blocks?limit=2", token: tok}, 200, &got)
	if !slices.Equal(got, []string{"spam2.test", "spam1.test"}) || !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Fatalf("first page %v, Link %q", got, resp.Header.Get("Link"))
	}
	next := strings.TrimPrefix(strings.SplitN(resp.Header.Get("Link"), ">", 2)[0], "<"+e.URL)
	e.call(t, req{method: "GET", path: next, token: tok}, 200, &got)
	if !slices.Equal(got, []string{"spam0.test"}) {
		t.Fatalf("second page %v", got)
	}
	e.call(t, req{method: "DELETE", path: "/api/v1/domain_blocks?domain=spam1.test", token: tok}, 200, nil)
	e.call(t, req{method: "DELETE", path: "/api/v1/domain_blocks", token: tok, form: url.Values{"domain": {"spam2.test"}}}, 200, nil)
	e.call(t, req{method: "DELETE", path: "/api/v1/domain_blocks", token: tok, form: url.Values{}}, 422, nil)
	e.call(t, req{method: "GET", path: "/api/v1/domain_blocks", token: tok}, 200, &got)
	if !slices.Equal(got, []string{"spam0.test"}) {
		t.Fatalf("after unblocking %v", got)
	}

	cases := []struct {
		scopes, method string
		want           int
	}{
		{"read:blocks", "GET", 200},
		{"follow", "GET", 200},
		{"read:statuses", "GET", 403},
		{"write:blocks", "POST", 200},
		{"follow", "POST", 200},
		{"write:statuses", "POST", 403},
		{"read:blocks", "DELETE", 403},
		{"write:blocks", "DELETE", 200},
	}
	for _, c := range cases {
		r := e.do(t, req{method: c.method, path: "/api/v1/domain_blocks?domain=other.test", token: e.token(t, alice.ID, c.scopes)})
		r.Body.Close()
		if r.StatusCode != c.want {
			t.Errorf("%s with %q: %d, want %d", c.method, c.scopes, r.StatusCode, c.want)
		}
	}
}

func TestDomainBlockEffects(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write follow")
	_, dTok := e.login(t, "dave", "read write follow")
	bad, badPost := e.remoteWithPost(t, "bob", "bad.test", alice)
	good, goodPost := e.remoteWithPost(t, "gus", "good.test", alice)
	aliceID := store.FormatID(alice.ID)
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(bad.ID) + "/follow", token: aTok}, 200, nil)
	ctx := context.Background()
	if err := e.DB.Write(ctx, func(tx *store.Tx) error {
		fl, err := tx.FollowBetween(ctx, alice.ID, bad.ID)
		if err != nil {
			return err
		}
		return tx.AcceptFollow(ctx, fl.ID)
	}); err != nil {
		t.Fatal(err)
	}
	later := store.Status{AccountID: bad.ID, Visibility: store.VisibilityPublic, URI: bad.URI + "/statuses/2"}
	if err := e.DB.Write(ctx, func(tx *store.Tx) error { return tx.InsertStatus(ctx, &later) }); err != nil {
		t.Fatal(err)
	}
	badIDs := []string{store.FormatID(badPost.ID), store.FormatID(later.ID)}
	hasBad := func(tok, path string) bool {
		ids := e.idsAt(t, tok, path)
		return slices.Contains(ids, badIDs[0]) || slices.Contains(ids, badIDs[1])
	}
	if !hasBad(aTok, "/api/v1/timelines/home") || !hasBad(aTok, "/api/v1/timelines/public") {
		t.Fatal("the remote posts are missing before the block")
	}
	followers := e.idsAt(t, aTok, "/api/v1/accounts/"+aliceID+"/followers")
	if len(followers) != 2 {
		t.Fatalf("followers before: %v", followers)
	}

	e.call(t, req{method: "POST", path: "/api/v1/domain_blocks", token: aTok, form: url.Values{"domain": {"bad.test"}}}, 200, nil)
	for _, path := range []string{"/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/timelines/public?remote=true"} {
		if hasBad(aTok, path) {
			t.Errorf("%s still shows bad.test posts", path)
		}
	}
	if !slices.Contains(e.idsAt(t, aTok, "/api/v1/timelines/public"), store.FormatID(goodPost.ID)) {
		t.Error("good.test post hidden too")
	}
	if !hasBad(dTok, "/api/v1/timelines/public") {
		t.Error("dave's public timeline lost bad.test posts")
	}
	var notes []struct{ Account struct{ ID string } }
	e.call(t, req{method: "GET", path: "/api/v1/notifications", token: aTok}, 200, &notes)
	if len(notes) != 1 || notes[0].Account.ID != store.FormatID(good.ID) {
		t.Errorf("notifications: %+v", notes)
	}
	if got := e.idsAt(t, aTok, "/api/v1/accounts/"+aliceID+"/followers"); !slices.Equal(got, []string{store.FormatID(good.ID)}) {
		t.Errorf("followers after the block: %v", got)
	}
	// alice's own follow of bob stays, as Mastodon keeps existing follows.
	var rels []struct {
		ID             string `json:"id"`
		Following      bool   `json:"following"`
		DomainBlocking bool   `json:"domain_blocking"`
	}
	e.call(t, req{method: "GET", path: "/api/v1/accounts/relationships?id[]=" + store.FormatID(bad.ID) + "&id[]=" + store.FormatID(good.ID),
		token: aTok}, 200, &rels)
	if len(rels) != 2 || !rels[0].DomainBlocking || !rels[0].Following || rels[1].DomainBlocking {
		t.Errorf("relationships: %+v", rels)
	}

	e.call(t, req{method: "DELETE", path: "/api/v1/domain_blocks", token: aTok, form: url.Values{"domain": {"bad.test"}}}, 200, nil)
	if !hasBad(aTok, "/api/v1/timelines/home") || !hasBad(aTok, "/api/v1/timelines/public") {
		t.Error("posts still hidden after unblocking")
	}
}

func TestDomainBlockFiltersStreams(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write follow")
	bad, _ := e.remoteWithPost(t, "bob", "bad.test", alice)
	good, _ := e.remoteWithPost(t, "gus", "good.test", alice)
	ctx := context.Background()
	if err := e.DB.Write(ctx, func(tx *store.Tx) error {
		for _, a := range []store.Account{bad, good} {
			if err := tx.UpsertFollow(ctx, &store.Follow{AccountID: alice.ID, TargetAccountID: a.ID, Accepted: true}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.call(t, req{method: "POST", path: "/api/v1/domain_blocks", token: aTok, form: url.Values{"domain": {"bad.test"}}}, 200, nil)

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r, _ := http.NewRequestWithContext(sctx, "GET", e.URL+"/api/v1/streaming/user", nil)
	r.Header.Set("Authorization", "Bearer "+aTok)
	resp, err := e.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	br.ReadString('\n')
	events := servertest.SSEEvents(br)

	// bob (bad.test) posts and mentions alice, then gus does: only gus's
	// post and notification reach alice's stream.
	for i, a := range []store.Account{bad, good} {
		if err := e.DB.Write(ctx, func(tx *store.Tx) error {
			st := store.Status{AccountID: a.ID, Visibility: store.VisibilityPublic, URI: fmt.Sprintf("%s/statuses/s%d", a.URI, i)}
			if err := tx.InsertStatus(ctx, &st); err != nil {
				return err
			}
			e.Fed.PublishStatus(tx, "create", st.ID)
			return e.Fed.Notify(ctx, tx, store.Notification{AccountID: alice.ID, FromAccountID: a.ID, Type: store.NotifyMention, StatusID: st.ID})
		}); err != nil {
			t.Fatal(err)
		}
	}
	var st struct{ Account struct{ ID string } }
	json.Unmarshal([]byte(waitEvent(t, events, "update")), &st)
	var n struct{ Account struct{ ID string } }
	json.Unmarshal([]byte(waitEvent(t, events, "notification")), &n)
	if st.Account.ID != store.FormatID(good.ID) || n.Account.ID != store.FormatID(good.ID) {
		t.Fatalf("stream showed %s and %s, want only %d", st.Account.ID, n.Account.ID, good.ID)
	}
}
