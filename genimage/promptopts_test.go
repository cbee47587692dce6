package genimage

import (
	"strings"
	"testing"

	"github.com/pictor-social/pictor/internal/apperr"
)

func TestSplitPromptOptions(t *testing.T) {
	cases := []struct {
		in, prompt string
		want       promptOptions
		err        string // part of the error message; "" for none
	}{
		{in: "a lighthouse at dusk", prompt: "a lighthouse at dusk"},
		{in: "a lighthouse --seed 42", prompt: "a lighthouse", want: promptOptions{Seed: 42}},
		{in: "a lighthouse --ar 3:2 --no people, boats", prompt: "a lighthouse",
			want: promptOptions{Size: landscapeSize, NegativePrompt: "people, boats"}},
		{in: "fox --AR 9:16", prompt: "fox", want: promptOptions{Size: portraitSize}},
		{in: "fox --ar 1:1", prompt: "fox"},
		{in: "fox --size 640X480 --seed 0", prompt: "fox", want: promptOptions{Size: "640x480"}},
		{in: "fox \u2014seed 7 \u2013no snow", prompt: "fox", want: promptOptions{Seed: 7, NegativePrompt: "snow"}},
		{in: "a house \u2014the red one", prompt: "a house \u2014the red one"}, // a dash before an unknown word is prose
		{in: "a cat -- a dog", prompt: "a cat -- a dog"},
		{in: "--seed 3", prompt: "", want: promptOptions{Seed: 3}},
		{in: "fox --seed", err: "needs a value"},
		{in: "fox --seed -1", err: "whole number"},
		{in: "fox --seed abc", err: "whole number"},
		{in: "fox --size big", err: "WIDTHxHEIGHT"},
		{in: "fox --ar 10:1", err: "at most 4:1"},
		{in: "fox --ar wide", err: "ratio"},
		{in: "fox --chaos 80", err: "unknown option --chaos"},
		{in: "fox --n 4", prompt: "fox", want: promptOptions{N: 4}},
		{in: "fox —n 2 --seed 5", prompt: "fox", want: promptOptions{N: 2, Seed: 5}},
		{in: "fox --n 5", err: "from 1 to 4"},
		{in: "fox --n 0", err: "from 1 to 4"},
		{in: "fox --n two", err: "from 1 to 4"},
		{in: "make it night --from https://b.example/@ann/123 --seed 2", prompt: "make it night",
			want: promptOptions{Seed: 2, From: "https://b.example/@ann/123"}},
		{in: "night --from my cat", err: "--from takes the address"},
		{in: "night --from javascript:alert(1)", err: "--from takes the address"},
	}
	for _, tc := range cases {
		prompt, got, err := splitPromptOptions(tc.in)
		if tc.err != "" {
			if err == nil || apperr.StatusOf(err) != 422 || !strings.Contains(apperr.MessageOf(err), tc.err) {
				t.Errorf("%q: err = %v, want one saying %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || prompt != tc.prompt || got != tc.want {
			t.Errorf("%q = %q, %+v, %v; want %q, %+v", tc.in, prompt, got, err, tc.prompt, tc.want)
		}
	}
}
