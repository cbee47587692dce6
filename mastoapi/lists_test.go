package mastoapi_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/pictor-social/pictor/store"
)

// follow makes tok's user follow the account id (local, unlocked: accepted).
func (e *env) follow(t *testing.T, tok string, id int64) {
	t.Helper()
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(id) + "/follow", token: tok}, 200, nil)
}

func (e *env) createList(t *testing.T, tok string, body map[string]any) map[string]any {
	t.Helper()
	var l map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/lists", token: tok, json: body}, 200, &l)
	return l
}

func TestListsCRUDValidationAndOwnership(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	_, bobTok := e.login(t, "bob", "read write")

	l := e.createList(t, tok, map[string]any{"title": "Friends"})
	if l["title"] != "Friends" || l["replies_policy"] != "list" || l["exclusive"] != false || l["id"] == "" {
		t.Fatalf("created %v", l)
	}
	var l2 map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/lists", token: tok,
		form: url.Values{"title": {"Art"}, "replies_policy": {"none"}, "exclusive": {"true"}}}, 200, &l2)
	if l2["replies_policy"] != "none" || l2["exclusive"] != true {
		t.Fatalf("form-created %v", l2)
	}
	path := "/api/v1/lists/" + l["id"].(string)
	bad := []struct {
		name string
		rq   req
		want int
	}{
		{"blank title", req{method: "POST", path: "/api/v1/lists", json: map[string]any{"title": "  "}}, 422},
		{"no title", req{method: "POST", path: "/api/v1/lists", json: map[string]any{}}, 422},
		{"bad policy", req{method: "POST", path: "/api/v1/lists", json: map[string]any{"title": "x", "replies_policy": "all"}}, 422},
		{"blank title on update", req{method: "PUT", path: path, json: map[string]any{"title": ""}}, 422},
		{"unknown list", req{method: "GET", path: "/api/v1/lists/12345"}, 404},
		{"malformed id", req{method: "GET", path: "/api/v1/lists/abc"}, 404},
	}
	for _, tc := range bad {
		tc.rq.token = tok
		var body map[string]any
		e.call(t, tc.rq, tc.want, &body)
		if body["error"] == nil {
			t.Errorf("%s: no error message: %v", tc.name, body)
		}
	}
	// Another user's list is not found, whatever the method.
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		e.call(t, req{method: m, path: path, token: bobTok, json: map[string]any{"title": "mine"}}, 404, nil)
	}
	e.call(t, req{method: "GET", path: "/api/v1/timelines/list/" + l["id"].(string), token: bobTok}, 404, nil)
	e.call(t, req{method: "GET", path: path + "/accounts", token: bobTok}, 404, nil)

	var upd map[string]any
	e.call(t, req{method: "PUT", path: path, token: tok, json: map[string]any{"replies_policy": "followed", "exclusive": true}}, 200, &upd)
	if upd["title"] != "Friends" || upd["replies_policy"] != "followed" || upd["exclusive"] != true {
		t.Fatalf("updated %v", upd)
	}
	var all []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/lists", token: tok}, 200, &all)
	if len(all) != 2 || all[0]["id"] != l["id"] || all[1]["id"] != l2["id"] {
		t.Fatalf("lists %v", all)
	}
	var bobs []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/lists", token: bobTok}, 200, &bobs)
	if len(bobs) != 0 {
		t.Fatalf("bob sees %v", bobs)
	}
	var empty map[string]any
	e.call(t, req{method: "DELETE", path: path, token: tok}, 200, &empty)
	if len(empty) != 0 {
		t.Fatalf("delete answered %v", empty)
	}
	e.call(t, req{method: "GET", path: path, token: tok}, 404, nil)
}

func TestListScopes(t *testing.T) {
	e := start(t)
	alice, full := e.login(t, "alice", "read write")
	l := e.createList(t, full, map[string]any{"title": "x"})
	path := "/api/v1/lists/" + l["id"].(string)
	readLists := e.token(t, alice.ID, "read:lists")
	writeLists := e.token(t, alice.ID, "write:lists")
	statuses := e.token(t, alice.ID, "read:statuses write:statuses")
	follows := e.token(t, alice.ID, "read:follows write:follows")
	cases := []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/api/v1/lists", "", 401},
		{"GET", "/api/v1/lists", statuses, 403},
		{"GET", "/api/v1/lists", readLists, 200},
		{"GET", path, readLists, 200},
		{"GET", path + "/accounts", readLists, 200},
		{"GET", "/api/v1/timelines/list/" + l["id"].(string), readLists, 200},
		{"GET", "/api/v1/timelines/list/" + l["id"].(string), statuses, 403},
		{"GET", "/api/v1/accounts/" + store.FormatID(alice.ID) + "/lists", readLists, 200},
		{"POST", "/api/v1/lists", readLists, 403},
		{"PUT", path, readLists, 403},
		{"DELETE", path + "/accounts", readLists, 403},
		{"POST", "/api/v1/lists", writeLists, 200},
		{"GET", "/api/v1/lists", writeLists, 403},
		{"GET", "/api/v1/followed_tags", readLists, 403},
		{"GET", "/api/v1/followed_tags", follows, 200},
		{"POST", "/api/v1/tags/fox/follow", readLists, 403},
		{"POST", "/api/v1/tags/fox/follow", follows, 200},
		{"POST", "/api/v1/tags/fox/unfollow", follows, 200},
		{"POST", "/api/v1/tags/fox/follow", "", 401},
		{"GET", "/api/v1/tags/fox", "", 200},
	}
	for _, tc := range cases {
		e.call(t, req{method: tc.method, path: tc.path, token: tc.token, json: map[string]any{"title": "t"}}, tc.want, nil)
	}
}

func TestListAccountsAddRemovePagingAndUnfollow(t *testing.T) {
	e := start(t)
	alice, tok := e.login(t, "alice", "read write follow")
	bob, _ := e.login(t, "bob", "read")
	carol, _ := e.login(t, "carol", "read")
	dave, _ := e.login(t, "dave", "read")
	e.follow(t, tok, bob.ID)
	e.follow(t, tok, carol.ID)
	l := e.createList(t, tok, map[string]any{"title": "x"})
	path := "/api/v1/lists/" + l["id"].(string) + "/accounts"
	add := func(want int, ids ...int64) map[string]any {
		t.Helper()
		form := url.Values{}
		for _, id := range ids {
			form.Add("account_ids[]", store.FormatID(id))
		}
		var out map[string]any
		e.call(t, req{method: "POST", path: path, token: tok, form: form}, want, &out)
		return out
	}
	if out := add(200, bob.ID, carol.ID, alice.ID); len(out) != 0 {
		t.Fatalf("add answered %v", out)
	}
	for _, tc := range []struct {
		name string
		id   int64
		want int
	}{{"not followed", dave.ID, 422}, {"already a member", bob.ID, 422}, {"unknown account", 999999, 404}} {
		if out := add(tc.want, tc.id); out["error"] == nil {
			t.Errorf("%s: %v", tc.name, out)
		}
	}
	e.call(t, req{method: "POST", path: path, token: tok, form: url.Values{"account_ids[]": {"x1"}}}, 422, nil)

	members := func(q string) ([]string, map[string]*url.URL) {
		var list []map[string]any
		resp := e.call(t, req{method: "GET", path: path + q, token: tok}, 200, &list)
		return statusIDs(list), links(t, resp)
	}
	id := store.FormatID
	got, l1 := members("?limit=2")
	if fmt.Sprint(got) != fmt.Sprint([]string{id(alice.ID), id(carol.ID)}) || l1["next"] == nil {
		t.Fatalf("first page %v %v", got, l1)
	}
	got, l2 := members("?" + l1["next"].RawQuery)
	if fmt.Sprint(got) != fmt.Sprint([]string{id(bob.ID)}) || l2["next"] != nil {
		t.Fatalf("second page %v %v", got, l2)
	}
	if got, _ := members("?limit=0"); len(got) != 3 {
		t.Fatalf("limit=0 gave %v", got)
	}
	var ofBob []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/accounts/" + id(bob.ID) + "/lists", token: tok}, 200, &ofBob)
	if len(ofBob) != 1 || ofBob[0]["id"] != l["id"] {
		t.Fatalf("lists of bob %v", ofBob)
	}
	e.call(t, req{method: "GET", path: "/api/v1/accounts/999999/lists", token: tok}, 404, nil)

	e.call(t, req{method: "DELETE", path: path, token: tok, json: map[string]any{"account_ids": []string{id(bob.ID), id(dave.ID)}}}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + id(carol.ID) + "/unfollow", token: tok}, 200, nil)
	if got, _ := members(""); fmt.Sprint(got) != fmt.Sprint([]string{id(alice.ID)}) {
		t.Fatalf("after remove and unfollow: %v", got)
	}
}

func TestListTimelinePagingAndExclusiveHome(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write follow")
	bob, bobTok := e.login(t, "bob", "read write")
	carol, carolTok := e.login(t, "carol", "read write")
	e.follow(t, tok, bob.ID)
	e.follow(t, tok, carol.ID)
	var bobs []string // oldest first
	for i := 0; i < 5; i++ {
		bobs = append(bobs, e.post(t, bobTok, fmt.Sprintf("bob %d", i))["id"].(string))
	}
	carols := e.post(t, carolTok, "carol")["id"].(string)
	l := e.createList(t, tok, map[string]any{"title": "bob"})
	lid := l["id"].(string)
	e.call(t, req{method: "POST", path: "/api/v1/lists/" + lid + "/accounts", token: tok,
		json: map[string]any{"account_ids": []string{store.FormatID(bob.ID)}}}, 200, nil)

	page := func(path, q string) ([]string, map[string]*url.URL) {
		t.Helper()
		var list []map[string]any
		resp := e.call(t, req{method: "GET", path: path + q, token: tok}, 200, &list)
		return statusIDs(list), links(t, resp)
	}
	timeline := "/api/v1/timelines/list/" + lid
	got, l1 := page(timeline, "?limit=2")
	if fmt.Sprint(got) != fmt.Sprint([]string{bobs[4], bobs[3]}) || l1["next"] == nil || l1["prev"] == nil {
		t.Fatalf("first page %v %v", got, l1)
	}
	got, l2 := page(timeline, "?"+l1["next"].RawQuery)
	if fmt.Sprint(got) != fmt.Sprint([]string{bobs[2], bobs[1]}) {
		t.Fatalf("second page %v", got)
	}
	got, _ = page(timeline, "?"+l2["next"].RawQuery)
	if fmt.Sprint(got) != fmt.Sprint([]string{bobs[0]}) {
		t.Fatalf("last page %v", got)
	}
	got, _ = page(timeline, "?min_id="+bobs[1]+"&limit=2")
	if fmt.Sprint(got) != fmt.Sprint([]string{bobs[3], bobs[2]}) {
		t.Fatalf("min_id page %v", got)
	}
	got, _ = page(timeline, "?since_id="+bobs[3])
	if fmt.Sprint(got) != fmt.Sprint([]string{bobs[4]}) {
		t.Fatalf("since_id page %v", got)
	}
	// A plain list leaves home alone; an exclusive one keeps bob out of it.
	home, _ := page("/api/v1/timelines/home", "?limit=3")
	if fmt.Sprint(home) != fmt.Sprint([]string{carols, bobs[4], bobs[3]}) {
		t.Fatalf("home %v", home)
	}
	e.call(t, req{method: "PUT", path: "/api/v1/lists/" + lid, token: tok, json: map[string]any{"exclusive": true}}, 200, nil)
	home, _ = page("/api/v1/timelines/home", "")
	if fmt.Sprint(home) != fmt.Sprint([]string{carols}) {
		t.Fatalf("home with exclusive list %v", home)
	}
	if got, _ := page(timeline, "?limit=1"); fmt.Sprint(got) != fmt.Sprint([]string{bobs[4]}) {
		t.Fatalf("exclusive list timeline %v", got)
	}
}
