package genimage_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/genimage/builtin"
	"github.com/pictor-social/pictor/store"
)

// BenchmarkBuiltin1024 measures the builtin backend alone at 1024×1024.
func BenchmarkBuiltin1024(b *testing.B) {
	g := builtin.New()
	for i := 0; b.Loop(); i++ {
		if _, err := g.Generate(context.Background(), genimage.Request{Prompt: "a lighthouse at dusk", Seed: int64(i + 1), Size: "1024x1024"}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImagineToDelivery measures the server's own work from /imagine
// to the Create arriving in a remote follower's inbox, with a provider that
// answers at once with a ready 1024×1024 image: job row, claim, media
// pipeline (derivative, thumbnail, blurhash, files), status, delivery.
func BenchmarkImagineToDelivery(b *testing.B) {
	res, err := builtin.New().Generate(context.Background(), genimage.Request{Prompt: "x", Seed: 1, Size: "1024x1024"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	instant := &fakeBackend{gen: func(context.Context, genimage.Request) (genimage.Result, error) { return res, nil }}
	e := newEnv(b, instant, nil, genimage.Options{})
	alice := e.user(b, "alice")
	got := make(chan struct{}, 16)
	inbox := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		got <- struct{}{}
	}))
	defer inbox.Close()
	follower := store.Account{Username: "bob", Domain: "remote.test", URI: inbox.URL + "/users/bob", InboxURI: inbox.URL + "/inbox"}
	ctx := context.Background()
	err = e.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAccount(ctx, &follower); err != nil {
			return err
		}
		return tx.UpsertFollow(ctx, &store.Follow{AccountID: follower.ID, TargetAccountID: alice.ID, Accepted: true})
	})
	if err != nil {
		b.Fatal(err)
	}
	e.start(b, false)
	dctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); e.fed.RunDelivery(dctx) }()
	defer func() { cancel(); wg.Wait() }()
	var posting time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := e.svc.Imagine(ctx, alice.ID, fmt.Sprintf("a lighthouse number %d", i), store.PostDraft{}); err != nil {
			b.Fatal(err)
		}
		posting += time.Since(start)
		select {
		case <-got:
		case <-time.After(30 * time.Second):
			b.Fatal("no delivery")
		}
	}
	b.ReportMetric(float64(posting.Milliseconds())/float64(b.N), "ms-to-post/op")
}

// BenchmarkEightJobsMemory runs 8 builtin 1024×1024 jobs at once and reports
// the peak Go heap in use while they run.
func BenchmarkEightJobsMemory(b *testing.B) {
	e := newEnv(b, builtin.New(), nil, genimage.Options{Workers: 8, MaxConcurrentJobs: 8})
	e.start(b, false)
	ctx := context.Background()
	var users []store.Account
	for i := range 8 {
		users = append(users, e.user(b, fmt.Sprintf("u%d", i)))
	}
	var peak uint64
	for i := 0; b.Loop(); i++ {
		runtime.GC()
		var ids []string
		for _, u := range users {
			j, err := e.svc.Submit(ctx, genimage.SubmitRequest{AccountID: u.ID, Kind: store.JobDraft, Prompt: fmt.Sprintf("a tree %d", i), Size: "1024x1024"})
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, j.ID)
		}
		done := make(chan struct{})
		go func() {
			for _, id := range ids {
				e.wait(b, id)
			}
			close(done)
		}()
		tick := time.NewTicker(2 * time.Millisecond)
	sample:
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				break sample
			case <-tick.C:
			}
		}
		tick.Stop()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
