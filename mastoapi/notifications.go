package mastoapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/store"
)

// notificationEntities renders notifications with their accounts and
// statuses in a fixed number of queries; those whose account or status is
// gone are left out.
func (h *Handler) notificationEntities(ctx context.Context, viewer int64, list []store.Notification) ([]Notification, error) {
	var accountIDs, statusIDs []int64
	for _, n := range list {
		accountIDs = append(accountIDs, n.FromAccountID)
		if n.StatusID != 0 {
			statusIDs = append(statusIDs, n.StatusID)
		}
	}
	accounts, err := h.accountEntities(ctx, accountIDs)
	if err != nil {
		return nil, err
	}
	byID, err := h.db.StatusesByIDs(ctx, uniq(statusIDs))
	if err != nil {
		return nil, err
	}
	var sts []store.Status
	for _, st := range byID {
		if st.DeletedAt.IsZero() {
			sts = append(sts, st)
		}
	}
	rendered, err := h.statusEntitiesIn(ctx, viewer, filterNotifications, sts)
	if err != nil {
		return nil, err
	}
	statuses := make(map[string]Status, len(rendered))
	for _, s := range rendered {
		statuses[s.ID] = s
	}
	reports, err := h.notifiedReports(ctx, list)
	if err != nil {
		return nil, err
	}
	out := make([]Notification, 0, len(list))
	for _, n := range list {
		a, ok := accounts[n.FromAccountID]
		if !ok {
			continue
		}
		e := Notification{ID: store.FormatID(n.ID), Type: n.Type, CreatedAt: Time(n.CreatedAt), Account: a}
		if n.StatusID != 0 {
			s, ok := statuses[store.FormatID(n.StatusID)]
			if !ok {
				continue
			}
			e.Status = &s
		}
		if n.ReportID != 0 {
			rep, ok := reports[n.ReportID]
			if !ok {
				continue
			}
			e.Report = &rep
		}
		out = append(out, e)
	}
	return out, nil
}

// notifications serves GET /api/v1/notifications with types[],
// exclude_types[], account_id and paging (checklist 60).
func (h *Handler) notifications(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadNotifications)
	if err != nil {
		return err
	}
	q, _ := readParams(nil, r, 0)
	f := store.NotificationFilter{Types: q.list("types"), ExcludeTypes: q.list("exclude_types")}
	f.ExcludeTypes = hidePictorTypes(f)
	if id, ok := store.ParseID(q.str("account_id")); ok {
		f.FromAccount = id
	}
	page := pageOf(r, notificationLimit, maxNotifications)
	list, err := h.db.Notifications(r.Context(), g.AccountID, f, page)
	if err != nil {
		return err
	}
	out, err := h.notificationEntities(r.Context(), g.AccountID, list)
	if err != nil {
		return err
	}
	keys := make([]int64, len(list))
	for i, n := range list {
		keys[i] = n.ID
	}
	h.setLink(w, r, page, keys)
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) getNotification(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadNotifications)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	n, err := h.db.NotificationByID(r.Context(), g.AccountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound()
	}
	if err != nil {
		return err
	}
	out, err := h.notificationEntities(r.Context(), g.AccountID, []store.Notification{n})
	if err != nil {
		return err
	}
	if len(out) == 0 {
		return errNotFound()
	}
	return writeJSON(w, http.StatusOK, out[0])
}

func (h *Handler) dismissNotification(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteNotifications)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := h.social.DismissNotifications(r.Context(), g.AccountID, id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}

func (h *Handler) clearNotifications(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteNotifications)
	if err != nil {
		return err
	}
	if err := h.social.DismissNotifications(r.Context(), g.AccountID, 0); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}
