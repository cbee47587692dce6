package mastoapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// maxSearchQuery bounds the search text.
const maxSearchQuery = 500

// search serves GET /api/v2/search. A URL naming a local post or profile
// (page or id) or a known remote id is answered from the store; with
// resolve=true and a user token, an @user@host handle is looked up by
// WebFinger and any other http(s) URL is fetched as a post or an account
// (interop.md C.4, checklist 66); otherwise local accounts and hashtags are
// matched by prefix. A failed lookup is an empty result, never an error.
func (h *Handler) search(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeReadSearch)
	if err != nil {
		return err
	}
	p, _ := readParams(nil, r, 0)
	q := strings.TrimSpace(p.str("q"))
	if len(q) > maxSearchQuery {
		return apperr.Invalid("the search text is too long")
	}
	limit := pageOf(r, defaultLimit, maxLimit).Limit
	offset, _ := strconv.Atoi(p.str("offset"))
	if viewer == 0 {
		offset = 0 // as Mastodon: offset and resolve need a user token
	}
	resolve := p.boolean("resolve") && viewer != 0
	typ := p.str("type")
	res := SearchResults{Accounts: []Account{}, Statuses: []Status{}, Hashtags: []Tag{}}
	ctx := r.Context()
	if q == "" {
		return writeJSON(w, http.StatusOK, res)
	}
	if strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://") {
		if err := h.searchURL(ctx, viewer, q, resolve, typ, &res); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, res)
	}
	if typ == "" || typ == "accounts" {
		if res.Accounts, err = h.findAccounts(ctx, viewer, q, resolve, limit, max(offset, 0)); err != nil {
			return err
		}
	}
	if (typ == "" || typ == "hashtags") && offset == 0 && !strings.Contains(strings.TrimPrefix(q, "@"), "@") {
		if res.Hashtags, err = h.searchTags(ctx, viewer, q, limit); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, res)
}

// searchURL resolves a URL to a post or an account: a local address (page or
// id) and a known remote id from the store, and with resolve any other
// address through activitypub.LookupURL. Every lookup failure is an empty
// result, never an error (Mastodon answers 200 with nothing found).
func (h *Handler) searchURL(ctx context.Context, viewer int64, u string, resolve bool, typ string, res *SearchResults) error {
	st, a, err := h.lookupURL(ctx, u, resolve)
	if err != nil {
		if !ignorableLookup(err) {
			h.log.Info("search lookup failed", "url", u, "err", err)
		}
		return nil
	}
	if st.ID != 0 && st.DeletedAt.IsZero() && (typ == "" || typ == "statuses") {
		if ok, err := h.social.CanSee(ctx, viewer, st); err != nil || !ok {
			return err
		}
		e, err := h.statusEntity(ctx, viewer, st)
		if err != nil {
			return err
		}
		res.Statuses = append(res.Statuses, e)
	}
	if a.ID != 0 && a.DeletedAt.IsZero() && a.SuspendedAt.IsZero() && (typ == "" || typ == "accounts") {
		e, err := h.account(ctx, a)
		if err != nil {
			return err
		}
		res.Accounts = append(res.Accounts, e)
	}
	return nil
}

// lookupURL finds what u names: a post (Status set) or an account (Account
// set). Local addresses are never fetched.
func (h *Handler) lookupURL(ctx context.Context, u string, resolve bool) (store.Status, store.Account, error) {
	if name, id, ok := h.fed.URLs.ParseLocal(u); ok {
		a, err := h.db.AccountByHandle(ctx, name, "")
		if err != nil || id == 0 {
			return store.Status{}, a, err
		}
		st, err := h.db.StatusByID(ctx, id)
		if err == nil && st.AccountID != a.ID {
			err = store.ErrNotFound
		}
		return st, store.Account{}, err
	}
	if st, err := h.db.StatusByURI(ctx, u); !errors.Is(err, store.ErrNotFound) {
		return st, store.Account{}, err
	}
	if a, err := h.db.AccountByURI(ctx, u); !errors.Is(err, store.ErrNotFound) {
		return store.Status{}, a, err
	}
	if !resolve || h.fed.IsLocalURI(u) {
		return store.Status{}, store.Account{}, store.ErrNotFound
	}
	found, err := h.fed.LookupURL(ctx, u)
	return found.Status, found.Account, err
}

// searchTags renders the hashtags whose names start with q as Mastodon's Tag
// entity: id, week of history and, for a signed-in viewer, following.
func (h *Handler) searchTags(ctx context.Context, viewer int64, q string, limit int) ([]Tag, error) {
	names, err := h.db.SearchTags(ctx, q, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Tag, 0, len(names))
	for _, name := range names {
		t, err := h.db.TagByName(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			t, err = store.Tag{Name: name}, nil
		}
		if err != nil {
			return nil, err
		}
		e, err := h.tagEntity(ctx, viewer, t)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// ignorableLookup reports whether a failed lookup just means "no result".
func ignorableLookup(err error) bool {
	if err == nil || errors.Is(err, store.ErrNotFound) {
		return true
	}
	_, isUser := apperr.As(err)
	return isUser
}

// findAccounts matches a handle exactly (resolving remote ones by WebFinger
// when resolve is set) or local and known accounts by prefix.
func (h *Handler) findAccounts(ctx context.Context, viewer int64, q string, resolve bool, limit, offset int) ([]Account, error) {
	out := []Account{}
	var exact *store.Account
	if user, host, ok := splitHandle(q); ok && host != "" {
		var a store.Account
		var err error
		if resolve {
			a, err = h.fed.ResolveHandle(ctx, user, host)
		} else {
			if strings.EqualFold(host, h.domain()) {
				host = ""
			}
			a, err = h.db.AccountByHandle(ctx, user, host)
		}
		if err != nil && !ignorableLookup(err) {
			// A handle that cannot be resolved (refused address, unreachable
			// host, bad document) is no result, as in Mastodon.
			h.log.Info("search lookup failed", "handle", q, "err", err)
		}
		if err == nil && a.DeletedAt.IsZero() && a.SuspendedAt.IsZero() {
			exact = &a
		}
	}
	list, err := h.db.SearchAccounts(ctx, viewer, q, limit, offset)
	if err != nil {
		return nil, err
	}
	var ids []int64
	if exact != nil && offset == 0 {
		ids = append(ids, exact.ID)
	}
	for _, a := range list {
		if len(ids) < limit {
			ids = append(ids, a.ID)
		}
	}
	rendered, err := h.accountList(ctx, uniq(ids))
	if err != nil {
		return nil, err
	}
	return append(out, rendered...), nil
}

// splitHandle splits "@user@host" (or "user@host") into its parts.
func splitHandle(q string) (user, host string, ok bool) {
	user, host, ok = strings.Cut(strings.TrimPrefix(strings.TrimSpace(q), "@"), "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(user+host, "/@ ?#") {
		return "", "", false
	}
	return user, strings.ToLower(host), true
}
