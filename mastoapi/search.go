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

// search serves GET /api/v2/search. With resolve=true and a user token, an
// @user@host handle is looked up by WebFinger and an https URL is fetched
// as a post or an account (interop.md C.4, checklist 66); otherwise local
// accounts and hashtags are matched by prefix.
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
		tags, err := h.db.SearchTags(ctx, q, limit)
		if err != nil {
			return err
		}
		for _, t := range tags {
			res.Hashtags = append(res.Hashtags, Tag{Name: t, URL: h.fed.URLs.Tag(t), History: []any{}})
		}
	}
	return writeJSON(w, http.StatusOK, res)
}

// searchURL resolves an https URL to a post or, failing that, an account.
// Unreachable or unknown URLs give empty results, not errors.
func (h *Handler) searchURL(ctx context.Context, viewer int64, u string, resolve bool, typ string, res *SearchResults) error {
	if typ == "" || typ == "statuses" {
		var st store.Status
		var err error
		if resolve {
			st, err = h.fed.FetchNote(ctx, u)
		} else {
			st, err = h.db.StatusByURI(ctx, u)
		}
		if err == nil && st.DeletedAt.IsZero() {
			if ok, err := h.social.CanSee(ctx, viewer, st); err != nil || !ok {
				return err
			}
			e, err := h.statusEntity(ctx, viewer, st)
			if err != nil {
				return err
			}
			res.Statuses = append(res.Statuses, e)
			return nil
		}
		if !ignorableLookup(err) {
			return err
		}
	}
	if typ == "" || typ == "accounts" {
		var a store.Account
		var err error
		if resolve {
			a, err = h.fed.FetchActor(ctx, u, false)
		} else {
			a, err = h.db.AccountByURI(ctx, u)
		}
		if err == nil {
			e, err := h.account(ctx, a)
			if err != nil {
				return err
			}
			res.Accounts = append(res.Accounts, e)
			return nil
		}
		if !ignorableLookup(err) {
			return err
		}
	}
	return nil
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
			return nil, err
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
