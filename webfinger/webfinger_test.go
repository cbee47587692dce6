package webfinger

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func testHandler() *Handler {
	return &Handler{
		Host: "pictor.test", BaseURL: "https://pictor.test", ActorPrefix: "/users/", ProfilePrefix: "/@",
		Lookup: func(_ context.Context, u string) (Account, error) {
			if strings.EqualFold(u, "alice") {
				return Account{Username: "alice", ActorURL: "https://pictor.test/users/alice", ProfileURL: "https://pictor.test/@alice"}, nil
			}
			return Account{}, ErrNotFound
		},
	}
}

func TestServeWebFinger(t *testing.T) {
	h := testHandler()
	cases := []struct {
		resource string
		status   int
	}{
		{"acct:alice@pictor.test", 200},
		{"acct:ALICE@pictor.test", 200}, // case-insensitive username (checklist 2)
		{"alice@pictor.test", 200},
		{"https://pictor.test/users/alice", 200}, // actor URL (checklist 3)
		{"https://pictor.test/@alice", 200},
		{"acct:bob@pictor.test", 404},
		{"acct:alice@elsewhere.test", 404},
		{"https://elsewhere.test/users/alice", 404},
		{"", 400},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		h.ServeWebFinger(rec, httptest.NewRequest("GET", "/.well-known/webfinger?resource="+url.QueryEscape(tc.resource), nil))
		if rec.Code != tc.status {
			t.Errorf("%q: status %d, want %d", tc.resource, rec.Code, tc.status)
			continue
		}
		if tc.status != 200 {
			if !strings.Contains(rec.Body.String(), `"error"`) {
				t.Errorf("%q: error body %q", tc.resource, rec.Body)
			}
			continue
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/jrd+json") {
			t.Errorf("content type %q", ct)
		}
		var jrd JRD
		json.Unmarshal(rec.Body.Bytes(), &jrd)
		if jrd.Subject != "acct:alice@pictor.test" {
			t.Errorf("subject %q", jrd.Subject)
		}
		selfs := 0
		for _, l := range jrd.Links {
			if l.Rel == "self" {
				selfs++
				if l.Type != "application/activity+json" || l.Href != "https://pictor.test/users/alice" {
					t.Errorf("self link %+v", l)
				}
			}
		}
		if selfs != 1 {
			t.Errorf("%d self links, want exactly 1", selfs)
		}
		if got := jrd.Template(RelSubscribe); got != "https://pictor.test/authorize_interaction?uri={uri}" {
			t.Errorf("subscribe template %q", got)
		}
	}
}

func TestClientRoundTrip(t *testing.T) {
	h := testHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The test server answers for pictor.test whatever Host it is reached by.
		h.ServeWebFinger(w, r)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	h.Host = host
	c := &Client{HTTP: srv.Client(), Scheme: "http"}
	subject, actor, err := c.Resolve(context.Background(), "Alice", host)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "acct:alice@"+host || actor != "https://pictor.test/users/alice" {
		t.Fatalf("subject %q actor %q", subject, actor)
	}
	if _, _, err := c.Resolve(context.Background(), "nobody", host); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
}

func TestHostMeta(t *testing.T) {
	rec := httptest.NewRecorder()
	testHandler().ServeHostMeta(rec, httptest.NewRequest("GET", "/.well-known/host-meta", nil))
	if !strings.Contains(rec.Body.String(), `template="https://pictor.test/.well-known/webfinger?resource={uri}"`) {
		t.Fatalf("host-meta %s", rec.Body)
	}
}

func TestSplitHandle(t *testing.T) {
	cases := []struct {
		in, user, host string
		ok             bool
	}{
		{"@bob@Example.COM", "bob", "example.com", true},
		{"bob@example.com", "bob", "example.com", true},
		{"acct:bob@127.0.0.1:8443", "bob", "127.0.0.1:8443", true},
		{"bob", "", "", false},
		{"@bob@", "", "", false},
		{"https://x/@bob", "", "", false},
	}
	for _, tc := range cases {
		u, h, ok := SplitHandle(tc.in)
		if u != tc.user || h != tc.host || ok != tc.ok {
			t.Errorf("SplitHandle(%q) = %q %q %v", tc.in, u, h, ok)
		}
	}
}

// queryValue reads the first value of a key as url.ParseQuery and Get do.
func TestQueryValueAgreesWithParseQuery(t *testing.T) {
	for _, q := range []string{
		"resource=acct:alice@pictor.test",
		"resource=acct%3Aalice%40pictor.test",
		"rel=self&resource=acct:alice@pictor.test&resource=acct:bob@pictor.test",
		"resource=a+b",
		"resource=%zz&resource=acct:alice@pictor.test",
		"resource=x;y&resource=acct:alice@pictor.test",
		"res%6Furce=acct:alice@pictor.test",
		"resource",
		"resource=",
		"&&resource=acct:alice@pictor.test&",
		"",
		"other=1",
	} {
		vals, _ := url.ParseQuery(q)
		if got, want := queryValue(q, "resource"), vals.Get("resource"); got != want {
			t.Errorf("queryValue(%q) = %q, want %q", q, got, want)
		}
	}
}

// The kept document follows the lookup: a renamed account (another
// canonical spelling) gets its new subject and a new ETag at once.
func TestWebFingerDocumentFollowsLookup(t *testing.T) {
	name := "alice"
	h := testHandler()
	h.Lookup = func(_ context.Context, u string) (Account, error) {
		return Account{Username: name, ActorURL: "https://pictor.test/users/" + name, ProfileURL: "https://pictor.test/@" + name}, nil
	}
	get := func() (string, string) {
		w := httptest.NewRecorder()
		h.ServeWebFinger(w, httptest.NewRequest("GET", "/.well-known/webfinger?resource=acct:alice@pictor.test", nil))
		var jrd JRD
		if err := json.NewDecoder(w.Body).Decode(&jrd); err != nil || w.Code != 200 {
			t.Fatalf("%d %v", w.Code, err)
		}
		return jrd.Subject, w.Header().Get("ETag")
	}
	subj, tag := get()
	if again, tag2 := get(); again != subj || tag2 != tag || tag == "" {
		t.Fatalf("same account: %q %q then %q %q", subj, tag, again, tag2)
	}
	name = "Alice"
	if subj2, tag2 := get(); subj2 != "acct:Alice@pictor.test" || tag2 == tag {
		t.Fatalf("renamed: %q %q (was %q)", subj2, tag2, tag)
	}
}
