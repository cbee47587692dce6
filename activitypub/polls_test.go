package activitypub

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/store"
)

func fixtureObject(t *testing.T, name string) Object {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixturesDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	if a, err := ParseActivity(data); err == nil && a.Type == "Create" {
		return *a.Object.Object()
	}
	o, err := ParseObject(data)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Questions from five implementations read as polls: options and counts
// from oneOf/anyOf and replies.totalItems, the end from endTime or closed,
// voters from votersCount (else, for one choice, the sum).
func TestPollOfFixtures(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			v, _ = time.Parse("2006-01-02T15:04:05.999999999", s)
		}
		return v
	}
	cases := []struct {
		file    string
		titles  []string
		counts  []int64
		voters  int64
		expires time.Time
	}{
		{"mastodon/create-question-poll.json", []string{"Dunno", "Everyone knows that!", "25 char limit is dumb", "I can't even fit a funny"},
			[]int64{0, 1, 0, 1}, 2, ts("2019-05-11T09:03:36Z")},
		{"pleroma/question-poll.json", []string{"yes", "no"}, []int64{4, 0}, 4, ts("2019-09-19T00:32:36.785333")},
		{"misskey/question-poll-no-end-date.json", []string{"Working", "Broken af"}, []int64{0, 1}, 1, time.Time{}},
		{"smithereen/question-non-anonymous-poll.json", []string{"тестовый ответ 1", "тестовый ответ 2", "тестовый ответ 3"},
			[]int64{4, 4, 6}, 14, time.Time{}},
		{"activitystreams-spec/question-oneof.json", []string{"Option A", "Option B"}, []int64{0, 0}, 0, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			p, ok := pollOf(fixtureObject(t, c.file))
			if !ok {
				t.Fatal("not read as a poll")
			}
			var titles []string
			var counts []int64
			for _, o := range p.Options {
				titles, counts = append(titles, o.Title), append(counts, o.VotesCount)
			}
			if !slices.Equal(titles, c.titles) || !slices.Equal(counts, c.counts) || p.VotersCount != c.voters ||
				p.Multiple || !p.ExpiresAt.Equal(c.expires) {
				t.Fatalf("got %+v", p)
			}
		})
	}
	if _, ok := pollOf(Object{Type: "Note", OneOf: []QuestionOption{{Name: "x"}}}); ok {
		t.Fatal("a Note read as a poll")
	}
	if _, ok := pollOf(Object{Type: "Question"}); ok {
		t.Fatal("a Question without options read as a poll")
	}
}

func testFederation(t *testing.T) *Federation {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f, err := New(db, http.DefaultClient, pubsub.New(), slog.Default(), Options{BaseURL: "https://here.test"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A local poll renders as a Question in Mastodon's shape (oneOf or anyOf of
// named Notes with replies.totalItems, endTime, votersCount, closed once
// over), and reads back as the same poll.
func TestRenderQuestion(t *testing.T) {
	f := testFederation(t)
	author := store.Account{Username: "alice", URI: "https://here.test/users/alice", FollowersURI: "https://here.test/users/alice/followers"}
	end := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	for _, multiple := range []bool{false, true} {
		poll := store.Poll{Multiple: multiple, ExpiresAt: end, VotersCount: 3,
			Options: []store.PollOption{{Title: "a", VotesCount: 2}, {Title: "b", VotesCount: 1}}}
		st := store.Status{URI: "https://here.test/users/alice/statuses/1", Content: "<p>q</p>", Visibility: store.VisibilityPublic, CreatedAt: time.Now()}
		o := f.RenderNote(NoteData{Status: st, Author: author, Poll: &poll})
		b, err := Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		json.Unmarshal(b, &doc)
		key, other := "oneOf", "anyOf"
		if multiple {
			key, other = other, key
		}
		opts, _ := doc[key].([]any)
		if doc["type"] != "Question" || len(opts) != 2 || doc[other] != nil || doc["votersCount"] != float64(3) ||
			doc["endTime"] != end.Format("2006-01-02T15:04:05Z") || doc["closed"] != nil {
			t.Fatalf("rendered %s", b)
		}
		first := opts[0].(map[string]any)
		if first["type"] != "Note" || first["name"] != "a" || first["replies"].(map[string]any)["totalItems"] != float64(2) {
			t.Fatalf("option %v", first)
		}
		back, err := ParseObject(b)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := pollOf(back)
		if !ok || got.Multiple != multiple || got.VotersCount != 3 || !got.ExpiresAt.Equal(end) || got.Options[1] != poll.Options[1] {
			t.Fatalf("read back %+v", got)
		}
		poll.ExpiresAt = time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
		o = f.RenderNote(NoteData{Status: st, Author: author, Poll: &poll})
		if !o.Closed.Closed || !o.Closed.At.Equal(poll.ExpiresAt) {
			t.Fatalf("ended poll not closed: %+v", o.Closed)
		}
	}
}

// A vote renders as Mastodon's: a Create of a Note with only id, name,
// attributedTo, inReplyTo and to.
func TestCreateVoteShape(t *testing.T) {
	voter := store.Account{URI: "https://here.test/users/alice"}
	v := store.PollVote{ID: 42, URI: VoteURI(voter, 42), CreatedAt: time.Now()}
	b, err := Marshal(CreateVote(voter, v, "yes", "https://there.test/q/1", "https://there.test/users/bob"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ID, Type, Actor string
		To              []string
		Object          map[string]any
	}
	json.Unmarshal(b, &doc)
	want := map[string]any{"id": "https://here.test/users/alice#votes/42", "type": "Note", "name": "yes",
		"attributedTo": voter.URI, "inReplyTo": "https://there.test/q/1", "to": []any{"https://there.test/users/bob"}}
	if doc.Type != "Create" || doc.ID != want["id"].(string)+"/activity" || doc.Actor != voter.URI || len(doc.Object) != len(want) {
		t.Fatalf("vote %s", b)
	}
	for k, w := range want {
		if g, _ := json.Marshal(doc.Object[k]); string(g) != string(must(json.Marshal(w))) {
			t.Fatalf("object %s = %s, want %v", k, g, w)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
