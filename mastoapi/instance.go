package mastoapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// MastodonVersion is the Mastodon release whose version-gated API Pictor
// implements: edits and their history (3.5), v1 and v2 keyword filters (4.0),
// alt-text edits through media_attributes (4.1), v2 instance (4.0). It stays
// below 4.3 because grouped notifications are not implemented; apps parse
// it to switch features on (interop.md C.5, checklist 58).
const MastodonVersion = "4.2.0"

// version is the compatible version string, e.g. "4.2.0 (compatible; Pictor 0.1.0)".
func (h *Handler) version() string {
	v := h.opts.SoftwareVersion
	if v == "" {
		v = "0.0.0"
	}
	return MastodonVersion + " (compatible; Pictor " + v + ")"
}

// streamingURL is the WebSocket origin apps connect to (they append
// /api/v1/streaming); Elk and Phanpy stream only when it is set.
func (h *Handler) streamingURL() string {
	u := h.opts.BaseURL
	if rest, ok := strings.CutPrefix(u, "https://"); ok {
		return "wss://" + rest
	}
	return "ws://" + strings.TrimPrefix(u, "http://")
}

func (h *Handler) domain() string { return h.fed.Host() }

func (h *Handler) rules() []Rule {
	out := make([]Rule, 0, len(h.opts.Rules))
	for i, r := range h.opts.Rules {
		out = append(out, Rule{ID: strconv.Itoa(i + 1), Text: r, Hint: ""})
	}
	return out
}

// mediaConfig is the media_attachments configuration both instance
// versions share.
func (h *Handler) mediaConfig() map[string]any {
	lim := h.mediaLimits()
	return map[string]any{
		"supported_mime_types":   []string{media.TypeJPEG, media.TypePNG, media.TypeGIF, media.TypeWebP},
		"image_size_limit":       lim.MaxUploadBytes,
		"image_matrix_limit":     lim.MaxPixels,
		"video_size_limit":       0,
		"video_frame_rate_limit": 0,
		"video_matrix_limit":     0,
		"description_limit":      h.social.Options().MaxDescription,
	}
}

// mediaLimits are the upload limits in force (defaults for unset fields).
func (h *Handler) mediaLimits() media.Limits {
	lim, def := h.social.Options().Media, media.DefaultLimits()
	if lim.MaxUploadBytes <= 0 {
		lim.MaxUploadBytes = def.MaxUploadBytes
	}
	if lim.MaxPixels <= 0 {
		lim.MaxPixels = def.MaxPixels
	}
	return lim
}

func (h *Handler) statusesConfig() map[string]any {
	return map[string]any{"max_characters": h.social.Options().MaxChars,
		"max_media_attachments": h.social.Options().MaxMedia, "characters_reserved_per_url": 23}
}

// pollsConfig is configuration.polls: Mastodon's default limits, which
// social enforces (Ice Cubes requires all four; interop.md C.5).
func pollsConfig() map[string]any {
	return map[string]any{"max_options": social.PollMaxOptions, "max_characters_per_option": social.PollMaxOptionChars,
		"min_expiration": int(social.PollMinExpiration.Seconds()), "max_expiration": int(social.PollMaxExpiration.Seconds())}
}

// contactAccount renders the first admin, or the first local account; nil
// when there is none.
func (h *Handler) contactAccount(ctx context.Context) (*Account, error) {
	list, err := h.db.LocalAccounts(ctx)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	pick := list[0]
	for _, a := range list {
		if u, err := h.db.UserByAccountID(ctx, a.ID); err == nil && u.Admin {
			pick = a
			break
		}
	}
	e, err := h.account(ctx, pick)
	return &e, err
}

func (h *Handler) thumbnailURL() string { return h.opts.BaseURL + defaultHeaderPath }

func (h *Handler) instanceV2(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	users, err := h.db.CountLocalUsers(ctx)
	if err != nil {
		return err
	}
	contact, err := h.contactAccount(ctx)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"domain": h.domain(), "title": h.opts.Title, "version": h.version(),
		"source_url": "https://github.com/pictor-social/pictor", "description": h.opts.Description,
		"usage":     map[string]any{"users": map[string]any{"active_month": users}},
		"thumbnail": map[string]any{"url": h.thumbnailURL(), "blurhash": nil, "versions": map[string]any{}},
		"icon":      []any{map[string]any{"src": h.opts.BaseURL + defaultAvatarPath, "size": "400x400"}},
		"languages": []string{"en"},
		"configuration": map[string]any{
			"urls": map[string]any{"streaming": h.streamingURL(), "status": nil, "about": h.opts.BaseURL + "/about",
				"privacy_policy": nil, "terms_of_service": nil},
			"vapid": map[string]any{"public_key": h.vapidKey()},
			"accounts": map[string]any{"max_featured_tags": 0, "max_pinned_statuses": social.MaxPins,
				"max_display_name_length": 30, "max_note_length": 500, "max_profile_fields": 4,
				"profile_field_name_limit": 255, "profile_field_value_limit": 255},
			"statuses":          h.statusesConfig(),
			"media_attachments": h.mediaConfig(),
			"polls":             pollsConfig(),
			"translation":       map[string]any{"enabled": false},
			"timelines_access": map[string]any{"live_feeds": map[string]any{"local": "public", "remote": "public"},
				"hashtag_feeds": map[string]any{"local": "public", "remote": "public"}, "trending_link_feeds": map[string]any{"local": "disabled", "remote": "disabled"}},
			"limited_federation": false,
		},
		"registrations": map[string]any{"enabled": h.opts.RegistrationsOpen, "approval_required": false,
			"reason_required": false, "message": nil, "min_age": nil, "url": nil},
		"api_versions": map[string]any{"mastodon": 1},
		"contact":      map[string]any{"email": h.opts.ContactEmail, "account": contact},
		"rules":        h.rules(),
	})
}

func (h *Handler) instanceV1(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	users, err := h.db.CountLocalUsers(ctx)
	if err != nil {
		return err
	}
	statuses, err := h.db.CountLocalStatuses(ctx)
	if err != nil {
		return err
	}
	domains, err := h.db.CountDomains(ctx)
	if err != nil {
		return err
	}
	contact, err := h.contactAccount(ctx)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"uri": h.domain(), "title": h.opts.Title, "short_description": h.opts.Description,
		"description": h.opts.Description, "email": h.opts.ContactEmail, "version": h.version(),
		"urls":      map[string]any{"streaming_api": h.streamingURL()},
		"stats":     map[string]any{"user_count": users, "status_count": statuses, "domain_count": domains},
		"thumbnail": h.thumbnailURL(), "languages": []string{"en"},
		"registrations": h.opts.RegistrationsOpen, "approval_required": false, "invites_enabled": false,
		"configuration": map[string]any{
			"accounts":          map[string]any{"max_featured_tags": 0},
			"statuses":          h.statusesConfig(),
			"media_attachments": h.mediaConfig(),
			"polls":             pollsConfig(),
		},
		"contact_account": contact,
		"rules":           h.rules(),
	})
}

func (h *Handler) instanceRules(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, h.rules())
}

func (h *Handler) extendedDescription(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"updated_at": Time(store.IDTime(0)), "content": h.opts.Description})
}
