package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/screening"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// A Fedify account replies to a Pictor post with a hateful message: the
// default (offline) screening flags it once, the author gets no
// notification, the reply is collapsed in the API context (filtered, with
// the system filter apps know) and on the web page, the admin finds it in
// the Screening queue, and overturning it sends the notification.
func TestFedifyHatefulReplyIsScreened(t *testing.T) {
	fedipeer.RequireDeps(t)
	ctx := context.Background()
	ca := tlstest.New(t)
	srv := servertest.Start(t, servertest.Options{CA: ca})
	peer := fedipeer.Start(t, ca)
	alice := srv.CreateUser(t, "alice", "")
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Social.CreateAccount(ctx, social.NewAccount{Username: "root", PasswordHash: hash, Admin: true}); err != nil {
		t.Fatal(err)
	}
	st, err := srv.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "my first drawing"})
	if err != nil {
		t.Fatal(err)
	}
	kind := peer.Post(t, "carol", fedipeer.Post{Content: "<p>@alice what a lovely drawing</p>", InReplyTo: st.URI,
		Mentions: []string{alice.URI}})
	reply := peer.Post(t, "bob", fedipeer.Post{Content: "<p>@alice you are subhuman</p>", InReplyTo: st.URI,
		Mentions: []string{alice.URI}})

	var d store.ScreeningDecision
	servertest.Eventually(t, wait, "both replies stored and screened", func() bool {
		list, err := srv.DB.ScreeningDecisions(ctx, false, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		remote := 0
		for _, x := range list {
			if !x.Local {
				remote++
			}
			if x.Decision == screening.DecisionFlag {
				d = x
			}
		}
		return remote == 2
	})
	flagged, err := srv.DB.StatusByURI(ctx, reply.ID)
	if err != nil || d.StatusID != flagged.ID || d.Category != screening.Hate || d.Backend != "wordlist" {
		t.Fatalf("decision %+v for %+v, %v", d, flagged, err)
	}
	fine, err := srv.DB.StatusByURI(ctx, kind.ID)
	if err != nil {
		t.Fatal(err)
	}

	api := &apiClient{t: t, srv: srv, token: userToken(t, srv, alice.ID)}
	mentions := func() map[string]bool {
		var list []struct {
			Status struct {
				ID string `json:"id"`
			} `json:"status"`
		}
		api.call("GET", "/api/v1/notifications?types[]=mention", nil, &list)
		out := map[string]bool{}
		for _, n := range list {
			out[n.Status.ID] = true
		}
		return out
	}
	if m := mentions(); !m[store.FormatID(fine.ID)] || m[store.FormatID(flagged.ID)] {
		t.Fatalf("mention notifications %v: want the kind reply only", m)
	}

	type thread struct {
		Descendants []struct {
			ID       string `json:"id"`
			Filtered []struct {
				Filter struct {
					Title        string `json:"title"`
					FilterAction string `json:"filter_action"`
				} `json:"filter"`
				StatusMatches []string `json:"status_matches"`
			} `json:"filtered"`
		} `json:"descendants"`
	}
	filteredOf := func() map[string]string {
		var c thread
		api.call("GET", "/api/v1/statuses/"+store.FormatID(st.ID)+"/context", nil, &c)
		out := map[string]string{}
		for _, s := range c.Descendants {
			out[s.ID] = ""
			for _, f := range s.Filtered {
				out[s.ID] = f.Filter.FilterAction + " " + f.Filter.Title
			}
		}
		return out
	}
	got := filteredOf()
	if got[store.FormatID(flagged.ID)] != "warn Flagged by screening: hate" || got[store.FormatID(fine.ID)] != "" {
		t.Fatalf("context filtered = %v", got)
	}

	page := getPage(t, srv, "/@alice/"+store.FormatID(st.ID))
	if !strings.Contains(page, "Collapsed: flagged by screening (hate)") || !strings.Contains(page, "what a lovely drawing") {
		t.Fatalf("thread page does not collapse the flagged reply:\n%.3000s", page)
	}

	admin := newWebClient(t, srv)
	admin.signIn("root", "correct horse battery")
	queue := admin.get("/admin", "text/html")
	queue.mustContain(t, "admin page", `id="screening-`+store.FormatID(d.ID)+`"`, `<span class="chip">hate</span>`,
		"you are subhuman", "from another server")
	res := admin.post("/admin/screening/"+store.FormatID(d.ID)+"/overturn", url.Values{"csrf_token": {queue.csrf(t)}})
	if res.Status != 303 {
		t.Fatalf("overturn: %d %s", res.Status, res.Body)
	}
	if m := mentions(); !m[store.FormatID(flagged.ID)] {
		t.Fatalf("after overturning, mention notifications %v lack the reply", m)
	}
	if got := filteredOf(); got[store.FormatID(flagged.ID)] != "" {
		t.Fatalf("after overturning, context filtered = %v", got)
	}
}
