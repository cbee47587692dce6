package mastoapi_test

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/server/servertest"
)

// testClock is a settable clock for the server.
type testClock struct {
	mu sync.Mutex
	d  time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.d)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.d += d
	c.mu.Unlock()
}

type pollJSON struct {
	ID          string `json:"id"`
	ExpiresAt   string `json:"expires_at"`
	Expired     bool   `json:"expired"`
	Multiple    bool   `json:"multiple"`
	VotesCount  int    `json:"votes_count"`
	VotersCount *int   `json:"voters_count"`
	Voted       *bool  `json:"voted"`
	OwnVotes    []int  `json:"own_votes"`
	Options     []struct {
		Title      string `json:"title"`
		VotesCount *int   `json:"votes_count"`
	} `json:"options"`
	Emojis []any `json:"emojis"`
}

func (p pollJSON) counts() []int {
	var out []int
	for _, o := range p.Options {
		if o.VotesCount == nil {
			out = append(out, -1)
		} else {
			out = append(out, *o.VotesCount)
		}
	}
	return out
}

func eqInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A poll posted with a status (JSON, as masto.js and Tusky send it) shows
// on the status and at /api/v1/polls/:id; votes are counted once, with the
// viewer's own votes, and the refusals Mastodon gives answer 422.
func TestPollCreateAndVote(t *testing.T) {
	e := start(t)
	_, alice := e.login(t, "alice", "read write")
	_, bob := e.login(t, "bob", "read write")
	_, carol := e.login(t, "carol", "read write")

	var st struct {
		ID   string    `json:"id"`
		Poll *pollJSON `json:"poll"`
	}
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: alice, json: map[string]any{"status": "Tea or coffee?",
		"poll": map[string]any{"options": []string{"tea", "coffee", "water"}, "expires_in": 600}}}, 200, &st)
	if st.Poll == nil || len(st.Poll.Options) != 3 || st.Poll.Options[1].Title != "coffee" || st.Poll.Multiple ||
		st.Poll.Expired || st.Poll.Voted == nil || *st.Poll.Voted || st.Poll.OwnVotes == nil || st.Poll.Emojis == nil {
		t.Fatalf("poll on the new status: %+v", st.Poll)
	}
	if exp, err := time.Parse(time.RFC3339, st.Poll.ExpiresAt); err != nil || time.Until(exp) < 590*time.Second || time.Until(exp) > 610*time.Second {
		t.Fatalf("expires_at %q", st.Poll.ExpiresAt)
	}
	votes := "/api/v1/polls/" + st.Poll.ID + "/votes"
	var got pollJSON
	e.call(t, req{method: "POST", path: votes, token: bob, form: url.Values{"choices[]": {"1"}}}, 200, &got)
	if !eqInts(got.counts(), []int{0, 1, 0}) || got.VotesCount != 1 || *got.VotersCount != 1 || !*got.Voted || !eqInts(got.OwnVotes, []int{1}) {
		t.Fatalf("after bob's vote: %+v", got)
	}
	refusals := []struct {
		name    string
		token   string
		choices []string
	}{
		{"second vote", bob, []string{"0"}},
		{"own poll", alice, []string{"0"}},
		{"choice out of range", carol, []string{"3"}},
		{"two choices on a single-choice poll", carol, []string{"0", "2"}},
		{"no choice", carol, nil},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			e.call(t, req{method: "POST", path: votes, token: r.token, json: map[string]any{"choices": r.choices}}, 422, nil)
		})
	}
	var anon pollJSON
	e.call(t, req{method: "GET", path: "/api/v1/polls/" + st.Poll.ID}, 200, &anon)
	if anon.Voted != nil || anon.OwnVotes != nil || !eqInts(anon.counts(), []int{0, 1, 0}) {
		t.Fatalf("anonymous view: %+v", anon)
	}
	var carolView struct{ Poll pollJSON }
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + st.ID, token: carol}, 200, &carolView)
	if carolView.Poll.Voted == nil || *carolView.Poll.Voted || carolView.Poll.VotesCount != 1 {
		t.Fatalf("carol's view of the status: %+v", carolView.Poll)
	}
	e.call(t, req{method: "GET", path: "/api/v1/polls/999999"}, 404, nil)

	// Edits: the same poll keeps its votes; other options replace it.
	var edited struct{ Poll pollJSON }
	e.call(t, req{method: "PUT", path: "/api/v1/statuses/" + st.ID, token: alice, json: map[string]any{"status": "Tea or coffee?!",
		"poll": map[string]any{"options": []string{"tea", "coffee", "water"}, "expires_in": 600}}}, 200, &edited)
	if edited.Poll.VotesCount != 1 {
		t.Fatalf("unchanged poll lost its votes: %+v", edited.Poll)
	}
	e.call(t, req{method: "PUT", path: "/api/v1/statuses/" + st.ID, token: alice, json: map[string]any{"status": "Tea or juice?",
		"poll": map[string]any{"options": []string{"tea", "juice"}, "expires_in": 900}}}, 200, &edited)
	if edited.Poll.VotesCount != 0 || len(edited.Poll.Options) != 2 || edited.Poll.Options[1].Title != "juice" {
		t.Fatalf("changed poll: %+v", edited.Poll)
	}
	e.call(t, req{method: "GET", path: "/api/v1/polls/" + st.Poll.ID, token: bob}, 200, &got)
	if *got.Voted || len(got.OwnVotes) != 0 {
		t.Fatalf("bob's vote survived the change: %+v", got)
	}
}

// Multiple-choice polls count each voter once; hidden totals are null
// until the end.
func TestPollMultipleAndHiddenTotals(t *testing.T) {
	e := start(t)
	_, alice := e.login(t, "alice", "read write")
	_, bob := e.login(t, "bob", "read write")
	var st struct{ Poll pollJSON }
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: alice, form: url.Values{"status": {"pick any"},
		"poll[options][]": {"a", "b", "c"}, "poll[expires_in]": {"3600"}, "poll[multiple]": {"true"},
		"poll[hide_totals]": {"true"}}}, 200, &st)
	var got pollJSON
	e.call(t, req{method: "POST", path: "/api/v1/polls/" + st.Poll.ID + "/votes", token: bob,
		json: map[string]any{"choices": []string{"0", "2"}}}, 200, &got)
	if !got.Multiple || !eqInts(got.counts(), []int{-1, -1, -1}) || got.VotersCount != nil || !eqInts(got.OwnVotes, []int{0, 2}) {
		t.Fatalf("hidden totals: %+v", got)
	}
}

// Limits are Mastodon's defaults, stated in configuration.polls, and a poll
// with media is refused.
func TestPollLimits(t *testing.T) {
	e := start(t)
	_, alice := e.login(t, "alice", "read write")
	media := e.upload(t, alice, "")
	cases := []struct {
		name string
		body map[string]any
	}{
		{"one option", map[string]any{"options": []string{"a"}, "expires_in": 600}},
		{"five options", map[string]any{"options": []string{"a", "b", "c", "d", "e"}, "expires_in": 600}},
		{"option too long", map[string]any{"options": []string{"a", strings.Repeat("x", 51)}, "expires_in": 600}},
		{"duplicate options", map[string]any{"options": []string{"a", "a"}, "expires_in": 600}},
		{"too short", map[string]any{"options": []string{"a", "b"}, "expires_in": 299}},
		{"too long", map[string]any{"options": []string{"a", "b"}, "expires_in": 2629747}},
		{"no expiry", map[string]any{"options": []string{"a", "b"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.call(t, req{method: "POST", path: "/api/v1/statuses", token: alice, json: map[string]any{"status": "q", "poll": c.body}}, 422, nil)
		})
	}
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: alice, json: map[string]any{"status": "q", "media_ids": []string{media},
		"poll": map[string]any{"options": []string{"a", "b"}, "expires_in": 600}}}, 422, nil)
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: alice, json: map[string]any{"status": "q",
		"poll": map[string]any{"options": []string{"a", strings.Repeat("é", 50), "c", "d"}, "expires_in": 2629746}}}, 200, nil)
	fake := &fakeImaginer{srv: e}
	e.API.Imaginer = fake
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: alice, json: map[string]any{"status": "/imagine a fox",
		"poll": map[string]any{"options": []string{"a", "b"}, "expires_in": 600}}}, 422, nil)
	if fake.prompt != "" {
		t.Fatal("an image was generated for a post with a poll")
	}
	for _, path := range []string{"/api/v1/instance", "/api/v2/instance"} {
		var inst struct {
			Configuration struct {
				Polls map[string]int `json:"polls"`
			} `json:"configuration"`
		}
		e.call(t, req{method: "GET", path: path}, 200, &inst)
		p := inst.Configuration.Polls
		if p["max_options"] != 4 || p["max_characters_per_option"] != 50 || p["min_expiration"] != 300 || p["max_expiration"] != 2629746 {
			t.Fatalf("%s polls = %v", path, p)
		}
	}
}

// When a poll ends, votes are refused, and its author and its voters get a
// `poll` notification.
func TestPollEndNotifies(t *testing.T) {
	clock := &testClock{}
	e := &env{servertest.Start(t, servertest.Options{Clock: clock.Now})}
	_, alice := e.login(t, "alice", "read write")
	_, bob := e.login(t, "bob", "read write")
	_, carol := e.login(t, "carol", "read write")
	var st struct {
		ID   string
		Poll pollJSON
	}
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: alice, json: map[string]any{"status": "soon over",
		"poll": map[string]any{"options": []string{"a", "b"}, "expires_in": 300}}}, 200, &st)
	e.call(t, req{method: "POST", path: "/api/v1/polls/" + st.Poll.ID + "/votes", token: bob, json: map[string]any{"choices": []int{0}}}, 200, nil)
	clock.Advance(301 * time.Second)
	e.call(t, req{method: "POST", path: "/api/v1/polls/" + st.Poll.ID + "/votes", token: carol, json: map[string]any{"choices": []int{1}}}, 422, nil)
	var got pollJSON
	e.call(t, req{method: "GET", path: "/api/v1/polls/" + st.Poll.ID, token: carol}, 200, &got)
	if !got.Expired || !eqInts(got.counts(), []int{1, 0}) {
		t.Fatalf("ended poll: %+v", got)
	}
	e.post(t, carol, "wake the workers") // a status event recomputes the worker's next due time
	for _, who := range []struct {
		name, token string
	}{{"alice", alice}, {"bob", bob}} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			var ns []struct {
				Type   string
				Status struct{ ID string }
			}
			e.call(t, req{method: "GET", path: "/api/v1/notifications?types[]=poll", token: who.token}, 200, &ns)
			if len(ns) == 1 && ns[0].Type == "poll" && ns[0].Status.ID == st.ID {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: poll notifications %+v", who.name, ns)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
