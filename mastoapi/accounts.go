package mastoapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// loadAccount returns the live account named by the {id} path variable, or 404.
func (h *Handler) loadAccount(r *http.Request) (store.Account, error) {
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return store.Account{}, err
	}
	a, err := h.db.AccountByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!a.DeletedAt.IsZero() || !a.SuspendedAt.IsZero())) {
		return store.Account{}, errNotFound()
	}
	return a, err
}

func (h *Handler) verifyCredentials(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, "")
	if err != nil {
		return err
	}
	if !g.Scopes.Has(auth.ScopeReadAccounts) && !g.Scopes.Has(auth.ScopeProfile) {
		return apperr.Forbidden("This action is outside the authorized scopes")
	}
	a, err := h.db.AccountByID(r.Context(), g.AccountID)
	if err != nil {
		return err
	}
	e, err := h.credentialAccount(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

func (h *Handler) updateCredentials(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteAccounts)
	if err != nil {
		return err
	}
	maxImage := h.mediaLimits().MaxUploadBytes
	// Two images, possibly as base64 data: URIs (a third larger), and the rest.
	p, err := readParams(w, r, 3*maxImage+(1<<20))
	if err != nil {
		return err
	}
	u := social.ProfileUpdate{DisplayName: p.opt("display_name"), Note: p.opt("note"), Locked: p.optBool("locked"),
		Bot: p.optBool("bot"), Discoverable: p.optBool("discoverable"),
		Privacy: p.opt("source[privacy]"), Sensitive: p.optBool("source[sensitive]"), Language: p.opt("source[language]")}
	if fields := p.objects("fields_attributes"); len(fields) > 0 {
		list := make([]store.Field, 0, len(fields))
		for _, f := range fields {
			list = append(list, store.Field{Name: f["name"], Value: f["value"]})
		}
		u.Fields = &list
	}
	for name, dest := range map[string]*io.Reader{"avatar": &u.Avatar, "header": &u.Header} {
		img, closer, err := p.image(name, maxImage)
		if err != nil {
			return err
		}
		if closer != nil {
			defer closer.Close()
		}
		*dest = img
	}
	a, err := h.social.UpdateProfile(r.Context(), g.AccountID, u)
	if err != nil {
		return err
	}
	e, err := h.credentialAccount(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

func (h *Handler) getAccount(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.viewer(r, auth.ScopeReadAccounts); err != nil {
		return err
	}
	a, err := h.loadAccount(r)
	if err != nil {
		return err
	}
	e, err := h.account(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

// lookupAccount serves GET /api/v1/accounts/lookup?acct=user[@domain] from
// the store, as Mastodon does (no WebFinger).
func (h *Handler) lookupAccount(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.viewer(r, auth.ScopeReadAccounts); err != nil {
		return err
	}
	acct := strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("acct")), "@")
	user, domain, _ := strings.Cut(acct, "@")
	if strings.EqualFold(domain, h.domain()) {
		domain = ""
	}
	if user == "" {
		return errNotFound()
	}
	a, err := h.db.AccountByHandle(r.Context(), user, domain)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!a.DeletedAt.IsZero() || !a.SuspendedAt.IsZero())) {
		return errNotFound()
	}
	if err != nil {
		return err
	}
	e, err := h.account(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

func (h *Handler) accountStatuses(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	a, err := h.loadAccount(r)
	if err != nil {
		return err
	}
	q, _ := readParams(w, r, 0)
	// Profile: the statuses viewer may see there (all for the author,
	// followers-only ones for accepted followers, none across a block).
	f := store.AccountFilter{Profile: true, Viewer: viewer, OnlyMedia: q.boolean("only_media"),
		ExcludeReplies: q.boolean("exclude_replies"), ExcludeReblogs: q.boolean("exclude_reblogs"), Pinned: q.boolean("pinned"),
		Tagged: q.str("tagged")}
	page := pageOf(r, defaultLimit, maxLimit)
	list, err := h.db.AccountTimeline(r.Context(), a.ID, f, page)
	if err != nil {
		return err
	}
	return h.writeStatusesIn(w, r, viewer, filterAccount, page, list, statusKeys(list))
}

// writeStatuses renders a page of statuses with its Link header.
func (h *Handler) writeStatuses(w http.ResponseWriter, r *http.Request, viewer int64, page store.Page, list []store.Status, keys []int64) error {
	return h.writeStatusesIn(w, r, viewer, "", page, list, keys)
}

// writeAccounts renders a page of accounts with its Link header.
func (h *Handler) writeAccounts(w http.ResponseWriter, r *http.Request, page store.Page, k store.KeyedIDs) error {
	out, err := h.accountList(r.Context(), k.IDs)
	if err != nil {
		return err
	}
	h.setLink(w, r, page, k.Keys)
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) followers(w http.ResponseWriter, r *http.Request) error {
	return h.followList(w, r, true)
}
func (h *Handler) following(w http.ResponseWriter, r *http.Request) error {
	return h.followList(w, r, false)
}

func (h *Handler) followList(w http.ResponseWriter, r *http.Request, followers bool) error {
	if _, err := h.viewer(r, auth.ScopeReadAccounts); err != nil {
		return err
	}
	a, err := h.loadAccount(r)
	if err != nil {
		return err
	}
	page := pageOf(r, maxLimit, 80)
	list, err := h.db.FollowList(r.Context(), a.ID, followers, page)
	if err != nil {
		return err
	}
	var k store.KeyedIDs
	for _, f := range list {
		other := f.AccountID
		if !followers {
			other = f.TargetAccountID
		}
		k.Keys, k.IDs = append(k.Keys, f.ID), append(k.IDs, other)
	}
	return h.writeAccounts(w, r, page, k)
}

// relationship renders viewer's relationship with one account.
func (h *Handler) relationship(ctx context.Context, viewer, id int64) (Relationship, error) {
	m, err := h.db.Relationships(ctx, viewer, []int64{id})
	if err != nil {
		return Relationship{}, err
	}
	return relationshipEntity(id, m[id]), nil
}

func (h *Handler) relationships(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadFollows)
	if err != nil {
		return err
	}
	p, _ := readParams(w, r, 0)
	var ids []int64
	for _, s := range p.list("id") {
		if id, ok := store.ParseID(s); ok && len(ids) < maxLimit*2 {
			ids = append(ids, id)
		}
	}
	m, err := h.db.Relationships(r.Context(), g.AccountID, ids)
	if err != nil {
		return err
	}
	out := make([]Relationship, 0, len(ids))
	for _, id := range ids {
		out = append(out, relationshipEntity(id, m[id]))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) searchAccounts(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadAccounts)
	if err != nil {
		return err
	}
	p, _ := readParams(w, r, 0)
	limit := pageOf(r, maxLimit, 80).Limit
	list, err := h.findAccounts(r.Context(), g.AccountID, p.str("q"), p.boolean("resolve"), limit, 0)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}
