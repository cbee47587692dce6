package assistant

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// maxDescriptionRunes is Mastodon's limit on a media description.
const maxDescriptionRunes = 1500

const describeSystem = `You write alt text: a description of an image for people who cannot see it.
Describe what is actually visible: the subject, setting, colours, any text in the image, and the mood when it matters.
Use one to three plain sentences, at most 600 characters, in %s. Do not start with "Image of" or "A picture of",
do not guess who real people are, and answer with the description only.`

// Describe returns a suggested description (alt text) for the image
// mediaID, which must be accountID's own, uploaded or generated (404
// otherwise). The image itself (its stored thumbnail, at most 640 pixels a
// side) goes to the vision model; without one it fails with ErrNoVision
// (422). The description is in accountID's posting language, else lang (an
// ISO 639 code, e.g. from Accept-Language), else English. Each call counts
// against the daily descriptions quota; nothing is stored: the user edits
// the text and saves it as the description.
func (s *Service) Describe(ctx context.Context, accountID, mediaID int64, lang string) (string, error) {
	m, err := s.db.MediaByID(ctx, mediaID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.AccountID != accountID) {
		return "", apperr.NotFound("Record not found")
	}
	if err != nil {
		return "", err
	}
	if !s.Client.Vision() {
		return "", fail(ErrNoVision, apperr.Invalid("image descriptions need an image-capable model, which this server has not configured"), nil)
	}
	name := cmp.Or(m.ThumbName, m.FileName)
	if name == "" || s.openMedia == nil {
		return "", apperr.Invalid("this image has no local copy to describe")
	}
	img, err := s.readImage(name)
	if err != nil {
		return "", err
	}
	// The posting language is a preference: without it (never set, or not
	// readable now) the description follows lang.
	d, err := s.db.PostingDefaultsOf(ctx, accountID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("assistant posting language unreadable", "err", err)
	}
	if err == nil && d.Language != "" {
		lang = d.Language
	}
	if lang == "" {
		lang = "en"
	}
	text := "Describe this image."
	if p := cmp.Or(m.RevisedPrompt, m.Prompt); p != "" {
		text += fmt.Sprintf(" It was made by an image generator from the prompt %q; describe what the image shows, not the prompt.", cut(p, maxAltRunes))
	}
	answer, err := s.Call(ctx, accountID, FeatureDescriptions, Request{
		System:    fmt.Sprintf(describeSystem, languageName(lang)),
		Messages:  []Message{{Role: RoleUser, Text: text}},
		Images:    []Image{img},
		MaxTokens: 300,
	})
	if err != nil {
		return "", err
	}
	return cleanDescription(answer), nil
}

// cleanDescription drops fences, quotes and a "Alt text:" lead-in the model
// may add, and bounds the length.
func cleanDescription(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "```") {
		s = strings.TrimPrefix(s, "```")
		if nl := strings.IndexByte(s, '\n'); nl >= 0 && !strings.Contains(s[:nl], " ") {
			s = s[nl+1:]
		}
		s = strings.TrimSuffix(strings.TrimSpace(s), "```")
	}
	for _, lead := range []string{"Alt text:", "Alt-text:", "Description:"} {
		if len(s) >= len(lead) && strings.EqualFold(s[:len(lead)], lead) {
			s = s[len(lead):]
		}
	}
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), `"“”`))
	return cut(s, maxDescriptionRunes)
}
