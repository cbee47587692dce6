package mastoapi

import (
	"crypto/sha256"
	"encoding/hex"
	"html"
	"net/http"
	"strings"

	"github.com/pictor-social/pictor/store"
)

// defaultPrivacyPolicy is served when the config sets none: what Pictor
// itself stores and sends, in plain words.
const defaultPrivacyPolicy = `This server stores what you give it: your account name, e-mail address and password (only as a hash), your profile, your posts, images and the prompts used to generate them, and whom you follow, like, boost, block and mute.

Public and unlisted posts and your profile are sent to other fediverse servers that follow you or are mentioned, and can be seen by anyone there. Followers-only posts go to your followers' servers; direct posts to the servers of the people they mention. Other servers keep their own copies, which this server cannot delete, although it asks them to when you delete a post or your account.

When image generation uses an external provider, the prompt is sent to that provider. The server keeps the addresses of recent requests briefly to limit abuse. No data is sold or used for advertising.

You can download, change or delete your posts and delete your account at any time; deleting the account removes your data from this server.`

// privacyPolicy serves GET /api/v1/instance/privacy_policy, to anyone.
func (h *Handler) privacyPolicy(w http.ResponseWriter, r *http.Request) error {
	text := h.opts.PrivacyPolicy
	if strings.TrimSpace(text) == "" {
		text = defaultPrivacyPolicy
	}
	return writeJSON(w, http.StatusOK, map[string]any{"updated_at": Time(store.IDTime(0)), "content": paragraphs(text)})
}

// paragraphs renders plain text as HTML paragraphs, one per blank-line
// separated block, with single line breaks kept.
func paragraphs(text string) string {
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(p), "\n", "<br>") + "</p>")
		}
	}
	return b.String()
}

// translationLanguages serves GET /api/v1/instance/translation_languages:
// Pictor translates nothing, so the map is empty.
func (h *Handler) translationLanguages(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string][]string{})
}

// DomainBlock is an admin domain block as Mastodon publishes it. Pictor's
// blocks refuse everything from the domain, Mastodon's "suspend".
type DomainBlock struct {
	Domain   string  `json:"domain"`
	Digest   string  `json:"digest"`
	Severity string  `json:"severity"`
	Comment  *string `json:"comment,omitempty"`
}

// visibleTo reports whether a setting of disabled, users or all lets the
// caller (signed in or not) see something.
func visibleTo(setting string, signedIn bool) bool {
	return setting == "all" || (setting == "users" && signedIn)
}

// instanceDomainBlocks serves GET /api/v1/instance/domain_blocks as the
// config's show_domain_blocks allows; otherwise 404, as Mastodon answers.
func (h *Handler) instanceDomainBlocks(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, "")
	if err != nil {
		return err
	}
	if !visibleTo(h.opts.ShowDomainBlocks, viewer != 0) {
		return errNotFound()
	}
	list, err := h.db.DomainBlocks(r.Context())
	if err != nil {
		return err
	}
	rationale := visibleTo(h.opts.ShowBlockRationale, viewer != 0)
	out := make([]DomainBlock, 0, len(list))
	for _, b := range list {
		sum := sha256.Sum256([]byte(b.Domain))
		e := DomainBlock{Domain: b.Domain, Digest: hex.EncodeToString(sum[:]), Severity: "suspend"}
		if rationale {
			reason := b.Reason
			e.Comment = &reason
		}
		out = append(out, e)
	}
	return writeJSON(w, http.StatusOK, out)
}
