package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
)

// getDoc GETs rawURL with accept and returns status, content type and body;
// no signature is sent.
func getDoc(t testing.TB, c *http.Client, rawURL, accept string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

type jrd struct {
	Subject string `json:"subject"`
	Links   []struct {
		Rel, Type, Href string
	} `json:"links"`
}

func webfinger(t testing.TB, srv *servertest.Server, resource string) (int, string, jrd) {
	t.Helper()
	status, ct, b := getDoc(t, srv.Client, srv.URL+"/.well-known/webfinger?resource="+url.QueryEscape(resource), "application/jrd+json, application/json")
	var doc jrd
	if status == http.StatusOK {
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("JRD: %v: %s", err, b)
		}
	}
	return status, ct, doc
}

// WebFinger answers acct: lookups with one self link to the actor, the
// subject resolves to the same actor again, and user names match in any case
// (checklist 1, 2).
func TestWebFinger(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	host := strings.TrimPrefix(srv.URL, "https://")
	for _, resource := range []string{"acct:alice@" + host, "acct:ALICE@" + host, "acct:Alice@" + strings.ToUpper(host)} {
		status, ct, doc := webfinger(t, srv, resource)
		if status != http.StatusOK || !strings.HasPrefix(ct, "application/jrd+json") {
			t.Fatalf("%s: status %d, type %q", resource, status, ct)
		}
		self := 0
		for _, l := range doc.Links {
			if l.Rel == "self" {
				self++
				if l.Type != "application/activity+json" || l.Href != alice.URI {
					t.Errorf("%s: self link %+v", resource, l)
				}
			}
		}
		if self != 1 || doc.Subject != "acct:alice@"+host {
			t.Fatalf("%s: subject %q, %d self links", resource, doc.Subject, self)
		}
		// Round trip: the subject resolves to the same actor (checklist 2).
		status, _, again := webfinger(t, srv, doc.Subject)
		if status != http.StatusOK || again.Subject != doc.Subject || len(again.Links) == 0 {
			t.Fatalf("round trip of %s: %d %+v", doc.Subject, status, again)
		}
	}
	if status, _, _ := webfinger(t, srv, "acct:nobody@"+host); status != http.StatusNotFound {
		t.Fatalf("unknown user: %d", status)
	}
}

// The actor answers every ActivityPub Accept form with AS2 JSON whose id is
// the URL, browsers get HTML, and no signature is needed for the actor, its
// key or the instance actor (checklist 4, 8).
func TestActorContentNegotiation(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	for _, accept := range []string{
		"application/activity+json",
		`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`,
		"application/ld+json",
		"application/activity+json, application/ld+json",
		`application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams", text/html; q=0.5`,
		"application/activity+json; charset=utf-8",
	} {
		for _, u := range []string{alice.URI, alice.PublicKeyID} {
			status, ct, b := getDoc(t, srv.Client, u, accept)
			if status != http.StatusOK || !strings.HasPrefix(ct, "application/activity+json") {
				t.Fatalf("GET %s (Accept %s): %d %q", u, accept, status, ct)
			}
			var doc struct {
				ID        string `json:"id"`
				PublicKey struct {
					ID, Owner, PublicKeyPem string
				} `json:"publicKey"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.ID != alice.URI || doc.PublicKey.ID != alice.PublicKeyID || !strings.Contains(doc.PublicKey.PublicKeyPem, "BEGIN PUBLIC KEY") {
				t.Fatalf("GET %s (Accept %s): id %q key %+v", u, accept, doc.ID, doc.PublicKey)
			}
		}
	}
	status, ct, _ := getDoc(t, srv.Client, alice.URI, "text/html,application/xhtml+xml,*/*;q=0.8")
	if status != http.StatusOK || !strings.HasPrefix(ct, "text/html") {
		// The HTML side may redirect to the profile page; the client follows it.
		t.Fatalf("browser GET: %d %q", status, ct)
	}
	status, ct, b := getDoc(t, srv.Client, srv.URL+"/actor", "application/activity+json")
	if status != http.StatusOK || !strings.HasPrefix(ct, "application/activity+json") || !strings.Contains(string(b), "publicKeyPem") {
		t.Fatalf("instance actor: %d %q %s", status, ct, b)
	}
}

// The actor document carries the context, type and fields Mastodon reads
// (checklist 5, 6); a bot is a Service and the instance actor an Application.
func TestActorDocument(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	bot, err := srv.Social.CreateAccount(context.Background(), social.NewAccount{Username: "imagebot", Bot: true})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Context           []any  `json:"@context"`
		ID                string `json:"id"`
		Type              string `json:"type"`
		PreferredUsername string `json:"preferredUsername"`
		Inbox, Outbox     string
		Followers         string `json:"followers"`
		Following         string `json:"following"`
		Endpoints         struct {
			SharedInbox string `json:"sharedInbox"`
		} `json:"endpoints"`
		PublicKey struct {
			ID, Owner, PublicKeyPem string
		} `json:"publicKey"`
	}
	for _, tc := range []struct{ url, typ string }{{alice.URI, "Person"}, {bot.URI, "Service"}, {srv.URL + "/actor", "Application"}} {
		status, _, b := getDoc(t, srv.Client, tc.url, "application/activity+json")
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", tc.url, status)
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Type != tc.typ || doc.ID != tc.url {
			t.Errorf("%s: type %q id %q", tc.url, doc.Type, doc.ID)
		}
		if doc.PublicKey.ID == "" || doc.PublicKey.Owner != doc.ID || doc.PublicKey.PublicKeyPem == "" || doc.Inbox == "" {
			t.Errorf("%s: key %+v inbox %q", tc.url, doc.PublicKey, doc.Inbox)
		}
	}
	status, _, b := getDoc(t, srv.Client, alice.URI, "application/activity+json")
	if status != http.StatusOK {
		t.Fatal(status)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	hasAS, hasSec := false, false
	terms := map[string]any{}
	for _, c := range doc.Context {
		switch v := c.(type) {
		case string:
			hasAS = hasAS || v == "https://www.w3.org/ns/activitystreams"
			hasSec = hasSec || v == "https://w3id.org/security/v1"
		case map[string]any:
			for k, x := range v {
				terms[k] = x
			}
		}
	}
	if !hasAS || !hasSec {
		t.Errorf("@context %v", doc.Context)
	}
	for _, term := range []string{"manuallyApprovesFollowers", "sensitive", "Hashtag", "featured", "discoverable", "indexable", "blurhash", "focalPoint", "PropertyValue"} {
		if terms[term] == nil {
			t.Errorf("@context lacks %s", term)
		}
	}
	u := srv.URL + "/users/alice"
	if doc.PreferredUsername != "alice" || doc.Inbox != u+"/inbox" || doc.Outbox != u+"/outbox" || doc.Followers != u+"/followers" ||
		doc.Following != u+"/following" || doc.Endpoints.SharedInbox != srv.URL+"/inbox" || doc.PublicKey.ID != u+"#main-key" {
		t.Errorf("actor fields: %+v", doc)
	}
}

// NodeInfo: the discovery document links schema 2.0 and 2.1, and 2.0 has
// every field clients read, with CORS (checklist 42).
func TestNodeInfo(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/.well-known/nodeinfo", nil)
	req.Header.Set("Origin", "https://phanpy.social")
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var disc struct{ Links []struct{ Rel, Href string } }
	json.NewDecoder(resp.Body).Decode(&disc)
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("discovery CORS %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	rels := map[string]string{}
	for _, l := range disc.Links {
		rels[l.Rel] = l.Href
	}
	href := rels["http://nodeinfo.diaspora.software/ns/schema/2.0"]
	if href != srv.URL+"/nodeinfo/2.0" || rels["http://nodeinfo.diaspora.software/ns/schema/2.1"] == "" {
		t.Fatalf("links %v", rels)
	}
	req, _ = http.NewRequest(http.MethodGet, href, nil)
	req.Header.Set("Origin", "https://elk.zone")
	resp, err = srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ni struct {
		Version  string `json:"version"`
		Software struct {
			Name, Version string
		} `json:"software"`
		Protocols         []string                   `json:"protocols"`
		Services          map[string]json.RawMessage `json:"services"`
		OpenRegistrations *bool                      `json:"openRegistrations"`
		Usage             struct {
			Users struct {
				Total *int `json:"total"`
			} `json:"users"`
			LocalPosts *int `json:"localPosts"`
		} `json:"usage"`
		Metadata map[string]any `json:"metadata"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ni); err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("nodeinfo CORS %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if ni.Version != "2.0" || ni.Software.Name != "pictor" || ni.Software.Version == "" || len(ni.Protocols) != 1 ||
		ni.Protocols[0] != "activitypub" || ni.Services["inbound"] == nil || ni.Services["outbound"] == nil ||
		ni.OpenRegistrations == nil || ni.Usage.Users.Total == nil || *ni.Usage.Users.Total != 1 || ni.Usage.LocalPosts == nil || ni.Metadata == nil {
		t.Fatalf("nodeinfo %+v", ni)
	}
}
