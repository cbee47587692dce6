// Package screening judges the text of posts for hate speech, harassment
// and the other categories an admin acts on: local posts before they
// publish, remote replies and mentions once, after the inbox accepted them.
// It holds the Screener interface, the offline word-list backend, the
// category vocabulary and the admin policy; backends that call a provider
// (genimage/openai's moderation endpoint, the chat-model classifier) live
// with their clients and are wired by server.
package screening

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Categories, after OpenAI's moderation categories with their
// sub-categories folded in ("hate/threatening" is Hate), plus WordTerms for
// the admin's own terms.
const (
	Hate       = "hate"
	Harassment = "harassment"
	Violence   = "violence"
	Sexual     = "sexual"
	SelfHarm   = "self-harm"
	Illicit    = "illicit"
	WordTerms  = "word-list"
	Other      = "other"
)

// Categories lists every category in the order pages and the API show them.
var Categories = []string{Hate, Harassment, Violence, Sexual, SelfHarm, Illicit, WordTerms, Other}

// Category maps a provider's category name ("hate/threatening",
// "Harassment", "self_harm") to one of Categories; unknown names are Other.
func Category(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.ReplaceAll(n, "_", "-")
	if i := strings.IndexByte(n, '/'); i > 0 {
		n = n[:i]
	}
	switch n {
	case "selfharm", "self harm":
		n = SelfHarm
	case "wordlist":
		n = WordTerms
	}
	if slices.Contains(Categories, n) {
		return n
	}
	return Other
}

// Result is a screener's answer about one text. Category and Score are the
// highest-scoring flagged category (normalised by Category); Scores holds
// every category the backend scored, at most one entry per category.
type Result struct {
	Flagged  bool
	Category string
	Score    float64 // 0..1; 1 for a word-list match
	Scores   map[string]float64
	Backend  string // "openai", "chat", "wordlist"
	Model    string // the provider's model, or "builtin" for the word list
	Reason   string // user-safe detail, e.g. `contains "kys"`
}

// Screener judges a text. Screen returns an error only when it reached no
// verdict (network, quota, unparsable answer). Implementations are safe for
// concurrent use.
type Screener interface {
	Screen(ctx context.Context, text string) (Result, error)
}

// Top sets r.Category and r.Score from r.Scores for the flagged categories
// in flagged (provider names, normalised here); with none it picks the
// highest score. It returns r for chaining.
func (r Result) Top(flagged []string) Result {
	best := -1.0
	consider := func(c string) {
		if s := r.Scores[c]; s > best {
			best, r.Category, r.Score = s, c, s
		}
	}
	if len(flagged) == 0 {
		for _, c := range Categories {
			if _, ok := r.Scores[c]; ok {
				consider(c)
			}
		}
		return r
	}
	for _, f := range flagged {
		consider(Category(f))
	}
	return r
}

// Merge adds a provider's per-category score under its normalised name,
// keeping the highest of sub-categories.
func Merge(scores map[string]float64, name string, score float64) {
	c := Category(name)
	if score > scores[c] {
		scores[c] = score
	}
}

// Chain returns a Screener that asks each of ss in order and returns the
// first flagged result, or the first error; the last unflagged result
// otherwise.
func Chain(ss ...Screener) Screener { return chain(ss) }

type chain []Screener

func (c chain) Screen(ctx context.Context, text string) (Result, error) {
	var last Result
	for _, s := range c {
		r, err := s.Screen(ctx, text)
		if err != nil || r.Flagged {
			return r, err
		}
		last = r
	}
	return last, nil
}

// Actions of the admin policy for local posts.
const (
	Allow  = "allow"  // publish
	Warn   = "warn"   // the author must confirm; the post is marked for review
	Refuse = "refuse" // not published
)

// Decisions logged per screened text.
const (
	DecisionAllow      = "allow"      // nothing flagged, or the policy allows the category
	DecisionWarn       = "warn"       // a local post published after the author's confirmation
	DecisionRefuse     = "refuse"     // a local post refused, or not confirmed (no status)
	DecisionFlag       = "flag"       // a remote post flagged: collapsed, no notifications
	DecisionUnscreened = "unscreened" // the backend failed and screening failed open
)

// Options configure a Checker.
type Options struct {
	Timeout    time.Duration     // per screening call; 0 means 5 s
	FailClosed bool              // refuse local posts when the backend fails
	Policy     map[string]string // category -> Allow, Warn or Refuse
	Default    string            // the action of categories Policy leaves out; "" means Warn
	// Threshold is the lowest score that counts as flagged for backends
	// that score (0 keeps the backend's own flag).
	Threshold float64
}

// Checker runs a Screener with a bounded time and applies the admin policy.
// A nil *Checker screens nothing. It is safe for concurrent use.
type Checker struct {
	s    Screener
	opts Options
	log  *slog.Logger
}

// NewChecker returns a Checker over s; s nil means screening is off.
func NewChecker(s Screener, opts Options, log *slog.Logger) *Checker {
	if s == nil {
		return nil
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Default == "" {
		opts.Default = Warn
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Checker{s: s, opts: opts, log: log}
}

// ErrUnavailable is returned (wrapped) by Check when the backend reached no
// verdict and the checker fails closed.
var ErrUnavailable = errors.New("screening unavailable")

// Check screens text within the configured time. When the backend fails it
// logs once and returns a result with Backend set and Flagged false plus
// nil error (fail open: callers log DecisionUnscreened), or an error
// wrapping ErrUnavailable when the checker fails closed. A nil Checker
// returns a zero Result.
func (c *Checker) Check(ctx context.Context, text string) (r Result, failed bool, err error) {
	if c == nil || strings.TrimSpace(text) == "" {
		return Result{}, false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	r, err = c.s.Screen(ctx, text)
	if err != nil {
		c.log.Warn("screening failed", "fail_closed", c.opts.FailClosed, "err", err)
		if c.opts.FailClosed {
			return r, true, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return r, true, nil
	}
	if c.opts.Threshold > 0 && r.Scores != nil && r.Backend != "wordlist" {
		r.Flagged = r.Score >= c.opts.Threshold
	}
	return r, false, nil
}

// Action returns the admin policy's action for category.
func (c *Checker) Action(category string) string {
	if c == nil {
		return Allow
	}
	if a, ok := c.opts.Policy[category]; ok {
		return a
	}
	return c.opts.Default
}

// Enabled reports whether c screens anything.
func (c *Checker) Enabled() bool { return c != nil }

// User preferences per category for flagged remote posts.
const (
	Show     = "show"
	Collapse = "collapse" // the default
	Hide     = "hide"
)

// ValidAction reports whether a is an admin policy action.
func ValidAction(a string) bool { return a == Allow || a == Warn || a == Refuse }

// ValidPreference reports whether p is a user preference.
func ValidPreference(p string) bool { return p == Show || p == Collapse || p == Hide }
