package social

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/screening"
	"github.com/pictor-social/pictor/store"
)

// ScreeningAckParam is the request parameter by which an author confirms a
// post that screening warned about (the API, the web composer).
const ScreeningAckParam = "pictor_screening_ack"

// ScreeningError reports that screening stopped a local post: Action is
// screening.Warn (the author may send it again with ScreeningAckParam) or
// screening.Refuse. Its text is safe for the author; errors.As with
// *apperr.Error finds a 422 carrying it.
type ScreeningError struct {
	Action   string
	Category string
	Reason   string
}

func (e *ScreeningError) Error() string {
	detail := "category: " + e.Category
	if e.Reason != "" {
		detail += "; " + e.Reason
	}
	if e.Action == screening.Warn {
		return fmt.Sprintf("This post may break this server's rules (%s). To publish it anyway, send it again with %s=true; it will be reviewed by a moderator.", detail, ScreeningAckParam)
	}
	if e.Category == "" {
		return "This post could not be screened right now; please try again later."
	}
	return fmt.Sprintf("This post was refused by this server's rules (%s).", detail)
}

// Unwrap exposes the error as a 422 for apperr.
func (e *ScreeningError) Unwrap() error { return apperr.Invalid("%s", e.Error()) }

// screeningText is what a screener reads of a status: content warning,
// text and the media descriptions.
func screeningText(spoiler, text string, media []store.MediaAttachment) string {
	parts := []string{spoiler, text}
	for _, m := range media {
		parts = append(parts, m.Description)
	}
	return strings.TrimSpace(strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), "\n"))
}

// screenLocal screens a local draft before it publishes. It returns the
// decision to log with the status (nil when screening is off), or a
// *ScreeningError when the post must not publish (that decision is logged
// here, without a status).
func (s *Service) screenLocal(ctx context.Context, author store.Account, p prepared, ack bool) (*store.ScreeningDecision, error) {
	c := s.fed.Screening
	if !c.Enabled() {
		return nil, nil
	}
	r, failed, err := c.Check(ctx, screeningText(p.draft.SpoilerText, p.draft.Text, p.media))
	d := &store.ScreeningDecision{AccountID: author.ID, Local: true, Backend: r.Backend, Model: r.Model,
		Category: r.Category, Score: r.Score, Reason: r.Reason, Decision: screening.DecisionAllow}
	if !r.Flagged {
		d.Category, d.Score = "", 0
	}
	switch {
	case errors.Is(err, screening.ErrUnavailable):
		d.Decision = screening.DecisionRefuse
		return nil, s.logRefusal(ctx, d, &ScreeningError{Action: screening.Refuse})
	case failed:
		d.Decision, d.Review = screening.DecisionUnscreened, true
		return d, nil
	case !r.Flagged:
		return d, nil
	}
	switch c.Action(r.Category) {
	case screening.Refuse:
		d.Decision = screening.DecisionRefuse
		return nil, s.logRefusal(ctx, d, &ScreeningError{Action: screening.Refuse, Category: r.Category, Reason: r.Reason})
	case screening.Warn:
		if !ack {
			d.Decision = screening.DecisionWarn
			return nil, s.logRefusal(ctx, d, &ScreeningError{Action: screening.Warn, Category: r.Category, Reason: r.Reason})
		}
		d.Decision, d.Review = screening.DecisionWarn, true
	}
	return d, nil
}

// logRefusal logs d (no status) and returns serr, or the logging error.
func (s *Service) logRefusal(ctx context.Context, d *store.ScreeningDecision, serr *ScreeningError) error {
	if err := s.db.Write(ctx, func(tx *store.Tx) error { return tx.InsertScreeningDecision(ctx, d) }); err != nil {
		return err
	}
	return serr
}

// logDecision logs d for status id inside tx (nothing when d is nil).
func logDecision(ctx context.Context, tx *store.Tx, d *store.ScreeningDecision, statusID int64) error {
	if d == nil {
		return nil
	}
	d.StatusID = statusID
	return tx.InsertScreeningDecision(ctx, d)
}

// ScreeningQueue lists decisions for the admin queue, newest first: those
// waiting for review when pending, else every decision.
func (s *Service) ScreeningQueue(ctx context.Context, pending bool, maxID int64, limit int) ([]store.ScreeningDecision, error) {
	return s.db.ScreeningDecisions(ctx, pending, maxID, min(max(limit, 1), 200))
}

// OverturnScreening undoes decision id for admin: a flagged remote post is
// shown again and the notifications it held are created; a warned local
// post is cleared. The decision stays in the log, marked overturned.
func (s *Service) OverturnScreening(ctx context.Context, admin, id int64) error {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		d, err := tx.ScreeningDecisionByID(ctx, id)
		if err != nil {
			return err
		}
		if d.Overturned() {
			return nil
		}
		if err := tx.OverturnScreeningDecision(ctx, id, admin); err != nil {
			return err
		}
		held, err := tx.TakeHeldNotifications(ctx, id)
		if err != nil {
			return err
		}
		for _, h := range held {
			n := store.Notification{AccountID: h.AccountID, FromAccountID: h.FromAccountID, Type: h.Type, StatusID: h.StatusID}
			if err := s.notify(ctx, tx, n); err != nil {
				return err
			}
		}
		if d.StatusID != 0 {
			s.publishStatus(tx, "update", d.StatusID)
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("screening decision not found")
	}
	return err
}

// ConfirmScreening keeps decision id and takes it out of the review queue.
func (s *Service) ConfirmScreening(ctx context.Context, id int64) error {
	err := s.db.Write(ctx, func(tx *store.Tx) error { return tx.ConfirmScreeningDecision(ctx, id) })
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("screening decision not found")
	}
	return err
}

// ScreeningPreferences returns account's choice (show, collapse, hide) for
// every category, the default (collapse) filled in.
func (s *Service) ScreeningPreferences(ctx context.Context, account int64) (map[string]string, error) {
	set, err := s.db.ScreeningPreferences(ctx, account)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(screening.Categories))
	for _, c := range screening.Categories {
		out[c] = screening.Collapse
		if a, ok := set[c]; ok {
			out[c] = a
		}
	}
	return out, nil
}

// SetScreeningPreferences stores account's choices; every key must be a
// category and every value show, collapse or hide (422 otherwise).
func (s *Service) SetScreeningPreferences(ctx context.Context, account int64, prefs map[string]string) error {
	for c, a := range prefs {
		if !slices.Contains(screening.Categories, c) {
			return apperr.Invalid("unknown screening category %q", c)
		}
		if !screening.ValidPreference(a) {
			return apperr.Invalid("screening preference for %s must be show, collapse or hide", c)
		}
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		for _, c := range screening.Categories {
			if a, ok := prefs[c]; ok {
				if err := tx.SetScreeningPreference(ctx, account, c, a); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
