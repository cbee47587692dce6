package mastoapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// admin creates a local admin and returns it with a token of scopes.
func (e *env) admin(t *testing.T, name, scopes string) (store.Account, string) {
	t.Helper()
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Social.CreateAccount(context.Background(), social.NewAccount{Username: name, PasswordHash: hash, Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	return a, e.token(t, a.ID, scopes)
}

// A report names the account and some of its visible statuses; the entity
// is Mastodon's, and admins get an admin.report notification carrying it.
func TestCreateReport(t *testing.T) {
	e := start(t)
	_, adminTok := e.admin(t, "root", "read")
	_, tok := e.login(t, "alice", "write:reports")
	bob, bobTok := e.login(t, "bob", "read write")
	st1 := e.post(t, bobTok, "first")
	st2 := e.post(t, bobTok, "second")

	var rep map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/reports", token: tok, json: map[string]any{
		"account_id": store.FormatID(bob.ID), "status_ids": []string{st2["id"].(string), st1["id"].(string)},
		"comment": "  spam everywhere ", "rule_ids": []string{"2"}, "forward": true}}, 200, &rep)
	if rep["id"] == "" || rep["action_taken"] != false || rep["action_taken_at"] != nil || rep["category"] != "violation" ||
		rep["comment"] != "spam everywhere" || rep["forwarded"] != false {
		t.Fatalf("report %v", rep)
	}
	if ids := rep["status_ids"].([]any); len(ids) != 2 || ids[0] != st1["id"] || ids[1] != st2["id"] {
		t.Fatalf("status_ids %v", rep["status_ids"])
	}
	if rules := rep["rule_ids"].([]any); len(rules) != 1 || rules[0] != "2" {
		t.Fatalf("rule_ids %v", rep["rule_ids"])
	}
	if acct := rep["target_account"].(map[string]any); acct["id"] != store.FormatID(bob.ID) {
		t.Fatalf("target %v", acct)
	}

	var notes []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/notifications", token: adminTok}, 200, &notes)
	if len(notes) != 1 || notes[0]["type"] != "admin.report" {
		t.Fatalf("admin notifications %v", notes)
	}
	if r := notes[0]["report"].(map[string]any); r["id"] != rep["id"] || notes[0]["account"].(map[string]any)["username"] != "alice" {
		t.Fatalf("notification %v", notes[0])
	}

	// A second report by the same user notifies again; form encoding works.
	e.call(t, req{method: "POST", path: "/api/v1/reports", token: tok, form: map[string][]string{
		"account_id": {store.FormatID(bob.ID)}, "category": {"spam"}, "rule_ids[]": {"1"}}}, 200, &rep)
	if rep["category"] != "spam" || len(rep["rule_ids"].([]any)) != 0 || len(rep["status_ids"].([]any)) != 0 {
		t.Fatalf("second report %v", rep)
	}
	e.call(t, req{method: "GET", path: "/api/v1/notifications", token: adminTok}, 200, &notes)
	if len(notes) != 2 {
		t.Fatalf("want 2 admin notifications, got %d", len(notes))
	}
}

func TestCreateReportValidation(t *testing.T) {
	e := start(t)
	alice, tok := e.login(t, "alice", "read write")
	bob, bobTok := e.login(t, "bob", "read write")
	_, carolTok := e.login(t, "carol", "read write")
	_, readTok := e.login(t, "dave", "read write:statuses")
	bobs := e.post(t, bobTok, "hello")["id"].(string)
	carols := e.post(t, carolTok, "hi")["id"].(string)
	var private map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: bobTok,
		json: map[string]any{"status": "followers only", "visibility": "private"}}, 200, &private)
	deleted := e.post(t, bobTok, "gone")["id"].(string)
	e.call(t, req{method: "DELETE", path: "/api/v1/statuses/" + deleted, token: bobTok}, 200, nil)

	bobID := store.FormatID(bob.ID)
	cases := []struct {
		name  string
		token string
		body  map[string]any
		want  int
	}{
		{"no token", "", map[string]any{"account_id": bobID}, 401},
		{"wrong scope", readTok, map[string]any{"account_id": bobID}, 403},
		{"unknown account", tok, map[string]any{"account_id": "12345"}, 404},
		{"no account", tok, map[string]any{}, 404},
		{"status of another account", tok, map[string]any{"account_id": bobID, "status_ids": []string{carols}}, 404},
		{"status not visible", tok, map[string]any{"account_id": bobID, "status_ids": []string{private["id"].(string)}}, 404},
		{"deleted status", tok, map[string]any{"account_id": bobID, "status_ids": []string{deleted}}, 404},
		{"malformed status id", tok, map[string]any{"account_id": bobID, "status_ids": []string{"x"}}, 422},
		{"comment too long", tok, map[string]any{"account_id": bobID, "comment": strings.Repeat("é", 1001)}, 422},
		{"bad category", tok, map[string]any{"account_id": bobID, "category": "boring"}, 422},
		{"unknown rule", tok, map[string]any{"account_id": bobID, "rule_ids": []string{"3"}}, 422},
		{"oneself", tok, map[string]any{"account_id": store.FormatID(alice.ID)}, 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body map[string]any
			e.call(t, req{method: "POST", path: "/api/v1/reports", token: tc.token, json: tc.body}, tc.want, &body)
			if body["error"] == nil {
				t.Fatalf("no error message: %v", body)
			}
		})
	}
	// 1000 characters is fine, and a visible public status of the target too.
	e.call(t, req{method: "POST", path: "/api/v1/reports", token: tok, json: map[string]any{"account_id": bobID,
		"status_ids": []string{bobs}, "comment": strings.Repeat("é", 1000)}}, 200, nil)
	reps, err := e.DB.Reports(context.Background(), true, 10)
	if err != nil || len(reps) != 1 {
		t.Fatalf("stored reports %v, %v", reps, err)
	}
}
