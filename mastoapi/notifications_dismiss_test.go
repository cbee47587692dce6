package mastoapi_test

import (
	"testing"

	"github.com/pictor-social/pictor/store"
)

// Notifications follow the recipient's blocks and mutes as Mastodon's do: a
// muted account (notifications=true, the default) brings none, one muted
// with notifications=false still does, and a block clears what the blocked
// account brought before.
func TestNotificationsFollowBlocksAndMutes(t *testing.T) {
	e := start(t)
	_, aTok := e.login(t, "alice", "read write follow")
	bob, bTok := e.login(t, "bob", "read write follow")
	carol, cTok := e.login(t, "carol", "read write follow")
	dave, dTok := e.login(t, "dave", "read write follow")
	st := e.post(t, aTok, "a heron at dawn")
	fav := func(tok string) {
		e.call(t, req{method: "POST", path: "/api/v1/statuses/" + st["id"].(string) + "/favourite", token: tok}, 200, nil)
	}
	from := func() map[string]int {
		t.Helper()
		var list []map[string]any
		e.call(t, req{method: "GET", path: "/api/v1/notifications", token: aTok}, 200, &list)
		out := map[string]int{}
		for _, n := range list {
			out[n["account"].(map[string]any)["username"].(string)]++
		}
		return out
	}
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(carol.ID) + "/mute", token: aTok}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(dave.ID) + "/mute", token: aTok,
		json: map[string]any{"notifications": false}}, 200, nil)
	fav(bTok)
	fav(cTok)
	fav(dTok)
	if got := from(); got["bob"] != 1 || got["carol"] != 0 || got["dave"] != 1 {
		t.Fatalf("notifications by sender %v, want bob and dave only", got)
	}
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(bob.ID) + "/block", token: aTok}, 200, nil)
	if got := from(); got["bob"] != 0 || got["dave"] != 1 {
		t.Fatalf("after blocking bob: notifications by sender %v, want dave only", got)
	}
}
