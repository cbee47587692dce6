package mastoapi

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/pictor-social/pictor/internal/htmlsan"
	"github.com/pictor-social/pictor/social"

	"github.com/pictor-social/pictor/store"
)

// Default images for accounts without their own (Toot! breaks on empty
// avatar or header URLs; interop.md C.2).
const (
	defaultAvatarPath = "/static/img/avatar.png"
	defaultHeaderPath = "/static/img/header.png"
)

// accountEntity renders an account; stats give the counts of local
// accounts (remote ones carry the counts their server published) and
// last_status_at of every account from the posts seen here.
func (h *Handler) accountEntity(a store.Account, stats store.AccountStats) Account {
	e := Account{
		ID: store.FormatID(a.ID), Username: a.Username, Acct: a.Acct(), DisplayName: a.DisplayName,
		Locked: a.Locked, Bot: a.Bot || a.ActorType == "Service" || a.ActorType == "Application",
		Discoverable: a.Discoverable, Indexable: a.Indexable, Group: a.ActorType == "Group",
		CreatedAt: Time(a.CreatedAt.UTC().Truncate(24 * time.Hour)), Note: a.Note, URL: htmlsan.URLOr(a.URL, ""), URI: a.URI,
		Avatar: h.imageURL(a.AvatarFile, a.AvatarURL, defaultAvatarPath), Header: h.imageURL(a.HeaderFile, a.HeaderURL, defaultHeaderPath),
		FollowersCount: a.FollowersCount, FollowingCount: a.FollowingCount, StatusesCount: a.StatusesCount,
		Emojis: []Emoji{}, Roles: []any{}, Fields: fieldEntities(a.Fields), Noindex: !a.Indexable,
	}
	if e.URL == "" {
		e.URL = a.URI
	}
	if e.DisplayName == "" {
		e.DisplayName = a.Username
	}
	e.AvatarStatic, e.HeaderStatic = e.Avatar, e.Header
	if a.Local() {
		e.FollowersCount, e.FollowingCount, e.StatusesCount = stats.Followers, stats.Following, stats.Statuses
	}
	if !stats.LastStatusAt.IsZero() {
		d := stats.LastStatusAt.UTC().Format("2006-01-02")
		e.LastStatusAt = &d
	}
	return e
}

func fieldEntities(fields []store.Field) []Field {
	out := make([]Field, 0, len(fields))
	for _, f := range fields {
		out = append(out, Field{Name: f.Name, Value: f.Value, VerifiedAt: timePtr(f.VerifiedAt)})
	}
	return out
}

// imageURL picks a local file, else a remote http(s) URL, else the default
// image.
func (h *Handler) imageURL(file, remote, fallback string) string {
	switch {
	case file != "":
		return h.fed.URLs.Media(file)
	case htmlsan.SafeURL(remote):
		return remote
	}
	return h.opts.BaseURL + fallback
}

// accountEntities renders the accounts with the given ids, unknown ids
// left out: from the rendered-account cache where it holds the current
// version, the others from their rows and counts (two queries for those
// the store's account cache does not hold, plus the counts).
func (h *Handler) accountEntities(ctx context.Context, ids []int64) (map[int64]Account, error) {
	ids = uniq(ids)
	// Versions first, so what is read below is at least as new.
	versions, cacheable := h.db.AccountVersions(ids)
	out := make(map[int64]Account, len(ids))
	missing := ids
	if cacheable {
		missing = h.accounts.get(versions, out)
		if len(missing) == 0 {
			return out, nil
		}
	}
	accts, err := h.db.AccountsByIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	rendered, err := h.renderAccounts(ctx, accts)
	if err != nil {
		return nil, err
	}
	for id, e := range rendered {
		if cacheable {
			var encErr error
			e.enc = appendAccount(nil, &e, &encErr)
			if encErr != nil {
				e.enc = nil
			} else {
				h.accounts.put(id, versions[id], e)
			}
		}
		out[id] = e
	}
	return out, nil
}

// maxRenderedAccounts bounds the rendered-account cache: about 1.5 KB an
// account with its encoding.
const maxRenderedAccounts = 10_000

// renderedAccounts keeps account entities, with their JSON encoding, by
// account id and the store's version of the account (store.AccountVersions):
// an entry is served only while the version is current, and a version
// changes with every change of the rows the entity is made of, so no
// change is ever missed. The entity is the same for every viewer (nothing
// in it depends on who asks), so no viewer sees what another may not.
type renderedAccounts struct {
	mu sync.Mutex
	m  map[int64]renderedAccount
}

type renderedAccount struct {
	version uint64
	e       Account
}

// get copies the entities whose cached version is current into out and
// returns the ids missing.
func (c *renderedAccounts) get(versions map[int64]uint64, out map[int64]Account) (missing []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, v := range versions {
		if r, ok := c.m[id]; ok && r.version == v {
			out[id] = r.e
		} else {
			missing = append(missing, id)
		}
	}
	return missing
}

func (c *renderedAccounts) put(id int64, version uint64, e Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxRenderedAccounts {
		c.m = make(map[int64]renderedAccount) // rare: the working set is far smaller
	}
	c.m[id] = renderedAccount{version: version, e: e}
}

func (h *Handler) renderAccounts(ctx context.Context, accts map[int64]store.Account) (map[int64]Account, error) {
	ids := make([]int64, 0, len(accts))
	for id := range accts {
		ids = append(ids, id)
	}
	stats, err := h.db.LocalAccountStats(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Account, len(accts))
	for id, a := range accts {
		out[id] = h.accountEntity(a, stats[id])
	}
	return out, nil
}

// accountList renders ids in order, skipping unknown ones.
func (h *Handler) accountList(ctx context.Context, ids []int64) ([]Account, error) {
	m, err := h.accountEntities(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(ids))
	for _, id := range ids {
		if a, ok := m[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// account renders one account.
func (h *Handler) account(ctx context.Context, a store.Account) (Account, error) {
	m, err := h.renderAccounts(ctx, map[int64]store.Account{a.ID: a})
	if err != nil {
		return Account{}, err
	}
	return m[a.ID], nil
}

// credentialAccount renders the signed-in user's account with its source.
func (h *Handler) credentialAccount(ctx context.Context, a store.Account) (CredentialAccount, error) {
	e, err := h.account(ctx, a)
	if err != nil {
		return CredentialAccount{}, err
	}
	requests, err := h.db.CountFollowRequests(ctx, a.ID)
	if err != nil {
		return CredentialAccount{}, err
	}
	def, err := h.social.PostingDefaults(ctx, a.ID)
	if err != nil {
		return CredentialAccount{}, err
	}
	srcFields := make([]Field, 0, len(a.Fields))
	for _, f := range a.Fields {
		srcFields = append(srcFields, Field{Name: f.Name, Value: social.PlainText(f.Value)})
	}
	return CredentialAccount{Account: e, Source: Source{
		Privacy: def.Visibility, Sensitive: def.Sensitive, Language: nullString(def.Language),
		Note: a.NoteSource, Fields: srcFields, FollowRequestsCount: requests,
		Discoverable: a.Discoverable, Indexable: a.Indexable,
	}, Role: Role{ID: "-99", Permissions: "0", Color: ""}}, nil
}

// nullString is nil for "", as Mastodon sends null for unset strings.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// relationship renders a store relationship.
func relationshipEntity(id int64, r store.Relationship) Relationship {
	return Relationship{ID: store.FormatID(id), Following: r.Following, ShowingReblogs: (r.Following || r.Requested) && !r.HidingReblogs,
		Notifying: r.Notifying, Languages: nil, FollowedBy: r.FollowedBy, Blocking: r.Blocking, BlockedBy: r.BlockedBy,
		Muting: r.Muting, MutingNotifications: r.MutingNotifications, Requested: r.Requested, RequestedBy: r.RequestedBy,
		DomainBlocking: r.DomainBlocking, Endorsed: r.Endorsed, Note: r.Note}
}

// uniq returns ids without zeros and repeats, in first-seen order. A page's
// ids are few and mostly repeats (one author, many posts): comparing each
// with the distinct ones kept is cheaper than a map until there are many.
func uniq(ids []int64) []int64 {
	out := make([]int64, 0, min(len(ids), 8))
	var seen map[int64]bool
	for _, id := range ids {
		if id == 0 {
			continue
		}
		if seen == nil && len(out) < 32 {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
			continue
		}
		if seen == nil {
			seen = make(map[int64]bool, len(ids))
			for _, k := range out {
				seen[k] = true
			}
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
