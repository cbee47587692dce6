package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// adminListLimit bounds the rows of each admin table.
const adminListLimit = 200

// adminView is the admin page's data.
type adminView struct {
	Notice      string
	Error       string
	Users       []adminUser
	Blocks      []store.DomainBlock
	Generation  []store.GenerationCount
	Moderation  []store.ModerationEntry
	Reports     adminReports
	Screening   []adminScreening    // admin_screening.go
	Announce    []adminAnnouncement // admin_announcements.go
	Posts       int64
	Quota       int
	ImagesTotal int
	TokensTotal int
}

type adminUser struct {
	store.UserRow
	Handle    string
	UsedToday int
	Suspended bool
	Deleted   bool // deleted by its owner or an admin: no actions left
}

// notices are the fixed messages a redirect back to /admin may show.
var notices = map[string]string{
	"blocked":     "Domain blocked: its follows ended, nothing more is delivered there and its activities are refused.",
	"unblocked":   "Domain unblocked.",
	"suspended":   "Account suspended and signed out everywhere.",
	"unsuspended": "Suspension lifted.",
}

func requireAdmin(v *visitor) error {
	if err := requireUser(v); err != nil {
		return err
	}
	if !v.Admin() {
		return errNotFound
	}
	return nil
}

// adminPage serves GET /admin: users, quotas, generation counts and cost,
// the moderation log and domain blocks.
func (h *Handler) adminPage(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := requireAdmin(v); err != nil {
		return err
	}
	return h.renderAdmin(w, r, v, http.StatusOK, adminView{Notice: cmp.Or(notices[r.URL.Query().Get("notice")], reportNotices[r.URL.Query().Get("notice")],
		announcementNotices[r.URL.Query().Get("notice")], screeningNotices[r.URL.Query().Get("notice")])})
}

func (h *Handler) renderAdmin(w http.ResponseWriter, r *http.Request, v *visitor, status int, av adminView) error {
	ctx := r.Context()
	var err error
	if av.Users, err = h.adminUsers(ctx); err != nil {
		return err
	}
	if av.Blocks, err = h.db.DomainBlocks(ctx); err != nil {
		return err
	}
	if av.Generation, err = h.db.GenerationCounts(ctx); err != nil {
		return err
	}
	for _, g := range av.Generation {
		av.ImagesTotal += g.Images
		av.TokensTotal += g.TotalTokens
	}
	if av.Moderation, err = h.db.ModerationLog(ctx, 50); err != nil {
		return err
	}
	if av.Posts, err = h.db.CountLocalStatuses(ctx); err != nil {
		return err
	}
	if av.Reports, err = h.adminReportsSection(ctx); err != nil {
		return err
	}
	if av.Announce, err = h.adminAnnouncementsSection(ctx); err != nil {
		return err
	}
	if av.Screening, err = h.adminScreeningSection(ctx); err != nil {
		return err
	}
	av.Quota = h.opts.ImagesPerDay
	h.render(w, r, status, "admin", v, pageData{Title: "Admin", Nav: "admin", NoIndex: true, Data: av})
	return nil
}

func (h *Handler) adminUsers(ctx context.Context) ([]adminUser, error) {
	rows, err := h.db.Users(ctx, adminListLimit)
	if err != nil {
		return nil, err
	}
	since := h.db.Now().Add(-quotaWindow)
	out := make([]adminUser, 0, len(rows))
	for _, u := range rows {
		usage, err := h.db.JobUsageOf(ctx, u.Account.ID, since)
		if err != nil {
			return nil, err
		}
		out = append(out, adminUser{UserRow: u, Handle: "@" + u.Account.Username + "@" + h.host,
			UsedToday: usage.Since, Suspended: !u.Account.SuspendedAt.IsZero(), Deleted: !u.Account.DeletedAt.IsZero()})
	}
	return out, nil
}

// adminCreateUser serves POST /admin/users. Without a password one is
// generated and shown once.
func (h *Handler) adminCreateUser(w http.ResponseWriter, r *http.Request, v *visitor) error {
	name := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	generated := password == ""
	if generated {
		password = auth.RandomToken(12)
	}
	a, err := h.createUser(r.Context(), name, password, r.PostFormValue("admin") != "")
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return h.renderAdmin(w, r, v, apperr.StatusOf(err), adminView{Error: apperr.MessageOf(err)})
		}
		return err
	}
	notice := "Created @" + a.Username + "@" + h.host + "."
	if generated {
		notice += " Their password, shown only now: " + password
	}
	return h.renderAdmin(w, r, v, http.StatusOK, adminView{Notice: notice})
}

func (h *Handler) createUser(ctx context.Context, name, password string, admin bool) (store.Account, error) {
	if len(password) < 8 {
		return store.Account{}, apperr.Invalid("The password must have at least 8 characters.")
	}
	hash, err := h.login.HashPassword(ctx, password)
	if err != nil {
		return store.Account{}, err
	}
	return h.social.CreateAccount(ctx, social.NewAccount{Username: name, PasswordHash: hash, Admin: admin})
}

// adminSuspend serves POST /admin/users/{id}/suspend with suspend=1 to
// suspend (and sign out everywhere) or 0 to lift it.
func (h *Handler) adminSuspend(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, ok := store.ParseID(mux.Vars(r)["id"])
	if !ok {
		return errNotFound
	}
	suspend := r.PostFormValue("suspend") == "1"
	if suspend && id == v.Account.ID {
		return apperr.Invalid("You cannot suspend yourself.")
	}
	err := h.db.Write(r.Context(), func(tx *store.Tx) error { return tx.SetAccountSuspended(r.Context(), id, suspend) })
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	notice := "unsuspended"
	if suspend {
		notice = "suspended"
	}
	http.Redirect(w, r, "/admin?notice="+notice, http.StatusSeeOther)
	return nil
}

// adminBlock serves POST /admin/domain_blocks: the block takes effect at
// once in federation (the cached list is invalidated).
func (h *Handler) adminBlock(w http.ResponseWriter, r *http.Request, v *visitor) error {
	domain, ok := store.CleanDomain(r.PostFormValue("domain"))
	if !ok || domain == strings.ToLower(h.host) {
		return h.renderAdmin(w, r, v, http.StatusUnprocessableEntity, adminView{Error: "Enter a domain name, like spam.example."})
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if len(reason) > 500 {
		reason = reason[:500]
	}
	err := h.db.Write(r.Context(), func(tx *store.Tx) error {
		_, err := tx.BlockDomain(r.Context(), domain, reason)
		return err
	})
	h.blocks.Invalidate()
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin?notice=blocked", http.StatusSeeOther)
	return nil
}

// adminUnblock serves POST /admin/domain_blocks/delete.
func (h *Handler) adminUnblock(w http.ResponseWriter, r *http.Request, v *visitor) error {
	domain := r.PostFormValue("domain")
	err := h.db.Write(r.Context(), func(tx *store.Tx) error { return tx.UnblockDomain(r.Context(), domain) })
	h.blocks.Invalidate()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	http.Redirect(w, r, "/admin?notice=unblocked", http.StatusSeeOther)
	return nil
}
