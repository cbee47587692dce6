package social

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Report limits, as Mastodon's: a local report's comment holds at most 1000
// characters. MaxReportStatuses bounds the statuses one report may name.
const (
	MaxReportComment  = 1000
	MaxReportStatuses = 100
)

// ReportDraft is a report a local user files.
type ReportDraft struct {
	TargetID  int64
	StatusIDs []int64
	Comment   string
	Forward   bool   // send a Flag to a remote target's server
	Category  string // store.ReportSpam, …; "" means violation with rules, else other
	RuleIDs   []string
}

// CreateReport files a report by local account accountID. The statuses must
// be live posts of the target that the reporter can see (apperr.NotFound
// otherwise, as Mastodon answers); the comment and category are checked
// (apperr.Invalid). Rule ids are kept only for the violation category.
// With Forward and a remote target, a Flag signed by the instance actor,
// naming no reporter, goes to the target's server in the same transaction.
// Admins are notified.
func (s *Service) CreateReport(ctx context.Context, accountID int64, d ReportDraft) (store.Report, error) {
	me, err := s.localAccount(ctx, accountID)
	if err != nil {
		return store.Report{}, err
	}
	target, err := s.db.AccountByID(ctx, d.TargetID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !target.DeletedAt.IsZero()) {
		return store.Report{}, apperr.NotFound("Record not found")
	}
	if err != nil {
		return store.Report{}, err
	}
	r, err := s.reportOf(me, target, d)
	if err != nil {
		return store.Report{}, err
	}
	statuses, err := s.reportedStatuses(ctx, me.ID, target.ID, d.StatusIDs)
	if err != nil {
		return store.Report{}, err
	}
	for _, st := range statuses {
		r.StatusIDs = append(r.StatusIDs, st.ID)
	}
	r.Forwarded = d.Forward && !target.Local()
	var signer store.Account
	if r.Forwarded {
		if signer, err = s.fed.InstanceActor(ctx); err != nil {
			return store.Report{}, err
		}
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if r.Forwarded {
			uris := make([]string, len(statuses))
			for i, st := range statuses {
				uris[i] = st.URI
			}
			uri, err := s.fed.EnqueueFlag(ctx, tx, signer, target, r.Comment, uris)
			if err != nil {
				return err
			}
			r.URI = uri
		}
		if err := tx.InsertReport(ctx, &r); err != nil {
			return err
		}
		return s.fed.NotifyReport(ctx, tx, r)
	})
	return r, err
}

// reportOf checks a draft's own fields and turns them into a report row.
func (s *Service) reportOf(me, target store.Account, d ReportDraft) (store.Report, error) {
	if me.ID == target.ID {
		return store.Report{}, apperr.Invalid("You cannot report yourself")
	}
	comment := strings.TrimSpace(d.Comment)
	if utf8.RuneCountInString(comment) > MaxReportComment {
		return store.Report{}, apperr.Invalid("Validation failed: Comment is too long (maximum is %d characters)", MaxReportComment)
	}
	if len(d.StatusIDs) > MaxReportStatuses {
		return store.Report{}, apperr.Invalid("A report may name at most %d statuses", MaxReportStatuses)
	}
	category := d.Category
	switch {
	case category == "" && len(d.RuleIDs) > 0:
		category = store.ReportViolation
	case category == "":
		category = store.ReportOther
	case !slices.Contains([]string{store.ReportSpam, store.ReportLegal, store.ReportViolation, store.ReportOther}, category):
		return store.Report{}, apperr.Invalid("Validation failed: Category is not included in the list")
	}
	var rules []string
	if category == store.ReportViolation {
		rules = slices.Compact(slices.Sorted(slices.Values(d.RuleIDs)))
	}
	return store.Report{AccountID: me.ID, TargetAccountID: target.ID, Category: category, Comment: comment,
		RuleIDs: rules}, nil
}

// reportedStatuses loads the named statuses, each a live post of target
// that viewer may see, without repeats.
func (s *Service) reportedStatuses(ctx context.Context, viewer, target int64, ids []int64) ([]store.Status, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	byID, err := s.db.StatusesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]store.Status, 0, len(ids))
	for _, id := range ids {
		st, ok := byID[id]
		if !ok || st.AccountID != target || !st.DeletedAt.IsZero() {
			return nil, apperr.NotFound("Record not found")
		}
		if visible, err := s.CanSee(ctx, viewer, st); err != nil || !visible {
			return nil, errors.Join(err, apperr.NotFound("Record not found"))
		}
		out = append(out, st)
	}
	return out, nil
}

// ResolveReport marks report id as acted on by admin; ReopenReport undoes
// that. Both give apperr.NotFound for an unknown report.
func (s *Service) ResolveReport(ctx context.Context, admin, id int64) error {
	return s.setReportTaken(ctx, admin, id, true)
}

// ReopenReport puts report id back among the open reports.
func (s *Service) ReopenReport(ctx context.Context, admin, id int64) error {
	return s.setReportTaken(ctx, admin, id, false)
}

func (s *Service) setReportTaken(ctx context.Context, admin, id int64, taken bool) error {
	err := s.db.Write(ctx, func(tx *store.Tx) error { return tx.SetReportActionTaken(ctx, id, admin, taken) })
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("report not found")
	}
	return err
}

// RemoveReportedStatuses deletes the statuses report id names and resolves
// it, in one transaction. Local statuses are deleted as their author would
// (a Delete federates to everyone who received them); remote ones are only
// removed here. It returns how many statuses it deleted.
func (s *Service) RemoveReportedStatuses(ctx context.Context, admin, id int64) (int, error) {
	r, err := s.db.ReportByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return 0, apperr.NotFound("report not found")
	}
	if err != nil {
		return 0, err
	}
	author, err := s.db.AccountByID(ctx, r.TargetAccountID)
	if err != nil {
		return 0, err
	}
	statuses, err := s.db.StatusesByIDs(ctx, r.StatusIDs)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		n = 0
		for _, st := range statuses {
			if !st.DeletedAt.IsZero() || st.AccountID != author.ID {
				continue
			}
			if err := s.removeStatus(ctx, tx, author, st); err != nil {
				return err
			}
			n++
		}
		return tx.SetReportActionTaken(ctx, id, admin, true)
	})
	return n, err
}

// removeStatus deletes a status for moderation: a local one federates its
// Delete, a remote one only leaves this server.
func (s *Service) removeStatus(ctx context.Context, tx *store.Tx, author store.Account, st store.Status) error {
	if st.Local {
		return s.tombstone(ctx, tx, author, st)
	}
	if err := tx.MarkStatusDeleted(ctx, st.ID); err != nil {
		return err
	}
	s.publishStatus(tx, "delete", st.ID)
	return nil
}

// SuspendReportedAccount suspends the account report id is about (signing
// it out everywhere) and resolves the report, in one transaction. An admin
// cannot suspend themselves this way (apperr.Invalid).
func (s *Service) SuspendReportedAccount(ctx context.Context, admin, id int64) error {
	r, err := s.db.ReportByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("report not found")
	}
	if err != nil {
		return err
	}
	if r.TargetAccountID == admin {
		return apperr.Invalid("You cannot suspend yourself.")
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetAccountSuspended(ctx, r.TargetAccountID, true); err != nil {
			return err
		}
		return tx.SetReportActionTaken(ctx, id, admin, true)
	})
}
