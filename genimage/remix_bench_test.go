package genimage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/genimage/builtin"
	"github.com/pictor-social/pictor/store"
)

// BenchmarkRemixPost compares a remix post with a plain generated post,
// both 1024×1024 with the builtin backend, from Submit to the published
// status: the remix adds resolving the source, reading and decoding its
// image, the blend, and the lineage rows and "Remix of" line.
func BenchmarkRemixPost(b *testing.B) {
	e := newEnv(b, builtin.New(), nil, genimage.Options{MaxConcurrentJobs: 4})
	alice, bob := e.user(b, "alice"), e.user(b, "bob")
	e.start(b, false)
	ctx := context.Background()
	run := func(b *testing.B, i int, req genimage.SubmitRequest) store.Job {
		req.Kind, req.Size, req.Seed = store.JobPost, "1024x1024", int64(i+1)
		req.Draft = store.PostDraft{Visibility: store.VisibilityPublic}
		j, err := e.svc.Submit(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		j = e.wait(b, j.ID)
		if j.State != store.JobDone {
			b.Fatalf("job %s: %s", j.State, j.Error)
		}
		return j
	}
	src := run(b, 0, genimage.SubmitRequest{AccountID: alice.ID, Prompt: "a harbour at noon"})
	b.Run("plain", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			run(b, i, genimage.SubmitRequest{AccountID: bob.ID, Prompt: fmt.Sprintf("a harbour at night %d", i)})
		}
	})
	b.Run("remix", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			j := run(b, i, genimage.SubmitRequest{AccountID: bob.ID, Prompt: fmt.Sprintf("a harbour at night %d", i),
				Remix: &genimage.RemixInput{StatusID: src.StatusID}})
			if r, err := e.db.RemixOf(ctx, j.StatusID); err != nil || r.SourceID != src.StatusID {
				b.Fatalf("remix lineage %+v %v", r, err)
			}
		}
	})
}
