package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// hugeAudienceCreate is a signed-size Create (just under 1 MB) whose `to`
// lists alice and then n local-looking actor URIs that do not exist.
func hugeAudienceCreate(t testing.TB, env *fedEnv, a *fakeActor, n int) (createID string, body []byte) {
	to := make([]string, 0, n+1)
	to = append(to, env.alice.URI)
	for i := range n {
		to = append(to, fmt.Sprintf("%s/users/f%d", env.srv.URL, i))
	}
	createID = newID(a, "creates")
	note := map[string]any{"id": newID(a, "notes"), "type": "Note", "attributedTo": a.ID, "content": "<p>to everyone</p>",
		"to": to, "cc": []string{"https://www.w3.org/ns/activitystreams#Public"}}
	return createID, mustJSON(t, map[string]any{"id": createID, "type": "Create", "actor": a.ID, "object": note})
}

// A Create addressed to 25,000 local-looking URIs costs at most
// MaxLocalAddressees account lookups, all before the write transaction, and
// local writes go on while it is applied (issue 8, "One activity holds the
// write lock").
func TestHugeAudienceBounded(t *testing.T) {
	t.Parallel() // one of e2e's longest tests (e2e/README.md, Suite time)
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	ctx := context.Background()
	a := r.addActor("crowd")
	createID, body := hugeAudienceCreate(t, env, a, 25000)
	if len(body) > 1<<20 {
		t.Fatalf("body is %d bytes, over the inbox limit", len(body))
	}
	before := env.srv.Fed.AddresseeLookups()

	// Local posts keep being written while the activity is applied.
	stop := make(chan struct{})
	wrote := make(chan int)
	go func() {
		n := 0
		defer func() { wrote <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: fmt.Sprintf("local %d", n)}); err != nil {
				t.Errorf("local write: %v", err)
				return
			}
			n++
		}
	}()
	if status, msg := r.post(t, a, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("status %d (%s)", status, msg)
	}
	state, errText := waitProcessed(t, env.srv.DB, createID)
	close(stop)
	if n := <-wrote; n == 0 {
		t.Errorf("no local write completed while the activity was applied")
	}
	if state != "done" {
		t.Fatalf("inbox item %s: %s", state, errText)
	}
	if got := env.srv.Fed.AddresseeLookups() - before; got > activitypub.MaxLocalAddressees || got == 0 {
		t.Errorf("%d addressee lookups, want 1..%d", got, activitypub.MaxLocalAddressees)
	}
	ns, err := env.srv.DB.Notifications(ctx, env.alice.ID, store.NotificationFilter{Types: []string{store.NotifyMention}}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 {
		t.Errorf("alice has %d mention notifications, want 1", len(ns))
	}
}

// BenchmarkHugeAudienceWriterHold reports the longest wait of a trivial
// local write transaction while a 25,000-addressee Create is applied (the
// figure in docs/benchmarks.md):
//
//	go test -run '^$' -bench HugeAudienceWriterHold -benchtime 5x ./e2e/
func BenchmarkHugeAudienceWriterHold(b *testing.B) {
	for _, n := range []int{25000, 0} { // 0: the same Create addressed to alice only, for comparison
		b.Run(fmt.Sprintf("to=%d", n), func(b *testing.B) { benchWriterHold(b, n) })
	}
}

func benchWriterHold(b *testing.B, n int) {
	env := newFedEnv(b, servertest.Options{})
	r := env.remote
	ctx := context.Background()
	var worst, total time.Duration
	for i := 0; i < b.N; i++ {
		a := r.addActor(fmt.Sprintf("crowd%d", i))
		createID, body := hugeAudienceCreate(b, env, a, n)
		done := make(chan struct{})
		waits := make(chan time.Duration)
		go func() {
			var max time.Duration
			defer func() { waits <- max }()
			for {
				select {
				case <-done:
					return
				default:
				}
				start := time.Now()
				if err := env.srv.DB.Write(ctx, func(*store.Tx) error { return nil }); err != nil {
					b.Error(err)
					return
				}
				if d := time.Since(start); d > max {
					max = d
				}
				time.Sleep(time.Millisecond)
			}
		}()
		start := time.Now()
		if status, msg := r.post(b, a, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
			b.Fatalf("status %d (%s)", status, msg)
		}
		waitProcessed(b, env.srv.DB, createID)
		total += time.Since(start)
		close(done)
		if w := <-waits; w > worst {
			worst = w
		}
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-write-wait-ms")
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "apply-ms/op")
}
