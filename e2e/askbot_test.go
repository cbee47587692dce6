package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
)

// A Fedify account asks @ask, directly: the answer Note comes back in the
// thread (inReplyTo its question), addressed to it only, mentioning it,
// labelled as AI-written, from a bot (Service) actor.
func TestFedifyAccountAsksTheAssistant(t *testing.T) {
	fedipeer.RequireDeps(t)
	fake := fakeopenai.New(t)
	fake.HandleChat(fakeopenai.AskAnswer("A paper boat floats because it displaces its weight in water.", ""))
	ca := tlstest.New(t)
	srv := servertest.Start(t, servertest.Options{CA: ca, Configure: func(c *config.File) {
		c.Assistant.Backend = "openai"
		c.Assistant.Profile = "compatible"
		c.Assistant.BaseURL = fake.BaseURL()
	}})
	peer := fedipeer.Start(t, ca)
	host := strings.TrimPrefix(srv.URL, "https://")
	botURI := srv.URL + "/users/ask"

	post := peer.Post(t, "carol", fedipeer.Post{To: "direct",
		Content:  `<p><a href="` + srv.URL + `/@ask" class="u-url mention">@ask</a> why does a paper boat float?</p>`,
		Mentions: []string{"@ask@" + host}})
	create := peer.WaitInbox(t, "carol", func(a fedipeer.Activity) bool {
		return a.Type == "Create" && a.Actor == botURI && strings.Contains(string(a.Object), post.ID)
	}, wait)
	var n struct {
		Object struct {
			InReplyTo string   `json:"inReplyTo"`
			Content   string   `json:"content"`
			To        []string `json:"to"`
			Cc        []string `json:"cc"`
			Tag       []struct{ Type, Href string }
		} `json:"object"`
	}
	if err := json.Unmarshal(create.JSON, &n); err != nil {
		t.Fatal(err)
	}
	o := n.Object
	carol := peer.ActorURL("carol")
	if o.InReplyTo != post.ID || !strings.Contains(o.Content, "displaces its weight") || !strings.Contains(o.Content, "AI-written answer") {
		t.Fatalf("answer %s", create.JSON)
	}
	if !slices.Contains(o.To, carol) || slices.Contains(append(o.To, o.Cc...), "https://www.w3.org/ns/activitystreams#Public") {
		t.Errorf("answer to %v cc %v, want carol only", o.To, o.Cc)
	}
	mentioned := false
	for _, tg := range o.Tag {
		mentioned = mentioned || (tg.Type == "Mention" && tg.Href == carol)
	}
	if !mentioned {
		t.Errorf("answer does not mention carol: %+v", o.Tag)
	}
	if bot, err := srv.DB.AccountByURI(context.Background(), botURI); err != nil || !bot.Bot {
		t.Errorf("bot account %+v, %v", bot, err)
	}
	if got := fake.RequestsTo(fakeopenai.ChatPath)[0].Chat().AllText(); !strings.Contains(got, "why does a paper boat float?") {
		t.Errorf("model got %q", got)
	}
}
