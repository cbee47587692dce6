package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/store"
)

// readData sizes the data set the read benchmark loads.
type readData struct {
	statuses, authors, follows, localPosts, tokens int
}

// benchTag is the hashtag of the local posts, read by the tag timeline.
const benchTag = "bench"

// benchToken is the i-th plain access token of the reader.
func benchToken(i int) string { return fmt.Sprintf("pictor-bench-token-%06d", i) }

// seedRead fills the store at path straight through the store package, in
// transactions of 20,000 rows, while no server runs: alice (local) with
// localPosts public posts, every other one with an image and #bench; remote
// authors with statuses spread over a year (one in ten with an image), the
// reader following follows of them so the home_feed triggers fill the
// reader's feed; and tokens access tokens for the reader.
func seedRead(ctx context.Context, path string, urls activitypub.URLs, d readData) error {
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	alice, err := db.AccountByHandle(ctx, "alice", "")
	if err != nil {
		return fmt.Errorf("alice: %w", err)
	}
	reader, err := db.AccountByHandle(ctx, "reader", "")
	if err != nil {
		return fmt.Errorf("reader: %w", err)
	}
	ids := make([]int64, d.authors)
	err = db.Write(ctx, func(tx *store.Tx) error {
		for i := range ids {
			host := fmt.Sprintf("remote%d.test", i%50)
			a := store.Account{Username: fmt.Sprintf("u%d", i), Domain: host, URI: fmt.Sprintf("https://%s/users/u%d", host, i),
				URL: fmt.Sprintf("https://%s/@u%d", host, i), DisplayName: fmt.Sprintf("Author %d", i), InboxURI: "https://" + host + "/inbox",
				AvatarURL: "https://" + host + "/avatar.png", FollowersCount: 10, StatusesCount: 100}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
			ids[i] = a.ID
		}
		for i := 0; i < d.follows && i*2 < len(ids); i++ {
			if err := tx.UpsertFollow(ctx, &store.Follow{AccountID: reader.ID, TargetAccountID: ids[i*2], Accepted: true}); err != nil {
				return err
			}
		}
		if err := tx.UpsertFollow(ctx, &store.Follow{AccountID: reader.ID, TargetAccountID: alice.ID, Accepted: true}); err != nil {
			return err
		}
		return seedTokens(ctx, tx, reader.ID, d.tokens)
	})
	if err != nil {
		return err
	}
	base := time.Now().Add(-365 * 24 * time.Hour)
	step := 365 * 24 * time.Hour / time.Duration(max(d.statuses, 1))
	const batch = 5_000 // each transaction stays well inside Write's one-minute bound
	for lo := 0; lo < d.statuses; lo += batch {
		err := db.Write(ctx, func(tx *store.Tx) error {
			for i := lo; i < min(lo+batch, d.statuses); i++ {
				if err := seedRemoteStatus(ctx, tx, ids[(i*7919)%len(ids)], i, base.Add(time.Duration(i)*step)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Printf("\r  %d/%d statuses", min(lo+batch, d.statuses), d.statuses)
	}
	fmt.Println()
	return db.Write(ctx, func(tx *store.Tx) error {
		for i := 0; i < d.localPosts; i++ {
			if err := seedLocalStatus(ctx, tx, urls, alice, i, time.Now().Add(-time.Duration(d.localPosts-i)*time.Minute)); err != nil {
				return err
			}
		}
		return nil
	})
}

func seedTokens(ctx context.Context, tx *store.Tx, accountID int64, n int) error {
	app := store.OAuthApp{Name: "pictor-bench", Scopes: "read write", ClientID: "pictor-bench", ClientSecretHash: "-",
		RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}}
	if err := tx.InsertOAuthApp(ctx, &app); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		sum := sha256.Sum256([]byte(benchToken(i)))
		t := store.OAuthToken{TokenHash: hex.EncodeToString(sum[:]), AppID: app.ID, AccountID: accountID, Scopes: "read write"}
		if err := tx.InsertOAuthToken(ctx, &t); err != nil {
			return err
		}
	}
	return nil
}

func seedRemoteStatus(ctx context.Context, tx *store.Tx, author int64, i int, at time.Time) error {
	st := store.Status{AccountID: author, URI: fmt.Sprintf("https://remote.test/s/%d", i),
		Content:    fmt.Sprintf("<p>Status number %d with a few words of text, #tag%d</p>", i, i%100),
		Visibility: store.VisibilityPublic, Language: "en", CreatedAt: at}
	if err := tx.InsertStatus(ctx, &st); err != nil {
		return err
	}
	if i%10 != 0 {
		return nil
	}
	m := store.MediaAttachment{AccountID: author, StatusID: st.ID, RemoteURL: fmt.Sprintf("https://remote.test/m/%d.jpg", i),
		MediaType: "image/jpeg", Width: 1024, Height: 768, Description: "an image", Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj"}
	return tx.InsertMedia(ctx, &m)
}

func seedLocalStatus(ctx context.Context, tx *store.Tx, urls activitypub.URLs, alice store.Account, i int, at time.Time) error {
	id := tx.NewID(at)
	text := fmt.Sprintf("Local post %d with some words", i)
	content := "<p>" + text + "</p>"
	if i%2 == 0 {
		text += " #" + benchTag
		content = fmt.Sprintf(`<p>%s <a href="%s/tags/%s" class="mention hashtag" rel="tag">#<span>%s</span></a></p>`,
			text[:len(text)-len(benchTag)-2], urls.Base, benchTag, benchTag)
	}
	st := store.Status{ID: id, AccountID: alice.ID, Local: true, URI: urls.Status(alice.Username, id),
		URL: urls.Profile(alice.Username) + fmt.Sprintf("/%d", id), Content: content, Text: text,
		Visibility: store.VisibilityPublic, Language: "en", CreatedAt: at}
	if err := tx.InsertStatus(ctx, &st); err != nil {
		return err
	}
	if i%2 != 0 {
		return nil
	}
	if err := tx.SetStatusTags(ctx, st.ID, []string{benchTag}); err != nil {
		return err
	}
	m := store.MediaAttachment{AccountID: alice.ID, StatusID: st.ID, Type: "image", FileName: fmt.Sprintf("bench-%d.webp", i),
		MediaType: "image/webp", Width: 1024, Height: 1024, FileSize: 90_000, ThumbName: fmt.Sprintf("bench-%d-thumb.webp", i),
		ThumbWidth: 400, ThumbHeight: 400, Description: "a local image", Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj"}
	return tx.InsertMedia(ctx, &m)
}

// dropMediaFetches empties the remote-media queue the seeded attachments and
// avatars filled (their hosts do not exist), so the server's fetch workers do
// not share the CPU with the reads being measured.
func dropMediaFetches(ctx context.Context, path, dbURL string) error {
	db, err := openBenchStore(ctx, path, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	for {
		var n int
		err := db.Write(ctx, func(tx *store.Tx) error {
			fs, err := tx.ClaimMediaFetches(ctx, 5_000, time.Hour)
			for _, f := range fs {
				if err := tx.DeleteMediaFetch(ctx, f.ID); err != nil {
					return err
				}
			}
			n = len(fs)
			return err
		})
		if err != nil || n == 0 {
			return err
		}
	}
}
