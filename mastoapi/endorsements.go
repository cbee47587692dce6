package mastoapi

import (
	"net/http"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/store"
)

// Private notes, endorsements and follower removal (Mastodon 4.2): each
// answers with the resulting Relationship.

// accountNote serves POST /api/v1/accounts/:id/note with comment; an empty
// or missing comment removes the note.
func (h *Handler) accountNote(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteAccounts, func(me, target int64, p params) error {
		return h.social.SetAccountNote(r.Context(), me, target, p.str("comment"))
	})
}

// pinAccount serves POST /api/v1/accounts/:id/pin (endorse a followed account).
func (h *Handler) pinAccount(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteAccounts, func(me, target int64, _ params) error {
		return h.social.Endorse(r.Context(), me, target)
	})
}

func (h *Handler) unpinAccount(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteAccounts, func(me, target int64, _ params) error {
		return h.social.Unendorse(r.Context(), me, target)
	})
}

// removeFromFollowers serves POST /api/v1/accounts/:id/remove_from_followers.
func (h *Handler) removeFromFollowers(w http.ResponseWriter, r *http.Request) error {
	return h.relationAction(w, r, auth.ScopeWriteFollows, func(me, target int64, _ params) error {
		return h.social.RemoveFromFollowers(r.Context(), me, target)
	})
}

// endorsements serves GET /api/v1/endorsements, paged by the endorsement.
func (h *Handler) endorsements(w http.ResponseWriter, r *http.Request) error {
	return h.accountPage(w, r, auth.ScopeReadAccounts, func(me int64, p store.Page) (store.KeyedIDs, error) {
		return h.db.EndorsementsOf(r.Context(), me, p)
	})
}

// deleteProfileImage serves DELETE /api/v1/profile/avatar and /header,
// answering with the updated CredentialAccount.
func (h *Handler) deleteProfileImage(header bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		g, err := h.user(r, auth.ScopeWriteAccounts)
		if err != nil {
			return err
		}
		a, err := h.social.DeleteProfileImage(r.Context(), g.AccountID, header)
		if err != nil {
			return err
		}
		e, err := h.credentialAccount(r.Context(), a)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, e)
	}
}
