package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// fakeClock is a settable clock for the server, the store and the remote.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now().UTC()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// follow makes a follow alice's account of the given user with a signed Follow
// and waits for the Accept.
func followUser(t testing.TB, env *fedEnv, r *fakeRemote, a *fakeActor, user store.Account) {
	t.Helper()
	id, body := followJSON(t, a, user.URI)
	if status, msg := r.post(t, a, user.InboxURI, body, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("follow: %d %s", status, msg)
	}
	r.waitInbox(t, "Accept of "+id, func(rc received) bool { return rc.Activity.Type == "Accept" && rc.Activity.Object.ID() == id })
}

// creates returns the Create deliveries of note id among rs.
func creates(rs []received, noteID string) []received {
	var out []received
	for _, rc := range rs {
		if rc.Activity.Type == "Create" && rc.Activity.Object.ID() == noteID {
			out = append(out, rc)
		}
	}
	return out
}

// A post goes once to each shared inbox however many followers share it,
// and to each personal inbox where a host has no shared inbox (checklist 40).
func TestDeliveryOnePostPerSharedInbox(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	shared := env.remote
	personal := newRemote(t, env.ca)
	personal.noSharedInbox = true
	for i := 0; i < 12; i++ {
		followAlice(t, env, shared, shared.addActor(fmt.Sprintf("s%d", i)))
	}
	for i := 0; i < 4; i++ {
		followAlice(t, env, personal, personal.addActor(fmt.Sprintf("p%d", i)))
	}
	st, err := env.srv.Social.CreateStatus(context.Background(), env.alice.ID, social.Draft{Text: "to all of you"})
	if err != nil {
		t.Fatal(err)
	}
	drainDeliveries(t, env)
	got := creates(shared.received(), st.URI)
	if len(got) != 1 || got[0].Path != "/inbox" {
		t.Fatalf("%d Creates at the shared-inbox host: %+v", len(got), got)
	}
	checkSigned(t, got[0], env.alice.PublicKeyID)
	paths := map[string]bool{}
	for _, rc := range creates(personal.received(), st.URI) {
		checkSigned(t, rc, env.alice.PublicKeyID)
		paths[rc.Path] = true
	}
	if len(paths) != 4 || len(creates(personal.received(), st.URI)) != 4 {
		t.Fatalf("personal inboxes reached: %v", paths)
	}
}

// waitDelivery polls the stored state of the only delivery of activity id
// until cond holds.
func waitDelivery(t testing.TB, db *store.DB, id string, what string, cond func(store.DeliveryState) bool) store.DeliveryState {
	t.Helper()
	var last store.DeliveryState
	servertest.Eventually(t, wait, what, func() bool {
		ds, err := db.DeliveriesOf(context.Background(), id)
		if err != nil || len(ds) != 1 {
			return false
		}
		last = ds[0]
		return cond(last)
	})
	return last
}

// A delivery answered 5xx, 401, 408 or 429 is retried with exponential
// backoff and signed afresh with a new Date, even two hours later, when a
// reused signature would be refused; any other 4xx (and 501) is final
// (checklist 14, 40; interop.md D.4).
func TestDeliveryRetriesAndFinalFailures(t *testing.T) {
	t.Parallel() // one of e2e's longest tests (e2e/README.md, Suite time)
	clock := newFakeClock()
	env := newFedEnv(t, servertest.Options{Clock: clock.Now})
	ctx := context.Background()
	cases := []struct {
		status int
		retry  bool
	}{
		{500, true}, {502, true}, {503, true}, {401, true}, {408, true}, {429, true},
		{400, false}, {403, false}, {404, false}, {410, false}, {422, false}, {501, false},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			r := newRemote(t, env.ca)
			r.setClock(clock.Now)
			user := env.srv.CreateUser(t, fmt.Sprintf("retry%d", i), "")
			followUser(t, env, r, r.addActor("bob"), user)
			r.setAnswer(func(rc received, n int) int {
				if rc.Activity.Type == "Create" && len(creates(r.inbox, rc.Activity.Object.ID())) == 0 {
					return tc.status
				}
				return http.StatusAccepted
			})
			st, err := env.srv.Social.CreateStatus(ctx, user.ID, social.Draft{Text: "try again"})
			if err != nil {
				t.Fatal(err)
			}
			id := st.URI + "/activity"
			first := waitDelivery(t, env.srv.DB, id, "first attempt recorded", func(d store.DeliveryState) bool {
				return d.Attempts == 1 && d.LastStatus == tc.status && d.LeaseUntil.IsZero()
			})
			if !tc.retry {
				if first.State != "failed" {
					t.Fatalf("after %d: %+v", tc.status, first)
				}
				return
			}
			if wait := first.NextAttemptAt.Sub(clock.Now()); first.State != "pending" || wait < 16*time.Second || wait > 24*time.Second {
				t.Fatalf("after %d: %+v (retry in %v)", tc.status, first, wait)
			}
			clock.Advance(2 * time.Hour)
			env.srv.Fed.WakeDelivery()
			waitDelivery(t, env.srv.DB, id, "retry delivered", func(d store.DeliveryState) bool { return d.State == "done" })
			got := creates(r.received(), st.URI)
			if len(got) != 2 {
				t.Fatalf("%d attempts", len(got))
			}
			d1, _ := http.ParseTime(got[0].Header.Get("Date"))
			d2, _ := http.ParseTime(got[1].Header.Get("Date"))
			if d2.Sub(d1) < 2*time.Hour || got[0].Header.Get("Signature") == got[1].Header.Get("Signature") {
				t.Fatalf("retry not re-signed: Date %v then %v", d1, d2)
			}
			checkSigned(t, got[1], user.PublicKeyID)
		})
	}
}

// The backoff grows with each failed attempt, Mastodon's n⁴+15 s with
// jitter, and retrying stops after retry_for (checklist 40).
func TestDeliveryBackoffGrowsAndGivesUp(t *testing.T) {
	clock := newFakeClock()
	env := newFedEnv(t, servertest.Options{Clock: clock.Now, Configure: func(c *config.File) {
		c.Federation.RetryFor = config.Duration{Duration: 6 * time.Hour}
		c.Federation.UnreachableAfter = config.Duration{Duration: 30 * 24 * time.Hour}
	}})
	r := env.remote
	r.setClock(clock.Now)
	followAlice(t, env, r, r.addActor("bob"))
	r.setAnswer(func(rc received, n int) int {
		if rc.Activity.Type == "Create" {
			return http.StatusServiceUnavailable
		}
		return http.StatusAccepted
	})
	st, err := env.srv.Social.CreateStatus(context.Background(), env.alice.ID, social.Draft{Text: "down"})
	if err != nil {
		t.Fatal(err)
	}
	id := st.URI + "/activity"
	var prev time.Duration
	for attempt := 1; ; attempt++ {
		d := waitDelivery(t, env.srv.DB, id, fmt.Sprintf("attempt %d", attempt), func(d store.DeliveryState) bool {
			return d.Attempts == attempt && d.LastStatus == 503 && d.LeaseUntil.IsZero()
		})
		if d.State == "failed" {
			if clock.Now().Sub(st.CreatedAt) < 6*time.Hour {
				t.Fatalf("gave up after %v", clock.Now().Sub(st.CreatedAt))
			}
			break
		}
		wait := d.NextAttemptAt.Sub(clock.Now())
		base := time.Duration(attempt*attempt*attempt*attempt)*time.Second + 15*time.Second
		if wait < base || wait > base*3/2 || wait <= prev && attempt > 1 {
			t.Fatalf("attempt %d: retry in %v, want %v to %v", attempt, wait, base, base*3/2)
		}
		prev = wait
		clock.Advance(wait)
		env.srv.Fed.WakeDelivery()
		if attempt > 20 {
			t.Fatal("never gave up")
		}
	}
	if n := len(creates(r.received(), st.URI)); n < 5 {
		t.Fatalf("only %d attempts", n)
	}
}

// A host failing for unreachable_after is marked unreachable: its pending
// deliveries are dropped and nothing new is queued for it, until it sends us
// a signed request (checklist 40, interop.md D.5).
func TestDeliveryUnreachableHost(t *testing.T) {
	clock := newFakeClock()
	env := newFedEnv(t, servertest.Options{Clock: clock.Now, Configure: func(c *config.File) {
		c.Federation.UnreachableAfter = config.Duration{Duration: time.Hour}
	}})
	ctx := context.Background()
	r := env.remote
	r.setClock(clock.Now)
	bob := r.addActor("bob")
	followAlice(t, env, env.remote, bob)
	down := true
	var mu sync.Mutex
	r.setAnswer(func(rc received, n int) int {
		mu.Lock()
		defer mu.Unlock()
		if down && rc.Activity.Type == "Create" {
			return http.StatusBadGateway
		}
		return http.StatusAccepted
	})
	post := func(text string) string {
		st, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return st.URI + "/activity"
	}
	first := post("one")
	waitDelivery(t, env.srv.DB, first, "first failure", func(d store.DeliveryState) bool { return d.Attempts == 1 && d.LastStatus == 502 })
	if u, _ := env.srv.DB.HostUnreachable(ctx, r.Host); u {
		t.Fatal("unreachable after one failure")
	}
	clock.Advance(2 * time.Hour)
	env.srv.Fed.WakeDelivery()
	d := waitDelivery(t, env.srv.DB, first, "second failure", func(d store.DeliveryState) bool { return d.State == "failed" })
	if u, _ := env.srv.DB.HostUnreachable(ctx, r.Host); !u || d.Attempts != 2 {
		t.Fatalf("host not marked unreachable after failing for 2h: %+v", d)
	}
	skipped := post("two")
	if ds, _ := env.srv.DB.DeliveriesOf(ctx, skipped); len(ds) != 0 {
		t.Fatalf("queued for an unreachable host: %+v", ds)
	}
	// The host talks to us again: a signed Like.
	mu.Lock()
	down = false
	mu.Unlock()
	_, like := likeJSON(t, bob, strings.TrimSuffix(skipped, "/activity"))
	if status, msg := r.post(t, bob, env.srv.URL+"/inbox", like, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("like: %d %s", status, msg)
	}
	if u, _ := env.srv.DB.HostUnreachable(ctx, r.Host); u {
		t.Fatal("still unreachable after a signed request from it")
	}
	third := post("three")
	waitDelivery(t, env.srv.DB, third, "delivered after recovery", func(d store.DeliveryState) bool { return d.State == "done" })
}

// No more than per_host_concurrency requests go to one host at a time, while
// other hosts are served meanwhile (checklist 40: per-host politeness).
func TestDeliveryPerHostConcurrency(t *testing.T) {
	env := newFedEnv(t, servertest.Options{Configure: func(c *config.File) {
		c.Federation.PerHostConcurrency = 2
		c.Federation.DeliveryWorkers = 8
	}})
	slow := env.remote
	slow.noSharedInbox = true
	fast := newRemote(t, env.ca)
	fast.noSharedInbox = true
	for i := 0; i < 10; i++ {
		followAlice(t, env, slow, slow.addActor(fmt.Sprintf("s%d", i)))
	}
	for i := 0; i < 3; i++ {
		followAlice(t, env, fast, fast.addActor(fmt.Sprintf("f%d", i)))
	}
	var mu sync.Mutex
	inflight, peak := 0, 0
	fastDone := make(chan struct{})
	var fastOnce sync.Once
	release := func() { fastOnce.Do(func() { close(fastDone) }) }
	t.Cleanup(release)
	slow.mu.Lock()
	slow.hold = func(rc received) {
		if rc.Activity.Type != "Create" {
			return
		}
		mu.Lock()
		inflight++
		peak = max(peak, inflight)
		mu.Unlock()
		// A stuck server: it answers only once the fast host was served,
		// so a worker pool that waits on it in line never gets there.
		<-fastDone
		mu.Lock()
		inflight--
		mu.Unlock()
	}
	slow.mu.Unlock()
	st, err := env.srv.Social.CreateStatus(context.Background(), env.alice.ID, social.Draft{Text: "slowly"})
	if err != nil {
		t.Fatal(err)
	}
	fast.waitFor(t, 10*time.Second, "fast host served while the slow one is busy", func() bool { return len(creates(fast.inbox, st.URI)) == 3 })
	servertest.Eventually(t, wait, "two requests at the slow host", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return inflight == 2
	})
	release()
	slow.waitFor(t, wait, "slow host served", func() bool { return len(creates(slow.inbox, st.URI)) == 10 })
	mu.Lock()
	defer mu.Unlock()
	if peak != 2 {
		t.Fatalf("peak concurrency at one host %d, want 2", peak)
	}
}
