package genimage

import (
	"strings"
	"unicode/utf8"

	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Labels mark every generated image for people and machines (product.md
// 4.1): the alt text says so and carries the prompt, the post carries a
// visible line and a hashtag that Mastodon keyword filters match, and the
// media rows carry backend and model, from which activitypub renders
// `generator` and `digitalSourceType`.

// maxAltChars matches social's default description limit.
const maxAltChars = 1500

// AltText returns the prefilled, editable alt text of a generated image:
// "AI-generated image (<backend> <model>). Prompt: <prompt>", cut to fit the
// description limit.
func AltText(p Provenance, prompt string) string {
	return social.Truncate("AI-generated image ("+generatorName(p)+"). Prompt: "+strings.TrimSpace(prompt), maxAltChars)
}

func generatorName(p Provenance) string {
	return strings.TrimSpace(p.Backend + " " + p.Model)
}

// LabelLine returns the visible line added to a generated post, e.g.
// "AI-generated image (builtin pictor-abstract-1) #AIGenerated".
func (s *Service) LabelLine(p Provenance) string {
	return s.social.AILabelLine(p.Backend, p.Model)
}

// postText composes the text of a generated post: the user's text (or the
// prompt), then the label line, within the status length limit. The user's
// part is shortened, never the label.
func (s *Service) postText(prefix, body string, p Provenance) string {
	label := s.LabelLine(p)
	limit := s.social.Options().MaxChars - utf8.RuneCountInString(prefix) - utf8.RuneCountInString(label) - 2
	body = social.Truncate(strings.TrimSpace(body), max(limit, 0))
	if body == "" {
		return prefix + label
	}
	return prefix + body + "\n\n" + label
}

// providerOf returns the provenance recorded on a job's media.
func providerOf(j store.Job) Provenance {
	return Provenance{Backend: j.Backend, Model: j.Model}
}
