package assistant

import (
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	cases := []struct {
		name, in, want string // want "" means an error
	}{
		{"bare object", `{"suggestions":["a","b"]}`, "a|b"},
		{"fenced", "Here you go:\n```json\n{\"suggestions\": [\"a\"]}\n```\nEnjoy!", "a"},
		{"fence without info string", "```\n{\"suggestions\": [\"x\"]}\n```", "x"},
		{"prose around", `Sure! {"suggestions": ["brace } in \"string\"", "b"]} Hope that helps.`, `brace } in "string"|b`},
		{"first object does not fit", `Note {"x": 1} then {"suggestions": ["c"]}`, "c"},
		{"unclosed fence", "```json\n{\"suggestions\": [\"d\"]}", "d"},
		{"no JSON", "I cannot do that.", ""},
		{"broken JSON", `{"suggestions": ["a",`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode[answer](tc.in)
			if tc.want == "" {
				if !errors.Is(err, ErrUnavailable) {
					t.Fatalf("decoded %+v, %v from %q; want ErrUnavailable", got, err, tc.in)
				}
				return
			}
			if err != nil || strings.Join(got.Suggestions, "|") != tc.want {
				t.Fatalf("got %+v, %v; want %s", got, err, tc.want)
			}
		})
	}
	if _, err := Decode[[]string]("nothing here"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if got, err := Decode[[]string]("Replies: [\"x\", \"y\"]."); err != nil || len(got) != 2 {
		t.Fatalf("array: %v, %v", got, err)
	}
	if got, err := Decode[[]int]("a ```json\n[1,2]\n``` b"); err != nil || len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("fenced array: %v, %v", got, err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":1}`, "```json\n[1]\n```", `x{"y":"}"}z`, `[[[[`, `"\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = Decode[map[string]any](s)
	})
}
