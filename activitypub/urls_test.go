package activitypub

import "testing"

func TestParseLocal(t *testing.T) {
	u := URLs{Base: "https://pictor.example"}
	cases := []struct {
		in   string
		name string
		id   int64
		ok   bool
	}{
		{"https://pictor.example/@alice", "alice", 0, true},
		{"https://pictor.example/@alice/", "alice", 0, true},
		{"https://PICTOR.example/@alice/42", "alice", 42, true},
		{"https://pictor.example/users/alice", "alice", 0, true},
		{"https://pictor.example/users/alice/statuses/42", "alice", 42, true},
		{"https://pictor.example/@alice/statuses/42", "", 0, false},
		{"https://pictor.example/@alice/x", "", 0, false},
		{"https://pictor.example/@alice/-1", "", 0, false},
		{"https://pictor.example/@bob@other.example", "", 0, false},
		{"https://pictor.example/@alice?x=1", "", 0, false},
		{"https://pictor.example/tags/art", "", 0, false},
		{"http://pictor.example/@alice", "", 0, false},
		{"https://other.example/@alice", "", 0, false},
		{"https://pictor.example/@", "", 0, false},
	}
	for _, tc := range cases {
		name, id, ok := u.ParseLocal(tc.in)
		if name != tc.name || id != tc.id || ok != tc.ok {
			t.Errorf("ParseLocal(%q) = %q, %d, %v; want %q, %d, %v", tc.in, name, id, ok, tc.name, tc.id, tc.ok)
		}
	}
}
