package webfinger

import "testing"

func TestJRDTemplate(t *testing.T) {
	sub := func(tpl string) Link { return Link{Rel: RelSubscribe, Template: tpl} }
	cases := []struct {
		name  string
		links []Link
		want  string
	}{
		{"none", []Link{{Rel: "self", Href: "https://a.example/users/bob"}}, ""},
		{"one", []Link{sub("https://a.example/authorize_interaction?uri={uri}")}, "https://a.example/authorize_interaction?uri={uri}"},
		{"last wins", []Link{sub("https://a.example/one?uri={uri}"), sub("https://a.example/two?uri={uri}")}, "https://a.example/two?uri={uri}"},
		{"href is no template", []Link{{Rel: RelSubscribe, Href: "https://a.example/x"}}, ""},
		{"other rel", []Link{{Rel: "http://webfinger.net/rel/profile-page", Template: "https://a.example/{uri}"}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := (JRD{Links: tc.links}).Template(RelSubscribe); got != tc.want {
				t.Fatalf("Template = %q, want %q", got, tc.want)
			}
		})
	}
}
