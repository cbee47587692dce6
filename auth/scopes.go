package auth

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Scope is one OAuth scope as Mastodon spells it: "read", "write:statuses",
// "admin:read:accounts", "push", "profile".
type Scope string

// The scopes that the client API checks, plus the broad ones that grant them.
const (
	ScopeRead    Scope = "read"
	ScopeWrite   Scope = "write"
	ScopeFollow  Scope = "follow" // deprecated by Mastodon; grants read/write of follows, blocks and mutes
	ScopePush    Scope = "push"
	ScopeProfile Scope = "profile" // only GET /api/v1/accounts/verify_credentials

	ScopeReadAccounts      Scope = "read:accounts"
	ScopeReadBlocks        Scope = "read:blocks"
	ScopeReadBookmarks     Scope = "read:bookmarks"
	ScopeReadFavourites    Scope = "read:favourites"
	ScopeReadFilters       Scope = "read:filters"
	ScopeReadFollows       Scope = "read:follows"
	ScopeReadLists         Scope = "read:lists"
	ScopeReadMutes         Scope = "read:mutes"
	ScopeReadNotifications Scope = "read:notifications"
	ScopeReadSearch        Scope = "read:search"
	ScopeReadStatuses      Scope = "read:statuses"

	ScopeWriteAccounts      Scope = "write:accounts"
	ScopeWriteBlocks        Scope = "write:blocks"
	ScopeWriteBookmarks     Scope = "write:bookmarks"
	ScopeWriteConversations Scope = "write:conversations"
	ScopeWriteFavourites    Scope = "write:favourites"
	ScopeWriteFilters       Scope = "write:filters"
	ScopeWriteFollows       Scope = "write:follows"
	ScopeWriteLists         Scope = "write:lists"
	ScopeWriteMedia         Scope = "write:media"
	ScopeWriteMutes         Scope = "write:mutes"
	ScopeWriteNotifications Scope = "write:notifications"
	ScopeWriteReports       Scope = "write:reports"
	ScopeWriteStatuses      Scope = "write:statuses"

	ScopeAdminRead  Scope = "admin:read"
	ScopeAdminWrite Scope = "admin:write"
)

// followGrants is what the deprecated "follow" scope stands for.
var followGrants = []Scope{ScopeReadFollows, ScopeWriteFollows, ScopeReadBlocks, ScopeWriteBlocks,
	ScopeReadMutes, ScopeWriteMutes}

// supportedScopes lists the scopes advertised in the RFC 8414 metadata, in
// Mastodon's order.
var supportedScopes = Scopes{ScopeRead, ScopeWrite, ScopePush, ScopeProfile, ScopeFollow,
	ScopeReadAccounts, ScopeReadBlocks, ScopeReadBookmarks, ScopeReadFavourites, ScopeReadFilters,
	ScopeReadFollows, ScopeReadLists, ScopeReadMutes, ScopeReadNotifications, ScopeReadSearch, ScopeReadStatuses,
	ScopeWriteAccounts, ScopeWriteBlocks, ScopeWriteBookmarks, ScopeWriteConversations, ScopeWriteFavourites,
	ScopeWriteFilters, ScopeWriteFollows, ScopeWriteLists, ScopeWriteMedia, ScopeWriteMutes,
	ScopeWriteNotifications, ScopeWriteReports, ScopeWriteStatuses,
	ScopeAdminRead, ScopeAdminWrite}

// SupportedScopes returns the scopes Pictor advertises (RFC 8414
// scopes_supported); the caller owns the returned slice.
func SupportedScopes() Scopes { return slices.Clone(supportedScopes) }

// wellFormedScope matches every scope Parse accepts: the plain ones and any
// granular read:x / write:x / admin:read:x / admin:write:x, so that apps
// asking for scopes newer than Pictor (oauth-dropins sends a long list) can
// still register (interop.md C.1).
var wellFormedScope = regexp.MustCompile(`^(?:read|write|follow|push|profile|(?:admin:)?(?:read|write)(?::[a-z][a-z_]{0,40})?)$`)

// Parsing limits, so a scope string cannot grow without bound.
const (
	maxScopes   = 64
	maxScopeLen = 64
)

// Scopes is a set of granted scopes in the order first given, without
// duplicates.
type Scopes []Scope

// Parse reads a scope list separated by spaces or '+' (some apps send the
// form-encoded separator literally). An empty string gives an empty set; the
// caller applies its default. A malformed scope is an error naming it.
func Parse(s string) (Scopes, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == '+' || unicode.IsSpace(r) })
	if len(fields) > maxScopes {
		return nil, fmt.Errorf("more than %d scopes", maxScopes)
	}
	out := make(Scopes, 0, len(fields))
	for _, f := range fields {
		if len(f) > maxScopeLen || !wellFormedScope.MatchString(f) {
			return nil, fmt.Errorf("unknown scope %q", truncate(f, maxScopeLen))
		}
		if !slices.Contains(out, Scope(f)) {
			out = append(out, Scope(f))
		}
	}
	return out, nil
}

// Has reports whether the set grants required: exactly, or through a broader
// scope ("read" grants every read:x, "write" every write:x, "admin:read"
// every admin:read:x, "follow" the follows, blocks and mutes scopes).
// ScopeProfile is granted by "profile", "read" and "read:accounts", while
// "profile" alone grants nothing else.
func (s Scopes) Has(required Scope) bool {
	for _, g := range s {
		if g.grants(required) {
			return true
		}
	}
	return false
}

func (g Scope) grants(req Scope) bool {
	if g == req {
		return true
	}
	switch g {
	case ScopeRead:
		return req == ScopeProfile || strings.HasPrefix(string(req), "read:")
	case ScopeWrite:
		return strings.HasPrefix(string(req), "write:")
	case ScopeAdminRead:
		return strings.HasPrefix(string(req), "admin:read:")
	case ScopeAdminWrite:
		return strings.HasPrefix(string(req), "admin:write:")
	case ScopeReadAccounts:
		return req == ScopeProfile
	case ScopeFollow:
		return slices.Contains(followGrants, req)
	}
	return false
}

// Covers reports whether every scope in req is granted by s; it is the
// subset test for an authorization or token request against an app's
// registered scopes.
func (s Scopes) Covers(req Scopes) bool {
	for _, r := range req {
		if !s.Has(r) {
			return false
		}
	}
	return true
}

// WithoutAdmin returns s without the admin:* scopes, which only an
// administrator's token may carry.
func (s Scopes) WithoutAdmin() Scopes {
	out := make(Scopes, 0, len(s))
	for _, sc := range s {
		if !strings.HasPrefix(string(sc), "admin:") {
			out = append(out, sc)
		}
	}
	return out
}

// String joins the scopes with single spaces, the wire form.
func (s Scopes) String() string {
	parts := make([]string, len(s))
	for i, sc := range s {
		parts[i] = string(sc)
	}
	return strings.Join(parts, " ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
