package genimage

import (
	"errors"
	"net/http"
	"testing"

	"github.com/pictor-social/pictor/internal/apperr"
)

func asRefusal(err error, re **RefusalError) bool { return errors.As(err, re) }

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		w, h int
		ok   bool
	}{
		{"1024x1024", 1024, 1024, true},
		{" 1536X1024 ", 1536, 1024, true},
		{"auto", 0, 0, false},
		{"", 0, 0, false},
		{"0x10", 0, 0, false},
		{"10x-1", 0, 0, false},
		{"axb", 0, 0, false},
		{"1024", 0, 0, false},
	}
	for _, tc := range cases {
		w, h, ok := ParseSize(tc.in)
		if w != tc.w || h != tc.h || ok != tc.ok {
			t.Errorf("ParseSize(%q) = %d, %d, %v; want %d, %d, %v", tc.in, w, h, ok, tc.w, tc.h, tc.ok)
		}
	}
	if got := FormatSize(1536, 1024); got != "1536x1024" {
		t.Errorf("FormatSize = %q", got)
	}
}

func TestRefusalErrorMessage(t *testing.T) {
	cases := []struct {
		err  *RefusalError
		want string
	}{
		{&RefusalError{Stage: StageOutput, Categories: []string{"sexual"}},
			"The image provider's safety system refused this request (stage: output; categories: sexual). Please rephrase your prompt."},
		{&RefusalError{},
			"The image provider's safety system refused this request. Please rephrase your prompt."},
		{&RefusalError{Stage: StagePrompt, Categories: []string{"word-list"}, Message: `contains "gore"`},
			`This prompt was refused by this server's content rules (categories: word-list; contains "gore"). Please rephrase your prompt.`},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q\nwant      %q", got, tc.want)
		}
		var err error = tc.err
		if apperr.StatusOf(err) != http.StatusUnprocessableEntity || apperr.MessageOf(err) != tc.want {
			t.Errorf("apperr view = %d %q", apperr.StatusOf(err), apperr.MessageOf(err))
		}
	}
}
