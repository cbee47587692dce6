package genimage

import (
	"context"
	"testing"
)

func TestWordListMatch(t *testing.T) {
	l := NewWordList([]string{"sex", "self harm", "nud*", "Gore", "色情", "  ", "*"})
	cases := []struct {
		text string
		want string // "" means no match
	}{
		{"a quiet lake at dawn", ""},
		{"Sussex countryside", ""},
		{"SEX on the beach", "sex"},
		{"a sex.", "sex"},
		{"self-harm", "self harm"},
		{"self   HARM", "self harm"},
		{"selfharm", ""},
		{"harm self", ""},
		{"Nudity in art", "nud*"},
		{"nu", ""},
		{"gorey", ""},
		{"GORE!", "Gore"},
		{"ＧＯＲＥ", ""}, // fullwidth letters are different runes; documented as not folded
		{"这是色情图片", "色情"},
		{"色 情", "色情"}, // Han is matched rune by rune
		{"色 and 情", ""},
		{"Ça GORE ça", "Gore"},
		{"", ""},
	}
	for _, tc := range cases {
		got, ok := l.Match(tc.text)
		if tc.want == "" && ok {
			t.Errorf("Match(%q) = %q, want no match", tc.text, got)
		}
		if tc.want != "" && got != tc.want {
			t.Errorf("Match(%q) = %q, %v; want %q", tc.text, got, ok, tc.want)
		}
	}
}

func TestWordListScreen(t *testing.T) {
	l := NewWordList(DefaultWordList())
	v, err := l.Screen(context.Background(), "A naked statue, photorealistic")
	if err != nil || !v.Flagged || v.Reason != `contains "naked"` || len(v.Categories) != 1 {
		t.Fatalf("Screen = %+v, %v", v, err)
	}
	v, err = l.Screen(context.Background(), "a lighthouse in a storm, oil painting")
	if err != nil || v.Flagged {
		t.Fatalf("Screen of a harmless prompt = %+v, %v", v, err)
	}
}

func TestScreenPromptAndChain(t *testing.T) {
	allow := NewWordList(nil)
	deny := NewWordList([]string{"dragon"})
	m := Chain(allow, deny)
	err := ScreenPrompt(context.Background(), m, "a red dragon")
	var re *RefusalError
	if !asRefusal(err, &re) || re.Stage != StagePrompt || re.Message != `contains "dragon"` {
		t.Fatalf("ScreenPrompt = %v", err)
	}
	if err := ScreenPrompt(context.Background(), m, "a red fox"); err != nil {
		t.Fatalf("ScreenPrompt of allowed prompt = %v", err)
	}
	if err := ScreenPrompt(context.Background(), Chain(), "anything"); err != nil {
		t.Fatalf("empty chain = %v", err)
	}
}
