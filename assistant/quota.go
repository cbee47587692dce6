package assistant

import (
	"context"
	"errors"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Feature names a use of the model whose calls are counted per user per day.
type Feature string

// The features. Screening of remote posts counts against account 0, the
// instance itself.
const (
	FeatureSuggestions  Feature = "suggestions"
	FeatureDescriptions Feature = "descriptions"
	FeatureScreening    Feature = "screening"
	FeatureAsk          Feature = "ask"
)

var featureNouns = map[Feature]string{
	FeatureSuggestions: "reply suggestions", FeatureDescriptions: "image descriptions",
	FeatureScreening: "screened posts", FeatureAsk: "questions to the assistant",
}

// Quota counts calls to the model per account, feature and UTC day in the
// store, so counts survive restarts and hold across processes. It is safe
// for concurrent use.
type Quota struct {
	db     *store.DB
	limits map[Feature]int
}

// NewQuota returns a Quota with a daily limit per feature; a feature
// missing from limits, or with a limit <= 0, is counted without a limit.
func NewQuota(db *store.DB, limits map[Feature]int) *Quota {
	return &Quota{db: db, limits: limits}
}

// Ticket is one counted call, which Refund may give back.
type Ticket struct {
	AccountID int64
	Feature   Feature
	Day       int64 // days since 1970-01-01, UTC
}

// dayOf returns the UTC day number of t.
func dayOf(t time.Time) int64 { return t.Unix() / 86400 }

// Take counts one call of f for accountID today, or fails with an ErrQuota
// apperr (429) saying when the quota resets.
func (q *Quota) Take(ctx context.Context, accountID int64, f Feature) (Ticket, error) {
	t := Ticket{AccountID: accountID, Feature: f, Day: dayOf(q.db.Now())}
	limit := q.limits[f]
	ok, err := q.db.TakeAssistantCall(ctx, accountID, string(f), t.Day, limit)
	if err != nil {
		return Ticket{}, err
	}
	if !ok {
		return Ticket{}, fail(ErrQuota, apperr.RateLimited("quota exceeded: %d %s per day; it resets at 00:00 UTC",
			limit, featureNouns[f]), nil)
	}
	return t, nil
}

// Refund gives back a call counted by Take.
func (q *Quota) Refund(ctx context.Context, t Ticket) error {
	return q.db.RefundAssistantCall(ctx, t.AccountID, string(t.Feature), t.Day)
}

// Used returns the calls of f counted for accountID today.
func (q *Quota) Used(ctx context.Context, accountID int64, f Feature) (int, error) {
	return q.db.AssistantCalls(ctx, accountID, string(f), dayOf(q.db.Now()))
}

// Limit returns the daily limit of f, 0 for none.
func (q *Quota) Limit(f Feature) int { return max(q.limits[f], 0) }

// refundable reports whether a failed call did not use the provider's
// work: it was refused before the model ran (rate limit, unavailable,
// malformed request). Timeouts and refusals count, as the provider may
// have billed them.
func refundable(err error) bool {
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalid) ||
		errors.Is(err, ErrNoVision) || errors.Is(err, context.Canceled)
}
