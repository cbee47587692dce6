package server

import "testing"

func TestWantsAS2(t *testing.T) {
	cases := []struct {
		accept string
		want   bool
	}{
		{"", true},
		{"application/activity+json", true},
		{"application/ld+json", true},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, true},
		{"text/html,application/xhtml+xml,*/*;q=0.8", false},
		{"application/activity+json, application/ld+json; profile=\"x\", text/html; q=0.5", true}, // Bridgy Fed
		{"text/html, application/activity+json;q=0.5", false},
		{"application/activity+json;q=bogus", false},
		{"*/*", false},
	}
	for _, tc := range cases {
		if got := WantsAS2(tc.accept); got != tc.want {
			t.Errorf("WantsAS2(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
	for _, accept := range commonAS2Accepts {
		if !wantsAS2Parsed(accept) {
			t.Errorf("%q is answered without parsing, but the parse says HTML", accept)
		}
	}
}
