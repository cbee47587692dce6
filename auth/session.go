package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pictor-social/pictor/store"
)

// SessionOptions configures Sessions; zero fields take the defaults in brackets.
type SessionOptions struct {
	Lifetime time.Duration // how long a session lasts without use [30 days]
	// Secure marks cookies Secure and gives them the __Host- prefix; set it
	// when the instance is served over https.
	Secure bool
	Now    func() time.Time // [time.Now]
}

// Sessions keeps browser sign-ins: a random token in an HttpOnly,
// SameSite=Lax cookie, stored only as its digest, with a sliding expiry.
// It is safe for concurrent use.
type Sessions struct {
	db   *store.DB
	opts SessionOptions
}

// Session is one signed-in browser.
type Session struct {
	AccountID int64
	CSRFToken string // goes into every form the signed-in user posts
	ExpiresAt time.Time
	hash      string
}

// NewSessions returns Sessions over db.
func NewSessions(db *store.DB, opts SessionOptions) *Sessions {
	if opts.Lifetime <= 0 {
		opts.Lifetime = 30 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Sessions{db: db, opts: opts}
}

// CookieName is the name of the session cookie.
func (s *Sessions) CookieName() string {
	if s.opts.Secure {
		return "__Host-pictor_session"
	}
	return "pictor_session"
}

func (s *Sessions) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// renewEvery is how often a used session's expiry moves forward: often
// enough that an active user never expires, rarely enough that page views
// seldom write.
func (s *Sessions) renewEvery() time.Duration { return min(time.Hour, s.opts.Lifetime/4) }

// Start signs accountID in: it stores a new session, sets its cookie on w
// and returns it. Expired sessions are swept on the way.
func (s *Sessions) Start(ctx context.Context, w http.ResponseWriter, r *http.Request, accountID int64) (Session, error) {
	token := RandomToken(tokenBytes)
	now := s.now()
	rec := store.WebSession{TokenHash: digest(token), AccountID: accountID, CSRFToken: RandomToken(tokenBytes),
		UserAgent: truncate(r.UserAgent(), 200), CreatedAt: now, ExpiresAt: now.Add(s.opts.Lifetime)}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.DeleteExpiredWebSessions(ctx, now); err != nil {
			return err
		}
		return tx.InsertWebSession(ctx, &rec)
	})
	if err != nil {
		return Session{}, fmt.Errorf("start session: %w", err)
	}
	s.setCookie(w, token, rec.ExpiresAt)
	return Session{AccountID: accountID, CSRFToken: rec.CSRFToken, ExpiresAt: rec.ExpiresAt, hash: rec.TokenHash}, nil
}

// Current returns the session named by r's cookie. ok is false when there is
// no cookie or the session is unknown or expired (an expired cookie is then
// cleared). A session used after renewEvery has its expiry moved to now plus
// the lifetime and its cookie re-sent on w.
func (s *Sessions) Current(ctx context.Context, w http.ResponseWriter, r *http.Request) (Session, bool, error) {
	c, err := r.Cookie(s.CookieName())
	if err != nil || c.Value == "" || len(c.Value) > maxPresentedToken {
		return Session{}, false, nil
	}
	rec, err := s.db.WebSessionByHash(ctx, digest(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		s.clearCookie(w)
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, fmt.Errorf("current session: %w", err)
	}
	now := s.now()
	if !now.Before(rec.ExpiresAt) {
		s.clearCookie(w)
		return Session{}, false, nil
	}
	sess := Session{AccountID: rec.AccountID, CSRFToken: rec.CSRFToken, ExpiresAt: rec.ExpiresAt, hash: rec.TokenHash}
	if now.Sub(rec.RenewedAt) >= s.renewEvery() {
		expires := now.Add(s.opts.Lifetime)
		err := s.db.Write(ctx, func(tx *store.Tx) error { return tx.RenewWebSession(ctx, rec.TokenHash, expires) })
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Session{}, false, fmt.Errorf("renew session: %w", err)
		}
		sess.ExpiresAt = expires
		s.setCookie(w, c.Value, expires)
	}
	return sess, true, nil
}

// End signs the browser out: it deletes the session named by r's cookie, if
// any, and clears the cookie.
func (s *Sessions) End(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	s.clearCookie(w)
	c, err := r.Cookie(s.CookieName())
	if err != nil || c.Value == "" || len(c.Value) > maxPresentedToken {
		return nil
	}
	hash := digest(c.Value)
	if err := s.db.Write(ctx, func(tx *store.Tx) error { return tx.DeleteWebSession(ctx, hash) }); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

func (s *Sessions) setCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: s.CookieName(), Value: token, Path: "/", Expires: expires,
		MaxAge: int(expires.Sub(s.now()).Seconds()), HttpOnly: true, Secure: s.opts.Secure, SameSite: http.SameSiteLaxMode})
}

func (s *Sessions) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.CookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.opts.Secure, SameSite: http.SameSiteLaxMode})
}
