package mastoapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/screening"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// screeningConfig sets a policy per category on the offline word list.
func screeningConfig(c *config.File) {
	c.Screening.Words = []string{"pineapple"}
	c.Screening.Policy = map[string]string{"hate": "refuse", "harassment": "warn", "word-list": "allow"}
	c.Screening.DefaultAction = "warn"
}

func TestScreeningPolicyOnLocalPosts(t *testing.T) {
	e := &env{servertest.Start(t, servertest.Options{Configure: screeningConfig})}
	_, tok := e.login(t, "alice", "read write")
	cases := []struct {
		name, text string
		ack        bool
		want       int
		action     string // the screening member of a 422
		category   string
		decision   string // logged; "" means none with a status
	}{
		{"clean", "a quiet lake at dawn", false, 200, "", "", screening.DecisionAllow},
		{"allowed category", "pineapple on pizza", false, 200, "", "", screening.DecisionAllow},
		{"warned", "just kys already", false, 422, "warn", "harassment", ""},
		{"warned and confirmed", "just kys already", true, 200, "", "", screening.DecisionWarn},
		{"refused", "you subhuman", false, 422, "refuse", "hate", ""},
		{"refused even confirmed", "you subhuman", true, 422, "refuse", "hate", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{"status": tc.text}
			if tc.ack {
				body["pictor_screening_ack"] = "true"
			}
			var out map[string]any
			e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, json: body}, tc.want, &out)
			if tc.want == 422 {
				sc, _ := out["screening"].(map[string]any)
				if sc["action"] != tc.action || sc["category"] != tc.category || sc["ack_param"] != "pictor_screening_ack" {
					t.Fatalf("screening = %v, want action %s category %s", out, tc.action, tc.category)
				}
				if msg, _ := out["error"].(string); !strings.Contains(msg, tc.category) {
					t.Fatalf("error %q does not name the category", msg)
				}
				return
			}
			id, _ := store.ParseID(out["id"].(string))
			d := decisionFor(t, e, id)
			if d.Decision != tc.decision || d.Backend != "wordlist" || !d.Local {
				t.Fatalf("decision = %+v, want %s", d, tc.decision)
			}
			if d.Review != (tc.decision == screening.DecisionWarn) {
				t.Fatalf("review = %v for %s", d.Review, tc.decision)
			}
		})
	}

	// An edit is screened as a post is.
	st := e.post(t, tok, "a fine day")
	path := "/api/v1/statuses/" + st["id"].(string)
	e.call(t, req{method: "PUT", path: path, token: tok, json: map[string]any{"status": "kys"}}, 422, nil)
	e.call(t, req{method: "PUT", path: path, token: tok, form: url.Values{"status": {"kys"}, "pictor_screening_ack": {"1"}}}, 200, nil)
}

// decisionFor returns the newest logged decision about status id.
func decisionFor(t *testing.T, e *env, id int64) store.ScreeningDecision {
	t.Helper()
	list, err := e.DB.ScreeningDecisions(context.Background(), false, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if d.StatusID == id {
			return d
		}
	}
	t.Fatalf("no decision logged for status %d", id)
	return store.ScreeningDecision{}
}

type filterResultJSON struct {
	Filter struct {
		ID           string   `json:"id"`
		Title        string   `json:"title"`
		Context      []string `json:"context"`
		FilterAction string   `json:"filter_action"`
	} `json:"filter"`
	KeywordMatches []string `json:"keyword_matches"`
	StatusMatches  []string `json:"status_matches"`
}

type contextJSON struct {
	Descendants []struct {
		ID       string             `json:"id"`
		Filtered []filterResultJSON `json:"filtered"`
	} `json:"descendants"`
}

func TestScreeningFlagsIncomingReply(t *testing.T) {
	home := start(t)
	remote := &env{servertest.Start(t, servertest.Options{CA: home.CA,
		Configure: func(c *config.File) { c.Screening.Backend = "off" }})}
	alice, aTok := home.login(t, "alice", "read write")
	_, bTok := remote.login(t, "bob", "read write")
	ctx := context.Background()

	st := home.post(t, aTok, "my new drawing")
	var found struct {
		Statuses []struct {
			ID string `json:"id"`
		} `json:"statuses"`
	}
	remote.call(t, req{method: "GET", path: "/api/v2/search?resolve=true&type=statuses&q=" + url.QueryEscape(st["uri"].(string)),
		token: bTok}, 200, &found)
	if len(found.Statuses) != 1 {
		t.Fatalf("bob's server did not resolve the post: %+v", found)
	}
	var reply map[string]any
	remote.call(t, req{method: "POST", path: "/api/v1/statuses", token: bTok,
		json: map[string]any{"status": "nobody asked, kys", "in_reply_to_id": found.Statuses[0].ID}}, 200, &reply)

	var d store.ScreeningDecision
	servertest.Eventually(t, 20*time.Second, "the reply is screened on alice's server", func() bool {
		list, err := home.DB.ScreeningDecisions(ctx, true, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 {
			d = list[0]
		}
		return len(list) > 0
	})
	if d.Decision != screening.DecisionFlag || d.Category != screening.Harassment || d.Local {
		t.Fatalf("decision = %+v", d)
	}
	replyID := store.FormatID(d.StatusID)

	notifications := func() int {
		var list []map[string]any
		home.call(t, req{method: "GET", path: "/api/v1/notifications", token: aTok}, 200, &list)
		return len(list)
	}
	if n := notifications(); n != 0 {
		t.Fatalf("alice has %d notifications for a flagged reply", n)
	}

	threadOf := func() contextJSON {
		var c contextJSON
		home.call(t, req{method: "GET", path: "/api/v1/statuses/" + st["id"].(string) + "/context", token: aTok}, 200, &c)
		return c
	}
	c := threadOf()
	if len(c.Descendants) != 1 || c.Descendants[0].ID != replyID || len(c.Descendants[0].Filtered) != 1 {
		t.Fatalf("context = %+v", c)
	}
	fr := c.Descendants[0].Filtered[0]
	if fr.Filter.Title != "Flagged by screening: harassment" || fr.Filter.FilterAction != "warn" ||
		fr.KeywordMatches != nil || len(fr.StatusMatches) != 1 || fr.StatusMatches[0] != replyID {
		t.Fatalf("filtered = %+v", fr)
	}

	var filters []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	home.call(t, req{method: "GET", path: "/api/v2/filters", token: aTok}, 200, &filters)
	var seen bool
	for _, f := range filters {
		seen = seen || (f.ID == fr.Filter.ID && f.Title == fr.Filter.Title)
	}
	if !seen {
		t.Fatalf("the system filter %s is not among the user's filters %+v", fr.Filter.ID, filters)
	}
	home.call(t, req{method: "GET", path: "/api/v2/filters/" + fr.Filter.ID, token: aTok}, 200, nil)
	home.call(t, req{method: "DELETE", path: "/api/v2/filters/" + fr.Filter.ID, token: aTok}, 422, nil)

	// Per category: hide leaves the reply out, show shows it plainly.
	setPref := func(v string) {
		var prefs map[string]string
		home.call(t, req{method: "PATCH", path: "/api/v1/pictor/preferences/screening", token: aTok,
			json: map[string]any{"screening": map[string]string{"harassment": v}}}, 200, &prefs)
		if prefs["harassment"] != v || prefs["hate"] != "collapse" {
			t.Fatalf("preferences = %v", prefs)
		}
	}
	setPref("hide")
	if c := threadOf(); len(c.Descendants) != 0 {
		t.Fatalf("hidden reply still in the context: %+v", c)
	}
	setPref("show")
	if c := threadOf(); len(c.Descendants) != 1 || len(c.Descendants[0].Filtered) != 0 {
		t.Fatalf("shown reply: %+v", c)
	}
	home.call(t, req{method: "PATCH", path: "/api/v1/pictor/preferences/screening", token: aTok,
		form: url.Values{"harassment": {"sometimes"}}}, 422, nil)
	setPref("collapse")

	// An admin overturns: the held notification arrives, the filter goes.
	admin := home.CreateUser(t, "root", "")
	if err := home.Social.OverturnScreening(ctx, admin.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	if n := notifications(); n != 1 {
		t.Fatalf("after overturning alice has %d notifications, want 1", n)
	}
	if c := threadOf(); len(c.Descendants) != 1 || len(c.Descendants[0].Filtered) != 0 {
		t.Fatalf("after overturning: %+v", c)
	}
	_ = alice
}

// Backend "chat": the [assistant] model classifies, here through the fake
// OpenAI server's chat completions; its verdict drives the policy.
func TestScreeningChatBackend(t *testing.T) {
	fake := fakeopenai.New(t)
	e := &env{servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Assistant.Backend, c.Assistant.BaseURL, c.Assistant.APIKey = "openai", fake.BaseURL(), "sk-test"
		c.Assistant.Profile, c.Assistant.Model = "compatible", "chat-model"
		c.Screening.Backend = "chat"
	}})}
	_, tok := e.login(t, "alice", "read write")
	fake.QueueChat(fakeopenai.ChatJSON(map[string]any{"flagged": true, "category": "harassment", "score": 0.9}))
	var out map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, json: map[string]any{"status": "you again"}}, 422, &out)
	if sc, _ := out["screening"].(map[string]any); sc["category"] != "harassment" || sc["action"] != "warn" {
		t.Fatalf("answer %v", out)
	}
	if c := fake.RequestsTo(fakeopenai.ChatPath)[0].Chat(); c.Model != "chat-model" || !strings.Contains(c.Texts[0], "you again") {
		t.Fatalf("chat request %+v", c)
	}
	fake.QueueChat(fakeopenai.ChatJSON(map[string]any{"flagged": false, "category": "none", "score": 0.01}))
	st := e.post(t, tok, "a calm sea")
	id, _ := store.ParseID(st["id"].(string))
	if d := decisionFor(t, e, id); d.Backend != "chat" || d.Model != "chat-model" || d.Decision != screening.DecisionAllow {
		t.Fatalf("decision %+v", d)
	}
}
