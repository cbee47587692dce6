package mastoapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Report is Mastodon's Report entity: what a user reported and whether an
// admin acted on it.
type Report struct {
	ID            string   `json:"id"`
	ActionTaken   bool     `json:"action_taken"`
	ActionTakenAt *Time    `json:"action_taken_at"`
	Category      string   `json:"category"`
	Comment       string   `json:"comment"`
	Forwarded     bool     `json:"forwarded"`
	CreatedAt     Time     `json:"created_at"`
	StatusIDs     []string `json:"status_ids"`
	RuleIDs       []string `json:"rule_ids"`
	TargetAccount Account  `json:"target_account"`
}

// reportEntity renders r with its target account.
func (h *Handler) reportEntity(ctx context.Context, r store.Report) (Report, error) {
	accounts, err := h.accountEntities(ctx, []int64{r.TargetAccountID})
	if err != nil {
		return Report{}, err
	}
	e := Report{ID: store.FormatID(r.ID), ActionTaken: !r.Open(), Category: r.Category, Comment: r.Comment,
		Forwarded: r.Forwarded, CreatedAt: Time(r.CreatedAt), StatusIDs: []string{}, RuleIDs: []string{},
		TargetAccount: accounts[r.TargetAccountID]}
	if !r.Open() {
		at := Time(r.ActionTakenAt)
		e.ActionTakenAt = &at
	}
	for _, id := range r.StatusIDs {
		e.StatusIDs = append(e.StatusIDs, store.FormatID(id))
	}
	if r.RuleIDs != nil {
		e.RuleIDs = r.RuleIDs
	}
	return e, nil
}

// createReport serves POST /api/v1/reports: account_id, status_ids[],
// comment, forward, category and rule_ids[] (scope write:reports).
func (h *Handler) createReport(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteReports)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	target, ok := store.ParseID(p.str("account_id"))
	if !ok {
		return apperr.NotFound("Record not found")
	}
	statusIDs, err := p.ids("status_ids")
	if err != nil {
		return err
	}
	rules := p.list("rule_ids")
	if err := h.checkRuleIDs(rules); err != nil {
		return err
	}
	rep, err := h.social.CreateReport(r.Context(), g.AccountID, social.ReportDraft{TargetID: target,
		StatusIDs: statusIDs, Comment: p.str("comment"), Forward: p.boolean("forward"),
		Category: p.str("category"), RuleIDs: rules})
	if err != nil {
		return err
	}
	e, err := h.reportEntity(r.Context(), rep)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

// checkRuleIDs accepts only the ids of the instance's rules.
func (h *Handler) checkRuleIDs(ids []string) error {
	for _, id := range ids {
		n, err := strconv.Atoi(id)
		if err != nil || n < 1 || n > len(h.opts.Rules) {
			return apperr.Invalid("Validation failed: Rule ids contains an unknown rule")
		}
	}
	return nil
}

// reportEntities renders the reports that notifications name, by id;
// reports that are gone are left out.
func (h *Handler) reportEntities(ctx context.Context, ids []int64) (map[int64]Report, error) {
	out := make(map[int64]Report, len(ids))
	for _, id := range uniq(ids) {
		r, err := h.db.ReportByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if out[id], err = h.reportEntity(ctx, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// notifiedReports renders the reports that admin.report notifications of
// list name.
func (h *Handler) notifiedReports(ctx context.Context, list []store.Notification) (map[int64]Report, error) {
	var ids []int64
	for _, n := range list {
		if n.ReportID != 0 {
			ids = append(ids, n.ReportID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return h.reportEntities(ctx, ids)
}
