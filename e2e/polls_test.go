package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// fastPolls makes poll Updates go out 50 ms after a vote.
func fastPolls(c *config.File) {
	c.Federation.PollUpdateDelay = config.Duration{Duration: 50 * time.Millisecond}
}

// aliceFollowsRemote makes alice follow a, accepted.
func aliceFollowsRemote(t *testing.T, env *fedEnv, a *fakeActor) {
	t.Helper()
	r := env.remote
	_, fl, err := env.srv.Social.FollowHandle(context.Background(), env.alice.ID, "@"+a.Username+"@"+r.Host)
	if err != nil {
		t.Fatal(err)
	}
	r.waitInbox(t, "Follow", ofType("Follow"))
	sendDone(t, env, a, mustJSON(t, map[string]any{"id": a.ID + "#accept-1", "type": "Accept", "actor": a.ID, "object": fl.URI}))
}

// sendDone posts body signed by a to alice's inbox and waits until it is
// applied.
func sendDone(t *testing.T, env *fedEnv, a *fakeActor, body []byte) {
	t.Helper()
	if status, msg := env.remote.post(t, a, env.alice.InboxURI, body, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("POST %s: %d %s", body, status, msg)
	}
	if state, lastErr := waitProcessed(t, env.srv.DB, bodyID(body)); state != "done" {
		t.Fatalf("activity %s: %s: %s", bodyID(body), state, lastErr)
	}
}

func pollCounts(t *testing.T, db *store.DB, statusID int64) ([]int64, int64) {
	t.Helper()
	p, err := db.PollByStatusID(context.Background(), statusID)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, o := range p.Options {
		out = append(out, o.VotesCount)
	}
	return out, p.VotersCount
}

// A Mastodon Question (testdata fixture) from a followed account becomes a
// status with a poll; alice's vote goes to the poll's author as a Create of
// a Note named after the option, in reply to the Question, addressed to the
// author only; an Update of the Question refreshes the counts.
func TestRemotePollVote(t *testing.T) {
	env := newFedEnv(t, servertest.Options{Configure: fastPolls})
	r := env.remote
	bob := r.addActor("rinpatch")
	aliceFollowsRemote(t, env, bob)
	end := time.Now().Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	body := rehostFixture(t, "mastodon/create-question-poll.json", map[string]string{
		"https://mastodon.sdf.org/users/rinpatch": bob.ID, "https://mastodon.sdf.org/@rinpatch": bob.ID + "/web",
		"2019-05-11T09:03:36Z": end})
	sendDone(t, env, bob, body)
	questionID := bob.ID + "/statuses/102070944809637304"
	st, err := env.srv.DB.StatusByURI(context.Background(), questionID)
	if err != nil {
		t.Fatalf("question not stored: %v", err)
	}
	if counts, voters := pollCounts(t, env.srv.DB, st.ID); !slices.Equal(counts, []int64{0, 1, 0, 1}) || voters != 2 {
		t.Fatalf("counts %v voters %d", counts, voters)
	}

	if _, err := env.srv.Social.Vote(context.Background(), env.alice.ID, st.ID, []int{2}); err != nil {
		t.Fatal(err)
	}
	vote := r.waitInbox(t, "vote", func(rc received) bool {
		return rc.Activity.Type == "Create" && rc.Activity.Object.Object() != nil && rc.Activity.Object.Object().Name != ""
	})
	var doc struct {
		Type   string   `json:"type"`
		Actor  string   `json:"actor"`
		To     []string `json:"to"`
		Object struct {
			ID           string   `json:"id"`
			Type         string   `json:"type"`
			Name         string   `json:"name"`
			AttributedTo string   `json:"attributedTo"`
			InReplyTo    string   `json:"inReplyTo"`
			To           []string `json:"to"`
			Content      *string  `json:"content"`
		} `json:"object"`
	}
	if err := json.Unmarshal(vote.Body, &doc); err != nil {
		t.Fatal(err)
	}
	o := doc.Object
	if vote.Path != bob.Path+"/inbox" || doc.Actor != env.alice.URI || !slices.Equal(doc.To, []string{bob.ID}) ||
		o.Type != "Note" || o.Name != "25 char limit is dumb" || o.InReplyTo != questionID || o.AttributedTo != env.alice.URI ||
		!slices.Equal(o.To, []string{bob.ID}) || o.Content != nil || o.ID == "" {
		t.Fatalf("vote delivered to %s: %s", vote.Path, vote.Body)
	}
	if counts, _ := pollCounts(t, env.srv.DB, st.ID); !slices.Equal(counts, []int64{0, 1, 1, 1}) {
		t.Fatalf("after alice's vote: %v", counts)
	}
	if _, err := env.srv.Social.Vote(context.Background(), env.alice.ID, st.ID, []int{0}); err == nil {
		t.Fatal("second vote accepted")
	}

	// The author's results Update (no `updated`: only counts change).
	var create map[string]any
	json.Unmarshal(body, &create)
	q := create["object"].(map[string]any)
	q["oneOf"].([]any)[0].(map[string]any)["replies"].(map[string]any)["totalItems"] = 5
	q["oneOf"].([]any)[2].(map[string]any)["replies"].(map[string]any)["totalItems"] = 2
	q["votersCount"] = 8
	sendDone(t, env, bob, mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": questionID + "#updates/1", "type": "Update", "actor": bob.ID, "object": q}))
	if counts, voters := pollCounts(t, env.srv.DB, st.ID); !slices.Equal(counts, []int64{5, 1, 2, 1}) || voters != 8 {
		t.Fatalf("after the Update: %v voters %d", counts, voters)
	}
	own, _ := env.srv.DB.PollChoices(context.Background(), env.alice.ID, []int64{st.ID})
	if !slices.Equal(own[st.ID], []int{2}) {
		t.Fatalf("alice's vote after the Update: %v", own)
	}
}

// A local poll federates as a Question; a remote vote (a signed Create of a
// named Note replying to it) is counted once, is never shown as a status,
// and the followers and the voter receive an Update with the new counts.
func TestLocalPollRemoteVote(t *testing.T) {
	env := newFedEnv(t, servertest.Options{Configure: fastPolls})
	r := env.remote
	bob := r.addActor("bob")
	carol := r.addActor("carol")
	followAlice(t, env, r, bob)
	st, err := env.srv.Social.CreateStatus(context.Background(), env.alice.ID, social.Draft{Text: "Cats or dogs?",
		Poll: &social.PollDraft{Options: []string{"cats", "dogs"}, ExpiresIn: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	create := r.waitInbox(t, "Create of the Question", func(rc received) bool {
		return rc.Activity.Type == "Create" && rc.Activity.Object.ID() == st.URI
	})
	q := noteOf(t, create)
	if q["type"] != "Question" || len(q["oneOf"].([]any)) != 2 || q["endTime"] == nil || q["votersCount"] != float64(0) {
		t.Fatalf("Question: %s", create.Body)
	}

	vote := func(id, name string) []byte {
		return mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity",
			"type": "Create", "actor": carol.ID, "to": []string{env.alice.URI},
			"object": map[string]any{"id": id, "type": "Note", "name": name, "attributedTo": carol.ID,
				"inReplyTo": st.URI, "to": []string{env.alice.URI}}})
	}
	sendDone(t, env, carol, vote(carol.ID+"#votes/1", "dogs"))
	sendDone(t, env, carol, vote(carol.ID+"#votes/1", "dogs")) // redelivered
	sendDone(t, env, carol, vote(carol.ID+"#votes/2", "cats")) // a second choice on a single-choice poll
	sendDone(t, env, carol, vote(carol.ID+"#votes/3", "birds"))
	if counts, voters := pollCounts(t, env.srv.DB, st.ID); !slices.Equal(counts, []int64{0, 1}) || voters != 1 {
		t.Fatalf("counts %v voters %d", counts, voters)
	}
	if _, err := env.srv.DB.StatusByURI(context.Background(), carol.ID+"#votes/1"); err == nil {
		t.Fatal("the vote was stored as a status")
	}

	isUpdate := func(inbox string) func(rc received) bool {
		return func(rc received) bool {
			if rc.Activity.Type != "Update" || rc.Activity.Object.ID() != st.URI || rc.Path != inbox {
				return false
			}
			q := noteOf(t, rc)
			opts, _ := q["oneOf"].([]any)
			return len(opts) == 2 && opts[1].(map[string]any)["replies"].(map[string]any)["totalItems"] == float64(1) &&
				q["votersCount"] == float64(1)
		}
	}
	// bob and carol share the remote's shared inbox: one Update reaches both.
	r.waitInbox(t, "Update to the follower and the voter", isUpdate("/inbox"))
	updates := 0
	for _, rc := range r.received() {
		if rc.Activity.Type == "Update" {
			updates++
		}
	}
	if updates != 1 {
		t.Fatalf("%d Updates for one vote burst, want 1 (to the shared inbox)", updates)
	}

	status, _, body := getDoc(t, env.srv.Client, st.URI, "application/activity+json")
	if status != http.StatusOK {
		t.Fatalf("fetch Question: %d", status)
	}
	var fetched map[string]any
	json.Unmarshal(body, &fetched)
	if fetched["type"] != "Question" || fetched["votersCount"] != float64(1) {
		t.Fatalf("fetched: %s", body)
	}
}

// issueToken gives accountID an access token with scopes through the OAuth
// server's authorization-code flow.
func issueToken(t *testing.T, srv *servertest.Server, accountID int64, scopes string) string {
	t.Helper()
	ctx := context.Background()
	app, secret, err := srv.OAuth.RegisterApp(ctx, auth.AppRequest{ClientName: "polls e2e", RedirectURIs: []string{auth.OOBRedirectURI},
		Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	az, err := srv.OAuth.Authorize(ctx, auth.AuthorizeRequest{ResponseType: "code", ClientID: app.ClientID,
		RedirectURI: auth.OOBRedirectURI, Scope: scopes}, accountID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := srv.OAuth.Token(ctx, auth.TokenRequest{GrantType: "authorization_code", Code: az.Code,
		RedirectURI: auth.OOBRedirectURI, ClientID: app.ClientID, ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// masto.js (Elk, Phanpy) creates a poll, votes on it and reads it
// (e2e/clients/polls.mjs).
func TestClientLibraryPolls(t *testing.T) {
	node, dir := requireClientDeps(t)
	srv := servertest.Start(t, servertest.Options{})
	alice, bob := srv.CreateUser(t, "alice", ""), srv.CreateUser(t, "bob", "")
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("clients", "polls.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+srv.CA.PEMFile(), "PICTOR_URL="+srv.URL,
		"ALICE_TOKEN="+issueToken(t, srv, alice.ID, "read write"), "BOB_TOKEN="+issueToken(t, srv, bob.ID, "read write"))
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil || !strings.Contains(string(out), "DONE ") {
		t.Fatalf("polls.mjs failed: %v", err)
	}
}

// When a remote poll alice voted in ends, Pictor fetches the Question again
// for the final results (as Mastodon does) and tells alice it ended.
func TestRemotePollEndFetchesResults(t *testing.T) {
	clock := newFakeClock()
	env := newFedEnv(t, servertest.Options{Configure: fastPolls, Clock: clock.Now})
	r := env.remote
	r.setClock(clock.Now)
	bob := r.addActor("rinpatch")
	aliceFollowsRemote(t, env, bob)
	end := clock.Now().Add(10 * time.Minute).Format("2006-01-02T15:04:05Z")
	body := rehostFixture(t, "mastodon/create-question-poll.json", map[string]string{
		"https://mastodon.sdf.org/users/rinpatch": bob.ID, "https://mastodon.sdf.org/@rinpatch": bob.ID + "/web",
		"2019-05-11T09:03:36Z": end})
	sendDone(t, env, bob, body)
	questionID := bob.ID + "/statuses/102070944809637304"
	st, err := env.srv.DB.StatusByURI(context.Background(), questionID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.srv.Social.Vote(context.Background(), env.alice.ID, st.ID, []int{1}); err != nil {
		t.Fatal(err)
	}
	r.waitInbox(t, "vote", ofType("Create"))

	var create map[string]any
	json.Unmarshal(body, &create)
	q := create["object"].(map[string]any)
	for i, n := range []int{3, 4, 0, 1} {
		q["oneOf"].([]any)[i].(map[string]any)["replies"].(map[string]any)["totalItems"] = n
	}
	q["votersCount"], q["closed"] = 8, end
	r.addDoc(questionID, q)
	clock.Advance(11 * time.Minute)
	// Any new status wakes the poll worker to look at the clock again.
	if _, err := env.srv.Social.CreateStatus(context.Background(), env.alice.ID, social.Draft{Text: "tick"}); err != nil {
		t.Fatal(err)
	}
	servertest.Eventually(t, wait, "alice's poll notification", func() bool {
		ns, err := env.srv.DB.Notifications(context.Background(), env.alice.ID,
			store.NotificationFilter{Types: []string{store.NotifyPoll}}, store.Page{Limit: 5})
		return err == nil && len(ns) == 1 && ns[0].StatusID == st.ID
	})
	if counts, voters := pollCounts(t, env.srv.DB, st.ID); !slices.Equal(counts, []int64{3, 4, 0, 1}) || voters != 8 {
		t.Fatalf("final results not fetched: %v voters %d", counts, voters)
	}
}

// With a real Fedify peer: Fedify accepts Pictor's Question (signature and
// parse), its Mastodon-shaped vote is counted, and its actor receives the
// Update with the new count.
func TestFedifyPoll(t *testing.T) {
	fedipeer.RequireDeps(t)
	ctx := context.Background()
	ca := tlstest.New(t)
	srv := servertest.Start(t, servertest.Options{CA: ca, Configure: fastPolls})
	peer := fedipeer.Start(t, ca)
	alice := srv.CreateUser(t, "alice", "")
	peer.Follow(t, "bob", "@alice@"+strings.TrimPrefix(srv.URL, "https://"))
	peer.WaitInbox(t, "bob", fedipeer.OfType("Accept"), wait)

	st, err := srv.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "Cats or dogs?",
		Poll: &social.PollDraft{Options: []string{"cats", "dogs"}, ExpiresIn: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	create := peer.WaitInbox(t, "bob", func(a fedipeer.Activity) bool { return a.Type == "Create" && a.ObjectID() == st.URI }, wait)
	if create.ObjectType() != "Question" {
		t.Fatalf("Fedify received %s", create.JSON)
	}
	peer.Vote(t, "bob", st.URI, "dogs")
	servertest.Eventually(t, wait, "bob's vote counted", func() bool {
		p, err := srv.DB.PollByStatusID(ctx, st.ID)
		return err == nil && p.Options[1].VotesCount == 1 && p.VotersCount == 1
	})
	update := peer.WaitInbox(t, "bob", func(a fedipeer.Activity) bool { return a.Type == "Update" && a.ObjectID() == st.URI }, wait)
	var q struct {
		OneOf []struct {
			Name    string
			Replies struct{ TotalItems int }
		}
		VotersCount int
	}
	if err := json.Unmarshal(update.Object, &q); err != nil {
		t.Fatal(err)
	}
	if len(q.OneOf) != 2 || q.OneOf[1].Name != "dogs" || q.OneOf[1].Replies.TotalItems != 1 || q.VotersCount != 1 {
		t.Fatalf("Update as Fedify received it: %s", update.JSON)
	}
}
