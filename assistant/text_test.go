package assistant

import (
	"strings"
	"testing"
)

func TestSuggestionAnswers(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"suggestions": ["Nice!", " \"Nice!\" ", "nice!", "", "Where?", "Four"]}`, "Nice!|Where?|Four"},
		{`{"replies": ["a", "b"]}`, "a|b"},
		{`["x", "y"]`, "x|y"},
		{"Here:\n```json\n{\"suggestions\": [\"«Bravo»\"]}\n```", "Bravo"},
		{`{"suggestions": ["` + strings.Repeat("é", 400) + `"]}`, strings.Repeat("é", maxSuggestionRunes-1) + "…"},
	}
	for _, tc := range cases {
		list, err := Decode[suggestionList](tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := strings.Join(cleanSuggestions(list), "|"); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	if _, err := Decode[suggestionList](`{"other": 1}`); err == nil {
		t.Error("an object without suggestions decoded")
	}
}

func TestCleanDescription(t *testing.T) {
	cases := []struct{ in, want string }{
		{"A fox in snow.", "A fox in snow."},
		{"Alt text: \"A fox in snow.\"", "A fox in snow."},
		{"```text\nA fox.\n```", "A fox."},
		{"description: A fox.", "A fox."},
		{strings.Repeat("a", 2000), strings.Repeat("a", maxDescriptionRunes-1) + "…"},
	}
	for _, tc := range cases {
		if got := cleanDescription(tc.in); got != tc.want {
			t.Errorf("cleanDescription(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLanguages(t *testing.T) {
	for h, want := range map[string]string{
		"de-CH,de;q=0.9,en;q=0.5": "de", "en;q=0.2, fr;q=0.8": "fr", "*": "", "": "", "x-klingon": "",
		"pt-BR": "pt", "es;q=0": "",
	} {
		if got := LanguageFromHeader(h); got != want {
			t.Errorf("LanguageFromHeader(%q) = %q, want %q", h, got, want)
		}
	}
	for code, want := range map[string]string{"fr": "French", "tlh": "the language with ISO 639 code tlh", "": "the same language as the post to reply to"} {
		if got := languageName(code); got != want {
			t.Errorf("languageName(%q) = %q", code, got)
		}
	}
}
