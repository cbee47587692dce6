package mastoapi

import (
	"context"
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

// accountEntities renders the accounts with the given ids in two queries
// plus the local counts; unknown ids are left out.
func (h *Handler) accountEntities(ctx context.Context, ids []int64) (map[int64]Account, error) {
	accts, err := h.db.AccountsByIDs(ctx, uniq(ids))
	if err != nil {
		return nil, err
	}
	return h.renderAccounts(ctx, accts)
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
	srcFields := make([]Field, 0, len(a.Fields))
	for _, f := range a.Fields {
		srcFields = append(srcFields, Field{Name: f.Name, Value: social.PlainText(f.Value)})
	}
	return CredentialAccount{Account: e, Source: Source{
		Privacy: "public", Note: a.NoteSource, Fields: srcFields, FollowRequestsCount: requests,
		Discoverable: a.Discoverable, Indexable: a.Indexable,
	}, Role: Role{ID: "-99", Permissions: "0", Color: ""}}, nil
}

// relationship renders a store relationship.
func relationshipEntity(id int64, r store.Relationship) Relationship {
	return Relationship{ID: store.FormatID(id), Following: r.Following, ShowingReblogs: r.Following || r.Requested,
		Notifying: false, Languages: nil, FollowedBy: r.FollowedBy, Blocking: r.Blocking, BlockedBy: r.BlockedBy,
		Muting: r.Muting, MutingNotifications: r.MutingNotifications, Requested: r.Requested, RequestedBy: r.RequestedBy,
		DomainBlocking: r.DomainBlocking}
}

func uniq(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
