package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/store"
)

// profileView is the profile page's data.
type profileView struct {
	Account                   accountView
	Posts, Followers, Follows int64
	Cards                     []statusView
	Next                      string
	IsMe                      bool
	Bridge                    *bridgeView // Bluesky bridge readiness, shown to the owner only
}

// publicAccount returns the local account called name (a leading '@' is
// ignored) if its pages may be shown: not suspended, deleted or the
// instance actor.
func (h *Handler) publicAccount(ctx context.Context, name string) (store.Account, error) {
	a, err := h.db.AccountByHandle(ctx, strings.TrimPrefix(name, "@"), "")
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!a.Local() || !a.SuspendedAt.IsZero() ||
		!a.DeletedAt.IsZero() || a.ActorType == "Application")) {
		return store.Account{}, errNotFound
	}
	return a, err
}

// profile serves /@{name}: header, bio, fields, counts, the follow hint and
// a grid of the account's public and unlisted posts.
func (h *Handler) profile(w http.ResponseWriter, r *http.Request, v *visitor) error {
	a, err := h.publicAccount(r.Context(), mux.Vars(r)["name"])
	if err != nil {
		return err
	}
	p := store.Page{Limit: galleryPage}
	if id, ok := store.ParseID(r.URL.Query().Get("max_id")); ok {
		p.MaxID = id
	}
	list, err := h.db.ProfileStatuses(r.Context(), a.ID, true, p)
	if err != nil {
		return err
	}
	pv := profileView{Account: h.accountView(a), IsMe: v.SignedIn && v.Account.ID == a.ID}
	if pv.IsMe {
		b := bridgeReadiness(a, h.db.Now())
		pv.Bridge = &b
	}
	if pv.Cards, err = h.statusViews(r.Context(), list); err != nil {
		return err
	}
	if len(list) == galleryPage {
		pv.Next = "?max_id=" + store.FormatID(list[len(list)-1].ID)
	}
	if pv.Followers, pv.Follows, err = h.db.FollowCounts(r.Context(), a.ID); err != nil {
		return err
	}
	vis := []string{store.VisibilityPublic, store.VisibilityUnlisted}
	if pv.Posts, err = h.db.CountAccountStatuses(r.Context(), a.ID, vis); err != nil {
		return err
	}
	desc := plainText(a.Note, 200)
	if desc == "" {
		desc = "AI images by " + pv.Account.Handle
	}
	h.render(w, r, http.StatusOK, "profile", v, pageData{
		Title: pv.Account.DisplayName + " (" + pv.Account.Handle + ")", Description: desc,
		Canonical: pv.Account.URL, Alternate: a.URI, AtomURL: pv.Account.URL + ".atom", NoIndex: !a.Indexable,
		Meta: &cardMeta{Type: "profile", Title: pv.Account.DisplayName + " (" + pv.Account.Handle + ")",
			Description: desc, URL: pv.Account.URL, Image: h.absURL(pv.Account.Avatar)},
		Data: pv})
	return nil
}
