package activitypub

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/htmlsan"
	"github.com/pictor-social/pictor/internal/safehttp"
	"github.com/pictor-social/pictor/store"
	"github.com/pictor-social/pictor/webfinger"
)

// acceptAS2 is what Pictor asks for when fetching ActivityPub documents.
const acceptAS2 = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

// ErrGone is returned when a remote object answers 410 (deleted).
var ErrGone = errors.New("remote object is gone")

// ErrRemoteNotFound is returned when a remote object answers 404.
var ErrRemoteNotFound = errors.New("remote object not found")

// fetchError reports a failed fetch with its HTTP status (0 when none).
type fetchError struct {
	URL    string
	Status int
	Err    error
}

func (e *fetchError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("fetch %s: status %d", e.URL, e.Status)
	}
	return fmt.Sprintf("fetch %s: %v", e.URL, e.Err)
}

func (e *fetchError) Unwrap() error { return e.Err }

// Get fetches an ActivityPub document with a GET signed by the instance
// actor (so authorized-fetch servers answer; checklist 11, 13), bounded in
// time and size. A document whose id differs from the URL is the caller's to
// check.
func (f *Federation) Get(ctx context.Context, rawURL string) ([]byte, error) {
	ctx, cancel := safehttp.WithTimeout(ctx, f.opts.FetchTimeout)
	defer cancel()
	signer, err := f.InstanceActor(ctx)
	if err != nil {
		return nil, err
	}
	key, err := f.privateKey(signer)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, &fetchError{URL: rawURL, Err: err}
	}
	req.Header.Set("Accept", acceptAS2)
	if err := SignRequest(req, nil, signer.PublicKeyID, key, f.db.Now()); err != nil {
		return nil, &fetchError{URL: rawURL, Err: err}
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, &fetchError{URL: rawURL, Err: err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusGone:
		return nil, &fetchError{URL: rawURL, Status: resp.StatusCode, Err: ErrGone}
	case resp.StatusCode == http.StatusNotFound:
		return nil, &fetchError{URL: rawURL, Status: resp.StatusCode, Err: ErrRemoteNotFound}
	case resp.StatusCode != http.StatusOK:
		return nil, &fetchError{URL: rawURL, Status: resp.StatusCode, Err: fmt.Errorf("status %d", resp.StatusCode)}
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "" && !strings.Contains(mt, "json") {
		return nil, &fetchError{URL: rawURL, Err: fmt.Errorf("content type %s is not ActivityPub", mt)}
	}
	body, err := safehttp.ReadAll(resp.Body, f.opts.MaxFetchBytes)
	if err != nil {
		return nil, &fetchError{URL: rawURL, Err: err}
	}
	return body, nil
}

// FetchActor returns the remote actor with id uri, from the store when it was
// fetched less than ActorCacheFor ago (unless refresh), else fetched, checked
// (id equals the URL, a known actor type, a username; interop.md A.2) and
// stored. Local URIs are answered from the store only.
func (f *Federation) FetchActor(ctx context.Context, uri string, refresh bool) (store.Account, error) {
	cached, err := f.db.AccountByURI(ctx, uri)
	if err == nil && (cached.Local() || (!refresh && f.db.Now().Sub(cached.FetchedAt) < f.opts.ActorCacheFor)) {
		return cached, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Account{}, err
	}
	if f.IsLocalURI(uri) {
		return store.Account{}, fmt.Errorf("local actor %s: %w", uri, store.ErrNotFound)
	}
	body, err := f.Get(ctx, uri)
	if err != nil {
		return store.Account{}, err
	}
	act, err := ParseActor(body)
	if err != nil {
		return store.Account{}, err
	}
	if act.ID != uri {
		return store.Account{}, fmt.Errorf("actor %s: document id is %q", uri, act.ID)
	}
	return f.storeActor(ctx, act)
}

var actorTypes = map[TypeName]bool{"Person": true, "Service": true, "Application": true, "Group": true, "Organization": true}

// storeActor validates a remote actor document and inserts or updates its
// account, with the counts its collections publish (fetch_counts.go).
func (f *Federation) storeActor(ctx context.Context, act Actor) (store.Account, error) {
	if !actorTypes[act.Type] || act.PreferredUsername == "" || f.webURL(act.Inbox) == "" || f.webURL(act.ID) == "" {
		return store.Account{}, fmt.Errorf("actor %s: not a usable actor (type %q)", act.ID, act.Type)
	}
	host := hostOf(act.ID)
	if host == "" || host == f.host {
		return store.Account{}, fmt.Errorf("actor %s: bad host", act.ID)
	}
	counts := f.fetchActorCounts(ctx, act)
	var a store.Account
	err := f.db.Write(ctx, func(tx *store.Tx) error {
		old, err := tx.AccountByURI(ctx, act.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			a = store.Account{}
		case err != nil:
			return err
		default:
			a = old
		}
		f.applyActor(&a, act, host)
		counts.applyTo(&a)
		a.FetchedAt = tx.Now()
		a.DeletedAt = old.DeletedAt
		if a.ID == 0 {
			if err := tx.InsertAccount(ctx, &a); errors.Is(err, store.ErrConflict) {
				// Same username@host under a new actor id (the account was
				// re-created); the new document wins.
				return fmt.Errorf("actor %s: %s@%s is taken by another actor id", act.ID, a.Username, host)
			} else if err != nil {
				return err
			}
			return nil
		}
		return tx.UpdateAccount(ctx, &a)
	})
	return a, err
}

// applyActor copies an actor document's fields into an account record. Every
// URL is kept only when it passes webURL, so no other scheme reaches the
// client API, the web pages or the mention links of local posts.
func (f *Federation) applyActor(a *store.Account, act Actor, host string) {
	a.Username, a.Domain, a.URI = act.PreferredUsername, host, act.ID
	a.ActorType = string(act.Type)
	a.Bot = act.Type == "Service" || act.Type == "Application"
	a.DisplayName, a.Note = act.Name, htmlsan.Clean(act.Summary)
	a.URL = f.webURL(string(act.URL))
	if hostOf(a.URL) != host { // Mastodon ignores a url on another host (interop.md A.2)
		a.URL = act.ID
	}
	a.InboxURI, a.SharedInboxURI, a.OutboxURI = f.webURL(act.Inbox), f.webURL(act.SharedInboxURL()), f.webURL(act.Outbox)
	a.FollowersURI, a.FollowingURI = f.webURL(act.Followers), f.webURL(act.Following)
	a.FeaturedURI = f.webURL(act.Featured)
	if len(act.PublicKey) > 0 && act.PublicKey[0].PublicKeyPem != "" {
		a.PublicKeyID, a.PublicKeyPEM = act.PublicKey[0].ID, act.PublicKey[0].PublicKeyPem
	}
	a.AvatarURL, a.HeaderURL = "", ""
	if act.Icon != nil {
		a.AvatarURL = f.webURL(string(act.Icon.URL))
	}
	if act.Image != nil {
		a.HeaderURL = f.webURL(string(act.Image.URL))
	}
	a.Locked, a.Discoverable, a.Indexable = act.ManuallyApprovesFollowers, act.Discoverable, act.Indexable
	a.MovedToURI = f.webURL(act.MovedTo)
	a.Fields = nil
	for _, at := range act.Attachment {
		if at.Type == "PropertyValue" {
			a.Fields = append(a.Fields, store.Field{Name: at.Name, Value: htmlsan.Clean(at.Value)})
		}
	}
	if !act.Published.IsZero() {
		a.CreatedAt = act.Published.Time
	}
}

// fetchKey resolves a signature keyId for the Verifier: the cached key of a
// known actor, else the key document (an actor with the key embedded, or a
// stand-alone key with an owner, as GoToSocial serves) and then its owner,
// whose publicKey must point back to the key (interop.md A.3).
func (f *Federation) fetchKey(ctx context.Context, keyID string, refresh bool) (PublicKey, error) {
	if strings.HasPrefix(keyID, "acct:") {
		return f.acctKey(ctx, keyID, refresh)
	}
	if !refresh {
		if a, err := f.db.AccountByKeyID(ctx, keyID); err == nil && a.PublicKeyPEM != "" {
			return parseAccountKey(a)
		}
	}
	docURL, _, _ := strings.Cut(keyID, "#")
	if f.IsLocalURI(docURL) {
		a, err := f.db.AccountByKeyID(ctx, keyID)
		if err != nil {
			return PublicKey{}, fmt.Errorf("local key %s: %w", keyID, err)
		}
		return parseAccountKey(a)
	}
	body, err := f.Get(ctx, docURL)
	if err != nil {
		return PublicKey{}, err
	}
	pk, err := KeyFromDocument(body, keyID)
	if err != nil {
		return PublicKey{}, err
	}
	var owner store.Account
	if pk.Owner == docURL {
		// The key came embedded in the actor document itself: store that.
		act, err := ParseActor(body)
		if err != nil {
			return PublicKey{}, err
		}
		owner, err = f.storeActor(ctx, act)
		if err != nil {
			return PublicKey{}, err
		}
	} else if owner, err = f.FetchActor(ctx, pk.Owner, true); err != nil {
		return PublicKey{}, err
	}
	if owner.PublicKeyID != keyID && owner.PublicKeyID != docURL {
		return PublicKey{}, fmt.Errorf("key %s: owner %s does not list it", keyID, owner.URI)
	}
	return pk, nil
}

// acctKey resolves an `acct:user@host` keyId, which Mastodon accepts, to
// the key of that account found through WebFinger (interop.md A.3). The
// account's own key is the one used, whatever its key id.
func (f *Federation) acctKey(ctx context.Context, keyID string, refresh bool) (PublicKey, error) {
	user, host, ok := strings.Cut(strings.TrimPrefix(keyID, "acct:"), "@")
	if !ok || user == "" || host == "" {
		return PublicKey{}, fmt.Errorf("key %s: not an acct: URI", keyID)
	}
	host = strings.ToLower(host)
	if host == f.host {
		a, err := f.db.AccountByHandle(ctx, user, "")
		if err != nil {
			return PublicKey{}, fmt.Errorf("local key %s: %w", keyID, err)
		}
		return parseAccountKey(a)
	}
	if !refresh {
		if a, err := f.db.AccountByHandle(ctx, user, host); err == nil && a.PublicKeyPEM != "" {
			return parseAccountKey(a)
		}
	}
	_, actorURL, err := f.wf.Resolve(ctx, user, host)
	if err != nil {
		return PublicKey{}, fmt.Errorf("key %s: %w", keyID, err)
	}
	a, err := f.FetchActor(ctx, actorURL, true)
	if err != nil {
		return PublicKey{}, err
	}
	return parseAccountKey(a)
}

func parseAccountKey(a store.Account) (PublicKey, error) {
	k, err := ParsePublicKeyPEM(a.PublicKeyPEM)
	if err != nil {
		return PublicKey{}, fmt.Errorf("key of %s: %w", a.URI, err)
	}
	return PublicKey{ID: a.PublicKeyID, Owner: a.URI, Key: k}, nil
}

// ResolveHandle finds the account user@host: local accounts from the store,
// remote ones through WebFinger and an actor fetch. Unknown accounts give an
// apperr.NotFound.
func (f *Federation) ResolveHandle(ctx context.Context, user, host string) (store.Account, error) {
	host = strings.ToLower(host)
	if host == "" || host == f.host {
		a, err := f.db.AccountByHandle(ctx, user, "")
		if errors.Is(err, store.ErrNotFound) {
			return store.Account{}, apperr.NotFound("account @%s not found", user)
		}
		return a, err
	}
	if a, err := f.db.AccountByHandle(ctx, user, host); err == nil && f.db.Now().Sub(a.FetchedAt) < f.opts.ActorCacheFor {
		return a, nil
	}
	_, actorURL, err := f.wf.Resolve(ctx, user, host)
	if errors.Is(err, webfinger.ErrNotFound) {
		return store.Account{}, apperr.NotFound("account @%s@%s not found", user, host)
	}
	if err != nil {
		return store.Account{}, apperr.Wrap(apperr.Unavailable("could not look up @%s@%s", user, host), err)
	}
	return f.FetchActor(ctx, actorURL, true)
}
