package web

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/store"
)

// adminScreeningLimit bounds the decisions the queue shows.
const adminScreeningLimit = 50

// adminScreening is one decision of the admin page's Screening queue: a
// flagged incoming post or a warned local one, with what the screener said.
type adminScreening struct {
	store.ScreeningDecision
	Author  accountView
	Status  *statusView // nil when the status is gone
	Percent int         // Score as a percentage
}

// adminScreeningSection loads the decisions waiting for review.
func (h *Handler) adminScreeningSection(ctx context.Context) ([]adminScreening, error) {
	list, err := h.social.ScreeningQueue(ctx, true, 0, adminScreeningLimit)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	var ids, accountIDs []int64
	for _, d := range list {
		ids, accountIDs = append(ids, d.StatusID), append(accountIDs, d.AccountID)
	}
	statuses, err := h.db.StatusesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	accounts, err := h.db.AccountsByIDs(ctx, accountIDs)
	if err != nil {
		return nil, err
	}
	media, err := h.db.MediaForStatuses(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]adminScreening, 0, len(list))
	for _, d := range list {
		a := accounts[d.AccountID]
		v := adminScreening{ScreeningDecision: d, Author: h.accountView(a), Percent: int(d.Score*100 + 0.5)}
		if st, ok := statuses[d.StatusID]; ok && st.DeletedAt.IsZero() {
			sv := h.statusView(st, a, media[st.ID], store.StatusCounts{})
			v.Status = &sv
		}
		out = append(out, v)
	}
	return out, nil
}

// adminScreeningAction serves POST /admin/screening/{id}/{overturn|confirm}:
// overturning shows a flagged post again and sends the notifications it
// held; confirming keeps the decision and takes it off the queue.
func (h *Handler) adminScreeningAction(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, ok := store.ParseID(mux.Vars(r)["id"])
	if !ok {
		return errNotFound
	}
	var err error
	switch mux.Vars(r)["action"] {
	case "overturn":
		err = h.social.OverturnScreening(r.Context(), v.Account.ID, id)
	case "confirm":
		err = h.social.ConfirmScreening(r.Context(), id)
	default:
		return errNotFound
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin?notice=screening_"+mux.Vars(r)["action"]+"#screening", http.StatusSeeOther)
	return nil
}

// screeningNotices are the messages shown after a screening action.
var screeningNotices = map[string]string{
	"screening_overturn": "Decision overturned: the post is shown again and its notifications were sent.",
	"screening_confirm":  "Decision confirmed and taken off the queue.",
}
