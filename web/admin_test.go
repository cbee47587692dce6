package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

func createAdmin(t *testing.T, srv *servertest.Server, name string) store.Account {
	t.Helper()
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	a, err := srv.Social.CreateAccount(context.Background(), social.NewAccount{Username: name, PasswordHash: hash, Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func remoteAccount(t *testing.T, srv *servertest.Server, name, domain string) store.Account {
	t.Helper()
	a := store.Account{Username: name, Domain: domain, URI: "https://" + domain + "/users/" + name,
		InboxURI: "https://" + domain + "/users/" + name + "/inbox"}
	if err := srv.DB.Write(context.Background(), func(tx *store.Tx) error { return tx.InsertAccount(context.Background(), &a) }); err != nil {
		t.Fatal(err)
	}
	return a
}

func inboxStatus(t *testing.T, srv *servertest.Server, actor string) int {
	t.Helper()
	body := `{"@context":"https://www.w3.org/ns/activitystreams","id":"` + actor + `#follow-1","type":"Follow","actor":"` +
		actor + `","object":"` + srv.URL + `/users/alice"}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/inbox", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/activity+json")
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAdminDomainBlockTakesEffectEverywhere(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := createAdmin(t, srv, "alice")
	spammer := remoteAccount(t, srv, "spammer", "sub.spam.example")
	friend := remoteAccount(t, srv, "friend", "friendly.example")
	ctx := context.Background()
	err := srv.DB.Write(ctx, func(tx *store.Tx) error {
		for _, f := range []store.Follow{{AccountID: spammer.ID, TargetAccountID: alice.ID, Accepted: true},
			{AccountID: alice.ID, TargetAccountID: spammer.ID, Accepted: true},
			{AccountID: friend.ID, TargetAccountID: alice.ID, Accepted: true}} {
			if err := tx.UpsertFollow(ctx, &f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := inboxStatus(t, srv, spammer.URI); got != http.StatusUnauthorized {
		t.Fatalf("before the block, an unsigned POST gets %d, want 401", got)
	}

	b := newBrowser(t, srv)
	b.signIn("alice")
	p := b.get("/admin")
	mustContain(t, p, "Domain blocks", "@alice@", "Refused prompts")
	res := b.post("/admin/domain_blocks", url.Values{"csrf_token": {csrf(t, p)}, "domain": {"https://Spam.Example/about"},
		"reason": {"spam"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("block: %d\n%.1500s", res.Status, res.Body)
	}
	mustContain(t, b.get(res.Location), "Domain blocked", "spam.example")

	for _, pair := range [][2]int64{{spammer.ID, alice.ID}, {alice.ID, spammer.ID}} {
		if _, err := srv.DB.FollowBetween(ctx, pair[0], pair[1]); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("follow %v survived the block: %v", pair, err)
		}
	}
	if _, err := srv.DB.FollowBetween(ctx, friend.ID, alice.ID); err != nil {
		t.Fatalf("unrelated follow ended: %v", err)
	}
	if got := inboxStatus(t, srv, spammer.URI); got != http.StatusForbidden {
		t.Fatalf("inbox POST from a blocked subdomain: %d, want 403", got)
	}
	if !srv.Web.Blocklist().Blocked(ctx, "deep.sub.spam.example:8443") || srv.Web.Blocklist().Blocked(ctx, "notspam.example") {
		t.Fatal("blocklist matching is wrong")
	}

	p = b.get("/admin")
	res = b.post("/admin/domain_blocks/delete", url.Values{"csrf_token": {csrf(t, p)}, "domain": {"spam.example"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("unblock: %d", res.Status)
	}
	if got := inboxStatus(t, srv, spammer.URI); got != http.StatusUnauthorized {
		t.Fatalf("after unblocking: %d, want 401", got)
	}
}

func TestAdminUsersAndSuspension(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	createAdmin(t, srv, "alice")
	bob := srv.CreateUser(t, "bob", "")

	anon := newBrowser(t, srv)
	if p := anon.get("/admin"); p.Status != http.StatusSeeOther {
		t.Fatalf("anonymous admin: %d", p.Status)
	}
	bb := newBrowser(t, srv)
	bb.signIn("bob")
	if p := bb.get("/admin"); p.Status != http.StatusNotFound {
		t.Fatalf("non-admin sees admin: %d", p.Status)
	}
	if p := bb.post("/admin/domain_blocks", url.Values{"csrf_token": {csrf(t, bb.get("/compose"))}, "domain": {"x.example"}}); p.Status != http.StatusNotFound {
		t.Fatalf("non-admin blocks: %d", p.Status)
	}

	ab := newBrowser(t, srv)
	ab.signIn("alice")
	p := ab.get("/admin")
	res := ab.post("/admin/users", url.Values{"csrf_token": {csrf(t, p)}, "username": {"carol"}})
	m := regexp.MustCompile(`shown only now: ([A-Za-z0-9_-]+)`).FindStringSubmatch(res.Body)
	if res.Status != http.StatusOK || m == nil {
		t.Fatalf("create user: %d\n%.2000s", res.Status, res.Body)
	}
	cb := newBrowser(t, srv)
	token := csrf(t, cb.get("/signin"))
	if r := cb.post("/signin", url.Values{"csrf_token": {token}, "username": {"carol"}, "password": {m[1]}}); r.Status != http.StatusSeeOther {
		t.Fatalf("new user cannot sign in: %d", r.Status)
	}
	if r := ab.post("/admin/users", url.Values{"csrf_token": {csrf(t, p)}, "username": {"carol"}, "password": {"long enough"}}); r.Status != http.StatusConflict {
		t.Fatalf("duplicate user: %d", r.Status)
	}

	res = ab.post("/admin/users/"+store.FormatID(bob.ID)+"/suspend", url.Values{"csrf_token": {csrf(t, p)}, "suspend": {"1"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("suspend: %d", res.Status)
	}
	if p := bb.get("/compose"); p.Status != http.StatusSeeOther {
		t.Fatalf("suspended user still signed in: %d", p.Status)
	}
	if p := anon.get("/@bob"); p.Status != http.StatusNotFound {
		t.Fatalf("suspended profile shown: %d", p.Status)
	}
	token = csrf(t, bb.get("/signin"))
	r := bb.post("/signin", url.Values{"csrf_token": {token}, "username": {"bob"}, "password": {"correct horse battery"}})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("suspended user signs in: %d", r.Status)
	}
}
