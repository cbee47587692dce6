package mastoapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/pictor-social/pictor/mastoapi"
	"github.com/pictor-social/pictor/store"
)

// sameAsEncodingJSON checks that a page of statuses the server wrote (by
// hand, entities_json.go) is byte for byte what encoding/json writes for
// the same entities.
func sameAsEncodingJSON(t *testing.T, body []byte) []mastoapi.Status {
	t.Helper()
	var list []mastoapi.Status
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(list); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(buf.Bytes()), bytes.TrimSpace(body)) {
		t.Fatalf("server wrote\n%s\nencoding/json writes\n%s", body, buf.Bytes())
	}
	return list
}

// The rendered-account cache (entities_account.go) follows every change of
// what an account entity shows at once: profile, counts kept by triggers,
// the last status of a remote account; and every viewer, signed in or not,
// gets the same entity.
func TestRenderedAccountCacheFollowsWrites(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write follow")
	_, bTok := e.login(t, "bob", "read write follow")
	aliceID := store.FormatID(alice.ID)
	ctx := context.Background()
	e.post(t, aTok, `first <b>"quoted"</b> & unicode été 🎨`)

	page := func(path, token string) []mastoapi.Status {
		t.Helper()
		var raw json.RawMessage
		e.call(t, req{method: "GET", path: path, token: token}, 200, &raw)
		return sameAsEncodingJSON(t, raw)
	}
	authorOf := func(token string) mastoapi.Account {
		t.Helper()
		list := page("/api/v1/accounts/"+aliceID+"/statuses", token)
		if len(list) == 0 {
			t.Fatal("no statuses")
		}
		return list[0].Account
	}
	check := func(step string, ok func(a mastoapi.Account) bool) {
		t.Helper()
		for _, tok := range []string{bTok, aTok, ""} {
			if a := authorOf(tok); !ok(a) {
				t.Fatalf("%s: %+v", step, a)
			}
		}
	}
	check("first render", func(a mastoapi.Account) bool { return a.StatusesCount == 1 && a.FollowersCount == 0 })
	check("from the cache", func(a mastoapi.Account) bool { return a.StatusesCount == 1 })

	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + aliceID + "/follow", token: bTok}, 200, nil)
	check("followed", func(a mastoapi.Account) bool { return a.FollowersCount == 1 })
	e.post(t, aTok, "second")
	check("posted", func(a mastoapi.Account) bool { return a.StatusesCount == 2 })
	e.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: aTok,
		json: map[string]any{"display_name": "Alice <Renamed>", "note": "a & b"}}, 200, nil)
	check("renamed", func(a mastoapi.Account) bool {
		return a.DisplayName == "Alice <Renamed>" && a.Note != "" && a.StatusesCount == 2
	})
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + aliceID + "/unfollow", token: bTok}, 200, nil)
	check("unfollowed", func(a mastoapi.Account) bool { return a.FollowersCount == 0 })

	// A remote author's last_status_at comes from its statuses here.
	remote := store.Account{Username: "carol", Domain: "remote.test", URI: "https://remote.test/users/carol",
		DisplayName: "Carol"}
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
	if err := e.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAccount(ctx, &remote); err != nil {
			return err
		}
		return tx.InsertStatus(ctx, &store.Status{URI: "https://remote.test/s/1", AccountID: remote.ID,
			Visibility: store.VisibilityPublic, Content: "<p>old</p>", CreatedAt: day.Add(time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	lastOf := func() string {
		t.Helper()
		for _, st := range page("/api/v1/timelines/public?remote=true", bTok) {
			if st.Account.ID == store.FormatID(remote.ID) && st.Account.LastStatusAt != nil {
				return *st.Account.LastStatusAt
			}
		}
		return ""
	}
	if got := lastOf(); got != day.Format("2006-01-02") {
		t.Fatalf("remote last_status_at %q, want %s", got, day.Format("2006-01-02"))
	}
	later := day.AddDate(0, 0, 2)
	if err := e.DB.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertStatus(ctx, &store.Status{URI: "https://remote.test/s/2", AccountID: remote.ID,
			Visibility: store.VisibilityPublic, Content: "<p>new</p>", CreatedAt: later.Add(time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	if got := lastOf(); got != later.Format("2006-01-02") {
		t.Fatalf("remote last_status_at after a new status %q, want %s", got, later.Format("2006-01-02"))
	}
}
