package activitypub

import "testing"

func TestWebURL(t *testing.T) {
	cases := []struct {
		in             string
		https, anyHTTP bool // accepted without / with plain http allowed
	}{
		{"https://example.com/@bob", true, true},
		{"HTTPS://example.com/@bob", true, true},
		{"http://example.com/@bob", false, true},
		{"javascript://example.com/%0aalert(1)", false, false},
		{"JavaScript://example.com/%0aalert(1)", false, false},
		{"javascript:alert(1)", false, false},
		{"data:text/html;base64,PHNjcmlwdD4=", false, false},
		{"vbscript://example.com/x", false, false},
		{"file:///etc/passwd", false, false},
		{"file://example.com/etc/passwd", false, false},
		{"/users/bob", false, false},
		{"//example.com/users/bob", false, false},
		{" https://example.com/x", false, false},
		{" javascript:alert(1)", false, false},
		{"\tjavascript:alert(1)", false, false},
		{"https:example.com", false, false},
		{"https://", false, false},
		{"", false, false},
	}
	strict, lax := &Federation{}, &Federation{allowHTTP: true}
	for _, tc := range cases {
		if got := strict.webURL(tc.in) != ""; got != tc.https {
			t.Errorf("webURL(%q) https only = %v", tc.in, got)
		}
		if got := lax.webURL(tc.in) != ""; got != tc.anyHTTP {
			t.Errorf("webURL(%q) with http = %v", tc.in, got)
		}
	}
	if h := hostOf("javascript://example.com/x"); h != "" {
		t.Errorf("hostOf(javascript:) = %q", h)
	}
}
