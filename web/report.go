package web

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// reportCategories are the report reasons the post page offers, as
// Mastodon's report dialog names them (a rule violation needs the rule
// picker, which apps offer).
var reportCategories = []struct{ Value, Label string }{
	{store.ReportSpam, "It's spam"},
	{store.ReportLegal, "It's illegal (copyright, privacy, other law)"},
	{store.ReportOther, "Something else"},
}

// report serves POST /@{name}/{id}/report: a signed-in visitor reports a
// post they may see to this server's admins, who find it in /admin.
func (h *Handler) report(w http.ResponseWriter, r *http.Request, v *visitor) error {
	st, author, err := h.visibleStatus(r.Context(), v, mux.Vars(r)["name"], mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	_, err = h.social.CreateReport(r.Context(), v.Account.ID, social.ReportDraft{TargetID: author.ID,
		StatusIDs: []int64{st.ID}, Comment: r.PostForm.Get("comment"), Category: r.PostForm.Get("category")})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/@"+author.Username+"/"+store.FormatID(st.ID)+"?reported=1#report", http.StatusSeeOther)
	return nil
}
