package mastoapi

import (
	"net/http"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// relationAction authenticates with scope, loads the {id} account, runs act
// and answers with the resulting Relationship.
func (h *Handler) relationAction(w http.ResponseWriter, r *http.Request, scope auth.Scope, act func(me, target int64, p params) error) error {
	g, err := h.user(r, scope)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	a, err := h.loadAccount(r)
	if err != nil {
		return err
	}
	if err := act(g.AccountID, a.ID, p); err != nil {
		return err
	}
	rel, err := h.relationship(r.Context(), g.AccountID, a.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rel)
}

// follow follows an account; a remote or locked one stays requested until
// it accepts (interop.md C.4). reblogs=false hides its boosts from the home
// feed, notify=true asks for a notification of each of its posts, and
// following again with either changes only that.
func (h *Handler) follow(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteFollows, func(me, target int64, p params) error {
		_, err := h.social.FollowWith(r.Context(), me, target, social.FollowOptions{Reblogs: p.optBool("reblogs"),
			Notify: p.optBool("notify")})
		return err
	})
}

func (h *Handler) unfollow(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteFollows, func(me, target int64, _ params) error {
		return h.social.Unfollow(r.Context(), me, target)
	})
}

func (h *Handler) block(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteBlocks, func(me, target int64, _ params) error {
		return h.social.Block(r.Context(), me, target)
	})
}

func (h *Handler) unblock(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteBlocks, func(me, target int64, _ params) error {
		return h.social.Unblock(r.Context(), me, target)
	})
}

// mute mutes an account; notifications defaults to true, as in Mastodon.
func (h *Handler) mute(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteMutes, func(me, target int64, p params) error {
		notifications := !p.has("notifications") || p.boolean("notifications")
		return h.social.Mute(r.Context(), me, target, notifications)
	})
}

func (h *Handler) unmute(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteMutes, func(me, target int64, _ params) error {
		return h.social.Unmute(r.Context(), me, target)
	})
}

// accountPage serves a paginated list of accounts related to the user.
func (h *Handler) accountPage(w http.ResponseWriter, r *http.Request, scope auth.Scope,
	list func(me int64, p store.Page) (store.KeyedIDs, error)) error {
	g, err := h.user(r, scope)
	if err != nil {
		return err
	}
	page := pageOf(r, maxLimit, 80)
	k, err := list(g.AccountID, page)
	if err != nil {
		return err
	}
	return h.writeAccounts(w, r, page, k)
}

func (h *Handler) blocks(w http.ResponseWriter, r *http.Request) error {
	return h.accountPage(w, r, auth.ScopeReadBlocks, func(me int64, p store.Page) (store.KeyedIDs, error) {
		return h.db.BlocksOf(r.Context(), me, p)
	})
}

func (h *Handler) mutes(w http.ResponseWriter, r *http.Request) error {
	return h.accountPage(w, r, auth.ScopeReadMutes, func(me int64, p store.Page) (store.KeyedIDs, error) {
		return h.db.MutesOf(r.Context(), me, p)
	})
}

func (h *Handler) followRequests(w http.ResponseWriter, r *http.Request) error {
	return h.accountPage(w, r, auth.ScopeReadFollows, func(me int64, p store.Page) (store.KeyedIDs, error) {
		list, err := h.db.PendingFollowRequests(r.Context(), me, p)
		var k store.KeyedIDs
		for _, f := range list {
			k.Keys, k.IDs = append(k.Keys, f.ID), append(k.IDs, f.AccountID)
		}
		return k, err
	})
}

func (h *Handler) authorizeFollowRequest(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteFollows, func(me, requester int64, _ params) error {
		return h.social.AnswerFollowRequest(r.Context(), me, requester, true)
	})
}

func (h *Handler) rejectFollowRequest(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteFollows, func(me, requester int64, _ params) error {
		return h.social.AnswerFollowRequest(r.Context(), me, requester, false)
	})
}
