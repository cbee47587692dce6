package web

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/store"
)

// notificationLimit is how many notifications the page shows.
const notificationLimit = 40

// notificationView is one row of the notifications page.
type notificationView struct {
	Type    string
	Who     accountView
	Text    string // what happened, after the account's name
	PostURL string // the post it is about, when it may be shown
	At      store.Notification
}

// notificationTexts says what each notification type means on the page.
// pictor.remix ("remixed your post") is shown here; Mastodon apps see it
// only when they ask (mastoapi/notifications_remix.go).
var notificationTexts = map[string]string{
	store.NotifyFollow: "followed you", store.NotifyFollowRequest: "asked to follow you",
	store.NotifyMention: "mentioned you", store.NotifyFavourite: "liked your post", store.NotifyReblog: "boosted your post",
	store.NotifyUpdate: "edited a post you boosted", store.NotifyStatus: "posted", store.NotifyPoll: "— a poll has ended",
	store.NotifyRemix: "remixed your post", store.NotifyAdminReport: "filed a report",
}

func (h *Handler) notificationRoutes(r *mux.Router) {
	r.Handle("/notifications", h.page(h.notificationsPage)).Methods(http.MethodGet, http.MethodHead)
}

// notificationsPage serves GET /notifications: the signed-in user's newest
// notifications, remixes of their posts included.
func (h *Handler) notificationsPage(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := requireUser(v); err != nil {
		return err
	}
	ctx := r.Context()
	list, err := h.db.Notifications(ctx, v.Account.ID, store.NotificationFilter{}, store.Page{Limit: notificationLimit})
	if err != nil {
		return err
	}
	out, err := h.notificationViews(ctx, list)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "notifications", v, pageData{Title: "Notifications", Nav: "notifications",
		NoIndex: true, Data: out})
	return nil
}

// notificationViews renders list with one query for the posts and one for
// the accounts (senders and post authors), not one per row. Rows of an
// unknown type or a missing sender are left out.
func (h *Handler) notificationViews(ctx context.Context, list []store.Notification) ([]notificationView, error) {
	var accountIDs, statusIDs []int64
	for _, n := range list {
		accountIDs = append(accountIDs, n.FromAccountID)
		if n.StatusID != 0 {
			statusIDs = append(statusIDs, n.StatusID)
		}
	}
	statuses, err := h.db.StatusesByIDs(ctx, statusIDs)
	if err != nil {
		return nil, err
	}
	for _, st := range statuses {
		accountIDs = append(accountIDs, st.AccountID)
	}
	accounts, err := h.db.AccountsByIDs(ctx, accountIDs)
	if err != nil {
		return nil, err
	}
	out := make([]notificationView, 0, len(list))
	for _, n := range list {
		text, ok := notificationTexts[n.Type]
		from, known := accounts[n.FromAccountID]
		if !ok || !known {
			continue
		}
		nv := notificationView{Type: n.Type, Who: h.accountView(from), Text: text, At: n}
		if st, ok := statuses[n.StatusID]; ok {
			if l, ok := h.postLink(st, accounts); ok {
				nv.PostURL = l.URL
			}
		}
		out = append(out, nv)
	}
	return out, nil
}
