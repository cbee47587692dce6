package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// sessionRequest returns a request carrying the cookies that rec set.
func sessionRequest(rec *httptest.ResponseRecorder) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://pictor.test/", nil)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge >= 0 {
			r.AddCookie(c)
		}
	}
	return r
}

func TestSessionLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := NewSessions(e.db, SessionOptions{Lifetime: 24 * time.Hour, Secure: true, Now: e.clock.Now})
	rec := httptest.NewRecorder()
	started, err := s.Start(ctx, rec, httptest.NewRequest(http.MethodPost, "https://pictor.test/signin", nil), e.alice)
	if err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v", cookies)
	}
	c := cookies[0]
	if c.Name != "__Host-pictor_session" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Fatalf("cookie attributes: %+v", c)
	}
	if _, err := e.db.WebSessionByHash(ctx, c.Value); err == nil {
		t.Fatal("the plain token is stored")
	}

	cur, ok, err := s.Current(ctx, httptest.NewRecorder(), sessionRequest(rec))
	if err != nil || !ok || cur.AccountID != e.alice || cur.CSRFToken != started.CSRFToken || cur.CSRFToken == "" {
		t.Fatalf("current = %+v %v %v", cur, ok, err)
	}

	// Used after 20 hours: the expiry slides to 24 hours from then.
	e.clock.Advance(20 * time.Hour)
	rec2 := httptest.NewRecorder()
	cur, ok, err = s.Current(ctx, rec2, sessionRequest(rec))
	if err != nil || !ok {
		t.Fatalf("before expiry: %v %v", ok, err)
	}
	if want := e.clock.Now().Add(24 * time.Hour); !cur.ExpiresAt.Equal(want.UTC().Truncate(time.Millisecond)) {
		t.Fatalf("expires %v, want %v", cur.ExpiresAt, want)
	}
	if len(rec2.Result().Cookies()) != 1 {
		t.Fatal("renewal did not re-send the cookie")
	}
	e.clock.Advance(23 * time.Hour)
	if _, ok, _ := s.Current(ctx, httptest.NewRecorder(), sessionRequest(rec)); !ok {
		t.Fatal("renewed session expired early")
	}

	// Sign out: the session is gone for good.
	if err := s.End(ctx, httptest.NewRecorder(), sessionRequest(rec)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Current(ctx, httptest.NewRecorder(), sessionRequest(rec)); ok {
		t.Fatal("session still valid after End")
	}
}

func TestSessionExpires(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := NewSessions(e.db, SessionOptions{Lifetime: time.Hour, Now: e.clock.Now})
	rec := httptest.NewRecorder()
	if _, err := s.Start(ctx, rec, httptest.NewRequest(http.MethodPost, "/signin", nil), e.alice); err != nil {
		t.Fatal(err)
	}
	if c := rec.Result().Cookies()[0]; c.Name != "pictor_session" || c.Secure {
		t.Fatalf("plain-http cookie: %+v", c)
	}
	e.clock.Advance(time.Hour)
	out := httptest.NewRecorder()
	if _, ok, err := s.Current(ctx, out, sessionRequest(rec)); ok || err != nil {
		t.Fatalf("expired session accepted: %v %v", ok, err)
	}
	if c := out.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Fatalf("expired cookie not cleared: %+v", c)
	}
	// A new sign-in sweeps the expired row.
	if _, err := s.Start(ctx, httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/signin", nil), e.alice); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.WebSessionByHash(ctx, digest(rec.Result().Cookies()[0].Value)); err == nil {
		t.Fatal("expired session row kept")
	}
}

func TestSessionRejectsUnknownAndOversizeCookies(t *testing.T) {
	e := newEnv(t)
	s := NewSessions(e.db, SessionOptions{Now: e.clock.Now})
	for _, v := range []string{"", "nope", strings.Repeat("x", 600)} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: "pictor_session", Value: v})
		if _, ok, err := s.Current(context.Background(), httptest.NewRecorder(), r); ok || err != nil {
			t.Fatalf("cookie %.10q: %v %v", v, ok, err)
		}
	}
}

func TestCSRFCheck(t *testing.T) {
	c := NewCSRF("https://pictor.test")
	rec := httptest.NewRecorder()
	anon := c.AnonymousToken(rec, httptest.NewRequest(http.MethodGet, "/signin", nil))
	anonCookie := rec.Result().Cookies()[0]
	if anonCookie.Name != "__Host-pictor_csrf" || !anonCookie.HttpOnly || !anonCookie.Secure {
		t.Fatalf("anonymous cookie: %+v", anonCookie)
	}
	const session = "session-token-0123456789abcdef"
	// The same token with its first character changed (the token is
	// random: a fixed replacement would match it one time in 64).
	mismatch := "x" + anon[1:]
	if anon[0] == 'x' {
		mismatch = "y" + anon[1:]
	}
	cases := []struct {
		name     string
		expected string // "" means the anonymous cookie
		field    string
		cookie   bool
		headers  map[string]string
		ok       bool
	}{
		{"session token", session, session, false, nil, true},
		{"session token missing", session, "", false, nil, false},
		{"session token wrong", session, "session-token-0123456789abcdeX", false, nil, false},
		{"anonymous double submit", "", anon, true, nil, true},
		{"anonymous without cookie", "", anon, false, nil, false},
		{"anonymous mismatch", "", mismatch, true, nil, false},
		{"same origin", session, session, false, map[string]string{"Origin": "https://pictor.test", "Sec-Fetch-Site": "same-origin"}, true},
		{"cross origin", session, session, false, map[string]string{"Origin": "https://evil.test"}, false},
		{"cross site fetch", session, session, false, map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
		{"user typed", session, session, false, map[string]string{"Sec-Fetch-Site": "none"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{}
			if tc.field != "" {
				form.Set(CSRFField, tc.field)
			}
			r := httptest.NewRequest(http.MethodPost, "https://pictor.test/x", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.cookie {
				r.AddCookie(anonCookie)
			}
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			err := c.Check(r, tc.expected)
			if (err == nil) != tc.ok {
				t.Fatalf("Check = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
