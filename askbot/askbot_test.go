package askbot_test

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/askbot"
	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/genimage/builtin"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// env is a real store, federation, social service, image generator
// (builtin) and assistant (go-openai against the fake) in a temp folder,
// with a settable clock; the bot is worked by Intake and Step, no goroutines.
type env struct {
	db     *store.DB
	soc    *social.Service
	images *genimage.Service
	ai     *assistant.Service
	fake   *fakeopenai.Server
	clock  *clock
	bot    *askbot.Service
	opts   askbot.Options
	log    *slog.Logger
	hub    *pubsub.Hub
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func newEnv(t *testing.T, opts askbot.Options) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	c := &clock{t: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	db, err := store.Open(ctx, filepath.Join(dir, "pictor.db"), store.Options{Clock: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hub := pubsub.New()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fed, err := activitypub.New(db, http.DefaultClient, hub, log, activitypub.Options{BaseURL: "https://pictor.test", AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	files, err := media.NewFiles(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	soc := social.New(db, fed, files, hub, social.Options{AIHashtag: "AIGenerated"})
	images, err := genimage.New(genimage.Deps{DB: db, Social: soc, Hub: hub, Log: log, Backend: builtin.New()},
		genimage.Options{ImagesPerDay: 10, RemoteImagesPerDay: 2})
	if err != nil {
		t.Fatal(err)
	}
	fake := fakeopenai.New(t)
	client, err := assistant.NewClient(assistant.ClientOptions{BaseURL: fake.BaseURL(), Model: "chat-1",
		Profile: assistant.ProfileCompatible}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ai, err := assistant.New(assistant.Deps{DB: db, Client: client, Log: log, CanSee: soc.CanSee}, assistant.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, soc: soc, images: images, ai: ai, fake: fake, clock: c, opts: opts, log: log, hub: hub}
	e.bot = e.newBot(t)
	return e
}

// newBot builds a bot on the env's components, as a restarted process would.
func (e *env) newBot(t *testing.T) *askbot.Service {
	t.Helper()
	b, err := askbot.New(askbot.Deps{DB: e.db, Social: e.soc, Hub: e.hub, Log: e.log, Assistant: e.ai, Images: e.images}, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Bot(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) user(t *testing.T, name string) store.Account {
	t.Helper()
	a, err := e.soc.CreateAccount(context.Background(), social.NewAccount{Username: name, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) post(t *testing.T, author store.Account, d social.Draft) store.Status {
	t.Helper()
	st, err := e.soc.CreateStatus(context.Background(), author.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// work takes the new mentions and answers every due question.
func (e *env) work(t *testing.T, b *askbot.Service) {
	t.Helper()
	ctx := context.Background()
	if _, err := b.Intake(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := b.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// replies returns the bot's live replies to st.
func (e *env) replies(t *testing.T, st store.Status) []store.Status {
	t.Helper()
	bot, err := e.bot.Bot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all, err := e.db.Replies(context.Background(), st.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Status
	for _, r := range all {
		if r.AccountID == bot.ID {
			out = append(out, r)
		}
	}
	return out
}

func (e *env) one(t *testing.T, st store.Status) store.Status {
	t.Helper()
	rs := e.replies(t, st)
	if len(rs) != 1 {
		t.Fatalf("bot replies to %d = %d, want 1: %+v", st.ID, len(rs), rs)
	}
	return rs[0]
}

func mentioned(t *testing.T, db *store.DB, st store.Status) map[int64]bool {
	t.Helper()
	m, err := db.MentionsForStatuses(context.Background(), []int64{st.ID})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]bool{}
	for _, id := range m[st.ID] {
		out[id] = true
	}
	return out
}

// A local user asks @ask in a thread: the bot answers in the thread,
// mentioning them, unlisted, labelled; the model gets the thread the asker
// can see and never a followers-only post they cannot.
func TestAnswerInThread(t *testing.T) {
	e := newEnv(t, askbot.Options{PerDay: 5})
	alice, bob, carol := e.user(t, "alice"), e.user(t, "bob"), e.user(t, "carol")
	root := e.post(t, bob, social.Draft{Text: "Planning a trip to Lisbon in spring", Visibility: store.VisibilityPublic})
	secret := e.post(t, carol, social.Draft{Text: "my secret hotel is the Avenida", Visibility: store.VisibilityPrivate,
		InReplyToID: root.ID})
	open := e.post(t, carol, social.Draft{Text: "try the trams, line 28", Visibility: store.VisibilityPublic,
		InReplyToID: secret.ID})
	q := e.post(t, alice, social.Draft{Text: "@ask what else should I see?", Visibility: store.VisibilityPublic,
		InReplyToID: open.ID})
	e.fake.QueueChat(fakeopenai.AskAnswer("See Belém & the <b>Alfama</b> @carol #travel", ""))
	e.work(t, e.bot)

	calls := e.fake.RequestsTo(fakeopenai.ChatPath)
	if len(calls) != 1 {
		t.Fatalf("chat calls = %d, want 1", len(calls))
	}
	c := calls[0].Chat()
	all := c.AllText()
	for _, want := range []string{"@bob: Planning a trip to Lisbon", "@carol: try the trams", "@alice: what else should I see?", "JSON"} {
		if !strings.Contains(all, want) {
			t.Errorf("request lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "Avenida") {
		t.Errorf("the followers-only post the asker cannot see was sent:\n%s", all)
	}
	if !c.JSONMode {
		t.Error("JSON mode not asked for")
	}
	r := e.one(t, q)
	bot, _ := e.bot.Bot(context.Background())
	if !bot.Bot {
		t.Error("bot account is not bot: true")
	}
	if r.Visibility != store.VisibilityUnlisted || r.InReplyToID != q.ID {
		t.Errorf("reply visibility %s in reply to %d", r.Visibility, r.InReplyToID)
	}
	if !mentioned(t, e.db, r)[alice.ID] || mentioned(t, e.db, r)[carol.ID] {
		t.Errorf("reply mentions %v, want alice only (the model's @carol is inert)", mentioned(t, e.db, r))
	}
	if !strings.HasPrefix(r.Text, "@alice ") || !strings.Contains(r.Text, "AI-written answer (chat-1)") {
		t.Errorf("reply text %q", r.Text)
	}
	if strings.Contains(r.Content, "<b>") || strings.Contains(r.Content, "/tags/travel") {
		t.Errorf("reply HTML not inert: %s", r.Content)
	}
	// Asked again by the same mention (a second intake): still one answer.
	e.work(t, e.bot)
	e.one(t, q)
}

// A direct question gets a direct answer to the same people.
func TestDirectQuestion(t *testing.T) {
	e := newEnv(t, askbot.Options{})
	alice, bob, carol := e.user(t, "alice"), e.user(t, "bob"), e.user(t, "carol")
	q := e.post(t, alice, social.Draft{Text: "@ask @bob which of us is right?", Visibility: store.VisibilityDirect})
	e.fake.QueueChat(fakeopenai.AskAnswer("Both of you, partly.", ""))
	e.work(t, e.bot)
	r := e.one(t, q)
	if r.Visibility != store.VisibilityDirect {
		t.Errorf("visibility %s, want direct", r.Visibility)
	}
	m := mentioned(t, e.db, r)
	if !m[alice.ID] || !m[bob.ID] || m[carol.ID] || len(m) != 2 {
		t.Errorf("answer addressed to %v, want alice and bob", m)
	}
	// A followers-only question is answered directly to its addressees too.
	q2 := e.post(t, alice, social.Draft{Text: "@ask a private one", Visibility: store.VisibilityPrivate})
	e.fake.QueueChat(fakeopenai.AskAnswer("Sure.", ""))
	e.work(t, e.bot)
	if r := e.one(t, q2); r.Visibility != store.VisibilityDirect {
		t.Errorf("answer to a followers-only question is %s", r.Visibility)
	}
}

// Over the daily limit the requester gets one polite answer, then silence,
// and the model is not called.
func TestDailyLimit(t *testing.T) {
	e := newEnv(t, askbot.Options{PerDay: 1})
	alice := e.user(t, "alice")
	var qs []store.Status
	for _, text := range []string{"@ask one?", "@ask two?", "@ask three?"} {
		qs = append(qs, e.post(t, alice, social.Draft{Text: text, Visibility: store.VisibilityUnlisted}))
	}
	e.fake.QueueChat(fakeopenai.AskAnswer("One.", ""))
	e.work(t, e.bot)
	if n := len(e.fake.RequestsTo(fakeopenai.ChatPath)); n != 1 {
		t.Fatalf("chat calls = %d, want 1", n)
	}
	e.one(t, qs[0])
	if r := e.one(t, qs[1]); !strings.Contains(r.Text, "you have reached your limit of 1 questions a day") {
		t.Errorf("limit reply %q", r.Text)
	}
	if rs := e.replies(t, qs[2]); len(rs) != 0 {
		t.Errorf("a second limit reply: %+v", rs)
	}
	// The next UTC day the quota is back.
	e.clock.add(24 * time.Hour)
	q := e.post(t, alice, social.Draft{Text: "@ask four?", Visibility: store.VisibilityUnlisted})
	e.fake.QueueChat(fakeopenai.AskAnswer("Four.", ""))
	e.work(t, e.bot)
	if r := e.one(t, q); !strings.Contains(r.Text, "Four.") {
		t.Errorf("next day answer %q", r.Text)
	}
}

// A failing or refusing model gets one short reply each, and no retry.
func TestModelFailure(t *testing.T) {
	e := newEnv(t, askbot.Options{})
	alice := e.user(t, "alice")
	for _, tc := range []struct {
		reply fakeopenai.Reply
		want  string
	}{
		{fakeopenai.ServerError(), "Sorry, I could not answer this"},
		{fakeopenai.RateLimited("1"), "Sorry, I could not answer this"},
		{fakeopenai.ChatRefusal("no"), "Sorry, I can't help with that."},
	} {
		before := len(e.fake.RequestsTo(fakeopenai.ChatPath))
		q := e.post(t, alice, social.Draft{Text: "@ask why?", Visibility: store.VisibilityUnlisted})
		e.fake.QueueChat(tc.reply)
		e.work(t, e.bot)
		e.work(t, e.bot)
		if n := len(e.fake.RequestsTo(fakeopenai.ChatPath)) - before; n != 1 {
			t.Errorf("%s: chat calls = %d, want 1", tc.want, n)
		}
		if r := e.one(t, q); !strings.Contains(r.Text, tc.want) {
			t.Errorf("reply %q, want %q", r.Text, tc.want)
		}
		r, err := e.db.AskRequestByStatus(context.Background(), q.ID)
		if err != nil || r.State != store.AskDone {
			t.Errorf("question state %+v, %v", r, err)
		}
	}
}

// "Draw this": the model's draw prompt goes to the image generator within
// the requester's image quota, and the bot replies with the image, labelled
// as AI-written and AI-generated.
func TestDrawThis(t *testing.T) {
	e := newEnv(t, askbot.Options{})
	alice := e.user(t, "alice")
	q := e.post(t, alice, social.Draft{Text: "@ask draw me a red fox in the snow", Visibility: store.VisibilityPublic})
	e.fake.QueueChat(fakeopenai.AskAnswer("Here is a red fox in the snow.", "a red fox in fresh snow, watercolour"))
	e.work(t, e.bot)
	jobs, err := e.db.JobsOf(context.Background(), alice.ID, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs = %+v, %v", jobs, err)
	}
	j := jobs[0]
	bot, _ := e.bot.Bot(context.Background())
	if j.Kind != store.JobReply || j.AuthorID != bot.ID || j.Prompt != "a red fox in fresh snow, watercolour" || j.SourceStatusID != q.ID {
		t.Fatalf("job %+v", j)
	}
	if j, err = e.images.RunJob(context.Background(), j.ID); err != nil || j.State != store.JobDone {
		t.Fatalf("run job: %+v, %v", j, err)
	}
	r := e.one(t, q)
	for _, want := range []string{"@alice ", "Here is a red fox in the snow.", "AI-written answer (chat-1)", "AI-generated image", "#AIGenerated"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("reply %q lacks %q", r.Text, want)
		}
	}
	if r.Visibility != store.VisibilityUnlisted {
		t.Errorf("visibility %s", r.Visibility)
	}
	ex, err := e.db.StatusExtrasByIDs(context.Background(), []int64{r.ID})
	if err != nil || len(ex[r.ID].Media) != 1 || !ex[r.ID].Media[0].Generated() {
		t.Fatalf("reply media %+v, %v", ex[r.ID], err)
	}
	// The question is answered once: a second round changes nothing.
	e.work(t, e.bot)
	e.one(t, q)

	// A follow-up in the thread sends the bot's answer as the assistant's
	// turn, with the image's description.
	q2 := e.post(t, alice, social.Draft{Text: "@ask nice, what breed is it?", Visibility: store.VisibilityUnlisted,
		InReplyToID: r.ID})
	e.fake.QueueChat(fakeopenai.AskAnswer("A red fox is a wild canid, not a breed.", ""))
	e.work(t, e.bot)
	calls := e.fake.RequestsTo(fakeopenai.ChatPath)
	got := calls[len(calls)-1].Chat()
	if len(got.Texts) != 3 || !strings.Contains(got.Texts[1], "Here is a red fox") ||
		!strings.Contains(got.Texts[1], "[image: AI-generated image") || !strings.HasPrefix(got.Texts[2], "@alice: nice, what breed") {
		t.Errorf("follow-up request texts %q", got.Texts)
	}
	e.one(t, q2)
}

// A process that dies while answering leaves its lease; after it lapses a
// restarted bot answers the question, once.
func TestRestartMidQueue(t *testing.T) {
	e := newEnv(t, askbot.Options{Lease: time.Minute})
	alice := e.user(t, "alice")
	q := e.post(t, alice, social.Draft{Text: "@ask still there?", Visibility: store.VisibilityUnlisted})
	ctx := context.Background()
	if n, err := e.bot.Intake(ctx); err != nil || n != 1 {
		t.Fatalf("intake = %d, %v", n, err)
	}
	// The first process claims the question and dies before answering.
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ClaimAskRequest(ctx, time.Minute)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	restarted := e.newBot(t)
	if n, err := restarted.Intake(ctx); err != nil || n != 0 {
		t.Fatalf("intake after restart = %d, %v (the cursor was lost)", n, err)
	}
	if n, err := restarted.Step(ctx); err != nil || n != 0 {
		t.Fatalf("step within the lease = %d, %v", n, err)
	}
	e.clock.add(time.Minute + time.Second)
	e.fake.QueueChat(fakeopenai.AskAnswer("Yes.", ""))
	e.work(t, restarted)
	e.work(t, restarted)
	if r := e.one(t, q); !strings.Contains(r.Text, "Yes.") {
		t.Errorf("reply %q", r.Text)
	}
	if n := len(e.fake.RequestsTo(fakeopenai.ChatPath)); n != 1 {
		t.Errorf("chat calls = %d, want 1", n)
	}
	r, err := e.db.AskRequestByStatus(ctx, q.ID)
	if err != nil || r.State != store.AskDone || r.Attempts != 2 {
		t.Errorf("question %+v, %v", r, err)
	}
}

// Bots are never answered, and the command form is parsed strictly.
func TestCommandAndBots(t *testing.T) {
	e := newEnv(t, askbot.Options{Command: "/ask"})
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"/ask why?", "@ask why?", true},
		{"  /ask\nwhy?", "@ask why?", true},
		{"/asking why", "", false},
		{"why /ask", "", false},
	} {
		got, ok := e.bot.AskText(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("AskText(%q) = %q, %v", tc.in, got, ok)
		}
	}
	other, err := e.soc.CreateAccount(context.Background(), social.NewAccount{Username: "otherbot", Bot: true})
	if err != nil {
		t.Fatal(err)
	}
	q := e.post(t, other, social.Draft{Text: "@ask hello", Visibility: store.VisibilityUnlisted})
	e.work(t, e.bot)
	if rs := e.replies(t, q); len(rs) != 0 {
		t.Errorf("answered a bot: %+v", rs)
	}
}
