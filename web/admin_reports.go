package web

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/store"
)

// adminReportLimit bounds the open and the recently closed reports shown.
const adminReportLimit = 50

// adminReports is the admin page's reports section.
type adminReports struct {
	Open   []adminReport
	Closed []adminReport // most recent first, to reopen
}

// adminReport is one report with what the admin needs to judge it.
type adminReport struct {
	store.Report
	Reporter        accountView
	Target          accountView
	TargetSuspended bool
	RemoteOrigin    bool // received in a Flag from another server
	Statuses        []adminReportStatus
	Live            int64 // statuses that "delete" would remove
}

// adminReportStatus is a reported status, live or already deleted.
type adminReportStatus struct {
	statusView
	Deleted bool
}

// adminReportsSection loads the open reports and the latest closed ones.
func (h *Handler) adminReportsSection(ctx context.Context) (adminReports, error) {
	all, err := h.db.Reports(ctx, false, 2*adminReportLimit)
	if err != nil {
		return adminReports{}, err
	}
	var out adminReports
	for _, r := range all {
		v, err := h.adminReport(ctx, r)
		if err != nil {
			return adminReports{}, err
		}
		if r.Open() {
			out.Open = append(out.Open, v)
		} else if len(out.Closed) < adminReportLimit/5 {
			out.Closed = append(out.Closed, v)
		}
	}
	return out, nil
}

// adminReport loads a report's accounts and statuses (with their images).
func (h *Handler) adminReport(ctx context.Context, r store.Report) (adminReport, error) {
	accounts, err := h.db.AccountsByIDs(ctx, []int64{r.AccountID, r.TargetAccountID})
	if err != nil {
		return adminReport{}, err
	}
	reporter, target := accounts[r.AccountID], accounts[r.TargetAccountID]
	v := adminReport{Report: r, Reporter: h.accountView(reporter), Target: h.accountView(target),
		TargetSuspended: !target.SuspendedAt.IsZero(), RemoteOrigin: !reporter.Local()}
	byID, err := h.db.StatusesByIDs(ctx, r.StatusIDs)
	if err != nil {
		return adminReport{}, err
	}
	media, err := h.db.MediaForStatuses(ctx, r.StatusIDs)
	if err != nil {
		return adminReport{}, err
	}
	for _, id := range r.StatusIDs {
		st, ok := byID[id]
		if !ok {
			continue
		}
		deleted := !st.DeletedAt.IsZero()
		if !deleted {
			v.Live++
		}
		v.Statuses = append(v.Statuses, adminReportStatus{statusView: h.statusView(st, target, media[id], store.StatusCounts{}),
			Deleted: deleted})
	}
	return v, nil
}

// adminReportAction serves POST /admin/reports/{id}/{action}: resolve,
// reopen, delete_statuses (through social, so local deletions federate)
// and suspend (the reported account; it also resolves the report).
func (h *Handler) adminReportAction(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, ok := store.ParseID(mux.Vars(r)["id"])
	if !ok {
		return errNotFound
	}
	ctx, admin := r.Context(), v.Account.ID
	var err error
	notice := "report_" + mux.Vars(r)["action"]
	switch mux.Vars(r)["action"] {
	case "resolve":
		err = h.social.ResolveReport(ctx, admin, id)
	case "reopen":
		err = h.social.ReopenReport(ctx, admin, id)
	case "delete_statuses":
		_, err = h.social.RemoveReportedStatuses(ctx, admin, id)
	case "suspend":
		err = h.social.SuspendReportedAccount(ctx, admin, id)
	default:
		return errNotFound
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin?notice="+notice+"#reports", http.StatusSeeOther)
	return nil
}

// reportNotices are the messages shown after a report action.
var reportNotices = map[string]string{
	"report_resolve":         "Report resolved.",
	"report_reopen":          "Report reopened.",
	"report_delete_statuses": "The reported posts were deleted and the report resolved.",
	"report_suspend":         "Account suspended and the report resolved.",
}
