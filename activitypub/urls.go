package activitypub

import (
	"net/url"
	"strconv"
	"strings"
)

// URLs builds the stable public URLs of local objects. They are part of the
// wire contract: once federated they must never change.
type URLs struct {
	Base string // scheme://host of the instance
	// MediaBase, when set, is the prefix of media URLs ([media.s3]
	// public_url); "" serves them at Base + "/media".
	MediaBase string
}

// Actor is the ActivityPub id of a local user.
func (u URLs) Actor(name string) string { return u.Base + "/users/" + name }

// Profile is the HTML profile page of a local user.
func (u URLs) Profile(name string) string { return u.Base + "/@" + name }

// Inbox is a local user's personal inbox.
func (u URLs) Inbox(name string) string { return u.Actor(name) + "/inbox" }

// Outbox is a local user's outbox collection.
func (u URLs) Outbox(name string) string { return u.Actor(name) + "/outbox" }

// Followers is a local user's followers collection; it is also the audience
// marker of followers-only posts (interop.md A.8).
func (u URLs) Followers(name string) string { return u.Actor(name) + "/followers" }

// Following is a local user's following collection.
func (u URLs) Following(name string) string { return u.Actor(name) + "/following" }

// Featured is a local user's pinned-posts collection.
func (u URLs) Featured(name string) string { return u.Actor(name) + "/collections/featured" }

// SharedInbox is the instance's shared inbox.
func (u URLs) SharedInbox() string { return u.Base + "/inbox" }

// InstanceActor is the id of the instance actor.
func (u URLs) InstanceActor() string { return u.Base + "/actor" }

// Status is the ActivityPub id of a local status.
func (u URLs) Status(name string, id int64) string {
	return u.Actor(name) + "/statuses/" + strconv.FormatInt(id, 10)
}

// StatusPage is the HTML page of a local status.
func (u URLs) StatusPage(name string, id int64) string {
	return u.Profile(name) + "/" + strconv.FormatInt(id, 10)
}

// Activity is the id of a local activity that is not a status's Create.
func (u URLs) Activity(id string) string { return u.Base + "/activities/" + id }

// Tag is the HTML page of a hashtag.
func (u URLs) Tag(name string) string { return u.Base + "/tags/" + url.PathEscape(name) }

// Media is the public URL of a stored media file: the one place every
// media URL of the API, the ActivityPub documents, the pages and Web Push
// comes from. The /media/ route keeps serving every name whatever
// MediaBase is, so URLs federated before a switch to a public URL still
// work.
func (u URLs) Media(name string) string {
	if u.MediaBase != "" {
		return u.MediaBase + "/" + name
	}
	return u.Base + "/media/" + name
}

// ParseLocal reads a local address a user may paste into search: a profile
// page (/@name) or actor id (/users/name), or a post's page (/@name/ID) or id
// (/users/name/statuses/ID), on this instance's scheme and host. It returns
// the account name and, for a post, the status id; ok is false for anything
// else.
func (u URLs) ParseLocal(raw string) (name string, statusID int64, ok bool) {
	base, err := url.Parse(u.Base)
	if err != nil {
		return "", 0, false
	}
	p, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(p.Scheme, base.Scheme) || !strings.EqualFold(p.Host, base.Host) ||
		p.RawQuery != "" || p.Fragment != "" {
		return "", 0, false
	}
	parts := strings.Split(strings.TrimSuffix(p.Path, "/"), "/")
	var id string
	switch {
	case len(parts) == 2 && strings.HasPrefix(parts[1], "@"): // /@name
		name = parts[1][1:]
	case len(parts) == 3 && strings.HasPrefix(parts[1], "@"): // /@name/ID
		name, id = parts[1][1:], parts[2]
	case len(parts) == 3 && parts[1] == "users": // /users/name
		name = parts[2]
	case len(parts) == 5 && parts[1] == "users" && parts[3] == "statuses": // /users/name/statuses/ID
		name, id = parts[2], parts[4]
	default:
		return "", 0, false
	}
	if name == "" || strings.Contains(name, "@") {
		return "", 0, false
	}
	if id != "" {
		if statusID, err = strconv.ParseInt(id, 10, 64); err != nil || statusID <= 0 {
			return "", 0, false
		}
	}
	return name, statusID, true
}
