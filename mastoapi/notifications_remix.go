package mastoapi

import (
	"slices"

	"github.com/pictor-social/pictor/store"
)

// Pictor's own notification types
//
// A remix of a post (issue 12) gives its author a notification of type
// "pictor.remix" with the remix as its status. Mastodon apps do not know
// the type and some show unknown types as blank rows, so the API hides it
// unless a client names it: GET /api/v1/notifications returns pictor.remix
// notifications only when types[] includes "pictor.remix"; GET
// /api/v1/notifications/:id returns any of the caller's. They are never
// sent on the streaming API nor by Web Push (no subscription alert names
// them). The web pages (/notifications) show them.

// pictorTypes are the notification types only clients that ask see.
var pictorTypes = []string{store.NotifyRemix}

// hidePictorTypes returns f's excluded types plus the Pictor types that
// f.Types does not ask for.
func hidePictorTypes(f store.NotificationFilter) []string {
	out := f.ExcludeTypes
	for _, t := range pictorTypes {
		if !slices.Contains(f.Types, t) {
			out = append(out, t)
		}
	}
	return out
}
