package fedipeer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// callTimeout bounds one control call. Calls that deliver (follow, post, …)
// wait for the remote inbox to answer, so this is generous.
const callTimeout = 30 * time.Second

// ControlError is a non-2xx answer from the control API. Status 4xx means the
// request was wrong (unknown actor, unresolvable handle); 502 means the peer
// tried and failed, for instance because the remote inbox refused a delivery.
type ControlError struct {
	Status  int
	Message string
}

func (e *ControlError) Error() string {
	return fmt.Sprintf("fedify peer control: %d: %s", e.Status, e.Message)
}

// Do calls the control API: method and path (e.g. "POST", "follow") under
// /_control/, in encoded as the JSON body when not nil, the answer decoded into
// out when not nil. It returns *ControlError for non-2xx answers. Tests that
// expect a call to fail use Do; the typed methods fail the test instead.
func (p *Peer) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s request: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, p.URL+"/_control/"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("fedify peer control %s: %w", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read %s answer: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		_ = json.Unmarshal(data, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		return &ControlError{Status: resp.StatusCode, Message: e.Error}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode %s answer: %w", path, err)
	}
	return nil
}

func (p *Peer) must(t testing.TB, method, path string, in, out any) {
	t.Helper()
	if err := p.Do(context.Background(), method, path, in, out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
}

// Follow makes the local actor as resolve handle ("@user@host", via WebFinger
// over https) and send it a Follow. It returns the Follow's id once the remote
// inbox has accepted the delivery; the Accept arrives later (see WaitInbox).
func (p *Peer) Follow(t testing.TB, as, handle string) string {
	t.Helper()
	var out struct{ ID string }
	p.must(t, "POST", "follow", map[string]string{"as": as, "handle": handle}, &out)
	return out.ID
}

// Attachment is a media attachment of a Post, sent as an AS2 Document.
type Attachment struct {
	URL       string `json:"url"`
	MediaType string `json:"mediaType,omitempty"`
	Name      string `json:"name,omitempty"`
}

// Post is what the peer's actor posts.
type Post struct {
	Content     string       `json:"content"`               // HTML
	Mentions    []string     `json:"mentions,omitempty"`    // actor URLs or handles; each gets a Mention tag and a copy
	InReplyTo   string       `json:"inReplyTo,omitempty"`   // object id
	To          string       `json:"to,omitempty"`          // public (default), unlisted, followers, direct
	Summary     string       `json:"summary,omitempty"`     // content warning
	Sensitive   bool         `json:"sensitive,omitempty"`   //
	Attachments []Attachment `json:"attachments,omitempty"` //
}

// PostResult names what Post created.
type PostResult struct {
	ID         string `json:"id"`         // the Note's id
	ActivityID string `json:"activityId"` // the Create's id
}

// Post makes as publish a Note in a Create, delivered to its followers (unless
// direct) and to the mentioned actors, and returns once every inbox took it.
func (p *Peer) Post(t testing.TB, as string, post Post) PostResult {
	t.Helper()
	var out PostResult
	in := struct {
		As string `json:"as"`
		Post
	}{as, post}
	p.must(t, "POST", "post", in, &out)
	return out
}

// Like makes as like the object (a note URL), delivered to its author, and
// returns the Like's id.
func (p *Peer) Like(t testing.TB, as, object string) string {
	t.Helper()
	return p.activity(t, "like", map[string]string{"as": as, "object": object})
}

// Announce makes as boost the object, delivered to its author and to as's
// followers, and returns the Announce's id.
func (p *Peer) Announce(t testing.TB, as, object string) string {
	t.Helper()
	return p.activity(t, "announce", map[string]string{"as": as, "object": object})
}

// Undo makes as undo an activity it sent earlier (Follow, Like, Announce, …),
// embedding the original activity, delivered to the original's recipients.
func (p *Peer) Undo(t testing.TB, as, activityID string) string {
	t.Helper()
	return p.activity(t, "undo", map[string]string{"as": as, "activityId": activityID})
}

// Delete makes as delete one of its notes (a Delete with a Tombstone).
func (p *Peer) Delete(t testing.TB, as, noteID string) string {
	t.Helper()
	return p.activity(t, "delete", map[string]string{"as": as, "object": noteID})
}

// Vote makes as vote for the option named name of the poll question (a
// Question's id), as Mastodon votes: a Create of a named Note replying to
// it, delivered to its author only. It returns the Note's id.
func (p *Peer) Vote(t testing.TB, as, question, name string) string {
	t.Helper()
	return p.activity(t, "vote", map[string]string{"as": as, "question": question, "name": name})
}

func (p *Peer) activity(t testing.TB, path string, in map[string]string) string {
	t.Helper()
	var out struct{ ID string }
	p.must(t, "POST", path, in, &out)
	return out.ID
}

// Object is a remote object as Fedify parsed it, re-serialised as compact
// JSON-LD (Fedify's own context, so plain AS2 property names).
type Object struct {
	ID   string          `json:"id"`
	Type string          `json:"type"`
	JSON json.RawMessage `json:"json"`
}

// Lookup resolves a handle ("@user@host", via WebFinger) or a URL the way
// Fedify's lookupObject does, with unsigned fetches.
func (p *Peer) Lookup(t testing.TB, target string) Object {
	t.Helper()
	return p.LookupAs(t, "", target)
}

// LookupAs is Lookup with fetches signed by the local actor as (as Mastodon
// signs every fetch); an empty as means unsigned.
func (p *Peer) LookupAs(t testing.TB, as, target string) Object {
	t.Helper()
	in := map[string]string{}
	if as != "" {
		in["as"] = as
	}
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		in["url"] = target
	} else {
		in["handle"] = target
	}
	var out Object
	p.must(t, "POST", "lookup", in, &out)
	return out
}

// FetchRequest is a plain GET made by the peer's Node runtime.
type FetchRequest struct {
	URL       string `json:"url"`
	Accept    string `json:"accept,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
	As        string `json:"as,omitempty"` // sign the GET as this local actor (draft-cavage)
}

// FetchResult describes the response the peer got, after redirects.
type FetchResult struct {
	URL         string            `json:"url"`
	Status      int               `json:"status"`
	ContentType string            `json:"contentType"`
	Headers     map[string]string `json:"headers"`
	Bytes       int               `json:"bytes"`
	SHA256      string            `json:"sha256"` // hex
}

// Fetch makes the peer GET a URL and reports what came back. Bodies over
// 64 MiB fail the call.
func (p *Peer) Fetch(t testing.TB, req FetchRequest) FetchResult {
	t.Helper()
	var out FetchResult
	p.must(t, "POST", "fetch", req, &out)
	return out
}

// Delivery is one POST the peer's inboxes received, accepted or not.
type Delivery struct {
	Path   string `json:"path"`
	Status int    `json:"status"`
	ID     string `json:"id"`
	Type   string `json:"type"`
	Error  string `json:"error"` // the peer's answer body when Status is not 2xx
}

// Deliveries lists every POST to the peer's inboxes in arrival order,
// including those Fedify refused (bad signature, unknown actor).
func (p *Peer) Deliveries(t testing.TB) []Delivery {
	t.Helper()
	var out []Delivery
	p.must(t, "GET", "deliveries", nil, &out)
	return out
}

// Followers lists the actor ids following as.
func (p *Peer) Followers(t testing.TB, as string) []string {
	t.Helper()
	var out []string
	p.must(t, "GET", "followers?as="+url.QueryEscape(as), nil, &out)
	return out
}

// Following is one account the local actor follows or asked to follow.
type Following struct {
	Actor    string `json:"actor"`
	FollowID string `json:"followId"`
	State    string `json:"state"` // pending, accepted or rejected
}

// Following lists whom as follows or has asked to follow.
func (p *Peer) Following(t testing.TB, as string) []Following {
	t.Helper()
	var out []Following
	p.must(t, "GET", "following?as="+url.QueryEscape(as), nil, &out)
	return out
}
