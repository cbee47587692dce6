package mastoapi_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// cpuTime returns the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timedReply answers reply instantly and adds the time spent in the fake's
// handler to *spent, so a benchmark can take the provider's time out.
func timedReply(reply fakeopenai.Reply, spent *atomic.Int64) fakeopenai.Reply {
	return func(s *fakeopenai.Server, w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		reply(s, w, r)
		spent.Add(int64(time.Since(t0)))
	}
}

// BenchmarkReplySuggestions measures the server's overhead per GET
// /api/v1/pictor/statuses/:id/suggestions over loopback HTTP, with the
// fake model answering instantly and its handler time subtracted
// (server-µs/op): "hit" is served from the cache, "miss" makes a call
// (2,000 statuses read round-robin through a 100-entry cache), each post
// with 0-9 ancestors. cpu-µs/op is the whole test process's CPU per request
// (server, HTTP client and fake together), which a loaded machine inflates
// less than wall time. Run it with
//
//	go test -run '^$' -bench BenchmarkReplySuggestions -benchtime 2000x ./mastoapi/
func BenchmarkReplySuggestions(b *testing.B) {
	var spent atomic.Int64
	fake := fakeopenai.New(b)
	fake.HandleChat(timedReply(fakeopenai.ChatJSON(threeReplies), &spent))
	srv := servertest.Start(b, servertest.Options{Plain: true, Configure: func(c *config.File) {
		c.API.RateLimit = 0
		c.Assistant.Backend, c.Assistant.Profile, c.Assistant.BaseURL = "openai", "compatible", fake.BaseURL()
		c.Assistant.SuggestionsPerDay, c.Assistant.CacheEntries = 0, 100
	}})
	e := &env{Server: srv}
	alice := srv.CreateUser(b, "alice", "")
	bob := srv.CreateUser(b, "bob", "")
	tok := e.token(b, bob.ID, "read write")
	if err := srv.DB.SetAssistantSettings(context.Background(), bob.ID, store.AssistantSettings{ReplySuggestions: true}); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 2000)
	var parent int64
	for i := range ids {
		d := social.Draft{Text: fmt.Sprintf("post %d of a long thread", i), Visibility: "public"}
		if i%10 != 0 {
			d.InReplyToID = parent // threads of ten: each suggestion request carries ancestors
		}
		st, err := srv.Social.CreateStatus(context.Background(), alice.ID, d)
		if err != nil {
			b.Fatal(err)
		}
		parent, ids[i] = st.ID, store.FormatID(st.ID)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	get := func(id string) {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/pictor/statuses/"+id+"/suggestions", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.Run("hit", func(b *testing.B) {
		get(ids[5])
		calls := len(fake.RequestsTo(fakeopenai.ChatPath))
		cpu0 := cpuTime()
		b.ResetTimer()
		for range b.N {
			get(ids[5])
		}
		b.StopTimer()
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		if n := len(fake.RequestsTo(fakeopenai.ChatPath)); n != calls {
			b.Fatalf("cache hits made %d calls", n-calls)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "server-µs/op")
	})
	next := 100 // round-robin across runs of "miss": never a recently cached status
	b.Run("miss", func(b *testing.B) {
		calls := len(fake.RequestsTo(fakeopenai.ChatPath))
		spent.Store(0)
		cpu0 := cpuTime()
		b.ResetTimer()
		for range b.N {
			get(ids[next%len(ids)])
			next++
		}
		b.StopTimer()
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		if n := len(fake.RequestsTo(fakeopenai.ChatPath)) - calls; n != b.N {
			b.Fatalf("%d calls for %d misses", n, b.N)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds()-spent.Load()/1000)/float64(b.N), "server-µs/op")
		b.ReportMetric(float64(spent.Load()/1000)/float64(b.N), "fake-µs/op")
	})
}

// A simulated thread read by 20 viewers, for the cache hit rate
// (docs/benchmarks.md): a root post and 9 replies; every viewer, opted in,
// comes back 5 times, and each visit opens the root and 3 random replies
// (one suggestion request per post page); after the 50th visit the author
// edits the root, and 3 more replies arrive over the day. Seeded, so every
// run gives the same figures.
func TestSuggestionCacheSimulation(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleChat(fakeopenai.ChatJSON(threeReplies))
	e := startAssistant(t, fake, func(a *config.Assistant) { a.SuggestionsPerDay = 0 })
	ctx := context.Background()
	alice := e.CreateUser(t, "alice", "")
	root, err := e.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "A thread about ponds", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	thread := []string{}
	addReply := func(i int) {
		st, err := e.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: fmt.Sprintf("reply %d", i), Visibility: "public", InReplyToID: root.ID})
		if err != nil {
			t.Fatal(err)
		}
		thread = append(thread, store.FormatID(st.ID))
	}
	for i := range 9 {
		addReply(i)
	}
	const viewers, visits, perVisit = 20, 5, 3
	toks := make([]string, viewers)
	for i := range toks {
		a, tok := e.login(t, fmt.Sprintf("viewer%d", i), "read write")
		if err := e.DB.SetAssistantSettings(ctx, a.ID, store.AssistantSettings{ReplySuggestions: true}); err != nil {
			t.Fatal(err)
		}
		toks[i] = tok
	}
	rng := rand.New(rand.NewPCG(11, 20))
	requests, visit := 0, 0
	shared := map[string]bool{} // what a key without the viewer would have missed: (post, root version)
	edited := false
	for range visits {
		for v := range viewers {
			visit++
			if visit == 50 {
				e.call(t, req{method: "PUT", path: "/api/v1/statuses/" + store.FormatID(root.ID), token: e.token(t, alice.ID, "read write"),
					json: map[string]any{"status": "A thread about ponds (edited)"}}, 200, nil)
				edited = true
			}
			if visit%33 == 0 {
				addReply(len(thread))
			}
			pages := []string{store.FormatID(root.ID)}
			for _, i := range rng.Perm(len(thread))[:perVisit] {
				pages = append(pages, thread[i])
			}
			for _, id := range pages {
				e.call(t, req{method: "GET", path: suggestionsPath(id), token: toks[v]}, 200, nil)
				requests++
				shared[fmt.Sprint(id, edited)] = true
			}
		}
	}
	hits, misses := e.Assistant.SuggestionCacheStats()
	calls := len(fake.RequestsTo(fakeopenai.ChatPath))
	if int(hits+misses) != requests || int(misses) != calls {
		t.Fatalf("hits %d + misses %d != %d requests, or misses != %d calls", hits, misses, requests, calls)
	}
	t.Logf("%d viewers, %d requests: %d hits, %d misses (model calls): hit rate %.1f%%; "+
		"a key without the viewer would make %d calls (hit rate %.1f%%)",
		viewers, requests, hits, misses, 100*float64(hits)/float64(requests),
		len(shared), 100*(1-float64(len(shared))/float64(requests)))
}
