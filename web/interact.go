package web

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// visibleStatus loads the local status /@{name}/{id} names for a signed-in
// visitor's action. It must exist, not be deleted, and be one the visitor
// may see (social.CanSee); anything else is not found, so the forms reveal
// nothing about private posts.
func (h *Handler) visibleStatus(ctx context.Context, v *visitor, name, rawID string) (store.Status, store.Account, error) {
	author, err := h.publicAccount(ctx, name)
	if err != nil {
		return store.Status{}, store.Account{}, err
	}
	id, ok := store.ParseID(rawID)
	if !ok {
		return store.Status{}, store.Account{}, errNotFound
	}
	st, err := h.db.StatusByID(ctx, id)
	if err != nil {
		return store.Status{}, store.Account{}, notFoundIf(err)
	}
	if st.AccountID != author.ID || st.ReblogOfID != 0 || !st.DeletedAt.IsZero() {
		return store.Status{}, store.Account{}, errNotFound
	}
	ok, err = h.social.CanSee(ctx, v.Account.ID, st)
	if err != nil {
		return store.Status{}, store.Account{}, err
	}
	if !ok {
		return store.Status{}, store.Account{}, errNotFound
	}
	return st, author, nil
}

// interactions are the one-click actions of the post page, by the last
// segment of the URL they are posted to.
var interactions = map[string]func(s *social.Service, ctx context.Context, accountID, statusID int64) (store.Status, error){
	"favourite":   (*social.Service).Favourite,
	"unfavourite": (*social.Service).Unfavourite,
	"reblog":      (*social.Service).Reblog,
	"unreblog":    (*social.Service).Unreblog,
}

// interact serves POST /@{name}/{id}/{favourite|unfavourite|reblog|unreblog}
// for signed-in visitors, then sends them back to the post's buttons.
func (h *Handler) interact(w http.ResponseWriter, r *http.Request, v *visitor) error {
	vars := mux.Vars(r)
	act, ok := interactions[vars["action"]]
	if !ok {
		return errNotFound
	}
	st, author, err := h.visibleStatus(r.Context(), v, vars["name"], vars["id"])
	if err != nil {
		return err
	}
	if _, err := act(h.social, r.Context(), v.Account.ID, st.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/@"+author.Username+"/"+store.FormatID(st.ID)+"#actions", http.StatusSeeOther)
	return nil
}

// reply serves POST /@{name}/{id}/reply: a signed-in visitor answers the
// post with text (and an optional content warning) at a chosen visibility,
// then lands on the reply in the post's thread.
func (h *Handler) reply(w http.ResponseWriter, r *http.Request, v *visitor) error {
	st, author, err := h.visibleStatus(r.Context(), v, mux.Vars(r)["name"], mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	d := social.Draft{Text: r.PostForm.Get("text"), SpoilerText: r.PostForm.Get("cw"),
		Visibility: r.PostForm.Get("visibility"), InReplyToID: st.ID,
		ScreeningAck: r.PostForm.Get(social.ScreeningAckParam) != ""}
	re, err := h.social.CreateStatus(r.Context(), v.Account.ID, d)
	if err != nil {
		return h.screeningWarning(w, r, v, err, r.URL.Path, d)
	}
	target := "/@" + author.Username + "/" + store.FormatID(st.ID) + "#r" + store.FormatID(re.ID)
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
