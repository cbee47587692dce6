package genimage_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/genimage/builtin"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// countingBuiltin is the builtin backend that records the image counts it
// was asked for.
type countingBuiltin struct {
	*builtin.Generator
	mu   sync.Mutex
	asks []int
}

func (c *countingBuiltin) Generate(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	c.mu.Lock()
	c.asks = append(c.asks, req.Count())
	c.mu.Unlock()
	return c.Generator.Generate(ctx, req, progress)
}

func (c *countingBuiltin) Asks() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.asks...)
}

func submitDraft(t *testing.T, e *env, accountID int64, prompt string, n int) store.Job {
	t.Helper()
	j, err := e.svc.Submit(context.Background(), genimage.SubmitRequest{AccountID: accountID, Kind: store.JobDraft,
		Prompt: prompt, Seed: 11, Size: "64x64", N: n, Source: genimage.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	j = e.wait(t, j.ID)
	if j.State != store.JobDone {
		t.Fatalf("job %s: %s %q", j.ID, j.State, j.Error)
	}
	return j
}

// The daily quota counts images: a 4-image job uses 4, and a job asking for
// more than are left is refused before the backend is called.
func TestQuotaCountsImages(t *testing.T) {
	b := &countingBuiltin{Generator: builtin.New()}
	e := newEnv(t, b, nil, genimage.Options{ImagesPerDay: 5, Variants: 2})
	alice := e.user(t, "alice")
	e.start(t, false)
	ctx := context.Background()
	j := submitDraft(t, e, alice.ID, "four boats", 4)
	if j.ImageCount != 4 || j.CostUnits != 4 || len(j.MediaIDs) != 4 {
		t.Fatalf("job asked %d, made %d, media %v", j.ImageCount, j.CostUnits, j.MediaIDs)
	}
	u, err := e.db.JobUsageOf(ctx, alice.ID, e.db.Now().Add(-time.Hour))
	if err != nil || u.Since != 4 {
		t.Fatalf("usage %+v, %v; want 4 images", u, err)
	}
	cases := []struct {
		n    int
		want int
		msg  string
	}{
		{5, http.StatusUnprocessableEntity, "a job makes 1 to 4 images"},
		{0, http.StatusTooManyRequests, "this asks for 2 images but only 1 of your 5 images per day are left"}, // the default, 2
		{2, http.StatusTooManyRequests, "this asks for 2 images but only 1 of your 5 images per day are left"},
	}
	for _, tc := range cases {
		_, err := e.svc.Submit(ctx, genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobDraft, Prompt: "more",
			N: tc.n, Source: genimage.SourceAPI})
		if apperr.StatusOf(err) != tc.want || !strings.Contains(apperr.MessageOf(err), tc.msg) {
			t.Errorf("n=%d: %d %q, want %d %q", tc.n, apperr.StatusOf(err), apperr.MessageOf(err), tc.want, tc.msg)
		}
	}
	submitDraft(t, e, alice.ID, "one more", 1)
	if got := b.Asks(); len(got) != 2 || got[0] != 4 || got[1] != 1 {
		t.Fatalf("backend asked for %v, want [4 1]: refused jobs must not reach it", got)
	}
}

// A draft job's candidates are listed in order; two of four are posted in
// one status with their own alt texts and the AI label, and the others stay
// unpicked.
func TestPostCandidatesPicksSeveral(t *testing.T) {
	e := newEnv(t, builtin.New(), nil, genimage.Options{})
	alice, bob := e.user(t, "alice"), e.user(t, "bob")
	e.start(t, false)
	ctx := context.Background()
	j := submitDraft(t, e, alice.ID, "a kite over the sea", 4)
	cands, err := e.svc.Candidates(ctx, j)
	if err != nil || len(cands) != 4 {
		t.Fatalf("%d candidates, %v", len(cands), err)
	}
	for i, c := range cands {
		if c.Position != i || c.Picked() || c.Media.ID != j.MediaIDs[i] || !c.Media.Generated() {
			t.Fatalf("candidate %d: %+v", i, c)
		}
	}
	post := func(account int64, picks ...genimage.Pick) (store.Status, error) {
		return e.svc.PostCandidates(ctx, account, j.ID, genimage.CandidatePost{Picks: picks, Text: "two kites",
			Visibility: store.VisibilityPublic})
	}
	pick := func(i int, alt string) genimage.Pick {
		return genimage.Pick{MediaID: cands[i].Media.ID, Description: alt}
	}
	bad := []struct {
		name    string
		account int64
		picks   []genimage.Pick
		want    int
	}{
		{"not the owner", bob.ID, []genimage.Pick{pick(0, "x")}, http.StatusNotFound},
		{"nothing picked", alice.ID, nil, http.StatusUnprocessableEntity},
		{"picked twice", alice.ID, []genimage.Pick{pick(0, "x"), pick(0, "y")}, http.StatusUnprocessableEntity},
		{"not a candidate", alice.ID, []genimage.Pick{{MediaID: 12345}}, http.StatusUnprocessableEntity},
		{"five", alice.ID, []genimage.Pick{pick(0, ""), pick(1, ""), pick(2, ""), pick(3, ""), pick(3, "")}, http.StatusUnprocessableEntity},
	}
	for _, tc := range bad {
		if _, err := post(tc.account, tc.picks...); apperr.StatusOf(err) != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.name, apperr.StatusOf(err), err, tc.want)
		}
	}
	st, err := post(alice.ID, pick(3, "The fourth kite, red"), pick(1, "The second kite, blue"))
	if err != nil {
		t.Fatal(err)
	}
	media, _ := e.db.MediaForStatuses(ctx, []int64{st.ID})
	got := media[st.ID]
	if len(got) != 2 || got[0].ID != cands[3].Media.ID || got[0].Description != "The fourth kite, red" ||
		got[1].ID != cands[1].Media.ID || got[1].Description != "The second kite, blue" {
		t.Fatalf("attachments %+v", got)
	}
	if !strings.HasPrefix(st.Text, "two kites\n\n") || !strings.Contains(st.Text, "#AIGenerated") {
		t.Fatalf("text %q", st.Text)
	}
	if _, err := post(alice.ID, pick(1, "again")); apperr.StatusOf(err) != http.StatusUnprocessableEntity ||
		!strings.Contains(apperr.MessageOf(err), "already posted") {
		t.Fatalf("posting a picked candidate again: %v", err)
	}
	cands, _ = e.svc.Candidates(ctx, j)
	if !cands[1].Picked() || !cands[3].Picked() || cands[0].Picked() || cands[2].Picked() {
		t.Fatalf("picked flags after posting: %+v", cands)
	}
}

// /imagine … --n 4 posts all four images in one status, and the bot
// answers "--n 3" with all three; a request over the quota gets the reason.
func TestImagineAndBotPostAllVariants(t *testing.T) {
	e := newEnv(t, builtin.New(), nil, genimage.Options{ImagesPerDay: 8, SyncWait: 20 * time.Second})
	alice, bob := e.user(t, "alice"), e.user(t, "bob")
	ctx := context.Background()
	if _, err := e.svc.Bot(ctx); err != nil { // before anyone mentions it
		t.Fatal(err)
	}
	e.start(t, true)
	st, err := e.svc.Imagine(ctx, alice.ID, "a fox in snow --n 4 --size 64x64", store.PostDraft{Visibility: store.VisibilityPublic})
	if err != nil {
		t.Fatal(err)
	}
	media, _ := e.db.MediaForStatuses(ctx, []int64{st.ID})
	if len(media[st.ID]) != 4 || !strings.Contains(st.Text, "#AIGenerated") {
		t.Fatalf("/imagine --n 4 posted %d images: %q", len(media[st.ID]), st.Text)
	}
	mention, err := e.soc.CreateStatus(ctx, bob.ID, social.Draft{Text: "@imagine a whale --n 3 --size 64x64"})
	if err != nil {
		t.Fatal(err)
	}
	reply := waitReply(t, e, mention.ID)
	media, _ = e.db.MediaForStatuses(ctx, []int64{reply.ID})
	if len(media[reply.ID]) != 3 || !strings.HasPrefix(reply.Text, "@bob ") {
		t.Fatalf("bot reply %q with %d images", reply.Text, len(media[reply.ID]))
	}
	// bob has 5 of 8 images left: four are fine, a second four are not.
	again, err := e.soc.CreateStatus(ctx, bob.ID, social.Draft{Text: "@imagine a crab --n 4 --size 64x64"})
	if err != nil {
		t.Fatal(err)
	}
	if r := waitReply(t, e, again.ID); len(r.Text) == 0 {
		t.Fatal("no reply")
	}
	over, err := e.soc.CreateStatus(ctx, bob.ID, social.Draft{Text: "@imagine a seal --n 4 --size 64x64"})
	if err != nil {
		t.Fatal(err)
	}
	if r := waitReply(t, e, over.ID); !strings.Contains(r.Text, "this asks for 4 images but only 1 of your 8") {
		t.Fatalf("over-quota reply %q", r.Text)
	}
}

// Unpicked candidates are deleted with their files after the keep time; a
// posted one stays, and a file an unpicked candidate shares with a posted
// image (the same seed draws the same bytes) stays too.
func TestSweepDeletesUnpickedCandidatesAndFiles(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	e := newEnvClock(t, t.TempDir(), builtin.New(), nil, genimage.Options{CandidatesKeep: 72 * time.Hour}, clk.now)
	alice := e.user(t, "alice")
	e.start(t, false)
	ctx := context.Background()
	first := submitDraft(t, e, alice.ID, "three pears", 3)
	firstCands, _ := e.svc.Candidates(ctx, first)
	clk.add(time.Hour)
	second := submitDraft(t, e, alice.ID, "three pears", 3) // same prompt and seed: the same three files
	secondCands, _ := e.svc.Candidates(ctx, second)
	if len(firstCands) != 3 || len(secondCands) != 3 || firstCands[0].Media.FileName != secondCands[0].Media.FileName {
		t.Fatalf("candidates %d and %d, shared file %v", len(firstCands), len(secondCands),
			firstCands[0].Media.FileName == secondCands[0].Media.FileName)
	}
	// The second job's first image is posted; its files are the first job's first files too.
	if _, err := e.svc.PostCandidates(ctx, alice.ID, second.ID, genimage.CandidatePost{
		Picks: []genimage.Pick{{MediaID: secondCands[0].Media.ID}}}); err != nil {
		t.Fatal(err)
	}
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(e.dir, "media", name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		return err == nil
	}

	clk.add(71 * time.Hour) // the first job's are 72 h old, not more
	if res, err := e.svc.SweepCandidates(ctx); err != nil || res.Candidates != 0 {
		t.Fatalf("sweep before the keep time: %+v, %v", res, err)
	}
	clk.add(time.Minute)
	res, err := e.svc.SweepCandidates(ctx)
	if err != nil || res.Candidates != 3 {
		t.Fatalf("sweep of the first job: %+v, %v; want 3 candidates", res, err)
	}
	if left, _ := e.svc.Candidates(ctx, first); len(left) != 0 {
		t.Fatalf("%d candidates of the first job left", len(left))
	}
	for _, id := range first.MediaIDs {
		if _, err := e.db.MediaByID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("media %d still there: %v", id, err)
		}
	}
	// Files of the first job's first image are the posted image's; the
	// others are still the second job's unpicked candidates'.
	for _, c := range firstCands {
		if !exists(c.Media.FileName) || !exists(c.Media.ThumbName) {
			t.Fatalf("a file still referenced was deleted: %s", c.Media.FileName)
		}
	}

	clk.add(time.Hour)
	res, err = e.svc.SweepCandidates(ctx)
	if err != nil || res.Candidates != 2 {
		t.Fatalf("sweep of the second job: %+v, %v; want 2", res, err)
	}
	for _, c := range secondCands[1:] {
		for _, name := range []string{c.Media.FileName, c.Media.ThumbName, c.Media.OriginalName} {
			if exists(name) {
				t.Fatalf("file %s of a swept candidate is still on disk", name)
			}
		}
	}
	if !exists(secondCands[0].Media.FileName) || !exists(secondCands[0].Media.OriginalName) {
		t.Fatal("the posted image's files were deleted")
	}
	left, _ := e.svc.Candidates(ctx, second)
	if len(left) != 1 || !left[0].Picked() {
		t.Fatalf("second job keeps %+v, want its posted candidate only", left)
	}
}
