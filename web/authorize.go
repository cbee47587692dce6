package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// maxInteractionURI bounds the uri (or acct) that /authorize_interaction
// is asked to resolve.
const maxInteractionURI = 2048

// authorizePath is the page other servers send Pictor users to: the
// WebFinger subscribe template points here (interop.md A.1).
const authorizePath = "/authorize_interaction"

// authorizeView is the data of the authorize_interaction page: an account
// to follow or a post to like, boost or answer.
type authorizeView struct {
	Account *accountView
	// The visitor's follow of Account: none, Requested (pending) or Following.
	Following, Requested, IsMe bool

	Status *statusView
	// Path is where the post's forms post (the shared "actions" and
	// "replyform" templates append /favourite, /reply, …).
	Path                  string
	Favourited, Reblogged bool
	ReplyPrefill          string
	ReplyVisibility       string
	Replied               bool // the visitor just answered (privately)
	// Suggestions is read by the shared "replyform" template; reply
	// suggestions are offered on the post page only.
	Suggestions bool
}

// authorizeInteraction serves GET /authorize_interaction?uri=… (or acct=,
// as older Mastodon sent, also at /authorize_follow): the page where a
// signed-in user of this server acts on an account or post that lives
// anywhere. Anonymous visitors are
// sent to sign in first and come back here. The uri is resolved as the
// client API's search with resolve=true does: a post or an account by its
// ActivityPub id, or an account by user@host.
func (h *Handler) authorizeInteraction(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := requireUser(v); err != nil {
		return err
	}
	q := r.URL.Query()
	raw := strings.TrimSpace(q.Get("uri"))
	if raw == "" {
		raw = strings.TrimSpace(q.Get("acct"))
	}
	st, acct, err := h.resolveInteraction(r.Context(), raw)
	if err != nil {
		return err
	}
	var av authorizeView
	if st.ID != 0 {
		av, err = h.authorizeStatusView(r.Context(), v, st)
		av.Replied = q.Get("replied") == "1"
	} else {
		av, err = h.authorizeAccountView(r.Context(), v, acct)
	}
	if err != nil {
		return err
	}
	title := "Interact"
	if av.Account != nil {
		title = "Follow " + av.Account.Handle
	}
	h.render(w, r, http.StatusOK, "authorize", v, pageData{Title: title, NoIndex: true, Data: av})
	return nil
}

// resolveInteraction turns the uri of /authorize_interaction into a status
// or an account (exactly one is non-zero). A malformed uri is a 400, an
// unknown one a 404 and an unreachable server a 503; every fetch goes
// through federation's guarded, bounded client.
func (h *Handler) resolveInteraction(ctx context.Context, raw string) (store.Status, store.Account, error) {
	fed := h.social.Federation()
	if raw == "" || len(raw) > maxInteractionURI {
		return store.Status{}, store.Account{}, apperr.BadRequest("Give the address of an account or a post to interact with.")
	}
	if m := handleRE.FindStringSubmatch(strings.TrimPrefix(raw, "acct:")); m != nil {
		a, err := fed.ResolveHandle(ctx, m[1], strings.ToLower(m[2]))
		return store.Status{}, a, lookupError(err, m[2])
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return store.Status{}, store.Account{}, apperr.BadRequest("%q is not the address of an account or a post.", raw)
	}
	if st, err := h.db.StatusByURI(ctx, raw); err == nil {
		return st, store.Account{}, nil
	}
	if _, err := h.db.AccountByURI(ctx, raw); err == nil {
		a, err := fed.FetchActor(ctx, raw, false)
		return store.Status{}, a, lookupError(err, u.Host)
	}
	st, err := fed.FetchNote(ctx, raw)
	if err == nil {
		return st, store.Account{}, nil
	}
	if apperr.StatusOf(err) != http.StatusNotFound {
		return store.Status{}, store.Account{}, lookupError(err, u.Host)
	}
	// Reachable but not a post: an actor, or nothing at all.
	a, err := fed.FetchActor(ctx, raw, false)
	if err != nil {
		return store.Status{}, store.Account{}, apperr.Wrap(apperr.NotFound("No account or post was found at %s.", raw), err)
	}
	return store.Status{}, a, nil
}

// lookupError gives a failed remote lookup a page status: federation's own
// user errors pass, a missing row is not found, and anything else means
// the other server could not be asked (which the page says in one way).
func lookupError(err error, host string) error {
	if err == nil {
		return nil
	}
	if e, ok := apperr.As(err); ok && e.Status() != http.StatusServiceUnavailable {
		return err
	}
	if errors.Is(err, store.ErrNotFound) {
		return apperr.Wrap(apperr.NotFound("Nothing was found at that address."), err)
	}
	return apperr.Wrap(apperr.Unavailable("Could not reach %s. Try again later.", host), err)
}

// authorizeAccountView shows a (visible) account with the visitor's follow.
func (h *Handler) authorizeAccountView(ctx context.Context, v *visitor, a store.Account) (authorizeView, error) {
	if !a.DeletedAt.IsZero() || !a.SuspendedAt.IsZero() {
		return authorizeView{}, errNotFound
	}
	av := h.accountView(a)
	view := authorizeView{Account: &av, IsMe: a.ID == v.Account.ID,
		Path: authorizePath + "/accounts/" + store.FormatID(a.ID)}
	fl, err := h.db.FollowBetween(ctx, v.Account.ID, a.ID)
	switch {
	case err == nil:
		view.Following, view.Requested = fl.Accepted, !fl.Accepted
	case !errors.Is(err, store.ErrNotFound):
		return authorizeView{}, err
	}
	return view, nil
}

// authorizeStatusView shows a post the visitor may see, with their marks.
func (h *Handler) authorizeStatusView(ctx context.Context, v *visitor, st store.Status) (authorizeView, error) {
	st, err := h.interactableStatus(ctx, v, st.ID)
	if err != nil {
		return authorizeView{}, err
	}
	views, err := h.statusViews(ctx, []store.Status{st})
	if err != nil || len(views) == 0 {
		return authorizeView{}, errors.Join(err, errNotFound)
	}
	view := authorizeView{Status: &views[0], Path: authorizePath + "/statuses/" + store.FormatID(st.ID),
		ReplyVisibility: st.Visibility}
	if st.Visibility == store.VisibilityDirect {
		view.ReplyVisibility = store.VisibilityPrivate
	}
	flags, err := h.db.StatusViewerFlags(ctx, v.Account.ID, []int64{st.ID})
	if err != nil {
		return authorizeView{}, err
	}
	view.Favourited, view.Reblogged = flags[st.ID].Favourited, flags[st.ID].Reblogged
	if st.AccountID != v.Account.ID {
		view.ReplyPrefill = views[0].Author.Handle + " "
	}
	return view, nil
}

// interactableStatus loads status id for a signed-in visitor's action on
// the authorize page: it must exist, not be deleted, and be one the visitor
// may see; a boost stands for the boosted post. Anything else is not found.
func (h *Handler) interactableStatus(ctx context.Context, v *visitor, id int64) (store.Status, error) {
	st, err := h.db.StatusByID(ctx, id)
	if err != nil {
		return store.Status{}, notFoundIf(err)
	}
	if st.ReblogOfID != 0 {
		if st, err = h.db.StatusByID(ctx, st.ReblogOfID); err != nil {
			return store.Status{}, notFoundIf(err)
		}
	}
	if !st.DeletedAt.IsZero() {
		return store.Status{}, errNotFound
	}
	ok, err := h.social.CanSee(ctx, v.Account.ID, st)
	if err != nil {
		return store.Status{}, err
	}
	if !ok {
		return store.Status{}, errNotFound
	}
	return st, nil
}

// authorizeStatusAction serves POST /authorize_interaction/statuses/{id}/
// {favourite|unfavourite|reblog|unreblog}, then returns to the page.
func (h *Handler) authorizeStatusAction(w http.ResponseWriter, r *http.Request, v *visitor) error {
	act, ok := interactions[mux.Vars(r)["action"]]
	id, okID := store.ParseID(mux.Vars(r)["id"])
	if !ok || !okID {
		return errNotFound
	}
	st, err := h.interactableStatus(r.Context(), v, id)
	if err != nil {
		return err
	}
	if _, err := act(h.social, r.Context(), v.Account.ID, st.ID); err != nil {
		return err
	}
	http.Redirect(w, r, authorizeURL(st.URI)+"#actions", http.StatusSeeOther)
	return nil
}

// authorizeReply serves POST /authorize_interaction/statuses/{id}/reply.
// A public or unlisted reply opens on its own page; a private one returns
// to the authorize page, which says it was sent.
func (h *Handler) authorizeReply(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, ok := store.ParseID(mux.Vars(r)["id"])
	if !ok {
		return errNotFound
	}
	st, err := h.interactableStatus(r.Context(), v, id)
	if err != nil {
		return err
	}
	d := social.Draft{Text: r.PostForm.Get("text"), SpoilerText: r.PostForm.Get("cw"),
		Visibility: r.PostForm.Get("visibility"), InReplyToID: st.ID}
	re, err := h.social.CreateStatus(r.Context(), v.Account.ID, d)
	if err != nil {
		return err
	}
	target := authorizeURL(st.URI) + "&replied=1#actions"
	if publicStatus(re) == nil {
		target = "/@" + v.Account.Username + "/" + store.FormatID(re.ID)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// authorizeFollow serves POST /authorize_interaction/accounts/{id}/
// {follow|unfollow}: a remote follow is a request until the other server
// accepts it; unfollow also withdraws a pending request.
func (h *Handler) authorizeFollow(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, ok := store.ParseID(mux.Vars(r)["id"])
	if !ok {
		return errNotFound
	}
	a, err := h.db.AccountByID(r.Context(), id)
	if err != nil {
		return notFoundIf(err)
	}
	if !a.DeletedAt.IsZero() || !a.SuspendedAt.IsZero() {
		return errNotFound
	}
	if mux.Vars(r)["action"] == "follow" {
		_, err = h.social.Follow(r.Context(), v.Account.ID, a.ID)
	} else {
		err = h.social.Unfollow(r.Context(), v.Account.ID, a.ID)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, authorizeURL(a.URI)+"#follow", http.StatusSeeOther)
	return nil
}

// authorizeURL is the authorize page of the object with id uri.
func authorizeURL(uri string) string { return authorizePath + "?uri=" + url.QueryEscape(uri) }
