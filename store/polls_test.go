package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func pollStatus(t *testing.T, db *DB, author Account, p Poll) Poll {
	t.Helper()
	mustWrite(t, db, func(tx *Tx) error {
		st := Status{AccountID: author.ID, Visibility: VisibilityPublic, Local: author.Local()}
		st.URI = fmt.Sprintf("%s/statuses/%d", author.URI, tx.NewID(tx.Now()))
		if err := tx.InsertStatus(ctx0, &st); err != nil {
			return err
		}
		p.StatusID = st.ID
		return tx.InsertPoll(ctx0, &p)
	})
	return p
}

func vote(t *testing.T, db *DB, poll int64, who Account, choice int, uri string) bool {
	t.Helper()
	var ins bool
	mustWrite(t, db, func(tx *Tx) (err error) {
		ins, err = tx.InsertPollVote(ctx0, &PollVote{StatusID: poll, AccountID: who.ID, Choice: choice, URI: uri})
		return err
	})
	return ins
}

func counts(p Poll) []int64 {
	var out []int64
	for _, o := range p.Options {
		out = append(out, o.VotesCount)
	}
	return out
}

// Votes keep the option counts and the voters count honest: a voter who
// picks two options of a multiple-choice poll counts once, a repeated vote
// (same option or same remote uri) counts nothing, and a deleted voter's
// votes go.
func TestPollVotesKeepCountsHonest(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	p := pollStatus(t, db, w.alice, Poll{Multiple: true, Options: []PollOption{{Title: "a"}, {Title: "b"}, {Title: "c"}}})
	steps := []struct {
		who    Account
		choice int
		uri    string
		want   bool
	}{
		{w.dave, 0, "local-1", true},
		{w.dave, 2, "local-2", true},
		{w.dave, 2, "local-3", false}, // same option again
		{w.bob, 2, "https://there.test/votes/1", true},
		{w.bob, 1, "https://there.test/votes/1", false}, // redelivered note
		{w.carol, 1, "https://there.test/votes/2", true},
	}
	for i, s := range steps {
		if got := vote(t, db, p.StatusID, s.who, s.choice, s.uri); got != s.want {
			t.Fatalf("step %d: inserted = %v, want %v", i, got, s.want)
		}
	}
	got, err := db.PollByStatusID(ctx0, p.StatusID)
	if err != nil {
		t.Fatal(err)
	}
	if c := counts(got); !slices.Equal(c, []int64{1, 1, 2}) || got.VotersCount != 3 || got.VotesCount() != 4 {
		t.Fatalf("counts %v voters %d", c, got.VotersCount)
	}
	choices, err := db.PollChoices(ctx0, w.dave.ID, []int64{p.StatusID})
	if err != nil || !slices.Equal(choices[p.StatusID], []int{0, 2}) {
		t.Fatalf("dave's choices %v %v", choices, err)
	}
	mustWrite(t, db, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx0, `DELETE FROM accounts WHERE id = ?`, w.carol.ID)
		return err
	})
	got, _ = db.PollByStatusID(ctx0, p.StatusID)
	if c := counts(got); !slices.Equal(c, []int64{1, 0, 2}) || got.VotersCount != 2 {
		t.Fatalf("after deleting carol: counts %v voters %d", c, got.VotersCount)
	}
	var voters []Account
	mustWrite(t, db, func(tx *Tx) (err error) { voters, err = tx.PollVoters(ctx0, p.StatusID, false); return err })
	if len(voters) != 1 || voters[0].ID != w.bob.ID {
		t.Fatalf("remote voters %v", voters)
	}
}

// A remote poll's refresh overwrites counts, and resets votes when the
// options changed.
func TestRefreshRemotePoll(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	p := pollStatus(t, db, w.bob, Poll{Options: []PollOption{{Title: "yes", VotesCount: 3}, {Title: "no"}}, VotersCount: 3})
	vote(t, db, p.StatusID, w.alice, 1, "a1")
	got, _ := db.PollByStatusID(ctx0, p.StatusID)
	if c := counts(got); !slices.Equal(c, []int64{3, 1}) || got.VotersCount != 4 {
		t.Fatalf("after local vote: %v %d", c, got.VotersCount)
	}
	end := time.UnixMilli(time.Now().Add(time.Hour).UnixMilli()).UTC()
	mustWrite(t, db, func(tx *Tx) error {
		return tx.RefreshRemotePoll(ctx0, Poll{StatusID: p.StatusID, ExpiresAt: end, VotersCount: 9,
			Options: []PollOption{{Title: "yes", VotesCount: 5}, {Title: "no", VotesCount: 4}}})
	})
	got, _ = db.PollByStatusID(ctx0, p.StatusID)
	if c := counts(got); !slices.Equal(c, []int64{5, 4}) || got.VotersCount != 9 || !got.ExpiresAt.Equal(end) {
		t.Fatalf("after refresh: %+v", got)
	}
	if ch, _ := db.PollChoices(ctx0, w.alice.ID, []int64{p.StatusID}); len(ch[p.StatusID]) != 1 {
		t.Fatalf("alice's vote lost on a counts refresh: %v", ch)
	}
	mustWrite(t, db, func(tx *Tx) error {
		return tx.RefreshRemotePoll(ctx0, Poll{StatusID: p.StatusID, Options: []PollOption{{Title: "maybe"}, {Title: "no"}}})
	})
	if ch, _ := db.PollChoices(ctx0, w.alice.ID, []int64{p.StatusID}); len(ch[p.StatusID]) != 0 {
		t.Fatalf("votes kept across changed options: %v", ch)
	}
	if _, err := db.PollByStatusID(ctx0, 424242); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing poll: %v", err)
	}
}

// Scheduled updates are debounced (the first due time stays) and ended polls
// are handed out once.
func TestDuePollWork(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	past := time.Now().Add(-time.Minute)
	ended := pollStatus(t, db, w.alice, Poll{ExpiresAt: past, Options: []PollOption{{Title: "a"}, {Title: "b"}}})
	open := pollStatus(t, db, w.alice, Poll{ExpiresAt: time.Now().Add(time.Hour), Options: []PollOption{{Title: "a"}, {Title: "b"}}})
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.SchedulePollUpdate(ctx0, open.StatusID, past); err != nil {
			return err
		}
		return tx.SchedulePollUpdate(ctx0, open.StatusID, time.Now().Add(time.Hour)) // keeps the first
	})
	var work PollWork
	mustWrite(t, db, func(tx *Tx) (err error) { work, err = tx.DuePollWork(ctx0, 10); return err })
	if !slices.Equal(work.UpdateDue, []int64{open.StatusID}) || !slices.Equal(work.Ended, []int64{ended.StatusID}) {
		t.Fatalf("work %+v", work)
	}
	if next, err := db.NextPollWork(ctx0); err != nil || next.After(time.Now()) {
		t.Fatalf("next %v %v", next, err)
	}
	mustWrite(t, db, func(tx *Tx) error {
		if pending, err := tx.MarkPollUpdateSent(ctx0, open.StatusID); err != nil || !pending {
			return fmt.Errorf("mark sent: %v %v", pending, err)
		}
		first, err := tx.MarkPollEnded(ctx0, ended.StatusID)
		if err != nil || !first {
			return fmt.Errorf("first end: %v %v", first, err)
		}
		again, err := tx.MarkPollEnded(ctx0, ended.StatusID)
		if err != nil || again {
			return fmt.Errorf("second end: %v %v", again, err)
		}
		work, err = tx.DuePollWork(ctx0, 10)
		return err
	})
	if len(work.UpdateDue)+len(work.Ended) != 0 {
		t.Fatalf("work left %+v", work)
	}
	if next, _ := db.NextPollWork(ctx0); !next.Equal(open.ExpiresAt.Truncate(time.Millisecond)) {
		t.Fatalf("next = %v, want %v", next, open.ExpiresAt)
	}
}
