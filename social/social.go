// Package social holds the use cases of local users: create, edit and delete
// statuses, upload media, follow, favourite, boost and update the profile.
// Each use case is one store transaction that also enqueues the outgoing
// activity, so a change and its federation commit together. The client API,
// the web pages, the CLI and the generator bot all call these.
package social

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/store"
	"github.com/pictor-social/pictor/webfinger"
)

// Options bounds what users may post.
type Options struct {
	MaxChars       int // status text length (default 500)
	MaxMedia       int // attachments per status (default 4)
	MaxDescription int // alt text length (default 1500)
	Media          media.Limits
	// MediaBudget admits image processing against the memory budget the
	// server shares with the remote-media cache (nil: no admission control).
	MediaBudget *media.Budget
	// AILabel and AIHashtag mark every post that carries a generated image
	// (config generation.label and generation.hashtag; product.md 4.1).
	AILabel   string
	AIHashtag string
}

// Service runs the use cases. It is safe for concurrent use.
type Service struct {
	db    *store.DB
	fed   *activitypub.Federation
	files media.Storage
	hub   *pubsub.Hub
	opts  Options
}

// New builds the service.
func New(db *store.DB, fed *activitypub.Federation, files media.Storage, hub *pubsub.Hub, opts Options) *Service {
	if opts.MaxChars == 0 {
		opts.MaxChars = 500
	}
	if opts.MaxMedia == 0 {
		opts.MaxMedia = activitypub.MaxAttachments
	}
	if opts.MaxDescription == 0 {
		opts.MaxDescription = 1500
	}
	if opts.AILabel == "" {
		opts.AILabel = "AI-generated image"
	}
	return &Service{db: db, fed: fed, files: files, hub: hub, opts: opts}
}

// Options returns the limits in force.
func (s *Service) Options() Options { return s.opts }

// Federation returns the federation component (for URL building).
func (s *Service) Federation() *activitypub.Federation { return s.fed }

// usernameRE is the Bridgy-Fed-safe username charset (checklist 9).
var usernameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9_-]{0,28}[a-z0-9])?$`)

// reservedNames cannot be registered: they name paths or roles.
var reservedNames = map[string]bool{"admin": false, "actor": true, "inbox": true, "api": true, "oauth": true,
	"static": true, "media": true, "users": true, "about": true, "explore": true, "tags": true, "settings": true}

// NewAccount describes a local account to create.
type NewAccount struct {
	Username     string
	PasswordHash string // from auth.HashPassword; "" for accounts that cannot sign in
	Email        string
	Admin        bool
	Bot          bool
	DisplayName  string
	Note         string
}

// CreateAccount creates a local account with a fresh key pair. The username
// must be lower-case letters, digits, '_' or '-' (Bluesky-bridge safe) and
// not taken.
func (s *Service) CreateAccount(ctx context.Context, na NewAccount) (store.Account, error) {
	na.Username = strings.ToLower(strings.TrimPrefix(na.Username, "@"))
	if !usernameRE.MatchString(na.Username) || strings.Contains(na.Username, "__") || reservedNames[na.Username] {
		return store.Account{}, apperr.Invalid("username must be 1-30 lower-case letters, digits, '_' or '-', not starting or ending with '_' or '-'")
	}
	a, err := s.fed.NewLocalAccount(na.Username)
	if err != nil {
		return store.Account{}, err
	}
	a.DisplayName, a.Bot = na.DisplayName, na.Bot
	if a.DisplayName == "" {
		a.DisplayName = na.Username
	}
	a.NoteSource = na.Note
	a.Note = Format(na.Note, s.fed.URLs.Tag(""), noMentions).HTML
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		if na.PasswordHash == "" {
			return nil
		}
		return tx.InsertUser(ctx, &store.User{AccountID: a.ID, Email: na.Email, PasswordHash: na.PasswordHash, Admin: na.Admin})
	})
	if errors.Is(err, store.ErrConflict) {
		return store.Account{}, apperr.Conflict("username %q is taken", na.Username)
	}
	return a, err
}

// AILabelLine returns the visible line that marks a post with a generated
// image, e.g. "AI-generated image (builtin pictor-abstract-1) #AIGenerated".
func (s *Service) AILabelLine(backend, model string) string {
	line := s.opts.AILabel
	if g := strings.TrimSpace(backend + " " + model); g != "" {
		line += " (" + g + ")"
	}
	if s.opts.AIHashtag != "" {
		line += " #" + s.opts.AIHashtag
	}
	return line
}

// AIHashtag returns the hashtag (without '#') added to posts with generated
// images, or "" for none.
func (s *Service) AIHashtag() string { return s.opts.AIHashtag }

// labelled adds the AI label line to text unless it is already there (posts
// composed by genimage and the web composer carry it), so every post with a
// generated image is marked however it was made.
func (s *Service) labelled(text string, media []store.MediaAttachment) string {
	for _, m := range media {
		if !m.Generated() {
			continue
		}
		if strings.Contains(text, s.opts.AILabel) || (s.opts.AIHashtag != "" && strings.Contains(strings.ToLower(text), "#"+strings.ToLower(s.opts.AIHashtag))) {
			return text
		}
		label := s.AILabelLine(m.GeneratorBackend, m.GeneratorModel)
		if strings.TrimSpace(text) == "" {
			return label
		}
		return strings.TrimSpace(text) + "\n\n" + label
	}
	return text
}

func noMentions(string) (string, string, bool) { return "", "", false }

// localAccount loads a local account that may act.
func (s *Service) localAccount(ctx context.Context, id int64) (store.Account, error) {
	a, err := s.db.AccountByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.Local()) {
		return store.Account{}, apperr.NotFound("account not found")
	}
	if err == nil && !a.SuspendedAt.IsZero() {
		return store.Account{}, apperr.Forbidden("this account is suspended")
	}
	return a, err
}

// ResolveMention turns a handle typed in a status into an account: local
// names from the store, remote ones through WebFinger.
func (s *Service) ResolveMention(ctx context.Context, handle string) (store.Account, error) {
	user, host, ok := webfinger.SplitHandle(handle)
	if !ok {
		user, host = strings.TrimPrefix(handle, "@"), ""
	}
	return s.fed.ResolveHandle(ctx, user, host)
}

func textLength(s string) int { return utf8.RuneCountInString(s) }

// errorf wraps an error with context unless it is already user-facing.
func errorf(err error, format string, args ...any) error {
	if _, ok := apperr.As(err); ok {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
