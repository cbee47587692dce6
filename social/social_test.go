package social

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/store"
)

type env struct {
	db  *store.DB
	svc *Service
	hub *pubsub.Hub
}

func newEnv(t *testing.T) env {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "p.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hub := pubsub.New()
	fed, err := activitypub.New(db, &http.Client{}, hub, slog.New(slog.DiscardHandler), activitypub.Options{BaseURL: "https://p.test"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := media.NewFiles(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	return env{db: db, svc: New(db, fed, files, hub, Options{}), hub: hub}
}

func (e env) user(t *testing.T, name string) store.Account {
	t.Helper()
	a, err := e.svc.CreateAccount(context.Background(), NewAccount{Username: name, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func pngBytes(w, h int) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)))
	return b.Bytes()
}

func kindOf(err error) apperr.Kind {
	if e, ok := apperr.As(err); ok {
		return e.Kind
	}
	return 0
}

func TestCreateAccountValidation(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"", "-bob", "bob_", "Bob Smith", "a.b", "inbox", strings.Repeat("x", 31), "é"} {
		_, err := e.svc.CreateAccount(context.Background(), NewAccount{Username: name})
		if kindOf(err) != apperr.KindInvalid {
			t.Errorf("username %q: err = %v, want Invalid", name, err)
		}
	}
	e.user(t, "alice")
	if _, err := e.svc.CreateAccount(context.Background(), NewAccount{Username: "ALICE"}); kindOf(err) != apperr.KindConflict {
		t.Errorf("duplicate: %v", err)
	}
	a, _ := e.db.AccountByHandle(context.Background(), "alice", "")
	if a.PublicKeyPEM == "" || a.PrivateKeyPEM == "" || a.URI != "https://p.test/users/alice" || a.FollowersURI == "" {
		t.Errorf("account %+v", a)
	}
}

func TestCreateStatusValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, bob := e.user(t, "alice"), e.user(t, "bob")
	bobMedia, err := e.svc.UploadMedia(ctx, bob.ID, bytes.NewReader(pngBytes(8, 8)), MediaInput{})
	if err != nil {
		t.Fatal(err)
	}
	bobsPrivate, err := e.svc.CreateStatus(ctx, bob.ID, Draft{Text: "followers only", Visibility: store.VisibilityPrivate})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		d    Draft
		want apperr.Kind
	}{
		{"blank", Draft{Text: "  "}, apperr.KindInvalid},
		{"too long", Draft{Text: strings.Repeat("a", 501)}, apperr.KindInvalid},
		{"bad visibility", Draft{Text: "x", Visibility: "friends"}, apperr.KindInvalid},
		{"someone else's media", Draft{MediaIDs: []int64{bobMedia.ID}}, apperr.KindInvalid},
		{"five media", Draft{Text: "x", MediaIDs: []int64{1, 2, 3, 4, 5}}, apperr.KindInvalid},
		{"unknown parent", Draft{Text: "x", InReplyToID: 42}, apperr.KindNotFound},
		{"parent alice may not see", Draft{Text: "x", InReplyToID: bobsPrivate.ID}, apperr.KindNotFound},
	}
	for _, tc := range cases {
		if _, err := e.svc.CreateStatus(ctx, alice.ID, tc.d); kindOf(err) != tc.want {
			t.Errorf("%s: err = %v, want kind %d", tc.name, err, tc.want)
		}
	}
	if n, _ := e.db.CountLocalStatuses(ctx); n != 1 {
		t.Fatalf("%d statuses stored by rejected drafts", n-1)
	}
}

func TestPostMentionsTagsAndNotifications(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, bob := e.user(t, "alice"), e.user(t, "bob")
	sub := e.hub.Subscribe(activitypub.StreamNotifications)
	defer sub.Close()
	m, err := e.svc.UploadMedia(ctx, alice.ID, bytes.NewReader(pngBytes(40, 30)), MediaInput{Description: "dots"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.svc.CreateStatus(ctx, alice.ID, Draft{Text: "hi @bob #Art", MediaIDs: []int64{m.ID}, Visibility: "unlisted"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.Content, `class="u-url mention"`) || !strings.Contains(st.Content, "/tags/art") {
		t.Errorf("content %s", st.Content)
	}
	ns, _ := e.db.Notifications(ctx, bob.ID, store.NotificationFilter{}, store.Page{})
	if len(ns) != 1 || ns[0].Type != store.NotifyMention || ns[0].StatusID != st.ID {
		t.Fatalf("bob's notifications %+v", ns)
	}
	if ev := <-sub.C; ev.Payload.(store.Notification).AccountID != bob.ID {
		t.Fatalf("event %+v", ev)
	}
	tags, _ := e.db.TagsForStatuses(ctx, []int64{st.ID})
	media, _ := e.db.MediaForStatuses(ctx, []int64{st.ID})
	if len(tags[st.ID]) != 1 || tags[st.ID][0] != "art" || len(media[st.ID]) != 1 {
		t.Fatalf("tags %v media %v", tags, media)
	}
	// Media already attached cannot be reused.
	if _, err := e.svc.CreateStatus(ctx, alice.ID, Draft{MediaIDs: []int64{m.ID}}); kindOf(err) != apperr.KindInvalid {
		t.Fatalf("reused media: %v", err)
	}
	// Edit keeps history; delete makes a tombstone.
	ed, err := e.svc.EditStatus(ctx, alice.ID, st.ID, Draft{Text: "edited", MediaIDs: []int64{m.ID}})
	if err != nil || ed.EditedAt.IsZero() || ed.Visibility != store.VisibilityUnlisted {
		t.Fatalf("edit: %+v %v", ed, err)
	}
	hist, _ := e.db.StatusEdits(ctx, st.ID)
	if len(hist) != 1 || !strings.Contains(hist[0].Content, "hi") {
		t.Fatalf("history %+v", hist)
	}
	if _, err := e.svc.EditStatus(ctx, bob.ID, st.ID, Draft{Text: "mine"}); kindOf(err) != apperr.KindNotFound {
		t.Fatalf("bob edited alice's post: %v", err)
	}
	if _, err := e.svc.DeleteStatus(ctx, alice.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := e.db.StatusByID(ctx, st.ID)
	if got.DeletedAt.IsZero() || got.Content != "" {
		t.Fatalf("after delete %+v", got)
	}
	if ns, _ := e.db.Notifications(ctx, bob.ID, store.NotificationFilter{}, store.Page{}); len(ns) != 0 {
		t.Fatalf("notifications of a deleted status remain: %+v", ns)
	}
}

func TestLocalFollowsLikesBoostsAndVisibility(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, bob, carol := e.user(t, "alice"), e.user(t, "bob"), e.user(t, "carol")
	locked := true
	if _, err := e.svc.UpdateProfile(ctx, carol.ID, ProfileUpdate{Locked: &locked}); err != nil {
		t.Fatal(err)
	}
	fl, err := e.svc.Follow(ctx, bob.ID, alice.ID)
	if err != nil || !fl.Accepted {
		t.Fatalf("follow unlocked: %+v %v", fl, err)
	}
	fl, err = e.svc.Follow(ctx, bob.ID, carol.ID)
	if err != nil || fl.Accepted {
		t.Fatalf("follow locked: %+v %v", fl, err)
	}
	if _, err := e.svc.Follow(ctx, bob.ID, bob.ID); kindOf(err) != apperr.KindInvalid {
		t.Fatalf("self follow: %v", err)
	}
	private, _ := e.svc.CreateStatus(ctx, carol.ID, Draft{Text: "followers only", Visibility: store.VisibilityPrivate})
	if ok, _ := e.svc.CanSee(ctx, bob.ID, private); ok {
		t.Fatal("pending follower sees a followers-only post")
	}
	if err := e.svc.AnswerFollowRequest(ctx, carol.ID, bob.ID, true); err != nil {
		t.Fatal(err)
	}
	if ok, _ := e.svc.CanSee(ctx, bob.ID, private); !ok {
		t.Fatal("accepted follower cannot see a followers-only post")
	}
	if ok, _ := e.svc.CanSee(ctx, alice.ID, private); ok {
		t.Fatal("non-follower sees a followers-only post")
	}
	if _, err := e.svc.Reblog(ctx, bob.ID, private.ID); kindOf(err) != apperr.KindForbidden {
		t.Fatalf("boosted a private post: %v", err)
	}
	if _, err := e.svc.Favourite(ctx, alice.ID, private.ID); kindOf(err) != apperr.KindNotFound {
		t.Fatalf("liked an invisible post: %v", err)
	}
	pub, _ := e.svc.CreateStatus(ctx, alice.ID, Draft{Text: "public"})
	for i := 0; i < 2; i++ { // repeats are harmless
		if _, err := e.svc.Favourite(ctx, bob.ID, pub.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Reblog(ctx, bob.ID, pub.ID); err != nil {
			t.Fatal(err)
		}
	}
	counts, _ := e.db.StatusCountsByIDs(ctx, []int64{pub.ID})
	if c := counts[pub.ID]; c.Favourites != 1 || c.Reblogs != 1 {
		t.Fatalf("counts %+v", c)
	}
	ns, _ := e.db.Notifications(ctx, alice.ID, store.NotificationFilter{}, store.Page{})
	types := map[string]int{}
	for _, n := range ns {
		types[n.Type]++
	}
	if types[store.NotifyFollow] != 1 || types[store.NotifyFavourite] != 1 || types[store.NotifyReblog] != 1 {
		t.Fatalf("alice's notifications %v", types)
	}
	if _, err := e.svc.Unfavourite(ctx, bob.ID, pub.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Unreblog(ctx, bob.ID, pub.ID); err != nil {
		t.Fatal(err)
	}
	counts, _ = e.db.StatusCountsByIDs(ctx, []int64{pub.ID})
	if c := counts[pub.ID]; c.Favourites != 0 || c.Reblogs != 0 {
		t.Fatalf("counts after undo %+v", c)
	}
	if err := e.svc.Unfollow(ctx, bob.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.FollowBetween(ctx, bob.ID, alice.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("follow remains: %v", err)
	}
}

func TestUploadMediaRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice := e.user(t, "alice")
	if _, err := e.svc.UploadMedia(ctx, alice.ID, strings.NewReader("not an image"), MediaInput{}); kindOf(err) != apperr.KindInvalid {
		t.Fatalf("text upload: %v", err)
	}
	if _, err := e.svc.UploadMedia(ctx, alice.ID, bytes.NewReader(pngBytes(4, 4)), MediaInput{FocusX: 2}); kindOf(err) != apperr.KindInvalid {
		t.Fatalf("bad focus: %v", err)
	}
	if _, err := e.svc.UploadMedia(ctx, alice.ID, bytes.NewReader(pngBytes(4, 4)), MediaInput{Description: strings.Repeat("d", 1501)}); kindOf(err) != apperr.KindInvalid {
		t.Fatalf("long alt: %v", err)
	}
	gen, err := e.svc.UploadMedia(ctx, alice.ID, bytes.NewReader(pngBytes(16, 16)), MediaInput{Generated: true, GeneratorBackend: "builtin", GeneratorModel: "m", Prompt: "p"})
	if err != nil || gen.OriginalName == "" || !gen.Generated() || gen.Prompt != "p" {
		t.Fatalf("generated upload %+v %v", gen, err)
	}
}

// Every post with a generated image carries the AI label line and hashtag,
// however it was composed, and never twice (issue 4, labelling).
func TestGeneratedMediaIsLabelled(t *testing.T) {
	e := newEnv(t)
	e.svc.opts.AIHashtag = "AIGenerated"
	ctx := context.Background()
	alice := e.user(t, "alice")
	upload := func() int64 {
		m, err := e.svc.UploadMedia(ctx, alice.ID, bytes.NewReader(pngBytes(16, 16)), MediaInput{Generated: true, GeneratorBackend: "builtin", GeneratorModel: "pictor-abstract-1"})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	cases := []struct{ text, want string }{
		{"a cat", "a cat\n\nAI-generated image (builtin pictor-abstract-1) #AIGenerated"},
		{"", "AI-generated image (builtin pictor-abstract-1) #AIGenerated"},
		{"mine #aigenerated", "mine #aigenerated"},
	}
	for _, tc := range cases {
		st, err := e.svc.CreateStatus(ctx, alice.ID, Draft{Text: tc.text, MediaIDs: []int64{upload()}})
		if err != nil {
			t.Fatal(err)
		}
		if st.Text != tc.want || !st.Generated {
			t.Errorf("%q: text %q generated %v", tc.text, st.Text, st.Generated)
		}
	}
	plain, _ := e.svc.CreateStatus(ctx, alice.ID, Draft{Text: "no image"})
	if plain.Text != "no image" {
		t.Errorf("plain post labelled: %q", plain.Text)
	}
}

// Editing a boosted post tells the local boosters (notification type "update").
func TestEditNotifiesBoosters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, bob := e.user(t, "alice"), e.user(t, "bob")
	st, err := e.svc.CreateStatus(ctx, alice.ID, Draft{Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Reblog(ctx, bob.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"second", "third"} {
		if _, err := e.svc.EditStatus(ctx, alice.ID, st.ID, Draft{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	ns, _ := e.db.Notifications(ctx, bob.ID, store.NotificationFilter{Types: []string{store.NotifyUpdate}}, store.Page{})
	if len(ns) != 1 || ns[0].StatusID != st.ID || ns[0].FromAccountID != alice.ID {
		t.Fatalf("bob's update notifications %+v", ns)
	}
	if ns, _ := e.db.Notifications(ctx, alice.ID, store.NotificationFilter{Types: []string{store.NotifyUpdate}}, store.Page{}); len(ns) != 0 {
		t.Fatalf("the author was notified of her own edit: %+v", ns)
	}
}
